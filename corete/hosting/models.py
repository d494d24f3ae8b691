from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

ITEM_TYPES = ("event", "skill", "need")


class HostedFeed(db.Model):
    """A space whose feed the hub publishes: its profile (the feed's `_corete.space`) and
    the federation feed that polls it."""

    __tablename__ = "hosting_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), unique=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("federation_feed.id", ondelete="SET NULL"))
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    space = relationship("Space")
    feed = relationship("Feed")


class HostedItem(db.Model):
    """One item of a hosted feed, kept as the JSON Feed item the hub publishes."""

    __tablename__ = "hosting_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(10))
    item: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))

    @property
    def core(self) -> dict:
        return self.item.get("_corete", {})
