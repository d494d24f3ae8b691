"""The occurrence rows written at ingestion answer exactly what expanding the series on
every request answered, stay right as feeds change, and give way to expansion past
their horizon."""
from __future__ import annotations

import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from corete.core.handover import EventData, Item, occurrence_key
from corete.events.materialise import extend
from corete.events.merging import merge_duplicates
from corete.events.models import Event, OccurrenceRow
from corete.events.services import (
    calendar_days,
    expanded,
    handler,
    local_midnight,
    materialised_until,
    servable,
    window_page,
)
from tests.conftest import make_space

ROME = ZoneInfo("Europe/Rome")
UTC = dt.timezone.utc
TODAY = dt.datetime.now(ROME).date()


def item(source_id: str, **fields) -> Item:
    fields.setdefault("uid", source_id)
    fields.setdefault("all_day", False)
    fields.setdefault("timezone", "Europe/Rome")
    fields.setdefault("end", None)
    return Item(source_id=source_id, type="event", data=EventData(**fields))


def at(days: int, hour: int = 18, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=ROME)


def random_network(session, rng: random.Random):
    """Three spaces in two cities, with every shape of event the feeds can carry:
    timed, open-ended, all-day, multi-day, weekly and daily series (finite and not),
    EXDATEs, RDATEs, overrides, tags, and copies of one event published by two spaces."""
    spaces = [make_space(session, f"http://feeds.test/{n}.json", name=f"Spazio {n}", city=city)
              for n, city in enumerate(("Roma", "Roma", "Torino"))]
    shared = []
    for s_index, space in enumerate(spaces):
        items = []
        for n in range(40):
            kind = rng.choice(["timed", "timed", "open", "allday", "multiday", "weekly", "daily", "copy"])
            start = at(rng.randint(-20, 40), rng.randint(8, 22), rng.choice((0, 30)))
            sid = f"s{s_index}-{n}"
            tags = [rng.choice(["musica", "Maker", "corso"])]
            if kind == "timed":
                items.append(item(sid, title=f"Evento {sid}", start=start, end=start + dt.timedelta(hours=2), tags=tags))
            elif kind == "open":
                items.append(item(sid, title=f"Aperto {sid}", start=start, tags=tags))
            elif kind == "allday":
                day = start.date()
                items.append(item(sid, title=f"Giornata {sid}", start=day, end=day + dt.timedelta(days=1),
                                  all_day=True, timezone=None, tags=tags))
            elif kind == "multiday":
                items.append(item(sid, title=f"Mostra {sid}", start=start,
                                  end=start + dt.timedelta(days=rng.randint(1, 9)), tags=tags))
            elif kind == "weekly":
                rule = rng.choice(["FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=6"])
                exdate = occurrence_key(start + dt.timedelta(weeks=2))
                rdate = occurrence_key(start + dt.timedelta(days=3))
                items.append(item(sid, title=f"Settimanale {sid}", start=start, end=start + dt.timedelta(hours=1),
                                  rrule=rule, exdates=[exdate], rdates=[rdate], tags=tags))
                moved = start + dt.timedelta(weeks=1)
                items.append(item(sid + "-o", uid=sid, title=f"Settimanale {sid} (spostato)",
                                  start=moved + dt.timedelta(hours=3), end=moved + dt.timedelta(hours=4),
                                  recurrence_id=occurrence_key(moved)))
            elif kind == "daily":
                items.append(item(sid, title=f"Quotidiano {sid}", start=start.date(), all_day=True, timezone=None,
                                  end=start.date() + dt.timedelta(days=1), rrule="FREQ=DAILY;INTERVAL=3;COUNT=10"))
            elif shared and s_index:
                title, when = rng.choice(shared)
                items.append(item(sid, title=title.upper(), start=when, end=when + dt.timedelta(hours=2)))
            else:
                shared.append((f"Barcamp {sid}", start))
                items.append(item(sid, title=f"Barcamp {sid}", start=start, end=start + dt.timedelta(hours=2)))
        feed = space.feeds[0]
        handler.add(session, feed.id, space.id, items)
    session.commit()
    return spaces


def _as_sets(found):
    return sorted(sorted((m.event.id, m.occurrence.key) for m in o.members) for o in found)


def _instant(o) -> dt.datetime:
    start = o.occurrence.start
    return start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time(), tzinfo=UTC)


def _expanding(session, start, end, **filters):
    return merge_duplicates(expanded(start, end, session=session, **filters), session=session)


def test_sql_answers_what_expanding_every_series_answers(app, session):
    random_network(session, random.Random(7))
    assert session.scalar(select(OccurrenceRow.id).where(OccurrenceRow.group_id.is_(None))) is None
    merged_somewhere = False
    for days, length in [(-25, 10), (-3, 1), (0, 31), (5, 3), (12, 45)]:
        start = local_midnight(TODAY + dt.timedelta(days=days)) + dt.timedelta(hours=13)
        end = start + dt.timedelta(days=length)
        for filters in ({}, {"city": "Torino"}, {"space": "spazio-1"}, {"tag": "maker"}, {"q": "settimanale"}):
            total, page = window_page(start, end, session=session, **filters)
            expected = _expanding(session, start, end, **filters)
            assert total == len(expected) == len(page), (days, filters)
            assert _as_sets(page) == _as_sets(expected), (days, filters)
            assert [_instant(o) for o in page] == sorted(_instant(o) for o in page)
            merged_somewhere |= any(o.others for o in page)
            # A page is a slice of the same order.
            _, second = window_page(start, end, session=session, offset=3, limit=4, **filters)
            assert _as_sets(second) == _as_sets(page[3:7])
    assert merged_somewhere  # the copies were met, not only the singles


def test_calendar_days_count_and_pick_what_expanding_does(app, session):
    random_network(session, random.Random(11))
    first, last = TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=31)
    for filters in ({}, {"city": "Roma"}, {"tag": "corso"}):
        everything = calendar_days(first, last, session=session, **filters)
        capped = calendar_days(first, last, session=session, per_day=2, **filters)
        found = _expanding(session, local_midnight(first), local_midnight(last + dt.timedelta(days=1)), **filters)
        for day, cell in everything.items():
            on_day = [o for o in found if _shown_on(o, day)]
            assert cell.total == len(on_day), (day, filters)
            assert _as_sets(cell.items) == _as_sets(on_day)
            assert capped[day].total == cell.total
            assert _as_sets(capped[day].items) == _as_sets(cell.items[:2])
            assert capped[day].hidden == max(0, cell.total - 2)


def _shown_on(o, day: dt.date) -> bool:
    start, end = o.occurrence.start, o.occurrence.end
    if o.event.all_day:
        return start <= day < (end or start + dt.timedelta(days=1))
    first = start.astimezone(ROME).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(ROME).date() if end and end > start else first
    return first <= day <= last


def _keys(session, event_id):
    return {k for (k,) in session.execute(select(OccurrenceRow.key).where(OccurrenceRow.event_id == event_id))}


def test_overrides_and_removals_reach_the_series_rows(app, session):
    space = make_space(session, "http://feeds.test/a.json")
    feed = space.feeds[0]
    start = at(1)
    series = item("corso", title="Corso", start=start, end=start + dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=4")
    handler.add(session, feed.id, space.id, [series])
    master = session.scalar(select(Event).where(Event.source_id == "corso"))
    second = occurrence_key(start + dt.timedelta(weeks=1))
    assert second in _keys(session, master.id) and len(_keys(session, master.id)) == 4
    override = item("corso-2", uid="corso", title="Corso (in aula 2)", start=start + dt.timedelta(weeks=1, hours=2),
                    recurrence_id=second)
    handler.add(session, feed.id, space.id, [override])
    assert second not in _keys(session, master.id)  # the override stands in for it
    handler.remove(session, feed.id, ["corso-2"])
    assert second in _keys(session, master.id)  # and the series has it back
    moved = item("corso", title="Corso", start=start + dt.timedelta(hours=1), end=start + dt.timedelta(hours=2),
                 rrule="FREQ=WEEKLY;COUNT=2")
    handler.replace(session, feed.id, space.id, [moved])
    assert _keys(session, master.id) == {occurrence_key(start + dt.timedelta(hours=1, weeks=w)) for w in (0, 1)}
    handler.remove(session, feed.id, ["corso"])
    assert session.scalar(select(OccurrenceRow.id)) is None


def test_rdates_before_the_first_occurrence_are_shown(app, session):
    space = make_space(session, "http://feeds.test/a.json")
    start = at(20)
    early = at(2)
    handler.add(session, space.feeds[0].id, space.id, [item("open-day", title="Open day", start=start,
                                                            end=start + dt.timedelta(hours=2),
                                                            rdates=[occurrence_key(early)])])
    _, found = window_page(at(0), at(10), session=session)
    assert [o.occurrence.start for o in found] == [early.astimezone(UTC)]


def test_series_past_the_horizon_are_expanded_and_the_horizon_moves(app, session):
    app.config["EVENTS_HORIZON_DAYS"] = 30
    space = make_space(session, "http://feeds.test/a.json")
    start = at(0, 19)
    handler.add(session, space.feeds[0].id, space.id, [
        item("jam", title="Jam session", start=start, end=start + dt.timedelta(hours=3), rrule="FREQ=WEEKLY")])
    session.commit()
    until = materialised_until(session)
    assert until == dt.datetime.combine(dt.datetime.now(UTC).date() + dt.timedelta(days=30), dt.time(), tzinfo=UTC)
    far = at(60, 0)
    assert not servable(session, far + dt.timedelta(days=14))
    total, found = window_page(far, far + dt.timedelta(days=14), session=session)
    assert total == 2 and all(o.occurrence.start.astimezone(ROME).hour == 19 for o in found)
    later = dt.datetime.now(UTC) + dt.timedelta(days=60)
    assert extend(session, now=later) == 1  # the daily job writes the next weeks
    assert servable(session, far + dt.timedelta(days=14))
    total_sql, found_sql = window_page(far, far + dt.timedelta(days=14), session=session)
    assert _as_sets(found_sql) == _as_sets(found) and total_sql == 2


def test_crowded_days_link_to_a_day_view_with_everything(app, client, session):
    space = make_space(session, "http://feeds.test/a.json")
    handler.add(session, space.feeds[0].id, space.id, [
        item(f"e{n}", title=f"Incontro {n:02d}", start=at(2, 9 + n), end=at(2, 10 + n)) for n in range(8)])
    session.commit()
    day = (TODAY + dt.timedelta(days=2)).isoformat()
    month = client.get(f"/calendar?view=month&date={day}").get_data(as_text=True)
    assert month.count("Incontro ") == 5 and re.search(r'class="more"[^>]*>[^<]*3', month)
    link = re.search(r'href="([^"]*view=day[^"]*)"', month).group(1).replace("&amp;", "&")
    assert f"date={day}" in link
    whole = client.get(link).get_data(as_text=True)
    assert [int(n) for n in re.findall(r"Incontro (\d\d)", whole)] == list(range(8))



def test_a_series_page_without_a_key_shows_the_next_occurrence(app, client, session):
    space = make_space(session, "http://feeds.test/a.json")
    first = (dt.datetime.now(ROME) - dt.timedelta(days=14, hours=3)).replace(second=0, microsecond=0)
    handler.add(session, space.feeds[0].id, space.id, [
        item("yoga", title="Yoga", start=first, end=first + dt.timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=5"),
        item("old", title="Finito", start=first - dt.timedelta(days=30), end=first - dt.timedelta(days=30, hours=-1),
             rrule="FREQ=DAILY;COUNT=2")])
    session.commit()
    yoga, old = (session.scalar(select(Event.id).where(Event.source_id == s)) for s in ("yoga", "old"))
    page = client.get(f"/events/{yoga}").get_data(as_text=True)
    assert (first + dt.timedelta(weeks=3)).isoformat() in page  # not the first, long gone
    page = client.get(f"/events/{old}").get_data(as_text=True)
    assert (first - dt.timedelta(days=29)).isoformat() in page  # an ended series: its last


def test_an_orphan_override_stops_merging_when_its_series_arrives(app, session):
    space = make_space(session, "http://feeds.test/a.json")
    feed = space.feeds[0]
    day = TODAY + dt.timedelta(days=3)
    birthday = dict(start=day, end=day + dt.timedelta(days=1), all_day=True, timezone=None)
    handler.add(session, feed.id, space.id, [
        item("2026_BDAY@google.com", title="Compleanno di Anna", rrule="FREQ=YEARLY;COUNT=2", **birthday),
        item("BDAY-2026", uid="BDAY@google.com", title="Compleanno di Anna", recurrence_id=occurrence_key(day),
             **birthday)])
    window = (local_midnight(day), local_midnight(day + dt.timedelta(days=1)))
    assert window_page(*window, session=session)[0] == 1  # the orphan is merged with the series' date
    handler.add(session, feed.id, space.id, [
        item("BDAY", uid="BDAY@google.com", title="Compleanno di Anna", rrule="FREQ=YEARLY;COUNT=3",
             **{**birthday, "start": day - dt.timedelta(days=365), "end": day - dt.timedelta(days=364)})])
    # Now the override belongs to a series of its own: two series, shown apart.
    assert window_page(*window, session=session)[0] == 2
    assert window_page(*window, session=session)[0] == len(_expanding(session, *window))
