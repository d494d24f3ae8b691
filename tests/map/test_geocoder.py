"""The optional geocoder: off by default; configured, it asks a Nominatim or Photon server
(here a real one on localhost speaking their answers) once per address, at its rate, through
the guarded fetcher, and puts street-level positions on venues and spaces that had none."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from sqlalchemy import func, select

from corete.events.models import Event
from corete.federation import writers
from corete.map.geocode import run
from corete.map.models import GeocodedPlace
from corete.spaces.models import Space
from tests.conftest import make_space, poll

SOON = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
VENUES = {"Via dei Volsci 26, Roma, Italia": (41.8985, 12.5126), "Via Pastrengo 14, Milano, Italia": (45.4868, 9.1873)}


def _feed(httpserver, title="Mostra"):
    items = [writers.item("event", "a", "Concerto", SOON, None, location={"name": "Cinema", "address": "Via dei Volsci 26", "city": "Roma"}),
             writers.item("event", "b", title, SOON, None, location={"address": "Via Pastrengo 14", "city": "Milano"}),
             writers.item("event", "c", "Festa", SOON, None, location={"address": "Via che non esiste 1", "city": "Roma"}),
             writers.item("event", "d", "Talk", SOON, None, location={"name": "Da noi", "city": "Roma"})]  # no street
    httpserver.expect_request("/feed.json").respond_with_data(
        writers.jsonfeed({"name": "Millepiani", "city": "Roma", "address": "Via dei Volsci 26"}, items,
                         feed_url=httpserver.url_for("/feed.json")), content_type="application/feed+json")


def _nominatim(asked):
    def answer(request):
        from werkzeug import Response

        asked.append((time.monotonic(), request.args["q"], request.args.get("countrycodes")))
        place = VENUES.get(request.args["q"])
        body = [{"lat": str(place[0]), "lon": str(place[1]), "display_name": "x"}] if place else []
        return Response(json.dumps(body), content_type="application/json")
    return answer


@pytest.fixture
def network(app, session, httpserver):
    _feed(httpserver)
    space = make_space(session, httpserver.url_for("/feed.json"), name="Millepiani")
    poll(app, space)
    return space


def test_off_by_default_nothing_is_asked(app, session, network):
    assert app.config["GEOCODER_URL"] is None
    assert run(session, app.config) is None
    assert session.scalar(select(func.count()).select_from(GeocodedPlace)) == 0


def test_nominatim_once_per_address_at_its_rate_then_kept(app, session, network, httpserver):
    asked = []
    httpserver.expect_request("/search").respond_with_handler(_nominatim(asked))
    app.config.update(GEOCODER_URL=httpserver.url_for("/"), GEOCODER_RATE=4.0)
    said = run(session, app.config)
    assert said == "geocoder: 2 addresses found, 1 not found; 3 venues and spaces placed"
    assert sorted(q for _t, q, _c in asked) == sorted([*VENUES, "Via che non esiste 1, Roma, Italia"])
    assert {c for _t, _q, c in asked} == {"it"}
    times = [t for t, _q, _c in asked]
    assert all(b - a >= 0.24 for a, b in zip(times, times[1:]))  # 4 a second at most
    session.expire_all()
    positions = dict(session.execute(select(Event.title, Event.lat)).all())
    assert positions == {"Concerto": 41.8985, "Mostra": 45.4868, "Festa": None, "Talk": None}
    assert session.scalar(select(Space.lat)) == 41.8985  # the space's own address
    # The feed changes its events (each is written again, without a position): the kept
    # answers place them as the poll stores them, and nothing is asked twice.
    httpserver.clear_all_handlers()
    _feed(httpserver, title="Mostra d'arte")
    httpserver.expect_request("/search").respond_with_handler(_nominatim(asked))
    before = len(asked)
    assert [s.outcome for s in poll(app, network)] == ["applied"]
    session.expire_all()
    assert session.scalar(select(Event.lat).where(Event.title == "Mostra d'arte")) == 45.4868
    assert run(session, app.config) is None and len(asked) == before


def test_photon_answers_are_read_too(app, session, network, httpserver):
    def answer(request):
        from werkzeug import Response

        place = VENUES.get(request.args["q"])
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [place[1], place[0]]},
                     "properties": {}}] if place else []
        return Response(json.dumps({"type": "FeatureCollection", "features": features}), content_type="application/json")
    httpserver.expect_request("/api").respond_with_handler(answer)
    app.config.update(GEOCODER_URL=httpserver.url_for("/"), GEOCODER_KIND="photon", GEOCODER_RATE=10.0)
    assert run(session, app.config).startswith("geocoder: 2 addresses found, 1 not found")
    session.expire_all()
    assert session.scalar(select(Event.lon).where(Event.title == "Mostra")) == 9.1873


def test_a_geocoder_that_fails_or_lies_changes_nothing_and_is_asked_again_later(app, session, network, httpserver):
    httpserver.expect_request("/search").respond_with_data("down", status=503)
    app.config.update(GEOCODER_URL=httpserver.url_for("/"), GEOCODER_RATE=10.0)
    assert run(session, app.config) is None
    assert session.scalar(select(func.count()).select_from(GeocodedPlace)) == 0  # asked again next run
    httpserver.clear_all_handlers()
    httpserver.expect_request("/search").respond_with_json([{"lat": "999", "lon": "0"}])
    run(session, app.config)
    session.expire_all()
    assert session.scalar(select(func.count(Event.id)).where(Event.lat.is_not(None))) == 0


def test_a_geocoder_on_a_private_address_is_refused_by_the_guarded_fetcher(app, session, network):
    app.config.update(GEOCODER_URL="http://10.1.2.3/", GEOCODER_RATE=10.0)
    assert run(session, app.config) is None
    assert session.scalar(select(func.count()).select_from(GeocodedPlace)) == 0
