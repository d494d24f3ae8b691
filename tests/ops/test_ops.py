"""What a load balancer, systemd and Prometheus ask the hub, and the request log."""
from __future__ import annotations

import json
import logging

from flask_migrate import downgrade, upgrade

from corete.core.models import utcnow
from corete.ops.logs import JSONFormatter
from corete.ops.services import beat


def test_healthz_answers_without_the_database(app, another_app):
    broken = another_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert broken.test_client().get("/healthz").get_json() == {"status": "ok"}
    ready = broken.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["ok"] is False


def test_readyz_wants_the_schema_at_head_and_a_scheduler_seen_lately(app, session, client):
    app.config["READY_SCHEDULER_SECONDS"] = 60
    answer = client.get("/readyz")
    assert answer.status_code == 503
    checks = answer.get_json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"] == {"ok": True, "detail": "at head"}
    assert checks["scheduler"] == {"ok": False, "detail": "never seen"}
    beat(session, "scheduler-on-another-machine", utcnow())
    assert client.get("/readyz").status_code == 200
    app.config["READY_SCHEDULER_SECONDS"] = 0  # a hub whose scheduler is watched elsewhere
    assert "scheduler" not in client.get("/readyz").get_json()["checks"]


def test_readyz_says_when_the_schema_is_behind_the_code(app, client):
    from corete.extensions import db

    db.session.remove()
    downgrade(revision="-1")
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "corete db upgrade" in answer.get_json()["checks"]["migrations"]["detail"]
    finally:
        db.session.remove()
        upgrade()


def _sample(text: str, series: str) -> float:
    """The value of one series in Prometheus' text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_endpoint_and_status_and_read_the_feeds(app, client):
    page = 'corete_http_requests_total{endpoint="events.calendar_page",method="GET",status="200"}'
    missing = 'corete_http_requests_total{endpoint="unmatched",method="GET",status="404"}'
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/calendar")
    client.get("/calendar")
    client.get("/no/such/page")
    after = client.get("/metrics").get_data(as_text=True)
    assert _sample(after, page) - _sample(before, page) == 2
    assert _sample(after, missing) - _sample(before, missing) == 1
    assert 'corete_http_request_duration_seconds_bucket{endpoint="events.calendar_page",le="10.0"}' in after
    assert _sample(after, "corete_feeds_failing") == 0 and _sample(after, "corete_feeds_active") == 0


def test_metrics_can_ask_for_a_token(app, client):
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_every_request_has_an_id_in_its_answer_and_its_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="corete.request"):
        given = client.get("/calendar", headers={"X-Request-ID": "from-nginx-42"})
        made = client.get("/calendar", headers={"X-Request-ID": "not an id\u2028"})
    assert given.headers["X-Request-ID"] == "from-nginx-42"
    assert len(made.headers["X-Request-ID"]) == 32  # its own, not the visitor's text
    lines = [r for r in caplog.records if r.name == "corete.request"]
    assert [r.fields["request_id"] for r in lines] == ["from-nginx-42", made.headers["X-Request-ID"]]
    assert lines[0].fields["status"] == 200 and lines[0].fields["endpoint"] == "events.calendar_page"
    line = json.loads(JSONFormatter().format(lines[0]))
    assert line["request_id"] == "from-nginx-42" and line["path"] == "/calendar" and line["level"] == "info"


def test_a_schedulers_polls_are_counted_by_outcome_duration_and_items():
    from corete.federation.services import PollSummary
    from corete.ops import metrics

    def text() -> str:
        return metrics.exposition({}).decode()

    before = text()
    metrics.record_poll(PollSummary(1, "http://x/f.json", "applied", new=3, updated=1, rejected=2,
                                    duration_ms=120, apply_ms=15))
    metrics.record_poll(PollSummary(2, "http://x/g.json", "failed", duration_ms=30))
    after = text()
    for series, grew in (('corete_polls_total{outcome="applied"}', 1), ('corete_polls_total{outcome="failed"}', 1),
                         ('corete_feed_items_total{result="new"}', 3), ('corete_feed_items_total{result="rejected"}', 2),
                         ("corete_poll_fetch_seconds_count", 2), ("corete_poll_apply_seconds_count", 1)):
        assert _sample(after, series) - _sample(before, series) == grew, series
