"""Events: receiving them from the federation, and reading them back as occurrences.

Reads ask SQL for the occurrence rows written at ingestion (materialise.py): counts
and pages are computed by the database. A window that ends past the materialised
horizon is answered by expanding series on the fly instead (``expanded``), which is
slower but never incomplete.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, union_all
from sqlalchemy.orm import contains_eager

from corete.core.handler import RowHandler
from corete.core.handover import EventData
from corete.core.models import chunks, parse_id
from corete.events import materialise
from corete.events.merging import (
    EventOccurrence,
    MergedOccurrence,
    assemble,
    merge_duplicates,
    normalised_title,
    normalised_url,
)
from corete.events.models import Event, EventTag, OccurrenceRow
from corete.events.recurrence import (
    NETWORK_TZ,
    UTC,
    Occurrence,
    expand,
    local_midnight,
    parse_key,
    series_end,
    zone,
)
from corete.map.geocode import place_rows
from corete.map.places import find_in_text, find_municipality
from corete.media.services import link as link_pictures, url_key
from corete.spaces.models import Space

__all__ = ["NETWORK_TZ", "local_midnight"]
MAX_WINDOW = dt.timedelta(days=400)


# The quick filters of the calendar and the map: a name, and the days it covers.
WHEN = ("today", "weekend", "week")
WHEN_LABELS = {"today": _l("Today"), "weekend": _l("This weekend"), "week": _l("Next 7 days")}


def when_days(when: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a quick filter, in the network's time zone: today; this
    weekend (Saturday and Sunday; on Sunday, today); the next 7 days from today."""
    if when == "today":
        return today, today
    if when == "weekend":
        if today.weekday() == 6:
            return today, today
        saturday = today + dt.timedelta(days=5 - today.weekday())
        return saturday, saturday + dt.timedelta(days=1)
    if when == "week":
        return today, today + dt.timedelta(days=6)
    raise ValueError(when)


def when_window(when: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A quick filter as instants: from now (or the first day's start, if later) to the end
    of its last day, in the network's time zone."""
    first, last = when_days(when, now.astimezone(NETWORK_TZ).date())
    start = dt.datetime.combine(first, dt.time(), tzinfo=NETWORK_TZ)
    return max(start, now), dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=NETWORK_TZ)


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
        title_key=normalised_title(data.title)[:500] or None,
        url_key=(normalised_url(data.url) or "")[:500] or None,
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
        **venue_columns(data.location),
        online_url=data.online_url,
        price=data.price,
        tags=data.tags,
        image_url=data.image,
        image_key=url_key(data.image),
        picture_id=None,  # linked after writing, when there is a picture (EventHandler._written)
    )


def venue_city(location: dict) -> str | None:
    """The venue's municipality by its official name ("Bolzano/Bozen"), read from its city
    or, failing that, from the free text of its address and name ("Cowo Isola, Via
    Pastrengo 14, Milano", an iCalendar LOCATION); else the city as the feed wrote it."""
    city = location.get("city")
    found = find_municipality(city) if city else find_in_text(
        ", ".join(str(part) for part in (location.get("name"), location.get("address")) if part))
    return found.name if found else city


def venue_columns(location: dict | None) -> dict:
    """The venue's name, address, city, and its lat/lon when both are numbers inside the
    world (else None)."""
    location = location or {}
    columns = {"lat": None, "lon": None, "venue_name": location.get("name"),
               "venue_address": location.get("address"), "venue_city": venue_city(location)}
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (TypeError, KeyError, ValueError):
        return columns
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        columns.update(lat=lat, lon=lon)
    return columns


def _needs_position(location: dict | None) -> bool:
    """A venue with a street address and no coordinates (what the geocoder can place)."""
    return bool(location and location.get("address") and (location.get("lat") is None or location.get("lon") is None))


class EventHandler(RowHandler):
    """Writes events like any room's rows, then their occurrence rows and groups."""

    def _ids(self, session, feed_id: int, source_ids) -> set[int]:
        ids = set()
        for chunk in chunks(source_ids):
            ids |= set(session.scalars(select(Event.id).where(Event.feed_id == feed_id, Event.source_id.in_(chunk))))
        return ids

    def added(self, session, feed_id, items):
        self.written(session, feed_id, items, new=True)

    def written(self, session, feed_id, items, *, new: bool = False):
        materialise.refresh(session, self._ids(session, feed_id, (i.source_id for i in items)), new=new)
        # Only what these items need (most have no picture and a position or no address):
        # the copy kept for a picture's address (none yet: media.services fetches it) ...
        pictured = [i.source_id for i in items if i.data.image]
        if pictured:
            link_pictures(session, Event, self._ids(session, feed_id, pictured))
        # ... and the street-level position the geocoder gave an address before, if it is on.
        addressed = [i.source_id for i in items if _needs_position(i.data.location)]
        if addressed and current_app.config.get("GEOCODER_URL"):
            rows = [row for chunk in chunks(addressed) for row in session.execute(
                select(Event.id, Event.venue_address, Event.venue_city).where(
                    Event.feed_id == feed_id, Event.source_id.in_(chunk), Event.lat.is_(None)))]
            place_rows(session, Event, rows)

    def remove(self, session, feed_id, source_ids):
        ids = self._ids(session, feed_id, source_ids)
        overrides, series = materialise.series_pairs(session, ids)
        masters = set(materialise.masters(session, overrides).values()) - ids  # their occurrences change too
        touched = materialise.forget(session, ids) | materialise.override_starts(session, series)
        super().remove(session, feed_id, source_ids)
        materialise.refresh(session, masters, touched=touched)


handler = EventHandler("event", Event, event_columns)


def _filtered(stmt, *, session, space=None, city=None, q=None):
    # The join that filters also fills event.space: no query per event afterwards.
    stmt = stmt.join(Space, Event.space_id == Space.id).options(contains_eager(Event.space))
    stmt = stmt.where(Space.active.is_(True))
    if space:
        stmt = stmt.where(Space.slug == space)
    if city:
        held = held_in(session, city)
        # Without events held there, the host's city alone: an OR with an empty list kept
        # SQLite from filtering by space first (the API by city went from 51 to 266 ms).
        stmt = stmt.where(or_(Space.city.ilike(city), Event.id.in_(held)) if held else Space.city.ilike(city))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Event.title.ilike(like), Event.description_html.ilike(like)))
    return stmt


def expanded(
    window_start: dt.datetime,
    window_end: dt.datetime,
    *,
    session,
    space: str | None = None,
    city: str | None = None,
    tag: str | None = None,
    q: str | None = None,
) -> list[EventOccurrence]:
    """Every occurrence overlapping the window, recurring series expanded here, by start:
    the path for windows past the materialised horizon."""
    if window_end - window_start > MAX_WINDOW:
        window_end = window_start + MAX_WINDOW
    filters = dict(session=session, space=space, city=city, q=q)
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
        EventOccurrence(ev, Occurrence(*_bounds(ev), None))
        for ev in session.scalars(single)
    ]
    series = session.scalars(
        _filtered(select(Event).where(
            Event.is_series.is_(True), Event.start_at < window_end,
            or_(Event.series_end_at.is_(None), Event.series_end_at > window_start),
        ), **filters)
    ).all()
    overrides = materialise.overridden_keys(session, series)
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
        wanted = set(tag) if isinstance(tag, tuple) else {tag.casefold()}
        result = [o for o in result if any(t.casefold() in wanted for t in o.event.tags or [])]
    result.sort(key=lambda o: (_sort_instant(o.occurrence.start), o.event.id))
    return result


def _bounds(ev: Event):
    return (ev.start_date, ev.end_date) if ev.all_day else (ev.start_at, ev.end_at)


def _sort_instant(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else _midnight(value)


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
    """Events by when the hub first saw them, newest first. Overrides are not news, and
    neither is a copy of an event another source announced first."""
    stmt = _filtered(select(Event).where(Event.recurrence_id.is_(None)), session=session, space=space, city=city, q=q)
    stmt = _tagged(stmt, tag).order_by(Event.first_seen_at.desc(), Event.id.desc())
    found, offset = [], 0
    while len(found) < limit:
        batch = session.scalars(stmt.offset(offset).limit(limit * 2)).all()
        if not batch:
            break
        offset += len(batch)
        copies = _copies(session, [e.id for e in batch], space=space, city=city, tag=tag, q=q)
        found += [e for e in batch if e.id not in copies]
    return found[:limit]


def _copies(session, event_ids: list[int], **filters) -> set[int]:
    """Those of the events whose every occurrence is led by another event that the
    same filters show: copies of something already announced."""
    leader_row = OccurrenceRow.__table__.alias("leader_row")
    rows = session.execute(
        select(OccurrenceRow.event_id, leader_row.c.event_id)
        .join(leader_row, leader_row.c.id == OccurrenceRow.group_id)
        .where(OccurrenceRow.event_id.in_(event_ids))
    ).all()
    leaders: dict[int, set[int]] = {}
    for event_id, leader in rows:
        leaders.setdefault(event_id, set()).add(leader)
    followers = {e: ls for e, ls in leaders.items() if e not in ls}
    if not followers:
        return set()
    leaders_shown = _tagged(_filtered(select(Event).where(Event.id.in_(set().union(*followers.values()))),
                                      session=session, space=filters.get("space"), city=filters.get("city"),
                                      q=filters.get("q")),
                            filters.get("tag"))
    shown = {e.id for e in session.scalars(leaders_shown)}
    return {e for e, ls in followers.items() if ls & shown}


# --- Reading the materialised occurrences -------------------------------------------------

def _tagged(stmt, tag: str | tuple | None):
    """Events with this tag, or with any of these tags (a category's: events.categories)."""
    if isinstance(tag, tuple):
        stmt = stmt.where(exists().where(EventTag.event_id == Event.id, EventTag.tag.in_(tag)))
    elif tag:
        stmt = stmt.where(exists().where(EventTag.event_id == Event.id, EventTag.tag == tag.casefold()[:100]))
    return stmt


def materialised_until(session) -> dt.datetime | None:
    """Before when every series' occurrences are in events_occurrence (None: all of them)."""
    return session.scalar(select(func.min(Event.materialised_until)))


def servable(session, window_end: dt.datetime) -> bool:
    until = materialised_until(session)
    return until is None or window_end <= until


@dataclass(frozen=True)
class Scope:
    """The filters of a request, with the spaces resolved once to a condition on rows."""

    spaces: object = None  # a condition on OccurrenceRow.space_id, or None: every space
    tag: str | None = None
    q: str | None = None


def scope(session, *, space=None, city=None, tag=None, q=None) -> Scope:
    """Resolve the spaces the filters keep once (a few hundred ids at most), so that the
    occurrence rows are then read from their indexes alone."""
    if not (space or city):
        inactive = list(session.scalars(select(Space.id).where(Space.active.is_(False))))
        return Scope(OccurrenceRow.space_id.not_in(inactive) if inactive else None, tag, q)
    stmt = select(Space.id).where(Space.active.is_(True))
    if space:
        stmt = stmt.where(Space.slug == space)
    if city:
        stmt = stmt.where(Space.city.ilike(city))
    spaces = OccurrenceRow.space_id.in_(list(session.scalars(stmt)))
    held = held_in(session, city) if city and not space else []
    if held:  # also the events held in that city, whoever hosts them
        spaces = or_(spaces, OccurrenceRow.event_id.in_(held))
    return Scope(spaces, tag, q)


def held_in(session, city: str) -> list[int]:
    """The events (of active spaces) whose venue is in a city, by its stored name."""
    return list(session.scalars(select(Event.id).join(Space, Space.id == Event.space_id).where(
        Space.active.is_(True), Event.venue_city.in_(city_names(city)))))


def city_names(city: str) -> list[str]:
    """What a venue's stored city is, for a city a visitor typed: the municipality's
    official name, and the text as typed (a city the table does not know)."""
    found = find_municipality(city)
    return sorted({city, found.name} if found else {city})


def in_city(city: str):
    """The condition on events (joined with their space) held in, or hosted in, a city."""
    return or_(Space.city.ilike(city), Event.venue_city.in_(city_names(city)))


def _rows(where: Scope, condition, columns=(OccurrenceRow,)):
    """A select of the occurrence rows meeting ``condition`` within the scope."""
    stmt = select(*columns).where(condition)
    if where.spaces is not None:
        stmt = stmt.where(where.spaces)
    if where.q or where.tag:
        stmt = stmt.join(Event, Event.id == OccurrenceRow.event_id)
        if where.q:
            like = f"%{where.q}%"
            stmt = stmt.where(or_(Event.title.ilike(like), Event.description_html.ilike(like)))
        stmt = _tagged(stmt, where.tag)
    return stmt


def overlapping(window_start: dt.datetime, window_end: dt.datetime):
    """Occurrence rows overlapping [window_start, window_end), in three ranges indexes
    serve: starting in it; started the same day (or the day before, for all-day
    events kept at midnight UTC) and still going; multi-day and still going."""
    day = window_start.astimezone(NETWORK_TZ).date()
    still_going = and_(OccurrenceRow.start_at < window_start, OccurrenceRow.reach_at > window_start)
    return or_(
        and_(OccurrenceRow.start_at >= window_start, OccurrenceRow.start_at < window_end),
        and_(OccurrenceRow.first_day.between(day - dt.timedelta(days=1), day), still_going),
        and_(OccurrenceRow.multi_day.is_(True), OccurrenceRow.last_day >= day - dt.timedelta(days=1), still_going),
    )


def _occurrence(row: OccurrenceRow, event: Event) -> EventOccurrence:
    if row.all_day:
        return EventOccurrence(event, Occurrence(row.first_day, row.last_day + dt.timedelta(days=1), row.key))
    return EventOccurrence(event, Occurrence(row.start_at, row.end_at, row.key))


def _groups(session, where: Scope, condition, group_ids) -> dict[int, MergedOccurrence]:
    """The merged occurrences of these groups, their members limited to the scope."""
    members: dict[int, list[EventOccurrence]] = {}
    for chunk in chunks(group_ids):
        stmt = _rows(where, and_(condition, OccurrenceRow.group_id.in_(chunk)), columns=(OccurrenceRow, Event))
        if not (where.q or where.tag):
            stmt = stmt.join(Event, Event.id == OccurrenceRow.event_id)
        stmt = stmt.join(Space, Space.id == Event.space_id).options(contains_eager(Event.space))
        for row, event in session.execute(stmt):
            members.setdefault(row.group_id, []).append(_occurrence(row, event))
    return {g: assemble(m) for g, m in members.items()}


def window_page(window_start, window_end, *, session, offset: int = 0, limit: int | None = None,
                **filters) -> tuple[int, list[MergedOccurrence]]:
    """(how many, the page): the occurrences overlapping the window, copies merged, by
    start. Counted and paged by the database."""
    if window_end - window_start > MAX_WINDOW:
        window_end = window_start + MAX_WINDOW
    if not servable(session, window_end):
        found = merge_duplicates(expanded(window_start, window_end, session=session, **filters), session=session)
        return len(found), found[offset:None if limit is None else offset + limit]
    where = scope(session, **filters)
    condition = overlapping(window_start, window_end)
    groups = _rows(where, condition, columns=(OccurrenceRow.group_id, func.min(OccurrenceRow.start_at).label("s")))
    groups = groups.group_by(OccurrenceRow.group_id)
    total = session.scalar(select(func.count()).select_from(groups.subquery()))
    page = session.execute(groups.order_by("s", OccurrenceRow.group_id).offset(offset).limit(limit)).all()
    merged = _groups(session, where, condition, [g for g, _ in page])
    return total, [merged[g] for g, _ in page if g in merged]


def upcoming(window_start, window_end, *, session, limit=None, **filters) -> list[MergedOccurrence]:
    return window_page(window_start, window_end, session=session, limit=limit, **filters)[1]


@dataclass
class Day:
    """One day of the calendar: the occurrences shown (at most the cap) and how many."""

    items: list = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


def _sort_key(m: MergedOccurrence):
    return (_sort_instant(m.occurrence.start), m.event.id)


def calendar_days(first: dt.date, last: dt.date, *, session, per_day: int | None = None,
                  **filters) -> dict[dt.date, Day]:
    """Every day from ``first`` to ``last`` (inclusive, days of the network's zone), with
    the first ``per_day`` occurrences on it (all if None) and how many there are; an
    event spanning several days is listed on each."""
    days = {first + dt.timedelta(days=n): Day() for n in range((last - first).days + 1)}
    if not servable(session, local_midnight(last + dt.timedelta(days=1))):
        return _expanded_days(days, first, last, session=session, per_day=per_day, **filters)
    where = scope(session, **filters)
    in_view = OccurrenceRow.first_day.between(first, last)
    # Multi-day occurrences are few: read whole and spread over their days here.
    multi = and_(OccurrenceRow.multi_day.is_(True), OccurrenceRow.last_day >= first, OccurrenceRow.first_day <= last)
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for group_id, first_day, last_day in session.execute(_rows(where, multi, columns=(
            OccurrenceRow.group_id, OccurrenceRow.first_day, OccurrenceRow.last_day))):
        lo, hi = spans.get(group_id, (first_day, last_day))
        spans[group_id] = (min(lo, first_day), max(hi, last_day))
    shown: dict[dt.date, list[int]] = {}
    for group_id, (lo, hi) in spans.items():
        day = max(lo, first)
        while day <= min(hi, last):
            days[day].total += 1
            shown.setdefault(day, []).append(group_id)
            day += dt.timedelta(days=1)
    # The others, counted and picked by the database. (No test of multi_day here: with
    # it, SQLite walks the whole multi-day index.)
    single = and_(in_view, OccurrenceRow.group_id.not_in(list(spans))) if spans else in_view
    counted = _rows(where, single, columns=(OccurrenceRow.first_day, func.count(OccurrenceRow.group_id.distinct())))
    for day, count in session.execute(counted.group_by(OccurrenceRow.first_day)):
        days[day].total += count
    busy = [day for day, cell in days.items() if cell.total]
    for day, group_ids in _first_groups(session, where, single, busy, per_day).items():
        shown.setdefault(day, []).extend(group_ids)
    merged = _groups(session, where, or_(in_view, multi), {g for ids in shown.values() for g in ids})
    for day, ids in shown.items():
        items = sorted((merged[g] for g in set(ids) if g in merged), key=_sort_key)
        days[day].items = items if per_day is None else items[:per_day]
    return days


def _first_groups(session, where: Scope, condition, days: list[dt.date], per_day: int | None):
    """Each day's groups, in order, at most ``per_day`` of them: a few index entries per
    day, all days in one query (a window function over the whole view costs more than
    the rest of the page)."""
    columns = (OccurrenceRow.first_day, OccurrenceRow.group_id)
    if per_day is None:
        stmt = _rows(where, and_(condition, OccurrenceRow.first_day.in_(days)), columns=columns)
        rows = session.execute(stmt.order_by(OccurrenceRow.start_at, OccurrenceRow.group_id)).all()
    else:
        rows = []
        for some_days in chunks(days, 50):
            parts = [_rows(where, and_(condition, OccurrenceRow.first_day == day),
                           columns=(*columns, OccurrenceRow.start_at))
                     .order_by(OccurrenceRow.start_at, OccurrenceRow.group_id).limit(per_day * 2).subquery()
                     for day in some_days]
            found = session.execute(union_all(*(select(p.c.first_day, p.c.group_id, p.c.start_at) for p in parts))).all()
            # A UNION ALL keeps no order (PostgreSQL may append its parts in parallel): each
            # day's rows are put back in the order its part chose them in.
            found.sort(key=lambda r: (r.first_day, r.start_at, r.group_id is None, r.group_id or 0))
            rows += [(day, group_id) for day, group_id, _start in found]
    by_day: dict[dt.date, list[int]] = {}
    read: dict[dt.date, int] = {}
    for day, group_id in rows:
        read[day] = read.get(day, 0) + 1
        if group_id not in by_day.setdefault(day, []):
            by_day[day].append(group_id)
    if per_day is not None:
        for day, groups in by_day.items():
            if len(groups) < per_day and read[day] == per_day * 2:  # copies filled the rows read
                stmt = _rows(where, and_(condition, OccurrenceRow.first_day == day), columns=(OccurrenceRow.group_id,))
                groups[:] = dict.fromkeys(session.scalars(stmt.order_by(OccurrenceRow.start_at, OccurrenceRow.group_id)))
            del groups[per_day:]
    return by_day


def _expanded_days(days, first, last, *, session, per_day, **filters) -> dict[dt.date, Day]:
    found = expanded(local_midnight(first), local_midnight(last + dt.timedelta(days=1)), session=session, **filters)
    for o in merge_duplicates(found, session=session):
        start, end = o.occurrence.start, o.occurrence.end
        if o.event.all_day:
            day, stop = start, (end or start + dt.timedelta(days=1))
        else:
            day = start.astimezone(NETWORK_TZ).date()
            stop = (end - dt.timedelta(microseconds=1)).astimezone(NETWORK_TZ).date() + dt.timedelta(days=1) \
                if end and end > start else day + dt.timedelta(days=1)
        while day < stop:
            if day in days:
                days[day].total += 1
                if per_day is None or len(days[day].items) < per_day:
                    days[day].items.append(o)
            day += dt.timedelta(days=1)
    return days


def find_occurrence(occurrence_id: str, *, session) -> EventOccurrence | None:
    """The occurrence behind an id of the API and the pages: "42" for an event, or
    "42-20261201T170000Z" / "42-20261201" for one occurrence of a series. A series
    without a key stands for its next occurrence (its last one once it has ended)."""
    event_id, _, key = occurrence_id.partition("-")
    event_id = parse_id(event_id)
    if event_id is None:
        return None
    event = session.get(Event, event_id)
    if event is None or not event.space.active:
        return None
    start, end = _bounds(event)
    if not key:
        if not event.is_series:
            return EventOccurrence(event, Occurrence(start, end, None))
        key = _next_key(session, event)
        if key is None:
            return None
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
                   overridden=materialise.overridden_keys(session, [event]).get((event.feed_id, event.uid), set()))
    for occ in found:
        if occ.key == key:
            return EventOccurrence(event, occ)
    return None


def _next_key(session, event: Event) -> str | None:
    now = dt.datetime.now(UTC)
    rows = OccurrenceRow.event_id == event.id
    key = session.scalar(select(OccurrenceRow.key).where(rows, OccurrenceRow.reach_at > now)
                         .order_by(OccurrenceRow.start_at).limit(1))
    if key is None:
        key = session.scalar(select(OccurrenceRow.key).where(rows).order_by(OccurrenceRow.start_at.desc()).limit(1))
    return key


def group_of(found: EventOccurrence, *, session) -> MergedOccurrence:
    """The merged group an occurrence belongs to (itself alone if none)."""
    key = OccurrenceRow.key.is_(None) if found.occurrence.key is None else OccurrenceRow.key == found.occurrence.key
    group_id = session.scalar(select(OccurrenceRow.group_id).where(OccurrenceRow.event_id == found.event.id, key))
    if group_id is None:  # past the horizon: look at what starts with it
        start = found.occurrence.start
        lo = start if isinstance(start, dt.datetime) else local_midnight(start)
        hi = lo + (dt.timedelta(minutes=1) if isinstance(start, dt.datetime) else dt.timedelta(days=1))
        for merged in merge_duplicates(expanded(lo, hi, session=session), session=session):
            if any(m.event.id == found.event.id and m.occurrence.key == found.occurrence.key for m in merged.members):
                return merged
        return MergedOccurrence(found)
    merged = _groups(session, Scope(), OccurrenceRow.group_id == group_id, [group_id]).get(group_id)
    return merged or MergedOccurrence(found)
