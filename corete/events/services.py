"""Events: receiving them from the federation, and reading them back as occurrences."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from corete.core.handler import RowHandler
from corete.core.handover import EventData
from corete.events.models import Event
from corete.events.recurrence import UTC, Occurrence, expand, zone
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
    return dict(
        uid=data.uid,
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
        is_series=bool(data.rrule or data.rdates) and data.recurrence_id is None,
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
    stmt = stmt.join(Space, Event.space_id == Space.id).where(Space.active.is_(True))
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
    single = _filtered(
        select(Event).where(
            Event.is_series.is_(False),
            Event.start_at < window_end,
            or_(Event.end_at > window_start, Event.start_at >= window_start),
        ),
        **filters,
    )
    result = [
        EventOccurrence(ev, Occurrence(*_bounds(ev), ev.recurrence_id))
        for ev in session.scalars(single)
    ]
    series = session.scalars(
        _filtered(select(Event).where(Event.is_series.is_(True), Event.start_at < window_end), **filters)
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


def events_for_export(window_start: dt.datetime, window_end: dt.datetime, *, session, space=None, city=None,
                      tag=None, q=None) -> list[Event]:
    """The events, series and overrides with at least one occurrence in the window,
    as stored (series stay series), ordered by start then id."""
    found = occurrences(window_start, window_end, session=session, space=space, city=city, tag=tag, q=q)
    events: dict[int, Event] = {}
    for o in found:
        events.setdefault(o.event.id, o.event)
    series = [e for e in events.values() if e.is_series]
    if series:  # overrides of an exported series go with it, wherever they moved to
        keys = {(e.feed_id, e.uid) for e in series}
        for override in session.scalars(
            select(Event).where(Event.uid.in_({uid for _, uid in keys}), Event.recurrence_id.is_not(None))
        ):
            if (override.feed_id, override.uid) in keys:
                events.setdefault(override.id, override)
    return sorted(events.values(), key=lambda e: (e.start_at, e.id))


def first_announced(*, session, space=None, city=None, tag=None, q=None, limit=50) -> list[Event]:
    """Events by when the hub first saw them, newest first (overrides are not news)."""
    stmt = _filtered(select(Event).where(Event.recurrence_id.is_(None)), space=space, city=city, q=q)
    stmt = stmt.order_by(Event.first_seen_at.desc(), Event.id.desc())
    if tag:
        wanted = tag.casefold()
        rows = [e for e in session.scalars(stmt.limit(limit * 20)) if any(t.casefold() == wanted for t in e.tags or [])]
        return rows[:limit]
    return list(session.scalars(stmt.limit(limit)))
