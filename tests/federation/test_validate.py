"""`corete feed validate` and the /validate page."""
from __future__ import annotations

import json
import re

from corete.federation import writers as feeds

GOOD = feeds.jsonfeed({"name": "Lab121"}, [feeds.skill_item("s1", "Videomaker", "Marco", category="media")],
                      feed_url="https://lab121.example/feed.json")


def _with_bad_item() -> bytes:
    doc = json.loads(GOOD)
    doc["items"].append({"id": "e1", "title": "Barcamp", "_corete": {"type": "event", "start": "domani"}})
    return json.dumps(doc).encode()


def test_cli_valid_file_exits_0(runner, tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(GOOD)
    result = runner.invoke(args=["feed", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "VALID: corete, 0 events, 1 skills, 0 needs accepted" in result.output


def test_cli_invalid_item_exits_1_with_pointer_and_fix(runner, tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(_with_bad_item())
    result = runner.invoke(args=["feed", "validate", str(path)])
    assert result.exit_code == 1
    assert "ERROR /items/1/_corete: 'domani' is not an RFC 3339 date-time such as 2026-12-01T18:30:00+01:00" in result.output


def test_cli_url_and_not_a_feed(runner, httpserver):
    httpserver.expect_request("/page").respond_with_data("<!doctype html><html></html>", content_type="text/html")
    result = runner.invoke(args=["feed", "validate", httpserver.url_for("/page")])
    assert result.exit_code == 1
    assert "INVALID: [not_a_feed]" in result.output and "fix: give the URL of the feed itself" in result.output


def test_cli_url_on_a_private_address_is_blocked(runner, app):
    app.config["FETCH_ALLOW_NETWORKS"] = []
    result = runner.invoke(args=["feed", "validate", "http://169.254.169.254/latest/"])
    assert result.exit_code == 1 and "[blocked]" in result.output


def _token(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/validate").get_data(as_text=True)).group(1)


def test_page_shows_problems_in_the_visitors_language(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = _token(client)
    page = client.post("/validate", data={"document": _with_bad_item().decode(), "csrf_token": token},
                       headers={"Accept-Language": "it-IT,it;q=0.9"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Non valido" in text and "/items/1/_corete" in text
    empty = client.post("/validate", data={"csrf_token": token}, headers={"Accept-Language": "en"})
    assert empty.status_code == 400 and "Paste a feed URL or a feed document." in empty.get_data(as_text=True)


def test_page_escapes_what_it_shows(app):
    app.config["WTF_CSRF_ENABLED"] = False
    doc = json.loads(GOOD)
    doc["items"].append({"id": "<script>alert(1)</script>", "_corete": {"type": "<img src=x onerror=alert(1)>"}})
    text = app.test_client().post("/validate", data={"document": json.dumps(doc)}).get_data(as_text=True)
    assert "<img src=x" not in text and "<script>alert" not in text


def test_the_documented_example_is_valid(runner):
    from pathlib import Path

    example = Path(__file__).parents[2] / "docs" / "example-feed.json"
    result = runner.invoke(args=["feed", "validate", str(example)])
    assert result.exit_code == 0 and "0 items rejected, 0 warnings" in result.output
    assert "4 events, 1 skills, 2 needs" in result.output


def test_validating_by_url_is_rate_limited(app, httpserver):
    app.config["WTF_CSRF_ENABLED"] = False
    httpserver.expect_request("/feed.json").respond_with_data(GOOD, content_type="application/feed+json")
    client = app.test_client()
    statuses = [client.post("/validate", data={"url": httpserver.url_for("/feed.json")}).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert len(httpserver.log) == 20  # the refused one fetched nothing
