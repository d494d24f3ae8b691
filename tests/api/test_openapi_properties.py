"""The API held to its own OpenAPI document, wholesale: schemathesis reads the document the
hub serves and, for every operation, sends requests hypothesis makes from it (valid and
not), to the demo network as a logged-in coordinator with a CSRF token, on SQLite and on
PostgreSQL (CI runs the suite on both). Every answer: no 5xx, a status the document lists,
the content type it names, a body its schema describes.

The pages' query parameters get the same treatment from plain hypothesis (no document
describes them): whatever a visitor puts in the address bar, a page answers below 500.

`CORETE_PROPERTY_EXAMPLES` (default 25) sets the examples per operation; more find more."""
from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("CORETE_PROPERTY_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_api_operation_keeps_to_the_openapi_document(demo):
    app = demo.coordinator.application
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a bug is a 500 the check names, not a crash of the test
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    session = demo.coordinator.get_cookie("session").value
    failures = []
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        passes = [(GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, {})]
        if "{slug}" in operation.path:  # also the demo's own space, past the 404 of a random slug
            passes.append((GenerationMode.POSITIVE, {"slug": "lab121"}))
        for mode, path_parameters in passes:
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(mode, path_parameters=path_parameters or None))
            def run(case):
                response = case.call(headers={"X-CSRFToken": demo.coordinator_csrf}, cookies={"session": session})
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing of this operation can be made invalid (no parameters)
                pass
            except (Exception, BaseExceptionGroup) as e:  # every operation's failures, then all reported
                failures.append(f"{operation.label} ({mode.value}{', ' + str(path_parameters) if path_parameters else ''}): "
                                f"{str(e)[:700]}")
    assert not failures, "\n\n".join(failures)


# Every page and export that reads its address's query, with the names it reads.
PAGE_QUERIES = {
    "/calendar": ("view", "date", "space", "city", "tag", "q"),
    "/embed/calendar": ("date", "space", "city", "tag", "q"),
    "/calendar.ics": ("from", "to", "space", "city", "tag", "q"),
    "/spaces/lab121/calendar.ics": ("from", "to", "q"),
    "/spaces/lab121/events.atom": ("from", "to", "tag"),
    "/calendar/upcoming.atom": ("from", "to", "space", "city", "tag", "q"),
    "/calendar/new.atom": ("from", "to", "space", "city", "tag", "q"),
    "/digest": ("from", "to"),
    "/digest.atom": ("from", "to"),
    "/map": ("view", "layers", "kind", "city", "tag", "skill", "q", "category", "bbox", "page"),
    "/embed/map": ("layers", "kind", "city", "q", "bbox"),
    "/skills": ("q", "category", "city", "space"),
    "/console": ("status",),
    "/validate": ("url",),
    "/login": ("next",),
    "/lang/en": ("next",),
    "/": ("q",),
}
# What people and scripts put in addresses: the edges of dates and numbers, other
# languages' characters, markup, controls, and anything else hypothesis makes.
EDGES = ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-02-30",
         "2026-13-01", "99999999999999999999", "-1", "0", "1e309", "nan", "inf", "²", "١٢", "list", "month",
         "week", "day", "map", "spaces,events,proposals", "10,40,20,50", "200,-100,-200,100", "lab121", "Roma",
         "\x00", "\r\n", "%", "<script>alert(1)</script>", "'; DROP TABLE spaces; --", "x" * 5000, " ", "",
         "//evil.example", "/\r\nX: y", "ok", "failing"]
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=30), st.dates().map(str),
                   st.datetimes().map(lambda d: d.isoformat()), st.integers().map(str))


def test_no_query_a_visitor_writes_makes_a_page_fail(demo):
    """Whatever the address bar holds, every page and export answers below 500, for a
    citizen and a coordinator alike (the examples: CORETE_PROPERTY_EXAMPLES x 8)."""
    app = demo.coordinator.application
    app.config["PROPAGATE_EXCEPTIONS"] = False
    citizen = app.test_client()

    @settings(max_examples=EXAMPLES * 8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def visit(data):
        path = data.draw(st.sampled_from(sorted(PAGE_QUERIES)))
        query = data.draw(st.dictionaries(st.sampled_from(PAGE_QUERIES[path]), VALUES, max_size=4))
        client = data.draw(st.sampled_from([citizen, demo.coordinator]))
        answer = client.get(path, query_string=query)
        assert answer.status_code < 500, (path, query, answer.status_code)

    visit()


def test_no_query_makes_the_api_fail_either(demo):
    """The same edges for the API's query parameters (schemathesis draws from the whole
    range of a format, and years near 9999 are rare there)."""
    app = demo.coordinator.application
    app.config["PROPAGATE_EXCEPTIONS"] = False
    api_queries = {
        "/api/v1/events": ("from", "to", "space", "city", "tag", "q", "page", "per_page"),
        "/api/v1/spaces": ("page", "per_page"), "/api/v1/skills": ("q", "category", "space", "city", "page"),
        "/api/v1/skills/match": ("need", "limit"), "/api/v1/needs": ("space", "category", "kind", "page"),
        "/api/v1/map/features.geojson": ("layers", "kind", "city", "tag", "skill", "q", "category", "bbox"),
        "/api/v1/map/features.csv": ("layers", "city", "bbox", "q"),
    }

    @settings(max_examples=EXAMPLES * 8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def call(data):
        path = data.draw(st.sampled_from(sorted(api_queries)))
        query = data.draw(st.dictionaries(st.sampled_from(api_queries[path]), VALUES, max_size=4))
        answer = demo.coordinator.get(path, query_string=query)
        assert answer.status_code < 500, (path, query, answer.status_code)
        assert answer.status_code in (200, 304) or answer.is_json, (path, query, answer.status_code)

    call()
