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
from corete.core.models import utcnow
from corete.federation.jobs import poll_round, poller_id, spread_overdue
from corete.ops import metrics
from corete.ops.services import beat, claim_job, job_finished

log = logging.getLogger(__name__)
DAILY = dt.timedelta(hours=23)  # asked hourly: runs once a day
DAILY_LEASE = dt.timedelta(hours=1)


def _daily(app, owner: str, name: str, work) -> None:
    """Daily, by one scheduler of all those running. Each scheduler asks every hour; the one
    that takes the job's lease runs it, when it has not run for a day."""
    with app.app_context():
        try:
            if not claim_job(db.session, name, owner, every=DAILY, lease=DAILY_LEASE):
                return
            ran = False
            try:
                log.info("%s: %s", name, work(app))
                db.session.commit()
                ran = True
            finally:
                db.session.rollback()
                job_finished(db.session, name, owner, ran=ran)
        except Exception:
            log.exception("the daily job %s failed; the next hour tries again", name)
        finally:
            db.session.remove()


def _materialise(app) -> str:
    """Series that never end get their next days of occurrences written."""
    return f"occurrences of {extend(db.session)} events (re)written"


def _daily_summary(app) -> str:
    """The coordinators' summary of silent spaces and held removals (when there are some)."""
    from corete.federation.alerts import daily_summary

    return f"{daily_summary(db.session, utcnow(), app.config)} summaries queued"


DAILY_JOBS = {"materialise": _materialise, "daily-summary": _daily_summary}


def _tick(app, owner: str, started_at: dt.datetime) -> None:
    with app.app_context():
        try:
            beat(db.session, owner, started_at)
            for summary in poll_round(db.session, app.config, owner=owner):
                metrics.record_poll(summary)
                log.info(summary.line(), extra={"fields": {
                    "feed_id": summary.feed_id, "url": summary.url, "outcome": summary.outcome,
                    "status": summary.status, "new": summary.new, "updated": summary.updated,
                    "removed": summary.removed, "rejected": summary.rejected, "error_class": summary.error_class,
                    "fetch_ms": summary.duration_ms, "apply_ms": summary.apply_ms}})
        except Exception:
            log.exception("a scheduler tick failed; the next one tries again")
            db.session.rollback()
        finally:
            db.session.remove()


def _send_mail(app, owner: str) -> None:
    """Sends what the outbox holds that is due. Messages are leased: several schedulers
    share the outbox and never send one message twice."""
    from corete.mail.services import deliver

    with app.app_context():
        try:
            outcome = deliver(db.session, app.config, owner)
            if outcome.sent or outcome.retried or outcome.failed or outcome.refused:
                log.info("mail: %s", outcome.line())
            elif outcome.error and app.config["MAIL_SERVER"]:
                log.warning("mail: %s", outcome.error)
        except Exception:
            log.exception("sending mail failed; the next look tries again")
            db.session.rollback()
        finally:
            db.session.remove()


@click.command("scheduler")
@click.option("--metrics-port", type=click.IntRange(1, 65535),
              help="Serve this scheduler's Prometheus metrics on 127.0.0.1 at this port.")
@with_appcontext
def scheduler_command(metrics_port):
    """Run the periodic poller in the foreground (Ctrl-C stops it)."""
    app = current_app._get_current_object()
    if metrics_port or app.config["SCHEDULER_METRICS_PORT"]:
        metrics.serve(int(metrics_port or app.config["SCHEDULER_METRICS_PORT"]))
    moved = spread_overdue(db.session, app.config)
    if moved:
        log.info("spread %d overdue feeds over the next minutes", moved)
    owner = poller_id()
    started_at = utcnow()
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_tick, "interval", seconds=int(app.config["SCHEDULER_TICK"]), args=(app, owner, started_at),
                      max_instances=1, coalesce=True, id="poll")
    for name, work in DAILY_JOBS.items():
        scheduler.add_job(_daily, "interval", hours=1, args=(app, owner, name, work), max_instances=1,
                          coalesce=True, id=name, next_run_time=dt.datetime.now(dt.timezone.utc))
    scheduler.add_job(_send_mail, "interval", seconds=int(app.config["MAIL_SEND_INTERVAL"]), args=(app, owner),
                      max_instances=1, coalesce=True, id="mail")
    beat(db.session, owner, started_at)  # seen at once: /readyz need not wait for the first tick
    click.echo(f"scheduler {owner}: looking for due feeds every {app.config['SCHEDULER_TICK']} s")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
