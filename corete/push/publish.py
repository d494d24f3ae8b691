"""WebSub (W3C Recommendation, 2018): the hub as the publisher of its own feeds.

Its Atom feeds (the network's calendar, each space's events, the calls, the digest) and the
feeds it hosts for spaces name the hub's own WebSub hub, ``PUBLIC_URL/websub``, in an HTTP
``Link`` header and in the document. A reader (Miniflux, FreshRSS, another CoRete hub)
subscribes there; the request is only recorded (``request``). From the scheduler, never
from a web request, ``run`` then:

- verifies each request's intent: a GET to the callback, through the poller's guarded
  fetcher (a callback on a private address is never reached), that must answer with our
  challenge; only then does a subscription start, change its secret or end;
- renders each subscribed topic as a reader would fetch it and, when its version (its
  ETag) changed since a subscriber's last delivery, posts it to the subscriber's callback,
  signed with the subscriber's secret when it gave one (``X-Hub-Signature: sha256=``), with
  retries 2, 4, 8... minutes apart while the lease lasts;
- forgets subscriptions whose lease ended.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.exceptions import HTTPException

from corete.core.atom import websub_hub
from corete.federation.fetch import FetchError, FetchPolicy, SendingTime, backoff, fetch, post
from corete.push.models import Subscriber

# The hub's documents a reader may subscribe to: Atom feeds, and the feeds it hosts.
TOPICS = {"events.upcoming_atom", "events.new_atom", "events.space_atom", "calls.calls_atom", "digest.digest_atom",
          "hosting.feed_json"}
MAX_SECRET = 199  # bytes (the specification: less than 200)
MIN_LEASE, DEFAULT_LEASE = 60, 10 * 24 * 3600
MAX_VERIFICATIONS, MAX_DELIVERIES = 50, 200  # per run; the rest wait for the next
RETRY_CEILING = 6 * 3600


class Refused(ValueError):
    """A subscription request the hub does not take; the message is for the subscriber."""


def topic_endpoint(app, topic: str) -> str | None:
    """The endpoint a topic URL leads to, when it is one of the hub's published feeds."""
    base = urlsplit(app.config["PUBLIC_URL"].rstrip("/"))
    parts = urlsplit(topic)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(base.path + "/"):
        return None
    adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    try:
        endpoint, _args = adapter.match(parts.path[len(base.path):], method="GET")
    except HTTPException:
        return None
    return endpoint if endpoint in TOPICS else None


def _key(topic: str, callback: str) -> str:
    return hashlib.sha256(f"{topic}\n{callback}".encode()).hexdigest()


def request(session, app, form, now: dt.datetime) -> None:
    """Record a subscriber's (un)subscription request, to be verified by ``run``. Raises
    Refused. Flushes; the caller commits."""
    mode, topic, callback = form.get("hub.mode"), form.get("hub.topic", ""), form.get("hub.callback", "")
    if mode not in ("subscribe", "unsubscribe"):
        raise Refused(_l("hub.mode must be subscribe or unsubscribe."))
    if not topic or len(topic) > 2000 or topic_endpoint(app, topic) is None:
        raise Refused(_l("hub.topic is not one of this hub's feeds."))
    parts = urlsplit(callback)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(callback) > 2000 or "#" in callback:
        raise Refused(_l("hub.callback must be an http or https address."))
    secret = form.get("hub.secret")
    if secret is not None and (not secret or len(secret.encode()) > MAX_SECRET):
        raise Refused(_l("hub.secret must be shorter than 200 bytes."))
    lease = form.get("hub.lease_seconds")
    if lease is not None and (not lease.isdigit() or len(lease) > 10):
        raise Refused(_l("hub.lease_seconds must be a number of seconds."))
    row = session.scalar(select(Subscriber).where(Subscriber.key == _key(topic, callback)))
    if row is None:
        if mode == "unsubscribe":
            return  # nothing to end
        row = Subscriber(key=_key(topic, callback), topic=topic, callback=callback, active=False, deliveries=0,
                         attempts=0)
        session.add(row)
    row.pending_mode, row.pending_secret = mode, secret
    row.pending_lease = int(lease) if lease else None
    row.requested_at = now
    session.flush()


@dataclass
class Version:
    """A topic as a reader would fetch it now."""

    body: bytes
    content_type: str
    tag: str  # its ETag, or the body's hash


def render(app, topic: str) -> Version | None:
    """The topic rendered by the hub itself, as a reader fetching it gets it (None when it
    is not there any more: a space removed)."""
    from corete.app import ensure_web

    ensure_web(app)
    base = urlsplit(app.config["PUBLIC_URL"].rstrip("/"))
    parts = urlsplit(topic)
    # An app context of its own: Flask-Babel keeps the language on the context's ``g``, and
    # the scheduler's own context has the commands' language. In the network's language,
    # as a reader that asks for none gets it: every process renders the same version.
    with app.app_context():
        response = app.test_client().get(parts.path[len(base.path):], query_string=parts.query,
                                         base_url=f"{base.scheme}://{base.netloc}{base.path}",
                                         headers={"Accept-Language": app.config["BABEL_DEFAULT_LOCALE"]})
    if response.status_code != 200:
        return None
    body = response.get_data()
    etag = response.get_etag()[0]
    return Version(body, response.content_type, etag or hashlib.sha256(body).hexdigest())


def _verify(row: Subscriber, config) -> bool:
    """Whether the callback confirms what was asked in its name."""
    challenge = secrets.token_urlsafe(24)
    query = {"hub.mode": row.pending_mode, "hub.topic": row.topic, "hub.challenge": challenge}
    if row.pending_mode == "subscribe":
        query["hub.lease_seconds"] = str(_lease(row.pending_lease, config))
    separator = "&" if urlsplit(row.callback).query else "?"
    try:
        answer = fetch(row.callback + separator + urlencode(query), FetchPolicy.from_config(config))
    except FetchError as e:
        row.last_error = f"verification failed: {e.message}"[:500]
        return False
    if answer.body.decode("utf-8", "replace").strip() != challenge:
        row.last_error = "verification failed: the callback did not answer with the challenge"
        return False
    return True


def _lease(asked: int | None, config) -> int:
    return max(MIN_LEASE, min(asked or DEFAULT_LEASE, int(config["WEBSUB_MAX_LEASE_SECONDS"])))


def _deliver(row: Subscriber, version: Version, hub: str, config, now: dt.datetime) -> bool:
    headers = {"Link": f'<{hub}>; rel="hub", <{row.topic}>; rel="self"'}
    if row.secret:
        headers["X-Hub-Signature"] = "sha256=" + hmac.new(row.secret.encode(), version.body, hashlib.sha256).hexdigest()
    try:
        status, answer = post(row.callback, version.body, version.content_type, FetchPolicy.from_config(config),
                              headers=headers)
        error = None if 200 <= status < 300 else f"HTTP {status}: {answer.strip()}"
    except FetchError as e:
        error = e.message
    if error is None:
        row.delivered, row.deliveries, row.last_delivery_at = version.tag, row.deliveries + 1, now
        row.attempts, row.next_attempt_at, row.last_error = 0, None, None
        return True
    row.attempts += 1
    row.next_attempt_at = now + backoff(row.attempts, RETRY_CEILING)
    row.last_error = f"delivery failed: {error}"[:500]
    return False


def run(app, session, now: dt.datetime | None = None) -> str | None:
    """The scheduler's job: verify what was asked, forget what ended, deliver what changed.
    Flushes; the caller commits. What it did, in a line."""
    config = app.config
    hub = websub_hub(config)
    if hub is None:
        return None
    now, clock = now or dt.datetime.now(dt.timezone.utc), SendingTime(config)
    said = dict.fromkeys(("verified", "refused", "ended", "delivered", "failed", "left"), 0)
    versions: dict[str, Version | None] = {}

    def version_of(topic: str) -> Version | None:
        if topic not in versions:
            versions[topic] = render(app, topic)
        return versions[topic]

    for row in session.scalars(select(Subscriber).where(Subscriber.pending_mode.is_not(None))
                               .order_by(Subscriber.requested_at).limit(MAX_VERIFICATIONS)):
        if not clock.left():  # asked again next run
            said["left"] += 1
            continue
        if not _verify(row, config):
            said["refused"] += 1
            if row.active:
                row.pending_mode = row.pending_secret = row.pending_lease = None
            else:
                session.delete(row)
            continue
        said["verified"] += 1
        if row.pending_mode == "unsubscribe":
            session.delete(row)
            continue
        lease = _lease(row.pending_lease, config)
        current = version_of(row.topic)
        row.active, row.secret, row.verified_at = True, row.pending_secret, now
        row.lease_until = now + dt.timedelta(seconds=lease)
        row.delivered = current.tag if current else None  # what it can fetch itself now: only changes are sent
        row.pending_mode = row.pending_secret = row.pending_lease = row.last_error = None
    said["ended"] = session.execute(delete(Subscriber).where(Subscriber.active.is_(True), Subscriber.lease_until < now,
                                                             Subscriber.pending_mode.is_(None))).rowcount
    budget = MAX_DELIVERIES
    due = session.scalars(select(Subscriber).where(
        Subscriber.active.is_(True), (Subscriber.next_attempt_at.is_(None)) | (Subscriber.next_attempt_at <= now))
        .order_by(Subscriber.topic, Subscriber.id))
    for row in due:
        if not clock.left():  # not looked at (nor its feed rendered): the next run does
            said["left"] += 1
            continue
        version = version_of(row.topic)
        if version is None or version.tag == row.delivered or budget <= 0:
            continue
        budget -= 1
        said["delivered" if _deliver(row, version, hub, config, now) else "failed"] += 1
    session.flush()
    if not any(said.values()):
        return None
    return ("WebSub hub: {verified} verified, {refused} not confirmed, {ended} ended, {delivered} delivered, "
            "{failed} deliveries failed, {left} left for the next run").format(**said)
