"""A member's site and a WebSub hub, both real HTTP servers on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
import requests

from corete.federation import writers


def _serve(handler) -> tuple[ThreadingHTTPServer, str]:
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
        self.gets = 0
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

        self.server, base = _serve(Handler)
        self.url = base + "/feed"

    def body(self) -> tuple[bytes, str]:
        start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=3)
        if self.style == "atom":
            hub = f'<link rel="hub" href="{self.hub}"/>' if self.hub else ""
            entries = "".join(f"<entry><id>{uid}</id><title>{title}</title><updated>{start.isoformat()}</updated></entry>"
                              for uid, title in self.events)
            return (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Millepiani</title>'
                    f'<id>{self.url}</id><updated>{start.isoformat()}</updated>{hub}'
                    f'<link rel="self" href="{self.url}"/>{entries}</feed>').encode(), "application/atom+xml"
        items = [writers.item("event", uid, title, start, start + dt.timedelta(hours=2)) for uid, title in self.events]
        body = writers.jsonfeed({"name": "Millepiani"}, items, feed_url=self.url)
        if self.hub and self.style == "json":
            body = body.replace(b'"items"', b'"hubs": [{"type": "WebSub", "url": "' + self.hub.encode() + b'"}], "items"', 1)
        return body, "application/feed+json"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class WebSubHub:
    """A WebSub hub as the specification describes one: it takes (un)subscription
    requests (202), verifies the subscriber's intent with a challenge from its own thread,
    keeps what was verified, and distributes content signed with each subscriber's secret."""

    def __init__(self, lease: int | None = 600, deny: bool = False, sync: bool = False):
        self.lease, self.deny, self.sync = lease, deny, sync  # sync: verifies before it answers the request
        self.requests: list[dict] = []  # every (un)subscription request, as sent
        self.verified: list[dict] = []  # each verification: mode, callback, answered right
        self.subscribers: dict[tuple[str, str], str] = {}  # (topic, callback) -> secret
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                with hub.lock:
                    hub.requests.append(form)
                if hub.sync:
                    hub._verify(form)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if not hub.sync:
                    threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, *args):
                pass

        self.server, self.url = _serve(Handler)

    def _verify(self, form: dict) -> None:
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        if self.deny:
            query = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "this topic is not served here"}
            answer = requests.get(callback + "?" + urlencode(query), timeout=5)
            with self.lock:
                self.verified.append({"mode": "denied", "callback": callback, "ok": answer.status_code == 200})
            return
        challenge = secrets.token_urlsafe(16)
        query = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if mode == "subscribe" and self.lease:
            query["hub.lease_seconds"] = str(self.lease)
        answer = requests.get(callback + "?" + urlencode(query), timeout=5)
        ok = answer.status_code == 200 and answer.text == challenge
        with self.lock:
            self.verified.append({"mode": mode, "callback": callback, "ok": ok})
            if ok and mode == "subscribe":
                self.subscribers[(topic, callback)] = form.get("hub.secret", "")
            elif ok and mode == "unsubscribe":
                self.subscribers.pop((topic, callback), None)

    def wait_verified(self, count: int, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.verified) < count:
            assert time.monotonic() < deadline, f"{len(self.verified)} verifications, {count} expected: {self.requests}"
            time.sleep(0.05)
        return self.verified

    def publish(self, topic: str, body: bytes, content_type: str, *, secret: str | None = None) -> list[int]:
        """Distribute new content to the topic's subscribers; their answers' statuses."""
        statuses = []
        for (subscribed, callback), own in list(self.subscribers.items()):
            if subscribed != topic:
                continue
            signature = "sha256=" + hmac.new((secret or own).encode(), body, hashlib.sha256).hexdigest()
            statuses.append(requests.post(callback, data=body, timeout=5, headers={
                "Content-Type": content_type, "X-Hub-Signature": signature,
                "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}).status_code)
        return statuses

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    member = MemberSite()
    yield member
    member.close()


@pytest.fixture
def websub_hub():
    hubs = []

    def make(**kw):
        hubs.append(WebSubHub(**kw))
        return hubs[-1]

    yield make
    for hub in hubs:
        hub.close()


@pytest.fixture
def scheduler(app, tmp_path):
    """Starts a real `corete scheduler` on the test database, looking for due feeds every
    second; returns when it is looking. Stopped at the end of the test."""
    import os
    import subprocess
    import sys

    processes = []

    def start():
        env = {**os.environ, "CORETE_SECRET_KEY": "push", "CORETE_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
               "CORETE_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "CORETE_SCHEDULER_TICK": "1",
               "CORETE_POLL_PARSE_PROCESSES": "0", "CORETE_WEBSUB_SUBSCRIBE": "false"}
        if app.config.get("PUBLIC_URL"):  # the live server's: the hub's feeds and WebSub hub are there
            env["CORETE_PUBLIC_URL"] = app.config["PUBLIC_URL"]
        log_path = tmp_path / "scheduler.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "corete.cli", "scheduler"], stdout=log, stderr=log, env=env)
        processes.append(process)
        deadline = time.monotonic() + 60
        while "looking for due feeds" not in log_path.read_text():
            assert time.monotonic() < deadline and process.poll() is None, log_path.read_text()
            time.sleep(0.1)
        process.log_path = log_path
        return process

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def seconds_until_listed(base_url: str, title: str, started: float, limit: float = 15) -> float:
    """Seconds from ``started`` until an event of this title is in the hub's events API."""
    while True:
        titles = [e["title"] for e in requests.get(f"{base_url}/api/v1/events", timeout=5).json()["items"]]
        if title in titles:
            return time.monotonic() - started
        assert time.monotonic() - started < limit, titles
        time.sleep(0.2)


class Reader:
    """A feed reader's WebSub callback on 127.0.0.1: it confirms what ``confirm`` says
    (True: every request; False: none, answering a wrong challenge), and keeps every
    verification it was asked and every notification it received."""

    def __init__(self, confirm: bool = True):
        self.confirm = confirm
        self.verifications: list[dict] = []
        self.notifications: list[dict] = []
        self.status = 202
        reader = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = {k: v[0] for k, v in parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "").items()}
                reader.verifications.append(query)
                body = (query.get("hub.challenge", "") if reader.confirm else "no").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reader.notifications.append({"body": body, "headers": dict(self.headers), "at": time.monotonic()})
                self.send_response(reader.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server, base = _serve(Handler)
        self.callback = base + "/callback"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reader():
    made = []

    def make(**kw):
        made.append(Reader(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()
