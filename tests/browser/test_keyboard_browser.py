"""The hub with a keyboard only, as people who cannot use a mouse use it: the skip link
first, the map's markers and popups, the calendar's filters, the event editor."""
from __future__ import annotations

import datetime as dt

from tests.browser.pages import log_in

READY = "html[data-map-ready='1']"
FOCUSED_JS = """() => { const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 60),
          title: el.title || '', name: el.name || '', visible: el.getBoundingClientRect().top >= 0}; }"""


def _focused(page) -> dict:
    return page.evaluate(FOCUSED_JS)


def _tab_until(page, matches, limit=80) -> dict:
    """Presses Tab until the focused element matches; fails after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if matches(focused):
            return focused
    raise AssertionError(f"not reached with {limit} presses of Tab; last focused: {focused}")


def test_the_skip_link_comes_first_and_jumps_to_the_content(browser, live_server, demo):
    page = browser.new_page(locale="it-IT")
    for path in ("/", "/calendar", "/map"):
        page.goto(live_server + path)
        page.keyboard.press("Tab")
        first = _focused(page)
        assert first["text"] == "Vai al contenuto" and first["visible"], (path, first)
        page.keyboard.press("Enter")
        assert _focused(page)["id"] == "content", path
        # The next Tab goes to the page's own first control, past the header's links.
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('content').contains(document.activeElement)"), path


def test_the_map_by_keyboard_a_marker_opens_its_popup_and_its_link(browser, live_server, demo):
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/map#13/44.9091/8.6448")  # Alessandria, where Lab121 is
    page.wait_for_selector(READY)
    # Lab121 and its event venue are one cluster at this zoom: Enter zooms in, and the
    # focus stays on the map, so the next Tabs reach the markers drawn then.
    cluster = _tab_until(page, lambda f: f["title"] == "2 punti qui: ingrandisci")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('leaflet-container')")
    marker = _tab_until(page, lambda f: f["title"] == "Lab121", limit=5)
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    assert "Lab121" in popup.inner_text()
    link = _tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Apri la pagina", limit=10)
    assert link and cluster and marker
    page.keyboard.press("Enter")
    page.wait_for_url("**/spaces/lab121")


def test_the_calendar_filters_by_keyboard(browser, live_server, demo):
    page = browser.new_page(locale="it-IT")
    page.goto(f"{live_server}/calendar")
    _tab_until(page, lambda f: f["name"] == "city")
    page.keyboard.type("Alessandria")  # a list: typing picks the entry
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Filtra", limit=10)
    page.keyboard.press("Enter")
    page.wait_for_url("**city=Alessandria**")
    assert "Alessandria" in page.locator("main").inner_text()


def test_an_operator_adds_an_event_with_the_keyboard_only(browser, live_server, demo):
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, live_server, "op@lab121.example")
    page.goto(f"{live_server}/spaces/lab121/edit/event/new")
    day = dt.date.today() + dt.timedelta(days=5)
    _tab_until(page, lambda f: f["name"] == "title")
    page.keyboard.type("Laboratorio di tastiera")
    page.keyboard.press("Tab")  # the date: typed as the browser's date field takes it
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    page.keyboard.type("1830")
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save", limit=40)
    page.keyboard.press("Enter")
    page.wait_for_url("**/spaces/lab121/edit**")
    assert "Laboratorio di tastiera" in page.locator("main").inner_text()
