"""The calendar as a person uses it, in a real browser."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from corete.federation import writers as feeds
from tests.conftest import make_space, poll

ROME = ZoneInfo("Europe/Rome")
TODAY = dt.datetime.now(ROME).date()
SOON = dt.datetime.combine(TODAY + dt.timedelta(days=2), dt.time(18), tzinfo=ROME)
HOSTILE = '<img src=x onerror="window.__pwned=1">Serata'


@pytest.fixture
def network(app, session, httpserver):
    for path, city, name, items in (
        ("/roma.json", "Roma", "Millepiani", [
            feeds.item("event", "barcamp", "Barcamp della Garbatella", SOON, SOON + dt.timedelta(hours=4), tags=["barcamp"]),
            feeds.item("event", "hostile", HOSTILE, SOON + dt.timedelta(days=1), SOON + dt.timedelta(days=1, hours=2)),
        ]),
        ("/torino.json", "Torino", "FabLab Aurora", [
            feeds.item("event", "stampa", "Stampa 3D per tutti", SOON, SOON + dt.timedelta(hours=2)),
        ]),
    ):
        httpserver.expect_request(path).respond_with_data(
            feeds.jsonfeed({"name": name, "city": city}, items, feed_url="http://x" + path),
            content_type="application/feed+json")
        poll(app, make_space(session, httpserver.url_for(path), name=name))


def test_calendar_views_filters_event_and_subscription(browser, live_server, network):
    page = browser.new_page(locale="it-IT")
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.goto(f"{live_server}/calendar")
    assert page.get_by_role("heading", name="Calendario della rete").is_visible()
    assert page.get_by_role("link", name="Barcamp della Garbatella").first.is_visible()

    page.get_by_role("link", name="Mese").click()
    assert "view=month" in page.url
    assert page.locator("table.month").is_visible()
    assert page.locator("td.today").count() == 1

    page.get_by_label("Città").select_option("Torino")
    page.get_by_role("button", name="Filtra").click()
    assert "city=Torino" in page.url and "view=month" in page.url
    assert page.get_by_role("link", name="Stampa 3D per tutti").count() == 1
    assert page.get_by_role("link", name="Barcamp della Garbatella").count() == 0

    page.get_by_role("link", name="Stampa 3D per tutti").click()
    page.wait_for_load_state("load")  # the event page now loads its small map's scripts
    assert page.get_by_role("heading", name="Stampa 3D per tutti").is_visible()
    assert "18:00–20:00 (Europe/Rome)" in page.locator("time").first.inner_text()

    href = page.get_by_role("link", name="Aggiungi al mio calendario (.ics)").get_attribute("href")
    response = page.request.get(live_server + href)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Stampa 3D per tutti" in response.text()

    page.goto(f"{live_server}/calendar")
    subscribe = page.get_by_role("link", name="iCalendar (.ics)").get_attribute("href")
    feed = page.request.get(live_server + subscribe)
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text()


def test_injected_markup_stays_inert(browser, live_server, network):
    page = browser.new_page()
    for path in ("/calendar", "/calendar?view=month", "/embed/calendar", "/"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__pwned") is None, path
        assert page.get_by_text(HOSTILE).count() >= 1  # shown as text
    page.get_by_text(HOSTILE).first.click()
    assert page.evaluate("window.__pwned") is None
