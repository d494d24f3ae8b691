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
