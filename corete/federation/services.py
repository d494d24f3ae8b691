"""The rules of federation: what a poll changes, and when the next one happens.

Every function here works on a session it is given and never commits: the caller
(the poller, the CLI, a test) commits once per feed, so each poll is one transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select, update

from corete.core.handover import FeedDocument, Item, Rejection
from corete.core.itemtypes import handlers
from corete.core.signals import feed_failed, feed_read
from corete.core.vocabulary import PROFILE_FIELDS
from corete.core.models import utcnow
from corete.federation.fetch import FetchError, FetchPolicy, FetchResult, fetch
from corete.federation.models import Feed, FeedItem, Poll
from corete.federation.parse import InvalidDocument, NotAFeed, parse_feed
from corete.spaces.models import Space

MAX_RECORDED_REJECTIONS = 50
# Old poll records are trimmed on about one poll in ten: the history holds
# POLL_HISTORY_KEEP plus a few records per feed, and most polls skip the extra query.
HISTORY_TRIM_EVERY = 10
NETWORK_ERRORS = ("dns", "connect", "timeout")
BUSY_RETRY_SECONDS = 30  # a feed that waited in vain for its host's connections is tried again then


@dataclass(frozen=True)
class FeedSnapshot:
    """What a worker needs to fetch one feed, read from the database when it was claimed."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    pushed_until: dt.datetime | None = None  # a live push channel: the next poll is a fallback


@dataclass
class FetchOutcome:
    """What a worker brings back: no database access happened to produce it."""

    snapshot: FeedSnapshot
    started_at: dt.datetime
    duration_ms: int
    result: FetchResult | None = None
    error: FetchError | None = None
    body_hash: str | None = None
    document: FeedDocument | None = None
    unchanged: bool = False


@dataclass
class PollSummary:
    feed_id: int
    url: str
    outcome: str  # applied, unchanged, held, confirmed (held removals applied), failed, gone, skipped
    status: int | None = None
    new: int = 0
    updated: int = 0
    removed: int = 0
    rejected: int = 0
    error_class: str | None = None
    error_message: str | None = None
    duration_ms: int = 0  # fetching and parsing
    apply_ms: int = 0  # storing what changed (0 for unchanged feeds recorded together)
    bytes: int = 0
    warnings: list[Rejection] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.url}: {self.outcome}"
        if self.status:
            text += f" (HTTP {self.status})"
        if self.outcome in ("applied", "held", "confirmed"):
            text += f", {self.new} new, {self.updated} updated, {self.removed} removed, {self.rejected} rejected"
        if self.error_class:
            text += f" [{self.error_class}] {self.error_message}"
        return text + f" in {self.duration_ms} ms"


# --- fetch and parse (runs in worker threads; no database) ---------------------------------

def fetch_and_parse(snapshot: FeedSnapshot, policy: FetchPolicy, max_items: int, parser=None) -> FetchOutcome:
    """Fetch one feed and parse it (in ``parser``, an executor, when given: parsing is
    CPU work that another process can do while this one fetches and applies)."""
    started = utcnow()
    t0 = time.monotonic()
    outcome = FetchOutcome(snapshot, started, 0)
    try:
        result = fetch(snapshot.url, policy, etag=snapshot.etag, last_modified=snapshot.last_modified)
        outcome.result = result
        if result.status == 304:
            outcome.unchanged = True
        else:
            outcome.body_hash = hashlib.sha256(result.body).hexdigest()
            if outcome.body_hash == snapshot.body_hash:
                outcome.unchanged = True  # the server ignored our validators: same bytes
            else:
                args = (result.body, result.content_type)
                kwargs = {"base_url": result.url, "max_items": max_items}
                if parser is None:
                    outcome.document = parse_feed(*args, **kwargs)
                else:
                    outcome.document = parser.submit(parse_feed, *args, **kwargs).result()
                result.body = b""  # parsed: no need to keep the bytes around
    except FetchError as e:
        outcome.error = e
    except NotAFeed as e:
        outcome.error = FetchError("not_a_feed", str(e), status=outcome.result.status if outcome.result else None)
    except InvalidDocument as e:
        outcome.error = FetchError("invalid", str(e), status=outcome.result.status if outcome.result else None)
    except Exception as e:  # a parser bug must not stop the round: recorded, data kept
        outcome.error = FetchError("invalid", f"the hub could not read this feed: {str(e)[:200] or 'no detail'}")
    outcome.duration_ms = int((time.monotonic() - t0) * 1000)
    return outcome


# --- scheduling ----------------------------------------------------------------------------------

def _jitter(seconds: float, config) -> float:
    spread = float(config["POLL_JITTER"])
    return seconds * random.uniform(1 - spread, 1 + spread)


def next_poll_after_success(now: dt.datetime, config, pushed_until: dt.datetime | None = None) -> dt.datetime:
    """POLL_INTERVAL on, or PUSH_POLL_INTERVAL while the feed's changes come by push (a
    verified WebSub subscription): polling goes on then as a fallback, should a push be lost."""
    interval = float(config["POLL_INTERVAL"])
    if pushed_until is not None and pushed_until > now:
        interval = max(interval, float(config["PUSH_POLL_INTERVAL"]))
    return now + dt.timedelta(seconds=_jitter(interval, config))


def poll_soon(feed: Feed, now: dt.datetime, config) -> dt.datetime:
    """Its member says the feed changed (a ping, a push): read it at the scheduler's next
    look, but not sooner than PUSH_MIN_SECONDS after its last poll, and never later than
    it was due already. Only the time moves: the poll itself is the scheduler's, with its
    lease, its guard and its one transaction."""
    earliest = now
    if feed.last_polled_at is not None:
        earliest = max(now, feed.last_polled_at + dt.timedelta(seconds=float(config["PUSH_MIN_SECONDS"])))
    if feed.next_poll_at is None or earliest < feed.next_poll_at:
        feed.next_poll_at = earliest
    return feed.next_poll_at


def next_poll_after_failure(now: dt.datetime, failures: int, config, retry_after: float | None = None) -> dt.datetime:
    """Exponential backoff with jitter; a server's Retry-After is honoured, clamped
    between the normal interval and POLL_MAX_BACKOFF."""
    base, ceiling = float(config["POLL_INTERVAL"]), float(config["POLL_MAX_BACKOFF"])
    if retry_after is not None:
        return now + dt.timedelta(seconds=min(max(retry_after, base), ceiling))
    delay = min(base * (2 ** min(max(failures - 1, 0), 16)), ceiling)
    return now + dt.timedelta(seconds=min(_jitter(delay, config), ceiling))


# --- applying a poll (one transaction, in the caller) ------------------------------------------

def record_outcome(session, outcome: FetchOutcome, config, *, owner: str | None = None,
                   hub_offline: bool = False) -> PollSummary:
    """Apply what a worker fetched to the feed and everything it feeds, and record the
    poll. Flushes; the caller commits (or rolls back) once."""
    snap = outcome.snapshot
    summary = PollSummary(snap.id, snap.url, "skipped", duration_ms=outcome.duration_ms)
    if owner is not None and not _still_leased(session, [snap.id], owner):
        return summary  # removed meanwhile, or our lease ran out and another poller has it
    feed = session.get(Feed, snap.id, populate_existing=True)
    if feed is None:
        return summary
    now = utcnow()
    result, error = outcome.result, outcome.error
    if error is not None and error.error_class == "busy":
        # It never reached the member's server (its host's connections were all taken by
        # other feeds): nothing to record, no failure; it is polled again soon.
        feed.lease_owner = feed.lease_until = None
        feed.next_poll_at = now + dt.timedelta(seconds=BUSY_RETRY_SECONDS)
        summary.error_class, summary.error_message = error.error_class, error.message
        return summary
    summary.status = (error.status if error else None) or (result.status if result else None)
    summary.bytes = (result.bytes_read if result else 0) or (error.bytes_read if error else 0)
    feed.last_polled_at = now
    feed.lease_owner = feed.lease_until = None
    feed.last_status = summary.status
    if error is not None:
        _record_failure(feed, error, now, config, summary, hub_offline)
        feed_failed.send(feed, session=session, error_class=error.error_class, now=now, config=config,
                         hub_offline=hub_offline)
    elif outcome.document is not None and outcome.document.expired:
        feed.state = "gone"
        feed.last_error_class = None
        feed.last_error_message = "the feed declares itself expired (JSON Feed \"expired\": true): polling stopped, its data is kept until a coordinator decides"
        summary.outcome = "gone"
        _after_fetch(feed, result, now, config)
    else:
        if outcome.unchanged:
            summary.outcome = "unchanged"
            if feed.held_removals:  # the same content again confirms a held removal
                summary.removed = _remove(session, feed, list(feed.held_removals))
                summary.outcome = "confirmed"  # the poll did something: say so in the history
                feed.held_removals = None
        else:
            doc = outcome.document
            feed.format = doc.format
            feed.title = doc.title or feed.title
            _note_websub(feed, result, doc)
            counts = apply_document(session, feed, doc, config)
            summary.new, summary.updated, summary.removed, held = counts
            summary.outcome = "held" if held else "applied"
            summary.rejected = len(doc.rejections)
            summary.warnings = doc.warnings
            if doc.space is not None:  # compared with the database, not a cached copy
                update_space_profile(session.get(Space, feed.space_id, populate_existing=True), doc.space)
            feed.body_hash = outcome.body_hash
        _after_fetch(feed, result, now, config)
        feed.last_success_at = now
        feed.consecutive_failures = 0
        feed_read.send(feed, session=session, now=now, config=config)
        feed.last_error_class = feed.last_error_message = None
    rejections = []
    if outcome.document is not None:
        rejections = [
            {"where": r.where, "reason": r.reason, "source_id": r.source_id, "kind": kind}
            for kind, group in (("rejected", outcome.document.rejections), ("warning", outcome.document.warnings))
            for r in group
        ][:MAX_RECORDED_REJECTIONS]
    poll = Poll(
        feed_id=feed.id, started_at=outcome.started_at, duration_ms=outcome.duration_ms,
        http_status=summary.status, bytes=summary.bytes, outcome=summary.outcome,
        items_new=summary.new, items_updated=summary.updated, items_removed=summary.removed,
        items_rejected=summary.rejected, error_class=summary.error_class,
        error_message=summary.error_message, rejections=rejections,
    )
    session.add(poll)
    session.flush()
    _maybe_trim_history(session, feed.id, config)
    return summary


def record_unchanged(session, outcomes: list[FetchOutcome], config, owner: str) -> tuple[list[PollSummary], list[FetchOutcome]]:
    """The most common polls (nothing changed), many at once, in three statements.

    A feed qualifies while this poller holds its lease and nothing is pending for it
    (a held removal to confirm, a redirect being confirmed); the rest are returned for
    the general path. Flushes; the caller commits once.
    """
    simple = [o for o in outcomes if o.unchanged and o.error is None
              and not (o.result is not None and o.result.permanent_url)]
    rest = [o for o in outcomes if o not in simple]
    if not simple:
        return [], rest
    eligible = _still_leased(session, [o.snapshot.id for o in simple], owner, Feed.held_removals.is_(None),
                             Feed.redirect_candidate.is_(None), Feed.state == "active",
                             Feed.failing_since.is_(None))  # a recovery is told: the general path
    rest += [o for o in simple if o.snapshot.id not in eligible]
    simple = [o for o in simple if o.snapshot.id in eligible]
    if not simple:
        return [], rest
    now = utcnow()
    feed_rows, poll_rows, summaries = [], [], []
    for o in simple:
        status = o.result.status if o.result else None
        row = dict(id=o.snapshot.id, last_polled_at=now, last_success_at=now, lease_owner=None, lease_until=None,
                   last_status=status, consecutive_failures=0, last_error_class=None, last_error_message=None,
                   next_poll_at=next_poll_after_success(now, config, o.snapshot.pushed_until),
                   etag=o.result.etag if o.result else o.snapshot.etag,
                   last_modified=o.result.last_modified if o.result else o.snapshot.last_modified)
        feed_rows.append(row)
        summary = PollSummary(o.snapshot.id, o.snapshot.url, "unchanged", status=status,
                              duration_ms=o.duration_ms, bytes=o.result.bytes_read if o.result else 0)
        summaries.append(summary)
        poll_rows.append(dict(feed_id=o.snapshot.id, started_at=o.started_at, duration_ms=o.duration_ms,
                              http_status=status, bytes=summary.bytes, outcome="unchanged", items_new=0,
                              items_updated=0, items_removed=0, items_rejected=0, error_class=None,
                              error_message=None, rejections=[]))
    session.execute(update(Feed), feed_rows)
    session.execute(insert(Poll.__table__), poll_rows)
    for o in simple:
        _maybe_trim_history(session, o.snapshot.id, config)
    return summaries, rest


def _still_leased(session, feed_ids: list[int], owner: str, *conditions) -> set[int]:
    """Which of these feeds ``owner`` still leases (and meet ``conditions``), checked by
    the statement that writes to them: it locks their rows until the caller commits, so
    no other poller can take a lease between this check and the poll's writes."""
    touched = session.execute(
        update(Feed).where(Feed.id.in_(feed_ids), Feed.lease_owner == owner, *conditions)
        .values(lease_owner=owner).returning(Feed.id),
        execution_options={"synchronize_session": False})
    return set(touched.scalars())


def _record_failure(feed: Feed, error: FetchError, now, config, summary: PollSummary, hub_offline: bool) -> None:
    summary.outcome = "failed"
    summary.error_class, summary.error_message = error.error_class, error.message
    feed.last_error_class, feed.last_error_message = error.error_class, error.message
    if error.status == 410:
        feed.state = "gone"
        summary.outcome = "gone"
        return
    if hub_offline:
        # Most hosts failed at once: the hub lost its network, the members did nothing.
        feed.last_error_message = error.message + " (most feeds failed in the same round: the hub's own network is suspected)"
        feed.next_poll_at = next_poll_after_success(now, config)
        return
    if error.error_class != "rate_limited":
        feed.consecutive_failures += 1
    feed.next_poll_at = next_poll_after_failure(now, max(feed.consecutive_failures, 1), config, error.retry_after)


def _after_fetch(feed: Feed, result: FetchResult | None, now, config) -> None:
    feed.next_poll_at = next_poll_after_success(now, config, feed.pushed_until)
    if result is None:
        return
    # Validators are stored exactly as the server sent them and echoed verbatim.
    feed.etag = result.etag
    feed.last_modified = result.last_modified
    _follow_permanent_redirect(feed, result.permanent_url, now, int(config["POLL_REDIRECT_CONFIRMATIONS"]))


def _note_websub(feed: Feed, result: FetchResult, doc: FeedDocument) -> None:
    """The WebSub hub this answer names (its Link header first, then the document) and
    its topic (rel="self", else the feed's address); none when it names no hub. The push
    room subscribes, renews and ends subscriptions from these (push/websub.py)."""
    links = result.links if result is not None else ()
    hubs = [url for rel, url in links if rel == "hub"] + doc.hubs
    selves = [url for rel, url in links if rel == "self"] + ([doc.self_url] if doc.self_url else [])
    feed.websub_hub = hubs[0] if hubs else None
    feed.websub_topic = (selves[0] if selves else feed.url) if hubs else None


def _follow_permanent_redirect(feed: Feed, target: str | None, now, needed: int) -> None:
    if not target or target == feed.url:
        feed.redirect_candidate, feed.redirect_confirmations = None, 0
        return
    if feed.redirect_candidate == target:
        feed.redirect_confirmations += 1
    else:
        feed.redirect_candidate, feed.redirect_confirmations = target, 1
    if feed.redirect_confirmations >= needed:
        feed.url_history = list(feed.url_history or []) + [{"url": feed.url, "until": now.isoformat()}]
        feed.url = target
        feed.redirect_candidate, feed.redirect_confirmations = None, 0


def apply_document(session, feed: Feed, doc: FeedDocument, config) -> tuple[int, int, int, bool]:
    """Diff the document against what the feed contributed before and hand the
    differences to the rooms. Returns (new, updated, removed, held)."""
    with session.no_autoflush:
        index = {
            row.source_id: row
            for row in session.execute(
                select(FeedItem.id, FeedItem.source_id, FeedItem.type, FeedItem.content_hash).where(FeedItem.feed_id == feed.id)
            )
        }
    incoming: dict[str, Item] = {item.source_id: item for item in doc.items if item.type in handlers()}
    new, changed, retyped = [], [], []
    for sid, item in incoming.items():
        row = index.get(sid)
        if row is None:
            new.append(item)
        elif row.type != item.type:
            retyped.append(item)
        elif row.content_hash != item.content_hash:
            changed.append(item)
    gone = [sid for sid in index if sid not in incoming]
    held = False
    ratio = float(config["POLL_REMOVAL_HOLD_RATIO"])
    if gone and len(gone) > ratio * len(index):
        if sorted(gone) == sorted(feed.held_removals or []):
            feed.held_removals = None  # the previous poll said the same: confirmed
        else:
            feed.held_removals = sorted(gone)
            gone, held = [], True
    else:
        feed.held_removals = None
    removed = _remove(session, feed, gone + [item.source_id for item in retyped], index=index)
    # The index says what is new and what changed, so rooms never look it up again.
    for method, items in (("add", new + retyped), ("replace", changed)):
        by_type: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            by_type[item.type].append(item)
        for item_type, group in by_type.items():
            getattr(handlers()[item_type], method)(session, feed.id, feed.space_id, group)
    now = utcnow()
    fresh = new + retyped
    if fresh:
        session.execute(insert(FeedItem.__table__), [
            {"feed_id": feed.id, "source_id": i.source_id, "type": i.type, "content_hash": i.content_hash,
             "first_seen_at": now, "updated_at": now} for i in fresh
        ])
    if changed:
        session.execute(update(FeedItem), [
            {"id": index[i.source_id].id, "content_hash": i.content_hash, "updated_at": now} for i in changed
        ])
    return len(new), len(changed) + len(retyped), removed - len(retyped), held


def confirm_removals(session, feed: Feed, source_ids: list[str]) -> None:
    """Removals the feed's owner made in the hub itself (a hosted feed's editor): the next
    poll applies them at once instead of holding them for confirmation."""
    known = set(session.scalars(select(FeedItem.source_id).where(FeedItem.feed_id == feed.id,
                                                                  FeedItem.source_id.in_(source_ids))))
    if known:
        feed.held_removals = sorted(set(feed.held_removals or []) | known)


def _remove(session, feed: Feed, source_ids: list[str], index=None) -> int:
    if not source_ids:
        return 0
    if index is None:
        index = {
            row.source_id: row
            for row in session.execute(
                select(FeedItem.source_id, FeedItem.type).where(
                    FeedItem.feed_id == feed.id, FeedItem.source_id.in_(source_ids)
                )
            )
        }
    by_type: dict[str, list[str]] = defaultdict(list)
    for sid in source_ids:
        if sid in index:
            by_type[index[sid].type].append(sid)
    for item_type, sids in by_type.items():
        if item_type in handlers():
            handlers()[item_type].remove(session, feed.id, sids)
    present = [sid for sids in by_type.values() for sid in sids]
    session.execute(
        delete(FeedItem).where(FeedItem.feed_id == feed.id, FeedItem.source_id.in_(present)),
        execution_options={"synchronize_session": False},
    )
    return len(present)


def update_space_profile(space, profile) -> None:
    """What a space says about itself updates its registry entry, except the fields a
    coordinator locked; `accredited` and `active` are never taken from a feed."""
    locked = set(space.locked_fields or [])
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        if name in locked or value is None or value == [] or getattr(space, name) == value:
            continue
        setattr(space, name, value)


def _maybe_trim_history(session, feed_id: int, config) -> None:
    """Trim a feed's poll records on about one poll in HISTORY_TRIM_EVERY."""
    if random.random() < 1 / HISTORY_TRIM_EVERY:
        _trim_history(session, feed_id, int(config["POLL_HISTORY_KEEP"]))


def _trim_history(session, feed_id: int, keep: int) -> None:
    cutoff = session.scalar(
        select(Poll.id).where(Poll.feed_id == feed_id).order_by(Poll.id.desc()).offset(keep).limit(1)
    )
    if cutoff is not None:
        session.execute(
            delete(Poll).where(Poll.feed_id == feed_id, Poll.id <= cutoff),
            execution_options={"synchronize_session": False},
        )


# --- The coordinators' console ---------------------------------------------------------------

FEED_STATUSES = ("failing", "gone", "paused", "redirect", "held", "stale", "new", "ok")


class FeedActionError(ValueError):
    """A console action the hub refuses; the message is for the coordinator."""


def feed_status(feed: Feed, now: dt.datetime, stale_after: dt.timedelta) -> str:
    """The one word a coordinator needs first about a feed (the most urgent that applies)."""
    if feed.state == "gone":
        return "gone"
    if feed.state == "paused":
        return "paused"
    if feed.consecutive_failures:
        return "failing"
    if feed.redirect_candidate:
        return "redirect"
    if feed.held_removals:
        return "held"
    if feed.last_success_at is None:
        return "new"
    if now - feed.last_success_at > stale_after:
        return "stale"
    return "ok"


def stopped_publishing(session, now: dt.datetime, stale_after: dt.timedelta) -> list[tuple]:
    """Active spaces none of whose feeds was read successfully for ``stale_after``:
    (space, its latest success or None), the longest silent first."""

    latest = func.max(Feed.last_success_at)
    rows = session.execute(
        select(Space, latest).join(Feed, Feed.space_id == Space.id).where(Space.active.is_(True))
        .group_by(Space.id).having(or_(latest.is_(None), latest < now - stale_after))
        .order_by(latest.is_not(None), latest, Space.name)).all()
    return [(space, last) for space, last in rows if last is not None or space.created_at < now - stale_after]


def pause_feed(feed: Feed) -> None:
    if feed.state != "active":
        raise FeedActionError(_("Only an active feed can be paused."))
    feed.state = "paused"


def resume_feed(feed: Feed, now: dt.datetime) -> None:
    """Active again and polled at the next look, with its failures forgotten."""
    feed.state, feed.next_poll_at, feed.consecutive_failures = "active", now, 0


def change_url(feed: Feed, url: str, now: dt.datetime, *, why: str = "coordinator") -> None:
    """A new address for a feed (a coordinator's edit, or an adopted redirect): what the
    old address's server said about caching no longer applies; the old one is remembered."""
    from corete.spaces.services import RegistryError, check_feed_url

    try:
        url = check_feed_url(url)
    except RegistryError:
        raise FeedActionError(_("Give the feed's full address, starting with https://")) from None
    if url == feed.url:
        return
    feed.url_history = list(feed.url_history or []) + [{"url": feed.url, "until": now.isoformat(), "why": why}]
    feed.url, feed.etag, feed.last_modified, feed.body_hash = url, None, None, None
    feed.redirect_candidate, feed.redirect_confirmations = None, 0
    feed.next_poll_at = now


def adopt_redirect(feed: Feed, now: dt.datetime) -> None:
    """Follow a permanent redirect now, without waiting for its confirmations."""
    if not feed.redirect_candidate:
        raise FeedActionError(_("This feed has no redirect waiting."))
    change_url(feed, feed.redirect_candidate, now, why="redirect")


def recent_polls(session, feed_id: int, limit: int = 10) -> list[Poll]:
    return list(session.scalars(select(Poll).where(Poll.feed_id == feed_id)
                                .order_by(Poll.started_at.desc(), Poll.id.desc()).limit(limit)))
