"""Writing events' occurrences into events_occurrence, at ingestion rather than on
every request.

Whenever the federation adds, replaces or removes events, ``refresh`` rewrites the
occurrence rows and tags of those events (and of the series whose overrides changed),
then regroups the copies of the same event starting at every instant it touched. A
series that never ends is written up to a horizon (EVENTS_HORIZON_DAYS ahead) and
``extend`` moves that horizon on every day; a window past it is served by expanding
series on the fly (services.py), so no window is ever answered incompletely.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import load_only

from corete.core.models import chunks, utcnow
from corete.events.merging import regroup
from corete.events.models import Event, EventTag, OccurrenceRow
from corete.events.recurrence import NETWORK_TZ, UTC, Occurrence, materialisable

TINY = dt.timedelta(microseconds=1)


def horizon(now: dt.datetime | None = None) -> dt.datetime:
    """Until when series are written: EVENTS_HORIZON_DAYS after today (midnight UTC)."""
    days = int(current_app.config.get("EVENTS_HORIZON_DAYS", 730))
    today = (now or utcnow()).astimezone(UTC).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(), tzinfo=UTC)


def row_values(event, occ: Occurrence) -> dict:
    """The columns of one occurrence row."""
    if event.all_day:
        first_day = occ.start
        last_day = max(first_day, (occ.end or first_day + dt.timedelta(days=1)) - dt.timedelta(days=1))
        start_at = dt.datetime.combine(occ.start, dt.time(), tzinfo=UTC)
        end_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=UTC)
        reach_at = end_at
    else:
        start_at, end_at = occ.start, occ.end
        first_day = start_at.astimezone(NETWORK_TZ).date()
        if end_at is not None and end_at > start_at:
            last_day, reach_at = (end_at - TINY).astimezone(NETWORK_TZ).date(), end_at
        else:
            last_day, reach_at = first_day, start_at + TINY
    return dict(event_id=event.id, space_id=event.space_id, key=occ.key, all_day=event.all_day,
                start_at=start_at, end_at=end_at, reach_at=reach_at, first_day=first_day, last_day=last_day,
                multi_day=last_day > first_day, group_id=None)


def occurrences_of(event, overridden: set[str], until: dt.datetime) -> tuple[list[Occurrence], dt.datetime | None]:
    """An event's occurrences up to ``until`` and how far that list is complete."""
    start, end = (event.start_date, event.end_date) if event.all_day else (event.start_at, event.end_at)
    if not event.is_series:
        return [Occurrence(start, end, None)], None
    try:
        return materialisable(all_day=event.all_day, start=start, end=end, timezone=event.timezone,
                              rrule=event.rrule, rdates=event.rdates or [], exdates=event.exdates or [],
                              until=until, overridden=overridden)
    except (ValueError, TypeError):
        return [], None  # validated at ingestion; a rule dateutil still refuses shows nothing


def series_pairs(session, event_ids) -> tuple[set, set]:
    """(feed, uid) of those of these events that override an occurrence of a series, and
    of those that are series: one statement for both."""
    overrides, series = set(), set()
    for chunk in chunks(event_ids):
        for feed_id, uid, recurrence_id, is_series in session.execute(
                select(Event.feed_id, Event.uid, Event.recurrence_id, Event.is_series).where(Event.id.in_(chunk))):
            if recurrence_id is not None:
                overrides.add((feed_id, uid))
            if is_series:
                series.add((feed_id, uid))
    return overrides, series


def _same_series(session, pairs: set[tuple[int, str]], stmt):
    """Rows of ``stmt`` (a select of Event.feed_id, Event.uid, then other columns) for
    the events with one of these (feed, uid): a UID is only unique within its feed."""
    for chunk in chunks({uid for _, uid in pairs}):
        for feed_id, uid, *rest in session.execute(stmt.where(Event.uid.in_(chunk))):
            if (feed_id, uid) in pairs:
                yield (feed_id, uid), rest


def overridden_keys(session, series: list) -> dict[tuple[int, str], set[str]]:
    """(feed, uid) of each series -> the keys of its occurrences that have an override."""
    keys: dict[tuple[int, str], set[str]] = {}
    stmt = select(Event.feed_id, Event.uid, Event.recurrence_id).where(Event.recurrence_id.is_not(None))
    for pair, (rid,) in _same_series(session, {(e.feed_id, e.uid) for e in series}, stmt):
        keys.setdefault(pair, set()).add(rid)
    return keys


def forget(session, event_ids, groups: set | None = None) -> set:
    """Delete the occurrence rows and tags of these events; return the instants they
    started at (their neighbours there must be regrouped), and add the groups they were
    in to ``groups``."""
    instants = set()
    for chunk in chunks(event_ids):
        # One statement reads and deletes (RETURNING: SQLite 3.35 and PostgreSQL): a poll
        # costs its statements more than its rows (bench_scale.py).
        for start_at, group_id in session.execute(
                delete(OccurrenceRow).where(OccurrenceRow.event_id.in_(chunk))
                .returning(OccurrenceRow.start_at, OccurrenceRow.group_id)):
            instants.add(start_at)
            if groups is not None and group_id is not None:
                groups.add(group_id)
        session.execute(delete(EventTag).where(EventTag.event_id.in_(chunk)))
    return instants


# What occurrences_of, row_values and overridden_keys read of an event.
OCCURRENCE_COLUMNS = (Event.feed_id, Event.space_id, Event.uid, Event.recurrence_id, Event.all_day, Event.start_at,
                      Event.end_at, Event.start_date, Event.end_date, Event.timezone, Event.rrule, Event.rdates,
                      Event.exdates, Event.is_series, Event.tags)


def _load(session, event_ids) -> list[Event]:
    """These events, with only what their occurrences are made of: a 5 MiB feed's
    descriptions cost a fifth of its poll to load for nothing (bench_poll.py).
    populate_existing: the handler's Core UPDATE has just changed rows the session may hold."""
    events = []
    for chunk in chunks(event_ids):
        events += session.scalars(select(Event).options(load_only(*OCCURRENCE_COLUMNS)).where(Event.id.in_(chunk))
                                  .execution_options(populate_existing=True)).all()
    return events


def write(session, event_ids, *, until: dt.datetime | None = None, events: list | None = None) -> set:
    """(Re)write the occurrence rows and tags of these events (``events``: already
    loaded by _load); return the instants of the new rows. Does not regroup."""
    until = until or horizon()
    events = _load(session, event_ids) if events is None else events
    overrides = overridden_keys(session, [e for e in events if e.is_series])
    rows, tags, reached, instants = [], [], [], set()
    for event in events:
        found, complete_until = occurrences_of(event, overrides.get((event.feed_id, event.uid), set()), until)
        if event.is_series:
            reached.append({"match_id": event.id, "until": complete_until})
        for occ in found:
            values = row_values(event, occ)
            rows.append(values)
            instants.add(values["start_at"])
        tags += [{"event_id": event.id, "tag": t} for t in {t.casefold()[:100] for t in event.tags or []}]
    for chunk in chunks(rows, 5000):
        session.execute(insert(OccurrenceRow.__table__), chunk)
    if tags:
        session.execute(insert(EventTag.__table__), tags)
    if reached:
        table = Event.__table__
        session.execute(update(table).where(table.c.id == bindparam("match_id"))
                        .values(materialised_until=bindparam("until")), reached)
    return instants


def masters(session, overrides: set) -> dict:
    """(feed, uid) -> the series with that UID in that feed, for these overrides' pairs."""
    stmt = select(Event.feed_id, Event.uid, Event.id).where(Event.is_series.is_(True))
    return {pair: event_id for pair, (event_id,) in _same_series(session, overrides, stmt)}


def override_starts(session, series: set) -> set:
    """Where the overrides of the series with these (feed, uid) start: a series arriving
    or leaving changes whether they are orphans, and so how they group."""
    stmt = (select(Event.feed_id, Event.uid, OccurrenceRow.start_at)
            .join(OccurrenceRow, OccurrenceRow.event_id == Event.id).where(Event.recurrence_id.is_not(None)))
    return {start for _, (start,) in _same_series(session, series, stmt)}


def refresh(session, event_ids, *, touched=(), new: bool = False) -> None:
    """After events were added or replaced: rewrite their occurrences (and those of the
    series they override), then regroup every instant touched, ``touched`` included.
    ``new``: the events were just added, so they have no rows to forget yet."""
    ids = set(event_ids)
    events = _load(session, ids)  # once: for the series and overrides among them, and to write
    overrides = {(e.feed_id, e.uid) for e in events if e.recurrence_id is not None}
    series = {(e.feed_id, e.uid) for e in events if e.is_series}
    more = set(masters(session, overrides).values()) - ids  # the series of overrides among them
    extra = _load(session, more)
    groups: set[int] = set()
    moved = forget(session, more if new else ids | more, groups)
    ids |= more
    series |= {(e.feed_id, e.uid) for e in extra}
    # Where overrides change whether they are orphans, or what was removed stood: every
    # row there is regrouped (rare). Elsewhere only what the rewritten events can reach.
    everything = set(touched) | override_starts(session, series)
    moved |= write(session, ids, events=events + extra)
    regroup(session, everything)
    regroup(session, moved - everything, seeds=ids, old_groups=groups)


def extend(session, now: dt.datetime | None = None) -> int:
    """Daily: move every open series' horizon forward, and write the events that have no
    rows yet (after an upgrade, say). Returns how many events were rewritten."""
    target = horizon(now)
    due = dt.timedelta(days=30)
    stale = set(session.scalars(select(Event.id).where(
        Event.materialised_until.is_not(None), Event.materialised_until < target - due)))
    missing = set(session.scalars(select(Event.id).where(
        ~exists().where(OccurrenceRow.event_id == Event.id), Event.materialised_until.is_(None))))
    ids = stale | missing
    touched = set()
    for chunk in chunks(sorted(ids), 2000):
        touched |= forget(session, chunk)
        touched |= write(session, chunk, until=target)
    regroup(session, touched)  # once: chunks share most of their instants
    session.commit()
    return len(ids)
