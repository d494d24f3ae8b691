"""`corete demo serve` and `corete demo load`: the demo network."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from corete.demo.network import SPACES, documents, feed_paths
from corete.demo.server import FeedServer
from corete.extensions import db
from corete.spaces.models import Space
from corete.spaces.services import add_space

demo_cli = AppGroup("demo", help="The demo network, served on localhost.")


@demo_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True)
def serve_command(host, port):
    """Serve the demo spaces' feeds over HTTP (Ctrl-C stops)."""
    server = FeedServer({}, host, port)
    server.set_documents(documents(server.base_url))
    click.echo(f"demo feeds at {server.base_url}/ ({len(server.documents)} documents)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@demo_cli.command("load")
@click.option("--base-url", default="http://127.0.0.1:8765", show_default=True)
def load_command(base_url):
    """Register the demo spaces (idempotent); their feeds point at the demo server."""
    created = 0
    for spec in SPACES:
        if db.session.scalar(select(Space.id).where(Space.slug == spec["slug"])) is not None:
            continue
        space = add_space(db.session, spec["name"], [base_url.rstrip("/") + p for p in feed_paths(spec["slug"])],
                          city=spec["city"], lat=spec["lat"], lon=spec["lon"], kind=spec["kind"])
        space.slug = spec["slug"]
        space.accredited = bool(spec.get("accredited"))
        created += 1
    db.session.commit()
    click.echo(f"demo network: {created} spaces added, {len(SPACES) - created} already there")
