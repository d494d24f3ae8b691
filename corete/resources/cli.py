"""`corete resources calendars`: read the busy calendars resources name, now."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from corete.extensions import db

resources_cli = AppGroup("resources", help="Rooms and equipment: their busy calendars.")


@resources_cli.command("calendars")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="Calendars to read at most (default: RESOURCE_CALENDARS_PER_RUN).")
def calendars_command(limit):
    """Read the iCalendars of busy time that are due (the scheduler does this every minute)."""
    from corete.resources.calendars import read_calendars

    click.echo(read_calendars(db.session, current_app.config, limit=limit))


@resources_cli.command("pictures")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="Addresses to fetch at most (default: PICTURES_PER_RUN).")
def pictures_command(limit):
    """Fetch the photos resources name and the hub has not kept yet (the scheduler does this
    every minute, with the events' pictures)."""
    from corete.media.services import fetch_pending
    from corete.resources.models import Resource

    click.echo(fetch_pending(db.session, Resource, current_app.config, limit=limit))
    db.session.commit()
