"""Map benchmark: 5,000 spaces and 20,000 event venues.

Measures
- the GeoJSON API through the app (Flask's test client: the hub's own time, no network):
  every point, one city, one bounding box; median and 90th percentile; cold (the
  document built for each request, MAP_CACHE_SECONDS=0) and, for every point, cached
  (the default: built once a minute per filter combination) and revalidating (expired,
  so answered from the cache while a background thread builds its successor); the list
  view, made from the kept document;
- the map page in headless Chromium (Debian's /usr/bin/chromium through Playwright),
  served by a real HTTP server on 127.0.0.1: from navigation to the moment every
  point is fetched, clustered and drawn (map.js sets data-map-ready). Each run opens a
  fresh browser context, so nothing is cached: a first visit.

Spaces sit at random municipalities of the ISTAT table (one in five gives only its city,
so its position is the approximate centroid); each event has its own venue near one.
Run with `make bench` or:

    python bench/bench_map.py [--spaces 5000] [--venues 20000] [--runs 20] [--database URI]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, summary, timed  # noqa: E402  (bench/, the script's own folder)

ROME = ZoneInfo("Europe/Rome")
UTC = dt.timezone.utc
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KINDS = ["coworking", "fablab", "coliving", "incubator", "other"]


def populate(session, n_spaces: int, n_venues: int) -> None:
    from sqlalchemy import insert

    from corete.core.handover import EventData
    from corete.events.models import Event
    from corete.events.services import event_columns
    from corete.federation.models import Feed
    from corete.map.places import MUNICIPALITIES_CSV
    from corete.spaces.models import Space

    with open(MUNICIPALITIES_CSV, encoding="utf-8") as f:
        places = [(r["name"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f) if "/" not in r["name"]]
    rng = random.Random(7)
    now = dt.datetime.now(UTC)
    spaces = []
    for n in range(n_spaces):
        city, lat, lon = rng.choice(places)
        exact = n % 5 != 0
        spaces.append({"slug": f"spazio-{n}", "name": f"Spazio {n}", "kind": KINDS[n % len(KINDS)], "city": city,
                       "lat": lat + rng.uniform(-0.01, 0.01) if exact else None,
                       "lon": lon + rng.uniform(-0.01, 0.01) if exact else None, "address": f"Via Roma {n}",
                       "country": "IT", "tags": ["digitale"] if n % 3 == 0 else [], "accredited": n % 7 == 0,
                       "active": True, "locked_fields": [], "created_at": now, "updated_at": now})
    session.execute(insert(Space.__table__), spaces)
    session.execute(insert(Feed.__table__), [
        {"space_id": n + 1, "url": f"https://spazio-{n}.example/feed.json", "state": "active", "next_poll_at": now,
         "consecutive_failures": 0, "redirect_confirmations": 0, "url_history": [], "created_at": now}
        for n in range(n_spaces)])
    rows = []
    for i in range(n_venues):
        space = i % n_spaces + 1
        city, lat, lon = rng.choice(places)
        start = dt.datetime.combine(dt.date.today(), dt.time(18), tzinfo=ROME) + dt.timedelta(days=rng.randint(1, 50))
        data = EventData(title=f"Evento {i}", start=start, end=start + dt.timedelta(hours=2), all_day=False,
                         timezone="Europe/Rome", uid=f"e{i}@spazio-{space - 1}.example", tags=["incontro"],
                         location={"name": f"Sala {i}", "city": city, "lat": lat + rng.uniform(-0.02, 0.02),
                                   "lon": lon + rng.uniform(-0.02, 0.02)})
        values = event_columns(data)
        values.update(feed_id=space, space_id=space, source_id=data.uid, first_seen_at=now, updated_at=now)
        rows.append(values)
        if len(rows) == 5000:
            session.execute(insert(Event.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(Event.__table__), rows)
    session.commit()
    from corete.events.materialise import extend

    extend(session)
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: without statistics PostgreSQL took
        # the 6,425 venues of a bounding box for one and nested-looped for 9 seconds.
        session.commit()
        with session.get_bind().connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def time_api(client, url: str, runs: int) -> dict:
    result, response = timed(client, url, runs)
    result["features"] = len(response.get_json()["features"])
    return result


def time_page(base: str, path: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    times, points, steps = [], None, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for run in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(base + path)
            page.wait_for_selector("html[data-map-ready='1']", state="attached", timeout=60_000)
            elapsed = (time.perf_counter() - t0) * 1000
            points = page.evaluate("document.documentElement.dataset.mapPoints")
            steps.append(page.evaluate("""() => {
                const at = name => (performance.getEntriesByName(name)[0] || {}).startTime;
                const features = performance.getEntriesByType("resource").find(e => e.name.includes("features.geojson"));
                return {page_loaded: performance.timing.loadEventEnd - performance.timing.navigationStart,
                        points_requested: features && features.startTime, points_received: features && features.responseEnd,
                        points_parsed: at("corete-points-parsed"), indexed: at("corete-indexed"),
                        drawn: at("corete-drawn")};
            }"""))
            context.close()
            if run:  # the first run warms the server and the browser's own start-up
                times.append(elapsed)
        browser.close()
    result = summary(times)
    result["points"] = int(points)
    # Where the time goes (ms since navigation, median of the runs): a guide for the next step.
    result["steps_ms"] = {k: round(statistics.median(s[k] for s in steps[1:] if s[k] is not None), 1)
                          for k in steps[0] if any(s[k] is not None for s in steps[1:])}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spaces", type=int, default=5_000)
    parser.add_argument("--venues", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--page-runs", type=int, default=10)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from corete import create_app
    from corete.extensions import db

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/map.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "MAP_TILES_URL": ""})  # localhost only
    results: dict = {"spaces": args.spaces, "venues": args.venues, "database": uri.split(":")[0], "runs": args.runs}
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        populate(db.session, args.spaces, args.venues)
        print(f"{args.spaces} spaces and {args.venues} events with venues written in {time.perf_counter() - t0:.1f} s")
        client = app.test_client()
        app.config["MAP_CACHE_SECONDS"] = 0  # every request builds its document: the cold figure
        cases = {
            "geojson_all": "/api/v1/map/features.geojson",
            "geojson_city": "/api/v1/map/features.geojson?city=Torino",
            "geojson_bbox": "/api/v1/map/features.geojson?bbox=7,44,10,46",
            "csv_all": "/api/v1/map/features.csv",
        }
        for name, url in cases.items():
            results[name] = (timed(client, url, args.runs)[0] if name.startswith("csv")
                             else time_api(client, url, args.runs))
            print(f"{name:<14} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms   "
                  f"{results[name]['bytes']:>9} bytes   {url}")
        app.config["MAP_CACHE_SECONDS"] = 60  # the default: built once a minute per filter combination
        results["geojson_all_cached"] = time_api(client, cases["geojson_all"], args.runs)
        print(f"{'geojson_all_cached':<14} median {results['geojson_all_cached']['median_ms']:>8} ms   "
              f"p90 {results['geojson_all_cached']['p90_ms']:>8} ms   (document kept from the first request)")
        # The list view with the map's document kept (the map page fetched it): read, not built.
        results["list_view_kept"] = timed(client, "/map?view=list", args.runs)[0]
        print(f"{'list_view_kept':<14} median {results['list_view_kept']['median_ms']:>8} ms   "
              f"p90 {results['list_view_kept']['p90_ms']:>8} ms   /map?view=list (from the kept GeoJSON)")
        # Expired at every request: each is answered the kept document while a background
        # thread builds the next one (one at a time), as after every minute in production.
        app.config["MAP_CACHE_SECONDS"] = 0.001
        app.extensions["corete_map_documents"].clear()  # what was kept for 60 s
        results["geojson_all_revalidating"] = time_api(client, cases["geojson_all"], args.runs)
        builds = [t for t in threading.enumerate() if t.name == "corete-document-build"]
        for t in builds:
            t.join()
        results["geojson_all_revalidating"]["background_builds_running_at_end"] = len(builds)
        print(f"{'geojson_all_revalidating':<14} median {results['geojson_all_revalidating']['median_ms']:>8} ms   "
              f"p90 {results['geojson_all_revalidating']['p90_ms']:>8} ms   (expired: answered while the next is built)")
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    for name, path, cache in (("page_map_cold", "/map", 0), ("page_map", "/map", 60),
                              ("page_embed_city", "/embed/map?city=Roma", 60)):
        app.config["MAP_CACHE_SECONDS"] = cache
        results[name] = time_page(base, path, args.page_runs)
        print(f"{name:<14} median {results[name]['median_ms']:>8} ms   p90 {results[name]['p90_ms']:>8} ms   "
              f"{results[name]['points']:>6} points   {path}  (Chromium, navigation to all points drawn)")
    server.shutdown()
    save("map", results)


if __name__ == "__main__":
    main()
