"""The periodic poller: the only module that imports APScheduler.

It runs as its own process (`corete scheduler`), never inside web workers. Several
may run at once, on several machines: feeds are leased, never polled twice.
"""
from __future__ import annotations

import datetime as dt
import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from corete.events.materialise import extend
from corete.extensions import db
from corete.federation.jobs import poll_round, poller_id, spread_overdue

log = logging.getLogger(__name__)


def _materialise(app) -> None:
    """Daily: series that never end get their next days of occurrences written."""
    with app.app_context():
        try:
            log.info("occurrences of %d events (re)written", extend(db.session))
        finally:
            db.session.remove()


def _tick(app, owner: str) -> None:
    with app.app_context():
        try:
            for summary in poll_round(db.session, app.config, owner=owner):
                log.info(summary.line())
        finally:
            db.session.remove()


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic poller in the foreground (Ctrl-C stops it)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick
    app = current_app._get_current_object()
    moved = spread_overdue(db.session, app.config)
    if moved:
        log.info("spread %d overdue feeds over the next minutes", moved)
    owner = poller_id()
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_tick, "interval", seconds=int(app.config["SCHEDULER_TICK"]), args=(app, owner),
                      max_instances=1, coalesce=True, id="poll")
    scheduler.add_job(_materialise, "interval", hours=24, args=(app,), max_instances=1, coalesce=True,
                      id="materialise", next_run_time=dt.datetime.now(dt.timezone.utc))
    click.echo(f"scheduler {owner}: looking for due feeds every {app.config['SCHEDULER_TICK']} s")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
