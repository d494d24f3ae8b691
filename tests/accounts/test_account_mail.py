"""Accounts by e-mail, end to end through a real SMTP server: the test reads each
delivered message and follows its link. Invitations, forgotten passwords, new
passwords and addresses; coordinators disable and enable accounts."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from corete.accounts.models import User
from corete.mail.models import Message
from tests.conftest import csrf_token, links_in, login, make_space

PASSWORD = "una-password-lunga"


@pytest.fixture
def coordinator(app, tmp_path):
    return login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")


def _form(client, path, lang="it", **data):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers={"Accept-Language": lang})


def _path(url: str) -> str:
    return url.replace("http://localhost", "")


def _log_in(app, email, password=PASSWORD):
    client = app.test_client()
    answer = _form(client, "/login", email=email, password=password)
    return client, answer.status_code == 302


def test_an_invitation_arrives_by_mail_and_its_link_signs_up(app, coordinator, session, mailbox):
    make_space(session, "http://127.0.0.1:9/feed.json", name="Lab121")
    client, token = coordinator
    client.post("/operators", data={"csrf_token": token, "email": "op@lab121.example", "space": "lab121"},
                headers={"Accept-Language": "en"})
    assert mailbox.messages == []  # the web request only queued it
    assert mailbox.send().sent == 1
    [message] = mailbox.to("op@lab121.example")
    assert message["Subject"] == "Your invitation to the CoRete network"  # the coordinator's language
    [link] = [u for u in links_in(message) if "/invitations/" in u]
    assert link.startswith("http://localhost/invitations/")
    invited = app.test_client()
    answer = _form(invited, _path(link), password=PASSWORD, confirm=PASSWORD)
    assert answer.status_code == 302
    user = session.scalar(select(User).where(User.email == "op@lab121.example"))
    assert [s.slug for s in user.spaces] == ["lab121"]
    stored = session.scalar(select(Message).where(Message.kind == "invitation"))
    assert stored.text is None and stored.html is None  # the database keeps no usable link


def test_forgot_password_answers_the_same_and_mails_only_real_accounts(app, session, mailbox, coordinator):
    visitor = app.test_client()
    known = _form(visitor, "/password/forgot", email="coord@corete.example")
    unknown = _form(visitor, "/password/forgot", email="nobody@corete.example")
    assert known.status_code == unknown.status_code == 302 and known.headers["Location"] == unknown.headers["Location"]
    assert "Se un account ha questo indirizzo" in html.unescape(visitor.get("/login").get_data(as_text=True))
    assert mailbox.send().sent == 1 and [m["To"] for m in mailbox.messages] == ["coord@corete.example"]


def test_a_reset_link_works_once_and_ends_every_session(app, session, mailbox, coordinator):
    old_client, _token = coordinator
    assert old_client.get("/operators").status_code == 200
    _form(app.test_client(), "/password/forgot", email="COORD@corete.example")
    mailbox.send()
    [message] = mailbox.messages
    assert message["Subject"] == "Scegli una nuova password per CoRete"
    [link] = [u for u in links_in(message) if "/password/reset/" in u]
    person = app.test_client()
    page = person.get(_path(link))
    assert page.status_code == 200 and "coord@corete.example" in page.get_data(as_text=True)
    short = _form(person, _path(link), lang="en", password="corta", confirm="corta")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    done = _form(person, _path(link), password="una-nuova-password", confirm="una-nuova-password")
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert old_client.get("/operators").status_code == 302  # the old session ended
    assert _log_in(app, "coord@corete.example", "una-nuova-password")[1]
    assert not _log_in(app, "coord@corete.example")[1]
    again = person.get(_path(link))
    assert again.status_code == 410  # used: the password it was made for is gone
    tampered = person.get(_path(link)[:-3] + "abc")
    assert tampered.status_code == 410


def test_an_expired_reset_link_is_refused(app, session, mailbox, coordinator, monkeypatch):
    import time

    real = time.time
    with monkeypatch.context() as m:  # the link was asked three hours ago
        m.setattr(time, "time", lambda: real() - 3 * 3600)
        _form(app.test_client(), "/password/forgot", email="coord@corete.example")
        session.commit()
    mailbox.send()
    [link] = [u for u in links_in(mailbox.messages[0]) if "/password/reset/" in u]
    answer = app.test_client().get(_path(link), headers={"Accept-Language": "en"})
    assert answer.status_code == 410 and "ask for a new one" in answer.get_data(as_text=True)


def test_forgot_password_is_rate_limited(app, session, mailbox):
    app.config["RATELIMIT_ENABLED"] = True
    visitor = app.test_client()
    codes = [_form(visitor, "/password/forgot", email=f"x{i}@example.org").status_code for i in range(6)]
    assert codes == [302] * 5 + [429]


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, tmp_path, session):
    runner = app.test_cli_runner()
    first, token = login(app, runner, tmp_path, "op@corete.example", "operator")
    second, _t = _log_in(app, "op@corete.example")
    wrong = first.post("/account", data={"csrf_token": token, "form": "password", "current": "sbagliata",
                                         "password": "nuova-password-1", "confirm": "nuova-password-1"})
    assert wrong.status_code == 400 and "La password attuale è sbagliata" in html.unescape(wrong.get_data(as_text=True))
    done = first.post("/account", data={"csrf_token": token, "form": "password", "current": PASSWORD,
                                        "password": "nuova-password-1", "confirm": "nuova-password-1"})
    assert done.status_code == 302
    assert first.get("/account").status_code == 200  # this session goes on
    assert second.get("/account").status_code == 302  # the other one ended


def test_a_new_address_is_confirmed_by_a_link_sent_to_it(app, tmp_path, session, mailbox):
    client, token = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    answer = client.post("/account", data={"csrf_token": token, "form": "email", "email": "Nuovo@Corete.example",
                                           "current": PASSWORD})
    assert answer.status_code == 302
    assert session.scalar(select(User.email)) == "op@corete.example"  # not before the link
    mailbox.send()
    [message] = mailbox.to("nuovo@corete.example")
    [link] = [u for u in links_in(message) if "/account/email/" in u]
    assert app.test_client().get(_path(link)).status_code == 200  # a page with a button: a GET changes nothing
    assert session.scalar(select(User.email)) == "op@corete.example"
    confirmed = _form(app.test_client(), _path(link))
    assert confirmed.status_code == 302
    session.expire_all()
    assert session.scalar(select(User.email)) == "nuovo@corete.example"
    mailbox.send()
    [notice] = mailbox.to("op@corete.example")
    assert "nuovo@corete.example" in notice.get_body(preferencelist=("plain",)).get_content()
    assert app.test_client().get(_path(link)).status_code == 410  # once
    assert _log_in(app, "nuovo@corete.example")[1]


def test_a_coordinator_disables_an_account_and_its_sessions_end(app, tmp_path, session, coordinator):
    operator, _t = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    assert operator.get("/account").status_code == 200
    client, token = coordinator
    page = client.get("/operators", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "op@corete.example" in page and "coord@corete.example" in page
    user = session.scalar(select(User).where(User.email == "op@corete.example"))
    answer = client.post(f"/operators/users/{user.id}/disable", data={"csrf_token": token})
    assert answer.status_code == 302
    assert operator.get("/account").status_code == 302  # logged out at once
    assert not _log_in(app, "op@corete.example")[1]
    client.post(f"/operators/users/{user.id}/enable", data={"csrf_token": token})
    assert _log_in(app, "op@corete.example")[1]
    me = session.scalar(select(User).where(User.email == "coord@corete.example"))
    refused = client.post(f"/operators/users/{me.id}/disable", data={"csrf_token": token}, follow_redirects=True,
                          headers={"Accept-Language": "en"})
    assert "cannot disable your own account" in html.unescape(refused.get_data(as_text=True))
    assert client.get("/operators").status_code == 200


def test_users_list_disable_and_enable_from_the_command_line(app, tmp_path, session, coordinator):
    runner = app.test_cli_runner()
    login(app, runner, tmp_path, "op@corete.example", "operator")
    listed = runner.invoke(args=["users", "list"])
    assert re.search(r"coord@corete\.example\tcoordinator\tactive", listed.output)
    assert re.search(r"op@corete\.example\toperator\tactive\t-\t", listed.output)
    assert runner.invoke(args=["users", "disable", "op@corete.example"]).exit_code == 0
    assert "op@corete.example\toperator\tdisabled" in runner.invoke(args=["users", "list"]).output
    assert not _log_in(app, "op@corete.example")[1]
    assert runner.invoke(args=["users", "enable", "op@corete.example"]).exit_code == 0
    assert _log_in(app, "op@corete.example")[1]
    last = runner.invoke(args=["users", "disable", "coord@corete.example"])
    assert last.exit_code == 1 and "coordinat" in last.output  # the last coordinator stays
    assert runner.invoke(args=["users", "disable", "nobody@corete.example"]).exit_code == 1
