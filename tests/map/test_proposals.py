"""Citizens' proposals: the form (no account), spam defences, moderation, revisions, reports."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from corete.map.models import Proposal, Report
from corete.map.places import find_municipality
from tests.conftest import csrf_token, login

IT = {"Accept-Language": "it"}
GOOD = {"category": "building", "title": "Ex mercato coperto", "description": "Chiuso dal 2015, <b>enorme</b>.",
        "city": "Alessandria", "address": "Piazza Garibaldi", "email": "cittadina@example.org"}


@pytest.fixture
def citizen(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = csrf_token(client.get("/map/propose").get_data(as_text=True))

    def propose(**fields):
        return client.post("/map/propose", data={"csrf_token": token, **fields}, headers=IT)
    return propose


@pytest.fixture
def coordinator(app, runner, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    client, token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")

    def act(proposal_id, **fields):
        return client.post(f"/map/moderation/{proposal_id}", data={"csrf_token": token, **fields}, headers=IT)
    act.client, act.token = client, token
    return act


def _count(session, model=Proposal):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _on_map(client):
    doc = client.get("/api/v1/map/features.geojson", query_string={"layers": "proposals"}).get_json()
    return {f["properties"]["name"]: f for f in doc["features"]}


def test_a_proposal_waits_for_moderation_then_appears(client, session, citizen, coordinator):
    assert citizen(**GOOD).status_code == 200
    proposal = session.scalar(select(Proposal))
    assert (proposal.status, proposal.approximate) == ("pending", True)
    assert (proposal.lat, proposal.lon) == (find_municipality("Alessandria").lat, find_municipality("Alessandria").lon)
    assert [(r.number, r.action, r.author) for r in proposal.revisions] == [(1, "submitted", "citizen")]
    assert _on_map(client) == {} and client.get(f"/map/proposals/{proposal.id}").status_code == 404

    queue = coordinator.client.get("/map/moderation", headers=IT).get_data(as_text=True)
    assert "Ex mercato coperto" in queue
    assert coordinator(proposal.id, action="approve").status_code == 302
    shown = _on_map(client)["Ex mercato coperto"]
    assert shown["properties"]["approximate"] is True and shown["properties"]["kind"] == "building"
    page = client.get(f"/map/proposals/{proposal.id}", headers=IT).get_data(as_text=True)
    assert "&lt;b&gt;enorme&lt;/b&gt;" in page  # a citizen's text is text
    # The follow-up e-mail is never public: not on the page, the map, or the export.
    csv_text = client.get("/api/v1/map/features.csv").get_data(as_text=True)
    assert all("cittadina@example.org" not in text
               for text in (page, str(_on_map(client)), csv_text, client.get("/map?view=list").get_data(as_text=True)))


def test_a_pin_wins_over_the_municipality(session, citizen):
    assert citizen(**dict(GOOD, lat="44,9", lon="8.61")).status_code == 200  # a decimal comma is fine
    proposal = session.scalar(select(Proposal))
    assert (proposal.lat, proposal.lon, proposal.approximate) == (44.9, 8.61, False)


@pytest.mark.parametrize("fields, message", [
    ({"title": ""}, "Questo campo è obbligatorio"),
    ({"title": "x" * 121}, "Tra 3 e 120 caratteri"),
    ({"category": "castle"}, "Scegli una categoria"),
    ({"email": "non-una-mail"}, "Non è un indirizzo e-mail"),
    ({"photo_url": "javascript:alert(1)"}, "Non è un indirizzo web"),
    ({"lat": "48.9", "lon": "2.35"}, "fuori dall'Italia"),
    ({"lat": "abc", "lon": "2"}, "Non è un numero"),
    ({"city": "Atlantide"}, "Comune Atlantide sconosciuto"),
    ({"city": "Calliano"}, "aggiungi la provincia"),
    ({"city": ""}, "Metti un segnaposto sulla mappa o indica il comune"),
    ({"description": "x" * 2001}, "Al massimo 2.000 caratteri"),
])
def test_bad_proposals_get_a_clear_message_in_italian_and_keep_what_was_typed(session, citizen, fields, message):
    response = citizen(**dict(GOOD, **fields))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and message in page
    assert 'value="Piazza Garibaldi"' in page  # nothing typed is lost
    assert _count(session) == 0


def test_robots_are_thanked_and_forgotten(session, citizen):
    assert citizen(**dict(GOOD, website="http://spam.example")).status_code == 200
    assert _count(session) == 0


def test_proposals_need_the_csrf_token_and_are_rate_limited(app, session, citizen):
    app.config["WTF_CSRF_ENABLED"] = True
    assert app.test_client().post("/map/propose", data=GOOD).status_code == 400
    statuses = [citizen(**GOOD).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _count(session) == 5


def test_only_coordinators_moderate(app, runner, tmp_path, session, citizen):
    citizen(**GOOD)
    proposal_id = session.scalar(select(Proposal.id))
    assert app.test_client().get("/map/moderation").status_code == 302  # to the login page
    operator, token = login(app, runner, tmp_path, "op@corete.example", "operator")
    assert operator.get("/map/moderation").status_code == 403
    assert operator.post(f"/map/moderation/{proposal_id}", data={"action": "approve", "csrf_token": token}).status_code == 403
    assert session.get(Proposal, proposal_id).status == "pending"


def test_reject_needs_a_reason_and_duplicates_point_at_an_approved_proposal(client, session, citizen, coordinator):
    citizen(**GOOD)
    citizen(**dict(GOOD, title="Mercato coperto (di nuovo)"))
    first, second = session.scalars(select(Proposal).order_by(Proposal.id)).all()
    assert "Scrivi perché" in coordinator(second.id, action="reject").get_data(as_text=True)
    refused = coordinator(second.id, action="duplicate", duplicate_of=str(first.id))
    assert "un'altra proposta, già approvata" in html.unescape(refused.get_data(as_text=True))
    coordinator(first.id, action="approve")
    assert coordinator(second.id, action="duplicate", duplicate_of=str(first.id)).status_code == 302
    session.expire_all()
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.id)
    assert list(_on_map(client)) == ["Ex mercato coperto"]
    coordinator(first.id, action="reject", reason="È già in ristrutturazione")
    session.expire_all()
    assert (first.status, first.reason) == ("rejected", "È già in ristrutturazione")
    assert _on_map(client) == {}


def test_every_change_is_a_revision_and_any_can_be_restored(session, citizen, coordinator):
    citizen(**GOOD)
    proposal = session.scalar(select(Proposal))
    coordinator(proposal.id, action="edit", **dict(GOOD, title="Ex mercato coperto di via Milano", lat="44.91", lon="8.6"))
    coordinator(proposal.id, action="approve")
    session.expire_all()
    assert (proposal.title, proposal.lat, proposal.approximate, proposal.status) == (
        "Ex mercato coperto di via Milano", 44.91, False, "approved")
    assert [(r.number, r.action, r.author) for r in proposal.revisions] == [
        (1, "submitted", "citizen"), (2, "edited", "coord@corete.example"), (3, "approved", "coord@corete.example")]
    page = coordinator.client.get(f"/map/moderation/{proposal.id}", headers=IT).get_data(as_text=True)
    assert "Ripristina" in page and "coord@corete.example" in page
    assert coordinator(proposal.id, action="restore", revision="1").status_code == 302
    session.expire_all()
    assert (proposal.title, proposal.status, proposal.approximate) == ("Ex mercato coperto", "pending", True)
    assert proposal.revisions[-1].action == "restored" and proposal.revisions[-1].note == "1"
    assert "Questa revisione non esiste" in coordinator(proposal.id, action="restore", revision="99").get_data(as_text=True)


def test_citizens_report_published_points_and_coordinators_close_reports(app, client, session, citizen, coordinator):
    citizen(**GOOD)
    proposal = session.scalar(select(Proposal))
    reporter = app.test_client()
    token = csrf_token(reporter.get("/map/propose").get_data(as_text=True))
    report = {"csrf_token": token, "target_type": "proposal", "target_ref": str(proposal.id), "reason": "missing"}
    assert reporter.post("/map/report", data=report, headers=IT).status_code == 400  # not published yet
    coordinator(proposal.id, action="approve")
    assert reporter.post("/map/report", data=dict(report, comment="Demolito"), headers=IT).status_code == 302
    assert reporter.post("/map/report", data=dict(report, reason="boh"), headers=IT).status_code == 400
    queue = coordinator.client.get("/map/moderation", headers=IT).get_data(as_text=True)
    assert "Non esiste" in queue and "Demolito" in queue
    found = session.scalar(select(Report))
    closed = coordinator.client.post(f"/map/reports/{found.id}/close", data={"csrf_token": coordinator.token})
    assert closed.status_code == 302
    session.expire_all()
    assert found.open is False and found.closed_by == "coord@corete.example"
    assert "Nessuna segnalazione aperta" in coordinator.client.get("/map/moderation", headers=IT).get_data(as_text=True)
