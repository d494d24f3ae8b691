"""The network digest: the period's events, the skills new since the previous period, open
service needs with their matches, rounds closing in the period; as HTML for an e-mail and
as Atom."""
from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import update

from corete.federation import writers as feeds
from corete.purchasing.models import Round, Supplier
from corete.skills.models import Skill
from tests.conftest import make_space, poll

TODAY = dt.date.today()
ATOM = "{http://www.w3.org/2005/Atom}"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.timezone.utc)


@pytest.fixture
def network(app, session, httpserver):
    items = [
        feeds.item("event", "e1", "Barcamp della Garbatella", _at(TODAY + dt.timedelta(days=5), 9)),
        feeds.item("event", "e2", "Festa di fine anno", _at(TODAY + dt.timedelta(days=45), 18)),
        feeds.item("skill", "s1", "Video editing", "Anna", category="media"),
        feeds.item("skill", "s2", "Grafica", "Bea", category="design"),
        feeds.item("need", "n1", "Un videomaker per il barcamp", kind="service"),
        feeds.item("need", "n2", "Un fonico per la festa", kind="service", need_by=TODAY - dt.timedelta(days=1)),
    ]
    httpserver.expect_request("/f.json").respond_with_data(
        feeds.jsonfeed({"name": "Millepiani", "city": "Roma", "lat": 41.86, "lon": 12.48}, items,
                       feed_url="http://x/f.json"), content_type="application/feed+json")
    space = make_space(session, httpserver.url_for("/f.json"), name="Millepiani")
    poll(app)
    # Bea's skill arrived two months ago: not new for this month's digest
    session.execute(update(Skill).where(Skill.skill == "Grafica")
                    .values(first_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)))
    # Anna's a week ago: new since the previous digest
    session.execute(update(Skill).where(Skill.skill == "Video editing")
                    .values(first_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)))
    supplier = Supplier(name="Torrefazione Esempio", shipping_fee=0, shipping_split="value")
    session.add(supplier)
    session.flush()
    for name, closes in (("Caffè di dicembre", TODAY + dt.timedelta(days=10)), ("Carta 2027", TODAY + dt.timedelta(days=80))):
        session.add(Round(supplier_id=supplier.id, name=name, opens_at=_at(TODAY, 0), closes_at=_at(closes, 12),
                          delivery_date=closes + dt.timedelta(days=7), state="open", events=[]))
    session.commit()
    return space


def test_the_digest_page_gathers_the_period(network, client):
    page = html.unescape(client.get("/digest", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Barcamp della Garbatella" in page and "Festa di fine anno" not in page  # 45 days out
    new_skills = page.split("New skills in the network")[1].split("</ul>")[0]
    assert "Video editing" in new_skills and "Grafica" not in new_skills
    needs = page.split("Who is looking for what")[1].split("</td>")[0]
    assert "Un videomaker per il barcamp" in needs and "Video editing, synonym of Video production" in needs
    assert "Un fonico" not in needs  # needed by yesterday: no longer open
    assert "Caffè di dicembre" in page and "Carta 2027" not in page
    # made for e-mail: absolute links, inline styles, no script, no stylesheet
    assert 'href="http://localhost/events/' in page and "<script" not in page and 'rel="stylesheet"' not in page


def test_the_period_is_chosen_and_checked(network, client):
    later = html.unescape(client.get(f"/digest?from={TODAY + dt.timedelta(days=40)}&to={TODAY + dt.timedelta(days=90)}",
                                     headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Festa di fine anno" in later and "Barcamp" not in later and "Carta 2027" in later
    bad = client.get("/digest?from=2026-13-01")
    assert bad.status_code == 400 and "Non è una data" in html.unescape(bad.get_data(as_text=True))
    backwards = client.get(f"/digest?from={TODAY}&to={TODAY - dt.timedelta(days=1)}", headers={"Accept-Language": "en"})
    assert backwards.status_code == 400 and "must come after" in html.unescape(backwards.get_data(as_text=True))
    assert client.get(f"/digest?from={TODAY}&to={TODAY + dt.timedelta(days=400)}").status_code == 400


def test_the_digest_as_atom(network, client):
    response = client.get("/digest.atom", headers={"Accept-Language": "en"})
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = {e.find(f"{ATOM}title").text: e.find(f"{ATOM}category").get("term") for e in feed.iter(f"{ATOM}entry")}
    assert entries == {"Barcamp della Garbatella": "event", "Video editing": "new skill",
                       "Un videomaker per il barcamp": "service need", "Caffè di dicembre": "purchasing round"}
    again = client.get("/digest.atom", headers={"Accept-Language": "en", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # dates as people write them, in the reader's language, not ISO 8601 (the title and the round's summary)
    italian = ET.fromstring(client.get("/digest.atom", headers={"Accept-Language": "it"}).data)
    texts = [italian.find(f"{ATOM}title").text] + [e.text for e in italian.iter(f"{ATOM}summary")]
    assert texts[0].startswith("Notiziario di CoRete, dal ")
    assert re.search(r"(gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)",
                     texts[0]), texts[0]
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", t or "") for t in texts), texts
    assert any("Chiude" in (t or "") for t in texts), texts
