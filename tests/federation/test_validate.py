"""`corete feed validate` and the /validate page."""
from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from corete.federation import writers as feeds

GOOD = feeds.jsonfeed({"name": "Lab121"}, [feeds.item("skill", "s1", "Videomaker", "Marco", category="media")],
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
    assert "VALID: corete, 0 events, 1 skills, 0 needs, 0 resources, 0 calls, 0 offers accepted" in result.output


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
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Non valido" in text and "elemento 2 (id e1): 'domani'" in text
    assert "Come correggerlo: Scrivi l'inizio come 2026-03-14T18:30:00+01:00" in text
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
    assert "4 events, 1 skills, 2 needs, 1 resources, 1 calls, 1 offers accepted" in result.output


def test_the_documented_example_follows_the_published_json_schema():
    import jsonschema
    from pathlib import Path

    docs = Path(__file__).parents[2] / "docs"
    schema = json.loads((docs / "corete-feed.schema.json").read_text(encoding="utf-8"))
    example = json.loads((docs / "example-feed.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(example)
    wrong = {**example, "items": [{"id": "x", "title": "Bando", "_corete": {"type": "call", "kind": "lottery"}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(wrong)


def test_validating_by_url_is_rate_limited(app, httpserver):
    app.config["WTF_CSRF_ENABLED"] = False
    httpserver.expect_request("/feed.json").respond_with_data(GOOD, content_type="application/feed+json")
    client = app.test_client()
    statuses = [client.post("/validate", data={"url": httpserver.url_for("/feed.json")}).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert len(httpserver.log) == 20  # the refused one fetched nothing


def _validate(app, body: str, lang="en") -> str:
    app.config["WTF_CSRF_ENABLED"] = False
    page = app.test_client().post("/validate", data={"document": body}, headers={"Accept-Language": lang})
    return html.unescape(page.get_data(as_text=True))


def test_a_calendar_problem_names_its_line_and_the_fix(app):
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
           "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Buono\r\nDTSTART:20990110T100000Z\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Rotto\r\nDTSTART:2026XX\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    text = _validate(app, ics)
    assert "event 2 of the calendar, line 9: DTSTART cannot be read" in text
    assert "How to fix it: Write the start as 2026-03-14T18:30:00+01:00" in text
    assert "This item is left out; the others are taken." in text


def test_the_preview_shows_the_space_on_the_map_and_its_events_in_the_calendar(app):
    soon = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=2)
    weekly = feeds.item("event", "e1", "Colazione dei coworker", soon, soon + dt.timedelta(hours=1),
                              rrule="FREQ=WEEKLY;COUNT=3")
    far = feeds.item("event", "e2", "Tra un anno", soon + dt.timedelta(days=365))
    body = feeds.jsonfeed({"name": "Millepiani", "kind": "coworking", "city": "Roma", "lat": 41.8626, "lon": 12.4841},
                          [weekly, far, feeds.item("skill", "s1", "Videomaker", "Marco", category="media")],
                          feed_url="https://x.example/feed.json").decode()
    text = _validate(app, body)
    preview = text.split('id="h-preview"')[1]
    assert preview.count("Colazione dei coworker") == 3 and "Tra un anno" not in preview
    assert "Millepiani" in preview and "Coworking" in preview and "map-box" in preview and "add lat and lon to place" not in preview
    assert "Videomaker" in preview
    by_city = _validate(app, body.replace('"lat": 41.8626', '"lat": null').replace('"lon": 12.4841', '"lon": null'))
    assert "add lat and lon to place the space exactly" in by_city
    nowhere = _validate(app, body.replace('"lat": 41.8626', '"lat": null').replace('"lon": 12.4841', '"lon": null')
                        .replace('"city": "Roma"', '"city": null'))
    assert "the space will not be on the map" in nowhere
    ics_only = _validate(app, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n")
    assert "does not describe the space" in ics_only


def test_the_validator_speaks_italian_and_never_shows_the_hubs_class_names(app, httpserver):
    """Anonymous visitors read what happened in plain words in their language: the
    parsers' reasons said again in Italian, no "[invalid]" nor a Python class name."""
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nquesta riga non c'entra\r\n"
           "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Buono\r\nDTSTART:20990110T100000Z\r\nEND:VEVENT\r\n"
           "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Rotto\r\nDTSTART:2026XX\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    text = _validate(app, ics, lang="it")
    assert "\"questa riga non c'entra\" non è una riga iCalendar ed è stata saltata." in text
    assert "DTSTART non si può leggere" in text and "cannot be read" not in text
    json_text = _validate(app, _with_bad_item().decode(), lang="it")
    assert "'domani' non è una data e ora come 2026-12-01T18:30:00+01:00." in json_text
    httpserver.expect_request("/rotto.ics").respond_with_data("<!doctype html><p>Pagina</p>", content_type="text/html")
    app.config["WTF_CSRF_ENABLED"] = False
    broken = html.unescape(app.test_client().post("/validate", data={"url": httpserver.url_for("/rotto.ics")},
                                                  headers={"Accept-Language": "it"}).get_data(as_text=True))
    assert "Non valido" in broken and "[invalid]" not in broken and "[not_a_feed]" not in broken
    for page in (text, json_text, broken):
        assert not re.search(r"\b[A-Z]\w+(Error|Exception)\b|\[\w+\] ", page)


def test_every_reason_the_real_world_files_give_is_said_in_words(app):
    """Each rejection and warning the real-world files of the suite produce matches a
    shape the translation knows (a new reason without one fails here)."""
    from pathlib import Path

    from flask_babel import force_locale

    from corete.federation.parse import InvalidDocument, NotAFeed, parse_feed
    from corete.federation.reasons import in_words

    folder = Path(__file__).parents[1] / "data" / "realworld"
    reasons = set()
    for path in sorted(folder.glob("[0-9]*")):
        try:
            doc = parse_feed(path.read_bytes(), None, base_url="https://example.org/", max_items=1000)
        except (InvalidDocument, NotAFeed):
            continue
        reasons |= {r.reason for r in doc.rejections + doc.warnings}
    assert len(reasons) >= 5
    with app.test_request_context(), force_locale("it"):
        untranslated = [r for r in reasons if in_words(r) == r]
    assert not untranslated, untranslated


def test_every_error_class_has_words_for_operators_coordinators_and_the_validator():
    """A class the fetcher raises (fetch.py) with no explanation would show its bare name
    ("busy") on the validator page and in the console."""
    import re
    from pathlib import Path

    from corete.federation import fetch, reasons, validate

    raised = set(re.findall(r'FetchError\("([a-z_0-9]+)"', "".join(
        p.read_text() for p in Path(fetch.__file__).parent.glob("*.py"))))
    assert raised <= set(fetch.ERROR_CLASSES), raised - set(fetch.ERROR_CLASSES)
    for table in (validate.FIXES, reasons.DOCUMENT_FIXES, reasons.PLAIN_ERRORS):
        assert set(fetch.ERROR_CLASSES) <= set(table), set(fetch.ERROR_CLASSES) - set(table)
