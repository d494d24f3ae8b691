"""Time, shared by every room: the network's zone, reading dates and zones as feeds and
forms give them, validating recurrence rules. (Rooms borrow these from core, not from
each other: the parsers, the calendar, the editor and the resources all read time.)"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

# The network's own zone: floating times with no zone are read in it, and the calendar's
# days begin and end in it.
NETWORK_ZONE = "Europe/Rome"

UTC = dt.timezone.utc
MIN_YEAR = 1900
FUTURE_YEARS = 20  # a date more than this far ahead is a typo (2999), not an event
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadValue(ValueError):
    """A value that cannot be accepted; the message is shown to the member."""


def zone(name: str | None):
    """The zone of this name; UTC when there is none or it is unknown."""
    try:
        return ZoneInfo(name) if name else UTC
    except (KeyError, ValueError):
        return UTC


def instant(value: dt.datetime | dt.date, zone_name: str | None = None) -> dt.datetime:
    """An instant as it is, a date as its midnight in ``zone_name`` (the network's zone when
    there is none): where a feed may give either, and an instant is needed."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), zone(zone_name or NETWORK_ZONE))


def local_today(zone_name: str = NETWORK_ZONE) -> dt.date:
    """Today in the network's zone: days of Italy, not of the server's clock (at 00:30 in
    Rome, UTC is still on the day before)."""
    return dt.datetime.now(zone(zone_name)).date()


def zone_or_none(name: str | None):
    if not name or not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def check_year(value: dt.date | dt.datetime) -> None:
    limit = dt.date.today().year + FUTURE_YEARS
    if not MIN_YEAR <= value.year <= limit:
        raise BadValue(f"the year {value.year} is outside {MIN_YEAR}–{limit}")


def parse_when(text: str, zone: str | None) -> tuple[dt.datetime | dt.date, bool]:
    """RFC 3339 (with offset) or YYYY-MM-DD. Returns (value, floating): a time without
    offset is read in ``zone`` (or the network's zone) and reported as floating."""
    if not isinstance(text, str):
        raise BadValue("not a date or a date-time")
    text = text.strip()
    if _DATE.match(text):
        value = dt.date.fromisoformat(text)
        check_year(value)
        return value, False
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise BadValue(f"{text[:40]!r} is not an RFC 3339 date-time such as 2026-12-01T18:30:00+01:00") from None
    check_year(value)
    floating = value.tzinfo is None
    if floating:
        value = value.replace(tzinfo=zone_or_none(zone) or ZoneInfo(NETWORK_ZONE))
    return value, floating


def normalise_rrule(rule: str, dtstart: dt.datetime | dt.date) -> str:
    """A validated RRULE string (without the "RRULE:" prefix) for this start."""
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if len(rule) > 500 or "\n" in rule:
        raise BadValue("the recurrence rule is too long")
    upper = rule.upper()
    if "FREQ=SECONDLY" in upper or "FREQ=MINUTELY" in upper or "FREQ=HOURLY" in upper:
        raise BadValue("events repeating more often than daily are not accepted")
    start = dtstart if isinstance(dtstart, dt.datetime) else dt.datetime.combine(dtstart, dt.time())
    try:
        rrulestr(rule, dtstart=start)
    except ValueError as e:
        m = re.search(r"UNTIL=(\d{8}T\d{6})(?!Z)", rule, re.I)
        if m and start.tzinfo is not None:
            # A floating UNTIL with a zoned start: RFC 5545 says UNTIL is then in UTC.
            naive = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=start.tzinfo)
            rule = rule.replace(m.group(0), "UNTIL=" + naive.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
            return normalise_rrule(rule, dtstart)
        m = re.search(r"UNTIL=(\d{8}T\d{6}Z)", rule, re.I)
        if m and start.tzinfo is None:
            # An all-day series with a UTC UNTIL: keep the date.
            return normalise_rrule(rule.replace(m.group(0), "UNTIL=" + m.group(1)[:8]), dtstart)
        raise BadValue(f"the recurrence rule is not valid: {e}") from None
    return rule
