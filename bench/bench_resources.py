"""Resources benchmark: finding what is free over a large network, and accepting one slot
under concurrency.

1. 5,000 resources in 500 spaces with 200,000 busy spans between them (received through
   the resources' handler as a poll hands them over), then the availability search: the API
   and the page, by window alone and with kind, city and size.
2. 20 requests for one slot accepted at the same moment, each in its own thread and
   session: exactly one must win (the exclusion constraint, or SQLite's trigger).

    python bench/bench_resources.py [--resources 5000] [--busy 200000] [--runs 20] [--database URI]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, spaces_with_feeds, timed  # noqa: E402  (bench/, the script's own folder)

CITIES = ("Roma", "Milano", "Torino", "Bari", "Alessandria", "Bologna", "Napoli", "Firenze")
KINDS = ("meeting_room", "event_room", "desk", "equipment", "vehicle")


def populate(session, n_resources: int, n_busy: int, start: dt.datetime) -> dict:
    from corete.core.handover import Item
    from corete.resources.itemtype import ResourceData
    from corete.resources.services import handler

    rng = random.Random(7)
    n_spaces = max(1, n_resources // 10)
    feeds = spaces_with_feeds(session, [
        {"slug": f"spazio-{n}", "name": f"Spazio {n}", "city": CITIES[n % len(CITIES)],
         "opening_hours": "Mo-Fr 08:00-20:00" if n % 3 else None} for n in range(n_spaces)])
    space_ids = list(feeds)
    per_resource = n_busy // n_resources
    t0 = time.perf_counter()
    for i, sid in enumerate(space_ids):
        items = []
        for j in range(n_resources // n_spaces):
            busy = []
            for k in range(per_resource):  # one or two hours, most weekdays, over the next months
                day = start + dt.timedelta(days=k * 90 // per_resource, hours=rng.randrange(8, 18))
                busy.append((day, day + dt.timedelta(hours=rng.choice((1, 2)))))
            items.append(Item(f"r{j}", "resource", ResourceData(
                name=f"Risorsa {i}-{j}", kind=KINDS[(i + j) % len(KINDS)], capacity=rng.choice((1, 4, 8, 12, 30, 80)),
                price={"per": "hour", "member": "10", "public": "20", "currency": "EUR"},
                opening_hours="Mo-Sa 08:00-22:00" if j % 2 else None,
                hours=[[(480, 1320)]] * 6 + [[]] if j % 2 else None, busy=sorted(busy))))
        handler.add(session, feeds[sid], sid, items)
    session.commit()
    seconds = time.perf_counter() - t0
    return {"spaces": n_spaces, "resources": n_resources, "busy": per_resource * n_resources,
            "ingest_seconds": round(seconds, 2)}


def concurrent_accepts(app, n: int, when: dt.datetime) -> dict:
    """``n`` requests for one slot, accepted by ``n`` threads at once: how many won."""
    from sqlalchemy import select

    from corete.extensions import db
    from corete.resources import services
    from corete.resources.models import Booking, Resource
    from corete.spaces.models import Space

    with app.app_context():
        resource = db.session.scalar(select(Resource).order_by(Resource.id))
        resource.hours, resource.opening_hours = None, None
        home = db.session.scalar(select(Space).order_by(Space.id.desc()))
        db.session.execute(services.delete(services.Busy).where(services.Busy.resource_id == resource.id))
        ids = [services.request_booking(db.session, resource, start=when + dt.timedelta(minutes=k),
                                        end=when + dt.timedelta(hours=1, minutes=k), person_name=f"P{k}",
                                        home_space=home)[0].id for k in range(n)]
        db.session.commit()
    barrier, outcomes, times = threading.Barrier(n), [], []

    def accept(booking_id):
        with app.app_context():
            try:
                booking = db.session.get(Booking, booking_id)
                db.session.commit()
                barrier.wait(timeout=30)
                t0 = time.perf_counter()
                services.accept(db.session, booking, None)
                db.session.commit()
                outcomes.append("accepted")
            except services.Conflict:
                outcomes.append("conflict")
            finally:
                times.append((time.perf_counter() - t0) * 1000)
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        accepted = len(db.session.scalars(select(Booking.id).where(Booking.state == "accepted")).all())
    return {"requests": n, "accepted": outcomes.count("accepted"), "conflicts": outcomes.count("conflict"),
            "accepted_in_database": accepted, "slowest_ms": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=5_000)
    parser.add_argument("--busy", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from corete import create_app
    from corete.extensions import db

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/resources.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri})
    results: dict = {"database": uri.split(":")[0]}
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    start = dt.datetime.combine(monday, dt.time(), dt.timezone.utc)
    with app.app_context():
        if uri.startswith("postgresql"):
            from sqlalchemy import text

            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        results["network"] = n = populate(db.session, args.resources, args.busy, start)
        print(f"{n['resources']} resources in {n['spaces']} spaces, {n['busy']} busy spans, "
              f"received through the handler in {n['ingest_seconds']} s")
        client = app.test_client()
        window = (start + dt.timedelta(days=15, hours=10), start + dt.timedelta(days=15, hours=12))
        span = f"from={window[0].isoformat().replace('+', '%2B')}&to={window[1].isoformat().replace('+', '%2B')}"
        day = (monday + dt.timedelta(days=15)).isoformat()
        cases = {
            "api_free_window": f"/api/v1/resources?{span}",
            "api_free_window_kind_city_size": f"/api/v1/resources?{span}&kind=meeting_room&city=Roma&capacity=8",
            "api_all_no_window": "/api/v1/resources",
            "page_free_window": f"/resources?date={day}&start_time=11:00&end_time=13:00",
            "page_free_window_kind_city": f"/resources?date={day}&start_time=11:00&end_time=13:00&kind=desk&city=Milano",
        }
        for name, url in cases.items():
            results[name], response = timed(client, url, args.runs)
            total = response.get_json()["total"] if url.startswith("/api") else None
            if total is not None:
                results[name]["total"] = total
            print(f"{name:<34} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms"
                  + (f"   {total} free" if total is not None else ""))
    results["concurrent_accepts"] = c = concurrent_accepts(app, args.concurrency, start + dt.timedelta(days=200, hours=10))
    print(f"{c['requests']} accepts of one slot at once: {c['accepted']} accepted, {c['conflicts']} refused "
          f"({c['accepted_in_database']} accepted in the database); slowest {c['slowest_ms']} ms")
    print("saved", save("resources", {"when": dt.datetime.now().isoformat(), **results}))


if __name__ == "__main__":
    main()
