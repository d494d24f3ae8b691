"""Coordinators run the registry from the web (/console/spaces): adding a space checks each
feed address with the validator first, with the same rules as `corete spaces add`; what a
coordinator edits wins over the feed; pausing and retiring keep everything."""
from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import select

from corete.federation import writers
from corete.federation.models import Feed
from corete.spaces.models import Space
from tests.conftest import login, poll

SOON = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
IT = {"Accept-Language": "it"}


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def _serve(httpserver, city="Alessandria"):
    httpserver.expect_request("/feed.json").respond_with_data(
        writers.jsonfeed({"name": "Lab121", "city": city, "phone": "0131 000000"},
                         [writers.item("event", "e1", "Aperitivo dei soci", SOON, None)],
                         feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")
    httpserver.expect_request("/cal.ics").respond_with_data(
        writers.icalendar("Lab121", [{"uid": "c1", "title": "Hackathon", "start": SOON, "end": SOON + dt.timedelta(hours=3)}]),
        content_type="text/calendar")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_coordinator_adds_a_space_whose_feeds_the_validator_read(app, session, client, coordinator, httpserver):
    _serve(httpserver)
    browser, token = coordinator
    assert browser.get("/console/spaces/new").status_code == 200
    added = browser.post("/console/spaces/new", data={
        "csrf_token": token, "name": "Lab121", "kind": "coworking", "city": "Alessandria", "lat": "44,91", "lon": "8,61",
        "feeds": f"{httpserver.url_for('/feed.json')}\n{httpserver.url_for('/cal.ics')}\n{httpserver.url_for('/feed.json')}"})
    assert added.status_code == 302 and added.location.endswith("/console/spaces/lab121")
    space = session.scalar(select(Space))
    assert [f.url for f in space.feeds] == [httpserver.url_for("/feed.json"), httpserver.url_for("/cal.ics")]
    assert (space.kind, space.city, space.lat, space.lon, space.locked_fields) == ("coworking", "Alessandria", 44.91, 8.61, [])
    assert "Lab121" in _text(browser.get("/console/spaces"))
    poll(app, space)
    titles = {e["title"] for e in client.get("/api/v1/events?space=lab121").get_json()["items"]}
    assert titles == {"Aperitivo dei soci", "Hackathon"}


def test_an_address_the_hub_cannot_read_is_refused_in_the_coordinators_language(session, coordinator, httpserver):
    httpserver.expect_request("/missing.json").respond_with_data("no", status=404)
    httpserver.expect_request("/page.html").respond_with_data("<html><body>Benvenuti</body></html>", content_type="text/html")
    browser, token = coordinator
    form = {"csrf_token": token, "name": "Cowo Isola", "city": "Milano",
            "feeds": f"{httpserver.url_for('/missing.json')}\n{httpserver.url_for('/page.html')}"}
    refused = browser.post("/console/spaces/new", data=form, headers=IT)
    page = _text(refused)
    assert refused.status_code == 400 and "L'hub non riesce a leggere ogni indirizzo" in page
    assert page.count('class="problem error"') == 2 and 'value="Cowo Isola"' in page  # nothing typed is lost
    assert session.scalar(select(Space)) is None
    # A member's server down for the day: added anyway when the coordinator says so.
    assert browser.post("/console/spaces/new", data={**form, "anyway": "1"}).status_code == 302
    assert [f.url for f in session.scalar(select(Space)).feeds] == [httpserver.url_for("/missing.json"),
                                                                     httpserver.url_for("/page.html")]


@pytest.mark.parametrize("form, field, message", [
    ({"feeds": "ftp://x.example/feed"}, "feeds", "non è un indirizzo http(s)"),
    ({"feeds": ""}, "feeds", "almeno un indirizzo di feed"),
    ({"name": ""}, "name", "obbligatorio"),
    ({"lat": "91", "lon": "10"}, "lat", "Tra -90 e 90"),
    ({"lat": "45"}, "lon", "sia la latitudine sia la longitudine"),
    ({"feeds": "\n".join(f"http://127.0.0.1:9/{n}.json" for n in range(11))}, "feeds", "Al massimo 10 indirizzi"),
    ({"timezone": "Europe/" + "x" * 60}, "timezone", "Non è un fuso orario"),
    ({"name": "x" * 201}, "name", "Al massimo 200 caratteri"),
])
def test_bad_values_say_what_to_fix_and_save_nothing(session, coordinator, httpserver, form, field, message):
    _serve(httpserver)
    browser, token = coordinator
    data = {"csrf_token": token, "name": "Casa Bolognina", "feeds": httpserver.url_for("/feed.json"), **form}
    page = browser.post("/console/spaces/new", data=data, headers=IT)
    assert page.status_code == 400 and message in _text(page)
    assert session.scalar(select(Space)) is None


def test_only_coordinators_and_with_the_forms_token(app, session, client, tmp_path, httpserver):
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@x.example", "operator")
    assert operator.get("/console/spaces").status_code == 403
    assert operator.post("/console/spaces/new", data={"csrf_token": token, "name": "X", "feeds": "https://x.example/f"}
                         ).status_code == 403
    assert client.get("/console/spaces").status_code in (302, 401)
    coordinator, _token = login(app, app.test_cli_runner(), tmp_path, "c@x.example", "coordinator")
    assert coordinator.post("/console/spaces/new", data={"name": "X", "feeds": "https://x.example/f"}).status_code == 400
    assert session.scalar(select(Space)) is None


def test_what_a_coordinator_edits_wins_over_the_feed_until_handed_back(app, session, coordinator, httpserver):
    _serve(httpserver, city="Alessandria")
    browser, token = coordinator
    browser.post("/console/spaces/new", data={"csrf_token": token, "name": "Lab121",
                                              "feeds": httpserver.url_for("/feed.json")})
    space = session.scalar(select(Space))
    poll(app, space)
    session.expire_all()
    assert (space.city, space.phone) == ("Alessandria", "0131 000000")
    form = browser.get("/console/spaces/lab121").get_data(as_text=True)
    assert 'value="Alessandria"' in form and 'value="0131 000000"' in form
    saved = browser.post("/console/spaces/lab121", data={"csrf_token": token, "name": "Lab121", "kind": "coworking",
                                                         "city": "Valenza", "phone": "0131 000000"})
    assert saved.status_code == 302
    session.expire_all()
    assert space.city == "Valenza" and space.locked_fields == ["city", "kind"]
    poll(app, space)  # the feed still says Alessandria
    session.expire_all()
    assert space.city == "Valenza"
    page = _text(browser.get("/console/spaces/lab121", headers=IT))
    assert "Impostati qui: Città, Tipo." in page
    browser.post("/console/spaces/lab121", data={"csrf_token": token, "name": "Lab121", "kind": "coworking",
                                                 "city": "Valenza", "unlock": "1"})
    session.expire_all()
    assert space.locked_fields == []
    httpserver.clear_all_handlers()
    httpserver.expect_request("/feed.json").respond_with_data(  # a changed feed (not a 304)
        writers.jsonfeed({"name": "Lab121", "city": "Alessandria", "phone": "0131 1"}, [],
                         feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")
    poll(app, space)
    session.expire_all()
    assert space.city == "Alessandria"


def test_pause_resume_retire_restore(app, session, client, coordinator, httpserver):
    _serve(httpserver)
    browser, token = coordinator
    browser.post("/console/spaces/new", data={"csrf_token": token, "name": "Lab121",
                                              "feeds": httpserver.url_for("/feed.json")})
    space = session.scalar(select(Space))
    poll(app, space)

    def act(action):
        assert browser.post("/console/spaces/lab121/state", data={"csrf_token": token, "action": action},
                            headers=IT).status_code == 302
        session.expire_all()
        return [f.state for f in space.feeds]

    assert act("pause") == ["paused"]
    assert client.get("/spaces/lab121").status_code == 200  # still shown, with what it published
    assert [e["title"] for e in client.get("/api/v1/events?space=lab121").get_json()["items"]] == ["Aperitivo dei soci"]
    assert act("resume") == ["active"]
    assert act("retire") == ["paused"] and space.active is False
    assert client.get("/api/v1/spaces/lab121").get_json() is not None
    assert "lab121" not in [s["slug"] for s in client.get("/api/v1/spaces").get_json()["items"]]
    assert client.get("/api/v1/events?space=lab121").get_json()["items"] == []
    assert session.scalar(select(Feed.id)) is not None  # nothing deleted
    assert act("restore") == ["active"] and space.active is True
    assert [e["title"] for e in client.get("/api/v1/events?space=lab121").get_json()["items"]] == ["Aperitivo dei soci"]
    assert browser.post("/console/spaces/lab121/state", data={"csrf_token": token, "action": "explode"}).status_code == 400
