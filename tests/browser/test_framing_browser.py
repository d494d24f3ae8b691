"""Framing, as a browser enforces it: a page of another origin (here another port of the
same host) cannot show the coordinators' pages in a frame; it can show the embeds, which
exist to be framed."""
from __future__ import annotations


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
