"""`corete digest send --from --to`: the newsletter for a period, now."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from corete.extensions import db

digest_cli = AppGroup("digest", help="The network's digest, e-mailed to its subscribers.")


@digest_cli.command("send")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Day after the last (YYYY-MM-DD).")
def send_command(start, end):
    """Queue the newsletter of [--from, --to) for every subscriber (the scheduler sends it).
    Run twice for the same period, nobody receives it twice."""
    from corete.newsletter.services import send_digest

    if end <= start:
        raise click.BadParameter("--to must come after --from")
    if end - start > dt.timedelta(days=92):
        raise click.BadParameter("a newsletter covers at most 92 days")
    click.echo(f"{send_digest(db.session, start.date(), end.date())} messages queued")
