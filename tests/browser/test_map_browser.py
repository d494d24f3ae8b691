"""The map as citizens and coordinators use it, in a real browser (Debian's chromium)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import make_space
from tests.map.conftest import HOSTILE, network  # noqa: F401  (the fixture)

READY = "html[data-map-ready='1']"
# The points the markers drawn stand for: one each, or a cluster's count (from its title).
DRAWN_JS = """() => [...document.querySelectorAll('.leaflet-marker-icon')].reduce((n, m) =>
  n + (m.classList.contains('pin-cluster') ? parseInt(m.title) : 1), 0)"""


@pytest.fixture
def rome(session, network):  # noqa: F811
    """A second space near Millepiani: at the scale of Italy the two make a cluster."""
    make_space(session, "http://127.0.0.1:9/unused.json", name="Cowo Ostiense", city="Roma", kind="coworking",
               lat=41.872, lon=12.478)


def _watch(page, live_server) -> list[str]:
    """Every URL the page asks for, to prove none leaves the hub."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_map_clusters_filters_list_and_nothing_leaves_localhost(browser, live_server, rome):
    page = browser.new_page(locale="it-IT")
    seen = _watch(page, live_server)
    page.goto(f"{live_server}/map")
    page.wait_for_selector(READY)
    assert page.locator(".leaflet-marker-icon.pin-cluster").count() >= 1  # Millepiani + Cowo Ostiense
    assert page.get_by_title("2 punti qui: ingrandisci").count() >= 1
    assert page.locator(".leaflet-regions-pane path").count() >= 20  # the offline base layer
    shown = int(page.evaluate("document.documentElement.dataset.mapPoints"))
    # Every point is drawn once: as a marker of its own or counted by one cluster.
    assert page.evaluate(DRAWN_JS) == shown
    assert page.get_by_role("status").first.inner_text() == f"{shown} punti sulla mappa"
    assert re.search(r"#\d+/-?\d+\.\d+/-?\d+\.\d+$", page.url)  # the view is in the URL

    features = page.request.get(f"{live_server}/api/v1/map/features.geojson").json()["features"]
    place = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in features if f["properties"]["layer"] == "spaces"}
    # A popup shows text, fetched details and a link to the space's page.
    page.goto("about:blank")  # a new document, not a jump to another hash of this one
    page.goto(f"{live_server}/map#19/{place['Lab121'][1]}/{place['Lab121'][0]}")
    page.wait_for_selector(READY)
    page.get_by_title("Lab121").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    assert "Lab121" in popup.inner_text() and "Posizione approssimativa" in popup.inner_text()
    assert popup.get_by_role("link", name="Apri la pagina").get_attribute("href").endswith("/spaces/lab121")

    # Filters go into the URL (with the view's hash) and change the markers.
    page.get_by_label("Tipo").select_option("fablab")
    page.get_by_role("button", name="Filtra").click()
    page.wait_for_selector(READY)
    assert "kind=fablab" in page.url and "#" in page.url
    assert page.evaluate("document.documentElement.dataset.mapPoints") == "2"  # Lab121 and its event venue
    assert page.get_by_title("Millepiani").count() == 0

    # The list view has the same points, for the same URL.
    page.get_by_role("link", name="Elenco").click()
    assert "view=list" in page.url and "kind=fablab" in page.url
    assert page.locator("table.map-list tbody tr").count() == 2
    assert all(url.startswith(live_server) for url in seen), [u for u in seen if not u.startswith(live_server)]

    page.goto(f"{live_server}/map?view=list")
    assert page.locator("table.map-list tbody tr").count() == shown


def test_points_at_one_place_are_one_marker_that_lists_them(browser, live_server, session, network):  # noqa: F811
    # Two spaces in one building share a place: even at the last zoom they are one marker,
    # which lists both; each name opens its own popup.
    make_space(session, "http://127.0.0.1:9/unused-2.json", name="Officina al piano di sopra", city="Roma",
               kind="fablab", lat=41.8625, lon=12.4883)
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map#19/41.8625/12.4883")
    page.wait_for_selector(READY)
    page.locator(".leaflet-marker-icon.pin-cluster-spaces").filter(has_text="2").dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    assert "2 punti in questo luogo" in popup.inner_text() and "Officina al piano di sopra · spazio" in popup.inner_text()
    popup.get_by_role("button", name="Millepiani").click()
    assert "Millepiani" in popup.inner_text() and "2 punti" not in popup.inner_text()


def test_unreachable_tiles_leave_the_offline_map_working(app, browser, live_server, network):  # noqa: F811
    app.config.update(MAP_TILES_URL="http://127.0.0.1:9/{z}/{x}/{y}.png", MAP_TILES_ATTRIBUTION="Tiles of nowhere")
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map")
    page.wait_for_selector(READY)
    assert page.locator(".leaflet-regions-pane path").count() >= 20
    assert page.evaluate(DRAWN_JS) >= 3
    assert "Tiles of nowhere" in page.locator(".leaflet-control-attribution").inner_text()
    assert "ISTAT" in page.locator(".leaflet-control-attribution").inner_text()
    page.wait_for_selector("html[data-map-tiles='failed']")
    assert page.get_by_role("status").filter(has_text="La mappa stradale non è raggiungibile").is_visible()


def _png() -> bytes:
    """A 256 × 256 tile of one colour, as a tile server sends it."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xaa\xd3\xdf" * 256 for _ in range(256))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_street_map_from_a_tile_server_lies_under_the_layers(app, browser, live_server, network, httpserver):  # noqa: F811
    tile = _png()
    httpserver.expect_request(re.compile(r"^/tiles/\d+/\d+/\d+\.png$")).respond_with_data(tile, content_type="image/png")
    app.config.update(MAP_TILES_URL=httpserver.url_for("/tiles/{z}/{x}/{y}.png"),
                      MAP_TILES_ATTRIBUTION='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
    page = browser.new_page(locale="en-GB")
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/map")
    page.wait_for_selector(READY)
    page.wait_for_selector("html[data-map-tiles='loaded']")
    assert page.locator("img.leaflet-tile-loaded").count() >= 4  # the policy lets the tile server's images in
    assert not refused, refused
    credit = page.locator(".leaflet-control-attribution")
    assert "OpenStreetMap contributors" in credit.inner_text() and "ISTAT" in credit.inner_text()
    assert page.locator(".map-note").count() == 0
    assert page.evaluate(DRAWN_JS) >= 3  # the hub's layers on top


def test_the_legend_explains_every_symbol_as_the_markers_draw_it(browser, live_server, network):  # noqa: F811
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map#19/45.07/7.68")
    page.wait_for_selector(READY)
    legend = page.locator(".legend")
    for text in ("Fab lab", "Coliving", "anello dorato", "bordo tratteggiato", "prossimi eventi",
                 "proposta dei cittadini: Edificio inutilizzato", "punti vicini"):
        assert text in legend.inner_text(), text
    # The coliving marker on the map and its line in the legend: one colour, one letter.
    on_map = page.locator(".leaflet-marker-icon.pin-coliving").first
    in_legend = legend.locator(".pin-coliving")
    colour = "el => getComputedStyle(el).backgroundColor"
    assert on_map.evaluate(colour) == in_legend.evaluate(colour)
    assert on_map.inner_text() == in_legend.inner_text() == "L"
    # Only the layers shown are explained.
    page.goto(f"{live_server}/map?layers=proposals")
    assert "Fab lab" not in page.locator(".legend").inner_text()
    assert "proposta dei cittadini" in page.locator(".legend").inner_text()


def test_injected_markup_stays_inert_on_the_map(browser, live_server, network, session):  # noqa: F811
    # A second space at the hostile one's place: the marker's list shows both names as text.
    make_space(session, "http://127.0.0.1:9/unused.json", name=HOSTILE + " bis", city="Torino", lat=45.07, lon=7.68)
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map#17/45.0705/7.6805")
    page.wait_for_selector(READY)
    # Located afresh at each click: opening a popup pans the map, which redraws its markers.
    hostile = page.locator(".leaflet-marker-icon.pin").and_(page.get_by_title(HOSTILE, exact=True))
    assert hostile.count() == 1  # the venue of its hostile event (the space shares its marker)
    for n in range(hostile.count()):
        hostile.nth(n).dispatch_event("click")
        assert HOSTILE in page.locator(".leaflet-popup-content").last.inner_text()  # as text
    page.goto("about:blank")
    page.goto(f"{live_server}/map#19/45.07/7.68")
    page.wait_for_selector(READY)
    page.locator(".leaflet-marker-icon.pin-cluster").dispatch_event("click")
    assert page.locator(".leaflet-popup-content").get_by_role("button", name=HOSTILE + " bis").count() == 1
    # Dispatched, not clicked: the list's popup may still be panning the map into view, and a
    # click at where the button was would land on the map, which closes popups (a flake, once).
    page.locator(".leaflet-popup-content").get_by_role("button", name=HOSTILE, exact=True).dispatch_event("click")
    assert HOSTILE in page.locator(".leaflet-popup-content").inner_text()
    assert page.evaluate("window.__pwned") is None
    for path in ("/map?view=list", "/spaces/" + page.evaluate(
            "fetch('/api/v1/map/features.geojson?layers=spaces&q=onerror').then(r => r.json())"
            ".then(d => d.features[0].properties.ref)"), "/embed/map"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__pwned") is None, path


def test_embed_works_on_a_phone(browser, live_server, network):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 700}, is_mobile=True, has_touch=True,
                                  locale="it-IT")
    page = context.new_page()
    page.goto(f"{live_server}/embed/map?city=Roma")
    page.wait_for_selector(READY)
    viewport = page.locator("meta[name=viewport]").get_attribute("content")
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport
    assert page.evaluate("document.documentElement.dataset.mapPoints") == "2"  # Millepiani, Casetta Rossa
    box = page.locator(".folium-map").bounding_box()
    assert box["width"] >= 380 and box["height"] >= 300
    context.close()


def test_a_citizens_proposal_goes_through_moderation_onto_the_map(app, browser, live_server, runner, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map/propose")
    page.wait_for_selector(READY)
    page.get_by_label("Edificio inutilizzato da rigenerare").check()
    page.get_by_label("Titolo").fill('Ex caserma <img src=x onerror="window.__pwned=3">')
    page.get_by_label("Descrizione").fill("Vuota da dieci anni.")
    page.locator(".folium-map").click()  # the pin: the middle of the map, in Italy
    assert page.get_by_label("Latitudine").input_value() and page.get_by_label("Longitudine").input_value()
    page.get_by_role("button", name="Invia la proposta").click()
    assert page.get_by_role("heading", name="Grazie").is_visible()

    page.goto(f"{live_server}/map?layers=proposals")
    page.wait_for_selector(READY)
    assert page.evaluate("document.documentElement.dataset.mapPoints") == "0"  # waits for moderation

    secret = tmp_path / "pw"
    secret.write_text("una-password-lunga")
    runner.invoke(args=["users", "create", "--email", "coord@corete.example", "--role", "coordinator",
                        "--password-file", str(secret)])
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("coord@corete.example")
    page.get_by_label("Password").fill("una-password-lunga")
    page.get_by_role("button", name="Accedi").click()
    page.get_by_role("link", name="Moderazione").click()
    page.get_by_role("link", name=re.compile("Ex caserma")).click()
    page.get_by_role("button", name="Approva").click()
    assert "approvata" in page.locator(".status").inner_text()  # the browser asks in Italian

    page.goto(f"{live_server}/map?layers=proposals")
    page.wait_for_selector(READY)
    assert page.evaluate("document.documentElement.dataset.mapPoints") == "1"
    page.locator(".leaflet-marker-icon.pin-proposals").dispatch_event("click")
    assert "Ex caserma" in page.locator(".leaflet-popup-content").inner_text()
    assert page.evaluate("window.__pwned") is None
