"""A coworking visa in a real browser: Lab121's operator issues a pass to a member and
shows its QR code; Millepiani, which welcomes visitors, opens the link on a phone and
records the visit; revoked, the same link is refused."""
from __future__ import annotations

import datetime as dt

from corete.hosting import services as hosting
from tests.conftest import poll

PHONE = {"viewport": {"width": 375, "height": 740}, "locale": "it-IT", "is_mobile": True, "has_touch": True}


def _log_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "una-password-lunga")
    page.locator("form button[type=submit]").last.click()


def test_a_pass_is_issued_shown_as_a_qr_code_checked_on_a_phone_and_revoked(app, session, browser, live_server,
                                                                          runner, tmp_path):
    hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    host = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    session.commit()
    secret = tmp_path / "pw"
    secret.write_text("una-password-lunga")
    for email, slug in (("op@lab121.example", "lab121"), ("op@millepiani.example", "millepiani")):
        assert runner.invoke(args=["users", "create", "--email", email, "--role", "operator", "--space", slug,
                                   "--password-file", str(secret)]).exit_code == 0

    # Millepiani says it welcomes visitors, two days a year each.
    phone = browser.new_context(**PHONE).new_page()
    _log_in(phone, live_server, "op@millepiani.example")
    phone.goto(f"{live_server}/spaces/millepiani/edit")
    phone.check("input[name=visitors_welcome]")
    phone.fill("input[name=visitors_days_per_year]", "2")
    phone.get_by_role("button", name="Salva il profilo").click()
    assert "Profilo salvato" in phone.locator(".flash").first.inner_text()
    poll(app, host)
    session.commit()

    # Lab121 issues a pass, in English on a laptop, and shows its QR code.
    laptop = browser.new_context(locale="en-US").new_page()
    _log_in(laptop, live_server, "op@lab121.example")
    laptop.goto(f"{live_server}/spaces/lab121/edit")
    laptop.get_by_role("link", name="Coworking passes for your members").click()
    laptop.fill("input[name=person_name]", "Giulia Rossi")
    laptop.fill("input[name=valid_until]", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    laptop.get_by_role("button", name="Issue the pass").click()
    laptop.get_by_text("Link and QR code").click()
    assert laptop.locator(".qr svg").is_visible()
    link = laptop.locator("input.copy").input_value()

    # Millepiani opens the link on the phone and records today's visit.
    phone.goto(link)
    main = phone.locator("main").inner_text()
    assert "Pass valido" in main and "Giulia Rossi" in main and "Lab121" in main and "2 giorni rimasti" in main
    phone.get_by_role("button", name="Registra la visita").click()
    assert "Visita registrata presso Millepiani" in phone.locator(".flash").first.inner_text()
    assert "1 giorno rimasto" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # Revoked, the same link is refused plainly.
    laptop.get_by_role("button", name="Revoke").click()
    phone.goto(link)
    assert "revocato" in phone.locator("main").inner_text()
    assert phone.locator("button", has_text="Registra la visita").count() == 0
