"""Events: receiving them from the federation, and reading them back as occurrences."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from corete.core.handler import RowHandler
from corete.core.handover import EventData
from corete.events.models import Event
from corete.core.handover import NETWORK_ZONE, occurrence_key
from corete.events.recurrence import UTC, Occurrence, expand, parse_key, series_end, zone
from corete.spaces.models import Space

MAX_WINDOW = dt.timedelta(days=400)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=UTC)


def event_columns(data: EventData) -> dict:
    if data.all_day:
        end = data.end or data.start + dt.timedelta(days=1)
        start_at, end_at = _midnight(data.start), _midnight(end)
        start_date, end_date = data.start, end
    else:
        start_at = data.start.astimezone(UTC)
        end_at = data.end.astimezone(UTC) if data.end else None
        start_date = end_date = None
    is_series = bool(data.rrule or data.rdates) and data.recurrence_id is None
    ending = None
    if is_series:
        try:
            ending = series_end(all_day=data.all_day, start=data.start, end=data.end, timezone=data.timezone,
                                rrule=data.rrule, rdates=data.rdates, exdates=data.exdates)
        except (ValueError, TypeError):
            ending = None  # expanded (and skipped if broken) on read, as before
    return dict(
        uid=data.uid,
        series_end_at=ending,
        recurrence_id=data.recurrence_id,
        sequence=data.sequence,
        title=data.title,
        description_html=data.description_html,
        url=data.url,
        all_day=data.all_day,
        start_at=start_at,
        end_at=end_at,
        start_date=start_date,
        end_date=end_date,
        timezone=data.timezone,
        status=data.status,
        rrule=data.rrule,
        is_series=is_series,
        rdates=data.rdates,
        exdates=data.exdates,
        location=data.location,
        online_url=data.online_url,
        price=data.price,
        tags=data.tags,
    )


handler = RowHandler("event", Event, event_columns)


@dataclass(slots=True)
class EventOccurrence:
    event: Event
    occurrence: Occurrence

    @property
    def id(self) -> str:
        key = self.occurrence.key
        return f"{self.event.id}" if key is None else f"{self.event.id}-{key}"


def _filtered(stmt, *, space=None, city=None, q=None):
    # The join that filters also fills event.space: no query per event afterwards.
    stmt = stmt.join(Space, Event.space_id == Space.id).options(contains_eager(Event.space))
    stmt = stmt.where(Space.active.is_(True))
    if space:
        stmt = stmt.where(Space.slug == space)
    if city:
        stmt = stmt.where(Space.city.ilike(city))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Event.title.ilike(like), Event.description_html.ilike(like)))
    return stmt


def occurrences(
    window_start: dt.datetime,
    window_end: dt.datetime,
    *,
    session,
    space: str | None = None,
    city: str | None = None,
    tag: str | None = None,
    q: str | None = None,
) -> list[EventOccurrence]:
    """Every occurrence overlapping the window, recurring series expanded, by start."""
    if window_end - window_start > MAX_WINDOW:
        window_end = window_start + MAX_WINDOW
    filters = dict(space=space, city=city, q=q)
    # Two ranges an index can serve: events with an end that overlap the window, and
    # events without one that start in it.
    single = _filtered(
        select(Event).where(
            Event.is_series.is_(False),
            or_(
                and_(Event.end_at > window_start, Event.start_at < window_end),
                and_(Event.end_at.is_(None), Event.start_at >= window_start, Event.start_at < window_end),
            ),
        ),
        **filters,
    )
    result = [
        EventOccurrence(ev, Occurrence(*_bounds(ev), ev.recurrence_id))
        for ev in session.scalars(single)
    ]
    series = session.scalars(
        _filtered(select(Event).where(
            Event.is_series.is_(True), Event.start_at < window_end,
            or_(Event.series_end_at.is_(None), Event.series_end_at > window_start),
        ), **filters)
    ).all()
    overrides = _override_keys(session, series)
    for ev in series:
        start, end = _bounds(ev)
        try:
            occs = expand(
                all_day=ev.all_day, start=start, end=end, timezone=ev.timezone,
                rrule=ev.rrule, rdates=ev.rdates or [], exdates=ev.exdates or [],
                window_start=window_start, window_end=window_end,
                overridden=overrides.get((ev.feed_id, ev.uid), set()),
            )
        except (ValueError, TypeError):
            continue  # validated at ingestion; a rule dateutil still refuses shows nothing
        result.extend(EventOccurrence(ev, occ) for occ in occs)
    if tag:
        wanted = tag.casefold()
        result = [o for o in result if any(t.casefold() == wanted for t in o.event.tags or [])]
    result.sort(key=lambda o: (_sort_instant(o.occurrence.start), o.event.id))
    return result


def _bounds(ev: Event):
    return (ev.start_date, ev.end_date) if ev.all_day else (ev.start_at, ev.end_at)


def _sort_instant(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else _midnight(value)


def _override_keys(session, masters: list[Event]) -> dict[tuple[int, str], set[str]]:
    if not masters:
        return {}
    uids = {m.uid for m in masters}
    rows = session.execute(
        select(Event.feed_id, Event.uid, Event.recurrence_id).where(
            Event.uid.in_(uids), Event.recurrence_id.is_not(None)
        )
    )
    keys: dict[tuple[int, str], set[str]] = {}
    for feed_id, uid, rid in rows:
        keys.setdefault((feed_id, uid), set()).add(rid)
    return keys


def occurrence_bounds(o: EventOccurrence) -> tuple[str, str | None]:
    """start and end as RFC 3339 in the event's own zone, or ISO dates for all-day events."""
    start, end = o.occurrence.start, o.occurrence.end
    if o.event.all_day:
        return start.isoformat(), end.isoformat() if end else None
    tz = zone(o.event.timezone)
    return start.astimezone(tz).isoformat(), end.astimezone(tz).isoformat() if end else None




def export_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """What a subscribed calendar gets by default: the last 30 days and the next year."""
    return now - dt.timedelta(days=30), now + dt.timedelta(days=365)


def with_overrides(events: list[Event], *, session) -> list[Event]:
    """The events plus the overrides of every series among them, wherever those moved
    to, ordered by start then id: what a calendar file needs to be complete."""
    chosen = {e.id: e for e in events}
    keys = {(e.feed_id, e.uid) for e in events if e.is_series}
    if keys:
        for override in session.scalars(
            select(Event).where(Event.uid.in_({uid for _, uid in keys}), Event.recurrence_id.is_not(None))
        ):
            if (override.feed_id, override.uid) in keys:
                chosen.setdefault(override.id, override)
    return sorted(chosen.values(), key=lambda e: (e.start_at, e.id))


def first_announced(*, session, space=None, city=None, tag=None, q=None, limit=50) -> list[Event]:
    """Events by when the hub first saw them, newest first (overrides are not news)."""
    stmt = _filtered(select(Event).where(Event.recurrence_id.is_(None)), space=space, city=city, q=q)
    stmt = stmt.order_by(Event.first_seen_at.desc(), Event.id.desc())
    if tag:
        wanted = tag.casefold()
        rows = [e for e in session.scalars(stmt.limit(limit * 20)) if any(t.casefold() == wanted for t in e.tags or [])]
        return rows[:limit]
    return list(session.scalars(stmt.limit(limit)))


NETWORK_TZ = ZoneInfo(NETWORK_ZONE)  # day boundaries of the calendar pages


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=NETWORK_TZ)


def calendar_days(first: dt.date, last: dt.date, *, session, group=None, **filters) -> dict[dt.date, list]:
    """Every day from ``first`` to ``last`` (inclusive, days of the network's zone) with
    the occurrences on it; an event spanning several days is listed on each. ``group``
    (merging duplicates, say) is applied once to the whole window before."""
    days: dict[dt.date, list] = {first + dt.timedelta(days=n): [] for n in range((last - first).days + 1)}
    found = occurrences(local_midnight(first), local_midnight(last + dt.timedelta(days=1)), session=session, **filters)
    for o in (group(found) if group else found):
        start, end = o.occurrence.start, o.occurrence.end
        if o.event.all_day:
            day, stop = start, (end or start + dt.timedelta(days=1))
        else:
            day = start.astimezone(NETWORK_TZ).date()
            stop = (end - dt.timedelta(microseconds=1)).astimezone(NETWORK_TZ).date() + dt.timedelta(days=1) if end and end > start else day + dt.timedelta(days=1)
        while day < stop:
            if day in days:
                days[day].append(o)
            day += dt.timedelta(days=1)
    return days


def find_occurrence(occurrence_id: str, *, session) -> EventOccurrence | None:
    """The occurrence behind an id of the API and the pages: "42" for an event, or
    "42-20261201T170000Z" / "42-20261201" for one occurrence of a series."""
    event_id, _, key = occurrence_id.partition("-")
    if not event_id.isdigit():
        return None
    event = session.get(Event, int(event_id))
    if event is None or not event.space.active:
        return None
    start, end = _bounds(event)
    if not key:
        if event.is_series:  # the series as a whole: its first occurrence
            key = occurrence_key(start)
        else:
            return EventOccurrence(event, Occurrence(start, end, event.recurrence_id))
    if not event.is_series:
        return None
    try:
        when = parse_key(key)
    except ValueError:
        return None
    if event.all_day != (not isinstance(when, dt.datetime)):
        return None
    lo = local_midnight(when) if event.all_day else when
    found = expand(all_day=event.all_day, start=start, end=end, timezone=event.timezone, rrule=event.rrule,
                   rdates=event.rdates or [], exdates=event.exdates or [], window_start=lo,
                   window_end=lo + dt.timedelta(days=1),
                   overridden=_override_keys(session, [event]).get((event.feed_id, event.uid), set()))
    for occ in found:
        if occ.key == key:
            return EventOccurrence(event, occ)
    return None
