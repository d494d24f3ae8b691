"""Calendar pages kept for anonymous visitors (CALENDAR_CACHE_SECONDS): fresh for a
logged-in person, dropped in every worker when a coordinator splits two events."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from corete.federation import writers as feeds
from tests.conftest import login, make_space, poll

ROME = ZoneInfo("Europe/Rome")
SOON = dt.datetime.combine(dt.datetime.now(ROME).date() + dt.timedelta(days=2), dt.time(18), tzinfo=ROME)


def _serve(httpserver, *titles):
    httpserver.clear()
    httpserver.expect_request("/feed.json").respond_with_data(
        feeds.jsonfeed({"name": "Lab121"}, [feeds.item("event", f"e{n}", t, SOON + dt.timedelta(hours=n))
                                            for n, t in enumerate(titles)], feed_url="http://x/feed.json"),
        content_type="application/feed+json")


def test_anonymous_visitors_share_a_kept_page_and_logged_in_people_see_the_data(app, session, httpserver, runner,
                                                                                 tmp_path, another_app):
    _serve(httpserver, "Assemblea di rete")
    space = make_space(session, httpserver.url_for("/feed.json"))
    poll(app, space)
    visitor = app.test_client()
    first = visitor.get("/calendar?view=list")
    assert "Assemblea di rete" in first.get_data(as_text=True)
    assert 'nonce="' not in first.get_data(as_text=True)  # a kept page must not carry one answer's nonce
    _serve(httpserver, "Assemblea di rete", "Laboratorio nuovo")
    poll(app, space)
    assert "Laboratorio nuovo" not in visitor.get("/calendar?view=list").get_data(as_text=True)  # kept
    assert "Laboratorio nuovo" in app.test_client().get("/calendar?view=list&city=").get_data(as_text=True)
    coordinator, _token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    assert "Laboratorio nuovo" in coordinator.get("/calendar?view=list").get_data(as_text=True)
    uncached = another_app(CALENDAR_CACHE_SECONDS=0).test_client()
    assert "Laboratorio nuovo" in uncached.get("/calendar?view=list").get_data(as_text=True)
    again = visitor.get("/calendar?view=list", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_split_drops_the_kept_pages_of_every_worker(app, session, another_app):
    from corete.core import shared

    other = another_app(SHARED_STATE_CHECK_SECONDS=0)
    client = other.test_client()
    client.get("/calendar")
    assert len(other.extensions["corete_calendar_pages"]._entries) == 1
    shared.bump(session, "calendar")  # what a split does, in its transaction
    session.commit()
    client.get("/map")  # any request of that worker looks at the generations
    assert len(other.extensions["corete_calendar_pages"]._entries) == 0
