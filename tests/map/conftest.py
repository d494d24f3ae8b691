"""A small network served by a real HTTP server on localhost, polled into a real database."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from corete.federation import writers as feeds
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
SOON = dt.datetime.combine(dt.datetime.now(ROME).date() + dt.timedelta(days=2), dt.time(18), tzinfo=ROME)
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
VENUE = {"name": "Casetta Rossa", "address": "Via Magnaghi 14", "city": "Roma", "lat": 41.8611, "lon": 12.4877}


def serve(httpserver, app, session, path, space, items):
    httpserver.expect_request(path).respond_with_data(
        feeds.jsonfeed(space, items, feed_url="http://x" + path), content_type="application/feed+json")
    return poll(app, make_space(session, httpserver.url_for(path), name=space["name"]))


@pytest.fixture
def network(app, session, httpserver):
    """Millepiani (Rome, exact position, accredited later), Lab121 (Alessandria: city only,
    so approximate), a space in a city the table does not know (no position), and a
    space whose name and event title are hostile markup."""
    serve(httpserver, app, session, "/millepiani.json",
          {"name": "Millepiani", "kind": "coworking", "city": "Roma", "address": "Via Ignazio Persico 2",
           "lat": 41.8625, "lon": 12.4883, "tags": ["Barcamp", "sociale"]},
          [feeds.item("event", "barcamp", "Barcamp della Garbatella", SOON, SOON + dt.timedelta(hours=4),
                            location=VENUE, tags=["barcamp"]),
           feeds.item("event", "cena", "Cena sociale", SOON + dt.timedelta(days=1), location=VENUE),
           feeds.item("event", "annullato", "Evento annullato", SOON, location={"name": "Altrove", "lat": 41.9, "lon": 12.5},
                            status="cancelled"),
           feeds.item("event", "passato", "Evento passato", SOON - dt.timedelta(days=30),
                            location={"name": "Ieri", "lat": 41.95, "lon": 12.55}),
           feeds.item("event", "lontano", "Evento lontano", SOON + dt.timedelta(days=200),
                            location={"name": "Domani", "lat": 41.7, "lon": 12.3}),
           feeds.item("event", "in-sede", "Riunione in sede", SOON),
           feeds.item("event", "aperitivo", "Aperitivo in sede", SOON + dt.timedelta(days=3),
                            location={"name": "Millepiani", "lat": 41.8626, "lon": 12.4884}),
           feeds.item("skill", "saldatura", "Saldatura", "Anna", category="making"),
           feeds.item("skill", "saldatura-2", "saldatura", "Bruno", category="making"),
           feeds.item("skill", "grafica", "Grafica", "Carla", category="design")])
    serve(httpserver, app, session, "/lab121.json",
          {"name": "Lab121", "kind": "fablab", "city": "Alessandria"},
          [feeds.item("event", "stampa", "Stampa 3D", SOON, location={"name": "Biblioteca", "city": "Alessandria",
                                                                  "lat": 44.9126, "lon": 8.6153}, tags=["3d"])])
    serve(httpserver, app, session, "/atlantide.json", {"name": "Spazio Atlantide", "city": "Atlantide"}, [])
    serve(httpserver, app, session, "/hostile.json",
          {"name": HOSTILE, "kind": "coliving", "city": "Torino", "lat": 45.07, "lon": 7.68},
          [feeds.item("event", "ostile", HOSTILE, SOON, location={"name": HOSTILE, "lat": 45.071, "lon": 7.681})])
