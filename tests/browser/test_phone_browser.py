"""Every main page on a phone (390 × 844, as an iPhone 12 to 15): the document is never
wider than the screen, for a citizen, an operator and a coordinator, in Italian and
English, with a word of a hundred letters in what a member and a citizen wrote. Wide
tables scroll inside their own box; the calendar's month becomes a list of days."""
from __future__ import annotations

from tests.browser.pages import log_in, main_pages
from tests.browser.test_pages_browser import hostile_words

PHONE = {"width": 390, "height": 844}
# Where a page may scroll sideways inside itself (the map, a wide table's own box).
INNER_SCROLL = ".leaflet-container, .table-scroll"
# The elements that stick out past the right edge of the screen, outside those boxes.
WIDER_JS = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('%s')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right));
  }
  return out.slice(0, 5);
}""" % INNER_SCROLL


def test_no_main_page_is_wider_than_a_phone(markup_only, browser, live_server, demo, session):
    proposal = hostile_words(demo, session)
    pages = main_pages(proposal)
    problems = []
    for language in ("it-IT", "en-GB"):
        for who, paths in pages.items():
            context = browser.new_context(locale=language, viewport=PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()
            if who:
                log_in(page, live_server, who)
            for path in paths:
                answer = page.goto(live_server + path)
                if answer.status != 200:
                    problems.append((language, who, path, answer.status))
                    continue
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append((language, who, path, f"{width} px wide", page.evaluate(WIDER_JS, PHONE["width"])))
            context.close()
    assert not problems, "\n".join(map(str, problems))


# The event titles of the month that overlap another's box.
OVERLAPS_JS = """() => {
  const boxes = [...document.querySelectorAll('table.month li')].map(li => li.getBoundingClientRect())
    .filter(r => r.width && r.height);
  let overlaps = 0;
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
  }));
  return {titles: boxes.length, overlaps, narrowest: Math.min(...boxes.map(r => r.width))};
}"""


def test_the_month_is_an_agenda_on_a_phone_and_a_grid_on_a_laptop(browser, live_server, demo):
    found = {}
    for name, viewport in (("phone", PHONE), ("laptop", {"width": 1280, "height": 900})):
        context = browser.new_context(locale="it-IT", viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server}/calendar?view=month")
        found[name] = page.evaluate(OVERLAPS_JS)
        found[name]["columns"] = page.evaluate("getComputedStyle(document.querySelector('table.month td:not(.empty):not(.other-month)')).display")
        found[name]["caption"] = page.evaluate("document.querySelector('table.month caption').getBoundingClientRect().height")
        context.close()
    phone, laptop = found["phone"], found["laptop"]
    assert phone["titles"] > 0 and phone["overlaps"] == 0 and phone["narrowest"] > 300, phone  # full width, one under the other
    assert laptop["columns"] == "table-cell" and phone["columns"] == "block"
    assert phone["caption"] < 60, phone  # the month's name on one line, not a letter a line
