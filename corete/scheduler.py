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


def _job(app, owner: str, name: str, work, every: dt.timedelta, lease: dt.timedelta) -> None:
    """A job one scheduler of all those running does at a time, at most once per ``every``:
    each asks on its schedule; the one that takes the job's lease runs it."""
    with app.app_context():
        try:
            if not claim_job(db.session, name, owner, every=every, lease=lease):
                return
            ran = False
            try:
                said = work(app)
                db.session.commit()
                if said:
                    log.info("%s: %s", name, said)
                ran = True
            finally:
                db.session.rollback()
                job_finished(db.session, name, owner, ran=ran)
        except Exception:
            log.exception("the job %s failed; its next turn tries again", name)
        finally:
            db.session.remove()


def _materialise(app) -> str:
    """Series that never end get their next days of occurrences written."""
    return f"occurrences of {extend(db.session)} events (re)written"


def _pictures(app) -> str | None:
    """The pictures events and resources name, fetched once through the guarded fetcher and kept."""
    from corete.events.models import Event
    from corete.media.services import fetch_pending
    from corete.resources.models import Resource

    said = [fetch_pending(db.session, model, app.config) for model in (Event, Resource)]
    said = [s for s in said if s != "no pictures to fetch"]
    return "; ".join(said) or None


def _resource_calendars(app) -> str | None:
    """The busy calendars resources name, read again every RESOURCE_CALENDAR_MINUTES."""
    from corete.resources.calendars import read_calendars

    said = read_calendars(db.session, app.config)
    return None if said == "no calendars to read" else said


def _geocode(app) -> str | None:
    """Street-level positions for addresses, when a geocoder is configured (GEOCODER_URL)."""
    from corete.map.geocode import run

    return run(db.session, app.config)


def _daily_summary(app) -> str:
    """The coordinators' summary of silent spaces and held removals (when there are some),
    and the outbox's old messages forgotten."""
    from corete.mail.alerts import daily_summary
    from corete.mail.services import prune

    summaries = daily_summary(db.session, utcnow(), app.config)
    db.session.commit()
    return f"{summaries} summaries queued, {prune(db.session, utcnow(), app.config)} old messages forgotten"


def _rounds(app) -> str | None:
    """Purchasing rounds past their deadline close; reminders before they do."""
    from corete.purchasing.automation import run

    said = run(db.session, utcnow(), app.config)
    return None if said.startswith("0 rounds closed, 0 ") else said


def _newsletter(app) -> str | None:
    """The monthly newsletter and the weekly follow e-mails, when their day and hour come.
    Each issue is a job of its own, run once ever; a scheduler that dies sending one leaves
    it to the next look, which queues only what is missing."""
    from corete.newsletter import services

    said, now = [], utcnow()
    period = services.due_issue(now, app.config)
    if period is not None and _once(app, f"newsletter:{period[0].isoformat()}",
                                    lambda: services.send_digest(db.session, *period)):
        said.append(f"newsletter {period[0]}")
    week = services.follow_due(now, app.config)
    if week is not None and _once(app, f"follow:{week.isoformat()}", lambda: services.send_follow(db.session, week)):
        said.append(f"weekly e-mails {week}")
    return ", ".join(said) or None


def _once(app, name: str, work) -> bool:
    """Run ``work`` if no scheduler ever finished the job ``name``; whether it ran now."""
    owner = f"{name}:{id(app)}"
    if not claim_job(db.session, name, owner, every=dt.timedelta(days=3650), lease=dt.timedelta(hours=1)):
        return False
    ran = False
    try:
        work()
        ran = True
    finally:
        db.session.rollback()
        job_finished(db.session, name, owner, ran=ran)
    return True


def _websub(app) -> str | None:
    """WebSub subscriptions to the hubs member feeds name: made, renewed, ended."""
    from corete.push.websub import run

    return run(db.session, app.config)


def _websub_hub(app) -> str | None:
    """The hub's own WebSub hub: subscriptions confirmed, new versions of its feeds sent."""
    from corete.push.publish import run

    return run(app, db.session)


def _fediverse(app) -> str | None:
    """The calendars' followers on other servers: what changed announced, deliveries sent."""
    from corete.fediverse.services import run

    return run(db.session, app.config)


# name: (work, asked every so many seconds, runs at most once per, the lease of a scheduler
# that died running it ends after)
JOBS = {"materialise": (_materialise, 3600, DAILY, dt.timedelta(hours=1)),
        "daily-summary": (_daily_summary, 3600, DAILY, dt.timedelta(minutes=30)),
        "rounds": (_rounds, 60, dt.timedelta(0), dt.timedelta(minutes=5)),
        "pictures": (_pictures, 60, dt.timedelta(0), dt.timedelta(minutes=10)),
        "geocode": (_geocode, 60, dt.timedelta(0), dt.timedelta(minutes=10)),
        "resource-calendars": (_resource_calendars, 60, dt.timedelta(0), dt.timedelta(minutes=10)),
        "newsletter": (_newsletter, 600, dt.timedelta(0), dt.timedelta(hours=2)),
        "websub": (_websub, 60, dt.timedelta(0), dt.timedelta(minutes=10)),
        "websub-hub": (_websub_hub, 10, dt.timedelta(0), dt.timedelta(minutes=10)),
        "fediverse": (_fediverse, 10, dt.timedelta(0), dt.timedelta(minutes=10))}


def _tick(app, owner: str, started_at: dt.datetime) -> None:
    with app.app_context():
        try:
            beat(db.session, owner, started_at)
            changed = False
            for summary in poll_round(db.session, app.config, owner=owner):
                changed = changed or summary.outcome in ("applied", "confirmed")
                metrics.record_poll(summary)
                log.info(summary.line(), extra={"fields": {
                    "feed_id": summary.feed_id, "url": summary.url, "outcome": summary.outcome,
                    "status": summary.status, "new": summary.new, "updated": summary.updated,
                    "removed": summary.removed, "rejected": summary.rejected, "error_class": summary.error_class,
                    "fetch_ms": summary.duration_ms, "apply_ms": summary.apply_ms}})
        except Exception:
            log.exception("a scheduler tick failed; the next one tries again")
            db.session.rollback()
            changed = False
        finally:
            db.session.remove()
    if changed:  # subscribers and followers hear of it now, not at the jobs' next turn
        for name in ("websub-hub", "fediverse"):
            work, _asked, every, lease = JOBS[name]
            _job(app, owner, name, work, every, lease)


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
    try:
        moved = spread_overdue(db.session, app.config)
        if moved:
            log.info("spread %d overdue feeds over the next minutes", moved)
    except Exception:  # never a reason not to start: they are polled as they are
        log.exception("spreading the overdue feeds failed")
        db.session.rollback()
    owner = poller_id()
    started_at = utcnow()
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_tick, "interval", seconds=int(app.config["SCHEDULER_TICK"]), args=(app, owner, started_at),
                      max_instances=1, coalesce=True, id="poll")
    for name, (work, asked, every, lease) in JOBS.items():
        scheduler.add_job(_job, "interval", seconds=asked, args=(app, owner, name, work, every, lease), max_instances=1,
                          coalesce=True, id=name, next_run_time=dt.datetime.now(dt.timezone.utc))
    scheduler.add_job(_send_mail, "interval", seconds=int(app.config["MAIL_SEND_INTERVAL"]), args=(app, owner),
                      max_instances=1, coalesce=True, id="mail")
    beat(db.session, owner, started_at)  # seen at once: /readyz need not wait for the first tick
    click.echo(f"scheduler {owner}: looking for due feeds every {app.config['SCHEDULER_TICK']} s")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
