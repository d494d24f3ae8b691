"""`corete serve` as production runs it: gunicorn, two worker processes, Redis between them."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

REDIS_URL = os.environ.get("CORETE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_prefix():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as e:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({e}): the shared-state tests need it")
    prefix = f"corete-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def served(app, tmp_path):
    """Start `corete serve` on the test database with these settings; stop it at the end."""
    started = []

    def start(**settings):
        port = _free_port()
        env = {**os.environ, "CORETE_SECRET_KEY": "serve-test",
               "CORETE_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), **{f"CORETE_{k}": v for k, v in settings.items()}}
        log = open(tmp_path / f"serve-{port}.log", "w+")
        process = subprocess.Popen([sys.executable, "-m", "corete.cli", "serve", "--bind", f"127.0.0.1:{port}",
                                    "--workers", "2", "--threads", "1"], env=env, stdout=log, stderr=log,
                                   start_new_session=True)
        started.append((process, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    return base, log
            except requests.ConnectionError:
                time.sleep(0.1)
        log.seek(0)
        pytest.fail("corete serve did not start:\n" + log.read())

    yield start
    for process, log in started:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_failed_logins_are_counted_across_workers_in_redis(served, redis_prefix):
    base, log = served(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix, WTF_CSRF_ENABLED="false",
                       LOGIN_RATE_LIMIT="10 per minute")

    def attempt(_):
        return requests.post(base + "/login", data={"email": "x@corete.example", "password": "sbagliata"},
                             timeout=10).status_code

    with ThreadPoolExecutor(4) as pool:  # concurrent, so both single-threaded workers answer
        statuses = list(pool.map(attempt, range(30)))
    assert sorted(statuses) == [401] * 10 + [429] * 20
    log.seek(0)
    workers = set(re.findall(r"\[(\d+)\] corete\.request POST /login", log.read()))
    assert len(workers) == 2, "both workers answered (else the test proves nothing)"
