"""Coworking visas end to end: a space issues a pass to a member, the operator of a space
that welcomes visitors checks it and records visits within its terms; a revoked, expired
or forged pass is refused plainly; the map finds the spaces that welcome visitors."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from corete.extensions import db
from corete.federation import writers as feeds
from corete.hosting import services as hosting
from corete.visas.models import Visa, Visit
from corete.core.when import local_today
from tests.conftest import login, make_space, poll

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@pytest.fixture
def spaces(app, session, tmp_path, live_server):
    home = hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    host = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    session.commit()
    runner = app.test_cli_runner()
    return (home, host, login(app, runner, tmp_path, "op@lab121.example", "operator", spaces=["lab121"]),
            login(app, runner, tmp_path, "op@millepiani.example", "operator", spaces=["millepiani"]))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def issue(client, token, name="Giulia Rossi", until=None) -> str:
    until = until or (local_today() + dt.timedelta(days=30))
    answer = client.post("/spaces/lab121/visas", data={"csrf_token": token, "person_name": name,
                                                       "valid_until": until.isoformat()})
    assert answer.status_code == 302, text(answer)
    page = text(client.get("/spaces/lab121/visas"))
    return re.findall(r'value="(http://[^"]+/visa/[^"]+)"', page)[0].split("localhost", 1)[-1]


def welcome(app, host, client, token, **terms):
    """The host's operator says in its profile that it welcomes visitors; the hub reads the
    space's feed (as the poller does within a minute), and the registry knows it."""
    form = {"csrf_token": token, "name": "Millepiani", "kind": "coworking", "city": "Roma", "visitors_welcome": "1",
            **{f"visitors_{k}": str(v) for k, v in terms.items()}}
    answer = client.post("/spaces/millepiani/edit", data=form)
    assert answer.status_code == 302, text(answer)
    poll(app, host)
    db.session.commit()


def test_a_pass_is_issued_checked_and_its_visits_counted(app, session, spaces):
    home, host, (mine, my_token), (theirs, their_token) = spaces
    path = issue(mine, my_token)
    page = text(mine.get("/spaces/lab121/visas"))
    assert "Giulia Rossi" in page and "<svg" in page  # the link and its QR code
    # anyone who has the link sees the name, the home space and the validity, nothing more
    seen = text(app.test_client().get(path))
    assert "Giulia Rossi" in seen and "Lab121" in seen and "Pass valido" in seen and 'name="host"' not in seen
    # the host's operator: the space does not welcome visitors yet
    refused = theirs.post(path, data={"csrf_token": their_token, "host": "millepiani"})
    assert refused.status_code == 400 and "non accoglie visitatori" in text(refused)
    welcome(app, host, theirs, their_token, days_per_year=2, notice_days=1)
    checking = text(theirs.get(path))
    assert "2 giorni rimasti quest'anno" in checking and "1 giorno di preavviso" in checking
    assert theirs.post(path, data={"csrf_token": their_token, "host": "millepiani"}).status_code == 302
    assert "1 giorno rimasto quest'anno" in text(theirs.get(path))
    again = theirs.post(path, data={"csrf_token": their_token, "host": "millepiani"})
    assert again.status_code == 400 and "già registrata" in text(again)
    visa = session.scalar(select(Visa))
    session.add(Visit(visa_id=visa.id, host_space_id=host.id, day=local_today() - dt.timedelta(days=1)
                      if local_today().month > 1 or local_today().day > 1 else local_today() + dt.timedelta(days=1)))
    session.commit()
    assert "0 giorni rimasti quest'anno" in text(theirs.get(path))
    # a space cannot record a visit at another operator's space, nor at the pass's own
    assert mine.post(path, data={"csrf_token": my_token, "host": "millepiani"}).status_code == 400


def test_the_days_a_space_welcomes_visitors_on_are_kept(app, session, spaces):
    _home, host, (mine, my_token), (theirs, their_token) = spaces
    path = issue(mine, my_token)
    other_day = WEEKDAYS[(local_today().weekday() + 1) % 7]
    welcome(app, host, theirs, their_token, days=other_day)
    refused = theirs.post(path, data={"csrf_token": their_token, "host": "millepiani"})
    assert refused.status_code == 400 and f"solo {other_day}" in text(refused)
    wrong = theirs.post("/spaces/millepiani/edit", data={"csrf_token": their_token, "name": "Millepiani",
                                                         "visitors_welcome": "1", "visitors_days": "feriali"})
    assert wrong.status_code == 400 and "Giorni come li scrive OpenStreetMap" in text(wrong)


def test_revoked_expired_and_forged_passes_are_refused_plainly(app, session, spaces):
    _home, _host, (mine, my_token), _theirs = spaces
    path = issue(mine, my_token)
    visa = session.scalar(select(Visa))
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    answer = app.test_client().get(forged)
    assert answer.status_code == 404 and "Non è un pass della rete" in text(answer) and "Giulia" not in text(answer)
    # a pass signed with another key, for the same visa, is forged too
    from itsdangerous import URLSafeSerializer

    other = URLSafeSerializer("another-key", salt="corete-visa").dumps([visa.id, visa.secret])
    assert app.test_client().get(f"/visa/{other}").status_code == 404
    mine.post(f"/spaces/lab121/visas/{visa.id}/revoke", data={"csrf_token": my_token})
    revoked = app.test_client().get(path)
    assert revoked.status_code == 410 and "revocato" in text(revoked)
    visa.revoked_at, visa.valid_until = None, local_today() - dt.timedelta(days=1)
    session.commit()
    assert "scaduto" in text(app.test_client().get(path))
    # an operator of another space cannot revoke it
    assert mine.post(f"/spaces/millepiani/visas/{visa.id}/revoke", data={"csrf_token": my_token}).status_code == 403


def test_a_pass_lasts_at_most_a_year(spaces):
    _home, _host, (mine, my_token), _theirs = spaces
    long = mine.post("/spaces/lab121/visas", data={"csrf_token": my_token, "person_name": "Giulia",
                                                   "valid_until": (local_today() + dt.timedelta(days=400)).isoformat()})
    assert long.status_code == 400 and "al massimo un anno" in text(long)
    empty = mine.post("/spaces/lab121/visas", data={"csrf_token": my_token, "person_name": "", "valid_until": ""})
    assert empty.status_code == 400


def test_the_map_finds_the_spaces_that_welcome_visitors_from_their_feeds(app, session, httpserver, client):
    for slug, terms in (("aperto", {"welcome": True, "days_per_year": 12, "days": "Mo-Fr"}), ("chiuso", None)):
        space = {"name": slug.title(), "kind": "coworking", "city": "Torino", "lat": 45.07, "lon": 7.68}
        if terms:
            space["visitors"] = terms
        httpserver.expect_request(f"/{slug}.json").respond_with_data(
            feeds.jsonfeed(space, [], feed_url="http://x/f.json"), content_type="application/feed+json")
        make_space(session, httpserver.url_for(f"/{slug}.json"), name=slug.title())
    poll(app)
    session.commit()
    names = [f["properties"]["name"] for f in client.get("/api/v1/map/features.geojson?visitors=1").get_json()["features"]]
    assert names == ["Aperto"]
    everyone = client.get("/api/v1/map/features.geojson?layers=spaces").get_json()["features"]
    assert sorted(f["properties"]["name"] for f in everyone) == ["Aperto", "Chiuso"]
