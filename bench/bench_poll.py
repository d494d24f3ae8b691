"""Poller benchmark: N member feeds of realistic size served on localhost.

Reports full polls per minute (fetch, detect, parse, validate, sanitise, diff, commit),
unchanged (304) polls per minute, peak memory, the same for a naive baseline
(sequential requests + feedparser with defaults) measured in the same run, and the
time and extra memory of one 5 MiB feed.

    make bench                      # defaults: 400 feeds, SQLite in a temp folder
    make bench BENCH_ARGS="--feeds 1000"

The feed server runs in its own process, on 16 loopback addresses (the hub allows at
most 2 connections per host, as it would across real members' hosts).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corete.federation import writers as feeds  # noqa: E402
from timing import save  # noqa: E402  (bench/, the script's own folder)

ROME = ZoneInfo("Europe/Rome")
HOSTS = [f"127.0.0.{i}" for i in range(1, 17)]
WORDS = ("corso laboratorio incontro coworking stampa fotografia design codice legno caffè rete quartiere "
         "progetto comunità startup impresa territorio cultura").split()


def make_feed(n: int, generation: int, items: int, rng: random.Random, base: str) -> bytes:
    out = []
    for i in range(items):
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        title_suffix = f" (v{generation})" if i == 0 else ""
        kind = i % 5
        if kind < 3:
            start = dt.datetime(2027, 1, 1, 18, tzinfo=ROME) + dt.timedelta(days=i, hours=n % 5)
            item = feeds.item("event", f"f{n}-e{i}", f"Evento {i} dello spazio {n}{title_suffix}", start,
                                    start + dt.timedelta(hours=2), text=text, tags=["rete", WORDS[i % len(WORDS)]],
                                    location={"name": "Sala grande", "city": "Roma"}, price="free")
            item["content_html"] = f"<p>{text}</p><p><a href='https://example.org/{i}'>Dettagli</a></p>"
        elif kind == 3:
            item = feeds.item("skill", f"f{n}-s{i}", f"Competenza {WORDS[i % len(WORDS)]}{title_suffix}", f"Socio {i}",
                                    category="design")
        else:
            item = feeds.item("need", f"f{n}-n{i}", f"Caffè in grani {i}{title_suffix}", quantity=3, unit="kg",
                                   category="caffè", need_by=dt.date(2027, 2, 1))
        out.append(item)
    space = {"name": f"Spazio {n}", "kind": "coworking", "city": "Roma", "lat": 41.9, "lon": 12.5}
    return feeds.jsonfeed(space, out, feed_url=f"{base}/g{generation}/feed-{n}.json")


def serve(docs_by_host: dict, port: int, ready) -> None:
    from corete.demo.server import FeedServer

    servers = [FeedServer(docs, host, port).start() for host, docs in docs_by_host.items()]
    ready.set()
    while servers:  # serve until the parent terminates this process
        time.sleep(3600)


def naive_baseline(urls: list[str]) -> tuple[float, float]:
    """What a simple reader does: sequential GETs, feedparser with its defaults. It has
    no conditional GET, so its unchanged polls cost the same as its full ones."""
    import feedparser
    import requests

    session = requests.Session()
    t0 = time.perf_counter()
    for url in urls:
        feedparser.parse(session.get(url, timeout=10).content)
    return time.perf_counter() - t0, peak_rss_mib()


def parse_process_peak_mib() -> float | None:
    """Peak RSS of the poller's parsing process, read before it exits."""
    from corete.federation import jobs

    pool = jobs._parsers
    if pool is None:
        return None
    peaks = [peak_rss_mib(pid) for pid in list(pool._processes or {})]
    peaks = [p for p in peaks if p is not None]
    return max(peaks) if peaks else None


def peak_rss_mib(pid: int | str = "self") -> float | None:
    """VmHWM, the peak resident memory of a process's own address space (ru_maxrss
    would carry a parent's peak over into a spawned child on Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=400)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--parse-processes", type=int, default=1, help="POLL_PARSE_PROCESSES")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of each kind; medians are reported")
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    rng = random.Random(42)
    sizes = [rng.randint(20, 50) for _ in range(args.feeds)]
    docs_by_host: dict[str, dict] = {h: {} for h in HOSTS}
    urls = {}
    for n in range(args.feeds):
        host = HOSTS[n % len(HOSTS)]
        base = f"http://{host}:{args.port}"
        for generation in (1, 2):
            docs_by_host[host][f"/g{generation}/feed-{n}.json"] = (
                make_feed(n, generation, sizes[n], rng, base), "application/feed+json")
        urls[n] = base
    total_bytes = sum(len(b) for d in docs_by_host.values() for p, (b, _) in d.items() if p.startswith("/g1/"))
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(docs_by_host, args.port, ready), daemon=True)
    server.start()
    ready.wait(30)

    from flask_migrate import upgrade
    from sqlalchemy import update

    from corete import create_app
    from corete.extensions import db
    from corete.federation.jobs import poll_round
    from corete.federation.models import Feed
    from corete.spaces.services import add_space

    tmp = tempfile.mkdtemp(prefix="corete-bench-")
    uri = args.database or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "FETCH_ALLOW_NETWORKS": ["127.0.0.0/8"],
        "POLL_WORKERS": args.workers, "POLL_BATCH": args.feeds, "FEED_MAX_ITEMS": 1000,
        "POLL_PARSE_PROCESSES": args.parse_processes,
    })
    results: dict = {"feeds": args.feeds, "items_per_feed": "20-50", "mean_feed_bytes": total_bytes // args.feeds,
                     "workers": args.workers, "parse_processes": args.parse_processes, "database": uri.split(":")[0], "cpus": os.cpu_count()}
    with app.app_context():
        upgrade()
        for n in range(args.feeds):
            add_space(db.session, f"Spazio {n}", [f"{urls[n]}/g1/feed-{n}.json"])
        db.session.commit()
        ids = [f.id for f in db.session.scalars(db.select(Feed).order_by(Feed.id))]

        def timed_round(label: str) -> float:
            t0 = time.perf_counter()
            summaries = poll_round(db.session, app.config, feed_ids=ids)
            elapsed = time.perf_counter() - t0
            outcomes = {}
            for s in summaries:
                outcomes[s.outcome] = outcomes.get(s.outcome, 0) + 1
            rate = len(summaries) / elapsed * 60
            print(f"{label:<34} {len(summaries):>5} polls in {elapsed:6.2f} s = {rate:>9,.0f}/min  {outcomes}")
            return rate

        results["full_new_per_min"] = timed_round("full polls (all items new)")
        changed, unchanged = [], []
        for repeat in range(args.repeat):
            generation = 2 if repeat % 2 == 0 else 1  # every feed changes (one item differs)
            for n, feed_id in enumerate(ids):
                db.session.execute(update(Feed).where(Feed.id == feed_id).values(
                    url=f"{urls[n]}/g{generation}/feed-{n}.json"))
            db.session.commit()
            changed.append(timed_round(f"full polls (changed feeds) #{repeat + 1}"))
            unchanged.append(timed_round(f"unchanged polls (304) #{repeat + 1}"))
        results["full_changed_per_min"] = statistics.median(changed)
        results["unchanged_per_min"] = statistics.median(unchanged)
        results["full_changed_runs"] = [round(r) for r in changed]
        results["unchanged_runs"] = [round(r) for r in unchanged]
        print(f"median: {results['full_changed_per_min']:,.0f} full (changed) and "
              f"{results['unchanged_per_min']:,.0f} unchanged polls per minute")
        results["hub_peak_rss_mib"] = peak_rss_mib()
        print(f"hub process peak RSS: {results['hub_peak_rss_mib']} MiB")

        # One 5 MiB feed, end to end, and the extra memory it takes.
        big_rng = random.Random(7)
        big_items = []
        for i in range(1000):
            text = " ".join(big_rng.choice(WORDS) for _ in range(700))
            start = dt.datetime(2027, 3, 1, 18, tzinfo=ROME) + dt.timedelta(hours=i)
            item = feeds.item("event", f"big-{i}", f"Evento {i}", start, start + dt.timedelta(hours=1))
            item["content_html"] = f"<p>{text}</p>"
            big_items.append(item)
        big = feeds.jsonfeed({"name": "Grande"}, big_items, feed_url="http://127.0.0.1/big.json")
        from corete.demo.server import FeedServer

        big_server = FeedServer({"/big.json": (big, "application/feed+json")}, "127.0.0.1", 0).start()
        # Parsed in this process here, so that one process holds everything the feed
        # costs; timed without tracemalloc (it slows allocation), then measured with it
        # on a second space that publishes the same feed.
        app.config["POLL_PARSE_PROCESSES"] = 0
        timed, traced = (add_space(db.session, f"Spazio grande {k}", [big_server.base_url + "/big.json"]) for k in (1, 2))
        db.session.commit()
        timed_id, traced_id = timed.feeds[0].id, traced.feeds[0].id
        t0 = time.perf_counter()
        [summary] = poll_round(db.session, app.config, feed_ids=[timed_id])
        elapsed = time.perf_counter() - t0
        tracemalloc.start()
        poll_round(db.session, app.config, feed_ids=[traced_id])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        big_server.shutdown()
        big_server.server_close()
        results.update(big_feed_mib=round(len(big) / 2**20, 2), big_feed_seconds=round(elapsed, 3),
                       big_feed_extra_mib=round(peak / 2**20, 1), big_feed_items=summary.new)
        print(f"5 MiB feed: {len(big) / 2**20:.2f} MiB, {summary.new} items, {elapsed:.3f} s end to end; "
              f"{peak / 2**20:.1f} MiB traced peak (includes the feed server thread in this process)")

    results["hub_parse_process_peak_rss_mib"] = parse_process_peak_mib()
    print(f"parse process peak RSS: {results['hub_parse_process_peak_rss_mib']} MiB")

    # The naive baseline, in a process of its own so its memory is its own.
    naive_urls = [f"{urls[n]}/g1/feed-{n}.json" for n in range(args.feeds)]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        elapsed, naive_rss = pool.apply(naive_baseline, (naive_urls,))
    results["naive_per_min"] = len(naive_urls) / elapsed * 60
    results["naive_peak_rss_mib"] = naive_rss
    print(f"{'naive: requests + feedparser':<34} {len(naive_urls):>5} polls in {elapsed:6.2f} s = "
          f"{results['naive_per_min']:>9,.0f}/min, peak RSS {naive_rss} MiB "
          "(no validation, no sanitising, no database, no conditional GET)")
    server.terminate()

    save("poll", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
