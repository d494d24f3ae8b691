"""`corete db ...`: Flask-Migrate's commands, and `corete db backup FILE`."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_cli

from corete.extensions import db


@db_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(target: Path):
    """Copy a SQLite database to TARGET while the hub runs (SQLite's online backup:
    a consistent copy, polls and visitors carry on). For PostgreSQL, use pg_dump."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            f"the database is {url.get_backend_name()}: back it up with pg_dump, e.g. "
            f"pg_dump --format=custom --file={target} {url.database} (docs/deploy.md, 'Backups')")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory database has nothing to back up")
    if target.resolve() == Path(url.database).resolve():
        raise click.ClickException("TARGET is the database itself")
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(url.database)
    copy = sqlite3.connect(partial)
    try:
        with copy:
            source.backup(copy, pages=1024)  # in steps: writers wait at most one step
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"the copy failed its integrity check: {integrity}")
    partial.replace(target)  # a backup is either whole or not there
    click.echo(f"backed up {url.database} to {target} ({target.stat().st_size} bytes)")
