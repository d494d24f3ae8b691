"""Visitors of the hub, for locust (bench/bench_load.py starts it headless): they browse
the calendar (month and list), event pages, the map and its GeoJSON, and the API."""
from __future__ import annotations

import datetime as dt
import random

from locust import HttpUser, between, events, task

OCCURRENCES: list[str] = []


@events.test_start.add_listener
def _collect_event_ids(environment, **_kwargs):
    """The occurrences of the next two months, whose pages visitors open."""
    import requests

    start = dt.date.today().replace(day=1)
    answer = requests.get(f"{environment.host}/api/v1/events", timeout=30,
                          params={"from": f"{start}T00:00:00Z", "to": f"{start + dt.timedelta(days=60)}T00:00:00Z",
                                  "per_page": 500})
    OCCURRENCES.extend(str(item["id"]) for item in answer.json()["items"])


class Visitor(HttpUser):
    wait_time = between(0.5, 2.0)  # reading a page before the next click

    def on_start(self):
        self.client.headers["Accept-Language"] = random.choice(("it", "it", "en"))

    @task(4)
    def month(self):
        self.client.get("/calendar?view=month", name="calendar month")

    @task(2)
    def calendar_list(self):
        self.client.get("/calendar", name="calendar list")

    @task(4)
    def event_page(self):
        if OCCURRENCES:
            self.client.get(f"/events/{random.choice(OCCURRENCES)}", name="event page")

    @task(1)
    def map_page(self):
        self.client.get("/map", name="map page")

    @task(2)
    def geojson(self):
        self.client.get("/api/v1/map/features.geojson", name="map GeoJSON")

    @task(2)
    def api_events(self):
        self.client.get("/api/v1/events", name="API events")

    @task(1)
    def api_spaces(self):
        self.client.get("/api/v1/spaces", name="API spaces")
