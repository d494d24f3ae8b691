"""The edge every request passes: out-of-range dates, ids past the database's integers, NUL
characters, line breaks in "next", hostile JSON bodies, and API errors in JSON. Each case
was a 500 (OverflowError, "int too large to convert", a NUL PostgreSQL refuses, a header
split by CRLF, RecursionError) before the edge existed."""
from __future__ import annotations

import html
import json

import pytest

from tests.hosting.test_editor import EVENT, hosted_space

OUT_OF_RANGE_PAGES = [
    *(f"/calendar?view={view}&date={day}" for view in ("day", "list", "week", "month")
      for day in ("9999-12-31", "0001-01-01")),
    "/calendar.ics?from=9999-12-31", "/calendar.ics?from=0001-01-01&to=0001-02-01",
    "/spaces/lab121/calendar.ics?from=9999-12-31", "/spaces/lab121/events.atom?to=9999-12-31",
    "/calendar/upcoming.atom?from=9999-12-31", "/calendar/new.atom?from=0001-01-01",
    "/digest?from=0001-01-01&to=0001-02-01", "/digest.atom?from=9999-12-31", "/embed/calendar?date=9999-12-31",
]


def test_a_date_out_of_range_is_a_400_page_in_the_visitors_language(demo):
    for url in OUT_OF_RANGE_PAGES:
        page = demo.operator.get(url, headers={"Accept-Language": "it"})
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code == 400 and ("1900" in text or "filtri" in text), url


def test_the_api_refuses_an_out_of_range_date_with_the_field_named(client):
    for query in ("from=9999-12-31", "to=0001-01-01", "from=9999-12-31T23:59:59-23:59"):
        answer = client.get("/api/v1/events?" + query)
        assert answer.status_code == 422 and answer.is_json, query
        assert set(answer.get_json()["errors"]["query"]) <= {"from", "to"}
    # an instant with an offset and a date without one are compared, not a TypeError
    assert client.get("/api/v1/events?from=2026-01-01&to=2026-01-02T00:00:00%2B01:00").status_code == 200


IDS_PAST_INTEGERS = [
    "/events/99999999999999999999", "/events/99999999999999999999.ics", "/events/²",
    "/purchasing/rounds/99999999999999999999", "/purchasing/rounds/99999999999999999999/order.csv",
    "/map/proposals/99999999999999999999", "/console/feeds/99999999999999999999",
    "/map/moderation/99999999999999999999", "/spaces/lab121/edit/items/99999999999999999999",
    "/api/v1/purchasing/rounds/99999999999999999999",
]


def test_an_id_past_the_databases_integers_is_not_found(demo):
    for url in IDS_PAST_INTEGERS:
        assert demo.coordinator.get(url).status_code == 404, url


def test_an_id_past_the_databases_integers_in_a_query_is_refused(demo):
    answer = demo.coordinator.get("/api/v1/skills/match?need=99999999999999999999")
    assert answer.status_code == 422 and "need" in answer.get_json()["errors"]["query"]
    item = demo.coordinator.delete("/api/v1/spaces/lab121/items/99999999999999999999",
                                   headers={"X-CSRFToken": demo.coordinator_csrf})
    assert item.status_code in (404, 405) and item.is_json  # not an id: only POST /<type> is there
    split = demo.coordinator.post("/events/1/split", data={"csrf_token": demo.coordinator_csrf,
                                                          "other": "99999999999999999999"})
    assert split.status_code == 404


NUL_QUERIES = ["/calendar?q=%00", "/calendar?city=a%00b", "/calendar?tag=%00", "/calendar?space=%00",
                                 "/skills?q=%00", "/map?q=%00", "/map?view=list&city=%00", "/calendar.ics?q=%00",
                                 "/api/v1/events?q=%00", "/api/v1/map/features.geojson?q=%00", "/api/v1/skills?q=%00",
                                 "/validate?url=%00"]


def test_a_nul_in_a_query_parameter_is_refused(demo):
    for url in NUL_QUERIES:
        answer = demo.operator.get(url, headers={"Accept-Language": "en"})
        assert answer.status_code == 400, url
        if url.startswith("/api/"):
            assert answer.is_json and answer.get_json()["errors"]
        else:
            assert "not allowed (NUL)" in html.unescape(answer.get_data(as_text=True))


def test_a_nul_in_a_path_or_a_form_is_refused_and_nothing_is_stored(demo, session):
    from corete.map.models import Proposal

    assert demo.operator.get("/spaces/%00").status_code == 404
    login = demo.operator.application.test_client().post("/login", data={"email": "a\x00@b.example", "password": "x"})
    assert login.status_code == 400
    proposal = demo.operator.post("/map/propose", data={"csrf_token": demo.operator_csrf, "title": "Orto\x00",
                                                        "city": "Roma", "category": "other"})
    assert proposal.status_code == 400 and session.query(Proposal).count() == 0
    item = demo.operator.post("/spaces/lab121/edit/skill/new", data={"csrf_token": demo.operator_csrf,
                                                                    "skill": "Saldatura\x00"})
    assert item.status_code == 400


def test_a_line_break_or_another_site_in_next_falls_back_to_home(demo):
    from tests.conftest import csrf_token

    for url in ("/lang/en?next=/%0d%0aX:y", "/lang/en?next=%0d%0a/x", "/lang/it?next=/\\evil.example",
                "/lang/it?next=//evil.example", "/lang/it?next=/%09/evil.example"):
        answer = demo.operator.get(url)
        assert answer.status_code == 302 and answer.headers["Location"] == "/", url
    client = demo.operator.application.test_client()
    url = "/login?next=/%0d%0aSet-Cookie:x=1"
    answer = client.post(url, data={"csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
                                    "email": "coord@corete.example", "password": "una-password-lunga"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


@pytest.fixture
def api_operator(app, session, tmp_path):
    from tests.conftest import login

    hosted_space(session, "Millepiani", city="Roma")
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                          spaces=["millepiani"])
    return client, {"X-CSRFToken": token, "Content-Type": "application/json"}


def test_the_items_api_refuses_hostile_json_with_the_field_named(api_operator, session):
    from corete.hosting.models import HostedItem

    client, headers = api_operator
    url = "/api/v1/spaces/millepiani/items/event"
    deep = client.post(url, headers=headers, data="[" * 100_000 + "]" * 100_000)
    assert deep.status_code == 422 and "nested" in json.dumps(deep.get_json())
    nested = "x"
    for _ in range(40):
        nested = [nested]
    fairly_deep = client.post(url, headers=headers, data=json.dumps({**EVENT, "title": nested}))
    assert fairly_deep.status_code == 422 and "/title" in str(fairly_deep.get_json()["errors"])
    surrogate = client.post(url, headers=headers, data=json.dumps({**EVENT}).replace('"Colazione', '"\\ud800Colazione'))
    assert surrogate.status_code == 422 and "/title" in surrogate.get_json()["errors"]
    nul = client.post(url, headers=headers, data=json.dumps({**EVENT, "location": "Sala\x00"}))
    assert nul.status_code == 422 and "/location" in nul.get_json()["errors"]
    broken = client.post(url, headers=headers, data='{"title": ')
    assert broken.status_code == 400 and broken.is_json
    forever = client.post(url, headers=headers, data=json.dumps({**EVENT, "repeat": "daily", "repeat_count": None,
                                                                 "repeat_until": "9999-12-31"}))
    assert forever.status_code == 422 and "repeat_until" in forever.get_json()["errors"]["json"]
    assert session.query(HostedItem).count() == 0


def test_an_api_error_is_json_even_for_a_missing_csrf_token(api_operator):
    client, headers = api_operator
    answer = client.post("/api/v1/spaces/millepiani/items/event", data=json.dumps(EVENT),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.is_json and "csrf" in answer.get_json()["errors"]
