from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import FeedItemRow, UTCDateTime, utcnow
from corete.extensions import db


class Resource(FeedItemRow, db.Model):
    """A room, a desk or a piece of equipment a space shares with the network, as its feed
    describes it (`_corete.type: "resource"`), and the state of its busy calendar."""

    __tablename__ = "resources_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None] = mapped_column(Integer, index=True)
    price_per: Mapped[str | None] = mapped_column(String(4))  # "hour" or "day"
    member_price: Mapped[float | None] = mapped_column(Numeric(12, 2))
    public_price: Mapped[float | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    bookable_by: Mapped[str] = mapped_column(String(10), default="network")  # "network" or "anyone"
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    hours: Mapped[list | None] = mapped_column(JSON)  # core.hours.parse of it, None if not understood
    timezone: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[str | None] = mapped_column(Text)
    place_name: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # The picture the feed names, and the hub's own copy of it (media.services, as for events)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_key: Mapped[str | None] = mapped_column(String(32), index=True)
    picture_id: Mapped[str | None] = mapped_column(ForeignKey("media_picture.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # An iCalendar whose events are busy time (a room's shared calendar), read by the job
    # "resource-calendars" through the guarded fetcher.
    calendar_url: Mapped[str | None] = mapped_column(String(2000))
    calendar_etag: Mapped[str | None] = mapped_column(String(300))
    calendar_read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    calendar_error: Mapped[str | None] = mapped_column(String(300))


class Busy(db.Model):
    """A span of time a resource is not free: listed in its feed ("feed"), in its iCalendar
    ("calendar"), or a booking the hub accepted ("booking")."""

    __tablename__ = "resources_busy"
    __table_args__ = (Index("ix_resources_busy_resource_start", "resource_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources_resource.id", ondelete="CASCADE"))
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(10))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("resources_booking.id", ondelete="CASCADE"))


class Booking(db.Model):
    """A request to use a resource for a span of time, for a member of another space (or a
    visitor, where the resource accepts the public), and what became of it.

    No two accepted bookings of a resource overlap: an exclusion constraint on PostgreSQL,
    a trigger on SQLite (whose writers are serialised), both in the migration."""

    __tablename__ = "resources_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources_resource.id", ondelete="SET NULL"), index=True)
    resource_name: Mapped[str] = mapped_column(String(200))  # kept if the resource leaves its feed
    owner_space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    home_space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces_space.id", ondelete="SET NULL"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    person_email: Mapped[str | None] = mapped_column(String(254))
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    people: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(1000))
    # "unconfirmed" (a visitor's e-mail not confirmed yet), "requested", "accepted",
    # "declined", "cancelled"
    state: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
    cancelled_by_space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces_space.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    resource = relationship("Resource")
    owner_space = relationship("Space", foreign_keys=[owner_space_id])
    home_space = relationship("Space", foreign_keys=[home_space_id])
