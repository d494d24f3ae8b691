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
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import scoped_session

from corete.core.models import db_now, utcnow
from corete.federation.models import Feed
from corete.spaces.models import Space

if TYPE_CHECKING:
    from corete.federation.services import FeedSnapshot, PollSummary

# Fetching, parsing and applying (requests, the parsers, the rooms' handlers) are imported
# when a round has feeds to poll: `corete poll --due` with nothing due never loads them.

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
            _parsers = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_end_with_parent, initargs=(os.getpid(),))
        return _parsers


def _end_with_parent(parent_pid: int) -> None:
    """In a parsing process: end when the poller that started it is gone, even killed
    with SIGKILL, which leaves it no time to stop its children (they would parse nothing
    for ever, and keep multiprocessing's resource tracker alive beside them)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def poller_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_feeds(session, owner: str, config, *, feed_ids: list[int] | None = None,
                limit: int | None = None) -> list[FeedSnapshot]:
    """Lease due feeds (at most ``limit``, POLL_BATCH by default), or all the given ones,
    due or not, to ``owner`` and commit. Lease times are the database's clock."""
    now = db_now(session)
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
    # The UPDATE repeats every condition: on SQLite nothing is locked between the two
    # statements, and a feed another poller applied meanwhile is free but no longer due.
    conditions = [Feed.id.in_(feed_ids)] if feed_ids is not None else [Feed.next_poll_at <= now]
    ids = list(session.scalars(stmt.where(*conditions)))
    if not ids:
        session.commit()
        return []
    lease_until = now + dt.timedelta(seconds=int(config["POLL_LEASE_SECONDS"]))
    session.execute(
        update(Feed).where(Feed.id.in_(ids), lease_free, *conditions).values(lease_owner=owner, lease_until=lease_until),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    rows = session.execute(
        select(Feed.id, Feed.url, Feed.etag, Feed.last_modified, Feed.body_hash, Feed.pushed_until).where(
            Feed.id.in_(ids), Feed.lease_owner == owner
        )
    )
    from corete.federation.services import FeedSnapshot

    return [FeedSnapshot(*row) for row in rows]


class LeaseKeeper:
    """Renews the leases of the feeds a round holds and has not applied yet, every third
    of POLL_LEASE_SECONDS, from its own thread and connection: a round of slow feeds (or
    feeds waiting for their host) never outlives its leases, so no other poller takes
    them. A poller that dies stops renewing, and its feeds are free a lease later."""

    def __init__(self, engine, owner: str, lease_seconds: float):
        self.engine, self.owner, self.lease_seconds = engine, owner, lease_seconds
        self.held: set[int] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> "LeaseKeeper":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()

    def hold(self, ids) -> None:
        with self.lock:
            self.held.update(ids)

    def let_go(self, feed_id: int) -> None:
        with self.lock:
            self.held.discard(feed_id)

    def _run(self) -> None:
        from sqlalchemy.orm import Session

        while not self.stopped.wait(self.lease_seconds / 3):
            with self.lock:
                ids = sorted(self.held)
            if not ids:
                continue
            try:
                with Session(self.engine) as session:
                    until = db_now(session) + dt.timedelta(seconds=self.lease_seconds)
                    session.execute(update(Feed).where(Feed.id.in_(ids), Feed.lease_owner == self.owner)
                                    .values(lease_until=until), execution_options={"synchronize_session": False})
                    session.commit()
            except Exception:  # noqa: BLE001 - the next renewal tries again; the round goes on
                log.warning("renewing %d leases failed", len(ids), exc_info=True)


def poll_round(session, config, *, feed_ids: list[int] | None = None, owner: str | None = None,
               on_result=None) -> list[PollSummary]:
    """Poll every due feed once (or the given ones). Due feeds are claimed as fetch
    threads free up, never more than they can start soon (so several pollers share the
    work), up to POLL_BATCH a round. Each feed is applied and committed on its own: a
    failure of one never touches another."""
    owner = owner or poller_id()
    workers = int(config["POLL_WORKERS"])
    run = _Round(session, config, owner, on_result, feed_ids, window=max(4 * workers, 32))
    if not run.top_up():
        return []
    # Each feed commits on its own; expiring every loaded object at each commit would
    # make a round quadratic in its size. record_outcome re-reads what it decides on.
    real_session = session() if isinstance(session, scoped_session) else session
    expire_on_commit, real_session.expire_on_commit = real_session.expire_on_commit, False
    try:
        with run.keeper:
            return run.finish()
    finally:
        real_session.expire_on_commit = expire_on_commit


class _Round:
    def __init__(self, session, config, owner, on_result, feed_ids, window):
        self.session, self.config, self.owner, self.on_result = session, config, owner, on_result
        self.feed_ids = feed_ids
        self.window = len(feed_ids) if feed_ids is not None else window
        self.budget = len(feed_ids) if feed_ids is not None else int(config["POLL_BATCH"])
        self.max_items = int(config["FEED_MAX_ITEMS"])
        self.keeper = LeaseKeeper(session.get_bind(), owner, float(config["POLL_LEASE_SECONDS"]))
        self.policy = self.pool = self.parser = None  # made when the first feeds are claimed
        self.pending: set = set()
        self.claimed = 0
        self.exhausted = False
        self.summaries: list[PollSummary] = []

    def top_up(self) -> int:
        """Claim what the fetch threads can start soon; how many were claimed."""
        room = min(self.window - len(self.pending), self.budget - self.claimed)
        if self.exhausted or room <= 0 or (self.pending and len(self.pending) > self.window // 2):
            return 0
        snapshots = claim_feeds(self.session, self.owner, self.config, feed_ids=self.feed_ids, limit=room)
        self.exhausted = self.feed_ids is not None or len(snapshots) < room
        self.claimed += len(snapshots)
        if not snapshots:
            return 0
        self.keeper.hold(s.id for s in snapshots)
        if self.pool is None:
            from corete.federation.fetch import FetchPolicy

            self.policy = FetchPolicy.from_config(self.config)
            self.pool = _pool(int(self.config["POLL_WORKERS"]))
            self.parser = _parser_pool(int(self.config["POLL_PARSE_PROCESSES"]))
        from corete.federation.services import fetch_and_parse

        self.pending |= {self.pool.submit(fetch_and_parse, s, self.policy, self.max_items, self.parser)
                         for s in snapshots}
        return len(snapshots)

    def finish(self) -> list[PollSummary]:
        from corete.federation.services import NETWORK_ERRORS

        deferred = []  # network failures wait for the end of the round (is it the hub?)
        while self.pending:
            done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            outcomes = [future.result() for future in done]
            deferred += [o for o in outcomes if o.error is not None and o.error.error_class in NETWORK_ERRORS]
            outcomes = [o for o in outcomes if o not in deferred]
            # Unchanged feeds that finished together share one transaction (each is still
            # all or nothing); everything else is applied feed by feed.
            outcomes = _apply_unchanged(self.session, outcomes, self.config, self.owner, self.summaries,
                                        self.on_result, self.keeper)
            for outcome in outcomes:
                self.summaries.append(_apply(self.session, outcome, self.config, self.owner, False,
                                             self.on_result, self.keeper))
            self.top_up()
        hub_offline = self.claimed >= HUB_OFFLINE_MIN_FEEDS and len(deferred) >= HUB_OFFLINE_SHARE * self.claimed
        if hub_offline:
            log.warning("%d of %d feeds failed on the network in one round: the hub's network is suspected",
                        len(deferred), self.claimed)
        for outcome in deferred:
            self.summaries.append(_apply(self.session, outcome, self.config, self.owner, hub_offline,
                                         self.on_result, self.keeper))
        return self.summaries


def _apply_unchanged(session, outcomes, config, owner, summaries, on_result, keeper) -> list:
    from corete.federation.services import record_unchanged

    try:
        done, rest = record_unchanged(session, outcomes, config, owner)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("recording unchanged polls together failed; applying them one by one")
        return outcomes
    for summary in done:
        keeper.let_go(summary.feed_id)
        summaries.append(summary)
        if on_result is not None:
            on_result(summary)
    return rest


def _apply(session, outcome, config, owner, hub_offline, on_result, keeper) -> PollSummary:
    from corete.federation.services import PollSummary, record_outcome

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
    keeper.let_go(outcome.snapshot.id)
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
    overdue = (Feed.state == "active", Feed.next_poll_at < now)
    # In the order of the ids, as every scheduler starting at once does: the second waits
    # for the first's locks instead of deadlocking with it (PostgreSQL ended a scheduler so,
    # two starting together in different orders); a feed it moved meanwhile stays moved.
    ids = list(session.scalars(select(Feed.id).where(*overdue).order_by(Feed.id)))
    moved = 0
    for feed_id in ids:
        moved += session.execute(
            update(Feed).where(Feed.id == feed_id, *overdue).values(
                next_poll_at=now + dt.timedelta(seconds=random.uniform(0, window))
            ),
            execution_options={"synchronize_session": False},
        ).rowcount
    session.commit()
    return moved
