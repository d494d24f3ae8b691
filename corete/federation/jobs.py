"""Poll rounds: claim due feeds, fetch them in threads, apply each in its own transaction.

Any number of pollers, on any number of machines, may run rounds at once: a feed is
claimed with a lease (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, then a
conditional UPDATE that only succeeds on a free lease, which also makes SQLite safe),
and a poller only applies a result while it still holds the feed's lease.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import random
import socket
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait

from sqlalchemy import or_, select, update
from sqlalchemy.orm import scoped_session

from corete.core.models import utcnow
from corete.federation.fetch import FetchPolicy
from corete.federation.models import Feed
from corete.federation.services import (
    NETWORK_ERRORS,
    FeedSnapshot,
    PollSummary,
    fetch_and_parse,
    record_outcome,
    record_unchanged,
)
from corete.spaces.models import Space

log = logging.getLogger(__name__)
HUB_OFFLINE_SHARE = 0.8  # this share of network failures in a round blames the hub
HUB_OFFLINE_MIN_FEEDS = 5

_executor: ThreadPoolExecutor | None = None
_parsers: ProcessPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """One pool per process, kept between rounds so kept-alive connections are reused."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor._max_workers != workers:
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll")
        return _executor


def _parser_pool(processes: int) -> ProcessPoolExecutor | None:
    """Processes that parse bodies, so parsing uses the other cores (the GIL keeps the
    threads of one process on one). Started once, with "spawn": never a fork of a
    process that runs threads."""
    global _parsers
    if processes <= 0:
        return None
    with _executor_lock:
        if _parsers is None or _parsers._max_workers != processes:
            _parsers = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))
        return _parsers


def poller_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_feeds(session, owner: str, config, *, feed_ids: list[int] | None = None,
                limit: int | None = None) -> list[FeedSnapshot]:
    """Lease due feeds (at most POLL_BATCH), or all the given ones, due or not, to
    ``owner`` and commit."""
    now = utcnow()
    if limit is None:
        limit = len(feed_ids) if feed_ids is not None else int(config["POLL_BATCH"])
    lease_free = or_(Feed.lease_until.is_(None), Feed.lease_until < now)
    stmt = (
        select(Feed.id)
        .join(Space, Feed.space_id == Space.id)
        .where(Feed.state == "active", Space.active.is_(True), lease_free)
        .order_by(Feed.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Feed)
    )
    if feed_ids is not None:
        stmt = stmt.where(Feed.id.in_(feed_ids))
    else:
        stmt = stmt.where(Feed.next_poll_at <= now)
    ids = list(session.scalars(stmt))
    if not ids:
        session.commit()
        return []
    lease_until = now + dt.timedelta(seconds=int(config["POLL_LEASE_SECONDS"]))
    session.execute(
        update(Feed).where(Feed.id.in_(ids), lease_free).values(lease_owner=owner, lease_until=lease_until),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    rows = session.execute(
        select(Feed.id, Feed.url, Feed.etag, Feed.last_modified, Feed.body_hash).where(
            Feed.id.in_(ids), Feed.lease_owner == owner
        )
    )
    return [FeedSnapshot(*row) for row in rows]


def poll_round(session, config, *, feed_ids: list[int] | None = None, owner: str | None = None,
               on_result=None) -> list[PollSummary]:
    """Poll every due feed once (or the given ones). Each feed is applied and committed
    on its own: a failure of one never touches another."""
    owner = owner or poller_id()
    snapshots = claim_feeds(session, owner, config, feed_ids=feed_ids)
    if not snapshots:
        return []
    policy = FetchPolicy.from_config(config)
    max_items = int(config["FEED_MAX_ITEMS"])
    pool = _pool(int(config["POLL_WORKERS"]))
    parser = _parser_pool(int(config["POLL_PARSE_PROCESSES"]))
    pending = {pool.submit(fetch_and_parse, s, policy, max_items, parser) for s in snapshots}
    # Each feed commits on its own; expiring every loaded object at each commit would
    # make a round quadratic in its size. record_outcome re-reads what it decides on.
    real_session = session() if isinstance(session, scoped_session) else session
    expire_on_commit, real_session.expire_on_commit = real_session.expire_on_commit, False
    try:
        return _run_round(session, pending, snapshots, config, owner, on_result)
    finally:
        real_session.expire_on_commit = expire_on_commit


def _run_round(session, pending, snapshots, config, owner, on_result) -> list[PollSummary]:
    summaries: list[PollSummary] = []
    deferred = []  # network failures wait for the end of the round (is it the hub?)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        outcomes = [future.result() for future in done]
        deferred += [o for o in outcomes if o.error is not None and o.error.error_class in NETWORK_ERRORS]
        outcomes = [o for o in outcomes if o not in deferred]
        # Unchanged feeds that finished together share one transaction (each is still
        # all or nothing); everything else is applied feed by feed.
        outcomes = _apply_unchanged(session, outcomes, config, owner, summaries, on_result)
        for outcome in outcomes:
            summaries.append(_apply(session, outcome, config, owner, False, on_result))
    hub_offline = (
        len(snapshots) >= HUB_OFFLINE_MIN_FEEDS and len(deferred) >= HUB_OFFLINE_SHARE * len(snapshots)
    )
    if hub_offline:
        log.warning("%d of %d feeds failed on the network in one round: the hub's network is suspected",
                    len(deferred), len(snapshots))
    for outcome in deferred:
        summaries.append(_apply(session, outcome, config, owner, hub_offline, on_result))
    return summaries


def _apply_unchanged(session, outcomes, config, owner, summaries, on_result) -> list:
    try:
        done, rest = record_unchanged(session, outcomes, config, owner)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("recording unchanged polls together failed; applying them one by one")
        return outcomes
    for summary in done:
        summaries.append(summary)
        if on_result is not None:
            on_result(summary)
    return rest


def _apply(session, outcome, config, owner, hub_offline, on_result) -> PollSummary:
    started = time.monotonic()
    try:
        summary = record_outcome(session, outcome, config, owner=owner, hub_offline=hub_offline)
        session.commit()
        summary.apply_ms = int((time.monotonic() - started) * 1000)
    except Exception:
        session.rollback()
        log.exception("applying feed %s failed; nothing of this poll was kept", outcome.snapshot.url)
        summary = PollSummary(outcome.snapshot.id, outcome.snapshot.url, "failed",
                              error_class="invalid", error_message="the hub failed to store this poll")
        _release(session, outcome.snapshot.id, owner)
    if on_result is not None:
        on_result(summary)
    return summary


def _release(session, feed_id: int, owner: str) -> None:
    session.execute(
        update(Feed).where(Feed.id == feed_id, Feed.lease_owner == owner).values(lease_owner=None, lease_until=None),
        execution_options={"synchronize_session": False},
    )
    session.commit()


def spread_overdue(session, config) -> int:
    """Spread overdue feeds over the next interval, so a restart after downtime does not
    burst every feed at once. Returns how many were moved."""
    now = utcnow()
    window = min(float(config["POLL_INTERVAL"]), 600.0)
    ids = list(session.scalars(select(Feed.id).where(Feed.state == "active", Feed.next_poll_at < now)))
    for feed_id in ids:
        session.execute(
            update(Feed).where(Feed.id == feed_id).values(
                next_poll_at=now + dt.timedelta(seconds=random.uniform(0, window))
            ),
            execution_options={"synchronize_session": False},
        )
    session.commit()
    return len(ids)
