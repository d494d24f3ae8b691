"""Operators' accounts: a coordinator invites, the invited person signs up once, before
the link expires; only coordinators invite."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from corete.accounts.models import Invitation, User
from tests.conftest import csrf_token, login, make_space


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def invite(coordinator, **form):
    client, token = coordinator
    page = client.post("/operators", data={"csrf_token": token, **form}, headers={"Accept-Language": "en"})
    text = html.unescape(page.get_data(as_text=True))
    link = re.search(r'value="(http://localhost/invitations/[^"]+)"', text)
    return page.status_code, text, (link.group(1).replace("http://localhost", "") if link else None)


def sign_up(app, path, password="una-password-lunga", confirm=None):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))  # any form's: the session's token
    answer = client.post(path, data={"csrf_token": token, "password": password, "confirm": confirm or password},
                         headers={"Accept-Language": "en"})
    return client, answer


def test_a_coordinator_invites_an_operator_to_a_new_hosted_space(app, coordinator, session):
    status, page, path = invite(coordinator, email="Ada@Millepiani.example", new_space="Millepiani",
                                   city="Roma")
    assert status == 200 and path and "shown only now" in page
    token = path.rsplit("/", 1)[1]
    invitation = session.scalar(select(Invitation))
    assert invitation.email == "ada@millepiani.example" and token not in invitation.token_hash  # only a hash kept
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    client = app.test_client()
    form = client.get(path).get_data(as_text=True)
    assert "Millepiani" in form and "ada@millepiani.example" in form
    client, answer = sign_up(app, path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/my/spaces")
    landing = client.get("/my/spaces")  # one space: straight to its editor
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/spaces/millepiani/edit")
    user = session.scalar(select(User).where(User.email == "ada@millepiani.example"))
    assert user.role == "operator" and [s.slug for s in user.spaces] == ["millepiani"]
    # the space exists and the hub hosts its feed
    assert client.get("/spaces/millepiani/feed.json").status_code == 200


def test_an_invitation_works_once(app, coordinator, session):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    _s, _p, path = invite(coordinator, email="op@lab121.example", space="lab121")
    sign_up(app, path)
    again = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert again.status_code == 410 and "already used" in html.unescape(again.get_data(as_text=True))
    assert session.scalar(select(User.id).where(User.email == "op@lab121.example")) is not None


def test_an_expired_or_withdrawn_invitation_is_refused_with_the_reason(app, coordinator, session):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    _s, _p, path = invite(coordinator, email="late@lab121.example", space="lab121", days="1")
    invitation = session.scalar(select(Invitation))
    invitation.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    session.commit()
    page = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    _client, answer = sign_up(app, path)
    assert answer.status_code == 410  # expired: never an account, even with a good form
    assert session.scalar(select(User.id).where(User.email == "late@lab121.example")) is None
    client, token = coordinator
    _s, _p, path2 = invite(coordinator, email="other@lab121.example", space="lab121")
    second = session.scalars(select(Invitation).order_by(Invitation.id.desc())).first()
    client.post(f"/operators/invitations/{second.id}/revoke", data={"csrf_token": token})
    withdrawn = app.test_client().get(path2)
    assert withdrawn.status_code == 410 and "ritirato" in withdrawn.get_data(as_text=True)
    assert app.test_client().get("/invitations/not-a-token").status_code == 404


def test_a_bad_password_is_refused_and_the_invitation_kept(app, coordinator, session):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    _s, _p, path = invite(coordinator, email="op@lab121.example", space="lab121")
    _c, short = sign_up(app, path, password="corta")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    _c, differ = sign_up(app, path, confirm="un-altra-password")
    assert differ.status_code == 400 and "differ" in differ.get_data(as_text=True)
    _c, fine = sign_up(app, path)
    assert fine.status_code == 302


@pytest.mark.parametrize("form, message", [
    ({"email": "not-an-address", "space": "lab121"}, "is not an e-mail address"),
    ({"email": "a@b.example"}, "one of the two"),
    ({"email": "a@b.example", "space": "lab121", "new_space": "Nuovo"}, "one of the two"),
    ({"email": "a@b.example", "space": "nowhere"}, "Choose a space of the list"),
    ({"email": "coord@corete.example", "space": "lab121"}, "already has an account"),
    ({"email": "a@b.example", "space": "lab121", "days": "90"}, "Between 1 and 30 days"),
])
def test_a_bad_invitation_form_says_why(coordinator, session, form, message):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    status, page, path = invite(coordinator, **form)
    assert status == 400 and message in page and path is None
    assert session.scalar(select(Invitation.id)) is None


def test_only_coordinators_invite(app, client, coordinator, session, tmp_path):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    assert client.get("/operators").status_code == 302
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    assert operator.get("/operators").status_code == 403
    assert operator.post("/operators", data={"csrf_token": token, "email": "x@y.example",
                                             "space": "lab121"}).status_code == 403
    coord, _token = coordinator
    assert coord.post("/operators", data={"email": "x@y.example", "space": "lab121"}).status_code == 400  # CSRF
    assert session.scalar(select(Invitation.id)) is None


def test_four_people_accepting_one_invitation_at_once_make_one_account(app, coordinator, session, live_server):
    """Four browsers post the sign-up form together over real HTTP: exactly one account,
    the other three get the "already used" page (410), nobody a 500."""
    import threading

    import requests

    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    _s, _p, path = invite(coordinator, email="race@lab121.example", space="lab121")
    browsers = []
    for _ in range(4):
        browser = requests.Session()
        form = browser.get(live_server + path, headers={"Accept-Language": "en"}).text
        browsers.append((browser, csrf_token(form)))
    start, answers = threading.Barrier(4), []

    def post(browser, token):
        start.wait()
        answers.append(browser.post(live_server + path, allow_redirects=False, headers={"Accept-Language": "en"},
                                    data={"csrf_token": token, "password": "una-password-lunga",
                                          "confirm": "una-password-lunga"}))

    threads = [threading.Thread(target=post, args=b) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(a.status_code for a in answers) == [302, 410, 410, 410], [a.status_code for a in answers]
    assert all("already used" in html.unescape(a.text) for a in answers if a.status_code == 410)
    session.expire_all()
    assert len(session.scalars(select(User).where(User.email == "race@lab121.example")).all()) == 1
