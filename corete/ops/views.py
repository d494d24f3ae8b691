"""/healthz, /readyz and /metrics, and what every request adds to the log and metrics.
Rules are in services.py; prometheus_client is behind metrics.py."""
from __future__ import annotations

import hmac
import logging
import re
import time
import uuid

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request

from corete.extensions import csrf, db
from corete.ops import metrics, services
from corete.ops.logs import REQUEST_LOG

bp = Blueprint("ops", __name__)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_QUIET = {"ops.healthz", "ops.readyz", "ops.metrics_page"}  # asked every few seconds: not logged at INFO


@bp.route("/healthz")
def healthz():
    """The process answers (what systemd's watchdog and a liveness probe ask)."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def readyz():
    """The database answers, its schema is the code's, a scheduler was seen lately: 200,
    else 503 with what is wrong (what a load balancer asks before sending visitors)."""
    checks = services.readiness(db.session, current_app.config)
    ready = all(check["ok"] for check in checks.values())
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), 200 if ready else 503


@bp.route("/metrics")
def metrics_page():
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(401)
    return Response(metrics.exposition(services.gauges(db.session)), mimetype=metrics.CONTENT_TYPE)


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request refused before the hub's first hook ran
        _start()
        started = g.request_started
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
    response.headers["X-Request-ID"] = g.request_id
    metrics.record_request(endpoint, request.method, response.status_code, seconds)
    REQUEST_LOG.log(logging.DEBUG if endpoint in _QUIET else logging.INFO,
                    "%s %s %d %.1f ms id=%s addr=%s", request.method, request.path, response.status_code,
                    seconds * 1000, g.request_id, request.remote_addr,
                    extra={"fields": {"method": request.method, "path": request.path, "endpoint": endpoint,
                                      "status": response.status_code, "ms": round(seconds * 1000, 1),
                                      "request_id": g.request_id, "addr": request.remote_addr}})
    return response


def register(app: Flask) -> None:
    """First of the web app's hooks, so every request is timed and counted."""
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
    csrf.exempt(bp)
