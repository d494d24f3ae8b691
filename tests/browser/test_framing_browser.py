"""Framing, as a browser enforces it: a page of another origin (here another port of the
same host) cannot show the coordinators' pages in a frame; it can show the embeds, which
exist to be framed."""
from __future__ import annotations

from tests.map.conftest import network  # noqa: F401  (the fixture)


def test_another_site_can_frame_the_embeds_and_not_the_hubs_pages(browser, live_server, httpserver):
    httpserver.expect_request("/framer").respond_with_data(
        f'<!doctype html><iframe name="embed" src="{live_server}/embed/calendar"></iframe>'
        f'<iframe name="login" src="{live_server}/login"></iframe>', content_type="text/html")
    page = browser.new_page()
    page.goto(httpserver.url_for("/framer"))
    page.wait_for_timeout(1500)
    frames = {frame.name: frame for frame in page.frames if frame.name}
    assert frames["embed"].url.startswith(live_server) and frames["embed"].locator("body").count() == 1
    assert frames["embed"].evaluate("document.body.innerText.length") > 0
    # the login form is refused by the browser: its frame never shows the hub's page
    assert not frames["login"].url.startswith(live_server) or frames["login"].locator("form").count() == 0


def test_the_content_security_policy_blocks_nothing_the_hub_itself_runs(browser, live_server, network):  # noqa: F811
    """Every page with scripts works under the policy: the browser reports no violation and
    the map says it is ready. A script the hub did not write never runs."""
    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(live_server + "/spaces/millepiani")
    event = page.locator("a[href*='/events/']").first.get_attribute("href")
    for path in ("/map?view=list", "/embed/map", "/map/propose", "/spaces/millepiani", event, "/map"):
        page.goto(live_server + path if path.startswith("/") else path)
        page.wait_for_load_state("load")
    page.wait_for_selector("html[data-map-ready='1']", timeout=10000)
    assert violations == []
    refused = page.evaluate("""() => new Promise(done => {
        document.addEventListener('securitypolicyviolation', e => done(e.violatedDirective));
        const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s);
        setTimeout(() => done(window.__ran ? 'ran' : 'nothing'), 1000);
    })""")
    assert refused.startswith("script-src")
