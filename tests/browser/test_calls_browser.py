"""Calls and offers in a real browser: a coordinator publishes a call for the whole network
on a laptop, an operator adds an offer from the editor, and a citizen on a phone, in Italian,
finds the call by who it is for, opens it, and finds the offer on the space's page."""
from __future__ import annotations

import datetime as dt

from corete.hosting import services as hosting
from tests.browser.pages import PASSWORD, log_in
from tests.conftest import poll

PHONE = {"viewport": {"width": 375, "height": 740}, "locale": "it-IT", "is_mobile": True, "has_touch": True}


def test_a_network_call_and_an_offer_reach_a_citizen_on_a_phone(app, session, browser, live_server, runner,
                                                                 tmp_path):
    lab = hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    session.commit()
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD)
    for email, role, spaces in (("coord@corete.example", "coordinator", []),
                                ("op@lab121.example", "operator", ["--space", "lab121"])):
        created = runner.invoke(args=["users", "create", "--email", email, "--role", role, *spaces,
                                      "--password-file", str(secret)])
        assert created.exit_code == 0, created.output
    deadline = dt.date.today() + dt.timedelta(days=20)

    # The coordinator, on a laptop in English, publishes a call for every space.
    laptop = browser.new_context(locale="en-US").new_page()
    log_in(laptop, live_server, "coord@corete.example")
    laptop.goto(f"{live_server}/calls")
    laptop.get_by_role("link", name="Publish a call for the whole network").click()
    laptop.fill("input[name=title]", "Guida ai bandi FSE+")
    laptop.select_option("select[name=kind]", "funding")
    laptop.fill("input[name=deadline]", deadline.isoformat())
    laptop.get_by_label("young people").check()
    laptop.fill("input[name=regions]", "Piemonte, Lombardia")
    laptop.get_by_role("button", name="Publish").click()
    assert "The call is published for the whole network." in laptop.locator("main").inner_text()
    assert "Piemonte, Lombardia" in laptop.locator("main").inner_text()

    # Lab121's operator adds an offer from the editor.
    operator = browser.new_context(locale="en-US").new_page()
    log_in(operator, live_server, "op@lab121.example")
    operator.goto(f"{live_server}/spaces/lab121/edit")
    operator.get_by_role("link", name="Add an offer").click()
    operator.fill("input[name=title]", "Prima consulenza gratuita")
    operator.select_option("select[name=category]", "consultation")
    operator.fill("input[name=benefit]", "1 ora gratis")
    operator.get_by_role("button", name="Save").click()
    poll(app, lab)
    session.commit()

    # A citizen on a phone, in Italian: the calls for young people, the call, the offer.
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/calls")
    phone.select_option("select[name=audience]", "young_people")
    phone.get_by_role("button", name="Cerca").click()
    phone.get_by_role("link", name="Guida ai bandi FSE+").click()
    main = phone.locator("main").inner_text()
    assert "I coordinatori della rete" in main and "giovani" in main
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.get_by_role("link", name="La sua scadenza nel tuo calendario").is_visible()
    phone.goto(f"{live_server}/offers")
    phone.get_by_role("link", name="Lab121").first.click()
    offers = phone.locator("section", has=phone.locator("#h-offers")).inner_text()
    assert "Prima consulenza gratuita" in offers and "1 ora gratis" in offers
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
