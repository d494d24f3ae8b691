"""Rooms and equipment in a real browser: an operator describes a room in the editor, the
operator of another space finds it free on a phone and asks for it for a member, the
first accepts, and the booking is busy time that later requests are refused for."""
from __future__ import annotations

import datetime as dt

from corete.hosting import services as hosting
from tests.conftest import poll

PHONE = {"viewport": {"width": 375, "height": 740}, "locale": "it-IT", "is_mobile": True, "has_touch": True}
MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())


def _log_in(page, live_server, email, password):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()


def test_a_room_is_described_found_on_a_phone_requested_and_accepted(app, session, browser, live_server, runner,
                                                                     tmp_path):
    owner = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    session.commit()
    secret = tmp_path / "pw"
    secret.write_text("una-password-lunga")
    for email, slug in (("op@millepiani.example", "millepiani"), ("op@lab121.example", "lab121")):
        created = runner.invoke(args=["users", "create", "--email", email, "--role", "operator", "--space", slug,
                                      "--password-file", str(secret)])
        assert created.exit_code == 0, created.output

    # Millepiani's operator describes the room, in English, on a laptop.
    mine = browser.new_context(locale="en-US").new_page()
    _log_in(mine, live_server, "op@millepiani.example", "una-password-lunga")
    mine.goto(f"{live_server}/spaces/millepiani/edit")
    mine.get_by_role("link", name="Add a room or equipment").click()
    mine.fill("input[name=name]", "Sala riunioni")
    mine.select_option("select[name=kind]", "meeting_room")
    mine.fill("input[name=capacity]", "10")
    mine.fill("input[name=member_price]", "10")
    mine.fill("input[name=opening_hours]", "Mo-Fr 09:00-19:00")
    mine.get_by_role("button", name="Save").click()
    assert "Sala riunioni" in mine.locator("#resources").inner_text()
    poll(app, owner)
    session.commit()

    # Lab121's operator, on a phone in Italian, finds it free and asks for it for a member.
    phone = browser.new_context(**PHONE).new_page()
    _log_in(phone, live_server, "op@lab121.example", "una-password-lunga")
    phone.goto(f"{live_server}/resources")
    phone.select_option("select[name=kind]", "meeting_room")
    phone.fill("input[name=date]", MONDAY.isoformat())
    phone.fill("input[name=start_time]", "10:00")
    phone.fill("input[name=end_time]", "12:00")
    phone.get_by_role("button", name="Cerca").click()
    assert "Liberi da" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_role("link", name="Sala riunioni").click()
    phone.fill("input[name=person_name]", "Giulia Rossi")
    phone.fill("input[name=date]", MONDAY.isoformat())
    phone.fill("input[name=start_time]", "10:00")
    phone.fill("input[name=end_time]", "12:00")
    phone.get_by_role("button", name="Invia la richiesta").click()
    assert "Richiesta inviata a Millepiani" in phone.locator(".flash").first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # Millepiani's editor says a request waits; its operator accepts it.
    mine.goto(f"{live_server}/spaces/millepiani/edit")
    assert "1 request waits for your answer" in mine.locator("#resources").inner_text()
    mine.get_by_role("link", name="Bookings of your space").click()
    mine.get_by_role("button", name="Accept").click()
    assert "Accepted" in mine.locator(".flash").first.inner_text()
    assert "accepted" in mine.locator("li.booking").first.inner_text()

    # Lab121 sees it accepted; the same slot is now refused, with the next free times instead.
    phone.goto(f"{live_server}/spaces/lab121/bookings")
    assert "accettata" in phone.locator("li.booking").first.inner_text()
    phone.get_by_role("link", name="Sala riunioni").first.click()
    phone.fill("input[name=person_name]", "Marco")
    phone.fill("input[name=date]", MONDAY.isoformat())
    phone.fill("input[name=start_time]", "11:00")
    phone.fill("input[name=end_time]", "12:00")
    phone.get_by_role("button", name="Invia la richiesta").click()
    assert "già prenotato" in phone.locator("main").inner_text()
    assert phone.locator("ul.slots li").count() == 3
