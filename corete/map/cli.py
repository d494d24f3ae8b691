"""`corete assets install` and `corete assets check`: the map's scripts and styles."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from corete.map import vendor

assets_cli = AppGroup("assets", help="The map's scripts and styles (Leaflet, supercluster).")


@assets_cli.command("install")
def install_command():
    """Install Leaflet and supercluster with npm into MAP_ASSETS_DIR (or the package's folder)."""
    try:
        target = vendor.install(current_app.config)
    except vendor.AssetsError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"map assets installed in {target}")


@assets_cli.command("check")
def check_command():
    """Exit 1, naming what is missing, when the map's files are not installed."""
    absent = vendor.missing(current_app.config)
    if absent:
        click.echo(f"missing in {vendor.folder(current_app.config)}: {', '.join(absent)}; "
                   "run `corete assets install`", err=True)
        sys.exit(1)
    click.echo(f"map assets ready in {vendor.folder(current_app.config)}")
