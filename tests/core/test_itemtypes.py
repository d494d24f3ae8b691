"""A kind of item is one room's work: a type registered here, by a test module, flows from
a member's feed on localhost through the poller to an API of its own, is counted by the
validator and refused item by item when wrong, with no change anywhere else."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from flask import Blueprint, jsonify
from marshmallow import fields, validate
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select

from corete.core import itemtypes
from corete.core.feedschema import Lenient, text
from corete.core.handover import ItemProblem
from corete.core.sanitize import clean_text
from corete.extensions import db
from corete.federation import writers as feeds
from corete.federation.validate import validate_source
from tests.conftest import make_space, poll

# What a room would keep in its models.py: a table of its own.
METADATA = MetaData()
BIKES = Table("test_bike", METADATA, Column("id", Integer, primary_key=True), Column("feed_id", Integer),
              Column("source_id", String(500)), Column("space_id", Integer), Column("model", String(100)),
              Column("gears", Integer))


@dataclass(slots=True)
class BikeData:
    model: str
    gears: int


class BikeSchema(Lenient):
    type = fields.String()
    model = text(100, required=True)
    gears = fields.Integer(validate=validate.Range(1, 30), load_default=1)


def read(f: dict, env) -> BikeData:
    if f["model"].strip().lower() == "penny-farthing":
        raise ItemProblem("a penny-farthing is not lent to the public", "_corete/model")
    return BikeData(clean_text(f["model"], 100), f["gears"])


class BikeHandler:
    item_type = "bike"

    def add(self, session, feed_id, space_id, items):
        session.execute(insert(BIKES), [{"feed_id": feed_id, "space_id": space_id, "source_id": i.source_id,
                                         "model": i.data.model, "gears": i.data.gears} for i in items])

    def replace(self, session, feed_id, space_id, items):
        self.remove(session, feed_id, [i.source_id for i in items])
        self.add(session, feed_id, space_id, items)

    def remove(self, session, feed_id, source_ids):
        session.execute(delete(BIKES).where(BIKES.c.feed_id == feed_id, BIKES.c.source_id.in_(source_ids)))


def bike_item(id: str, model: str, gears: int = 1) -> dict:
    return {"id": id, "title": model, "_corete": {"type": "bike", "model": model, "gears": gears}}


bikes_api = Blueprint("test_bikes", __name__)


@bikes_api.route("/api/v1/bikes")
def list_bikes():
    rows = db.session.execute(select(BIKES.c.model, BIKES.c.gears).order_by(BIKES.c.model)).all()
    return jsonify({"items": [{"model": m, "gears": g} for m, g in rows]})


@pytest.fixture
def bikes(app):
    itemtypes.register(itemtypes.ItemType(name="bike", plural="bikes", data=BikeData, schema=BikeSchema(), read=read,
                                          handler=BikeHandler(), write=bike_item, identity=("model",), order=90))
    app.register_blueprint(bikes_api)
    METADATA.create_all(db.engine)
    yield
    itemtypes.unregister("bike")
    db.session.remove()
    METADATA.drop_all(db.engine)


def _feed(*items) -> bytes:
    return feeds.jsonfeed({"name": "Ciclofficina", "kind": "other", "city": "Torino"}, list(items),
                          feed_url="http://x/f.json")


def test_a_type_registered_by_a_test_module_flows_from_a_feed_to_the_api(app, session, client, httpserver, bikes):
    start = dt.datetime(2030, 5, 1, 18, 0, tzinfo=dt.timezone.utc)
    httpserver.expect_request("/f.json").respond_with_data(
        _feed(feeds.item("bike", "b1", "Graziella", 3), feeds.item("bike", "b2", "Cargo bike", 8),
              feeds.item("event", "e1", "Ciclofficina aperta", start, start + dt.timedelta(hours=2))),
        content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/f.json"), name="Ciclofficina")
    poll(app, space)
    session.commit()
    assert client.get("/api/v1/bikes").get_json() == {"items": [{"model": "Cargo bike", "gears": 8},
                                                                {"model": "Graziella", "gears": 3}]}
    # the other types are untouched by the new one
    events = client.get("/api/v1/events?from=2030-05-01&to=2030-05-02").get_json()
    assert [e["title"] for e in events["items"]] == ["Ciclofficina aperta"]

    # an item that changed is replaced, one that left the feed is removed
    httpserver.clear_all_handlers()
    httpserver.expect_request("/f.json").respond_with_data(
        _feed(feeds.item("bike", "b1", "Graziella", 5),
              feeds.item("event", "e1", "Ciclofficina aperta", start, start + dt.timedelta(hours=2))),
        content_type="application/feed+json")
    poll(app, space)
    session.commit()
    assert client.get("/api/v1/bikes").get_json() == {"items": [{"model": "Graziella", "gears": 5}]}


def test_the_validator_counts_the_new_type_and_refuses_its_bad_items_one_by_one(app, bikes):
    body = _feed(bike_item("b1", "Graziella"), bike_item("b2", "Penny-farthing"), bike_item("b3", "Bmx", 99),
                 {"id": "x", "title": "?", "_corete": {"type": "unicycle"}})
    report = validate_source(body=body, config=app.config)
    assert report.counts["bike"] == 1
    where = {r.where: r.reason for r in report.rejections}
    assert where["/items/1/_corete/model"] == "a penny-farthing is not lent to the public"
    assert "/items/2/_corete/gears" in where
    assert '"bike"' in where["/items/3/_corete/type"] and '"event"' in where["/items/3/_corete/type"]
    assert "1 bikes" in report.lines()[-1] and "0 events" in report.lines()[-1]


def test_without_the_type_its_items_are_refused_and_the_rest_is_taken(app):
    report = validate_source(body=_feed(bike_item("b1", "Graziella")), config=app.config)
    assert not report.valid and report.rejections[0].where == "/items/0/_corete/type"
    assert "bike" not in itemtypes.names()


def test_every_room_type_is_found_without_a_list():
    """The hub's own types come from the rooms' itemtype.py modules: none is listed elsewhere."""
    names = itemtypes.names()
    assert names[:3] == ["event", "skill", "need"]
    for t in itemtypes.types():
        assert t.handler and t.schema and t.read
        assert t.editor is None or t.editor.form is not None
