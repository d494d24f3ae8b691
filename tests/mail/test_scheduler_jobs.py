"""The scheduler's mail-making jobs, run by two schedulers at once (two apps, two
connections, two threads, as two machines would): every round closes once, every
message is queued once."""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from corete import scheduler
from corete.core.models import utcnow
from corete.extensions import db
from corete.mail.models import Message
from corete.newsletter.models import NewsItem, Subscription
from corete.purchasing.models import Round, RoundChange, Supplier
from corete.purchasing.services import open_round
from tests.conftest import login, make_space


def _both(apps, work):
    """Run ``work(app)`` in every app at once."""
    barrier = threading.Barrier(len(apps))
    errors = []

    def run(app):
        with app.app_context():
            try:
                barrier.wait()
                work(app)
            except Exception as e:  # reported below, not lost in the thread
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_two_schedulers_close_a_round_once(app, session, tmp_path, another_app):
    login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    supplier = Supplier(name="Torrefazione", shipping_fee=Decimal(0))
    session.add(supplier)
    session.flush()
    now = utcnow()
    open_round(session, supplier, name="Caffè", opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(seconds=1),
               delivery_date=(now + dt.timedelta(days=3)).date(), policy="fcfs", by="test", repeat="monthly")
    session.commit()
    apps = [another_app() for _ in range(2)]
    for _ in range(3):
        _both(apps, lambda a: scheduler._job(a, f"scheduler-{id(a)}", "rounds", scheduler._rounds,
                                             dt.timedelta(0), dt.timedelta(minutes=5)))
    session.expire_all()
    assert session.scalar(select(func.count(RoundChange.id)).where(RoundChange.action == "close")) == 1
    assert session.scalar(select(func.count(Round.id))) == 2  # the next one, once
    assert session.scalar(select(func.count(Message.id)).where(Message.kind == "round_order")) == 1


def test_two_schedulers_send_each_subscriber_one_newsletter(app, session, another_app):
    space = make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    session.add_all([Subscription(email=f"p{n}@example.org", kind="newsletter", filter_key="", lang="it",
                                  cities=[], tags=[], spaces=[]) for n in range(40)])
    session.add(NewsItem(space_id=space.id, author="op", title="Notizia", body="Una notizia per tutti.",
                         state="approved", decided_by="c", decided_at=utcnow()))
    session.commit()
    rome = utcnow().astimezone(ZoneInfo("Europe/Rome"))  # the network's day, whatever the hour there
    apps = [another_app(NEWSLETTER_DAY=rome.day, NEWSLETTER_HOUR=0) for _ in range(2)]
    _both(apps, lambda a: scheduler._job(a, f"scheduler-{id(a)}", "newsletter", scheduler._newsletter,
                                         dt.timedelta(0), dt.timedelta(hours=2)))
    _both(apps, lambda a: scheduler._job(a, f"scheduler-{id(a)}", "newsletter", scheduler._newsletter,
                                         dt.timedelta(0), dt.timedelta(hours=2)))
    recipients = list(session.scalars(select(Message.recipient).where(Message.kind == "newsletter")))
    assert len(recipients) == 40 and len(set(recipients)) == 40
    assert session.scalar(select(NewsItem.issue)) is not None
