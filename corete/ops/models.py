from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import UTCDateTime
from corete.extensions import db


class Heartbeat(db.Model):
    """A scheduler process, as it last said it was alive (by the database's clock)."""

    __tablename__ = "ops_heartbeat"

    process: Mapped[str] = mapped_column(String(200), primary_key=True)  # the poller's lease owner id
    kind: Mapped[str] = mapped_column(String(20), default="scheduler")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Job(db.Model):
    """A periodic job of the schedulers that must run once for all of them (extending the
    occurrence horizon): whoever takes the lease runs it, the others skip it."""

    __tablename__ = "ops_job"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
