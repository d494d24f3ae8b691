"""`corete skills ...`: the taxonomy from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from corete.core import shared
from corete.extensions import db
from corete.skills.services import remap_all, unmapped
from corete.skills.taxonomy import DATA_FILE, Taxonomy, TaxonomyError, taxonomy

skills_cli = AppGroup("skills", help="The network's taxonomy of skills.")


@skills_cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def check_command(path):
    """Read a taxonomy file (the shipped one by default) and say what is wrong with it."""
    try:
        tax = Taxonomy.load(path or DATA_FILE)
    except TaxonomyError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{len(tax.categories())} categories, {len(tax.taxa) - len(tax.categories())} skills, "
               f"{len(tax.terms)} terms: fine")


@skills_cli.command("remap")
def remap_command():
    """Map every skill again: run it after editing the taxonomy file. Every web worker,
    on every machine, reads the file again within a second (no restart)."""
    taxonomy.cache_clear()
    changed = remap_all(db.session)
    shared.bump(db.session, "taxonomy")
    shared.bump(db.session, "map")  # the map's skills layer shows the new mapping
    db.session.commit()
    click.echo(f"{changed} skills changed entry; {len(unmapped(db.session))} free texts left to map")
