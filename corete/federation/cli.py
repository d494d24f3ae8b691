"""`corete poll`, `corete feed validate`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo


@click.command("poll")
@click.argument("slug", required=False)
@click.option("--all", "poll_all", is_flag=True, help="Poll every active feed now.")
@click.option("--due", is_flag=True, help="Poll only the feeds that are due.")
@click.pass_context
def poll_command(ctx, slug, poll_all, due):
    """Poll feeds once and print one line per feed."""
    if not (slug or poll_all or due):
        raise click.UsageError("give a space SLUG, --all or --due")
    if current_app:  # a caller's app (tests, `flask shell`)
        _poll(slug, poll_all)
        return
    if due and not slug and not poll_all:
        # From cron, every minute, nothing is usually due: one query answers that
        # before the app is built (federation/due.py).
        from corete.configure import configured_flask
        from corete.federation.due import anything_due

        if not anything_due(configured_flask().config["SQLALCHEMY_DATABASE_URI"]):
            click.echo("nothing to poll")
            return
    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        _poll(slug, poll_all)


def _poll(slug, poll_all) -> None:
    from sqlalchemy import select

    from corete.extensions import db
    from corete.federation.jobs import poll_round
    from corete.federation.models import Feed
    from corete.spaces.models import Space

    feed_ids = None
    if slug:
        feed_ids = list(db.session.scalars(select(Feed.id).join(Space).where(Space.slug == slug)))
        if not feed_ids:
            raise click.ClickException(f"no space {slug!r} with feeds")
    elif poll_all:
        feed_ids = list(db.session.scalars(select(Feed.id)))
    summaries = poll_round(db.session, current_app.config, feed_ids=feed_ids,
                           on_result=lambda s: click.echo(s.line()))
    if not summaries:
        click.echo("nothing to poll")


feed_cli = AppGroup("feed", help="Member feeds.")


@feed_cli.command("validate")
@click.argument("source")
def validate_command(source):
    """Check a feed (URL or file) and print every problem with where it is and how to fix it.
    Exits 1 when the feed is invalid, 0 when it is valid (warnings allowed)."""
    from corete.federation.validate import validate_source

    if Path(source).exists():
        report = validate_source(body=Path(source).read_bytes(), config=current_app.config)
    else:
        report = validate_source(url=source, config=current_app.config)
    for line in report.lines():
        click.echo(line)
    sys.exit(0 if report.valid else 1)
