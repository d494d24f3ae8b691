"""The demo's pages in a real browser: a word of a hundred letters in what a member or a
citizen wrote never widens a page, and every text on them has the contrast WCAG AA asks
(4.5:1, 3:1 for large text), the header's buttons included."""
from __future__ import annotations

import re

from sqlalchemy import select

LONG = "Supercalifragilistichespiralidoso" * 3 + "x"  # 100 letters, no break
# For each element that holds text of its own: its colour against the first opaque
# background found walking up, as WCAG 2 computes contrast.
CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
    if (c && c.a > 0.9) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.leaflet-container, svg, script, style, [hidden]')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const fg = parse(s.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def hostile_words(demo, session) -> int:
    """A citizen's approved proposal and Lab121's name and description holding LONG; the
    proposal's id."""
    from corete.map.models import Proposal
    from corete.spaces.models import Space

    citizen = demo.operator.application.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', citizen.get("/map/propose").get_data(as_text=True))[1]
    citizen.post("/map/propose", data={"csrf_token": token, "title": LONG, "description": LONG + " " + LONG,
                                       "category": "other", "city": "Roma"})
    proposal = session.scalar(select(Proposal.id))
    demo.coordinator.post(f"/map/moderation/{proposal}", data={"csrf_token": demo.coordinator_csrf,
                                                               "action": "approve"})
    lab = session.scalar(select(Space).where(Space.slug == "lab121"))
    lab.name, lab.description = "Lab121 " + LONG, LONG
    session.commit()
    return proposal


def test_long_words_never_widen_a_page_and_every_text_has_contrast(browser, live_server, demo, session):
    proposal = hostile_words(demo, session)

    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    context.request.post(f"{live_server}/login")  # a session cookie, then log in as the coordinator
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "coord@corete.example")
    page.fill("input[name=password]", "una-password-lunga")
    page.locator("form button[type=submit]").last.click()
    problems = []
    for path in ("/", "/calendar", "/calendar?view=month", "/spaces/lab121", f"/map/proposals/{proposal}",
                 "/map?view=list", "/map/moderation", f"/map/moderation/{proposal}", "/purchasing", "/purchasing/rounds/1",
                 "/skills", "/console", "/digest"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 1280:
            problems.append((path, f"{width} px wide"))
        problems.extend((path, text) for text in page.evaluate(CONTRAST_JS))
    context.close()
    assert not problems, problems
