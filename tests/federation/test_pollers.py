"""What several pollers and busy hosts ask of one poller: waiting for a host is not the
member's failure, daily jobs run once for all schedulers, and occurrence rows are unique."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from corete.core.models import utcnow
from corete.events.models import OccurrenceRow
from corete.federation import writers as feeds
from corete.federation.models import Feed, Poll
from corete.ops.services import claim_job, job_finished
from tests.conftest import make_space, poll

SOON = dt.datetime(2027, 5, 4, 18, tzinfo=dt.timezone.utc)


def _slow_feeds(app, session, httpserver, n: int, seconds: float):
    """``n`` spaces whose feeds are on one host and take ``seconds`` to answer."""
    def answer(request):
        time.sleep(seconds)
        number = request.path.strip("/").split(".")[0]
        return Response(feeds.jsonfeed({"name": f"Spazio {number}"}, [feeds.item("event", "e", "Evento", SOON)],
                                       feed_url="http://x/f.json"), content_type="application/feed+json")

    for number in range(n):
        httpserver.expect_request(f"/{number}.json").respond_with_handler(answer)
    return [make_space(session, httpserver.url_for(f"/{number}.json"), name=f"Spazio {number}") for number in range(n)]


def test_waiting_for_the_hosts_connection_does_not_count_against_the_deadline(app, session, httpserver):
    """Three feeds of 1.2 s each on a host that gets one connection, deadline 2 s: the third
    waits 2.4 s for its turn, and that wait is the hub's queue, not the member's slowness."""
    app.config.update(FETCH_MAX_PER_HOST=1, FETCH_TOTAL_DEADLINE=2.0, FETCH_READ_TIMEOUT=2.0, POLL_WORKERS=3)
    _slow_feeds(app, session, httpserver, 3, 1.2)
    summaries = poll(app)
    assert sorted(s.outcome for s in summaries) == ["applied"] * 3, [s.line() for s in summaries]


def test_a_feed_that_never_got_a_connection_is_tried_again_soon_with_no_failure(app, session, httpserver):
    app.config.update(FETCH_MAX_PER_HOST=1, FETCH_HOST_WAIT=0.3, POLL_WORKERS=3)
    _slow_feeds(app, session, httpserver, 3, 1.0)
    summaries = {s.feed_id: s for s in poll(app)}
    busy = [s for s in summaries.values() if s.error_class == "busy"]
    assert len(busy) == 2 and all(s.outcome == "skipped" for s in busy)
    session.expire_all()
    for summary in busy:
        feed = session.get(Feed, summary.feed_id)
        assert feed.consecutive_failures == 0 and feed.last_error_class is None and feed.lease_owner is None
        assert utcnow() + dt.timedelta(seconds=20) < feed.next_poll_at < utcnow() + dt.timedelta(seconds=40)
        assert session.scalar(select(func.count()).select_from(Poll).where(Poll.feed_id == feed.id)) == 0


def test_a_daily_job_runs_in_one_scheduler_and_once_a_day(app, session):
    every, lease = dt.timedelta(hours=23), dt.timedelta(hours=1)
    assert claim_job(session, "materialise", "a", every=every, lease=lease)
    assert not claim_job(session, "materialise", "b", every=every, lease=lease)  # a is running it
    job_finished(session, "materialise", "a", ran=True)
    assert not claim_job(session, "materialise", "b", every=every, lease=lease)  # it ran an hour ago at most
    assert claim_job(session, "materialise", "b", every=dt.timedelta(0), lease=lease)
    job_finished(session, "materialise", "b", ran=False)  # it failed: anyone may try again at once
    assert claim_job(session, "materialise", "a", every=dt.timedelta(0), lease=lease)


def test_claiming_a_daily_job_at_once_from_many_schedulers_lets_one_run_it(app, another_app):
    from corete.extensions import db

    workers = [another_app() for _ in range(6)]
    results, barrier = [], threading.Barrier(len(workers))

    def claim(worker, name):
        with worker.app_context():
            barrier.wait()
            results.append(claim_job(db.session, "materialise", name, every=dt.timedelta(hours=23),
                                     lease=dt.timedelta(hours=1)))
            db.session.remove()

    threads = [threading.Thread(target=claim, args=(w, f"s{n}")) for n, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_an_occurrence_row_cannot_be_written_twice(app, session, httpserver):
    httpserver.expect_request("/f.json").respond_with_data(
        feeds.jsonfeed({"name": "Lab121"}, [feeds.item("event", "e", "Evento", SOON)], feed_url="http://x/f.json"),
        content_type="application/feed+json")
    poll(app, make_space(session, httpserver.url_for("/f.json")))
    row = session.scalar(select(OccurrenceRow))
    copy = {c.name: getattr(row, c.key) for c in OccurrenceRow.__table__.columns if c.name != "id"}
    with pytest.raises(IntegrityError):
        session.execute(insert(OccurrenceRow.__table__), [copy])
        session.flush()
    session.rollback()


def test_schedulers_starting_together_spread_the_overdue_feeds_once_without_deadlock(app, session, another_app):
    """Three schedulers spread the same overdue feeds at once (on PostgreSQL a pair of them
    once deadlocked, updating rows in different orders, and one scheduler died at start)."""
    from sqlalchemy import update

    from corete.extensions import db
    from corete.federation.jobs import spread_overdue
    from corete.spaces.services import add_space

    for number in range(150):
        add_space(session, f"Spazio {number}", [f"http://127.0.0.1:9/{number}.json"])
    session.commit()
    for attempt in range(3):
        session.execute(update(Feed).values(next_poll_at=utcnow() - dt.timedelta(minutes=5 + attempt)))
        session.commit()
        workers = [another_app() for _ in range(3)]
        moved, errors, barrier = [], [], threading.Barrier(len(workers))

        def spread(worker):
            with worker.app_context():
                barrier.wait()
                try:
                    moved.append(spread_overdue(db.session, worker.config))
                except Exception as e:  # reported below
                    errors.append(e)
                db.session.remove()

        threads = [threading.Thread(target=spread, args=(w,)) for w in workers]
        started = utcnow()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors and sum(moved) == 150, (errors, moved)  # each feed moved once, by one of them
        assert session.scalar(select(func.count(Feed.id)).where(Feed.next_poll_at < started)) == 0
