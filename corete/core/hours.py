"""Opening hours in OpenStreetMap's syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours),
the part spaces write: "Mo-Fr 09:00-19:00; Sa 10:00-13:00", "24/7", "Mo,We 09:00-13:00,14:00-18:00",
"Su off". A rule for a day replaces what earlier rules said of it, as in OSM.

Resources' availability and the days a space welcomes visitors read it (`days` alone).
What the hub does not understand (public holidays, months, weeks, sunrise...) is not
guessed: ``parse`` says so, the feed keeps the text, and availability then ignores the
hours rather than hiding a resource that may well be open.
"""
from __future__ import annotations

import datetime as dt
import re

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_TIME = r"(\d{1,2}):(\d{2})"
_SPAN = re.compile(rf"^{_TIME}-{_TIME}$")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")

Week = list[list[tuple[int, int]]]  # per weekday (Monday first): open spans in minutes of the day


class NotUnderstood(ValueError):
    """Opening hours the hub cannot read; the message says which part."""


def parse(text: str) -> Week:
    """The week the text describes: for each weekday, its open spans as (from, to) minutes
    after midnight (to may be 1440; a span past midnight is cut there)."""
    text = (text or "").strip()
    if not text:
        raise NotUnderstood("no opening hours")
    if text == "24/7":
        return [[(0, 1440)] for _ in DAYS]
    week: Week = [[] for _ in DAYS]
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            continue
        days_part, _, times_part = rule.partition(" ")
        days = _days(days_part)
        times_part = times_part.strip()
        if times_part in ("off", "closed"):
            spans = []
        else:
            spans = [_span(t.strip()) for t in times_part.split(",")] if times_part else None
            if spans is None:
                raise NotUnderstood(f"{rule!r}: give the hours after the days (Mo-Fr 09:00-18:00)")
        for day in days:
            week[day] = sorted(spans)
    return week


def days(text: str) -> list[int]:
    """The weekdays (0 is Monday) of "Mo-Fr", "Mo,We,Fr", "Sa-Mo"; NotUnderstood otherwise."""
    return sorted(set(_days((text or "").strip().replace(" ", ""))))


def _days(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        m = _DAY_RANGE.match(part)
        if not m:
            raise NotUnderstood(f"{part!r} is not a day or a range of days such as Mo-Fr")
        first = DAYS.index(m.group(1))
        last = DAYS.index(m.group(2)) if m.group(2) else first
        day = first
        while True:  # Sa-Mo wraps over the week's end
            out.append(day)
            if day == last:
                break
            day = (day + 1) % 7
    return out


def _span(text: str) -> tuple[int, int]:
    m = _SPAN.match(text)
    if not m:
        raise NotUnderstood(f"{text!r} is not a span of hours such as 09:00-13:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 24 or h2 > 48 or m1 > 59 or m2 > 59:
        raise NotUnderstood(f"{text!r} is not a span of hours such as 09:00-13:00")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:  # 20:00-02:00: open until midnight (the next day's early hours are not kept)
        end = 1440
    return start, min(end, 1440)


def is_open(week: Week, start: dt.datetime, end: dt.datetime, zone) -> bool:
    """Whether the resource is open for the whole of [start, end), read in its zone."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    while True:
        day_start = dt.datetime.combine(day, dt.time(), zone)
        lo = max(local_start, day_start)
        hi = min(local_end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone))
        if lo < hi:
            a = int((lo - day_start).total_seconds() // 60)
            b = int(-(-(hi - day_start).total_seconds() // 60))
            if not any(s <= a and b <= e for s, e in _joined(week[day.weekday()])):
                return False
        day += dt.timedelta(days=1)
        if dt.datetime.combine(day, dt.time(), zone) >= local_end:
            return True


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
