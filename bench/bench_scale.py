"""Ingestion at scale: does a poll cost the same in a small network and a large one?

For each network size (250, 1,000 and 4,000 member feeds by default), a fresh database and
feeds of 30 items served on localhost (16 loopback addresses, in a process of their own):
20 events whose starts fall on 84 instants (28 evenings at 18, 19 and 21), so that events of
different feeds share a start instant (at 4,000 feeds 1,002 at the busiest one), 5 skills and 5
needs. Then, through the poller (poll_round, the scheduler's path):

- the first poll of every feed (all items new);
- a changed poll (one event of each feed changed);
- an unchanged poll (every feed answers 304);
- the raw fetch ceiling: the same conditional GETs answered 304, in as many threads as the
  poller has workers, with no parsing and no database.

and prints a table of polls per minute and milliseconds per poll by size: the per-poll cost
should stay flat as the network grows (issue 19).

    python bench/bench_scale.py [--sizes 250,1000,4000] [--database URI] [--profile DIR]

``--profile DIR`` writes a cProfile of each size's first and changed polls there (snakeviz or
pstats).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corete.federation import writers as feeds  # noqa: E402
from timing import save, spaces_with_feeds  # noqa: E402  (bench/, the script's own folder)

ROME = ZoneInfo("Europe/Rome")
HOSTS = [f"127.0.0.{i}" for i in range(1, 17)]
FIRST_EVENING = dt.datetime(2027, 3, 1, tzinfo=ROME)
HOURS = (18, 19, 21)


def event_start(n: int, i: int) -> dt.datetime:
    """Event ``i`` of feed ``n``: one of 28 evenings at one of three hours."""
    slot = (n * 7 + i) % (28 * len(HOURS))
    return FIRST_EVENING + dt.timedelta(days=slot // len(HOURS), hours=HOURS[slot % len(HOURS)])


def make_feed(n: int, generation: int, base: str) -> bytes:
    items = []
    for i in range(20):
        start = event_start(n, i)
        changed = " (aggiornato)" if generation == 2 and i == 0 else ""
        items.append(feeds.item("event", f"f{n}-e{i}", f"Serata {i} dello spazio {n}{changed}", start,
                                start + dt.timedelta(hours=2), text="Un incontro della rete.", tags=["rete"]))
    for i in range(5):
        items.append(feeds.item("skill", f"f{n}-s{i}", ("Videomaker", "Grafica", "Commercialista", "Falegname",
                                                         "Fotografo")[i], f"Socio {n}-{i}", category="varie"))
        items.append(feeds.item("need", f"f{n}-n{i}", f"Carta A4 {i}", quantity=3, unit="ream", category="cancelleria",
                                need_by=dt.date(2027, 4, 1)))
    space = {"name": f"Spazio {n}", "kind": "coworking", "city": "Roma", "lat": 41.9, "lon": 12.5}
    return feeds.jsonfeed(space, items, feed_url=f"{base}/g{generation}/feed-{n}.json")


def serve(docs_by_host: dict, port: int, ready) -> None:
    from corete.demo.server import FeedServer

    servers = [FeedServer(docs, host, port).start() for host, docs in docs_by_host.items()]
    ready.set()
    while servers:  # until the parent terminates this process
        time.sleep(3600)


def fetch_ceiling(urls: list[str], etags: dict[str, str], workers: int) -> float:
    """Seconds for conditional GETs of every URL answered 304, ``workers`` threads, one
    keep-alive session each: what a poll that does nothing but fetch would take."""
    import requests

    sessions = [requests.Session() for _ in range(workers)]

    def get(k: int) -> int:
        url = urls[k]
        return sessions[k % workers].get(url, headers={"If-None-Match": etags[url]}, timeout=10).status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        codes = list(pool.map(get, range(len(urls))))
    elapsed = time.perf_counter() - t0
    assert set(codes) == {304}, set(codes)
    return elapsed


def one_size(n_feeds: int, args, port: int) -> dict:
    docs_by_host: dict[str, dict] = {h: {} for h in HOSTS}
    bases = {}
    for n in range(n_feeds):
        host = HOSTS[n % len(HOSTS)]
        bases[n] = f"http://{host}:{port}"
        for generation in (1, 2):
            docs_by_host[host][f"/g{generation}/feed-{n}.json"] = (make_feed(n, generation, bases[n]),
                                                                  "application/feed+json")
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(docs_by_host, port, ready), daemon=True)
    server.start()
    ready.wait(60)

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text, update

    from corete import create_app
    from corete.events.models import Event, OccurrenceRow
    from corete.extensions import db
    from corete.federation.jobs import poll_round
    from corete.federation.models import Feed

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/scale.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "FETCH_ALLOW_NETWORKS": ["127.0.0.0/8"],
                      "POLL_WORKERS": args.workers, "POLL_BATCH": n_feeds, "POLL_PARSE_PROCESSES": 1})
    out: dict = {"feeds": n_feeds}
    try:
        with app.app_context():
            if uri.startswith("postgresql"):
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
            by_space = spaces_with_feeds(db.session, [{"slug": f"spazio-{n}", "name": f"Spazio {n}", "city": "Roma"}
                                                      for n in range(n_feeds)])
            ids = list(by_space.values())
            for n, feed_id in enumerate(ids):
                db.session.execute(update(Feed).where(Feed.id == feed_id).values(url=f"{bases[n]}/g1/feed-{n}.json"))
            db.session.commit()

            def timed_round(label: str, profile: Path | None = None) -> float:
                profiler = cProfile.Profile() if profile else None
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                summaries = poll_round(db.session, app.config, feed_ids=ids)
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(profile)
                elapsed = time.perf_counter() - t0
                outcomes: dict = {}
                for s in summaries:
                    outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
                print(f"  {label:<22} {len(summaries):>5} polls in {elapsed:7.2f} s = "
                      f"{len(summaries) / elapsed * 60:>8,.0f}/min  {outcomes}", flush=True)
                return elapsed

            first = timed_round("first poll (all new)",
                                Path(args.profile) / f"first-{n_feeds}.prof" if args.profile else None)
            per_instant = db.session.execute(select(func.count()).select_from(OccurrenceRow)
                                             .group_by(OccurrenceRow.start_at).order_by(func.count().desc()).limit(1)).scalar()
            for n, feed_id in enumerate(ids):
                db.session.execute(update(Feed).where(Feed.id == feed_id).values(url=f"{bases[n]}/g2/feed-{n}.json"))
            db.session.commit()
            profile = Path(args.profile) / f"changed-{n_feeds}.prof" if args.profile else None
            changed = timed_round("changed poll", profile)
            unchanged = timed_round("unchanged poll (304)")
            urls = list(db.session.scalars(select(Feed.url).where(Feed.id.in_(ids))))
            etags = dict(db.session.execute(select(Feed.url, Feed.etag).where(Feed.id.in_(ids))).all())
            ceiling = fetch_ceiling(urls, etags, args.workers)
            events = db.session.scalar(select(func.count()).select_from(Event))
        out.update(
            events=events, most_events_at_one_instant=per_instant,
            first_per_min=round(n_feeds / first * 60), changed_per_min=round(n_feeds / changed * 60),
            unchanged_per_min=round(n_feeds / unchanged * 60), ceiling_per_min=round(n_feeds / ceiling * 60),
            first_ms_per_poll=round(first / n_feeds * 1000, 2), changed_ms_per_poll=round(changed / n_feeds * 1000, 2),
            unchanged_ms_per_poll=round(unchanged / n_feeds * 1000, 2),
            unchanged_of_ceiling=round(ceiling / unchanged, 2))
        print(f"  raw fetch ceiling      {n_feeds:>5} GETs in {ceiling:7.2f} s = {out['ceiling_per_min']:>8,.0f}/min; "
              f"unchanged polls are {out['unchanged_of_ceiling']} of it; {per_instant} events at the busiest instant",
              flush=True)
    finally:
        server.terminate()
        server.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250,1000,4000")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--port", type=int, default=18865)
    parser.add_argument("--database", help="SQLAlchemy URI (default: a new SQLite file for each size)")
    parser.add_argument("--profile", help="a folder: each size's first and changed polls profiled there")
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    rows = []
    for k, size in enumerate(int(s) for s in args.sizes.split(",")):
        print(f"{size} feeds", flush=True)
        rows.append(one_size(size, args, args.port + k))
    print()
    print(f"{'feeds':>6} {'first/min':>10} {'changed/min':>12} {'304/min':>9} {'ceiling/min':>12} {'304÷ceiling':>11} "
          f"{'first ms':>9} {'changed ms':>11} {'events/instant':>15}")
    for r in rows:
        print(f"{r['feeds']:>6} {r['first_per_min']:>10,} {r['changed_per_min']:>12,} {r['unchanged_per_min']:>9,} "
              f"{r['ceiling_per_min']:>12,} {r['unchanged_of_ceiling']:>11} {r['first_ms_per_poll']:>9} "
              f"{r['changed_ms_per_poll']:>11} {r['most_events_at_one_instant']:>15}")
    print("saved", save("scale", {"when": dt.datetime.now().isoformat(), "workers": args.workers, "sizes": rows}))
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
