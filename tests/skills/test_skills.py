"""Skills on a real network: feeds served on localhost, polled into the database, mapped to
the taxonomy; the search page, the co-projecting matches (page and API) and the
coordinators' queue of unmapped skills."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from corete.federation import writers as feeds
from corete.purchasing.models import Need
from corete.skills.models import Skill
from tests.conftest import login, make_space, poll

PLACES = {  # where the spaces are
    "garbatella": {"name": "Garbatella", "city": "Roma", "lat": 41.8626, "lon": 12.4841},
    "pigneto": {"name": "Pigneto", "city": "Roma", "lat": 41.8886, "lon": 12.5304},
    "alessandria": {"name": "Alessandria", "city": "Alessandria", "lat": 44.9131, "lon": 8.6150},
}
ITEMS = {
    "garbatella": [feeds.item("skill", "s1", "Video editing", "Anna", category="media"),
                   feeds.item("skill", "s2", "Grafica", "Bea", category="design"),
                   feeds.item("skill", "s3", "Tuttologo", "Carlo", category="varie")],
    "pigneto": [feeds.item("skill", "s1", "Videomaker", "Dario", category="media"),
                feeds.item("need", "n1", "Un videomaker per il nostro evento", kind="service"),
                feeds.item("need", "n2", "Carta A4", quantity=5, unit="risme")],
    "alessandria": [feeds.item("skill", "s1", "Video production", "Elena", category="media", languages=("it", "en")),
                    feeds.item("skill", "s2", "Fotografia", "Fabio", category="media"),
                    feeds.item("skill", "s3", "tuttologo", "Gina", category="varie")],
}


class Network:
    def __init__(self, app, session, httpserver):
        self.app, self.session, self.httpserver, self.spaces = app, session, httpserver, {}
        self.items = {slug: list(items) for slug, items in ITEMS.items()}

    def serve(self):
        self.httpserver.clear_all_handlers()
        for slug, items in self.items.items():
            profile = dict(PLACES[slug], kind="coworking")
            self.httpserver.expect_request(f"/{slug}.json").respond_with_data(
                feeds.jsonfeed(profile, items, feed_url=f"http://x/{slug}.json"), content_type="application/feed+json")
        for slug in self.items:
            if slug not in self.spaces:
                self.spaces[slug] = make_space(self.session, self.httpserver.url_for(f"/{slug}.json"),
                                               name=PLACES[slug]["name"])
        poll(self.app)


@pytest.fixture
def network(app, session, httpserver):
    net = Network(app, session, httpserver)
    net.serve()
    return net


def _need(session, item="Un videomaker per il nostro evento"):
    return session.scalar(select(Need).where(Need.item == item))


def test_polled_skills_are_mapped_to_the_taxonomy(network, session):
    mapped = {s.skill: (s.taxon, s.taxon_how) for s in session.scalars(select(Skill))}
    assert mapped["Video editing"] == ("video-production", "synonym")
    assert mapped["Video production"] == ("video-production", "exact")
    assert mapped["Grafica"] == ("graphic-design", "exact")
    assert mapped["Tuttologo"] == (None, None)


def test_search_groups_holders_under_one_skill_in_the_visitors_language(network, client):
    page = html.unescape(client.get("/skills?q=video", headers={"Accept-Language": "en"}).get_data(as_text=True))
    group = page.split("<h2>Video production")[1].split("</section>")[0]
    for holder in ("Anna", "Dario", "Elena"):
        assert holder in group
    assert "Video editing" in group and "Fabio" not in page
    italian = html.unescape(client.get("/skills?q=commercialista").get_data(as_text=True))
    assert "Nessuna competenza corrisponde" in italian
    # the same people, asked in Italian for the Italian word
    italian = html.unescape(client.get("/skills?q=produzione video").get_data(as_text=True))
    assert "<h2>Produzione video" in italian and "Anna" in italian and "Elena" in italian


def test_search_by_category_city_and_space_and_free_text(network, client):
    en = {"Accept-Language": "en"}
    by_category = client.get("/skills?category=media", headers=en).get_data(as_text=True)
    assert "Photography" in by_category and "Fabio" in by_category and "Bea" not in by_category
    by_city = client.get("/skills?city=Alessandria", headers=en).get_data(as_text=True)
    assert "Elena" in by_city and "Fabio" in by_city and "Anna" not in by_city
    by_space = client.get("/skills?space=garbatella", headers=en).get_data(as_text=True)
    assert "Anna" in by_space and "Dario" not in by_space
    free = client.get("/skills?q=tuttologo", headers=en).get_data(as_text=True)
    assert "free text" in free and "Carlo" in free and "Gina" in free
    # a value that is no category is ignored, never an error
    assert client.get("/skills?category=%3Cscript%3E").status_code == 200


def test_a_service_need_is_matched_by_level_then_distance_and_explained(network, client, session):
    need = _need(session)
    body = client.get(f"/api/v1/skills/match?need={need.id}", headers={"Accept-Language": "en"}).get_json()
    assert body["asks_for"] == ["video-production"] and body["space"] == "pigneto"
    ranked = [(m["skill"]["holder_name"], m["level"]) for m in body["matches"]]
    # the same space's videomaker, then the exact match far away, then a synonym nearby,
    # then another skill of the same category; graphic design is no match
    assert ranked == [("Dario", "exact"), ("Elena", "exact"), ("Anna", "synonym"), ("Fabio", "category")]
    anna = body["matches"][2]
    assert 4 < anna["distance_km"] < 6  # Garbatella to Pigneto
    assert anna["explanation"] == f"Video editing, synonym of Video production, {anna['distance_km']:.0f} km away"
    assert body["matches"][0]["explanation"] == "Videomaker, in the same space"
    assert body["matches"][3]["explanation"].startswith("Fotografia, same category as Video production (Media")
    italian = client.get(f"/api/v1/skills/match?need={need.id}").get_json()
    assert italian["matches"][2]["explanation"].startswith("Video editing, sinonimo di Produzione video, ")


def test_fewer_matches_are_the_first_of_more(network, session):
    """The matcher stops at the level that fills ``limit`` (it reads a category only when
    the named entry gives too few): every shorter list is the start of the longer."""
    from corete.skills.services import match_need

    need = _need(session)
    every = [(m.skill.holder_name, m.level, m.explanation) for m in match_need(session, need, "en", limit=20)]
    assert [level for _, level, _ in every] == ["exact", "exact", "synonym", "category"]
    for limit in range(1, 5):
        assert [(m.skill.holder_name, m.level, m.explanation)
                for m in match_need(session, need, "en", limit=limit)] == every[:limit]


def test_many_needs_are_matched_in_a_few_statements(network, session):
    """The digest matches 50 needs: as many statements for fifty as for one, same answers."""
    from sqlalchemy import event

    from corete.extensions import db
    from corete.skills.services import match_need, match_needs

    need = _need(session)
    alone = [(m.skill.id, m.level, m.explanation) for m in match_need(session, need, "en", limit=3)]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = match_needs(session, [need] * 50, "en", limit=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [[(m.skill.id, m.level, m.explanation) for m in ms] for ms in found] == [alone] * 50
    assert len([s for s in statements if "skills_skill" in s]) <= 3, statements


def test_match_api_refuses_what_is_not_a_service_need(network, client, session):
    goods = _need(session, "Carta A4")
    assert client.get(f"/api/v1/skills/match?need={goods.id}").status_code == 404
    assert client.get("/api/v1/skills/match?need=999999").status_code == 404
    assert client.get("/api/v1/skills/match").status_code == 422
    assert client.get("/api/v1/skills/match?need=abc").status_code == 422


def test_the_space_page_shows_its_open_service_needs_with_their_matches(network, client):
    page = html.unescape(client.get("/spaces/" + network.spaces["pigneto"].slug,
                                    headers={"Accept-Language": "en"}).get_data(as_text=True))
    needs = page.split('id="h-needs"')[1].split("</section>")[0]
    assert "Who in the network can help" in needs
    assert needs.index("Dario") < needs.index("Elena") < needs.index("Anna")
    assert "synonym of Video production" in needs


def test_the_api_lists_skills_with_their_entry(network, client):
    body = client.get("/api/v1/skills?q=bookkeeping").get_json()
    assert body["items"] == []
    body = client.get("/api/v1/skills?q=videomaker").get_json()
    assert {i["holder_name"] for i in body["items"]} == {"Anna", "Dario", "Elena"}
    assert {i["taxon"] for i in body["items"]} == {"video-production"}
    taxonomy = client.get("/api/v1/skills/taxonomy").get_json()
    assert len(taxonomy) >= 200 and {"id", "parent", "it", "en", "synonyms"} <= set(taxonomy[0])


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def test_only_coordinators_see_the_queue_of_unmapped_skills(network, app, client, tmp_path):
    assert client.get("/skills/unmapped").status_code == 302  # to the login page
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    assert operator.get("/skills/unmapped").status_code == 403
    assert operator.post("/skills/unmapped", data={"csrf_token": token, "key": "tuttologo",
                                                    "taxon": "none"}).status_code == 403


def test_a_coordinator_maps_a_free_text_and_later_polls_keep_it(network, coordinator, session):
    client, token = coordinator
    page = html.unescape(client.get("/skills/unmapped").get_data(as_text=True))
    row = page.split("<strong>Tuttologo</strong>")[1].split("</tr>")[0]  # both spaces' texts on one row
    assert "<td>2</td>" in row and "Alessandria, Garbatella" in row
    refused = client.post("/skills/unmapped", data={"csrf_token": token, "key": "tuttologo", "taxon": "nope"})
    assert refused.status_code == 400 and "nope non è nella tassonomia" in html.unescape(refused.get_data(as_text=True))
    assert client.post("/skills/unmapped", data={"key": "tuttologo", "taxon": "none"}).status_code == 400  # no CSRF
    done = client.post("/skills/unmapped", data={"csrf_token": token, "key": "tuttologo",
                                                 "taxon": "virtual-assistant"}, follow_redirects=True)
    assert "2 competenze" in done.get_data(as_text=True) and "Tuttologo" not in done.get_data(as_text=True)
    # a new space publishing the same text, and the old ones polled again, follow the decision
    network.items["garbatella"][2] = feeds.item("skill", "s3", "TUTTOLOGO", "Carlo", category="altro")
    network.serve()
    rows = session.scalars(select(Skill).where(Skill.skill_key == "tuttologo")).all()
    assert [(r.taxon, r.taxon_how) for r in rows] == [("virtual-assistant", "coordinator")] * 2


def test_remap_after_the_taxonomy_changes_keeps_coordinators_decisions(network, coordinator, session, runner):
    client, token = coordinator
    client.post("/skills/unmapped", data={"csrf_token": token, "key": "tuttologo", "taxon": "none"})
    session.execute(Skill.__table__.update().where(Skill.skill == "Grafica").values(taxon=None, taxon_how=None))
    session.commit()
    result = runner.invoke(args=["skills", "remap"])
    assert result.exit_code == 0 and result.output.startswith("1 skills changed entry; 0 free texts left")
    session.expire_all()
    assert session.scalar(select(Skill.taxon).where(Skill.skill == "Grafica")) == "graphic-design"
    assert {s.taxon_how for s in session.scalars(select(Skill).where(Skill.skill_key == "tuttologo"))} == {"coordinator"}
