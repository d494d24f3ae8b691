"""Rooms, desks and equipment: from a member's feed on localhost and from the hosted
editor, to the search (by kind, city, size and free time), the API, the validator."""
from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.federation.validate import validate_source
from corete.hosting import services as hosting
from corete.core import hours
from corete.resources.models import Busy, Resource
from tests.conftest import csrf_token, login, make_space, poll

ROME = ZoneInfo("Europe/Rome")
NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
EN = {"Accept-Language": "en"}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ROME)


def lab_feed() -> bytes:
    monday = NEXT_MONDAY
    return feeds.jsonfeed({"name": "Lab121", "kind": "fablab", "city": "Alessandria", "opening_hours": "Mo-Fr 09:00-19:00"}, [
        feeds.item("resource", "sala", "Sala riunioni", "meeting_room", capacity=12,
                   price={"per": "hour", "member": 10, "public": 25}, busy=[(at(monday, 9), at(monday, 12))],
                   text="Con proiettore e lavagna."),
        feeds.item("resource", "desk", "Scrivania", "desk", capacity=1, price={"per": "day", "member": 0},
                   bookable_by="anyone", opening_hours="Mo-Sa 08:00-20:00"),
        feeds.item("resource", "laser", "Taglio laser", "equipment", opening_hours="Tu,Th 14:00-18:00",
                   rules="Solo dopo il corso di sicurezza."),
    ], feed_url="http://x/f.json")


@pytest.fixture
def lab(app, session, httpserver):
    httpserver.expect_request("/lab.json").respond_with_data(lab_feed(), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/lab.json"), name="Lab121", city="Alessandria")
    poll(app, space)
    session.commit()
    return space


def names(answer) -> list[str]:
    return [r["name"] for r in answer.get_json()["items"]]


def test_resources_from_a_feed_are_found_by_kind_city_size_and_free_time(lab, client, session):
    monday = NEXT_MONDAY
    assert names(client.get("/api/v1/resources")) == ["Sala riunioni", "Scrivania", "Taglio laser"]
    assert names(client.get("/api/v1/resources?kind=desk")) == ["Scrivania"]
    assert names(client.get("/api/v1/resources?capacity=5")) == ["Sala riunioni"]
    assert names(client.get("/api/v1/resources?city=alessandria&bookable_by=anyone")) == ["Scrivania"]
    assert names(client.get("/api/v1/resources?city=Roma")) == []

    def free(start, end):
        return names(client.get("/api/v1/resources", query_string={"from": start.isoformat(), "to": end.isoformat()}))

    # Monday 10-11: the room is busy (its feed says so), the laser is open only Tuesday and Thursday
    assert free(at(monday, 10), at(monday, 11)) == ["Scrivania"]
    # Monday 14-15: the room is free again, within the space's own opening hours
    assert free(at(monday, 14), at(monday, 15)) == ["Sala riunioni", "Scrivania"]
    # Tuesday 15-17: the laser is open; 19:30 the space is closed, the desk is still open
    tuesday = monday + dt.timedelta(days=1)
    assert free(at(tuesday, 15), at(tuesday, 17)) == ["Sala riunioni", "Scrivania", "Taglio laser"]
    assert free(at(tuesday, 19, 30), at(tuesday, 19, 45)) == ["Scrivania"]
    room = session.scalar(select(Resource).where(Resource.source_id == "sala"))
    item = client.get("/api/v1/resources?kind=meeting_room").get_json()["items"][0]
    assert item["price"] == {"per": "hour", "member": "10.00", "public": "25.00", "currency": "EUR"}
    assert item["space"] == "lab121" and item["url"].endswith(f"/resources/{room.id}")
    # a window that is not one is refused in words, never a 500
    assert client.get("/api/v1/resources?from=2026-01-02T10:00:00Z&to=2026-01-01T10:00:00Z").status_code == 422
    assert client.get("/api/v1/resources?from=2026-01-01T10:00:00Z").status_code == 422


def test_the_search_page_and_a_resource_page_in_both_languages(lab, client, session):
    page = html.unescape(client.get("/resources?kind=meeting_room", headers=EN).get_data(as_text=True))
    assert "Sala riunioni" in page and "Scrivania" not in page and "€10.00 per hour for members of the network" in page
    monday = NEXT_MONDAY.isoformat()
    busy = html.unescape(client.get(f"/resources?date={monday}&start_time=10:00&end_time=11:00").get_data(as_text=True))
    found = busy.split('<ul class="resources">')[1].split("</ul>")[0]
    assert "Sala riunioni" not in found and "Scrivania" in found and "Liberi da" in busy
    wrong = client.get(f"/resources?date={monday}&start_time=11:00&end_time=10:00")
    assert wrong.status_code == 400 and "La fine deve venire dopo l'inizio." in html.unescape(wrong.get_data(as_text=True))
    assert client.get("/resources?date=domani&capacity=-3").status_code == 400
    room = session.scalar(select(Resource).where(Resource.source_id == "sala"))
    detail = html.unescape(client.get(f"/resources/{room.id}", headers=EN).get_data(as_text=True))
    assert "Con proiettore e lavagna." in detail and "Busy in the next two weeks" in detail
    assert "Members of the network's spaces book it through their space's operator" in detail
    assert client.get("/resources/999999").status_code == 404
    space_page = html.unescape(client.get("/spaces/lab121").get_data(as_text=True))
    section = space_page.split('id="h-resources"')[1].split("</section>")[0]
    assert "Sale e attrezzature" in section and "Sala riunioni" in section and "Taglio laser" in section


def test_a_removed_resource_leaves_and_its_busy_time_with_it(app, lab, session, httpserver):
    httpserver.clear_all_handlers()
    body = feeds.jsonfeed({"name": "Lab121"}, [
        feeds.item("resource", "desk", "Scrivania", "desk"), feeds.item("resource", "laser", "Taglio laser", "equipment")],
        feed_url="http://x/f.json")
    httpserver.expect_request("/lab.json").respond_with_data(body, content_type="application/feed+json")
    poll(app, lab)
    session.commit()
    assert sorted(session.scalars(select(Resource.source_id))) == ["desk", "laser"]
    assert session.scalar(select(Busy.id)) is None


def test_the_validator_reads_resources_and_says_what_is_wrong(app):
    body = feeds.jsonfeed({"name": "Lab121"}, [
        feeds.item("resource", "ok", "Sala", "meeting_room", opening_hours="Mo-Fr 09:00-18:00; PH off"),
        feeds.item("resource", "bad-kind", "Astronave", "spaceship"),
        {"id": "bad-busy", "title": "Furgone", "_corete": {"type": "resource", "kind": "vehicle",
                                                           "busy": [{"start": "2030-01-02T10:00:00Z", "end": "2030-01-02T09:00:00Z"}]}},
        {"id": "no-name", "_corete": {"type": "resource", "kind": "desk"}},
    ], feed_url="http://x/f.json")
    report = validate_source(body=body, config=app.config)
    assert report.counts["resource"] == 1
    where = {r.where: r.reason for r in report.rejections}
    assert "/items/1/_corete/kind" in where
    assert where["/items/2/_corete/busy/0/end"] == "a busy span ends after it starts"
    assert where["/items/3/title"] == "a resource needs a name (the item's title)"
    assert any(w.where == "/items/0/_corete/opening_hours" for w in report.warnings)
    assert "1 resources" in report.lines()[-1]


def test_the_validator_page_advises_by_the_items_own_type(app, client):
    body = feeds.jsonfeed({"name": "Lab121"}, [feeds.item("resource", "r", "Astronave", "spaceship"),
                                              feeds.item("need", "n", "Caffè", kind="merci")], feed_url="http://x/f.json")
    token = csrf_token(client.get("/validate").get_data(as_text=True))
    page = html.unescape(client.post("/validate", data={"document": body.decode(), "csrf_token": token},
                                     headers=EN).get_data(as_text=True))
    assert 'A resource\'s "kind" is one of "meeting_room"' in page
    assert 'A need\'s "kind" is "goods" or "service".' in page


def test_opening_hours_in_openstreetmap_syntax():
    week = hours.parse("Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-12:00; Su off")
    assert week[0] == [(540, 780), (840, 1080)] and week[5] == [(600, 720)] and week[6] == []
    assert hours.parse("24/7") == [[(0, 1440)]] * 7
    assert hours.parse("Sa-Mo 10:00-12:00")[0] == [(600, 720)] and hours.parse("Sa-Mo 10:00-12:00")[2] == []
    monday = NEXT_MONDAY
    assert hours.is_open(week, at(monday, 9), at(monday, 13), ROME)
    assert not hours.is_open(week, at(monday, 12), at(monday, 15), ROME)  # the lunch break
    assert hours.is_open(hours.parse("24/7"), at(monday, 20), at(monday + dt.timedelta(days=2), 8), ROME)
    for text in ("PH off", "Mo-Fr", "Lu-Ve 09:00-18:00", "Mo 9-18", "Mo 25:00-26:00", ""):
        with pytest.raises(hours.NotUnderstood):
            hours.parse(text)


def test_an_operator_describes_a_room_in_the_editor_and_the_network_finds_it(app, session, live_server, tmp_path):
    space = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    session.commit()
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    form = {"csrf_token": token, "name": "Sala grande", "kind": "event_room", "capacity": "60", "price_per": "day",
            "member_price": "80", "public_price": "150,50", "bookable_by": "anyone", "opening_hours": "Mo-Sa 09:00-23:00"}
    wrong = client.post("/spaces/millepiani/edit/resource/new", data={**form, "opening_hours": "tutti i giorni"})
    assert wrong.status_code == 400 and "Scrivi gli orari come" in html.unescape(wrong.get_data(as_text=True))
    assert client.post("/spaces/millepiani/edit/resource/new", data=form).status_code == 302
    editor = html.unescape(client.get("/spaces/millepiani/edit").get_data(as_text=True))
    assert "Sala grande" in editor and "Sale e attrezzature" in editor
    poll(app, space)
    session.commit()
    found = client.get("/api/v1/resources?kind=event_room").get_json()["items"]
    assert [(r["name"], r["capacity"], r["price"]["public"], r["bookable_by"]) for r in found] == \
        [("Sala grande", 60, "150.50", "anyone")]


def test_a_busy_calendar_is_read_through_the_fetcher_and_a_broken_one_keeps_what_was_known(
        app, session, httpserver, runner, client):
    monday = NEXT_MONDAY
    ics = feeds.icalendar("Sala", [
        {"uid": "weekly", "title": "Corso", "start": at(monday, 9), "end": at(monday, 11), "rrule": "FREQ=WEEKLY;COUNT=3"},
        {"uid": "off", "title": "Annullato", "start": at(monday, 15), "end": at(monday, 16), "status": "CANCELLED"},
    ])
    httpserver.expect_request("/sala.ics").respond_with_data(ics, content_type="text/calendar",
                                                             headers={"ETag": '"v1"'})
    body = feeds.jsonfeed({"name": "Lab121", "city": "Alessandria"}, [
        feeds.item("resource", "sala", "Sala", "meeting_room", calendar=httpserver.url_for("/sala.ics"))],
        feed_url="http://x/f.json")
    httpserver.expect_request("/lab.json").respond_with_data(body, content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/lab.json"), name="Lab121")
    poll(app, space)
    session.commit()
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 0  # a run whose time is spent reads nothing, and it stays due
    said = runner.invoke(args=["resources", "calendars"]).output
    assert "0 calendars read, 0 unchanged, 0 failed, 1 left for the next run" in said
    assert not [r for r, _ in httpserver.log if r.path == "/sala.ics"]
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
    assert "1 calendars read, 0 unchanged, 0 failed" in runner.invoke(args=["resources", "calendars"]).output

    def free(day, start, end):
        return names(client.get("/api/v1/resources", query_string={
            "from": at(day, start).isoformat(), "to": at(day, end).isoformat()}))

    assert free(monday, 10, 11) == [] and free(monday + dt.timedelta(days=14), 10, 11) == []
    assert free(monday + dt.timedelta(days=21), 10, 11) == ["Sala"]  # the series has three dates
    assert free(monday, 15, 16) == ["Sala"]  # a cancelled event is not busy time
    spans = session.scalars(select(Busy).where(Busy.source == "calendar")).all()
    assert len(spans) == 3

    # read again too soon: nothing is fetched; when due, the server's 304 keeps it all
    assert "no calendars to read" in runner.invoke(args=["resources", "calendars"]).output
    room = session.scalar(select(Resource))
    room.calendar_read_at = room.calendar_read_at - dt.timedelta(hours=1)
    session.commit()
    httpserver.clear_all_handlers()
    httpserver.expect_request("/sala.ics", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    assert "0 calendars read, 1 unchanged, 0 failed" in runner.invoke(args=["resources", "calendars"]).output
    # a calendar that breaks changes nothing, and says why
    session.expire_all()
    room.calendar_read_at = room.calendar_read_at - dt.timedelta(hours=1)
    room.calendar_etag = None
    session.commit()
    httpserver.clear_all_handlers()
    httpserver.expect_request("/sala.ics").respond_with_data("<html>not a calendar</html>", content_type="text/html")
    assert "0 calendars read, 0 unchanged, 1 failed" in runner.invoke(args=["resources", "calendars"]).output
    session.expire_all()
    assert room.calendar_error and len(session.scalars(select(Busy).where(Busy.source == "calendar")).all()) == 3


def test_the_map_has_a_layer_of_rooms_and_equipment(lab, client, session):
    lab.lat, lab.lon = 44.9135, 8.6105
    session.commit()
    features = client.get("/api/v1/map/features.geojson?layers=resources").get_json()["features"]
    assert len(features) == 1
    props = features[0]["properties"]
    assert (props["layer"], props["name"], props["resources"]) == ("resources", "Lab121", 3)
    assert sorted(props["resource_kinds"]) == ["desk", "equipment", "meeting_room"]
    assert props["url"].endswith("/resources?space=lab121")
    # with the spaces, those at the space's own place are told in its marker, not in a second one
    both = client.get("/api/v1/map/features.geojson?layers=spaces,resources").get_json()["features"]
    assert [(f["properties"]["layer"], f["properties"].get("resources")) for f in both] == [("spaces", 3)]
    assert both[0]["properties"]["resources_url"].endswith("/resources?space=lab121")
    # what only events or proposals have empties the layer; the space's kind narrows it
    assert client.get("/api/v1/map/features.geojson?layers=resources&tag=x").get_json()["features"] == []
    assert client.get("/api/v1/map/features.geojson?layers=resources&kind=coliving").get_json()["features"] == []
    listing = html.unescape(client.get("/map?view=list&layers=resources").get_data(as_text=True))
    assert "Sale e attrezzature (1)" in listing and "Sala riunioni, Scrivania, Attrezzatura" in listing
    at_lab = html.unescape(client.get("/resources?space=lab121").get_data(as_text=True))
    assert "Solo presso Lab121." in at_lab and "3 trovati." in at_lab
