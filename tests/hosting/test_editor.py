"""The operators' editor: roles on every page and API call, the forms' errors, and the
round trip: an operator edits in the hub, the hub publishes the feed, the poller reads it
over HTTP like any member's, the calendar and the map show it."""
from __future__ import annotations

import datetime as dt
import html
import json

import pytest
import requests
from sqlalchemy import select

from corete.events.models import Event
from corete.hosting import services
from corete.hosting.models import HostedItem
from tests.conftest import login, poll

NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())


def hosted_space(session, name, base="http://127.0.0.1:9", **fields):
    space = services.add_hosted_space(session, name, base, **fields)
    session.commit()
    return space


@pytest.fixture
def two_spaces(session):
    return (hosted_space(session, "Millepiani", city="Roma", lat=41.8626, lon=12.4841),
            hosted_space(session, "Lab121", city="Alessandria"))


@pytest.fixture
def operator(app, two_spaces, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator", spaces=["millepiani"])


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


EVENT = {"title": "Colazione dei coworker", "date": NEXT_MONDAY.isoformat(), "start_time": "09:00",
         "end_time": "10:00", "repeat": "weekly", "repeat_count": "3", "price": "gratis", "tags": "comunità, networking"}


def add(client, token, slug, kind, form, **kw):
    return client.post(f"/spaces/{slug}/edit/{kind}/new", data={"csrf_token": token, **form}, **kw)


def test_an_operator_edits_only_its_own_space(operator, coordinator, session):
    client, token = operator
    assert client.get("/spaces/millepiani/edit").status_code == 200
    assert client.get("/spaces/lab121/edit").status_code == 403
    assert client.post("/spaces/lab121/edit", data={"csrf_token": token, "name": "Presa"}).status_code == 403
    assert add(client, token, "lab121", "event", EVENT).status_code == 403
    coord, coord_token = coordinator
    assert add(coord, coord_token, "lab121", "skill", {"skill": "Ingegnere acustico"}).status_code == 302
    theirs = session.scalar(select(HostedItem))
    # another space's item is not found through the operator's own space, nor reachable through theirs
    assert client.get(f"/spaces/millepiani/edit/items/{theirs.id}").status_code == 404
    assert client.post(f"/spaces/millepiani/edit/items/{theirs.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/spaces/lab121/edit/items/{theirs.id}/delete", data={"csrf_token": token}).status_code == 403
    assert session.scalar(select(HostedItem.id)) == theirs.id
    # without a CSRF token nothing is saved
    assert add(client, "", "millepiani", "event", EVENT).status_code == 400
    assert client.get("/my/spaces").headers["Location"].endswith("/spaces/millepiani/edit")


def test_the_api_enforces_the_same_roles(app, operator, session):
    client, token = operator
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    body = json.dumps(EVENT)
    created = client.post("/api/v1/spaces/millepiani/items/event", data=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["item"]["_corete"]["rrule"] == "FREQ=WEEKLY;COUNT=3" and "_form" not in item["item"]
    assert client.post("/api/v1/spaces/lab121/items/event", data=body, headers=headers).status_code == 403
    assert client.get("/api/v1/spaces/lab121/items").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/spaces/millepiani/items").status_code == 401
    assert anonymous.post("/api/v1/spaces/millepiani/items/event", data=body,
                          headers={"Content-Type": "application/json"}).status_code in (400, 401)
    assert client.post("/api/v1/spaces/millepiani/items/event", data=body,
                       headers={"Content-Type": "application/json"}).status_code == 400  # no CSRF token
    bad = client.post("/api/v1/spaces/millepiani/items/event", headers=headers,
                      data=json.dumps({**EVENT, "date": "31/02/2027", "repeat_count": "0"}))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["json"]) == {"date", "repeat_count"}
    changed = client.put(f"/api/v1/spaces/millepiani/items/{item['id']}", headers=headers,
                         data=json.dumps({**EVENT, "title": "Colazione spostata"}))
    assert changed.status_code == 200 and changed.get_json()["item"]["title"] == "Colazione spostata"
    assert client.delete(f"/api/v1/spaces/lab121/items/{item['id']}", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/spaces/millepiani/items/{item['id']}", headers=headers).status_code == 204
    assert session.scalar(select(HostedItem.id)) is None


@pytest.mark.parametrize("form, field, message", [
    ({"title": ""}, "title", "Questo campo è obbligatorio."),
    ({"date": "domani"}, "date", "Non è una data"),
    ({"end_time": "08:00"}, "end_time", "non può finire prima di cominciare"),
    ({"repeat_count": "", "repeat_until": ""}, "repeat_count", "quante volte si ripete"),
    ({"repeat_until": NEXT_MONDAY.isoformat()}, "repeat_until", "non entrambi"),
    ({"price": "tanti"}, "price", "Un prezzo in euro"),
    ({"online_url": "javascript:alert(1)"}, "online_url", "Non è un indirizzo web"),
])
def test_a_bad_event_form_says_what_to_fix_in_italian(operator, session, form, field, message):
    client, token = operator
    page = add(client, token, "millepiani", "event", {**EVENT, **form})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and message in text
    assert f'name="{field}"' in text.split(message)[0].rsplit("<label>", 1)[1]  # under its field
    assert session.scalar(select(HostedItem.id)) is None


def test_what_the_editor_builds_is_what_the_format_says(operator, session):
    client, token = operator
    add(client, token, "millepiani", "event", {"title": "Open day", "date": "2027-03-04", "repeat": "monthly_weekday",
                                               "repeat_until": "2027-06-30", "end_date": "2027-03-05"})
    add(client, token, "millepiani", "need", {"item": "Caffè in grani", "quantity": "2,5", "unit": "kg",
                                              "tolerance": "0,5", "need_by": "2027-01-31"})
    add(client, token, "millepiani", "need", {"item": "Un videomaker per il barcamp", "kind": "service"})
    add(client, token, "millepiani", "skill", {"skill": "Videomaker", "holder_name": "Marco",
                                               "languages": "it, EN"})
    feed = client.get("/spaces/millepiani/feed.json")
    assert feed.headers["Content-Type"].startswith("application/feed+json") and feed.headers["ETag"]
    doc = feed.get_json()
    assert doc["_corete"]["space"]["name"] == "Millepiani" and doc["feed_url"].endswith("/spaces/millepiani/feed.json")
    core = {i["title"]: i["_corete"] for i in doc["items"]}
    # the first Thursday of the month, until the end of June; two whole days (end exclusive)
    assert core["Open day"]["rrule"] == "FREQ=MONTHLY;BYDAY=1TH;UNTIL=20270630"
    assert (core["Open day"]["start"], core["Open day"]["end"], core["Open day"]["all_day"]) == \
        ("2027-03-04", "2027-03-06", True)
    assert core["Caffè in grani"]["quantity"] == 2.5 and core["Caffè in grani"]["unit"] == "kg"
    assert core["Caffè in grani"]["tolerance"] == 0.5 and core["Caffè in grani"]["need_by"] == "2027-01-31"
    assert core["Videomaker – Marco"]["languages"] == ["it", "en"]
    again = client.get("/spaces/millepiani/feed.json", headers={"If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 304


def test_round_trip_edit_publish_poll_calendar_map(app, session, live_server, tmp_path):
    space = hosted_space(session, "Millepiani", live_server, city="Roma", lat=41.8626, lon=12.4841)
    assert space.feeds[0].url == f"{live_server}/spaces/millepiani/feed.json"
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    assert add(client, token, "millepiani", "event", EVENT).status_code == 302
    published = requests.get(space.feeds[0].url, timeout=5)
    assert published.status_code == 200 and "Colazione dei coworker" in published.text
    summary = poll(app, space)
    assert [s.outcome for s in summary] == ["applied"], summary
    start = dt.datetime.combine(NEXT_MONDAY, dt.time(0, 0)).isoformat() + "Z"
    events = client.get(f"/api/v1/events?space=millepiani&from={start}").get_json()["items"]
    assert [e["title"] for e in events] == ["Colazione dei coworker"] * 3
    assert events[0]["start"].startswith(f"{NEXT_MONDAY.isoformat()}T09:00:00+0")  # in Rome, as typed
    calendar = client.get(f"/calendar?space=millepiani&date={NEXT_MONDAY.isoformat()}").get_data(as_text=True)
    assert "Colazione dei coworker" in calendar
    features = {f["id"]: f for f in client.get("/api/v1/map/features.geojson").get_json()["features"]}
    assert features["spaces/millepiani"]["geometry"]["coordinates"] == [12.4841, 41.8626]
    # an event at its host space is in the host's popup (a venue of its own only elsewhere)
    popup = client.get("/api/v1/map/spaces/millepiani/summary").get_json()
    assert [e["title"] for e in popup["next_events"]][:1] == ["Colazione dei coworker"]
    # the operator changes it, the next poll carries the change
    item = session.scalar(select(HostedItem))
    client.post(f"/spaces/millepiani/edit/items/{item.id}", data={"csrf_token": token, **EVENT,
                                                                  "title": "Colazione del mercoledì"})
    poll(app, space)
    titles = {e["title"] for e in client.get(f"/api/v1/events?space=millepiani&from={start}").get_json()["items"]}
    assert titles == {"Colazione del mercoledì"}
    # and removes it: the operator's own decision is applied at once, not held
    client.post(f"/spaces/millepiani/edit/items/{item.id}/delete", data={"csrf_token": token})
    poll(app, space)
    session.expire_all()
    assert session.scalar(select(Event.id).where(Event.space_id == space.id)) is None


def test_script_in_a_title_stays_text(operator, session):
    client, token = operator
    add(client, token, "millepiani", "skill", {"skill": "<script>alert(1)</script>"})
    page = client.get("/spaces/millepiani/edit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_operator_duplicates_an_event_and_changes_its_date(operator, coordinator, session):
    client, token = operator
    add(client, token, "millepiani", "event", EVENT)
    original = session.scalar(select(HostedItem))
    editor = client.get("/spaces/millepiani/edit", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert f'/spaces/millepiani/edit/items/{original.id}/copy' in editor and ">Duplica</a>" in editor
    form = client.get(f"/spaces/millepiani/edit/items/{original.id}/copy", headers={"Accept-Language": "it"})
    page = form.get_data(as_text=True)
    assert 'value="Colazione dei coworker"' in page and "copia di un evento" in page
    later = (NEXT_MONDAY + dt.timedelta(days=28)).isoformat()
    saved = client.post(f"/spaces/millepiani/edit/items/{original.id}/copy",
                        data={"csrf_token": token, **EVENT, "date": later, "repeat": ""})
    assert saved.status_code == 302
    session.expire_all()
    items = session.scalars(select(HostedItem).order_by(HostedItem.id)).all()
    assert [i.item["title"] for i in items] == ["Colazione dei coworker"] * 2
    assert items[0].core["start"].startswith(NEXT_MONDAY.isoformat()) and items[0].core["rrule"]  # untouched
    assert items[1].core["start"].startswith(later) and not items[1].core.get("rrule")
    assert items[0].item["id"] != items[1].item["id"]
    # Another space's event cannot be copied through one's own space.
    coord, coord_token = coordinator
    add(coord, coord_token, "lab121", "event", EVENT)
    theirs = session.scalar(select(HostedItem).where(HostedItem.id.not_in([i.id for i in items])))
    assert client.get(f"/spaces/millepiani/edit/items/{theirs.id}/copy").status_code == 404
    assert client.get(f"/spaces/lab121/edit/items/{theirs.id}/copy").status_code == 403
