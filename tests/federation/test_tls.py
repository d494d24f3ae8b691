"""TLS fails closed: untrusted, wrong-host and expired certificates; no https-to-http."""
from __future__ import annotations

import datetime as dt
import ssl

import pytest
import trustme
from pytest_httpserver import HTTPServer

from corete.federation import writers as feeds
from tests.conftest import make_space, poll

FEED = feeds.jsonfeed({"name": "Spazio"}, [feeds.item("skill", "s1", "Grafica", "Ada", category="design")],
                      feed_url="https://127.0.0.1/feed.json")


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def _https_server(cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    return server


@pytest.fixture
def https(ca):
    servers = []

    def start(*identities, **validity):
        server = _https_server(ca.issue_cert(*identities, **validity))
        server.expect_request("/feed.json").respond_with_data(FEED, content_type="application/feed+json")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def trust(app, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    app.config["FETCH_CA_BUNDLE"] = str(bundle)


def _poll(app, session, server, path="/feed.json"):
    space = make_space(session, server.url_for(path))
    [summary] = poll(app, space)
    return summary


def test_a_valid_certificate_works(app, session, https, trust):
    assert _poll(app, session, https("127.0.0.1")).outcome == "applied"


def test_untrusted_certificate_fails_closed(app, session, https):
    summary = _poll(app, session, https("127.0.0.1"))  # signed by a CA nobody trusts
    assert summary.error_class == "tls"


def test_wrong_host_name_fails_closed(app, session, https, trust):
    summary = _poll(app, session, https("example.org"))
    assert summary.error_class == "tls"


def test_expired_certificate_fails_closed(app, session, https, trust):
    now = dt.datetime.now(dt.timezone.utc)
    summary = _poll(app, session, https("127.0.0.1", not_before=now - dt.timedelta(days=30),
                                        not_after=now - dt.timedelta(days=1)))
    assert summary.error_class == "tls"


def test_redirect_from_https_to_http_is_refused(app, session, https, trust, httpserver):
    server = https("127.0.0.1")
    httpserver.expect_request("/feed.json").respond_with_data(FEED, content_type="application/json")
    server.expect_request("/old.json").respond_with_data("", status=301, headers={"Location": httpserver.url_for("/feed.json")})
    summary = _poll(app, session, server, "/old.json")
    assert summary.error_class == "blocked" and "https to http" in summary.error_message
    assert httpserver.log == []
