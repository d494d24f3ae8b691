"""`corete events materialise`: write the occurrence rows the calendar reads."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from corete.events.materialise import extend
from corete.extensions import db

events_cli = AppGroup("events", help="The merged calendar's stored occurrences.")


@events_cli.command("materialise")
def materialise_command():
    """Write occurrences of events that have none yet and move series' horizon on.
    The scheduler does this when it starts and every day; run it after an upgrade."""
    count = extend(db.session)
    click.echo(f"{count} events (re)written")


@events_cli.command("pictures")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="Addresses to fetch at most (default: PICTURES_PER_RUN).")
def pictures_command(limit):
    """Fetch the pictures events name and the hub has not kept yet (the scheduler does this
    every minute)."""
    from flask import current_app

    from corete.events.models import Event
    from corete.media.services import fetch_pending

    click.echo(fetch_pending(db.session, Event, current_app.config, limit=limit))
    db.session.commit()
