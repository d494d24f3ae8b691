"""A member's feed server and a real `corete scheduler`, for the tests of push and the
fediverse: a member publishes, and the test times how soon the hub and its readers know."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from corete.federation import writers


def serve(handler) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class MemberSite:
    """A member's feed whose events the test changes; counts its GETs. It names a WebSub
    hub (``hub``) the way ``style`` says: in a JSON Feed's ``hubs``, an Atom ``<link
    rel="hub">``, or an HTTP Link header."""

    def __init__(self):
        self.events: list[tuple[str, str]] = []
        self.cancelled: set[str] = set()  # uids published as cancelled
        self.gets = 0
        # Three days from now, to the minute, fixed: an event changes only when the test says.
        self.start = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).replace(second=0, microsecond=0)
        self.hub: str | None = None
        self.style = "json"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.gets += 1
                body, ctype = site.body()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if site.hub and site.style == "link":
                    self.send_header("Link", f'<{site.hub}>; rel="hub", <{site.url}>; rel="self"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server, base = serve(Handler)
        self.url = base + "/feed"

    def body(self) -> tuple[bytes, str]:
        start = self.start
        if self.style == "atom":
            hub = f'<link rel="hub" href="{self.hub}"/>' if self.hub else ""
            entries = "".join(f"<entry><id>{uid}</id><title>{title}</title><updated>{start.isoformat()}</updated></entry>"
                              for uid, title in self.events)
            return (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Millepiani</title>'
                    f'<id>{self.url}</id><updated>{start.isoformat()}</updated>{hub}'
                    f'<link rel="self" href="{self.url}"/>{entries}</feed>').encode(), "application/atom+xml"
        items = [writers.item("event", uid, title, start, start + dt.timedelta(hours=2),
                              status="cancelled" if uid in self.cancelled else "confirmed")
                 for uid, title in self.events]
        body = writers.jsonfeed({"name": "Millepiani"}, items, feed_url=self.url)
        if self.hub and self.style == "json":
            body = body.replace(b'"items"', b'"hubs": [{"type": "WebSub", "url": "' + self.hub.encode() + b'"}], "items"', 1)
        return body, "application/feed+json"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start_scheduler(app, tmp_path) -> subprocess.Popen:
    """A real `corete scheduler` on the test database, looking for due feeds every second,
    returned once it is looking (the caller terminates it)."""
    env = {**os.environ, "CORETE_SECRET_KEY": "push", "CORETE_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
           "CORETE_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "CORETE_SCHEDULER_TICK": "1",
           "CORETE_POLL_PARSE_PROCESSES": "0", "CORETE_WEBSUB_SUBSCRIBE": "false"}
    if app.config.get("PUBLIC_URL"):  # the live server's: the hub's feeds, hub and actors are there
        env["CORETE_PUBLIC_URL"] = app.config["PUBLIC_URL"]
    log_path = tmp_path / "scheduler.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "corete.cli", "scheduler"], stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 60
    while "looking for due feeds" not in log_path.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(log_path.read_text())
        time.sleep(0.1)
    return process


def seconds_until_listed(base_url: str, title: str, started: float, limit: float = 15) -> float:
    """Seconds from ``started`` until an event of this title is in the hub's events API."""
    while True:
        titles = [e["title"] for e in requests.get(f"{base_url}/api/v1/events", timeout=5).json()["items"]]
        if title in titles:
            return time.monotonic() - started
        assert time.monotonic() - started < limit, titles
        time.sleep(0.2)


def ping(base_url: str, feed_id: int, secret: str) -> requests.Response:
    """A member's signed "read me now" (docs/push.md), as its site sends it."""
    from corete.push.services import signature

    ts = str(int(time.time()))
    return requests.post(f"{base_url}/api/v1/feeds/{feed_id}/ping", timeout=5, headers={
        "X-CoRete-Timestamp": ts, "X-CoRete-Signature": signature(secret, ts, feed_id)})
