"""Heartbeats of the schedulers and what "ready" means for a web worker."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from corete.core.models import db_now
from corete.federation.models import Feed
from corete.ops.models import Heartbeat, Job


def beat(session, process: str, started_at: dt.datetime, kind: str = "scheduler") -> None:
    """``process`` is alive now (by the database's clock). Commits."""
    now = db_now(session)
    if not session.execute(update(Heartbeat).where(Heartbeat.process == process).values(seen_at=now)).rowcount:
        session.add(Heartbeat(process=process, kind=kind, started_at=started_at, seen_at=now))
    # Processes silent for a day are gone: their rows would only grow the table.
    session.execute(delete(Heartbeat).where(Heartbeat.seen_at < now - dt.timedelta(days=1)))
    session.commit()


def last_heartbeat_age(session, kind: str = "scheduler") -> float | None:
    """Seconds since any process of ``kind`` was last seen, or None if none ever was."""
    seen = session.scalar(select(func.max(Heartbeat.seen_at)).where(Heartbeat.kind == kind))
    if seen is None:
        return None
    if seen.tzinfo is None:  # func.max bypasses the column type on SQLite
        seen = dt.datetime.fromisoformat(str(seen)).replace(tzinfo=dt.timezone.utc)
    return max(0.0, (db_now(session) - seen).total_seconds())


def claim_job(session, name: str, owner: str, *, every: dt.timedelta, lease: dt.timedelta) -> bool:
    """Whether ``owner`` runs job ``name`` now: it has not run for ``every`` and nobody
    else is running it. Commits."""
    now = db_now(session)
    if session.get(Job, name) is None:
        try:
            with session.begin_nested():
                session.add(Job(name=name))
        except IntegrityError:
            pass  # another scheduler made the row first
    free = or_(Job.lease_until.is_(None), Job.lease_until < now)
    due = or_(Job.last_run_at.is_(None), Job.last_run_at <= now - every)
    claimed = session.execute(update(Job).where(Job.name == name, free, due)
                              .values(lease_owner=owner, lease_until=now + lease)).rowcount
    session.commit()
    return bool(claimed)


def job_finished(session, name: str, owner: str, *, ran: bool) -> None:
    """Give the lease back; ``ran``: the job is done until ``every`` has passed again."""
    values = {"lease_owner": None, "lease_until": None}
    if ran:
        values["last_run_at"] = db_now(session)
    session.execute(update(Job).where(Job.name == name, Job.lease_owner == owner).values(**values))
    session.commit()


@lru_cache(maxsize=1)
def _migration_heads() -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from corete.app import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def readiness(session, config) -> dict[str, dict]:
    """Each check: {"ok": bool, "detail": str}. The worker is ready when all are ok."""
    checks: dict[str, dict] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "detail": session.get_bind().dialect.name}
    except SQLAlchemyError as e:  # any failure to reach the database is "not ready"
        session.rollback()
        return {"database": {"ok": False, "detail": type(e).__name__}}
    try:
        current = set(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:  # no table: never migrated
        session.rollback()
        current = set()
    heads = _migration_heads()
    checks["migrations"] = {"ok": current == heads,
                            "detail": "at head" if current == heads else
                            f"at {', '.join(sorted(current)) or 'nothing'}, head is {', '.join(sorted(heads))}: "
                            "run `corete db upgrade`"}
    limit = float(config["READY_SCHEDULER_SECONDS"] or 0)
    if limit > 0:
        try:
            age = last_heartbeat_age(session)
            checks["scheduler"] = {"ok": age is not None and age <= limit,
                                   "detail": "never seen" if age is None else f"seen {age:.0f} s ago"}
        except SQLAlchemyError as e:  # a schema behind the code may lack the table
            session.rollback()
            checks["scheduler"] = {"ok": False, "detail": f"heartbeats unreadable ({type(e).__name__})"}
    return checks


def gauges(session) -> dict[str, tuple[str, float]]:
    """What /metrics reads from the database at each scrape."""
    failing = session.scalar(select(func.count()).select_from(Feed).where(Feed.state == "active",
                                                                          Feed.consecutive_failures > 0))
    active = session.scalar(select(func.count()).select_from(Feed).where(Feed.state == "active"))
    age = last_heartbeat_age(session)
    values = {"corete_feeds_active": ("Feeds polled", float(active or 0)),
              "corete_feeds_failing": ("Active feeds whose last poll failed", float(failing or 0))}
    if age is not None:
        values["corete_scheduler_heartbeat_age_seconds"] = ("Seconds since a scheduler was last seen", age)
    return values
