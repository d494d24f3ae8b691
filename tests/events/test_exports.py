"""The subscribable exports, re-parsed by independent parsers (icalendar, feedparser)
and compared with the database."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import feedparser
import pytest
from icalendar import Calendar
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.events.exports import export_uid
from corete.events.models import Event
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC)
SOON = (NOW + dt.timedelta(days=10)).astimezone(ROME).replace(hour=18, minute=0, second=0, microsecond=0)


def _items(title="Corso di fotografia"):
    return [
        feeds.item("event", "corso", title, SOON, SOON + dt.timedelta(hours=2), rrule="FREQ=WEEKLY;COUNT=3",
                         tags=["fotografia"], text="Quattro incontri, \"pratica\"; portate la macchina."),
        feeds.item("event", "fiera", "Fiera dei maker", SOON.date() + dt.timedelta(days=2),
                         SOON.date() + dt.timedelta(days=4), tags=["maker"],
                         location={"name": "Ex Mercato", "city": "Roma", "lat": 41.86, "lon": 12.47}),
        feeds.item("event", "annullato", "Hackathon", SOON + dt.timedelta(days=1), SOON + dt.timedelta(days=1, hours=8),
                         status="cancelled"),
        feeds.item("event", "passato", "Evento passato", NOW - dt.timedelta(days=200), NOW - dt.timedelta(days=200, hours=-2)),
    ]


def _publish(httpserver, items, path="/feed.json", city="Roma"):
    profile = {"name": "Millepiani", "city": city}
    httpserver.clear_all_handlers()
    httpserver.expect_request(path).respond_with_data(
        feeds.jsonfeed(profile, items, feed_url=httpserver.url_for(path)), content_type="application/feed+json")


@pytest.fixture
def network(app, session, httpserver):
    _publish(httpserver, _items())
    space = make_space(session, httpserver.url_for("/feed.json"), name="Millepiani")
    poll(app, space)
    return space


def _vevents(body: bytes):
    return {str(c["SUMMARY"]): c for c in Calendar.from_ical(body).walk("VEVENT")}


def test_ics_reparsed_matches_the_database(client, session, network):
    response = client.get("/calendar.ics")
    assert response.status_code == 200 and response.content_type.startswith("text/calendar")
    body = response.data
    assert b"\r\n" in body and all(len(line) <= 75 for line in body.split(b"\r\n"))
    cal = Calendar.from_ical(body)
    events = _vevents(body)
    assert set(events) == {"Corso di fotografia", "Fiera dei maker", "Hackathon"}  # the past one is outside the window
    db_events = {e.title: e for e in session.scalars(select(Event))}
    course = events["Corso di fotografia"]
    assert course.decoded("DTSTART") == db_events["Corso di fotografia"].start_at
    assert course["DTSTART"].params["TZID"] == "Europe/Rome"
    assert course.decoded("DTSTART").utcoffset() == SOON.utcoffset()
    assert course["RRULE"].to_ical().decode() == "FREQ=WEEKLY;COUNT=3"
    assert str(course["UID"]) == export_uid(db_events["Corso di fotografia"])
    assert "portate la macchina" in str(course["DESCRIPTION"])
    assert "DTSTAMP" in course and "SEQUENCE" in course
    fair = events["Fiera dei maker"]
    assert fair.decoded("DTSTART") == SOON.date() + dt.timedelta(days=2)  # a date, never shifted
    assert fair.decoded("DTEND") == SOON.date() + dt.timedelta(days=4)
    assert str(fair["LOCATION"]) == "Ex Mercato, Roma" and fair["GEO"].latitude == 41.86
    assert str(events["Hackathon"]["STATUS"]) == "CANCELLED"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]


def test_uids_stay_the_same_when_an_item_is_removed_and_published_again(app, client, session, httpserver, network):
    first = {str(c["UID"]) for c in _vevents(client.get("/calendar.ics").data).values()}
    _publish(httpserver, _items()[1:])
    poll(app, network)
    _publish(httpserver, _items())
    poll(app, network)  # "corso" is a new database row now
    assert {str(c["UID"]) for c in _vevents(client.get("/calendar.ics").data).values()} == first


def test_overrides_travel_with_their_series(app, client, session, httpserver):
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:serie@x\r\nDTSTAMP:20260101T000000Z\r\n"
           b"DTSTART;TZID=Europe/Rome:" + SOON.strftime("%Y%m%dT%H%M%S").encode() + b"\r\nDURATION:PT1H\r\n"
           b"RRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Serie\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:serie@x\r\n"
           b"DTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Rome:"
           + (SOON + dt.timedelta(days=1)).strftime("%Y%m%dT%H%M%S").encode()
           + b"\r\nDTSTART;TZID=Europe/Rome:" + (SOON + dt.timedelta(days=1, hours=2)).strftime("%Y%m%dT%H%M%S").encode()
           + b"\r\nDURATION:PT1H\r\nSUMMARY:Serie (spostata)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    httpserver.expect_request("/cal.ics").respond_with_data(ics, content_type="text/calendar")
    poll(app, make_space(session, httpserver.url_for("/cal.ics")))
    events = _vevents(client.get("/calendar.ics").data)
    master, moved = events["Serie"], events["Serie (spostata)"]
    assert str(master["UID"]) == str(moved["UID"])
    assert moved.decoded("RECURRENCE-ID") == SOON + dt.timedelta(days=1)
    assert moved.decoded("DTSTART") == SOON + dt.timedelta(days=1, hours=2)


def test_filters_and_the_per_space_calendar(app, client, session, httpserver, network):
    httpserver.expect_request("/altro.json").respond_with_data(
        feeds.jsonfeed({"name": "Lab121", "city": "Alessandria"},
                       [feeds.item("event", "a1", "Aperitivo", SOON, SOON + dt.timedelta(hours=2), tags=["soci"])],
                       feed_url="http://x/altro.json"), content_type="application/feed+json")
    poll(app, make_space(session, httpserver.url_for("/altro.json"), name="Lab121"))
    titles = lambda url: set(_vevents(client.get(url).data))  # noqa: E731
    assert titles("/calendar.ics") == {"Corso di fotografia", "Fiera dei maker", "Hackathon", "Aperitivo"}
    assert titles("/calendar.ics?city=Alessandria") == {"Aperitivo"}
    assert titles("/calendar.ics?tag=FOTOGRAFIA") == {"Corso di fotografia"}
    assert titles("/calendar.ics?q=fiera") == {"Fiera dei maker"}
    assert titles("/spaces/lab121/calendar.ics") == {"Aperitivo"}
    assert titles("/spaces/millepiani/calendar.ics?tag=maker") == {"Fiera dei maker"}
    assert client.get("/spaces/nessuno/calendar.ics").status_code == 404
    bad = client.get("/calendar.ics?from=ieri", headers={"Accept-Language": "it"})
    assert bad.status_code == 400 and "Controlla i filtri del calendario: from" in bad.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/calendar.ics", "/calendar/upcoming.atom", "/calendar/new.atom"])
def test_http_caching(app, client, session, httpserver, network, url):
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url).headers["ETag"] == etag  # computed from the data: stable
    _publish(httpserver, _items(title="Corso di fotografia (nuova sede)"))
    poll(app, network)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_upcoming_atom_is_ordered_by_start(client, session, network):
    parsed = feedparser.parse(client.get("/calendar/upcoming.atom").data)
    assert not parsed.bozo and parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]  # Italian by default
    assert titles == ["Corso di fotografia", "Hackathon [annullato]", "Fiera dei maker", "Corso di fotografia",
                      "Corso di fotografia"]
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == len(ids)  # each occurrence is its own entry
    course = session.scalar(select(Event).where(Event.title == "Corso di fotografia"))
    assert ids[0].endswith(export_uid(course) + "/" + course.start_at.strftime("%Y%m%dT%H%M%SZ"))
    assert "Europe/Rome" in parsed.entries[0].summary


def test_new_atom_is_ordered_by_first_seen_and_filterable(app, client, session, httpserver, network):
    _publish(httpserver, _items() + [feeds.item("event", "nuovo", "Nuovo arrivato", SOON + dt.timedelta(days=40),
                                                     SOON + dt.timedelta(days=40, hours=1), tags=["maker"])])
    poll(app, network)
    parsed = feedparser.parse(client.get("/calendar/new.atom", headers={"Accept-Language": "en"}).data)
    assert parsed.entries[0].title == "Nuovo arrivato"
    assert "Newly announced events" in parsed.feed.title
    assert len(parsed.entries) == 5  # the past event is news too
    tagged = feedparser.parse(client.get("/calendar/new.atom?tag=maker").data)
    assert [e.title for e in tagged.entries] == ["Nuovo arrivato", "Fiera dei maker"]


def test_hostile_text_is_escaped_in_exports(app, client, session, httpserver):
    item = feeds.item("event", "x", "<script>alert(1)</script> & co", SOON, SOON + dt.timedelta(hours=1))
    item["content_html"] = '<p>ok</p><img src=x onerror="alert(1)">'
    httpserver.expect_request("/x.json").respond_with_data(
        json.dumps(json.loads(feeds.jsonfeed({"name": "X"}, [item], feed_url="http://x/x.json"))).encode(),
        content_type="application/json")
    poll(app, make_space(session, httpserver.url_for("/x.json")))
    atom = client.get("/calendar/upcoming.atom").get_data(as_text=True)
    assert "<script>" not in atom and "&lt;script&gt;" in atom and "onerror" not in atom
    [event] = Calendar.from_ical(client.get("/calendar.ics").data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "<script>alert(1)</script> & co"  # plain text in iCalendar, as the feed said


FORBIDDEN = "\ufffe\uffff\x01\x08\x0b\x0c\x1b\x7f\x85"  # XML 1.0 allows none of them


def test_characters_xml_forbids_never_reach_any_export(app, client, session, httpserver):
    """A member's feed full of characters XML forbids (raw and as HTML references): every
    export still parses with a strict XML parser, and the calendars with two parsers."""
    import xml.etree.ElementTree as ET

    import vobject

    dirty = f"Serata{FORBIDDEN}jazz"
    items = [feeds.item("event", "sporco", dirty, SOON, SOON + dt.timedelta(hours=2), tags=[f"jazz{FORBIDDEN}"],
                              text=f"Testo{FORBIDDEN} &#xFFFF; &#1; &#xFFFE;",
                              location={"name": f"Sala{FORBIDDEN}", "city": "Roma"}),
             feeds.item("skill", "s", f"Grafica{FORBIDDEN}", f"Ada{FORBIDDEN}", category="design")]
    items[0]["content_html"] = f"<p>Testo{FORBIDDEN} &#xFFFF; &#1; &#xFFFE;</p>"
    profile = {"name": f"Millepiani{FORBIDDEN}", "city": "Roma"}
    httpserver.expect_request("/feed.json").respond_with_data(
        feeds.jsonfeed(profile, items, feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/feed.json"), name="Millepiani")
    poll(app, space)
    event = session.scalar(select(Event))
    assert event.title == "Seratajazz"
    today = dt.date.today()
    for url in ("/calendar/upcoming.atom", "/calendar/new.atom", f"/spaces/{space.slug}/events.atom",
                f"/digest.atom?from={today}&to={today + dt.timedelta(days=30)}"):
        body = client.get(url).data
        ET.fromstring(body)  # expat: refuses any character XML forbids
        assert not any(c in body.decode() for c in FORBIDDEN), url
    for url in ("/calendar.ics", f"/spaces/{space.slug}/calendar.ics", f"/events/{event.id}.ics"):
        body = client.get(url).data
        Calendar.from_ical(body)
        vobject.readOne(body.decode())
        assert not any(c in body.decode() for c in FORBIDDEN), url


def test_atom_feeds_have_their_own_ids_and_link_to_the_hub_and_the_source(client, network):
    """Each feed (each filtered view, each space) has its own atom:id; each entry links to
    the hub's event page and to the source's."""
    ids = set()
    for url in ("/calendar/upcoming.atom", "/calendar/upcoming.atom?city=Roma", f"/spaces/{network.slug}/events.atom",
                "/calendar/new.atom"):
        parsed = feedparser.parse(client.get(url).data)
        ids.add(parsed.feed.id)
        for entry in parsed.entries:
            links = {link.rel: link.href for link in entry.links}
            assert links["alternate"].startswith("http://localhost/events/"), links
            assert client.get(links["alternate"].replace("http://localhost", "")).status_code == 200
            assert links.get("related", "https://").startswith("http")
    assert len(ids) == 4


def test_a_weak_etag_from_a_proxy_still_gets_304(client, network):
    for url in ("/calendar.ics", "/calendar/upcoming.atom", "/calendar"):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": "W/" + etag}).status_code == 304, url
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url
        assert client.get(url, headers={"If-None-Match": '"other", W/' + etag}).status_code == 304, url
        assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200, url


def test_json_ld_end_date_of_an_all_day_event_is_its_last_day(client, session, network):
    fiera = session.scalar(select(Event).where(Event.title == "Fiera dei maker"))
    page = client.get(f"/events/{fiera.id}").get_data(as_text=True)
    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert data["startDate"] == fiera.start_date.isoformat()
    assert data["endDate"] == (fiera.end_date - dt.timedelta(days=1)).isoformat() == (
        SOON.date() + dt.timedelta(days=3)).isoformat()


def test_calendar_files_pass_a_second_parser_and_their_zones_cover_every_year(app, client, session, httpserver):
    """No METHOD without ORGANIZER (libical's restriction check refuses it); each VTIMEZONE
    has the offsets of the years the events fall in, 2045 included; vobject reads the file."""
    import vobject

    _publish(httpserver, [feeds.item("event", "annuale", "Festa d'estate", SOON.replace(month=7, day=1),
                                           SOON.replace(month=7, day=1) + dt.timedelta(hours=2),
                                           rrule="FREQ=YEARLY;UNTIL=20451231T000000Z"),
                          feeds.item("event", "ogni", "Ogni settimana", SOON, SOON + dt.timedelta(hours=1),
                                           rrule="FREQ=WEEKLY")])
    poll(app, make_space(session, httpserver.url_for("/feed.json"), name="Millepiani"))
    body = client.get("/calendar.ics").data
    calendar = Calendar.from_ical(body)
    assert "METHOD" not in calendar
    zone = next(c for c in calendar.walk("VTIMEZONE") if str(c["TZID"]) == "Europe/Rome")
    summers = {sub["DTSTART"].dt.year for sub in zone.walk("DAYLIGHT")}
    for sub in zone.walk("DAYLIGHT"):
        rdates = sub.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            summers |= {d.dt.year for d in rdate.dts}
    assert {2026, 2038, 2045} <= summers, sorted(summers)
    # the zone as the file describes it (not as this machine's tzdata says) gives summer time in 2045
    described = zone.to_tz()
    assert described.utcoffset(dt.datetime(2045, 7, 1, 18)) == dt.timedelta(hours=2)
    assert described.utcoffset(dt.datetime(2045, 12, 1, 18)) == dt.timedelta(hours=1)
    parsed = vobject.readOne(body.decode())  # a second, independent parser reads the whole file
    assert {v.summary.value for v in parsed.vevent_list} == {"Festa d'estate", "Ogni settimana"}
