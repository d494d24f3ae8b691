"""The coordinators' console: every feed's health in plain words, the spaces that stopped
publishing, redirects waiting, and the actions (poll now, pause, resume, change the address,
adopt a redirect), for coordinators only."""
from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.federation.models import Feed
from tests.conftest import login, make_space, poll

EN = {"Accept-Language": "en"}


@pytest.fixture
def network(app, session, httpserver):
    body = feeds.jsonfeed({"kind": "coworking"}, [feeds.item("skill", "s", "Grafica", "Bea", category="design")],
                          feed_url="http://x/f.json")
    httpserver.expect_request("/healthy.json").respond_with_data(body, content_type="application/feed+json")
    httpserver.expect_request("/moved.json").respond_with_data(body, content_type="application/feed+json")
    httpserver.expect_request("/old.json").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/moved.json")})
    httpserver.expect_request("/missing.json").respond_with_data("no", status=404)
    spaces = {name: make_space(session, httpserver.url_for(path), name=name)
              for name, path in (("Sano", "/healthy.json"), ("Trasloco", "/old.json"), ("Rotto", "/missing.json"),
                                 ("Silenzioso", "/healthy.json"))}
    poll(app)
    # Silenzioso's feed last answered three weeks ago, and has not been polled since
    quiet = spaces["Silenzioso"].feeds[0]
    quiet.last_success_at = quiet.last_polled_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=21)
    session.commit()
    return spaces


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_console_says_each_feeds_health_in_plain_words(network, coordinator):
    client, _token = coordinator
    page = _text(client.get("/console", headers=EN))
    rows = {row.split("</td>")[0].rsplit(">", 2)[-2].split("<")[0]: row for row in page.split('<tr class="status-')[1:]}
    assert rows["Rotto"].startswith("failing") and "The server refuses the feed (not found" in rows["Rotto"]
    assert rows["Trasloco"].startswith("redirect") and rows["Sano"].startswith("ok")
    assert rows["Silenzioso"].startswith("stale")
    silent = page.split('id="h-silent"')[1].split("</section>")[0]
    assert "Silenzioso" in silent and "Sano" not in silent
    moving = page.split('id="h-redirects"')[1].split("</section>")[0]
    assert "/old.json" in moving and "/moved.json" in moving and "(1/3)" in moving
    failing = _text(client.get("/console?status=failing", headers=EN))
    assert "Rotto" in failing and "Sano</a>" not in failing
    italian = _text(client.get("/console"))
    assert "Il server rifiuta il feed" in italian


def test_console_actions(network, coordinator, session, httpserver):
    client, token = coordinator
    broken = network["Rotto"].feeds[0]
    url = f"/console/feeds/{broken.id}"
    detail = _text(client.get(url, headers=EN))
    assert "404" in detail and "failed" in detail
    client.post(url, data={"csrf_token": token, "action": "pause"})
    session.refresh(broken)
    assert broken.state == "paused"
    refused = client.post(url, data={"csrf_token": token, "action": "poll"}, headers=EN)
    assert refused.status_code == 400 and "Resume the feed" in _text(refused)
    client.post(url, data={"csrf_token": token, "action": "resume"})
    session.refresh(broken)
    assert broken.state == "active" and broken.consecutive_failures == 0
    bad = client.post(url, data={"csrf_token": token, "action": "url", "url": "ftp://x"}, headers=EN)
    assert bad.status_code == 400 and "starting with https://" in _text(bad)
    client.post(url, data={"csrf_token": token, "action": "url", "url": httpserver.url_for("/healthy.json")})
    polled = client.post(url, data={"csrf_token": token, "action": "poll"}, headers=EN, follow_redirects=True)
    assert "Polled:" in _text(polled) and "applied (HTTP 200)" in _text(polled)
    session.refresh(broken)
    assert broken.consecutive_failures == 0 and broken.url_history[-1]["url"].endswith("/missing.json")
    moving = network["Trasloco"].feeds[0]
    client.post(f"/console/feeds/{moving.id}", data={"csrf_token": token, "action": "adopt"})
    session.refresh(moving)
    assert moving.url.endswith("/moved.json") and moving.redirect_candidate is None
    assert client.post(url, data={"csrf_token": token, "action": "explode"}).status_code == 400


def test_only_coordinators_use_the_console(app, network, client, coordinator, session, tmp_path):
    feed_id = session.scalar(select(Feed.id))
    assert client.get("/console").status_code == 302
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator", spaces=["sano"])
    assert operator.get("/console").status_code == 403
    assert operator.post(f"/console/feeds/{feed_id}", data={"csrf_token": token, "action": "pause"}).status_code == 403
    coord, _token = coordinator
    assert coord.post(f"/console/feeds/{feed_id}", data={"action": "pause"}).status_code == 400  # no CSRF token
    assert session.scalar(select(Feed.state).where(Feed.id == feed_id)) == "active"
