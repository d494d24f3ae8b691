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


@pytest.fixture
def markup_only():
    """For tests of the pages' markup alone (accessibility, phone widths), which the database
    does not change: CI runs them in its SQLite pass and skips them in its PostgreSQL pass
    (two minutes saved)."""
    if os.environ.get("CORETE_TEST_DATABASE_URI"):
        pytest.skip("the pages' markup does not depend on the database: these run in the SQLite pass")
