"""What the push room keeps: each member feed's ping key (a member's "read me now")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class PingKey(db.Model):
    """The secret a member's site signs its pings with (``POST /api/v1/feeds/<id>/ping``).
    Shown to the space's operators in the editor, made and replaced by them; kept as it is,
    since they must be able to read it again."""

    __tablename__ = "push_ping_key"

    feed_id: Mapped[int] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pings: Mapped[int] = mapped_column(Integer, default=0)  # accepted
    last_ping_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # a wrong signature or an old timestamp
    last_refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    feed = relationship("Feed")
