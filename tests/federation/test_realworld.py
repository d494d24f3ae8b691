"""Real-world calendars and feeds (tests/data/realworld, provenance in its PROVENANCE.md),
served over HTTP and polled like a member's feed. Each is ingested or rejected with a
recorded reason; where ingested, the times are the ones the source means."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from corete.events.models import Event
from corete.events.services import upcoming
from corete.federation.models import Feed, Poll
from tests.conftest import make_space, poll

DATA = Path(__file__).parent.parent / "data" / "realworld"
FILES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".ics", ".vcs", ".json"))
UTC = dt.timezone.utc


def Z(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def ingest(app, session, httpserver, name):
    content_type = "application/json" if name.endswith(".json") else "text/calendar"
    httpserver.expect_request(f"/{name}").respond_with_data((DATA / name).read_bytes(), content_type=content_type)
    space = make_space(session, httpserver.url_for(f"/{name}"))
    [summary] = poll(app, space)
    return summary


def events(session):
    return {e.title: e for e in session.scalars(select(Event).order_by(Event.id))}


def starts(session, start, end):
    return [(o.occurrence.start, o.event.title) for o in upcoming(start, end, session=session)]


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_ingested_or_rejected_with_a_reason(app, session, httpserver, name):
    summary = ingest(app, session, httpserver, name)
    record = session.scalars(select(Poll)).one()
    if summary.outcome == "failed":
        assert summary.error_class in ("invalid", "not_a_feed")
        assert record.error_message
    else:
        assert summary.outcome == "applied"
        for rejection in record.rejections:
            assert rejection["reason"] and rejection["where"]
    feed = session.scalars(select(Feed)).one()
    assert feed.lease_owner is None  # the poller finished cleanly


def test_01_outlook_non_ascii_tzid_without_uid(app, session, httpserver):
    summary = ingest(app, session, httpserver, "01_icalendar_outlook_nonascii_tzid.ics")
    [event] = events(session).values()
    assert event.start_at == Z(2017, 5, 11, 16, 30)  # 13:30 at UTC-03:00
    assert event.timezone == "America/Sao_Paulo"
    assert event.title == "(senza titolo)"
    assert any("SUMMARY" in w.reason for w in summary.warnings)


def test_02_zones_without_vtimezone_and_dtend_in_another_zone(app, session, httpserver):
    summary = ingest(app, session, httpserver, "02_icalendar_tzid_without_vtimezone.ics")
    assert summary.new == 1 and summary.rejected == 2
    event = events(session)["an event with a custom tz name"]
    assert event.start_at == Z(2014, 8, 29, 12, 0)  # 08:00 New York (EDT)
    assert event.end_at == Z(2014, 8, 29, 15, 0)  # 08:00 Los Angeles (PDT)
    assert event.timezone == "America/New_York"


def test_03_stray_line_is_skipped_not_the_file(app, session, httpserver):
    summary = ingest(app, session, httpserver, "03_icalendar_broken_stray_line_no_uid.ics")
    assert summary.new == 1
    assert any("not an iCalendar line" in w.reason for w in summary.warnings)


def test_04_bom_and_empty_calendar(app, session, httpserver):
    summary = ingest(app, session, httpserver, "04_icalendar_utf8_bom.ics")
    assert summary.outcome == "applied" and summary.new == 0


def test_05_unicode_and_missing_uids(app, session, httpserver):
    summary = ingest(app, session, httpserver, "05_icalendar_unicode_fields_missing_uid.ics")
    assert summary.new == 2 and summary.rejected == 1
    found = events(session)
    assert found["Non-ASCII Test: ÄÖÜ äöü €"].start_at == Z(2010, 10, 10, 10, 0)
    assert found["Non-ASCII Test: ÄÖÜ äöü €"].location == {"name": "Tribstrül"}


def test_06_rrule_with_overrides_rdates_and_exdates(app, session, httpserver):
    ingest(app, session, httpserver, "06_icaljs_rrule_with_recurrence_id_overrides.ics")
    got = [s for s, _ in starts(session, Z(2012, 10, 1), Z(2013, 4, 1))]
    assert got == [
        Z(2012, 10, 2, 22, 0),  # override: moved from 10:00 to 15:00 Los Angeles
        Z(2012, 11, 6, 18, 0),  # first Tuesday, 10:00 PST
        Z(2012, 11, 7, 4, 0),  # override of the 5 Nov RDATE, moved to 6 Nov 20:00 PST
        Z(2012, 11, 10, 18, 0),  # RDATE
        Z(2012, 11, 30, 18, 0),  # RDATE
        Z(2013, 1, 1, 18, 0),  # 4 Dec and 5 Feb are EXDATEs
        Z(2013, 3, 5, 18, 0),
    ]
    total = 0
    start = Z(2000, 1, 1)
    while start < Z(2031, 1, 1):
        end = min(start + dt.timedelta(days=365), Z(2031, 1, 1))
        total += sum(1 for s, _ in starts(session, start, end) if s >= start)
        start = end
    assert total == 221  # what ical.js expands this sample to


def test_07_google_allday_birthday_with_broken_rdate(app, session, httpserver):
    summary = ingest(app, session, httpserver, "07_icaljs_google_allday_yearly.ics")
    assert any("RDATE" in w.reason for w in summary.warnings)
    # Each year's birthday once: the 2014 override sits under another UID than its series
    # (so it is an orphan override of this feed) and is merged with the series' 2014 date.
    days = [s for year in (2012, 2013, 2014) for s, _ in starts(session, Z(year, 1, 1), Z(year + 1, 1, 1))]
    assert days == [dt.date(2012, 12, 10), dt.date(2013, 12, 10), dt.date(2014, 12, 10)]


def test_08_allday_without_dtend_is_one_day(app, session, httpserver):
    ingest(app, session, httpserver, "08_icaljs_allday_missing_dtend.ics")
    [event] = events(session).values()
    assert event.all_day and (event.start_date, event.end_date) == (dt.date(2012, 6, 30), dt.date(2012, 7, 1))


def test_09_duration_instead_of_dtend(app, session, httpserver):
    ingest(app, session, httpserver, "09_icaljs_duration_instead_of_dtend.ics")
    [event] = events(session).values()
    assert event.start_at == Z(2012, 6, 30, 13, 0)  # 06:00 PDT
    assert event.end_at - event.start_at == dt.timedelta(days=1)


def test_10_exchange_windows_zone_names(app, session, httpserver):
    summary = ingest(app, session, httpserver, "10_nodeical_exchange_windows_tzids.ics")
    assert summary.new == 3 and summary.rejected == 1  # the DTSTART swallowed by a quoted TZID
    found = events(session)
    assert found["test"].start_at == Z(2020, 9, 10, 7, 0)  # 09:00 W. Europe (CEST)
    assert found["test"].timezone == "Europe/Berlin"
    assert found["Not the actual summary 1"].start_at == Z(2020, 9, 15, 15, 30)  # 08:30 Pacific (PDT)


def test_11_outlook_display_names_without_vtimezone(app, session, httpserver):
    ingest(app, session, httpserver, "11_nodeical_owa_quoted_display_tzid_no_vtimezone.ics")
    found = events(session)
    assert found["TEST Syd"].start_at == Z(2020, 10, 28, 2, 30)  # 13:30 Sydney (AEDT, +11)
    assert found["TEST"].start_at == Z(2020, 10, 28, 17, 30)  # 13:30 New York (EDT)
    assert found["TEST 3"].start_at == Z(2020, 11, 2, 18, 30)  # 13:30 New York (EST, after the change)


def test_12_meetup_export(app, session, httpserver):
    ingest(app, session, httpserver, "12_nodeical_meetup_2011_export.ics")
    [event] = events(session).values()
    assert event.start_at == Z(2011, 11, 10, 2, 0)  # 19:00 Phoenix (no DST)
    assert event.uid.endswith("@meetup.com")
    assert event.location["lat"] and event.location["lon"]
    assert "\\," not in (event.description_html or "")


def test_13_google_override_listed_before_its_master(app, session, httpserver):
    ingest(app, session, httpserver, "13_nodeical_google_rrule_recurrence_id.ics")
    assert starts(session, Z(2016, 8, 1), Z(2016, 9, 1)) == [
        (Z(2016, 8, 25, 11, 0), "repeated"),
        (Z(2016, 8, 26, 11, 0), "bla bla"),
        (Z(2016, 8, 27, 11, 0), "repeated"),
        (Z(2016, 8, 28, 11, 0), "repeated"),  # UNTIL is inclusive
    ]


def test_14_exchange_allday_series_with_a_moved_instance(app, session, httpserver):
    ingest(app, session, httpserver, "14_nodeical_exchange_allday_moved_instance.ics")
    days = [s for s, _ in starts(session, Z(2026, 2, 16), Z(2026, 3, 7))]
    assert days == [dt.date(2026, 2, 19), dt.date(2026, 2, 24), dt.date(2026, 2, 27),
                    dt.date(2026, 3, 3), dt.date(2026, 3, 5)]


def test_15_same_uid_twice_highest_sequence_wins(app, session, httpserver):
    ingest(app, session, httpserver, "15_nodeical_duplicate_uid_sequence.ics")
    found = {e.uid: e for e in events(session).values()}
    assert found["duplicate-sequence-test@node-ical.test"].title == "Team Meeting (SEQUENCE 2)"
    assert found["duplicate-sequence-test@node-ical.test"].start_at == Z(2024, 1, 15, 10, 0)
    assert found["newer-wins-test@node-ical.test"].start_at == Z(2024, 1, 20, 14, 0)


def test_16_outlook_tab_folding_and_html_description(app, session, httpserver):
    ingest(app, session, httpserver, "16_biweekly_outlook2010_tabfold_xaltdesc.ics")
    [event] = events(session).values()
    assert event.start_at == Z(2013, 6, 10, 16, 0)  # 12:00 Eastern (EDT)
    assert len(event.uid) > 100  # the long hex UID folded over two lines, rejoined
    assert "<" in (event.description_html or "") and "<script" not in event.description_html


def test_17_vcalendar_1_0(app, session, httpserver):
    ingest(app, session, httpserver, "17_biweekly_vcalendar_1_0.vcs")
    [event] = events(session).values()
    assert event.title == "Your Proposal Review"
    assert event.start_at == Z(1996, 4, 1, 3, 30)


def test_30_gancio_activitystreams_event(app, session, httpserver):
    ingest(app, session, httpserver, "30_activitypub_gancio_event_create.json")
    [event] = events(session).values()
    assert event.start_at == Z(2021, 7, 14, 15, 30, 57)
    assert event.location == {"name": "Colosseo"}
    assert event.tags == ["test"]


def test_31_places_without_events_are_rejected_with_the_reason(app, session, httpserver):
    summary = ingest(app, session, httpserver, "31_activitypub_gancio_mixed_locations.json")
    assert summary.error_class == "invalid"
    assert "no Event" in summary.error_message
