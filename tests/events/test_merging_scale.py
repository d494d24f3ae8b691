"""Regrouping copies of an event looks only at candidates that share a key with the events
a poll changed, found by index: never by reading every occurrence that starts at the same
instant, which a large network fills with other feeds' events (issue 19, bench_scale.py)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from corete.events.models import Event, OccurrenceRow
from corete.extensions import db
from corete.federation import services as federation_services, writers as feeds
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
EVENINGS = [dt.datetime(2027, 3, 1 + d, 18, tzinfo=ROME) for d in range(5)]


def _feed(name: str, titles: list[str]) -> bytes:
    items = [feeds.item("event", f"{name}-{i}", title, start, start + dt.timedelta(hours=2))
             for i, (title, start) in enumerate(zip(titles, EVENINGS))]
    return feeds.jsonfeed({"name": name}, items, feed_url=f"http://x/{name}.json")


@pytest.fixture
def crowded(app, session, httpserver):
    """Feed "a" and 30 other feeds with events at the same five instants; "copy" publishes a
    copy of a's first event (same title, same start), and another event at the second."""
    titles = [f"Serata {i} di a" for i in range(5)]
    httpserver.expect_request("/a.json").respond_with_data(_feed("a", titles), content_type="application/feed+json")
    httpserver.expect_request("/copy.json").respond_with_data(_feed("copy", [titles[0], "Laboratorio comune"]),
                                                              content_type="application/feed+json")
    for k in range(30):
        httpserver.expect_request(f"/o{k}.json").respond_with_data(
            _feed(f"o{k}", [f"Altro {k}-{i}" for i in range(5)]), content_type="application/feed+json")
    spaces = [make_space(session, httpserver.url_for(f"/{n}.json"), name=n) for n in ["a", "copy"] + [f"o{k}" for k in range(30)]]
    poll(app)
    session.commit()
    return spaces[0]


def test_a_changed_event_regroups_by_index_not_by_instant(app, session, httpserver, crowded):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plans (EXPLAIN QUERY PLAN)")
    a_first = session.scalar(select(Event).where(Event.uid == "a-0"))
    copy = session.scalar(select(Event).where(Event.uid == "copy-0"))
    rows = {e: session.scalar(select(OccurrenceRow).where(OccurrenceRow.event_id == e.id)) for e in (a_first, copy)}
    assert rows[a_first].group_id == rows[copy].group_id  # merged, as before

    # a's second event takes the title of copy's event at the same instant: they merge
    httpserver.clear_all_handlers()
    changed = ["Serata 0 di a", "Laboratorio comune"] + [f"Serata {i} di a" for i in range(2, 5)]
    httpserver.expect_request("/a.json").respond_with_data(_feed("a", changed), content_type="application/feed+json")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "events_occurrence" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        poll(app, crowded)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    session.commit()
    assert statements
    plans = []
    for statement, parameters in statements:
        plans += [row[-1] for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                             parameters)]
    occurrence_plans = [p for p in plans if re.search(r"\bevents_occurrence\b", p)]
    # Every read of the occurrences goes by event or by group, never by instant alone
    assert occurrence_plans and not [p for p in occurrence_plans if p.startswith("SCAN")
                                     or re.search(r"\(start_at=\?\)$", p)], occurrence_plans
    session.expire_all()
    groups = {uid: session.scalar(select(OccurrenceRow.group_id).join(Event, Event.id == OccurrenceRow.event_id)
                                  .where(Event.uid == uid)) for uid in ("a-0", "copy-0", "a-1", "copy-1", "o0-1")}
    assert groups["a-0"] == groups["copy-0"] and groups["a-1"] == groups["copy-1"] != groups["o0-1"]


def test_a_poll_costs_as_many_statements_in_a_larger_network(app, session, httpserver, monkeypatch):
    """Changing one feed's event issues the same statements with 3 or with 30 other feeds
    holding events at the same instants: the poll reads other feeds' rows only through
    keys it shares with them (both databases; the plan test above is SQLite's)."""
    # One poll in ten, drawn at random, also trims the feed's poll history: one or two more
    # statements that have nothing to do with the network's size (CI once counted them).
    monkeypatch.setattr(federation_services, "HISTORY_TRIM_EVERY", float("inf"))
    served = {}

    def serve(name, titles):
        served[name] = _feed(name, titles)
        httpserver.clear_all_handlers()
        for each, body in served.items():
            httpserver.expect_request(f"/{each}.json").respond_with_data(body, content_type="application/feed+json")

    def statements_to_change(space, generation):
        serve("a", [f"Serata {i} di a, versione {generation}" if i == 0 else f"Serata {i} di a" for i in range(5)])
        seen = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            [summary] = poll(app, space)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        session.commit()
        assert summary.outcome == "applied" and summary.updated == 1
        return len(seen)

    serve("a", [f"Serata {i} di a" for i in range(5)])
    for k in range(30):
        serve(f"o{k}", [f"Altro {k}-{i}" for i in range(5)])
    a = make_space(session, httpserver.url_for("/a.json"), name="a")
    for k in range(3):
        make_space(session, httpserver.url_for(f"/o{k}.json"), name=f"o{k}")
    poll(app)
    session.commit()
    small = statements_to_change(a, 1)
    for k in range(3, 30):
        make_space(session, httpserver.url_for(f"/o{k}.json"), name=f"o{k}")
    poll(app)
    session.commit()
    assert statements_to_change(a, 2) == small
    assert session.scalar(select(db.func.count()).select_from(OccurrenceRow)) == 31 * 5
    # What regrouping a's events reads: a's own rows, none of the 150 others at its instants.
    from corete.events.merging import _component

    mine = set(session.scalars(select(Event.id).where(Event.feed_id == a.feeds[0].id)))
    instants = list(session.scalars(select(OccurrenceRow.start_at).where(OccurrenceRow.event_id.in_(mine))))
    read = _component(session, instants, mine, set())
    assert len(instants) == 5 and {row.id for row in read} == mine
