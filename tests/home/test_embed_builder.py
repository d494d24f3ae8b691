"""The embed builder: from the calendar or the map with their filters, the <iframe> code to
copy (absolute, escaped, only the filters the embed takes) and a live preview of it."""
from __future__ import annotations

import html
import re


def _code(page: str) -> str:
    return html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)[1])


def test_the_calendar_and_the_map_link_to_the_builder_with_their_filters(client):
    calendar = client.get("/calendar?city=Roma&tag=corso&view=month").get_data(as_text=True)
    assert html.unescape(re.search(r'href="(/embed\?[^"]+)"', calendar)[1]) == "/embed?what=calendar&city=Roma&tag=corso"
    map_page = client.get("/map?kind=fablab&layers=spaces&layers=events").get_data(as_text=True)
    link = html.unescape(re.search(r'href="(/embed\?[^"]+)"', map_page)[1])
    assert link == "/embed?what=map&kind=fablab&layers=spaces,events"


def test_the_code_frames_the_embed_with_the_filters_and_the_preview_shows_it(app, client):
    app.config["PUBLIC_URL"] = "https://hub.corete.example"
    page = client.get("/embed?what=calendar&city=Roma&tag=corso&view=month&height=600",
                      headers={"Accept-Language": "it"}).get_data(as_text=True)
    code = _code(page)
    assert code.startswith('<iframe src="https://hub.corete.example/embed/calendar?city=Roma&tag=corso"')
    assert 'height="600"' in code and 'title="CoRete: il calendario della rete"' in code
    assert re.search(r'<iframe class="embed-preview" src="/embed/calendar\?city=Roma&amp;tag=corso"', page)
    # The map, with its own filters; an unknown kind of embed is the calendar.
    code = _code(client.get("/embed?what=map&layers=spaces&kind=fablab&when=week").get_data(as_text=True))
    assert code.startswith('<iframe src="https://hub.corete.example/embed/map?layers=spaces&kind=fablab&when=week"')
    assert "/embed/calendar" in _code(client.get("/embed?what=castle").get_data(as_text=True))


def test_hostile_or_bad_values_stay_text_and_never_break_the_page(client):
    answer = client.get('/embed?what=calendar&q="><script>alert(1)</script>&height=tanta')
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    code = _code(page)
    assert "%3Cscript%3E" in code and 'height="480"' in code  # in the URL, encoded; the default height
    assert 'height="1200"' in _code(client.get("/embed?height=99999").get_data(as_text=True))
