from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class Space(db.Model):
    __tablename__ = "spaces_space"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="IT")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    # The IANA zone the space's own times are in (the hosted editor's dates and times);
    # None: the network's, Europe/Rome.
    timezone: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # Whether and on which terms it welcomes members of other network spaces (a coworking
    # visa): {"welcome": true, "days_per_year": 10, "notice_days": 1, "days": "Mo-Fr"};
    # welcomes_visitors follows it, for the map's filter.
    visitors: Mapped[dict | None] = mapped_column(JSON)
    welcomes_visitors: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Set by coordinators only, never by a feed (Milan accredits spaces after inspection).
    accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Fields a coordinator typed in win over what the space's feed says.
    locked_fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @validates("visitors")
    def _welcome(self, key, value):
        self.welcomes_visitors = bool(value and value.get("welcome"))
        return value

    feeds = db.relationship(
        "Feed", back_populates="space", cascade="all, delete-orphan", order_by="Feed.id"
    )

    def __repr__(self) -> str:
        return f"<Space {self.slug}>"
