"""Fetching member feeds: the only module of the hub that speaks HTTP.

Member URLs are untrusted. Everything here is about fetching them without being
hurt by them:

- SSRF: the address check happens on the address the socket actually connects to,
  inside the connection class (so DNS rebinding between check and connect cannot
  slip through), for the first request and every redirect hop. A host name with any
  non-public address is refused, unless that network is listed in
  ``FETCH_ALLOW_NETWORKS``.
- A hard total deadline per fetch: a watchdog thread shuts the sockets of a fetch
  down when its deadline passes, whatever the per-read timeouts say (a server that
  drips one byte per second, or headers that never end).
- The body is streamed and decoded here, chunk by chunk, with a cap counted after
  decompression, so a gzip bomb never allocates more than the cap plus a chunk.
- Redirects are followed by hand: at most ``FETCH_MAX_REDIRECTS``, no loops, no
  https-to-http downgrade, http(s) only; permanent ones are reported so the poller
  can adopt a new URL after repeated confirmations.
- At most ``FETCH_MAX_PER_HOST`` fetches to one host at once.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import heapq
import ipaddress
import itertools
import socket
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

ACCEPT = (
    "application/feed+json, application/json;q=0.9, text/calendar;q=0.9, "
    "application/atom+xml, application/rss+xml, application/xml;q=0.8, */*;q=0.5"
)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = "CoReteHub"
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_deadline: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_per_host: int = 2
    # How long a fetch may wait for one of its host's max_per_host connections before it
    # starts; the deadline counts from then (the wait is not the member's doing).
    host_wait: float = 120.0
    allow_networks: tuple = ()
    ca_bundle: str | None = None  # None: the usual public certificate authorities
    accept: str = ACCEPT  # what the hub asks for (feeds; pictures ask for images)

    @classmethod
    def from_config(cls, config) -> "FetchPolicy":
        return cls(
            user_agent=config["FETCH_USER_AGENT"],
            connect_timeout=float(config["FETCH_CONNECT_TIMEOUT"]),
            read_timeout=float(config["FETCH_READ_TIMEOUT"]),
            total_deadline=float(config["FETCH_TOTAL_DEADLINE"]),
            max_bytes=int(config["FETCH_MAX_BYTES"]),
            max_redirects=int(config["FETCH_MAX_REDIRECTS"]),
            max_per_host=int(config["FETCH_MAX_PER_HOST"]),
            host_wait=float(config["FETCH_HOST_WAIT"]),
            allow_networks=tuple(
                ipaddress.ip_network(n, strict=False) for n in config["FETCH_ALLOW_NETWORKS"]
            ),
            ca_bundle=config.get("FETCH_CA_BUNDLE") or None,
        )

    @classmethod
    def for_validator(cls, config) -> "FetchPolicy":
        """The validator page's fetches, which anonymous visitors start: only the networks
        VALIDATE_ALLOW_NETWORKS opens (never the poller's: an internal service must not be
        reachable through a public form), and a deadline short enough that slow addresses
        cannot hold the web workers."""
        deadline = float(config["VALIDATE_FETCH_DEADLINE"])
        poller = cls.from_config(config)
        return replace(
            poller, total_deadline=min(poller.total_deadline, deadline), host_wait=min(poller.host_wait, deadline),
            connect_timeout=min(poller.connect_timeout, deadline), read_timeout=min(poller.read_timeout, deadline),
            allow_networks=tuple(ipaddress.ip_network(n, strict=False) for n in config["VALIDATE_ALLOW_NETWORKS"]))


# "busy": the fetch never started, its host's connections were all taken (not a failure).
ERROR_CLASSES = ("dns", "connect", "timeout", "tls", "http_4xx", "http_5xx", "rate_limited", "too_large",
                 "invalid", "blocked", "busy", "not_a_feed")


class FetchError(Exception):
    """A fetch that produced no usable body. ``error_class`` is one of ERROR_CLASSES."""

    def __init__(self, error_class: str, message: str, *, status: int | None = None,
                 retry_after: float | None = None, bytes_read: int = 0):
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.bytes_read = bytes_read


class BlockedAddress(Exception):
    """Raised from inside the connection: deliberately not an OSError, so that neither
    urllib3 nor requests retries or wraps it."""


@dataclass
class FetchResult:
    status: int  # 200 or 304
    url: str  # where the body came from, after redirects
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  # where only permanent redirects led, if anywhere
    bytes_read: int = 0
    links: tuple[tuple[str, str], ...] = ()  # the Link header's (rel, absolute URL) pairs (WebSub's hub and self)


# --- addresses ---------------------------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip):
    """The IPv4 address hidden in an IPv6 form (mapped, 6to4, NAT64, Teredo), if any."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo:
        return ip.teredo[1]
    # IPv4-compatible (deprecated) ::a.b.c.d
    if int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_allowed(ip, allow_networks=()) -> bool:
    """True when a connection to ``ip`` may be made: a public unicast address, or one
    inside a network the configuration explicitly allows."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.split("%", 1)[0])
    inner = _embedded_ipv4(ip)
    candidates = [ip] if inner is None else [ip, inner]
    if any(c.version == n.version and c in n for c in candidates for n in allow_networks):
        return True
    target = inner or ip
    return target.is_global and not target.is_multicast


# --- the deadline watchdog ---------------------------------------------------------------

class _Context:
    """One fetch in flight: its sockets, so the watchdog can cut them at the deadline."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self.deadline: float | None = None  # set by start(), once a connection slot is free
        self.expired = False
        self.done = False
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []

    def register(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def start(self) -> None:
        """The fetch begins: its deadline runs from now, and the watchdog watches it."""
        self.deadline = time.monotonic() + self.policy.total_deadline
        _watchdog.arm(self)

    def expire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.expired = True
            for sock in self.sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One daemon thread that expires fetches whose deadline has passed."""

    def __init__(self):
        self._heap: list = []
        self._counter = itertools.count()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, ctx: _Context) -> None:
        with self._cv:
            heapq.heappush(self._heap, (ctx.deadline, next(self._counter), ctx))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-watchdog", daemon=True)
                self._thread.start()
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._heap:
                    self._cv.wait()
                deadline, _, ctx = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0 and not ctx.done:
                    self._cv.wait(wait)
                    continue
                heapq.heappop(self._heap)
            if not ctx.done:
                ctx.expire()


_watchdog = _Watchdog()
_local = threading.local()


# --- connections that check the address they connect to -----------------------------------

class _CheckedConnectMixin:
    def _new_conn(self) -> socket.socket:
        ctx: _Context | None = getattr(_local, "ctx", None)
        allow = ctx.policy.allow_networks if ctx else ()
        host = self._dns_host.strip("[]")
        try:
            infos = socket.getaddrinfo(host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        for *_, sockaddr in infos:
            if not address_allowed(sockaddr[0], allow):
                raise BlockedAddress(f"{self.host} resolves to {sockaddr[0]}, which is not a public address")
        last_error: OSError | None = None
        for family, socktype, proto, _, sockaddr in infos:
            sock = socket.socket(family, socktype, proto)
            try:
                sock.settimeout(self.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if ctx:
                    ctx.register(sock)
                sock.connect(sockaddr)
                # The check again, on the peer the kernel actually connected us to.
                peer = sock.getpeername()[0]
                if not address_allowed(peer, allow):
                    sock.close()
                    raise BlockedAddress(f"{self.host} connected to {peer}, which is not a public address")
                return sock
            except socket.timeout as e:
                sock.close()
                raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from e
            except OSError as e:
                sock.close()
                last_error = e
        raise NewConnectionError(self, f"failed to connect to {self.host}: {last_error}")


class _CheckedHTTPConnection(_CheckedConnectMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnectMixin, HTTPSConnection):
    pass


class _PoolMixin:
    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)
        ctx = getattr(_local, "ctx", None)
        if ctx and conn.sock is not None:  # a kept-alive connection: watch it too
            ctx.register(conn.sock)
        return conn


class _CheckedHTTPPool(_PoolMixin, HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(_PoolMixin, HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


_sessions: dict[tuple, requests.Session] = {}
_sessions_lock = threading.Lock()


def _session(policy: FetchPolicy) -> requests.Session:
    """One session shared by every fetch thread, so kept-alive connections are reused
    across threads and no more than ``max_per_host`` stay open to a host. (urllib3's pool
    manager is thread-safe; the session keeps no cookies that matter here, follows no
    redirects itself and reads nothing from the environment.) Sessions are keyed by
    what decides whether a connection is acceptable, so a connection opened under one
    allow-list is never reused under a stricter one."""
    per_host = policy.max_per_host
    key = (per_host, policy.allow_networks, policy.ca_bundle)
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxies or netrc from the environment
            adapter = _CheckedAdapter(pool_connections=256, pool_maxsize=per_host, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[key] = session
        return session


# --- per-host concurrency ----------------------------------------------------------------

_host_slots: dict[tuple[tuple[str, int], int], threading.BoundedSemaphore] = {}
_host_slots_lock = threading.Lock()


def _host_slot(netloc: tuple[str, int], size: int) -> threading.BoundedSemaphore:
    """The ``size`` connections to a host (keyed by size too: a policy with another
    FETCH_MAX_PER_HOST gets its own, not the first one's)."""
    with _host_slots_lock:
        slot = _host_slots.get((netloc, size))
        if slot is None:
            slot = _host_slots[(netloc, size)] = threading.BoundedSemaphore(size)
        return slot


# --- decoding ------------------------------------------------------------------------------

class _Decoder:
    """Undoes a (possibly stacked) Content-Encoding, never producing more than ``cap``."""

    def __init__(self, encodings: list[str], cap: int):
        self.cap = cap
        self.stages = []
        for enc in reversed(encodings):
            if enc in ("gzip", "x-gzip", "deflate"):
                self.stages.append(zlib.decompressobj(zlib.MAX_WBITS | 32))  # gzip or zlib header
            elif enc not in ("identity", ""):
                raise FetchError("invalid", f"unsupported Content-Encoding {enc!r}")

    def feed(self, data: bytes, produced: int) -> bytes:
        for stage in self.stages:
            data = stage.decompress(data, self.cap - produced + 1)
            if stage.unconsumed_tail:
                raise FetchError("too_large", f"the decoded body is larger than {self.cap} bytes")
        return data

    def finish(self) -> bytes:
        out = b""
        for stage in self.stages:
            out = stage.decompress(out, self.cap + 1) + stage.flush()
            if not stage.eof:
                raise FetchError("invalid", "the compressed body ended early")
        return out


def _read_body(resp: requests.Response, cap: int) -> tuple[bytes, int]:
    encodings = [e.strip().lower() for e in resp.headers.get("Content-Encoding", "").split(",") if e.strip()]
    declared = resp.headers.get("Content-Length")
    if not encodings and declared and declared.isdigit() and int(declared) > cap:
        raise FetchError("too_large", f"Content-Length {declared} is larger than the {cap}-byte cap")
    decoder = _Decoder(encodings, cap)
    parts: list[bytes] = []
    produced = raw_total = 0
    while True:
        chunk = resp.raw.read(CHUNK, decode_content=False)
        if not chunk:
            break
        raw_total += len(chunk)
        if raw_total > cap:
            raise FetchError("too_large", f"the body is larger than {cap} bytes", bytes_read=raw_total)
        out = decoder.feed(chunk, produced)
        produced += len(out)
        if produced > cap:
            raise FetchError("too_large", f"the decoded body is larger than {cap} bytes", bytes_read=raw_total)
        parts.append(out)
    tail = decoder.finish()
    if produced + len(tail) > cap:
        raise FetchError("too_large", f"the decoded body is larger than {cap} bytes", bytes_read=raw_total)
    parts.append(tail)
    return b"".join(parts), raw_total


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent
    or unreadable. A date in the past gives 0."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


# --- fetching ------------------------------------------------------------------------------

def _check_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("blocked", f"only http and https URLs are fetched, not {parts.scheme or 'no scheme'}")
    if not parts.hostname:
        raise FetchError("invalid", "the URL has no host")
    if parts.username or parts.password:
        raise FetchError("blocked", "URLs with a user name or password are not fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:
        raise FetchError("invalid", f"bad port in URL: {e}") from e
    return parts.hostname, port


def fetch(url: str, policy: FetchPolicy, *, etag: str | None = None,
          last_modified: str | None = None) -> FetchResult:
    """GET a member feed under every limit of ``policy``; raise FetchError on failure."""
    with _guarded(policy) as ctx:
        return _fetch(url, policy, ctx, etag, last_modified)


@contextmanager
def _guarded(policy: FetchPolicy):
    """One request in flight under the watchdog: every failure becomes a FetchError, and
    an answer cut by the deadline is an error, whatever was read of it."""
    ctx = _Context(policy)
    _local.ctx = ctx
    try:
        yield ctx
        if ctx.expired:  # cut by the watchdog: whatever was read is incomplete
            raise _deadline_error(policy)
    except FetchError:
        if ctx.expired:
            raise _deadline_error(policy) from None
        raise
    except BlockedAddress as e:
        raise FetchError("blocked", str(e)) from None
    except Exception as e:  # every other failure is classified, never raised raw
        raise _classify(e, ctx) from None
    finally:
        with ctx.lock:
            ctx.done = True
        _local.ctx = None


def _deadline_error(policy: FetchPolicy) -> FetchError:
    return FetchError("timeout", f"no complete answer within the {policy.total_deadline:g} s deadline")


def _classify(e: Exception, ctx: _Context) -> FetchError:
    if ctx.expired:
        return _deadline_error(ctx.policy)
    chain = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
    for exc in chain:
        if isinstance(exc, BlockedAddress):
            return FetchError("blocked", str(exc))
        if isinstance(exc, (NameResolutionError, socket.gaierror)):
            return FetchError("dns", "the host name does not resolve")
    if isinstance(e, requests.exceptions.SSLError):
        return FetchError("tls", f"TLS failed: {_short(e)}")
    if isinstance(e, (requests.exceptions.ConnectTimeout, ConnectTimeoutError)):
        return FetchError("timeout", f"no connection within {ctx.policy.connect_timeout:g} s")
    if isinstance(e, (requests.exceptions.ReadTimeout, ReadTimeoutError, socket.timeout)):
        return FetchError("timeout", f"the server was silent for more than {ctx.policy.read_timeout:g} s")
    if isinstance(e, (ProtocolError, requests.exceptions.ChunkedEncodingError)) and "IncompleteRead" in repr(e):
        return FetchError("invalid", "the body ended before the length the server announced")
    if isinstance(e, (requests.exceptions.ConnectionError, ProtocolError, OSError)):
        return FetchError("connect", f"connection failed: {_short(e)}")
    if isinstance(e, (requests.exceptions.InvalidURL, ValueError)):
        return FetchError("invalid", f"bad URL or answer: {_short(e)}")
    return FetchError("connect", f"{type(e).__name__}: {_short(e)}")


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) < 300 else text[:297] + "..."


def _fetch(url, policy, ctx, etag, last_modified) -> FetchResult:
    headers = {"User-Agent": policy.user_agent, "Accept": policy.accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    session = _session(policy)
    current, seen = url, {url}
    permanent_url: str | None = None
    only_permanent = True
    for _hop in range(policy.max_redirects + 1):
        host_port = _check_url(current)
        slot = _host_slot(host_port, policy.max_per_host)
        if ctx.deadline is None:  # the first request: its deadline starts once a slot is free
            if not slot.acquire(timeout=policy.host_wait):
                raise FetchError("busy", f"no free connection to this host within {policy.host_wait:g} s: "
                                         "the hub's own queue, not the member's server")
            ctx.start()
        elif not slot.acquire(timeout=max(0.0, ctx.deadline - time.monotonic())):
            raise FetchError("timeout", "waited too long for a free connection to this host")
        try:
            resp = session.get(
                current, headers=headers, stream=True, allow_redirects=False,
                timeout=(policy.connect_timeout, policy.read_timeout),
                verify=policy.ca_bundle or True,  # never False: TLS failures fail closed
            )
            reusable = False  # the connection goes back to the pool only after a complete answer
            try:
                status = resp.status_code
                if status in (301, 302, 303, 307, 308):
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError("invalid", f"HTTP {status} without a Location", status=status)
                    target = urljoin(current, location.strip())
                    if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
                        raise FetchError("blocked", f"refused to follow a redirect from https to http ({target})", status=status)
                    if target in seen:
                        raise FetchError("blocked", f"redirect loop at {target}", status=status)
                    seen.add(target)
                    if only_permanent and status in (301, 308):
                        permanent_url = target
                    else:
                        only_permanent = False
                    current = target
                    continue
                if status == 304:
                    reusable = True
                    return FetchResult(304, current, etag=resp.headers.get("ETag", etag),
                                       last_modified=resp.headers.get("Last-Modified", last_modified),
                                       permanent_url=permanent_url)
                if status >= 400 or status < 200:
                    raise _http_error(resp)
                body, raw = _read_body(resp, policy.max_bytes)
                reusable = not ctx.expired
                return FetchResult(
                    status, current, body, resp.headers.get("Content-Type"),
                    resp.headers.get("ETag"), resp.headers.get("Last-Modified"), permanent_url, raw,
                    _links(resp.headers.get("Link"), current),
                )
            finally:
                if reusable:
                    resp.raw.release_conn()
                else:
                    resp.close()
        finally:
            slot.release()
    raise FetchError("blocked", f"more than {policy.max_redirects} redirects")


def _links(header: str | None, base: str) -> tuple[tuple[str, str], ...]:
    """An HTTP Link header (RFC 8288) as (rel, absolute URL) pairs, a rel list counted once
    per name; at most 20 pairs, of http(s) URLs only."""
    if not header or len(header) > 8192:
        return ()
    found = []
    for link in requests.utils.parse_header_links(header)[:20]:
        url = urljoin(base, link.get("url", "").strip())
        if urlsplit(url).scheme in ("http", "https") and len(url) <= 2000:
            found += [(rel, url) for rel in link.get("rel", "").casefold().split()]
    return tuple(found[:20])


def post(url: str, body: bytes, content_type: str, policy: FetchPolicy, *,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST to an address a member named (a WebSub hub, a subscriber's callback) under the
    fetcher's guards: the address checked when the socket connects, the total deadline,
    no redirects followed (one is an answer, not a new address to go to). Returns the
    status and the answer's first 2,000 characters; raises FetchError when no answer came."""
    with _guarded(policy) as ctx:
        _check_url(url)
        ctx.start()
        resp = _session(policy).post(
            url, data=body, stream=True, allow_redirects=False, timeout=(policy.connect_timeout, policy.read_timeout),
            verify=policy.ca_bundle or True,
            headers={"User-Agent": policy.user_agent, "Content-Type": content_type, **(headers or {})})
        try:
            answer = resp.raw.read(2000, decode_content=True) or b""
        finally:
            resp.close()
    return resp.status_code, answer.decode("utf-8", "replace")


def _http_error(resp: requests.Response) -> FetchError:
    status = resp.status_code
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    reason = resp.reason or ""
    if status == 429:
        return FetchError("rate_limited", "HTTP 429: the server asks the hub to slow down",
                          status=status, retry_after=retry_after)
    if status >= 500:
        return FetchError("http_5xx", f"HTTP {status} {reason}: the member's server has a problem",
                          status=status, retry_after=retry_after)
    plain = {
        401: "the feed needs a login: publish it without one",
        403: "the server refuses the hub (access denied or a bot-protection page)",
        404: "nothing at this address: the feed moved or was removed",
        410: "the member says this feed is gone for good",
    }.get(status, reason)
    return FetchError("http_4xx", f"HTTP {status}: {plain}", status=status, retry_after=retry_after)


def backoff(attempts: int, ceiling: float) -> dt.timedelta:
    """When to try a request to another server again after ``attempts`` failures in a row:
    2, 4, 8... minutes later, at most ``ceiling`` seconds."""
    return dt.timedelta(seconds=min(60 * 2 ** min(attempts, 12), ceiling))


class SendingTime:
    """How long a scheduler's job may go on starting requests to other servers in one run
    (``OUTBOUND_SECONDS_PER_RUN``): a request started in time still has its own deadline,
    and what is not sent stays due for the job's next run."""

    def __init__(self, config):
        self.until = time.monotonic() + float(config["OUTBOUND_SECONDS_PER_RUN"])

    def left(self) -> bool:
        return time.monotonic() < self.until
