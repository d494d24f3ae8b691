"""HTTP caching for pages and exports: an ETag and a Last-Modified computed from the
data, and 304 Not Modified for a conditional request that already has it; and a short
in-process cache of documents that are costly to build."""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict

from flask import Response, request
from werkzeug.http import is_resource_modified


def data_etag(*parts) -> str:
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=16).hexdigest()


def conditional(render, *, etag: str, last_modified: dt.datetime | None, max_age: int = 300) -> Response:
    """``render()`` builds the response only when the client does not already hold it.
    Werkzeug decides, as RFC 9110 says: If-None-Match by weak comparison (a proxy that
    compresses sends W/"..." back), If-Modified-Since only without it."""
    if not is_resource_modified(request.environ, etag=etag,
                                last_modified=last_modified.replace(microsecond=0) if last_modified else None):
        response = Response(status=304)
    else:
        response = render()
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response


class DocumentCache:
    """Documents this process built, by key (least recently used out first, at most
    ``max_bytes`` in all), for documents that are costly to build and may be as old as
    their Cache-Control max-age anyway: the map's GeoJSON of 25,000 points takes about
    0.3 s to build and under a millisecond to send again (bench_map.py).

    A document is fresh for ``ttl`` seconds. For ``stale`` seconds more it is still
    answered while one background thread builds its successor (stale-while-revalidate):
    past the first build, nobody waits for one. Older than that, or cleared, the request
    builds it."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[float, str | bytes, str]] = OrderedDict()
        self._refreshing: set[str] = set()
        self._generation = 0  # clear() counts up: a build begun before it is not kept
        self._lock = threading.Lock()

    def get_or_build(self, key: str, ttl: float, build, *, stale: float = 0,
                     rebuild=None) -> tuple[str | bytes, str]:
        """(the document, its ETag): built by ``build()`` unless one younger than ``ttl``
        is kept. ``rebuild(done)``, when given, starts building in the background a
        document that is past ``ttl`` but within ``stale``, and calls ``done(body)``."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key) if ttl > 0 else None
            if entry is not None and entry[0] + stale > now:
                self._entries.move_to_end(key)
                if entry[0] <= now and rebuild is not None and key not in self._refreshing:
                    self._refreshing.add(key)
                    generation = self._generation
                    rebuild(lambda body: self._finish(key, ttl, body, generation))
                return entry[1], entry[2]
        body = build()
        return body, self._keep(key, ttl, body)

    def _finish(self, key: str, ttl: float, body, generation: int) -> None:
        """A background build ended: keep its document (None: it failed, and the stale one
        stays), unless the cache was cleared meanwhile (it may predate the change)."""
        try:
            if body is not None and generation == self._generation:
                self._keep(key, ttl, body)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _keep(self, key: str, ttl: float, body) -> str:
        raw = body if isinstance(body, bytes) else body.encode()
        etag = hashlib.blake2b(key.encode() + b"\x1f" + raw, digest_size=16).hexdigest()
        if ttl > 0:
            with self._lock:
                self._entries[key] = (time.monotonic() + ttl, body, etag)
                self._entries.move_to_end(key)
                total = sum(len(b) for _, b, _ in self._entries.values())
                while total > self.max_bytes and len(self._entries) > 1:
                    _, (_, dropped, _) = self._entries.popitem(last=False)
                    total -= len(dropped)
        return etag

    def clear(self) -> None:
        """Forget everything (after a change this process made, such as a moderation)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1


def in_background(app, build):
    """A ``rebuild`` for DocumentCache.get_or_build: ``build()`` in a thread of its own,
    inside an app context (its own database session). ``build`` must not need the
    request: take what it needs from it (host, filters) before."""

    def start(done) -> None:
        def run() -> None:
            body = None
            try:
                with app.app_context():
                    body = build()
            except Exception:  # the stale document stays; the next request past it retries
                app.logger.exception("building a document in the background failed")
            finally:
                done(body)

        threading.Thread(target=run, name="corete-document-build", daemon=True).start()

    return start
