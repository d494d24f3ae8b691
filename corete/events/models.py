from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow, UTCDateTime, utcnow
from corete.extensions import db


class Event(FeedItemRow, db.Model):
    """An event, a recurring series, or an override of one occurrence of a series.

    Timed events keep their instants in UTC (start_at/end_at) and the zone they were
    published in. All-day events keep dates (end exclusive) in start_date/end_date and,
    for filtering only, start_at/end_at at midnight UTC of those dates.
    """

    __tablename__ = "events_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(500), index=True)
    recurrence_id: Mapped[str | None] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    description_html: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    rrule: Mapped[str | None] = mapped_column(String(500))
    # True for a series master (RRULE or RDATE): expanded on read, never listed as such.
    is_series: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The end of a series' last occurrence; None when it never ends (or is very long).
    # Lets a window skip the series that ended before it without expanding them.
    series_end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rdates: Mapped[list] = mapped_column(JSON, default=list)
    exdates: Mapped[list] = mapped_column(JSON, default=list)
    location: Mapped[dict | None] = mapped_column(JSON)
    online_url: Mapped[str | None] = mapped_column(String(2000))
    price: Mapped[dict | None] = mapped_column(JSON)
    tags: Mapped[list] = mapped_column(JSON, default=list)


class EventSplit(db.Model):
    """A coordinator said these two events are not the same event: never merge them.
    (event_a_id < event_b_id.)"""

    __tablename__ = "events_split"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_a_id: Mapped[int] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"))
    event_b_id: Mapped[int] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(254))  # the coordinator's e-mail
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_a_id", "event_b_id"),)
