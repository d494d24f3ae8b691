"""Prometheus metrics: the only module that uses prometheus_client.

Under gunicorn (`corete serve`), each worker writes its counters to files in
PROMETHEUS_MULTIPROC_DIR and /metrics sums them (prometheus_client's multi-process
mode). A scheduler counts its polls in its own process and serves them on its own port
(`corete scheduler --metrics-port`), one scrape target per scheduler as Prometheus expects.
What the database knows (feeds failing, the last heartbeat) is read at each scrape.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

HTTP_REQUESTS = Counter("corete_http_requests_total", "HTTP requests answered, by endpoint, method and status",
                        ["endpoint", "method", "status"])
HTTP_SECONDS = Histogram("corete_http_request_duration_seconds", "Time to answer a request, by endpoint",
                         ["endpoint"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
POLLS = Counter("corete_polls_total", "Feed polls, by outcome", ["outcome"])
FETCH_SECONDS = Histogram("corete_poll_fetch_seconds", "Time to fetch and parse a feed",
                          buckets=(.05, .1, .25, .5, 1, 2.5, 5, 10, 30))
APPLY_SECONDS = Histogram("corete_poll_apply_seconds", "Time to store what changed in a feed",
                          buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
ITEMS = Counter("corete_feed_items_total", "Feed items by what the hub did with them",
                ["result"])  # new, updated, removed, rejected
CONTENT_TYPE = CONTENT_TYPE_LATEST


def record_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(endpoint, method, str(status)).inc()
    HTTP_SECONDS.labels(endpoint).observe(seconds)


def record_poll(summary) -> None:
    POLLS.labels(summary.outcome).inc()
    FETCH_SECONDS.observe(summary.duration_ms / 1000)
    if summary.apply_ms:
        APPLY_SECONDS.observe(summary.apply_ms / 1000)
    for result in ("new", "updated", "removed", "rejected"):
        count = getattr(summary, result)
        if count:
            ITEMS.labels(result).inc(count)


class _Snapshot:
    """Gauges read from the database at this scrape: {name: (help, value)}."""

    def __init__(self, gauges: dict[str, tuple[str, float]]):
        self.gauges = gauges

    def collect(self):
        for name, (text, value) in self.gauges.items():
            family = GaugeMetricFamily(name, text)
            family.add_metric([], value)
            yield family


def exposition(gauges: dict[str, tuple[str, float]]) -> bytes:
    """The text /metrics answers: this process's (or all workers') counters and ``gauges``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(gauges))
    return generate_latest(counters) + generate_latest(snapshot)


def serve(port: int, host: str = "127.0.0.1") -> None:
    """A scheduler's own /metrics, on a thread of its process."""
    start_http_server(port, addr=host)


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit: a dead worker's live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
