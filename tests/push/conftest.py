"""A WebSub hub and a reader's callback, both real HTTP servers on 127.0.0.1."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode

import pytest
import requests

from tests.members import serve as _serve


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
def websub_hub():
    hubs = []

    def make(**kw):
        hubs.append(WebSubHub(**kw))
        return hubs[-1]

    yield make
    for hub in hubs:
        hub.close()


class Reader:
    """A feed reader's WebSub callback on 127.0.0.1: it confirms what ``confirm`` says
    (True: every request; False: none, answering a wrong challenge), and keeps every
    verification it was asked and every notification it received."""

    def __init__(self, confirm: bool = True):
        self.confirm = confirm
        self.verifications: list[dict] = []
        self.notifications: list[dict] = []
        self.status = 202
        self.delay = 0.0  # seconds each notification waits for its answer
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
                time.sleep(reader.delay)
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
