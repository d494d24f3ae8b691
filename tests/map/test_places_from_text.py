"""Places from the text people already write: the municipality read offline out of a free
text LOCATION or address (an iCalendar feed, a JSON feed's city), the venue placed there
flagged approximate, the city filter matching the venue's city as well as the host's, and
a space with no position of its own placed where all its events happen."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from corete.events.models import Event
from corete.federation import writers as feeds
from corete.map.places import find_in_text, find_municipality
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
SOON = dt.datetime.combine(dt.datetime.now(ROME).date() + dt.timedelta(days=2), dt.time(18), tzinfo=ROME)


@pytest.mark.parametrize("text, municipality", [
    ("Cowo Isola, Via Pastrengo 14, Milano", "Milano"),
    ("Via Pastrengo 14, 20159 Milano MI, Italia", "Milano"),
    ("Cascina Cuccagna, Via Cuccagna 2/4, 20135 Milano", "Milano"),
    ("Centro sociale, via dei Volsci 32, ROMA", "Roma"),
    ("Biblioteca civica - Forlì", "Forlì"),
    ("Biblioteca civica, forli", "Forlì"),  # no accent
    ("Sala Pedrotti, Bozen", "Bolzano/Bozen"),  # either part of a bilingual name
    ("Teatro Valli, Reggio Emilia", "Reggio nell'Emilia"),  # the name in everyday use
    ("Spazio, 15121 Alessandria (AL)", "Alessandria"),
    ("Oratorio, Calliano TN", "Calliano"),  # two municipalities share the name: the province decides
    ("Via Milano 10, Torino", "Torino"),  # a street named after a city is not in it
    ("Via Roma 3", None),
    ("Oratorio, Calliano", None),  # ambiguous without the province
    ("Casa del Popolo San Lorenzo", None),  # a district's name, not the municipality of that name
    ("Sala riunioni, 2° piano", None),
    ("Online", None),
    ("", None),
])
def test_the_municipality_is_read_out_of_free_text(text, municipality):
    found = find_in_text(text)
    assert (found.name if found else None) == municipality


def _serve_ics(httpserver, path, name, events):
    httpserver.expect_request(path).respond_with_data(feeds.icalendar(name, events), content_type="text/calendar")
    return httpserver.url_for(path)


@pytest.fixture
def places(app, session, httpserver):
    """A Roman space with an iCalendar feed whose events give only a free-text LOCATION (one
    in Milan, one in its own city, one nowhere known), and a space with no position and no
    city, whose events all happen in Bologna."""
    roman = make_space(session, _serve_ics(httpserver, "/roma.ics", "Spazio Romano", [
        {"uid": "milano", "title": "Trasferta a Milano", "start": SOON, "end": SOON + dt.timedelta(hours=2),
         "location": "Cowo Isola, Via Pastrengo 14, 20159 Milano"},
        {"uid": "casa", "title": "Riunione a casa", "start": SOON, "end": SOON + dt.timedelta(hours=1),
         "location": "Sede, Via Ostiense 106, Roma"},
        {"uid": "boh", "title": "Da qualche parte", "start": SOON, "end": SOON + dt.timedelta(hours=1),
         "location": "Sala grande"},
    ]), name="Spazio Romano", city="Roma", lat=41.86, lon=12.48)
    wandering = make_space(session, _serve_ics(httpserver, "/giro.ics", "Collettivo in giro", [
        {"uid": f"g{n}", "title": f"Incontro {n}", "start": SOON + dt.timedelta(days=n),
         "end": SOON + dt.timedelta(days=n, hours=2), "location": f"Sala {n}, Bologna"} for n in range(3)
    ] + [{"uid": "g-online", "title": "Incontro online", "start": SOON, "end": SOON + dt.timedelta(hours=1)}]),
        name="Collettivo in giro")
    poll(app, roman)
    poll(app, wandering)
    return roman, wandering


def test_venues_named_in_free_text_are_placed_approximate_and_filtered_by_city(client, session, places):
    cities = dict(session.execute(select(Event.title, Event.venue_city)).all())
    assert cities["Trasferta a Milano"] == "Milano" and cities["Riunione a casa"] == "Roma"
    assert cities["Da qualche parte"] is None and cities["Incontro 1"] == "Bologna"

    doc = client.get("/api/v1/map/features.geojson?layers=events").get_json()
    venues = {f["properties"]["name"].split(",")[0]: f for f in doc["features"]}  # LOCATION as written
    milano = find_municipality("Milano")
    # Milan's venue at the municipality's centre, flagged; the Roman one is the host's own
    # city (at the host, as far as the hub knows); an unknown place is not on the map.
    assert venues["Cowo Isola"]["geometry"]["coordinates"] == [round(milano.lon, 5), round(milano.lat, 5)]
    assert venues["Cowo Isola"]["properties"]["approximate"] is True
    assert "Sede" not in venues and "Sala grande" not in venues

    # The city filter matches the venue's city as well as the host's: the calendar, the API,
    # the exports and the map.
    for path in ("/api/v1/events?city=milano", "/calendar?city=Milano", "/calendar.ics?city=Milano",
                 "/api/v1/map/features.geojson?city=Milano"):
        page = client.get(path).get_data(as_text=True)
        assert ("Trasferta a Milano" in page or "Cowo Isola" in page), path
        assert "Riunione a casa" not in page, path
    roma = client.get("/api/v1/events?city=Roma").get_data(as_text=True)
    assert "Trasferta a Milano" in roma and "Riunione a casa" in roma  # the host is in Rome


def test_a_space_without_a_position_is_placed_where_all_its_events_happen(client, places):
    doc = client.get("/api/v1/map/features.geojson?layers=spaces").get_json()
    spaces = {f["properties"]["name"]: f for f in doc["features"]}
    bologna = find_municipality("Bologna")
    wandering = spaces["Collettivo in giro"]
    assert wandering["geometry"]["coordinates"] == [round(bologna.lon, 5), round(bologna.lat, 5)]
    assert wandering["properties"]["approximate"] is True
    assert "approximate" not in spaces["Spazio Romano"]["properties"]  # its own position wins


def test_the_pickers_find_a_municipality_offline(client):
    found = client.get("/map/places?q=reggio emilia").get_json()
    assert found["name"] == "Reggio nell'Emilia" and 44.6 < found["lat"] < 44.8
    assert client.get("/map/places?q=Atlantide").status_code == 404
    assert client.get("/map/places").status_code == 404
    assert client.get("/map/places?q=" + "x" * 5000).status_code == 404
