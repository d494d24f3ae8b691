"""Accessibility audited by axe-core (Deque's checker, from the npm registry: `make test`
installs it into tests/browser/axe) inside every main page, in Italian and English, for a
citizen, an operator and a coordinator, at laptop and phone width: no violation of
serious or critical impact. axe checks what a rule can check (names, labels, contrast,
landmarks, ARIA, language); the keyboard tests beside it check what it cannot."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.pages import log_in, main_pages
from tests.browser.test_pages_browser import hostile_words

AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")
# Both languages on a laptop, and the phone in Italian (most visitors): 34 pages each.
LOOKS = (("it-IT", {"width": 1280, "height": 900}), ("en-GB", {"width": 1280, "height": 900}),
         ("it-IT", {"width": 390, "height": 844}))
# WCAG 2.0, 2.1 and 2.2, levels A and AA, and axe's best practices.
RUN_JS = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values:
    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    where: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\\n').slice(1, 2).join(''))}));
}"""


@pytest.fixture
def axe_script():
    if not AXE.exists():
        if os.environ.get("CORETE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci --prefix tests/browser/axe)")
        pytest.skip(f"{AXE} is missing (npm ci --prefix tests/browser/axe)")
    return AXE.read_text()


def audit(page, script: str) -> list[dict]:
    # A map's markers are drawn after the page loads: audited once they are there.
    page.wait_for_function("() => !document.querySelector('.folium-map') || document.documentElement.dataset.mapReady")
    page.add_script_tag(content=script)
    return page.evaluate(RUN_JS)


def test_no_main_page_has_a_serious_accessibility_violation(markup_only, browser, live_server, demo, session,
                                                           axe_script):
    pages = main_pages(hostile_words(demo, session))
    problems = []
    for language, viewport in LOOKS:
        for who, paths in pages.items():
            # The hub's Content-Security-Policy forbids inline scripts, axe's included.
            context = browser.new_context(locale=language, viewport=viewport, bypass_csp=True)
            page = context.new_page()
            if who:
                log_in(page, live_server, who)
            for path in paths:
                page.goto(live_server + path)
                for violation in audit(page, axe_script):
                    if violation["impact"] in SEVERE:
                        problems.append((language, viewport["width"], path, violation))
            context.close()
    assert not problems, "\n".join(map(str, problems))
