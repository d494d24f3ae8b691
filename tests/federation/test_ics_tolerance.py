"""iCalendar files as real publishers write them: an invalid value in a property the hub
does not use, anywhere in the file, never rejects the calendar; what the hub needs can
make one event fail, with its reason, and only that event. Each case was a rejected
calendar ("not a readable iCalendar file") or an exception before the tolerant reader."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from corete.events.models import Event
from corete.federation.parse import parse_feed
from tests.conftest import make_space, poll

# A Google Calendar export's shape, with room for what each case adds.
CALENDAR = """BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:PUBLISH\r
X-WR-CALNAME:Lab121 – eventi\r
X-WR-TIMEZONE:Europe/Rome\r
{calendar}BEGIN:VTIMEZONE\r
TZID:Europe/Rome\r
X-LIC-LOCATION:Europe/Rome\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
{zones}BEGIN:VEVENT\r
DTSTART;TZID=Europe/Rome:20270114T180000\r
DTEND;TZID=Europe/Rome:20270114T200000\r
DTSTAMP:20261201T090000Z\r
UID:aperitivo-121@google.com\r
CREATED:20261101T100000Z\r
LAST-MODIFIED:20261120T100000Z\r
SEQUENCE:0\r
STATUS:CONFIRMED\r
SUMMARY:Aperitivo dei soci\r
LOCATION:Via Trotti 38\\, Alessandria\r
{event}END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270120\r
DTEND;VALUE=DATE:20270121\r
DTSTAMP:20261201T090000Z\r
UID:open-day-121@google.com\r
SUMMARY:Open day\r
END:VEVENT\r
END:VCALENDAR\r
"""

UNUSED_BUT_INVALID = {
    "calendar REFRESH-INTERVAL": ("REFRESH-INTERVAL;VALUE=DURATION:PT1XH\r\n", "", ""),
    "calendar X-PUBLISHED-TTL": ("X-PUBLISHED-TTL:una settimana\r\n", "", ""),
    "calendar LAST-MODIFIED": ("LAST-MODIFIED:ieri\r\n", "", ""),
    "calendar COLOR and TZURL": ("COLOR:verdino\r\nTZURL:::\r\n", "", ""),
    "an X- property with an unterminated quote": ('X-APPLE-CALENDAR-COLOR;X-NOTE="verde:#00ff00\r\n', "", ""),
    "a parameter without a name": ("X-WR-CALDESC;LANGUAGE=it;=x:Calendario\r\n", "", ""),
    "an unreadable VTIMEZONE": ("", "BEGIN:VTIMEZONE\r\nTZID:Rotto\r\nBEGIN:STANDARD\r\nDTSTART:mai\r\n"
                                    "TZOFFSETFROM:+99\r\nTZOFFSETTO:abc\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n", ""),
    "an alarm with a TRIGGER nobody can read": ("", "", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:quando vuoi\r\n"
                                                       "DESCRIPTION:Promemoria\r\nEND:VALARM\r\n"),
    "event CREATED, LAST-MODIFIED, SEQUENCE, PRIORITY": ("", "", "CREATED:2026-13-45\r\nPRIORITY:alta\r\n"),
    "event GEO that is not two numbers": ("", "", "GEO:nord;sud\r\n"),
    "event ATTENDEE with a broken parameter": ("", "", 'ATTENDEE;CN="Bob:mailto:bob@example.org\r\n'),
    "event X- property with a bad duration": ("", "", "X-MICROSOFT-CDO-BUSYSTATUS;VALUE=DURATION:no\r\n"),
    "event CLASS, TRANSP, ATTACH": ("", "", "CLASS:\r\nTRANSP:forse\r\nATTACH;FMTTYPE=:\r\n"),
}


@pytest.mark.parametrize("case", sorted(UNUSED_BUT_INVALID))
def test_an_invalid_value_the_hub_does_not_use_never_rejects_the_calendar(case):
    calendar, zones, event = UNUSED_BUT_INVALID[case]
    body = CALENDAR.format(calendar=calendar, zones=zones, event=event).encode()
    doc = parse_feed(body, "text/calendar", base_url="https://calendar.example/", max_items=100)
    assert [i.data.title for i in doc.items] == ["Aperitivo dei soci", "Open day"], case
    assert doc.rejections == []
    aperitivo = doc.items[0].data
    assert aperitivo.start.isoformat() == "2027-01-14T18:00:00+01:00" and aperitivo.timezone == "Europe/Rome"
    assert doc.title == "Lab121 – eventi"


@pytest.mark.parametrize("event, reason", [
    ("DTSTART;TZID=Europe/Rome;X=\"a:20270115T180000\r\n", "DTSTART"),
    ("RRULE:FREQ=QUALCHEVOLTA\r\n", "recurrence rule"),
    ("RECURRENCE-ID:domani\r\n", "RECURRENCE-ID"),
])
def test_what_the_hub_needs_fails_only_its_own_event_with_the_reason(event, reason):
    body = CALENDAR.format(calendar="", zones="", event=event)
    if event.startswith("DTSTART"):  # the event's only DTSTART is the broken one
        body = body.replace("DTSTART;TZID=Europe/Rome:20270114T180000\r\n", "")
    doc = parse_feed(body.encode(), "text/calendar", base_url=None, max_items=100)
    assert [i.data.title for i in doc.items] == ["Open day"]
    [rejection] = doc.rejections
    assert "aperitivo-121" in rejection.where and reason in rejection.reason


def test_a_tolerated_calendar_goes_through_the_poller_and_the_next_poll_keeps_it(app, session, httpserver):
    body = CALENDAR.format(calendar="REFRESH-INTERVAL;VALUE=DURATION:PT1XH\r\n",
                           zones=UNUSED_BUT_INVALID["an unreadable VTIMEZONE"][1],
                           event="GEO:nord;sud\r\nBEGIN:VALARM\r\nTRIGGER:mai\r\nEND:VALARM\r\n")
    httpserver.expect_request("/lab121.ics").respond_with_data(body, content_type="text/calendar")
    space = make_space(session, httpserver.url_for("/lab121.ics"), name="Lab121")
    [summary] = poll(app, space)
    assert summary.outcome == "applied" and summary.new == 2 and summary.rejected == 0
    assert sorted(session.scalars(select(Event.title))) == ["Aperitivo dei soci", "Open day"]
