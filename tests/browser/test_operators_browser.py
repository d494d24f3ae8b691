"""The operators' side in a real browser: a coordinator invites an operator, the operator
signs up through the link, places the space and adds an event, and after the poller's
next look the event is on the calendar and on the map."""
from __future__ import annotations

import datetime as dt

from tests.conftest import poll

READY = "html[data-map-ready='1']"
DAY = dt.date.today() + dt.timedelta(days=3)


def test_invited_operator_signs_up_adds_an_event_seen_on_calendar_and_map(app, browser, live_server, runner,
                                                                            tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("password-del-coordinamento")
    runner.invoke(args=["users", "create", "--email", "coord@corete.example", "--role", "coordinator",
                        "--password-file", str(secret)])

    # The coordinator logs in and invites an operator for a new space the hub hosts.
    coordinator = browser.new_context(locale="en-US").new_page()
    coordinator.goto(f"{live_server}/login")
    coordinator.fill("input[name=email]", "coord@corete.example")
    coordinator.fill("input[name=password]", "password-del-coordinamento")
    coordinator.get_by_role("button", name="Log in").click()
    coordinator.get_by_role("link", name="Operators").click()
    coordinator.fill("input[name=email]", "ada@millepiani.example")
    coordinator.fill("input[name=new_space]", "Millepiani")
    coordinator.fill("input[name=city]", "Roma")
    coordinator.get_by_role("button", name="Invite").click()
    link = coordinator.locator("#invitation-link").input_value()
    assert link.startswith(f"{live_server}/invitations/")
    assert "waiting until" in coordinator.locator("table").first.inner_text()  # the invitations; then the accounts

    # The operator, in a browser of their own, signs up through the link.
    operator = browser.new_context(locale="en-US").new_page()
    operator.goto(link)
    assert "Millepiani" in operator.locator("main").inner_text()
    operator.fill("input[name=password]", "la-mia-password-lunga")
    operator.fill("input[name=confirm]", "la-mia-password-lunga")
    operator.get_by_role("button", name="Create my account").click()
    assert operator.url.endswith("/spaces/millepiani/edit")
    assert "Welcome" in operator.locator(".flash").first.inner_text()

    # The space's place on the map, then an event.
    operator.fill("input[name=lat]", "41,8626")
    operator.fill("input[name=lon]", "12,4841")
    operator.fill("input[name=address]", "Via Giovanni Ansaldo 9")
    operator.get_by_role("button", name="Save the profile").click()
    assert "Profile saved" in operator.locator(".flash").first.inner_text()
    operator.get_by_role("link", name="Add an event").click()
    operator.fill("input[name=title]", "Barcamp della Garbatella")
    operator.fill("input[name=date]", DAY.isoformat())
    operator.fill("input[name=start_time]", "10:00")
    operator.fill("input[name=end_time]", "18:00")
    operator.fill("input[name=price]", "gratis")
    operator.get_by_role("button", name="Save").click()
    assert "Barcamp della Garbatella" in operator.locator("#events").inner_text()

    # The hub publishes the feed; the poller reads it at its next look (here, now).
    summaries = poll(app)
    assert [s.outcome for s in summaries] == ["applied"], summaries

    citizen = browser.new_context(locale="en-US").new_page()
    citizen.goto(f"{live_server}/calendar?view=list&date={DAY.isoformat()}")
    assert "Barcamp della Garbatella" in citizen.locator("main").inner_text()
    citizen.goto(f"{live_server}/map")
    citizen.wait_for_selector(READY)
    citizen.get_by_title("Millepiani").first.dispatch_event("click")
    popup = citizen.locator(".leaflet-popup-content")
    popup.get_by_text("Barcamp della Garbatella").wait_for()
    assert "Millepiani" in popup.inner_text()


def test_an_operator_points_at_the_venue_on_the_map(browser, live_server, demo, session):
    """The event form's map: "show it on the map" centres on a municipality typed in, a click
    puts the pin and fills latitude and longitude, dragging the pin moves them; saved, the
    event's venue is there."""
    from sqlalchemy import select

    from corete.hosting.models import HostedItem
    from tests.browser.pages import log_in

    page = browser.new_context(locale="it-IT", viewport={"width": 1000, "height": 900}).new_page()
    log_in(page, live_server, "op@lab121.example")
    page.goto(f"{live_server}/spaces/lab121/edit/event/new")
    page.wait_for_selector(READY)
    page.fill("input[name=title]", "Festa in piazza")
    page.fill("input[name=date]", DAY.isoformat())
    page.fill("#pick-city", "valenza")
    page.get_by_role("button", name="Mostralo sulla mappa").click()
    page.locator(".pick-said").get_by_text("Valenza").wait_for()
    assert page.input_value("#pick-lat") == ""  # centring is not choosing
    page.locator(".picker .folium-map").scroll_into_view_if_needed()
    box = page.locator(".picker .folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lat, lon = float(page.input_value("#pick-lat")), float(page.input_value("#pick-lon"))
    assert abs(lat - 45.01) < 0.05 and abs(lon - 8.64) < 0.05  # Valenza's centre, where the map was
    pin = page.locator(".leaflet-marker-icon.pin-pick").bounding_box()
    page.mouse.move(pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2)
    page.mouse.down()
    page.mouse.move(pin["x"] + pin["width"] / 2 + 60, pin["y"] + pin["height"] / 2, steps=6)
    page.mouse.up()
    assert float(page.input_value("#pick-lon")) > lon  # dragged east
    page.get_by_role("button", name="Salva").click()
    page.wait_for_url("**/spaces/lab121/edit**")
    item = session.scalar(select(HostedItem).where(HostedItem.item["title"].as_string() == "Festa in piazza"))
    where = item.core["location"]
    assert where["city"] == "valenza" and abs(where["lat"] - 45.01) < 0.05 and where["lon"] > lon
