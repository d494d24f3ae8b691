"""Rounds on a real network: needs polled from feeds served on localhost into the database,
the coordinator's catalogue and queue, a round from open to settled, its pages, exports
and API."""
from __future__ import annotations

import csv
import html
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.purchasing.models import Need, NeedValue, Round
from tests.conftest import csrf_token, login, make_space, poll

NEXT_MONTH = dt.date.today() + dt.timedelta(days=40)


class Network:
    """Spaces whose feeds publish needs; ``publish`` changes a feed, ``poll`` reads it."""

    def __init__(self, app, session, httpserver):
        self.app, self.session, self.httpserver = app, session, httpserver
        self.spaces, self.items = {}, {}

    def publish(self, slug: str, items: list[dict]) -> None:
        self.items[slug] = items
        self.httpserver.clear_all_handlers()  # the first handler for a path wins: register them all again
        for name, published in self.items.items():
            body = feeds.jsonfeed({"name": name.capitalize(), "kind": "coworking", "city": "Roma"}, published,
                                  feed_url=f"http://x/{name}.json")
            self.httpserver.expect_request(f"/{name}.json").respond_with_data(
                body, content_type="application/feed+json")
        if slug not in self.spaces:
            self.spaces[slug] = make_space(self.session, self.httpserver.url_for(f"/{slug}.json"),
                                           name=slug.capitalize())

    def poll(self, slug: str) -> None:
        poll(self.app, self.spaces[slug])


def coffee(quantity, tolerance=0, *, item="Caffè in grani", unit="kg", sku=None):
    return feeds.item("need", "caffe", item, quantity=quantity, unit=unit, tolerance=tolerance, need_by=NEXT_MONTH,
                           sku=sku)


@pytest.fixture
def network(app, session, httpserver):
    net = Network(app, session, httpserver)
    net.publish("pigneto", [coffee(2, 1)])
    net.publish("ostiense", [coffee(3, sku="COFFEE-6KG", item="Coffee")])
    net.publish("prati", [coffee(2, 2, item="Caffè macinato")])
    net.publish("sanlorenzo", [feeds.item("need", "toner", "Toner laser", quantity=1, unit="pz", need_by=NEXT_MONTH),
                               feeds.item("need", "video", "Un videomaker", kind="service")])
    for slug in ("pigneto", "ostiense", "prati", "sanlorenzo"):  # one after the other: the queue's order
        net.poll(slug)
    return net


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def _catalogue(client, token, *, min_order_value=""):
    page = client.post("/purchasing/catalogue", data={
        "csrf_token": token, "form": "supplier", "name": "Torrefazione Esempio", "shipping_fee": "9,00",
        "shipping_split": "value", "min_order_value": min_order_value}, follow_redirects=True)
    assert page.status_code == 200, page.get_data(as_text=True)
    supplier_id = page.get_data(as_text=True).split('name="supplier_id"><option value="')[1].split('"')[0]
    page = client.post("/purchasing/catalogue", data={
        "csrf_token": token, "form": "product", "supplier_id": supplier_id, "sku": "coffee-6kg",
        "name": "Caffè in grani, cartone da 6 kg", "group_unit": "kg", "pack_unit": "carton", "pack_size": "6",
        "pack_price": "60,00", "aliases": "Caffè in grani, caffe grani"}, follow_redirects=True)
    assert page.status_code == 200, page.get_data(as_text=True)
    return supplier_id


def _open(client, token, supplier_id, **overrides):
    now = dt.datetime.now()
    data = {"csrf_token": token, "supplier_id": supplier_id, "name": "Caffè di dicembre",
            "opens_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "delivery_date": (dt.date.today() + dt.timedelta(days=10)).isoformat(), "policy": "fcfs"}
    data.update(overrides)
    return client.post("/purchasing/rounds", data=data)


def _step(client, token, round_id, action, **fields):
    return client.post(f"/purchasing/rounds/{round_id}/steps", data={"csrf_token": token, "action": action, **fields})


def test_each_value_of_a_goods_need_is_kept_with_when_it_was_seen(network, session):
    network.publish("pigneto", [coffee(4, 1)])
    network.poll("pigneto")
    network.poll("pigneto")  # unchanged: no new value
    network.publish("pigneto", [coffee(4, 0)])
    network.poll("pigneto")
    need = session.scalar(select(Need).join(Need.space).where(Need.source_id == "caffe",
                                                              Need.space.has(slug="pigneto")))
    values = session.scalars(select(NeedValue).where(NeedValue.need_id == need.id).order_by(NeedValue.id)).all()
    assert [(v.quantity, v.tolerance) for v in values] == [(2, 1), (4, 1), (4, 0)]
    assert values[0].seen_at <= values[1].seen_at <= values[2].seen_at
    service = session.scalar(select(Need).where(Need.source_id == "video"))
    assert session.scalars(select(NeedValue).where(NeedValue.need_id == service.id)).all() == []


def test_a_round_from_open_to_settled(network, coordinator, client, session):
    coord, token = coordinator
    supplier_id = _catalogue(coord, token)

    # The queue: "Caffè macinato" matches no code and no name, but coffee is suggested;
    # the toner matches nothing and is rejected with a reason its space sees.
    queue = coord.get("/purchasing/queue").get_data(as_text=True)
    assert "Caffè macinato" in queue and "Toner laser" in queue and "Un videomaker" not in queue
    assert "Caffè in grani, cartone da 6 kg (Torrefazione Esempio) · suggerito" in queue or \
        "Caffè in grani, cartone da 6 kg (Torrefazione Esempio) · suggested" in queue
    macinato = session.scalar(select(Need).where(Need.item == "Caffè macinato"))
    toner = session.scalar(select(Need).where(Need.item == "Toner laser"))
    product_id = queue.split('name="product_id"')[1].split('<option value="')[1].split('"')[0]
    assert coord.post("/purchasing/queue", data={"csrf_token": token, "need_id": macinato.id,
                                                 "product_id": product_id}).status_code == 302
    refused = coord.post("/purchasing/queue", data={"csrf_token": token, "need_id": toner.id})
    assert refused.status_code == 400  # a rejection needs its reason
    assert coord.post("/purchasing/queue", data={"csrf_token": token, "need_id": toner.id,
                                                 "reason": "Il toner non è nel catalogo"}).status_code == 302
    assert "Toner laser" not in coord.get("/purchasing/queue").get_data(as_text=True)
    space_page = client.get("/spaces/sanlorenzo").get_data(as_text=True)
    assert "Il toner non è nel catalogo" in space_page
    api_need = next(n for n in client.get("/api/v1/needs?space=sanlorenzo").get_json()["items"]
                    if n["item"] == "Toner laser")
    assert api_need["pooling"] == {"status": "rejected", "reason": "Il toner non è nel catalogo", "product": None}

    # Open: computed live. Q = 2 + 3 + 2 = 7, T = 3: one carton; pigneto 2, ostiense 3, prati 1.
    opened = _open(coord, token, supplier_id)
    assert opened.status_code == 302
    rnd = session.scalar(select(Round))
    live = client.get(f"/api/v1/purchasing/rounds/{rnd.id}").get_json()
    (item,) = live["result"]["items"]
    assert item["allocations"] == {"pigneto": 2, "ostiense": 3, "prati": 1}
    assert live["result"]["supplier_order"]["lines"] == [{"sku": "coffee-6kg", "packs": 1, "line_total": "60.00"}]
    assert live["result"]["members"]["ostiense"] == {"goods": "30.00", "shipping": "4.50", "total": "34.50"}
    live_page = client.get(f"/purchasing/rounds/{rnd.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1/6" in live_page and "2 more to complete it" in live_page  # rest 1 kg, tolerance 3: 6 - 1 - 3

    # Close: frozen. A feed raising its need afterwards changes nothing in the round.
    assert _step(coord, token, rnd.id, "close").status_code == 302
    network.publish("ostiense", [coffee(10, sku="COFFEE-6KG", item="Coffee")])
    network.poll("ostiense")
    after = client.get(f"/api/v1/purchasing/rounds/{rnd.id}").get_json()
    assert after["state"] == "closed" and after["result"] == live["result"]

    # Ordered, then 5 kg delivered instead of 6: first come, first served again.
    assert _step(coord, token, rnd.id, "deliver", sku="coffee-6kg", units="5").status_code == 400  # not ordered yet
    assert _step(coord, token, rnd.id, "order").status_code == 302
    assert _step(coord, token, rnd.id, "deliver", sku="coffee-6kg", units="cinque").status_code == 400
    assert _step(coord, token, rnd.id, "deliver", sku="coffee-6kg", units="5").status_code == 302
    delivered = client.get(f"/api/v1/purchasing/rounds/{rnd.id}").get_json()
    (item,) = delivered["result"]["items"]
    assert item["allocations_at_close"] == {"pigneto": 2, "ostiense": 3, "prati": 1}
    assert item["allocations"] == {"pigneto": 2, "ostiense": 3}
    members = delivered["result"]["members"]
    assert sum(Decimal(m["goods"]) for m in members.values()) == Decimal("50.00")
    assert sum(Decimal(m["shipping"]) for m in members.values()) == Decimal("9.00")
    assert _step(coord, token, rnd.id, "settle").status_code == 302

    page = client.get(f"/purchasing/rounds/{rnd.id}", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Caffè di dicembre" in page and "regolato" in page and "coord@corete.example" not in page
    coordinator_page = coord.get(f"/purchasing/rounds/{rnd.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    actions = [a for a in ("opened", "closed", "ordered", "delivery recorded", "settled")
               if f"coord@corete.example · {a}" in coordinator_page]
    assert actions == ["opened", "closed", "ordered", "delivery recorded", "settled"]
    assert "coffee-6kg · 5 units received" in coordinator_page and "{&#34;" not in coordinator_page and '{"' not in coordinator_page
    statement = client.get(f"/purchasing/rounds/{rnd.id}/statements/ostiense").get_data(as_text=True)
    assert "30,00" in statement or "30.00" in statement
    assert client.get(f"/purchasing/rounds/{rnd.id}/statements/prati").status_code == 404  # nothing received

    rows = list(csv.reader(io.StringIO(coord.get(f"/purchasing/rounds/{rnd.id}/order.csv").get_data(as_text=True))))
    assert rows[1][:3] == ["coffee-6kg", "Caffè in grani, cartone da 6 kg", "1"] and rows[1][-1] == "60.00"
    assert "Ordine a Torrefazione Esempio" in coord.get(f"/purchasing/rounds/{rnd.id}/order",
                                                        headers={"Accept-Language": "it"}).get_data(as_text=True)


def test_a_round_below_the_supplier_minimum_is_held_and_charges_nobody(network, coordinator, client, session):
    coord, token = coordinator
    supplier_id = _catalogue(coord, token, min_order_value="100")
    assert _open(coord, token, supplier_id).status_code == 302
    rnd = session.scalar(select(Round))
    assert _step(coord, token, rnd.id, "close").status_code == 302
    doc = client.get(f"/api/v1/purchasing/rounds/{rnd.id}").get_json()
    assert doc["state"] == "held" and doc["result"]["supplier_order"]["status"] == "held_below_minimum"
    assert doc["result"]["members"] == {} and doc["result"]["supplier_order"]["lines"] == []
    assert _step(coord, token, rnd.id, "order").status_code == 400


def test_withdrawal_after_close_stays_with_who_withdrew(network, coordinator, client, session):
    coord, token = coordinator
    network.publish("ostiense", [coffee(3, 2, sku="COFFEE-6KG", item="Coffee")])  # now accepts 2 kg more
    network.poll("ostiense")
    supplier_id = _catalogue(coord, token)
    _open(coord, token, supplier_id)
    rnd = session.scalar(select(Round))
    _step(coord, token, rnd.id, "close")  # Q = 5, T = 3: one carton, pigneto 2 + 1, ostiense 3
    assert _step(coord, token, rnd.id, "withdraw", sku="coffee-6kg", member="nessuno").status_code == 400
    assert _step(coord, token, rnd.id, "withdraw", sku="coffee-6kg", member="pigneto").status_code == 302
    (item,) = client.get(f"/api/v1/purchasing/rounds/{rnd.id}").get_json()["result"]["items"]
    # Ostiense's tolerance takes 2 of Pigneto's 3 kg; the last one stays with Pigneto, who still pays it.
    assert item["allocations_at_close"] == {"pigneto": 3, "ostiense": 3}
    assert item["allocations"] == {"ostiense": 5, "pigneto": 1}
    assert item["withdrawn"] == ["pigneto"] and item["left_with_withdrawn"] == {"pigneto": 1}
    assert "1 kg restano a Pigneto" in coord.get(f"/purchasing/rounds/{rnd.id}",
                                                headers={"Accept-Language": "it"}).get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("closes_at", "2020-01-01T10:00", "Il giro deve chiudersi dopo l'apertura."),
    ("delivery_date", "domani", "Non è una data."),
    ("name", "", "Questo campo è obbligatorio."),
])
def test_bad_round_values_are_clear_errors_in_the_visitors_language(network, coordinator, field, value, message):
    coord, token = coordinator
    supplier_id = _catalogue(coord, token)
    page = _open(coord, token, supplier_id, **{field: value})
    assert page.status_code == 400
    it_page = coord.post("/purchasing/rounds", headers={"Accept-Language": "it"},
                         data={"csrf_token": token, "supplier_id": supplier_id, "name": "Giro",
                               "opens_at": "2026-11-01T10:00", "closes_at": "2026-11-20T10:00",
                               "delivery_date": "2026-11-30", field: value})
    assert it_page.status_code == 400 and message in html.unescape(it_page.get_data(as_text=True))


def test_bad_catalogue_values_are_errors_not_500s(coordinator):
    coord, token = coordinator
    page = coord.post("/purchasing/catalogue", headers={"Accept-Language": "it"}, data={
        "csrf_token": token, "form": "supplier", "name": "Fornitore", "shipping_fee": "tanti"})
    assert page.status_code == 400 and "Non è un numero." in page.get_data(as_text=True)
    _catalogue(coord, token)
    again = coord.post("/purchasing/catalogue", data={"csrf_token": token, "form": "supplier",
                                                      "name": "torrefazione esempio"})
    assert again.status_code == 400


def test_only_coordinators_act_and_every_form_needs_its_token(network, app, tmp_path, client):
    operator, op_token = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    assert operator.get("/purchasing/catalogue").status_code == 403
    assert operator.post("/purchasing/rounds", data={"csrf_token": op_token}).status_code == 403
    assert client.get("/purchasing/queue").status_code == 302  # to the login page
    coord, token = login(app, app.test_cli_runner(), tmp_path, "c2@corete.example", "coordinator")
    assert coord.post("/purchasing/catalogue", data={"form": "supplier", "name": "Senza token"}).status_code == 400
    assert "csrf_token" in coord.get("/purchasing/catalogue").get_data(as_text=True)
    assert csrf_token(coord.get("/purchasing").get_data(as_text=True))


def test_the_purchasing_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/purchasing/rounds", "/api/v1/purchasing/rounds/{round_id}",
            "/api/v1/purchasing/suppliers"} <= set(paths)


def test_price_tiers_are_written_as_packs_equals_price(coordinator, session):
    coord, token = coordinator
    supplier_id = _catalogue(coord, token)
    product = {"csrf_token": token, "form": "product", "supplier_id": supplier_id, "sku": "a4", "name": "Carta A4",
               "group_unit": "ream", "pack_unit": "box", "pack_size": "5", "pack_price": "22,50"}
    bad = coord.post("/purchasing/catalogue", headers={"Accept-Language": "it"},
                     data={**product, "tiers": "tre = 20"})
    assert bad.status_code == 400 and "Scrivi ogni fascia" in html.unescape(bad.get_data(as_text=True))
    assert coord.post("/purchasing/catalogue", data={**product, "tiers": "10 = 19,00; 3 = 21"}).status_code == 302
    from corete.purchasing.models import Product

    tiers = session.scalar(select(Product.tiers).where(Product.sku == "a4"))
    assert tiers == [{"min_packs": 3, "pack_price": "21"}, {"min_packs": 10, "pack_price": "19.00"}]
    loose = coord.post("/purchasing/catalogue", data={**product, "sku": "a5", "loose": "true"})
    assert loose.status_code == 400  # reams cannot be sold loose
