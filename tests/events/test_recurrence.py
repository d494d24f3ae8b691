"""Where a series ends: what lets a window skip finished series without expanding them."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from corete.events.recurrence import series_end

ROME = ZoneInfo("Europe/Rome")
UTC = dt.timezone.utc


def test_count_series_ends_after_its_last_occurrence_in_its_own_zone():
    start = dt.datetime(2027, 3, 1, 18, tzinfo=ROME)  # the 4th occurrence is after the DST change
    end = series_end(all_day=False, start=start, end=start + dt.timedelta(hours=2), timezone="Europe/Rome",
                     rrule="FREQ=WEEKLY;COUNT=4", rdates=[], exdates=[])
    assert end == dt.datetime(2027, 3, 22, 20, tzinfo=ROME).astimezone(UTC)


def test_until_and_all_day_and_rdates():
    day = dt.date(2027, 1, 4)
    assert series_end(all_day=True, start=day, end=day + dt.timedelta(days=1), timezone=None,
                      rrule="FREQ=DAILY;UNTIL=20270106", rdates=[], exdates=[]) == dt.datetime(2027, 1, 7, tzinfo=UTC)
    start = dt.datetime(2027, 1, 4, 10, tzinfo=UTC)
    assert series_end(all_day=False, start=start, end=None, timezone=None, rrule=None,
                      rdates=["20270301T100000Z"], exdates=[]) == dt.datetime(2027, 3, 1, 10, tzinfo=UTC)


def test_endless_series_have_no_end():
    start = dt.datetime(2027, 1, 4, 10, tzinfo=UTC)
    assert series_end(all_day=False, start=start, end=None, timezone="UTC", rrule="FREQ=WEEKLY",
                      rdates=[], exdates=[]) is None
    assert series_end(all_day=False, start=start, end=None, timezone="UTC", rrule="FREQ=DAILY;COUNT=20000",
                      rdates=[], exdates=[]) is None  # too long to count: treated as endless
