"""The rules of push into the hub: a member's signed "read me now" (a ping).

A ping never carries content and never polls: it only moves the feed's next poll forward
(federation.services.poll_soon), and the scheduler reads the feed as it reads every feed,
through the guarded fetcher, under its lease, in one transaction. So a forged or repeated
ping can at most make the hub read a member's feed once a minute, and every guarantee of
the poller holds for it.

The signature: ``X-CoRete-Timestamp`` is the time in Unix seconds, and
``X-CoRete-Signature`` is ``sha256=`` and the hex HMAC-SHA256, keyed with the feed's
secret, of the timestamp, a dot and the feed's id (``1767225600.42``). A timestamp more
than PING_MAX_SKEW from the hub's clock is refused, so a ping overheard is useless later.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from corete.federation.models import Feed
from corete.federation.services import poll_soon
from corete.push.models import PingKey
from corete.spaces.models import Space


class PingRefused(Exception):
    """A ping the hub does not take: ``status`` for the HTTP answer, ``field`` and the
    message (in the caller's language) for its body."""

    def __init__(self, status: int, field: str, message):
        super().__init__(str(message))
        self.status, self.field, self.message = status, field, message


def signature(secret: str, timestamp: str | int, feed_id: int) -> str:
    """What a member's site sends as X-CoRete-Signature."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{feed_id}".encode(), hashlib.sha256).hexdigest()
    return "sha256=" + digest


def ping_key(session, feed: Feed) -> PingKey | None:
    return session.get(PingKey, feed.id)


def ping_keys(session, feeds: list[Feed]) -> dict[int, PingKey]:
    """The keys of these feeds (a space's editor lists them), by feed id."""
    ids = [f.id for f in feeds]
    return {k.feed_id: k for k in session.scalars(select(PingKey).where(PingKey.feed_id.in_(ids)))} if ids else {}


def new_ping_key(session, feed: Feed) -> PingKey:
    """A new secret for the feed's pings; the old one stops working at once."""
    key = session.get(PingKey, feed.id)
    if key is None:
        key = PingKey(feed_id=feed.id, pings=0, refused=0)
        session.add(key)
    key.secret = secrets.token_urlsafe(32)
    key.created_at = dt.datetime.now(dt.timezone.utc)
    session.flush()
    return key


def _timestamp(value: str | None, now: dt.datetime, max_skew: float) -> str:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 12 or abs(int(text) - now.timestamp()) > max_skew:
        raise PingRefused(401, "timestamp", _l("X-CoRete-Timestamp must be the current time in Unix seconds "
                                               "(within %(minutes)d minutes of the hub's clock).",
                                               minutes=max(1, round(max_skew / 60))))
    return text


def accept_ping(session, feed_id: int, timestamp: str | None, signed: str | None, now: dt.datetime,
                config) -> Feed:
    """Check a ping and move the feed's next poll forward; the feed, whose next_poll_at
    says when the hub reads it. Raises PingRefused. Flushes; the caller commits (a refused
    signature is counted too: the caller commits then as well)."""
    feed = session.get(Feed, feed_id)
    key = session.get(PingKey, feed_id) if feed is not None else None
    if key is None:
        raise PingRefused(404, "feed", _l("No feed with this number takes pings: its operator makes a ping "
                                          "secret in the space's editor first."))
    stamp = _timestamp(timestamp, now, float(config["PING_MAX_SKEW"]))
    if not hmac.compare_digest((signed or "").strip().encode(), signature(key.secret, stamp, feed_id).encode()):
        key.refused += 1
        key.last_refused_at = now
        session.flush()
        raise PingRefused(401, "signature", _l("X-CoRete-Signature does not match: sign the timestamp, a dot and "
                                               "the feed's number with the feed's ping secret (HMAC-SHA256)."))
    space = session.get(Space, feed.space_id)
    if feed.state != "active" or not space.active:
        raise PingRefused(409, "feed", _l("The hub does not read this feed now (paused, gone or retired): "
                                          "a coordinator resumes it first."))
    poll_soon(feed, now, config)
    key.pings += 1
    key.last_ping_at = now
    session.flush()
    return feed
