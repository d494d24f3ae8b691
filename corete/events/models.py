from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    # The keys under which copies of one event meet (events.merging), written at
    # ingestion so regrouping reads, not recomputes, them and finds candidates in SQL.
    title_key: Mapped[str | None] = mapped_column(String(500), index=True)
    url_key: Mapped[str | None] = mapped_column(String(500), index=True)  # 500: a btree entry stays small
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
    # For a series that goes on past the materialisation horizon: how far its
    # occurrences are written in events_occurrence. None: all of them are.
    materialised_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    rdates: Mapped[list] = mapped_column(JSON, default=list)
    exdates: Mapped[list] = mapped_column(JSON, default=list)
    location: Mapped[dict | None] = mapped_column(JSON)
    # The venue as the map reads it, copied from location: SQL filters on the city the
    # same way on every database, and reading 20,000 venues decodes no JSON.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    venue_name: Mapped[str | None] = mapped_column(String(300))
    venue_address: Mapped[str | None] = mapped_column(String(300))
    venue_city: Mapped[str | None] = mapped_column(String(300), index=True)  # a municipality's official name when known
    online_url: Mapped[str | None] = mapped_column(String(2000))
    price: Mapped[dict | None] = mapped_column(JSON)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # The picture the feed names (image_url), found by its key, and the hub's own copy of it
    # once media.services fetched it (None until then, or when it was refused).
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_key: Mapped[str | None] = mapped_column(String(32), index=True)
    picture_id: Mapped[str | None] = mapped_column(ForeignKey("media_picture.id", ondelete="SET NULL"))


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


class OccurrenceRow(db.Model):
    """One occurrence of an event as the calendar shows it, written at ingestion so that
    pages, the API and the exports ask SQL instead of expanding series on every request.

    A single event has one row (key None); a series has one per occurrence, up to the
    horizon of ``Event.materialised_until``. Rows that start at the same instant and are
    copies of the same event share a ``group_id`` (see merging.py). ``first_day`` and
    ``last_day`` are the days of the network's zone it is shown on (all-day events: their
    own dates); ``reach_at`` is the end, or the start plus a microsecond when there is none.
    """

    __tablename__ = "events_occurrence"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(40))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reach_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    multi_day: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int | None] = mapped_column(Integer, index=True)

    __table_args__ = (
        # One row per occurrence: two writers at once (a poll and the daily extension) can
        # never leave a copy; the later one fails and its poll is tried again.
        UniqueConstraint("event_id", "start_at", name="uq_events_occurrence_event_start"),
        # The calendar's days and the API's windows, read from the index alone (covering):
        # counts per day, the first few of each day in order, pages of a window.
        Index("ix_events_occurrence_day", "first_day", "start_at", "group_id", "space_id"),
        Index("ix_events_occurrence_start", "start_at", "group_id", "space_id"),
        # Multi-day occurrences that reach into a window from before it: few, found by their last day.
        Index("ix_events_occurrence_multi_last", "multi_day", "last_day"),
        {"sqlite_autoincrement": True},  # group ids are row ids: never reused
    )


class EventTag(db.Model):
    """An event's tags, casefolded, one per row: what the tag filter asks SQL for."""

    __tablename__ = "events_tag"

    event_id: Mapped[int] = mapped_column(ForeignKey("events_event.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_events_tag_tag", "tag"),)
