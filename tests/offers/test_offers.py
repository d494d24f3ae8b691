"""Offers: from a member's feed on localhost and from the hosted editor to the list (by
category and city), the API, the space's page, the map, the validator and the digest."""
from __future__ import annotations

import datetime as dt
import html
import json

import pytest
from sqlalchemy import select

from corete.core.when import local_today
from corete.federation import writers as feeds
from corete.federation.validate import validate_source
from corete.hosting import services as hosting
from corete.offers.models import Offer
from tests.conftest import csrf_token, login, make_space, poll

EN = {"Accept-Language": "en"}


def days(n: int) -> dt.date:
    return local_today() + dt.timedelta(days=n)


@pytest.fixture
def spaces(app, session, httpserver):
    lab = feeds.jsonfeed({"name": "Lab121", "city": "Alessandria"}, [
        feeds.item("offer", "pillole", "Prima consulenza gratuita", "consultation", benefit="1 ora gratis",
                   offered_by="Studio Rossi, commercialista", conditions="Su appuntamento.", valid_until=days(60)),
        feeds.item("offer", "sconto", "Sconto sulla stampa 3D", "discount", benefit="-20%", audience="anyone"),
        feeds.item("offer", "scaduta", "Offerta di ieri", "discount", valid_from=days(-30), valid_until=days(-1)),
    ], feed_url="http://x/f.json")
    rome = feeds.jsonfeed({"name": "Millepiani", "city": "Roma"}, [
        feeds.item("offer", "streaming", "Streaming e video per eventi", "service", valid_from=days(5),
                   text="Come per il Municipio VIII."),
    ], feed_url="http://x/f.json")
    httpserver.expect_request("/lab.json").respond_with_data(lab, content_type="application/feed+json")
    httpserver.expect_request("/rome.json").respond_with_data(rome, content_type="application/feed+json")
    made = [make_space(session, httpserver.url_for("/lab.json"), name="Lab121", city="Alessandria", lat=44.9125,
                       lon=8.6153),
            make_space(session, httpserver.url_for("/rome.json"), name="Millepiani", city="Roma", lat=41.8626,
                       lon=12.4841),
            make_space(session, httpserver.url_for("/none.json"), name="Senza offerte", city="Torino", lat=45.07,
                       lon=7.68)]
    poll(app, made[0])
    poll(app, made[1])
    session.commit()
    return made


def titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [o["title"] for o in answer.get_json()["items"]]


def test_offers_from_feeds_are_found_by_category_and_city(spaces, client):
    # What holds today or later, by title; yesterday's offer is gone
    assert titles(client.get("/api/v1/offers")) == ["Prima consulenza gratuita", "Sconto sulla stampa 3D",
                                                    "Streaming e video per eventi"]
    assert titles(client.get("/api/v1/offers?category=service")) == ["Streaming e video per eventi"]
    assert titles(client.get("/api/v1/offers?city=alessandria&audience=anyone")) == ["Sconto sulla stampa 3D"]
    assert titles(client.get("/api/v1/offers?q=rossi")) == ["Prima consulenza gratuita"]
    first = client.get("/api/v1/offers?space=lab121").get_json()["items"][0]
    assert first["offered_by"] == "Studio Rossi, commercialista" and first["valid_until"] == days(60).isoformat()
    assert first["space"] == "lab121" and first["city"] == "Alessandria" and "/offers?space=lab121" in first["url"]
    for query in ("category=gift", "audience=martians", "page=0", "per_page=100000"):
        assert client.get(f"/api/v1/offers?{query}").status_code == 422, query


def test_the_offers_page_and_the_space_page_in_both_languages(spaces, client):
    page = html.unescape(client.get("/offers").get_data(as_text=True))
    listed = page.split('<ul class="offers">')[1].split("</ul>")[0]
    assert "Prima consulenza gratuita" in listed and "Offerta di ieri" not in listed
    assert "Studio Rossi, commercialista" in listed and "per chiunque" in listed and "dal " in listed
    english = html.unescape(client.get("/offers?category=consultation", headers=EN).get_data(as_text=True))
    assert "Offers to the network" in english and "Free consultation" in english and "Sconto" not in english
    wrong = client.get("/offers?category=regalo")
    assert wrong.status_code == 400 and "Scegli un tipo." in html.unescape(wrong.get_data(as_text=True))
    space = html.unescape(client.get("/spaces/millepiani", headers=EN).get_data(as_text=True))
    assert "Streaming e video per eventi" in space.split('id="h-offers"')[1].split("</section>")[0]
    assert 'id="h-offers"' not in client.get("/spaces/senza-offerte").get_data(as_text=True)


def test_the_map_tells_each_space_s_offers_and_filters_by_them(spaces, client):
    features = client.get("/api/v1/map/features.geojson?layers=spaces").get_json()["features"]
    by_space = {f["properties"]["ref"]: f["properties"] for f in features}
    assert by_space["lab121"]["offers"] == 2 and by_space["lab121"]["offers_url"].endswith("/offers?space=lab121")
    assert "offers" not in by_space["senza-offerte"]
    kept = client.get("/api/v1/map/features.geojson?layers=spaces,proposals&offers=1").get_json()["features"]
    assert sorted(f["properties"]["ref"] for f in kept) == ["lab121", "millepiani"]
    page = html.unescape(client.get("/map?offers=1").get_data(as_text=True))
    assert 'name="offers" value="1" checked' in page
    config = json.loads(page.split("CoReteMap.init(")[1].split(", ", 1)[1].rsplit(");", 1)[0].split(");")[0])
    assert config["labels"]["one_offer"] == "1 offerta alla rete"  # the popup's words (static/map.js)


def test_the_validator_says_what_is_wrong_with_an_offer(app, client):
    body = feeds.jsonfeed({"name": "Lab121"}, [
        feeds.item("offer", "ok", "Sconto", "discount"),
        feeds.item("offer", "bad", "Regalo", "gift"),
        feeds.item("offer", "backwards", "Al contrario", "discount", valid_from=days(10), valid_until=days(5)),
        {"id": "bad-date", "title": "Data", "_corete": {"type": "offer", "category": "other", "valid_until": "domani"}},
        {"id": "no-title", "_corete": {"type": "offer", "category": "other"}},
    ], feed_url="http://x/f.json")
    report = validate_source(body=body, config=app.config)
    assert report.counts["offer"] == 1
    where = {r.where: r.reason for r in report.rejections}
    assert "/items/1/_corete/category" in where
    assert where["/items/2/_corete/valid_until"] == "the offer ends before it starts"
    assert where["/items/3/_corete/valid_until"] == "not a date such as 2026-12-31"
    assert where["/items/4/title"] == "an offer needs a title (the item's title): what is offered"
    token = csrf_token(client.get("/validate").get_data(as_text=True))
    page = html.unescape(client.post("/validate", data={"document": body.decode(), "csrf_token": token}
                                     ).get_data(as_text=True))
    assert "L'offerta finisce prima di cominciare." in page and 'La "category" di un\'offerta è una tra' in page
    english = html.unescape(client.post("/validate", data={"document": body.decode(), "csrf_token": token},
                                        headers=EN).get_data(as_text=True))
    assert "Not a date such as 2026-12-31." in english and "An offer's \"category\" is one of" in english


def test_an_operator_offers_something_from_the_hosted_editor(app, session, live_server, tmp_path, client):
    space = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    session.commit()
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                            spaces=["millepiani"])
    form = {"csrf_token": token, "title": "Streaming per eventi", "category": "service", "audience": "anyone",
            "benefit": "gratis per la rete", "valid_until": days(90).isoformat(), "offered_by_url": "https://x.example"}
    wrong = operator.post("/spaces/millepiani/edit/offer/new", data={**form, "valid_from": days(100).isoformat()})
    assert wrong.status_code == 400 and "La fine deve venire dopo l'inizio." in html.unescape(wrong.get_data(as_text=True))
    assert operator.post("/spaces/millepiani/edit/offer/new", data={**form, "offered_by_url": "x"}).status_code == 400
    assert operator.post("/spaces/millepiani/edit/offer/new", data=form).status_code == 302
    assert "Streaming per eventi" in html.unescape(operator.get("/spaces/millepiani/edit").get_data(as_text=True))
    poll(app, space)
    session.commit()
    found = client.get("/api/v1/offers").get_json()["items"]
    assert [(o["title"], o["category"], o["audience"], o["valid_until"]) for o in found] == \
        [("Streaming per eventi", "service", "anyone", days(90).isoformat())]


def test_the_digest_tells_the_offers_new_since_the_last_one(spaces, client, session):
    start = local_today() + dt.timedelta(days=1)
    for offer in session.scalars(select(Offer).where(Offer.source_id == "sconto")):
        offer.first_seen_at -= dt.timedelta(days=60)  # an old offer: told in an earlier digest
    session.commit()
    page = html.unescape(client.get(f"/digest?from={start}&to={start + dt.timedelta(days=30)}").get_data(as_text=True))
    section = page.split("Nuove offerte alla rete")[1].split("</td>")[0]
    assert "Prima consulenza gratuita" in section and "Streaming e video per eventi" in section
    assert "Sconto sulla stampa 3D" not in section and "Offerta di ieri" not in section
