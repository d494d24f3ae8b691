"""WebSub (W3C Recommendation, 2018): the hub as a subscriber to member feeds.

A member's feed names its hub (the poller notes it: ``Feed.websub_hub`` and
``websub_topic``). From the scheduler, never from a web request, ``run`` subscribes to it
with a callback of ours and a secret, renews the lease before it ends, and unsubscribes
when the feed stops naming the hub or is paused. The hub verifies our intent (``verify``:
a GET to the callback we answer with its challenge only for what we asked), then posts
each new version of the feed to the callback, signed with the secret (``notified``).

A notification never writes an item: with a valid signature it moves the feed's next poll
forward (federation.services.poll_soon), and the scheduler reads the feed as always, with
its guard, lease and one transaction. One with a wrong or no signature is answered 2xx, as
the specification asks, and otherwise ignored and counted. While a subscription is live
the feed is still polled, every PUSH_POLL_INTERVAL: a lost notification costs hours, not
the change.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select, update

from corete.core.atom import websub_hub
from corete.federation.fetch import FetchError, FetchPolicy, SendingTime, backoff, post
from corete.federation.models import Feed
from corete.federation.services import poll_soon
from corete.push.models import WebSubSubscription
from corete.spaces.models import Space

log = logging.getLogger(__name__)
CALLBACK_PATH = "/push/websub/{token}"
SIGNATURES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
MAX_REQUESTS_PER_RUN = 50  # requests to hubs one run sends; the rest wait for the next minute
MAX_LEASE = 365 * 24 * 3600
MIN_LEASE = 60
RETRY_CEILING = 24 * 3600
GIVE_UP_UNSUBSCRIBING = dt.timedelta(days=1)


def callback_url(config, token: str) -> str:
    return config["PUBLIC_URL"].rstrip("/") + CALLBACK_PATH.format(token=token)


@dataclass(frozen=True)
class _Request:
    """A (un)subscription request to send, with what it needs copied out of its row: the
    row is committed before the hub is asked (a hub may verify before it even answers),
    and may be gone by the time the answer comes (an unsubscription verified)."""

    id: int
    mode: str  # subscribe or unsubscribe
    hub: str
    topic: str
    token: str
    secret: str
    attempts: int
    live: bool


def _send(request: _Request, config) -> str | None:
    """Ask the hub; None when it accepted, else what it said (or why it said nothing)."""
    form = {"hub.mode": request.mode, "hub.topic": request.topic, "hub.callback": callback_url(config, request.token)}
    if request.mode == "subscribe":
        form.update({"hub.secret": request.secret, "hub.lease_seconds": str(int(config["WEBSUB_LEASE_SECONDS"]))})
    try:
        status, answer = post(request.hub, urlencode(form).encode(), "application/x-www-form-urlencoded",
                              FetchPolicy.from_config(config))
    except FetchError as e:
        return f"the hub refused the {request.mode} request: {e.message}"[:500]
    if 200 <= status < 300:
        return None
    return f"the hub refused the {request.mode} request: HTTP {status}: {answer.strip()}"[:500]


def _record(session, request: _Request, error: str | None, now: dt.datetime) -> None:
    """The hub's answer, on the row if it is still there (by statement: the hub may have
    verified meanwhile, and its state is then the verification's). A denial that came
    before the answer stands whole, with its reason and its day's wait."""
    values = {"attempts": 0, "next_attempt_at": None, "last_error": None}
    if error is not None:
        attempts = request.attempts + 1
        values = {"attempts": attempts, "next_attempt_at": now + backoff(attempts, RETRY_CEILING), "last_error": error}
    stmt = update(WebSubSubscription).where(WebSubSubscription.id == request.id,
                                            WebSubSubscription.state != "denied")
    session.execute(stmt.values(**values), execution_options={"synchronize_session": False})
    if error is not None and request.mode == "subscribe" and not request.live:
        session.execute(stmt.where(WebSubSubscription.state == "requested").values(state="failed"),
                        execution_options={"synchronize_session": False})


def _not_sent(session, request: _Request) -> None:
    """The run's time for requests was spent before this one. A subscription not yet live
    is marked not subscribed, so the next run asks again; a renewal is due again by its
    lease anyway; an unsubscription not sent ends when its lease does."""
    if request.mode == "subscribe" and not request.live:
        session.execute(update(WebSubSubscription).where(WebSubSubscription.id == request.id,
                                                         WebSubSubscription.state == "requested")
                        .values(state="failed"),
                        execution_options={"synchronize_session": False})


def _request(sub: WebSubSubscription, mode: str, now: dt.datetime) -> _Request:
    sub.requested_at = now
    if mode == "subscribe" and sub.state != "live":  # a renewal stays live until its lease ends
        sub.state = "requested"
    return _Request(sub.id, mode, sub.hub, sub.topic, sub.token, sub.secret, sub.attempts, sub.state == "live")


def _end(session, sub: WebSubSubscription, feed: Feed | None) -> str | None:
    """Stop a subscription: the feed is polled as usual from now on. 'unsubscribe' when
    the hub is to be asked, None when it holds nothing for us (the row is forgotten)."""
    if feed is not None and feed.pushed_until is not None and sub.state == "live":
        feed.pushed_until = None
    if sub.state in ("live", "requested"):
        sub.state = "unsubscribing"
        return "unsubscribe"
    session.delete(sub)
    return None


def _due(sub: WebSubSubscription, config, now: dt.datetime) -> bool:
    """Whether to (re)send the subscription request now."""
    if sub.next_attempt_at is not None and sub.next_attempt_at > now:
        return False
    if sub.state == "live":
        return sub.lease_until is None or sub.lease_until - now < dt.timedelta(seconds=(sub.lease_seconds or 0) / 3)
    if sub.state == "requested":
        return now - sub.requested_at > dt.timedelta(seconds=float(config["WEBSUB_VERIFY_WAIT"]))
    return sub.state in ("failed", "denied")


def run(session, config, now: dt.datetime | None = None) -> str | None:
    """The scheduler's job: subscribe to the hubs feeds name, renew what is about to end,
    end what no feed wants any more. Commits what it decided before asking any hub (its
    verification may come at once), then records the hubs' answers (flushed; the caller
    commits). What it did, in a line."""
    if not config["WEBSUB_SUBSCRIBE"] or not config.get("PUBLIC_URL"):
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    own = websub_hub(config)  # the feeds the hub hosts name its own hub: saving there marks them due already
    wanted = {feed.id: feed for feed in session.scalars(
        select(Feed).join(Space, Space.id == Feed.space_id)
        .where(Feed.websub_hub.is_not(None), Feed.state == "active", Space.active.is_(True)))
        if feed.websub_hub != own}
    subs = list(session.scalars(select(WebSubSubscription).order_by(WebSubSubscription.id)))
    counts = dict.fromkeys(("subscribed", "renewed", "ended", "forgotten"), 0)
    plans: list[tuple[WebSubSubscription, str]] = []
    current: dict[int, WebSubSubscription] = {}
    for sub in subs:
        if sub.state == "unsubscribing":
            if now - sub.requested_at > GIVE_UP_UNSUBSCRIBING:  # the hub never confirmed: its lease ends anyway
                session.delete(sub)
                counts["forgotten"] += 1
            continue
        feed = wanted.get(sub.feed_id)
        if feed is None or (sub.hub, sub.topic) != (feed.websub_hub, feed.websub_topic):
            if len(plans) < MAX_REQUESTS_PER_RUN:
                mode = _end(session, sub, feed or session.get(Feed, sub.feed_id))
                if mode:
                    plans.append((sub, mode))
                counts["ended"] += 1
            continue
        if sub.state == "live" and sub.lease_until is not None and sub.lease_until <= now:
            sub.state = "failed"  # not renewed in time: the hub sends nothing any more
        current[sub.feed_id] = sub
    for feed_id, feed in wanted.items():
        if len(plans) >= MAX_REQUESTS_PER_RUN:
            break
        sub = current.get(feed_id)
        if sub is None:
            sub = WebSubSubscription(feed_id=feed_id, hub=feed.websub_hub, topic=feed.websub_topic,
                                     token=secrets.token_urlsafe(32), secret=secrets.token_urlsafe(32),
                                     state="requested", requested_at=now, attempts=0, pushes=0, refused=0)
            session.add(sub)
            counts["subscribed"] += 1
        elif _due(sub, config, now):
            counts["renewed"] += 1
        else:
            continue
        plans.append((sub, "subscribe"))
    session.flush()
    requests = [_request(sub, mode, now) for sub, mode in plans]
    session.commit()
    clock = SendingTime(config)
    for request in requests:
        if clock.left():
            _record(session, request, _send(request, config), now)
        else:
            _not_sent(session, request)
    session.flush()
    if not any(counts.values()):
        return None
    return (f"WebSub: {counts['subscribed']} subscribed, {counts['renewed']} renewed or asked again, "
            f"{counts['ended']} ended, {counts['forgotten']} forgotten")


def current(session, feed: Feed) -> WebSubSubscription | None:
    """The feed's subscription that is not being ended."""
    return session.scalar(select(WebSubSubscription).where(WebSubSubscription.feed_id == feed.id,
                                                           WebSubSubscription.state != "unsubscribing").limit(1))


def _lease(value: str | None, asked: int) -> int:
    text = (value or "").strip()
    seconds = int(text) if text.isdigit() and len(text) < 12 else asked
    return max(MIN_LEASE, min(seconds, MAX_LEASE))


def verify(session, token: str, args, now: dt.datetime, config) -> str | None:
    """A hub's verification of intent (or its refusal). The challenge to answer with, or
    None for a 404: we confirm only what we asked, for the topic we asked it for."""
    sub = session.scalar(select(WebSubSubscription).where(WebSubSubscription.token == token))
    mode, topic, challenge = args.get("hub.mode"), args.get("hub.topic"), args.get("hub.challenge", "")
    if sub is None or topic != sub.topic:
        return None
    if mode == "denied":
        feed = session.get(Feed, sub.feed_id)
        if sub.state == "live" and feed is not None:
            feed.pushed_until = None
        sub.state, sub.attempts = "denied", sub.attempts + 1
        sub.next_attempt_at = now + dt.timedelta(seconds=RETRY_CEILING)
        sub.last_error = f"the hub denied the subscription: {args.get('hub.reason') or 'no reason given'}"[:500]
        session.flush()
        return ""
    if not challenge or len(challenge) > 1000:
        return None
    if mode == "subscribe" and sub.state in ("requested", "live", "failed"):
        sub.state, sub.verified_at = "live", now
        sub.lease_seconds = _lease(args.get("hub.lease_seconds"), int(config["WEBSUB_LEASE_SECONDS"]))
        sub.lease_until = now + dt.timedelta(seconds=sub.lease_seconds)
        sub.last_error = None
        feed = session.get(Feed, sub.feed_id)
        if feed is not None:
            feed.pushed_until = sub.lease_until
        session.flush()
        return challenge
    if mode == "unsubscribe" and sub.state == "unsubscribing":
        session.delete(sub)
        session.flush()
        return challenge
    return None


def signed(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature`` (``sha256=<hex>``, or sha1, sha384, sha512) is the HMAC
    of the body keyed with our secret."""
    method, _, digest = (header or "").strip().partition("=")
    algorithm = SIGNATURES.get(method.strip().casefold())
    if algorithm is None or not digest:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().casefold().encode())


def notified(session, token: str, body: bytes, signature: str | None, now: dt.datetime, config) -> bool | None:
    """A hub's content distribution: None when the callback is not ours (404), False when
    the signature is wrong (ignored, counted), True when the feed is to be read soon."""
    sub = session.scalar(select(WebSubSubscription).where(WebSubSubscription.token == token))
    if sub is None or sub.state == "unsubscribing":
        return None
    if not signed(sub.secret, body, signature):
        sub.refused += 1
        sub.last_refused_at = now
        session.flush()
        log.warning("a WebSub notification for feed %s had a wrong or no signature: ignored", sub.feed_id)
        return False
    feed = session.get(Feed, sub.feed_id)
    if feed is not None and feed.state == "active":
        poll_soon(feed, now, config)
    sub.pushes += 1
    sub.last_push_at = now
    session.flush()
    return True
