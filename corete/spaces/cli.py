"""`corete spaces ...`: the member registry from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from corete.extensions import db
from corete.core.vocabulary import SPACE_KINDS
from corete.spaces.models import Space
from corete.spaces.services import RegistryError, add_space, feed_health, get_space, import_csv

spaces_cli = AppGroup("spaces", help="The member registry: spaces and their feeds.")


@spaces_cli.command("add")
@click.option("--name", required=True)
@click.option("--feed", "feeds", multiple=True, required=True, help="Feed URL (repeatable).")
@click.option("--city")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--kind", type=click.Choice(SPACE_KINDS))
@click.option("--email")
@click.option("--website")
def add_command(name, feeds, **fields):
    """Add a space; prints its slug."""
    try:
        space = add_space(db.session, name, list(feeds), **fields)
        db.session.commit()
    except RegistryError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    click.echo(space.slug)


@spaces_cli.command("list")
def list_command():
    """One line per space: slug, kind, city, feeds, active."""
    for space in db.session.scalars(select(Space).order_by(Space.slug)):
        flags = ("" if space.active else " inactive") + (" accredited" if space.accredited else "")
        click.echo(f"{space.slug}\t{space.kind}\t{space.city or '-'}\t{len(space.feeds)} feed(s){flags}")


@spaces_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_command(csv_file):
    """Import spaces from CSV (name,feed_url[,city,lat,lon,kind,email,website])."""
    try:
        report = import_csv(db.session, csv_file)
        db.session.commit()
    except RegistryError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, {len(report.errors)} errors")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.errors:
        raise SystemExit(1)


@spaces_cli.command("remove")
@click.argument("slug")
def remove_command(slug):
    """Remove a space, its feeds and everything they published."""
    try:
        space = get_space(db.session, slug)
    except RegistryError as e:
        raise click.ClickException(str(e)) from None
    db.session.delete(space)
    db.session.commit()
    click.echo(f"removed {slug}")


@spaces_cli.command("health")
@click.argument("slug", required=False)
def health_command(slug):
    """Per feed: last success, last status, last error, failures, next poll."""
    stmt = select(Space).order_by(Space.slug)
    if slug:
        stmt = stmt.where(Space.slug == slug)
    spaces = db.session.scalars(stmt).all()
    if slug and not spaces:
        raise click.ClickException(f"no space {slug!r}")
    for space in spaces:
        for feed in space.feeds:
            h = feed_health(feed)
            error = f"{h['last_error_class']}: {h['last_error_message']}" if h["last_error_class"] or h["last_error_message"] else "-"
            click.echo(
                f"{space.slug}\t{h['url']}\tstate={h['state']}\tlast_success={h['last_success_at'] or 'never'}"
                f"\tstatus={h['last_status'] or '-'}\tfailures={h['consecutive_failures']}"
                f"\tnext={h['next_poll_at'] or '-'}\terror={error}"
            )
