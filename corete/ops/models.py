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
