"""Coordinator accounts: the CLI, the login page, CSRF."""
from __future__ import annotations


from sqlalchemy import select

from corete.accounts.models import User
from tests.conftest import csrf_token, login


def _create(runner, tmp_path, email="coord@corete.example", password="una-password-lunga"):
    secret = tmp_path / "pw"
    secret.write_text(password + "\n")
    return runner.invoke(args=["users", "create", "--email", email, "--role", "coordinator", "--password-file", str(secret)])


def test_create_user_hashes_the_password(runner, session, tmp_path):
    result = _create(runner, tmp_path)
    assert result.exit_code == 0 and "created coordinator coord@corete.example" in result.output
    user = session.scalar(select(User))
    assert user.password_hash.startswith("scrypt:") and "una-password" not in user.password_hash
    assert "already has an account" in _create(runner, tmp_path).output
    assert "at least 10 characters" in _create(runner, tmp_path, email="b@corete.example", password="corta").output


def test_password_prompt(runner, session):
    result = runner.invoke(args=["users", "create", "--email", "p@corete.example"], input="una-password-lunga\nuna-password-lunga\n")
    assert result.exit_code == 0, result.output




def test_login_needs_csrf_and_the_right_password(app, runner, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = True
    _create(runner, tmp_path)
    client = app.test_client()
    no_token = client.post("/login", data={"email": "coord@corete.example", "password": "una-password-lunga"},
                           headers={"Accept-Language": "it"})
    assert no_token.status_code == 400 and "Il modulo è scaduto" in no_token.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": "coord@corete.example", "password": "sbagliata", "csrf_token": token},
                        headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.get_data(as_text=True)
    ok = client.post("/login?next=//evil.example/", data={"email": "COORD@corete.example", "password": "una-password-lunga",
                                                          "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert "coord@corete.example" in client.get("/").get_data(as_text=True)
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302
    assert "coord@corete.example" not in client.get("/").get_data(as_text=True)




def test_only_coordinators_accredit_spaces(app, runner, session, tmp_path):
    from tests.conftest import make_space
    from corete.spaces.models import Space

    app.config["WTF_CSRF_ENABLED"] = True
    make_space(session, "https://x.example/feed.json", name="Cowo Isola")
    anonymous = app.test_client().post("/spaces/cowo-isola/accredited", data={"accredited": "1"})
    assert anonymous.status_code in (302, 400)
    operator, token = login(app, runner, tmp_path, "op@corete.example", "operator")
    assert operator.post("/spaces/cowo-isola/accredited", data={"accredited": "1", "csrf_token": token}).status_code == 403
    coordinator, token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    assert coordinator.post("/spaces/cowo-isola/accredited", data={"accredited": "1"}).status_code == 400  # no CSRF token
    assert coordinator.post("/spaces/cowo-isola/accredited", data={"accredited": "1", "csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.scalar(select(Space)).accredited is True


def test_login_attempts_are_rate_limited_per_address(app):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    statuses = [client.post("/login", data={"email": "x@corete.example", "password": "sbagliata"}).status_code
                for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    blocked = client.post("/login", data={"email": "x@corete.example", "password": "sbagliata"},
                          headers={"Accept-Language": "it"})
    assert "Troppi tentativi" in blocked.get_data(as_text=True)
    other = app.test_client().post("/login", data={"email": "x@corete.example", "password": "x"},
                                   environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 401  # another address is not affected
