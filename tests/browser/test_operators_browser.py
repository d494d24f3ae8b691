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
