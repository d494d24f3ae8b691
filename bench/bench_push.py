"""Push benchmark (issue 20): what the scheduler's push jobs cost on a large network.

On the map benchmark's network (5,000 spaces, 20,000 upcoming events, bench_map.populate):

- the fediverse job's look at what changed: the first (every event recorded as announced,
  nobody told), then a look where nothing changed, then one where one event changed and the
  network's calendar has a follower (the delivery is queued, not sent);
- the WebSub hub's look with one subscriber to /calendar/upcoming.atom: rendering the feed
  and comparing its version (nothing sent: it did not change);
- a signed ping through the API.

    python bench/bench_push.py [--spaces 5000] [--events 20000] [--runs 10] [--database URI]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import save, summary  # noqa: E402  (bench/, the script's own folder)


def timed(work, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1000)
    return summary(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spaces", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", help="SQLAlchemy URI (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select, update

    from bench_map import populate
    from corete import create_app
    from corete.core.models import utcnow
    from corete.events.models import Event
    from corete.extensions import db
    from corete.fediverse import services as fediverse
    from corete.fediverse.models import Delivery, Follower
    from corete.push import publish
    from corete.push.models import Subscriber
    from corete.push.services import new_ping_key, signature

    uri = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='corete-bench-')}/push.sqlite3"
    public = "http://127.0.0.1:9"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "MAP_TILES_URL": "", "PUBLIC_URL": public,
                      "TRUSTED_HOSTS": ["127.0.0.1"], "PING_RATE_LIMIT": "100000 per minute"})
    results: dict = {"spaces": args.spaces, "events": args.events, "database": uri.split(":")[0], "runs": args.runs}
    with app.app_context():
        upgrade()
        populate(db.session, args.spaces, args.events)
        session = db.session

        t0 = time.perf_counter()
        fediverse.announce(session, app.config)
        session.commit()
        results["announce_first_ms"] = round((time.perf_counter() - t0) * 1000, 1)

        def quiet():
            fediverse.announce(session, app.config)
            session.commit()

        results["announce_nothing_changed"] = timed(quiet, args.runs)
        session.add(Follower(key="bench", actor_name="calendar", follower="https://elsewhere.example/users/a",
                             inbox="https://elsewhere.example/inbox"))
        session.commit()
        event_ids = list(session.scalars(select(Event.id).limit(args.runs)))

        def one_changed():
            event_id = event_ids.pop()
            session.execute(update(Event).where(Event.id == event_id).values(title="Cambiato", updated_at=utcnow()))
            session.commit()
            counts = fediverse.announce(session, app.config)
            session.commit()
            assert counts["Update"] == 1, counts

        results["announce_one_changed_one_follower"] = timed(one_changed, len(event_ids))
        session.execute(Delivery.__table__.delete())
        session.commit()

        topic = public + "/calendar/upcoming.atom"
        session.add(Subscriber(key="bench", topic=topic, callback="https://elsewhere.example/cb", active=True,
                               lease_until=utcnow() + dt.timedelta(days=1), deliveries=0, attempts=0))
        session.commit()
        first = publish.render(app, topic)
        session.execute(update(Subscriber).values(delivered=first.tag))
        session.commit()

        def hub_look():
            assert publish.run(app, session) is None  # nothing changed: nothing sent
            session.commit()

        results["websub_hub_look_one_subscriber"] = timed(hub_look, args.runs)

        from corete.federation.models import Feed
        from corete.spaces.services import add_feed
        from corete.spaces.models import Space

        space = session.scalar(select(Space).limit(1))
        feed = session.scalar(select(Feed).where(Feed.space_id == space.id)) or add_feed(space, "https://m.example/f")
        session.flush()
        secret = new_ping_key(session, feed).secret
        session.commit()
        client = app.test_client()

        def ping():
            ts = str(int(time.time()))
            answer = client.post(f"/api/v1/feeds/{feed.id}/ping", base_url="http://127.0.0.1", headers={
                "X-CoRete-Timestamp": ts, "X-CoRete-Signature": signature(secret, ts, feed.id)})
            assert answer.status_code == 202, answer.get_data(as_text=True)

        results["ping"] = timed(ping, args.runs * 5)
    for name, value in results.items():
        print(f"{name:<36} {value}")
    save("push", results)


if __name__ == "__main__":
    main()
