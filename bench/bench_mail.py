"""Mail benchmark: the monthly newsletter to 10,000 subscribers through a local SMTP server,
with the sender killed halfway.

On a migrated database (SQLite by default; --database for PostgreSQL) it loads the demo
network (its feed server, `corete demo load`, `corete poll --all`), adds the subscribers
(cities and tags of the demo's, Italian and English), then:

1. queues the newsletter (`send_digest`, in this process): time and the growth of this
   process's peak memory;
2. starts `corete mail catch` (aiosmtpd, its own process, each message an .eml file) and
   `corete mail send`, and kills the sender with SIGKILL once the catcher has about half
   the messages: no goodbye, its leases held;
3. once the leases end (MAIL_LEASE_SECONDS=5 here), runs `corete mail send` again to the end;
4. counts what the catcher received per recipient: messages never delivered, delivered
   twice (and whether a copy carried the same Message-ID as the first).

    python bench/bench_mail.py [--subscribers 10000] [--database URI]
"""
from __future__ import annotations

import argparse
import collections
import email
import email.policy
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save  # noqa: E402  (bench/, the script's own folder)

CORETE = str(Path(sys.executable).with_name("corete"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_mib(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def received(folder: Path) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def send(env: dict, folder: Path, kill_at: int | None) -> dict:
    """Run `corete mail send`; kill it once the catcher holds ``kill_at`` messages."""
    t0 = time.perf_counter()
    process = subprocess.Popen([CORETE, "mail", "send"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, peak_mib(process.pid) or 0)
        if kill_at is not None and sum(1 for _ in folder.glob("*.eml")) >= kill_at:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return {"killed_after_s": round(time.perf_counter() - t0, 2), "peak_rss_mib": round(peak, 1)}
        time.sleep(0.05)
    output = process.stdout.read().decode()
    return {"seconds": round(time.perf_counter() - t0, 2), "peak_rss_mib": round(peak, 1), "said": output.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--database", help="a database URI (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mail"
        uri = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        demo_port, smtp_port = free_port(), free_port()
        env = {**os.environ, "CORETE_SECRET_KEY": "bench", "CORETE_SQLALCHEMY_DATABASE_URI": uri,
               "CORETE_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "CORETE_MAIL_SERVER": "127.0.0.1",
               "CORETE_MAIL_PORT": str(smtp_port), "CORETE_MAIL_DEFAULT_SENDER": "CoRete <hub@corete.example>",
               "CORETE_MAIL_BASE_URL": "https://hub.corete.example/", "CORETE_MAIL_LEASE_SECONDS": "5",
               "CORETE_LOG_LEVEL": "WARNING"}
        if uri.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            with create_engine(uri).begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        subprocess.run([CORETE, "db", "upgrade"], env=env, check=True, capture_output=True)
        demo = subprocess.Popen([CORETE, "demo", "serve", "--port", str(demo_port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        catcher = None
        try:
            time.sleep(1.5)
            subprocess.run([CORETE, "demo", "load", "--base-url", f"http://127.0.0.1:{demo_port}"], env=env,
                           check=True, capture_output=True)
            subprocess.run([CORETE, "poll", "--all"], env=env, check=True, capture_output=True)
            results = {"database": uri.split(":")[0], "subscribers": args.subscribers}
            results["queue"] = queue_newsletter(env, args.subscribers)
            print(f"queued {results['queue']['queued']} messages in {results['queue']['seconds']} s "
                  f"({results['queue']['per_second']}/s), this process's peak memory grew by "
                  f"{results['queue']['peak_rss_growth_mib']} MiB")
            catcher = subprocess.Popen([CORETE, "mail", "catch", "--port", str(smtp_port), "--dir", str(folder)],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.5)
            total = results["queue"]["queued"]
            results["first_sender"] = send(env, folder, kill_at=total // 2)
            print(f"first sender killed (SIGKILL) after {results['first_sender']['killed_after_s']} s, "
                  f"{sum(1 for _ in folder.glob('*.eml'))} messages delivered")
            time.sleep(6)  # its leases end
            results["second_sender"] = send(env, folder, kill_at=None)
            print(f"second sender: {results['second_sender']['said']} in {results['second_sender']['seconds']} s, "
                  f"peak memory {results['second_sender']['peak_rss_mib']} MiB")
            time.sleep(1)
            results["delivery"] = count(received(folder), total)
            d = results["delivery"]
            print(f"delivered {d['messages']} messages to {d['recipients']} recipients: "
                  f"{d['missing']} never delivered, {d['duplicated']} delivered twice "
                  f"(same Message-ID: {d['duplicates_same_message_id']})")
        finally:
            for process in (demo, catcher):
                if process is not None:
                    process.terminate()
                    process.wait()
        print("saved", save("mail", results))


def queue_newsletter(env: dict, subscribers: int) -> dict:
    """Add the subscribers and queue the newsletter, in this process."""
    os.environ.update(env)
    import datetime as dt

    from sqlalchemy import insert

    from corete import create_app
    from corete.extensions import db
    from corete.newsletter.models import Subscription
    from corete.newsletter.services import cities, send_digest

    app = create_app(web=False)
    with app.app_context():
        known = cities(db.session) or ["Roma"]
        rng = random.Random(7)
        rows = [{"email": f"subscriber{n:05d}@example.org", "kind": "newsletter", "filter_key": "",
                 "lang": "it" if n % 3 else "en", "cities": rng.sample(known, k=min(len(known), n % 3)),
                 "tags": ["makers"] if n % 5 == 0 else [], "spaces": [],
                 "confirmed_at": dt.datetime.now(dt.timezone.utc)} for n in range(subscribers)]
        db.session.execute(insert(Subscription), rows)
        from corete.newsletter.models import NewsItem
        from corete.spaces.models import Space

        space = db.session.scalar(db.select(Space))  # news everyone receives, whatever their filters
        db.session.add(NewsItem(space_id=space.id, author="bench", title="Notizia per tutti",
                                body="Una notizia che va a ogni iscritto.", state="approved",
                                decided_by="bench", decided_at=dt.datetime.now(dt.timezone.utc)))
        db.session.commit()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        today = dt.date.today()
        queued = send_digest(db.session, today, today + dt.timedelta(days=30))
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db.engine.dispose()
    return {"queued": queued, "seconds": round(seconds, 2), "per_second": round(queued / seconds),
            "peak_rss_growth_mib": round(after - before, 1), "peak_rss_mib": round(after, 1)}


def count(messages: list, expected: int) -> dict:
    by_recipient = collections.defaultdict(list)
    for m in messages:
        by_recipient[str(m["To"])].append(str(m["Message-ID"]))
    duplicated = {to: ids for to, ids in by_recipient.items() if len(ids) > 1}
    return {"messages": len(messages), "recipients": len(by_recipient), "missing": expected - len(by_recipient),
            "duplicated": len(duplicated),
            "duplicates_same_message_id": all(len(set(ids)) == 1 for ids in duplicated.values())}


if __name__ == "__main__":
    main()
