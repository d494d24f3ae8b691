"""Expanding a stored series (RRULE, RDATE, EXDATE, overrides) into occurrences.

Occurrences are computed in the series' own zone, so 18:00 stays 18:00 across a
daylight-saving change, then converted to UTC. All-day series work on dates.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from corete.core.handover import occurrence_key
from corete.core.when import NETWORK_ZONE, zone

UTC = dt.timezone.utc
NETWORK_TZ = ZoneInfo(NETWORK_ZONE)  # the calendar's days are days of this zone
MAX_OCCURRENCES = 1000  # per series and per request
MAX_MATERIALISED = 5000  # occurrences of one series written in events_occurrence


def parse_key(key: str) -> dt.datetime | dt.date:
    if key.endswith("Z"):
        return dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return dt.datetime.strptime(key, "%Y%m%d").date()


@dataclass(slots=True)
class Occurrence:
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None
    key: str | None  # None for a single, non-recurring event


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=NETWORK_TZ)


def build_set(rrule: str | None, dtstart, rdates: list[str], exdates: list[str]) -> rruleset:
    """An rruleset for a series; raises ValueError when the rule is not valid."""
    rset = rruleset()
    if rrule:
        rset.rrule(rrulestr(rrule, dtstart=dtstart))
    else:
        rset.rdate(dtstart)
    aware = isinstance(dtstart, dt.datetime) and dtstart.tzinfo is not None
    for text in rdates:
        rset.rdate(_as_set_value(parse_key(text), dtstart.tzinfo if aware else None))
    for text in exdates:
        rset.exdate(_as_set_value(parse_key(text), dtstart.tzinfo if aware else None))
    return rset


def _as_set_value(value, tz):
    if isinstance(value, dt.datetime):
        return value.astimezone(tz) if tz else value.replace(tzinfo=None)
    return dt.datetime.combine(value, dt.time())


def _frame(all_day: bool, start, end, timezone: str | None):
    """Where a series' rule starts (a naive midnight for all-day series, an instant in
    the series' own zone otherwise) and how long each occurrence lasts."""
    if all_day:
        return dt.datetime.combine(start, dt.time()), (end - start) if end else dt.timedelta(days=1)
    return start.astimezone(zone(timezone)), (end - start) if end else dt.timedelta(0)


SERIES_END_SCAN = 10_000  # occurrences counted to find where a series ends


def series_end(*, all_day: bool, start, end, timezone: str | None, rrule: str | None, rdates: list[str],
               exdates: list[str]) -> dt.datetime | None:
    """The instant the last occurrence of a series ends (midnight UTC after it for
    all-day series), or None when the series does not end (or ends very far away)."""
    if rrule and "COUNT=" not in rrule.upper() and "UNTIL=" not in rrule.upper():
        return None
    first, length = _frame(all_day, start, end, timezone)
    last = None
    for n, when in enumerate(build_set(rrule, first, rdates, exdates)):
        if n >= SERIES_END_SCAN:
            return None
        last = when
    if last is None:
        return None
    if all_day:
        return dt.datetime.combine(last.date() + length, dt.time(), tzinfo=UTC)
    return (last + length).astimezone(UTC)


def expand(
    *,
    all_day: bool,
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date | None,
    timezone: str | None,
    rrule: str | None,
    rdates: list[str],
    exdates: list[str],
    window_start: dt.datetime,
    window_end: dt.datetime,
    overridden: set[str] = frozenset(),
) -> list[Occurrence]:
    """Occurrences of a series that overlap [window_start, window_end) (aware instants)."""
    first, length = _frame(all_day, start, end, timezone)
    if all_day:
        # Days overlap a window as their midnights UTC do (as single all-day events).
        ws, we = window_start.astimezone(UTC), window_end.astimezone(UTC)
        lo = dt.datetime.combine(ws.date(), dt.time()) - length + dt.timedelta(days=1)
        hi = dt.datetime.combine(we.date(), dt.time()) + (dt.timedelta(days=1) if we.time() != dt.time() else dt.timedelta())
    else:
        lo, hi = window_start - length, window_end
    rset = build_set(rrule, first, rdates, exdates)
    found: list[Occurrence] = []
    for when in rset.xafter(lo, count=MAX_OCCURRENCES, inc=True):
        if when >= hi:
            break
        if all_day:
            day = when.date()
            occ = Occurrence(day, day + length, occurrence_key(day))
        else:
            occ = Occurrence(when.astimezone(UTC), (when + length).astimezone(UTC), occurrence_key(when))
        if occ.key not in overridden:
            found.append(occ)
    return found


def materialisable(
    *,
    all_day: bool,
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date | None,
    timezone: str | None,
    rrule: str | None,
    rdates: list[str],
    exdates: list[str],
    until: dt.datetime,
    overridden: set[str] = frozenset(),
) -> tuple[list[Occurrence], dt.datetime | None]:
    """Every occurrence of a series that starts before ``until`` (RDATEs before DTSTART
    included), at most MAX_MATERIALISED of them, and the instant before which that list
    is complete: None when it holds the whole series."""
    first, length = _frame(all_day, start, end, timezone)
    limit = dt.datetime.combine(until.astimezone(UTC).date(), dt.time()) if all_day else until
    found: list[Occurrence] = []
    complete_until = None
    for n, when in enumerate(build_set(rrule, first, rdates, exdates)):
        if when >= limit or n >= MAX_MATERIALISED:
            complete_until = until if when >= limit else (
                dt.datetime.combine(when.date(), dt.time(), tzinfo=UTC) if all_day else when.astimezone(UTC))
            break
        if all_day:
            day = when.date()
            occ = Occurrence(day, day + length, occurrence_key(day))
        else:
            occ = Occurrence(when.astimezone(UTC), (when + length).astimezone(UTC), occurrence_key(when))
        if occ.key not in overridden:
            found.append(occ)
    return found, complete_until
