"""The same event from several sources appears once: conservative, explainable, splittable."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from corete.federation import writers as feeds
from corete.events.merging import normalised_title
from tests.conftest import login
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
START = dt.datetime.combine(dt.date.today() + dt.timedelta(days=5), dt.time(18), tzinfo=ROME)
WINDOW = f"from={(START - dt.timedelta(days=1)).date()}&to={(START + dt.timedelta(days=2)).date()}"


def ev(id, title, start=START, **kw):
    return feeds.event_item(id, title, start, start + dt.timedelta(hours=2), **kw)


def publish(app, session, httpserver, name, items, path=None):
    path = path or f"/{name.lower().replace(' ', '-')}.json"
    httpserver.expect_request(path).respond_with_data(
        feeds.jsonfeed({"name": name, "city": "Roma"}, items, feed_url="http://x" + path),
        content_type="application/feed+json")
    space = make_space(session, httpserver.url_for(path), name=name)
    poll(app, space)
    return space


def events(client):
    return client.get(f"/api/v1/events?{WINDOW}").get_json()["items"]


def test_cohosted_event_appears_once_with_both_hosts(app, client, session, httpserver):
    publish(app, session, httpserver, "Millepiani", [ev("a", "Barcamp della Garbatella")])
    publish(app, session, httpserver, "Lab121", [ev("b", "BARCAMP della garbatella!")])
    [item] = events(client)
    assert item["hosts"] == ["millepiani", "lab121"]  # the first seen leads
    assert item["merged_because"] == ["title"]
    assert [s["uid"] for s in item["sources"]] == ["a", "b"]
    page = client.get("/calendar").get_data(as_text=True)
    assert page.count("Barcamp della Garbatella") == 1 and "Lab121" in page
    assert len(Calendar.from_ical(client.get("/calendar.ics").data).walk("VEVENT")) == 1


def test_same_uid_in_a_spaces_json_feed_and_its_calendar(app, client, session, httpserver):
    uid = "barcamp-2026@millepiani.example"
    space = publish(app, session, httpserver, "Millepiani", [ev(uid, "Barcamp")])
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:" + uid.encode()
           + b"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Rome:" + START.strftime("%Y%m%dT%H%M%S").encode()
           + b"\r\nDURATION:PT2H\r\nSUMMARY:Barcamp Garbatella 2026\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    httpserver.expect_request("/cal.ics").respond_with_data(ics, content_type="text/calendar")
    from corete.spaces.services import add_feed

    add_feed(space, httpserver.url_for("/cal.ics"))
    session.commit()
    poll(app, space)
    [item] = events(client)
    assert item["merged_because"] == ["uid"] and item["hosts"] == ["millepiani"] and len(item["sources"]) == 2


def test_same_url_merges_despite_different_titles(app, client, session, httpserver):
    url = "https://comune.example/eventi/open-day"
    publish(app, session, httpserver, "Cowo Isola", [ev("x", "Open day", url=url)])
    publish(app, session, httpserver, "Cowo Navigli", [ev("y", "Giornata porte aperte", url=url + "/")])
    [item] = events(client)
    assert item["merged_because"] == ["url"]


@pytest.mark.parametrize("second", [
    ev("b", "Barcamp della Garbatella", start=START + dt.timedelta(hours=1)),  # another start
    ev("a", "Un altro evento"),  # a short, local id that only happens to be equal
])
def test_different_events_stay_apart(app, client, session, httpserver, second):
    publish(app, session, httpserver, "Millepiani", [ev("a", "Barcamp della Garbatella")])
    publish(app, session, httpserver, "Lab121", [second])
    assert len(events(client)) == 2


def test_one_feed_listing_two_alike_items_is_not_merged(app, client, session, httpserver):
    publish(app, session, httpserver, "Millepiani", [ev("a", "Turno aperto"), ev("b", "Turno aperto")])
    assert len(events(client)) == 2


def test_a_coordinator_splits_a_wrong_merge(app, runner, client, session, httpserver, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    publish(app, session, httpserver, "Millepiani", [ev("a", "Assemblea dei soci")])
    publish(app, session, httpserver, "Lab121", [ev("b", "Assemblea dei soci")])
    [item] = events(client)
    page = client.get(f"/events/{item['id']}").get_data(as_text=True)
    assert "Lab121" in page and "split" not in page  # visitors see the sources, not the button
    operator, token = login(app, runner, tmp_path, "op@corete.example", "operator")
    other = session.execute(db_select_event_id("b")).scalar()
    assert operator.post(f"/events/{item['id']}/split", data={"other": other, "csrf_token": token}).status_code == 403
    coordinator, token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    assert "/split" in coordinator.get(f"/events/{item['id']}").get_data(as_text=True)
    assert coordinator.post(f"/events/{item['id']}/split", data={"other": other}).status_code == 400  # no CSRF
    done = coordinator.post(f"/events/{item['id']}/split", data={"other": other, "csrf_token": token})
    assert done.status_code == 302
    assert len(events(client)) == 2


def db_select_event_id(uid):
    from sqlalchemy import select

    from corete.events.models import Event

    return select(Event.id).where(Event.uid == uid)


def test_a_split_is_not_undone_through_a_third_source(app, runner, session, httpserver, tmp_path):
    from corete.events.merging import split
    from corete.events.models import Event

    url = "https://x.example/e"
    publish(app, session, httpserver, "A", [ev("a", "Festa")])
    publish(app, session, httpserver, "B", [ev("b", "Festa", url=url)])
    publish(app, session, httpserver, "C", [ev("c", "Altra festa", url=url)])
    a, c = (session.scalar(db_select_event_id(u).with_only_columns(Event)) for u in ("a", "c"))
    split(session, a, c, by="coord@corete.example")
    session.commit()
    groups = [sorted(s["uid"] for s in item["sources"]) for item in events(app.test_client())]
    assert all(not {"a", "c"} <= set(g) for g in groups)


def test_title_normalisation():
    assert normalised_title("Caffè  & Co.") == normalised_title("CAFFE & co")
    assert normalised_title("Caffè") != normalised_title("Caffè lungo")


def test_newly_announced_lists_a_copy_once(app, client, session, httpserver):
    import feedparser

    publish(app, session, httpserver, "Millepiani", [ev("a", "Barcamp della Garbatella")])
    publish(app, session, httpserver, "Lab121", [ev("b", "Barcamp della Garbatella"), ev("c", "Cena sociale")])
    entries = feedparser.parse(client.get("/calendar/new.atom").data).entries
    assert sorted(e.title for e in entries) == ["Barcamp della Garbatella", "Cena sociale"]
    # Seen from Lab121 alone, its copy is its own news.
    alone = feedparser.parse(client.get("/calendar/new.atom?space=lab121").data).entries
    assert sorted(e.title for e in alone) == ["Barcamp della Garbatella", "Cena sociale"]
