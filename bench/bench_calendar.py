"""Calendar benchmark: 100,000 events (10% recurring) across 1,000 spaces.

Measures, through the app (Flask's test client: the time the hub spends, without a
network in between), the median and 90th percentile of:
- the month view of the calendar page (unfiltered and by city), the week view,
- the events API for a month (unfiltered and by city),
- the filtered iCalendar export of three months.

The events are written straight into the database (a read benchmark; the poller has
its own, bench_poll.py). Run with `make bench` or:

    python bench/bench_calendar.py [--events 100000] [--spaces 1000] [--database URI]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, timed  # noqa: E402  (bench/, the script's own folder)

ROME = ZoneInfo("Europe/Rome")
UTC = dt.timezone.utc
CITIES = ["Roma", "Milano", "Torino", "Bologna", "Firenze", "Napoli", "Bari", "Alessandria", "Genova", "Padova",
          "Verona", "Trieste", "Palermo", "Catania", "Cagliari", "Perugia", "Ancona", "Pescara", "Trento", "Lecce"]
WORDS = "corso laboratorio incontro barcamp hackathon aperitivo cena mercato talk workshop stampa design".split()


def populate(session, n_events: int, n_spaces: int, today: dt.date) -> None:
    from sqlalchemy import insert

    from corete.core.handover import EventData
    from corete.events.models import Event
    from corete.events.services import event_columns
    from corete.federation.models import Feed
    from corete.spaces.models import Space

    rng = random.Random(11)
    now = dt.datetime.now(UTC)
    session.execute(insert(Space.__table__), [
        {"slug": f"spazio-{n}", "name": f"Spazio {n}", "kind": "coworking", "city": CITIES[n % len(CITIES)],
         "country": "IT", "tags": [], "accredited": False, "active": True, "locked_fields": [],
         "created_at": now, "updated_at": now} for n in range(n_spaces)])
    session.execute(insert(Feed.__table__), [
        {"space_id": n + 1, "url": f"https://spazio-{n}.example/feed.json", "state": "active", "next_poll_at": now,
         "consecutive_failures": 0, "redirect_confirmations": 0, "url_history": [], "created_at": now}
        for n in range(n_spaces)])
    rows = []
    for i in range(n_events):
        space = i % n_spaces + 1
        start = dt.datetime.combine(today, dt.time(9), tzinfo=ROME) + dt.timedelta(
            days=rng.randint(-180, 180), hours=rng.randint(0, 12), minutes=rng.choice((0, 30)))
        series = i % 10 == 0
        rrule = f"FREQ=WEEKLY;COUNT={rng.randint(4, 30)}" if series and i % 20 else ("FREQ=WEEKLY" if series else None)
        data = EventData(title=f"{rng.choice(WORDS).capitalize()} {i}", start=start,
                         end=start + dt.timedelta(hours=2), all_day=False, timezone="Europe/Rome",
                         uid=f"e{i}@spazio-{space - 1}.example", rrule=rrule,
                         tags=[rng.choice(WORDS)], description_html=f"<p>Evento numero {i}</p>")
        values = event_columns(data)
        values.update(feed_id=space, space_id=space, source_id=data.uid, first_seen_at=now, updated_at=now)
        rows.append(values)
        if len(rows) == 5000:
            session.execute(insert(Event.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(Event.__table__), rows)
    session.commit()


def materialise(session) -> int:
    """What ingestion does for each feed, for all events at once: occurrence rows and groups."""
    from corete.events.materialise import extend

    return extend(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--spaces", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from corete import create_app
    from corete.extensions import db

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/calendar.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri})
    today = dt.date.today()
    month = today.replace(day=1)
    three_months = f"from={month.isoformat()}&to={(month + dt.timedelta(days=92)).isoformat()}"
    results: dict = {"events": args.events, "recurring": args.events // 10, "spaces": args.spaces,
                     "database": uri.split(":")[0], "runs": args.runs}
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        populate(db.session, args.events, args.spaces, today)
        print(f"{args.events} events in {args.spaces} spaces written in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        materialise(db.session)
        from sqlalchemy import func, select

        from corete.events.models import OccurrenceRow
        results["occurrence_rows"] = db.session.scalar(select(func.count()).select_from(OccurrenceRow))
        results["materialise_s"] = round(time.perf_counter() - t0, 1)
        print(f"{results['occurrence_rows']} occurrence rows written and grouped in {results['materialise_s']} s")
        client = app.test_client()
        cases = {
            "month_view": f"/calendar?view=month&date={today.isoformat()}",
            "month_view_city": f"/calendar?view=month&date={today.isoformat()}&city=Torino",
            "week_view": f"/calendar?view=week&date={today.isoformat()}",
            "api_month": f"/api/v1/events?from={month.isoformat()}&to={(month + dt.timedelta(days=31)).isoformat()}",
            "api_month_city": f"/api/v1/events?city=Torino&from={month.isoformat()}&to={(month + dt.timedelta(days=31)).isoformat()}",
            "ics_3_months_city": f"/calendar.ics?city=Torino&{three_months}",
        }
        for name, url in cases.items():
            results[name] = timed(client, url, args.runs)[0]
            print(f"{name:<20} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms   "
                  f"{results[name]['bytes']:>9} bytes   {url}")
    save("calendar", results)


if __name__ == "__main__":
    main()
