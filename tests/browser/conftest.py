"""Browser tests: Playwright for Python driving Debian's chromium (/usr/bin/chromium).

Where chromium is not installed they are skipped, unless CORETE_REQUIRE_BROWSER=1
(.ci/run sets it after installing chromium), which turns the skip into a failure.
"""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CORETE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and CORETE_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app under test, served over HTTP on 127.0.0.1 by a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
