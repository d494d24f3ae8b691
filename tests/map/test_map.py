"""The map's points: the GeoJSON API, the CSV export, the list view and the map page."""
from __future__ import annotations

import csv
import html
import io
import re
import time

import pytest
from sqlalchemy import select

from corete.events.models import Event
from corete.map.places import find_municipality, normalise_name
from corete.spaces.models import Space
from tests.map.conftest import HOSTILE

pytestmark = pytest.mark.usefixtures("network")


def _features(client, **query):
    response = client.get("/api/v1/map/features.geojson", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def _names(doc, layer=None):
    return sorted(f["properties"]["name"] for f in doc["features"] if layer in (None, f["properties"]["layer"]))


def assert_rfc7946(doc):
    """RFC 7946: a FeatureCollection of Features, each a Point [longitude, latitude] in WGS84."""
    assert doc["type"] == "FeatureCollection" and isinstance(doc["features"], list)
    ids = set()
    for f in doc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        assert f["id"] not in ids
        ids.add(f["id"])
        assert f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        # Everything here is in Italy: longitude 6..19, latitude 35..48. Swapped, it is not.
        assert 6 <= lon <= 19 and 35 <= lat <= 48, f["geometry"]


def test_municipalities_are_matched_without_accents_case_or_ambiguity():
    assert find_municipality("Forlì").istat == find_municipality("forli").istat == "040012"
    assert find_municipality("Bozen").name == "Bolzano/Bozen"
    assert find_municipality("Calliano") is None  # two of them: Piedmont and Trentino
    assert find_municipality("Calliano (TN)").province == "TN"
    assert find_municipality("Atlantide") is None and find_municipality("") is None
    assert normalise_name("Sant'Agata  sul Santerno") == "sant agata sul santerno"


def test_geojson_has_every_layer_longitude_first(client):
    doc = _features(client)
    assert_rfc7946(doc)
    by_name = {f["properties"]["name"]: f for f in doc["features"]}
    millepiani = by_name["Millepiani"]
    assert millepiani["geometry"]["coordinates"] == [12.4883, 41.8625]
    assert "approximate" not in millepiani["properties"] and millepiani["properties"]["kind"] == "coworking"
    assert millepiani["properties"]["url"].endswith("/spaces/millepiani")
    # Lab121 gives only its city: the municipality's centroid, flagged approximate.
    lab = by_name["Lab121"]
    alessandria = find_municipality("Alessandria")
    assert lab["geometry"]["coordinates"] == [alessandria.lon, alessandria.lat]
    assert lab["properties"]["approximate"] is True
    # A city the table does not know: not on the map (the list view names it).
    assert "Spazio Atlantide" not in by_name
    venues = {f["properties"]["name"]: f["properties"] for f in doc["features"] if f["properties"]["layer"] == "events"}
    # Two upcoming events at the same venue are one point; cancelled, past, later than
    # the window, events without coordinates and events at their host space are not venues.
    assert sorted(venues) == sorted(["Casetta Rossa", "Biblioteca", HOSTILE])
    assert venues["Casetta Rossa"]["events"] == 2
    assert venues["Casetta Rossa"]["next_title"] == "Barcamp della Garbatella"
    assert venues["Casetta Rossa"]["space"] == "millepiani"


@pytest.mark.parametrize("query, expected", [
    ({"kind": "fablab"}, ["Biblioteca", "Lab121"]),
    ({"city": "alessandria"}, ["Biblioteca", "Lab121"]),
    ({"tag": "BARCAMP"}, ["Casetta Rossa", "Millepiani"]),
    ({"skill": "saldatura"}, ["Casetta Rossa", "Millepiani"]),
    ({"q": "stampa"}, ["Biblioteca"]),
    ({"layers": "spaces", "kind": "coworking"}, ["Millepiani"]),
    ({"bbox": "8,44,9,45.5"}, ["Biblioteca", "Lab121"]),
    ({"category": "building"}, []),
    # Quick dates: the venues of events then, and the spaces hosting them (the events are in
    # two days; proposals have no date).
    ({"when": "week"}, sorted(["Biblioteca", "Casetta Rossa", "Lab121", "Millepiani", HOSTILE, HOSTILE])),
    ({"when": "today"}, []),
    ({"when": "week", "layers": "proposals"}, []),
])
def test_every_filter_narrows_every_layer(client, query, expected):
    assert _names(_features(client, **query)) == expected


@pytest.mark.parametrize("query", [{"bbox": "1,2,3"}, {"bbox": "10,50,9,40"}, {"layers": "spaces,castles"},
                                   {"kind": "castle"}, {"bbox": "nan,1,2,3"}, {"when": "tomorrow"}])
def test_bad_filters_are_a_clear_error_not_a_500(client, query):
    api = client.get("/api/v1/map/features.geojson", query_string=query)
    assert api.status_code == 422 and api.get_json()["errors"]
    page = client.get("/map", query_string=query, headers={"Accept-Language": "it"})
    assert page.status_code == 400


@pytest.mark.parametrize("query, said", [
    ({"bbox": "1,2,3"}, "bbox: bbox è longitudine minima,latitudine minima"),
    ({"view": "list", "page": "0"}, "page: Una pagina da 1 a 10000."),
    ({"view": "list", "page": "due"}, "page: Non è un numero."),
    ({"q": "x" * 201}, "q: Al massimo 200 caratteri."),
    ({"view": "table"}, "view: view è map o list."),
])
def test_a_bad_filter_is_said_in_the_readers_language(client, query, said):
    page = client.get("/map", query_string=query, headers={"Accept-Language": "it"})
    assert page.status_code == 400 and said in html.unescape(page.get_data(as_text=True))


def test_csv_export_has_the_same_points_and_defuses_formulas(client, session):
    space = session.scalar(select(Space).where(Space.slug == "lab121"))
    space.name = "=HYPERLINK(\"http://evil\")"
    session.commit()
    response = client.get("/api/v1/map/features.csv", query_string={"layers": "spaces"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["ref"] for r in rows) == sorted(f["properties"]["ref"]
                                                   for f in _features(client, layers="spaces")["features"])
    assert "'=HYPERLINK(\"http://evil\")" in [r["name"] for r in rows]
    millepiani = next(r for r in rows if r["name"] == "Millepiani")
    assert (millepiani["lat"], millepiani["lon"], millepiani["approximate"]) == ("41.862500", "12.488300", "0")


def test_popup_summary_has_next_events_and_top_skills(client):
    summary = client.get("/api/v1/map/spaces/millepiani/summary").get_json()
    assert summary["skills"][0].casefold() == "saldatura"  # two holders: first
    soon = {e["title"]: e["cancelled"] for e in summary["next_events"]}
    assert soon == {"Barcamp della Garbatella": False, "Riunione in sede": False, "Evento annullato": True}
    assert client.get("/api/v1/map/spaces/nessuno/summary").status_code == 404


def test_list_view_shows_what_the_map_shows_and_escapes_it(client):
    doc = _features(client)
    page = client.get("/map?view=list", headers={"Accept-Language": "it"}).get_data(as_text=True)
    for name in _names(doc):
        if name != HOSTILE:
            assert f">{name}</a>" in page
    assert HOSTILE not in page and "&lt;img src=x onerror=" in page
    assert f"{len(doc['features'])} punti sulla mappa" in page
    assert "Spazi senza posizione" in page and "Spazio Atlantide" in page
    # The filters live in the URL and in the links to the other views and exports.
    narrowed = client.get("/map?view=list&kind=fablab&layers=spaces&layers=events").get_data(as_text=True)
    assert "Lab121" in narrowed and "Millepiani" not in narrowed
    assert "/api/v1/map/features.csv?kind=fablab&amp;layers=spaces,events" in narrowed.replace("%2C", ",")


def _event_path(session, title):
    return f"/events/{session.scalar(select(Event.id).where(Event.title == title))}"


def test_event_pages_have_a_small_map_of_the_venue_or_the_host(client, session):
    venue = client.get(_event_path(session, "Barcamp della Garbatella"), headers={"Accept-Language": "it"})
    assert "folium-map" in venue.get_data(as_text=True) and "[41.8611, 12.4877]" in venue.get_data(as_text=True)
    at_host = client.get(_event_path(session, "Riunione in sede")).get_data(as_text=True)
    assert "folium-map" in at_host and "[41.8625, 12.4883]" in at_host  # Millepiani's own position
    approximate = client.get(_event_path(session, "Stampa 3D"), headers={"Accept-Language": "it"})
    assert "<em>Posizione approssimativa" not in approximate.get_data(as_text=True)  # the venue gives coordinates


def test_map_page_loads_nothing_from_elsewhere_and_keeps_pinch_zoom(client, session):
    for path in ("/map", "/embed/map?city=Roma", "/spaces/millepiani", "/map/propose",
                 _event_path(session, "Barcamp della Garbatella")):
        page = client.get(path).get_data(as_text=True)
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        scripts = [s for s in sources if s.endswith((".js", ".css"))]
        assert scripts and all(s.startswith("/") for s in scripts), (path, scripts)
        # (a script's nonce is random text: "cdnlcpu..." once failed this in CI)
        assert "cdn" not in re.sub(r'nonce="[^"]*"', "", page).lower() and "user-scalable=no" not in page
        assert "maximum-scale" not in page
        # Nothing a feed wrote goes into the map's script (markers come from the API).
        script = page[page.rfind("<script>"):]
        assert "onerror" not in script
    for name in ("leaflet.js", "leaflet.css", "supercluster.js"):
        asset = client.get(f"/map/assets/{name}")
        body = asset.data
        asset.close()
        assert asset.status_code == 200 and len(body) > 500
    assert client.get("/map/assets/package.json").status_code == 404
    regions = client.get("/map/regions.geojson")
    doc = regions.get_json()
    regions.close()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 20
    credits = client.get("/map/credits").get_data(as_text=True)
    assert "ISTAT" in credits and "Openpolis" in credits and "CC-BY 4.0" in credits


def test_space_page_has_profile_map_events_skills_needs_and_feed_status(client):
    page = client.get("/spaces/millepiani", headers={"Accept-Language": "it"}).get_data(as_text=True)
    for text in ("Millepiani", "Via Ignazio Persico 2", "Barcamp della Garbatella", "Saldatura", "Grafica",
                 "Stato dei feed", "folium-map", "Segnala un problema"):
        assert text in page, text
    approximate = client.get("/spaces/lab121", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "<em>Posizione approssimativa" in approximate
    nowhere = client.get("/spaces/spazio-atlantide", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "non pubblica una posizione" in nowhere
    assert client.get("/spaces/nessuno").status_code == 404


def test_documents_carry_an_etag_and_are_kept_for_a_minute(client, session):
    first = client.get("/api/v1/map/features.geojson")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/map/features.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    session.scalar(select(Space).where(Space.slug == "lab121")).name = "Lab121 rinominato"
    session.commit()
    # Kept: new feed data shows within MAP_CACHE_SECONDS (moderation clears it at once).
    assert "Lab121 rinominato" not in client.get("/api/v1/map/features.geojson").get_data(as_text=True)
    client.application.config["MAP_CACHE_SECONDS"] = 0
    assert "Lab121 rinominato" in client.get("/api/v1/map/features.geojson").get_data(as_text=True)


def test_the_list_view_reads_the_document_the_map_fetched(client, session):
    """The list is the map's own GeoJSON, kept per filters: switching to it builds nothing
    again (a rename not yet in the kept document is not in the list either)."""
    client.get("/api/v1/map/features.geojson", query_string={"kind": "fablab"})
    session.scalar(select(Space).where(Space.slug == "lab121")).name = "Lab121 rinominato"
    session.commit()
    kept = client.get("/map?view=list&kind=fablab").get_data(as_text=True)
    assert ">Lab121</a>" in kept and "rinominato" not in kept
    # Other filters have no document yet: the list builds it, and the API then reuses it.
    built = client.get("/map?view=list&kind=fablab&layers=spaces").get_data(as_text=True)
    assert ">Lab121 rinominato</a>" in built
    assert "Lab121 rinominato" in client.get("/api/v1/map/features.geojson?kind=fablab&layers=spaces").get_data(
        as_text=True)


def test_an_expired_document_is_answered_while_the_next_is_built_in_the_background(client, session):
    client.application.config["MAP_CACHE_SECONDS"] = 0.2
    first = client.get("/api/v1/map/features.geojson")
    session.scalar(select(Space).where(Space.slug == "lab121")).name = "Lab121 rinominato"
    session.commit()
    time.sleep(0.25)
    stale = client.get("/api/v1/map/features.geojson")  # expired: answered at once, rebuilt behind it
    assert stale.headers["ETag"] == first.headers["ETag"] and b"Lab121 rinominato" not in stale.data
    deadline = time.monotonic() + 10
    while b"Lab121 rinominato" not in client.get("/api/v1/map/features.geojson").data:
        assert time.monotonic() < deadline, "the background build never landed"
        time.sleep(0.05)
