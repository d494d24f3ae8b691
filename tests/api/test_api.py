"""The read API over data that came through the poller."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from corete.federation import writers as feeds
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")


def _network(app, session, httpserver):
    items = [
        feeds.item("event", "corso", "Corso di fotografia", dt.datetime(2027, 3, 22, 19, 0, tzinfo=ROME),
                         dt.datetime(2027, 3, 22, 21, 0, tzinfo=ROME), rrule="FREQ=WEEKLY;COUNT=3", tags=["Fotografia"]),
        feeds.item("event", "fiera", "Fiera dei maker", dt.date(2027, 3, 27), dt.date(2027, 3, 29), tags=["maker"]),
        feeds.item("event", "annullato", "Hackathon", dt.datetime(2027, 3, 25, 9, 0, tzinfo=ROME), status="cancelled"),
        feeds.item("skill", "s1", "Videomaker", "Marco", category="media"),
        feeds.item("skill", "s2", "Ingegnere acustico", "Paolo", category="ingegneria"),
        feeds.item("need", "n1", "Caffè in grani", quantity=6, unit="kg", category="caffè", tolerance=1,
                        need_by=dt.date(2027, 4, 1)),
        feeds.item("need", "n2", "Un videomaker", kind="service", category="media"),
    ]
    profile = {"name": "Lab121", "kind": "coworking", "city": "Alessandria", "lat": 44.91, "lon": 8.61,
               "description": "Coworking", "tags": ["professioni"]}
    httpserver.expect_request("/feed.json").respond_with_data(
        feeds.jsonfeed(profile, items, feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/feed.json"), name="Lab121")
    poll(app, space)
    return space


def test_spaces_and_feed_health(app, client, session, httpserver):
    _network(app, session, httpserver)
    listing = client.get("/api/v1/spaces").get_json()
    assert listing["total"] == 1 and listing["items"][0]["slug"] == "lab121"
    assert listing["items"][0]["kind"] == "coworking"  # the feed's profile updated the registry
    detail = client.get("/api/v1/spaces/lab121").get_json()
    assert detail["feeds"][0]["format"] == "corete" and detail["feeds"][0]["consecutive_failures"] == 0
    assert client.get("/api/v1/spaces/nope").status_code == 404
    assert client.get("/api/v1/spaces?city=alessandria").get_json()["total"] == 1
    assert client.get("/api/v1/spaces?city=Roma").get_json()["total"] == 0


def test_events_expand_recurrences_in_the_window_with_offsets(app, client, session, httpserver):
    _network(app, session, httpserver)
    data = client.get("/api/v1/events?from=2027-03-20T00:00:00Z&to=2027-04-20T00:00:00Z").get_json()
    got = [(e["title"], e["start"], e["end"]) for e in data["items"]]
    assert got == [
        ("Corso di fotografia", "2027-03-22T19:00:00+01:00", "2027-03-22T21:00:00+01:00"),
        ("Hackathon", "2027-03-25T09:00:00+01:00", None),
        ("Fiera dei maker", "2027-03-27", "2027-03-29"),
        ("Corso di fotografia", "2027-03-29T19:00:00+02:00", "2027-03-29T21:00:00+02:00"),  # after the DST change
        ("Corso di fotografia", "2027-04-05T19:00:00+02:00", "2027-04-05T21:00:00+02:00"),
    ]
    first = data["items"][0]
    assert first["uid"] == "corso" and first["space"] == "lab121" and first["timezone"] == "Europe/Rome"
    assert first["id"] != data["items"][3]["id"]  # each occurrence is addressable
    assert data["items"][1]["status"] == "cancelled"
    assert data["items"][2]["all_day"] is True


def test_event_filters_and_pagination(app, client, session, httpserver):
    _network(app, session, httpserver)
    window = "from=2027-03-01&to=2027-05-01"
    assert client.get(f"/api/v1/events?{window}&tag=fotografia").get_json()["total"] == 3
    assert client.get(f"/api/v1/events?{window}&q=fiera").get_json()["total"] == 1
    assert client.get(f"/api/v1/events?{window}&city=Alessandria").get_json()["total"] == 5
    assert client.get(f"/api/v1/events?{window}&space=altro").get_json()["total"] == 0
    page = client.get(f"/api/v1/events?{window}&per_page=2&page=3").get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (5, 1, 3)


def test_bad_query_values_get_422_with_the_field(client):
    for query in ("from=ieri", "per_page=0", "page=-1", "from=2027-03-02&to=2027-03-01"):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["errors"]["query"]
    assert client.get("/api/v1/needs?kind=cose").status_code == 422


def test_skills_and_needs(app, client, session, httpserver):
    _network(app, session, httpserver)
    skills = client.get("/api/v1/skills?q=video").get_json()
    assert [s["skill"] for s in skills["items"]] == ["Videomaker"]
    assert skills["items"][0]["space"] == "lab121" and skills["items"][0]["holder_name"] == "Marco"
    assert client.get("/api/v1/skills?city=Alessandria").get_json()["total"] == 2
    needs = client.get("/api/v1/needs?kind=goods").get_json()["items"]
    assert needs[0]["quantity"] == "6.0000" and needs[0]["unit"] == "kg" and needs[0]["tolerance"] == "1.0000"
    assert needs[0]["need_by"] == "2027-04-01"
    assert client.get("/api/v1/needs?category=media").get_json()["items"][0]["item"] == "Un videomaker"


def test_openapi_documents_every_endpoint_and_filter(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/spaces", "/api/v1/spaces/{slug}", "/api/v1/events", "/api/v1/skills", "/api/v1/needs"):
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/v1/events"]["get"]["parameters"]}
    assert {"from", "to", "space", "city", "tag", "q", "page", "per_page"} <= names
    assert json.dumps(spec)


def test_a_bad_profile_field_costs_only_that_field(app, client, session, httpserver):
    profile = {"name": "Lab121 Coworking", "city": "Alessandria", "email": "not-an-email", "lat": 999}
    httpserver.expect_request("/feed.json").respond_with_data(
        feeds.jsonfeed(profile, [], feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/feed.json"), name="Lab121")
    [summary] = poll(app, space)
    assert {w.where for w in summary.warnings} >= {"/_corete/space/email", "/_corete/space/lat"}
    data = client.get("/api/v1/spaces/lab121").get_json()
    assert (data["name"], data["city"], data["email"], data["lat"]) == ("Lab121 Coworking", "Alessandria", None, None)
