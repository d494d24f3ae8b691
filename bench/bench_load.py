"""Load benchmark: the production setup on this machine, under visitors, while it ingests.

Starts what docs/deploy.md describes: `corete serve` (gunicorn, 4 workers) and two
`corete scheduler` processes, on PostgreSQL and Redis; member feeds served from another
process on 16 loopback addresses, a third of them changing every 20 s; then locust
(headless) plays ``--users`` visitors for ``--seconds`` (bench/locustfile.py: the calendar's
month and list views, event pages, the map and its GeoJSON, the API). Reports requests per
second, p50/p95/p99 per page, errors, and the polls the schedulers made meanwhile.

    python bench/bench_load.py [--users 50] [--seconds 60] [--spaces 300]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/corete_bench] [--redis redis://127.0.0.1:6379/0]

The database is emptied and migrated first: never point it at a hub's real database.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save  # noqa: E402  (bench/, the script's own folder)

ROME = ZoneInfo("Europe/Rome")
HOSTS = [f"127.0.0.{i}" for i in range(1, 17)]
CITIES = ["Roma", "Milano", "Torino", "Bologna", "Alessandria", "Genova", "Napoli", "Firenze"]
BIN = Path(sys.executable).parent


def feed(n: int, generation: int, base: str) -> bytes:
    """Space n's feed: 12 events over this month and the next, 4 skills, 4 needs."""
    from corete.federation import writers

    rng = random.Random(n)
    first = dt.datetime.combine(dt.date.today().replace(day=1), dt.time(18), tzinfo=ROME)
    items = []
    for i in range(12):
        start = first + dt.timedelta(days=rng.randint(0, 55), hours=rng.randint(-8, 3))
        suffix = f" (v{generation})" if i == 0 else ""
        items.append(writers.item("event", f"e{i}", f"Incontro {i} dello spazio {n}{suffix}", start,
                                        start + dt.timedelta(hours=2), text="Un incontro aperto a tutti.",
                                        tags=["rete"], location={"name": f"Spazio {n}", "city": CITIES[n % 8],
                                                                "lat": 41 + rng.random() * 4, "lon": 8 + rng.random() * 6}))
    items += [writers.item("skill", f"s{i}", ("Grafica", "Contabilità", "Python", "Falegnameria")[i], f"Socio {i}",
                                 category="design") for i in range(4)]
    items += [writers.item("need", f"n{i}", f"Caffè in grani {i}", quantity=3, unit="kg", category="caffè",
                                need_by=dt.date.today() + dt.timedelta(days=40)) for i in range(4)]
    space = {"name": f"Spazio {n}", "kind": "coworking", "city": CITIES[n % 8],
             "lat": 41 + rng.random() * 4, "lon": 8 + rng.random() * 6}
    return writers.jsonfeed(space, items, feed_url=f"{base}/feed-{n}.json")


def serve_feeds(spaces: int, port: int, ready) -> None:
    """The member servers: a third of the feeds change every 20 s."""
    from corete.demo.server import FeedServer

    servers = {host: FeedServer({}, host, port).start() for host in HOSTS}

    def documents(generation: int) -> None:
        for host, server in servers.items():
            base = f"http://{host}:{port}"
            server.set_documents({f"/feed-{n}.json": (feed(n, generation + (n % 3 == generation % 3), base),
                                                      "application/feed+json")
                                  for n in range(spaces) if HOSTS[n % len(HOSTS)] == host})

    generation = 0
    documents(generation)
    ready.set()
    while True:
        time.sleep(20)
        generation += 1
        documents(generation)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset_database(uri: str) -> None:
    import psycopg

    plain = uri.replace("+psycopg", "")
    name = plain.rsplit("/", 1)[1]
    with psycopg.connect(plain.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the hub at {url} did not become ready")


def poll_count(env: dict) -> int:
    import psycopg

    with psycopg.connect(env["CORETE_SQLALCHEMY_DATABASE_URI"].replace("+psycopg", "")) as conn:
        return conn.execute("SELECT count(*) FROM federation_poll").fetchone()[0]


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(root: int) -> float:
    """CPU time of a process, of its children it reaped, and of its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    fields = _stat(root)
    if fields is None:
        return 0.0
    total = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        live = _stat(pid)
        if live:
            total += int(live[11]) + int(live[12])
        stack += children.get(pid, [])
    return total / tick


def postmaster() -> int | None:
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        try:
            name = Path(f"/proc/{entry.name}/comm").read_text().strip()
        except OSError:
            continue
        if fields and name == "postgres" and Path(f"/proc/{fields[1]}/comm").exists() and \
                Path(f"/proc/{fields[1]}/comm").read_text().strip() != "postgres":
            return int(entry.name)
    return None


def read_stats(path: Path) -> dict:
    pages = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            pages[row["Name"]] = {
                "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1), "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]), "p99_ms": float(row["99%"]),
            }
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spaces", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--schedulers", type=int, default=2, help="0: the web side alone, nothing ingested")
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/corete_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="corete-load-"))
    feed_port, web_port = free_port(), free_port()
    url = f"http://127.0.0.1:{web_port}"
    env = {**os.environ, "CORETE_SECRET_KEY": "load-bench", "CORETE_SQLALCHEMY_DATABASE_URI": args.database,
           "CORETE_REDIS_URL": args.redis, "CORETE_RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}",
           "CORETE_FETCH_ALLOW_NETWORKS": json.dumps(["127.0.0.0/8"]), "CORETE_POLL_INTERVAL": "30",
           "CORETE_SCHEDULER_TICK": "2", "CORETE_PUBLIC_URL": url, "PROMETHEUS_MULTIPROC_DIR": str(work)}
    processes: list[subprocess.Popen] = []
    ready = multiprocessing.Event()
    feeds = multiprocessing.Process(target=serve_feeds, args=(args.spaces, feed_port, ready), daemon=True)
    try:
        reset_database(args.database)
        subprocess.run([BIN / "corete", "db", "upgrade"], env=env, check=True, capture_output=True)
        feeds.start()
        ready.wait(60)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as registry:
            registry.write("name,feed_url,city\n")
            for n in range(args.spaces):
                registry.write(f"Spazio {n},http://{HOSTS[n % len(HOSTS)]}:{feed_port}/feed-{n}.json,{CITIES[n % 8]}\n")
        subprocess.run([BIN / "corete", "spaces", "import", registry.name], env=env, check=True, capture_output=True)
        t0 = time.perf_counter()
        subprocess.run([BIN / "corete", "poll", "--all"], env=env, check=True, capture_output=True)
        print(f"{args.spaces} spaces registered and polled once in {time.perf_counter() - t0:.1f} s")
        logs = (work / "web.log").open("w")
        processes.append(subprocess.Popen([BIN / "corete", "serve", "--bind", f"127.0.0.1:{web_port}",
                                           "--workers", str(args.workers)], env=env, stdout=logs, stderr=logs))
        for n in range(args.schedulers):
            log = (work / f"scheduler-{n}.log").open("w")
            processes.append(subprocess.Popen([BIN / "corete", "scheduler"], env=env, stdout=log, stderr=log))
        wait_ready(url)
        polls_before, started = poll_count(env), time.monotonic()
        groups = {"web (gunicorn)": [processes[0].pid], "schedulers": [p.pid for p in processes[1:]],
                  "PostgreSQL": [pid for pid in [postmaster()] if pid], "feed server": [feeds.pid]}
        cpu_before = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
                        "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 5)),
                        "-t", f"{args.seconds}s", "--host", url, "--csv", str(work / "load"), "--only-summary",
                        "--loglevel", "WARNING"], check=True, capture_output=True)
        minutes = (time.monotonic() - started) / 60
        polls = poll_count(env) - polls_before
        cpu = {name: round(sum(cpu_seconds(pid) for pid in pids) - cpu_before[name], 1) for name, pids in groups.items()}
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["locust"] = round(children_after.ru_utime + children_after.ru_stime
                              - children_before.ru_utime - children_before.ru_stime, 1)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if feeds.is_alive():
            feeds.terminate()
    pages = read_stats(work / "load_stats.csv")
    total = pages.pop("Aggregated")
    print(f"\n{args.users} visitors for {args.seconds} s; {args.workers} gunicorn workers, {args.schedulers} schedulers, "
          f"PostgreSQL, Redis; {os.cpu_count()} cores")
    print(f"{'page':16} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, row in sorted(pages.items()) + [("all", total)]:
        print(f"{name:16} {row['requests']:8} {row['errors']:6} {row['rps']:6} {row['p50_ms']:7.0f} "
              f"{row['p95_ms']:7.0f} {row['p99_ms']:7.0f}")
    print(f"polls meanwhile: {polls} ({polls / minutes:.0f} per minute)")
    print(f"CPU seconds meanwhile (of {os.cpu_count() * minutes * 60:.0f} available): "
          + ", ".join(f"{name} {seconds}" for name, seconds in cpu.items()))
    print("saved", save("load", {"users": args.users, "seconds": args.seconds, "spaces": args.spaces,
                                 "workers": args.workers, "schedulers": args.schedulers, "cpu_seconds": cpu,
                                 "pages": pages, "all": total, "polls": polls,
                                 "polls_per_minute": round(polls / minutes)}))


if __name__ == "__main__":
    main()
