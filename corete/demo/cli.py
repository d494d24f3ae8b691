"""`corete demo serve` and `corete demo load`: the demo network."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click
from flask.cli import AppGroup
from sqlalchemy import select

from corete.demo.network import SPACES, documents, feed_paths
from corete.demo.server import FeedServer
from corete.extensions import db
from corete.purchasing import services as purchasing
from corete.purchasing.models import Supplier
from corete.spaces.models import Space
from corete.spaces.services import add_space

# The demo's purchasing catalogue: two suppliers, products the demo feeds' needs name.
CATALOGUE = [
    ({"name": "Torrefazione Esempio", "contact": "ordini@torrefazione.example", "min_order_value": Decimal("40"),
      "shipping_fee": Decimal("9.00"), "free_shipping_from": Decimal("150"), "shipping_split": "value"},
     [{"sku": "caffe-5kg", "name": "Caffè in grani, cartone da 5 × 1 kg", "category": "caffè", "group_unit": "kg",
       "pack_unit": "carton", "pack_size": Decimal(5), "pack_price": Decimal("50.00"),
       "tiers": [{"min_packs": 2, "pack_price": "47.50"}], "aliases": "Caffè in grani, caffe grani"}]),
    ({"name": "Cartoleria Esempio", "contact": "vendite@cartoleria.example", "min_order_value": Decimal("50"),
      "shipping_fee": Decimal("6.00"), "shipping_split": "equal"},
     [{"sku": "a4-80", "name": "Carta A4 80 g, scatola da 5 risme", "category": "cancelleria", "group_unit": "ream",
       "pack_unit": "box", "pack_size": Decimal(5), "pack_price": Decimal("22.50"), "aliases": "Carta A4 80 g"}]),
]

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
    click.echo(f"demo purchasing: {load_catalogue()} suppliers added, each with an open round")
    click.echo(f"demo calls: {load_network_call()} call of the coordinators added")


def load_network_call() -> int:
    """A call the coordinators publish for the whole network (idempotent)."""
    from corete.calls.models import Call
    from corete.calls.services import save_network_call

    if db.session.scalar(select(Call.id).where(Call.network.is_(True))) is not None:
        return 0
    today = dt.date.today()
    save_network_call(db.session, {
        "title": "Linee guida della rete ai bandi del Fondo sociale europeo", "kind": "funding",
        "issuer": "CoRete", "deadline": today + dt.timedelta(days=30), "benefit": "una guida e un'ora di consulenza",
        "skills_sought": ["progettazione europea", "fundraising"], "for_spaces": True, "for_nonprofits": True,
        "description": "Come leggere i bandi FSE+, chi nella rete può aiutare e le scadenze della regione."})
    db.session.commit()
    return 1


def load_catalogue() -> int:
    """The demo suppliers and products, and an open round for each (idempotent)."""
    added = 0
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    for supplier_data, products in CATALOGUE:
        if db.session.scalar(select(Supplier.id).where(Supplier.name == supplier_data["name"])) is not None:
            continue
        supplier = purchasing.add_supplier(db.session, dict(supplier_data))
        for product in products:
            purchasing.add_product(db.session, {**product, "supplier_id": supplier.id})
        purchasing.open_round(db.session, supplier, name=f"{supplier.name}: giro di prova", opens_at=now,
                              closes_at=now + dt.timedelta(days=7), delivery_date=(now + dt.timedelta(days=14)).date(),
                              policy="fcfs", by="demo")
        added += 1
    db.session.commit()
    return added
