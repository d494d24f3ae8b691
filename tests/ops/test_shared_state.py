"""Several web workers (here: several apps on one database, each with its own memory, as
gunicorn's processes have) agree on what changed, and a session ended in one ends in all."""
from __future__ import annotations

from sqlalchemy import select

from corete.map.models import Proposal
from corete.skills.taxonomy import taxonomy
from tests.conftest import csrf_token, login

IT = {"Accept-Language": "it"}
PROPOSAL = {"title": "Ex mercato coperto", "category": "building", "description": "Un edificio vuoto",
            "city": "Alessandria", "address": "Piazza Garibaldi"}


def _names_on_map(client) -> set[str]:
    doc = client.get("/api/v1/map/features.geojson", query_string={"layers": "proposals"}).get_json()
    return {f["properties"]["name"] for f in doc["features"]}


def test_a_moderation_in_one_worker_reaches_the_map_documents_of_another(app, session, runner, tmp_path,
                                                                         another_app):
    other = another_app(SHARED_STATE_CHECK_SECONDS=0).test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    citizen = app.test_client()
    token = csrf_token(citizen.get("/map/propose").get_data(as_text=True))
    assert citizen.post("/map/propose", data={"csrf_token": token, **PROPOSAL}, headers=IT).status_code == 200
    assert _names_on_map(other) == set()  # the other worker has built and keeps its document now
    coordinator, token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    proposal = session.scalar(select(Proposal))
    moderated = coordinator.post(f"/map/moderation/{proposal.id}", data={"csrf_token": token, "action": "approve"})
    assert moderated.status_code == 302
    assert _names_on_map(other) == {"Ex mercato coperto"}  # not the document it kept for 60 s


def test_a_remapped_taxonomy_is_read_again_by_every_worker(app, runner, another_app):
    other = another_app(SHARED_STATE_CHECK_SECONDS=0).test_client()
    other.get("/skills")  # this worker has looked at the generations
    before = taxonomy()
    assert other.get("/skills").status_code == 200 and taxonomy() is before  # kept while nothing changed
    assert runner.invoke(args=["skills", "remap"]).exit_code == 0  # "another machine", after editing the file
    before = taxonomy()  # as if this process had read it just before the remap ...
    assert other.get("/skills").status_code == 200
    assert taxonomy() is not before  # ... the worker dropped it: the file is read again


def test_logging_out_ends_the_session_everywhere_a_copied_cookie_included(app, runner, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    client, token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    assert client.get("/console").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/console").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert copy.get("/console").status_code == 302  # to the login page: that session has ended


def test_a_disabled_account_loses_its_open_sessions(app, session, runner, tmp_path):
    from corete.accounts.models import User

    client, _token = login(app, runner, tmp_path, "op@corete.example", "operator")
    assert client.get("/my/spaces").status_code == 200
    session.scalar(select(User).where(User.email == "op@corete.example")).active = False
    session.commit()
    assert client.get("/my/spaces").status_code == 302
