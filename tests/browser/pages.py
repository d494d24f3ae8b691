"""The main pages the browser tests open, by who opens them (None: a citizen, not
logged in), and how they log in."""
from __future__ import annotations

PASSWORD = "una-password-lunga"


def main_pages(proposal: int) -> dict[str | None, list[str]]:
    """Every main page of the demo network; ``proposal`` is an approved proposal's id."""
    return {
        None: ["/", "/calendar", "/calendar?view=week", "/calendar?view=month", "/calendar?view=day", "/map",
               "/map?view=list", "/map/propose", "/spaces/lab121", f"/map/proposals/{proposal}", "/purchasing",
               "/purchasing/rounds/1", "/purchasing/rounds/1/statements/lab121", "/skills", "/validate", "/digest",
               "/embed?what=map&kind=fablab", "/resources", "/resources?kind=desk", "/resources/1",
               "/calls", "/calls/1", "/offers",
               "/login", "/password/forgot", "/newsletter", "/newsletter/follow?city=Roma"],
        "op@lab121.example": ["/my/spaces", "/spaces/lab121/edit", "/spaces/lab121/edit/event/new", "/account",
                              "/spaces/lab121/edit/resource/new", "/spaces/lab121/bookings", "/spaces/lab121/visas",
                              "/spaces/lab121/edit/call/new", "/spaces/lab121/edit/offer/new"],
        "coord@corete.example": ["/console", "/operators", "/map/moderation", f"/map/moderation/{proposal}",
                                 "/purchasing/catalogue", "/purchasing/queue", "/purchasing/rounds/1/order",
                                 "/skills/unmapped", "/outbox", "/newsletter/news", "/console/spaces",
                                 "/console/spaces/new", "/console/spaces/lab121", "/calls/new"],
    }


def log_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
