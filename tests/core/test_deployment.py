"""What running behind a reverse proxy and in front of anonymous visitors asks of the hub
(issue 14, first steps): the validator page reaches only the networks opened for it, within
its own deadline; the proxy's headers are trusted only when PROXY_HOPS says so."""
from __future__ import annotations

import html
import time

import pytest

from tests.conftest import csrf_token


def _validate_url(app, url: str):
    app.config["WTF_CSRF_ENABLED"] = False
    page = app.test_client().post("/validate", data={"url": url}, headers={"Accept-Language": "en"})
    return html.unescape(page.get_data(as_text=True))


def test_the_validator_does_not_open_the_pollers_networks_to_anonymous_visitors(app, httpserver):
    """An internal service on an address the poller may reach (FETCH_ALLOW_NETWORKS) is
    not fetched, nor echoed, for someone who types its address in the validator."""
    httpserver.expect_request("/internal").respond_with_data('{"secret": "internal service"}',
                                                             content_type="application/json")
    app.config["FETCH_ALLOW_NETWORKS"] = ["127.0.0.1/32"]
    app.config["VALIDATE_ALLOW_NETWORKS"] = []
    text = _validate_url(app, httpserver.url_for("/internal"))
    assert "Not valid" in text and "not public" in text and "internal service" not in text
    assert len(httpserver.log) == 0  # nothing was even asked
    app.config["VALIDATE_ALLOW_NETWORKS"] = ["127.0.0.1/32"]  # opened on purpose (the demo, a test)
    _validate_url(app, httpserver.url_for("/internal"))
    assert len(httpserver.log) == 1


def test_a_slow_address_holds_the_validator_only_for_its_own_deadline(app, raw_server):
    def drip(conn, stopped):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        while not stopped.wait(0.2):
            conn.sendall(b" ")

    server = raw_server(drip)
    app.config["FETCH_TOTAL_DEADLINE"] = 30.0  # the poller's: far longer
    app.config["VALIDATE_FETCH_DEADLINE"] = 1.0
    started = time.monotonic()
    text = _validate_url(app, server.url)
    assert time.monotonic() - started < 3
    assert "Not valid" in text and "too slow" in text


def test_behind_a_trusted_proxy_the_visitors_address_and_scheme_count(another_app):
    """With PROXY_HOPS=1 each visitor has a rate-limit bucket of its own (the proxy's address
    was everyone's) and links carry the public scheme and host; without it, the same headers
    are ignored, so nobody escapes a limit by forging them."""
    def failed_logins(client, forwarded_for: str, n: int) -> list[int]:
        token = csrf_token(client.get("/login").get_data(as_text=True))
        return [client.post("/login", data={"csrf_token": token, "email": "x@y.example", "password": "sbagliata"},
                            headers={"X-Forwarded-For": forwarded_for}).status_code
                for _ in range(n)]

    behind = another_app(PROXY_HOPS=1, TRUSTED_HOSTS=["hub.example", "localhost"])
    client = behind.test_client()
    assert failed_logins(client, "203.0.113.7", 11)[-1] == 429
    assert failed_logins(client, "198.51.100.9", 1) == [401]  # another visitor behind the same proxy
    page = client.get("/calendar/upcoming.atom", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example"})
    assert b'href="https://hub.example/calendar/upcoming.atom"' in page.data

    direct = another_app()  # no proxy declared: the headers are ignored
    client = direct.test_client()
    assert failed_logins(client, "203.0.113.7", 11)[-1] == 429
    assert failed_logins(client, "198.51.100.9", 1) == [429]  # a forged X-Forwarded-For buys nothing
    page = client.get("/calendar/upcoming.atom", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example"})
    assert b"https://hub.example" not in page.data


def test_security_headers_on_every_answer_and_framing_only_for_the_embeds(app, client):
    for path in ("/", "/login", "/calendar", "/api/v1/spaces", "/calendar.ics", "/nowhere"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        policy = dict(rule.split(" ", 1) for rule in headers["Content-Security-Policy"].split("; "))
        assert policy["frame-ancestors"] == "'self'" and headers["X-Frame-Options"] == "SAMEORIGIN"
        assert policy["script-src"].startswith("'self' 'nonce-") and "unsafe" not in policy["script-src"]
        assert policy["object-src"] == "'none'" and policy["form-action"] == "'self'"
        assert "Strict-Transport-Security" not in headers  # plain http: no HSTS
    for path in ("/embed/calendar", "/embed/map"):
        headers = client.get(path).headers
        assert "X-Frame-Options" not in headers and "frame-ancestors" not in headers["Content-Security-Policy"]
        assert "'nonce-" in headers["Content-Security-Policy"]


def test_every_inline_script_carries_the_nonce_of_its_answer(app, client):
    import re

    for path in ("/map", "/map?view=list", "/embed/map", "/map/propose"):
        answer = client.get(path)
        nonce = re.search(r"'nonce-([^']+)'", answer.headers["Content-Security-Policy"]).group(1)
        tags = re.findall(r"<script\b[^>]*>", answer.get_data(as_text=True))
        inline = [tag for tag in tags if "src=" not in tag and "application/ld+json" not in tag]  # data: not run
        assert inline and all(f'nonce="{nonce}"' in tag for tag in inline), (path, tags)
    first, second = (client.get("/map").headers["Content-Security-Policy"] for _ in range(2))
    assert first != second  # a new nonce for every answer


def test_the_tile_server_may_send_images(app, another_app):
    tiled = another_app(MAP_TILES_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png", MAP_TILES_ATTRIBUTION="Esempio")
    policy = tiled.test_client().get("/map").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.example.org" in policy


def test_by_default_the_street_map_is_openstreetmaps_credited(app, another_app):
    from corete import config

    default = another_app(MAP_TILES_URL=config.OSM_TILES_URL)  # the tests' own configuration turns it off
    answer = default.test_client().get("/map")
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page
    assert '\\u003eOpenStreetMap\\u003c/a\\u003e contributors' in page  # the credit, as the map's script holds it
    assert "tile.openstreetmap.org" not in app.test_client().get("/map").get_data(as_text=True)


def test_over_https_the_hub_asks_for_https_and_sends_cookies_only_there(app, another_app):
    secure = another_app(PUBLIC_URL="https://hub.example")
    answer = secure.test_client().get("/login")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in answer.headers["Set-Cookie"] and secure.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False  # no PUBLIC_URL: plain http keeps working


def test_the_hosted_feeds_address_never_comes_from_the_host_a_request_chose(app, session, tmp_path):
    """The poller fetches a hosted feed at the address the hub registers for it: PUBLIC_URL,
    never the Host header of the operator's request (who would choose host and port)."""
    import json

    from sqlalchemy import select

    from corete.federation.models import Feed
    from tests.conftest import login, make_space

    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    client, token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    skill = {"csrf_token": token, "skill": "Saldatura a stagno"}

    app.config["TRUSTED_HOSTS"] = None  # neither PUBLIC_URL nor trusted hosts: the hub cannot host yet
    page = client.post("/spaces/lab121/edit/skill/new", data=skill, headers={"Accept-Language": "en"})
    assert page.status_code == 409 and "PUBLIC_URL" in html.unescape(page.get_data(as_text=True))
    api = client.post("/api/v1/spaces/lab121/items/skill", data=json.dumps({"skill": "Saldatura"}),
                      headers={"X-CSRFToken": token, "Content-Type": "application/json"})
    assert api.status_code == 409 and api.is_json
    assert not session.scalars(select(Feed.url).where(Feed.url.like("%/feed.json"), Feed.url.not_like("%:9/%"))).all()

    from corete.hosting.views import base_url

    app.config["PUBLIC_URL"] = "https://hub.example"
    with app.test_request_context("/spaces/lab121/edit", headers={"Host": "169.254.169.254:6666"}):
        assert base_url() == "https://hub.example"  # not the host the request named
    assert client.post("/spaces/lab121/edit/skill/new", data=skill).status_code == 302
    assert "https://hub.example/spaces/lab121/feed.json" in session.scalars(select(Feed.url)).all()

    app.config["PUBLIC_URL"], app.config["TRUSTED_HOSTS"] = None, ["hub.internal"]
    with app.test_request_context("/", headers={"Host": "hub.internal:8000"}):
        assert base_url() == "http://hub.internal:8000/"  # a host Flask checked against TRUSTED_HOSTS


def test_tiles_without_their_credit_stop_the_start_with_a_message(app):
    """Folium refuses tiles without an attribution: the map page was a 500. Now the hub
    does not start, and says what to set."""
    from corete import create_app
    from tests.conftest import _config

    with pytest.raises(RuntimeError, match="MAP_TILES_ATTRIBUTION"):
        create_app({**_config(app.config["SQLALCHEMY_DATABASE_URI"]), "MAP_TILES_URL": "https://t.example/{z}/{x}/{y}.png"})
