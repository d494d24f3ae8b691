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
    return feeds.item("event", id, title, start, start + dt.timedelta(hours=2), **kw)


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


def test_regrouping_what_a_poll_reaches_equals_regrouping_every_row(app, session, httpserver):
    """A poll regroups only the rows its events can reach through shared keys and groups;
    regrouping every row at every instant afterwards must change nothing, through adds,
    edits that break a group and join another, a bridge by url and one by uid, and a feed
    that may not hold two copies of one event."""
    import random

    from sqlalchemy import select

    from corete.events.merging import regroup
    from corete.events.models import OccurrenceRow

    rng = random.Random(4)
    # Sparse enough that most rows are grouped with few others: regrouping a poll then
    # reads a small part of each instant, and what it leaves out must not matter.
    titles = ["Barcamp", "Open day", "Aperitivo", "Hackathon", "Cena", "Corso", "Mercato", "Jam"]
    urls = [None] * 6 + ["https://example.org/a", "https://example.org/b"]
    times = [START + dt.timedelta(hours=h) for h in range(0, 48, 12)]

    def items(n, version):
        # Stable ids (so later versions are edits, not removals); two ids shared by every
        # feed as global uids; titles, addresses and times drawn anew in each version.
        out = []
        for i in range(6):
            r = random.Random(n * 100 + i * 10 + version)
            uid = f"shared-event-{i}@corete.example" if i < 2 else f"f{n}-{i}"
            out.append(ev(uid, r.choice(titles), r.choice(times), url=r.choice(urls)))
        return out

    paths = {}
    for version in range(3):
        httpserver.clear_all_handlers()
        for n in range(6):
            path = f"/f{n}.json"
            httpserver.expect_request(path).respond_with_data(
                feeds.jsonfeed({"name": f"S{n}"}, items(n, version), feed_url="http://x" + path),
                content_type="application/feed+json")
            if version == 0:
                paths[n] = make_space(session, httpserver.url_for(path), name=f"Spazio {n}")
        for n in rng.sample(range(6), 6):  # in a different order each time
            poll(app, paths[n])  # after each poll, the full regrouping finds nothing to change
            before = dict(session.execute(select(OccurrenceRow.id, OccurrenceRow.group_id)).all())
            grouped = sum(1 for rid, gid in before.items() if gid != rid)
            regroup(session, set(session.scalars(select(OccurrenceRow.start_at))))
            session.flush()
            after = dict(session.execute(select(OccurrenceRow.id, OccurrenceRow.group_id)).all())
            assert after == before, f"version {version}, space {n}: {grouped} rows grouped with another"
            session.rollback()
    assert grouped > 3  # the scenario does merge copies


def test_an_edit_that_removes_a_bridge_splits_the_copies_it_joined(app, client, session, httpserver):
    """L and M were one event only through S (the same title as L, the same address as M):
    when S changes both, L and M are two events again, though neither was polled."""
    publish(app, session, httpserver, "Primo", [ev("l", "Barcamp")])
    bridge = publish(app, session, httpserver, "Ponte", [ev("s", "Barcamp", url="https://example.org/s")],
                     path="/ponte.json")
    publish(app, session, httpserver, "Terzo", [ev("m", "Festa", url="https://example.org/s")])
    assert len(events(client)) == 1
    httpserver.clear_all_handlers()
    httpserver.expect_request("/ponte.json").respond_with_data(
        feeds.jsonfeed({"name": "Ponte"}, [ev("s", "Altro")], feed_url="http://x/ponte.json"),
        content_type="application/feed+json")
    poll(app, bridge)
    assert sorted(e["title"] for e in events(client)) == ["Altro", "Barcamp", "Festa"]
