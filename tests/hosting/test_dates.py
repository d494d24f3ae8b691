"""Cancelling one date of a recurring event: the operator presses one button, the hosted feed
publishes that date as a cancelled occurrence of the series (JSON Feed ``series`` and
``recurrence_id``, as iCalendar's RECURRENCE-ID), and the network's calendar, the API and
every iCalendar subscription show that date cancelled and the others as they were."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import select

from corete.federation.parse import parse_feed
from corete.hosting.models import HostedItem
from tests.conftest import login, poll
from tests.hosting.test_editor import EVENT, NEXT_MONDAY, add, hosted_space


def _statuses(client):
    start = dt.datetime.combine(NEXT_MONDAY, dt.time(0, 0)).isoformat() + "Z"
    return [(e["start"][:10], e["status"]) for e in
            client.get(f"/api/v1/events?space=millepiani&from={start}").get_json()["items"]]


def test_an_operator_cancels_one_date_and_subscribers_see_it_cancelled(app, session, live_server, tmp_path):
    space = hosted_space(session, "Millepiani", live_server, city="Roma")
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    assert add(client, token, "millepiani", "event", EVENT).status_code == 302  # weekly, 3 times
    item = session.scalar(select(HostedItem))
    page = client.get(f"/spaces/millepiani/edit/items/{item.id}", headers={"Accept-Language": "it"}).get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]  # in the page people see, not its <title>
    keys = re.findall(r'type="hidden" name="date" value="([^"]+)"', main)
    assert len(keys) == 3 and "Annulla questa data" in page
    second = (NEXT_MONDAY + dt.timedelta(days=7)).isoformat()

    done = client.post(f"/spaces/millepiani/edit/items/{item.id}/dates",
                       data={"csrf_token": token, "date": keys[1], "action": "cancel"})
    assert done.status_code == 302
    feed = requests.get(space.feeds[0].url, timeout=5).json()
    override = next(i for i in feed["items"] if i["id"] == f"{item.uid}#{keys[1]}")
    assert override["_corete"]["status"] == "cancelled" and override["_corete"]["series"] == item.uid
    assert override["_corete"]["recurrence_id"].startswith(f"{second}T09:00:00+0")
    assert "_cancelled" not in json.dumps(feed)  # the editor's own record is never published
    assert [i.type for i in parse_feed(json.dumps(feed).encode(), "application/feed+json").items] == ["event"] * 2

    poll(app, space)
    first = NEXT_MONDAY.isoformat()
    third = (NEXT_MONDAY + dt.timedelta(days=14)).isoformat()
    assert _statuses(client) == [(first, "confirmed"), (second, "cancelled"), (third, "confirmed")]
    ics = Calendar.from_ical(client.get("/spaces/millepiani/calendar.ics").data)
    cancelled = [c for c in ics.walk("VEVENT") if c.get("RECURRENCE-ID")]
    assert len(cancelled) == 1 and str(cancelled[0]["STATUS"]) == "CANCELLED"
    assert cancelled[0]["RECURRENCE-ID"].dt.date().isoformat() == second

    # Editing the series keeps the cancelled date; restoring it brings it back.
    client.post(f"/spaces/millepiani/edit/items/{item.id}", data={"csrf_token": token, **EVENT, "title": "Colazione"})
    session.expire_all()
    assert session.get(HostedItem, item.id).item["_cancelled"] == [keys[1]]
    client.post(f"/spaces/millepiani/edit/items/{item.id}/dates", data={"csrf_token": token, "date": keys[1],
                                                                       "action": "restore"})
    poll(app, space)
    assert _statuses(client) == [(first, "confirmed"), (second, "confirmed"), (third, "confirmed")]


def test_a_date_the_series_does_not_have_is_refused(app, session, live_server, tmp_path):
    hosted_space(session, "Millepiani", live_server)
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    add(client, token, "millepiani", "event", EVENT)
    item = session.scalar(select(HostedItem))
    for bad in ("20200101T080000Z", "not-a-date", ""):
        answer = client.post(f"/spaces/millepiani/edit/items/{item.id}/dates",
                             data={"csrf_token": token, "date": bad, "action": "cancel"}, headers={"Accept-Language": "it"})
        assert answer.status_code == 302
        assert "Questo evento non ha questa data." in client.get(answer.location).get_data(as_text=True)
    session.expire_all()
    assert "_cancelled" not in session.get(HostedItem, item.id).item


def _feed(core: dict) -> bytes:
    item = {"id": "x#1", "title": "Colazione", "_corete": {"type": "event", "start": "2026-12-09T09:00:00+01:00", **core}}
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [item]}).encode()


@pytest.mark.parametrize("core, where", [
    ({"series": "x"}, "/items/0/_corete/recurrence_id"),
    ({"recurrence_id": "2026-12-09T09:00:00+01:00"}, "/items/0/_corete/series"),
    ({"series": "x", "recurrence_id": "mercoledì"}, "/items/0/_corete/recurrence_id"),
    ({"series": "x", "recurrence_id": "2026-12-09T09:00:00+01:00", "rrule": "FREQ=WEEKLY"}, "/items/0/_corete/rrule"),
])
def test_a_changed_date_of_a_series_needs_both_fields_and_no_rule(core, where):
    doc = parse_feed(_feed(core), "application/feed+json")
    assert [r.where for r in doc.rejections] == [where]


def test_a_changed_date_names_its_series_and_occurrence():
    (item,) = parse_feed(_feed({"series": "x", "recurrence_id": "2026-12-09T09:00:00+01:00", "status": "cancelled"}),
                         "application/feed+json").items
    assert (item.source_id, item.data.uid, item.data.recurrence_id, item.data.status) == \
        ("x#1", "x", "20261209T080000Z", "cancelled")


def test_dates_and_times_are_typed_in_the_spaces_own_zone(app, session, live_server, tmp_path):
    space = hosted_space(session, "Casa Lisbona", live_server)
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@lisbona.example", "operator",
                          spaces=["casa-lisbona"])
    bad = client.post("/spaces/casa-lisbona/edit", data={"csrf_token": token, "name": "Casa Lisbona",
                                                          "timezone": "Marte/Olympus"}, headers={"Accept-Language": "it"})
    assert bad.status_code == 400 and "Non è un fuso orario" in bad.get_data(as_text=True)
    assert client.post("/spaces/casa-lisbona/edit", data={"csrf_token": token, "name": "Casa Lisbona",
                                                           "timezone": "Europe/Lisbon"}).status_code == 302
    session.expire_all()
    assert space.timezone == "Europe/Lisbon"
    form = client.get("/spaces/casa-lisbona/edit/event/new", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "(Europe/Lisbon)" in form
    assert add(client, token, "casa-lisbona", "event", EVENT).status_code == 302  # 09:00, weekly, 3 times
    core = session.scalar(select(HostedItem)).core
    assert core["timezone"] == "Europe/Lisbon" and core["start"] == f"{NEXT_MONDAY.isoformat()}T09:00:00+00:00"
    poll(app, space)
    start = dt.datetime.combine(NEXT_MONDAY, dt.time(0, 0)).isoformat() + "Z"
    first = client.get(f"/api/v1/events?space=casa-lisbona&from={start}").get_json()["items"][0]
    assert first["start"] == f"{NEXT_MONDAY.isoformat()}T09:00:00+00:00" and first["timezone"] == "Europe/Lisbon"
    editor = client.get("/spaces/casa-lisbona/edit", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "09:00" in editor and 'value="Europe/Lisbon"' in editor
