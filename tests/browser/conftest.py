"""Browser tests: Playwright for Python driving Debian's chromium (/usr/bin/chromium).

Where chromium is not installed they are skipped, unless CORETE_REQUIRE_BROWSER=1
(.ci/run sets it after installing chromium), which turns the skip into a failure.
"""
from __future__ import annotations

import os

import pytest

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
