"""Fixtures: a real database (SQLite by default, PostgreSQL when CORETE_TEST_DATABASE_URI
says so), the schema built by the migrations, real HTTP servers on localhost."""
from __future__ import annotations

import os
import re
import socket
import threading

import flask_babel
import pytest
from flask import g, request
from sqlalchemy import text
from werkzeug.serving import make_server

from corete import create_app
from corete.extensions import db
from corete.federation.jobs import poll_round
from corete.spaces.services import add_space

ALLOW = ["127.0.0.1/32"]


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    return os.environ.get("CORETE_TEST_DATABASE_URI") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    )


def _config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "FETCH_ALLOW_NETWORKS": list(ALLOW),
        "VALIDATE_ALLOW_NETWORKS": list(ALLOW),  # the validator's tests fetch servers on 127.0.0.1
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],  # the test client's and the live servers' hosts
        "FETCH_CONNECT_TIMEOUT": 2.0,
        "FETCH_READ_TIMEOUT": 2.0,
        "FETCH_TOTAL_DEADLINE": 3.0,
        "POLL_WORKERS": 4,
        "POLL_PARSE_PROCESSES": 0,  # parsing in the fetch threads; one test covers the process
        "MAP_TILES_URL": "",  # no street map from the internet: tests never leave localhost
    }


@pytest.fixture(scope="session")
def _schema(database_uri):
    """Build the schema once, from the migrations (their only source)."""
    from flask_migrate import upgrade

    app = create_app(_config(database_uri))
    with app.app_context():
        if database_uri.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_uri


def _fresh_request_state():
    # The fixture keeps one app context for the whole test, and Flask reuses it for the
    # test client's requests; in production every request has its own. Drop what
    # Flask-Babel, Flask-WTF and Flask-Login cache on it, as a new context would.
    flask_babel.refresh()
    g.pop("csrf_token", None)
    g.pop("_login_user", None)  # Flask-Login's user of the previous request (another client's)
    g.pop("csp_nonce", None)  # each answer has its own


TEMPLATE_LEAKS = ("&lt;Macro", "<Macro ", "Undefined", "jinja2.")


@pytest.fixture
def app(_schema):
    app = create_app(_config(_schema))
    # first of all before_request functions: the edge's checks already speak the visitor's language
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
    leaks = []

    @app.after_request
    def _no_template_leaks(response):
        # Every page any test renders: a template that prints a macro or an undefined
        # name instead of text (as the round page printed "<Macro 'error'>") fails it.
        if response.mimetype == "text/html" and not response.direct_passthrough:
            body = response.get_data(as_text=True)
            leaks.extend((request.full_path, marker) for marker in TEMPLATE_LEAKS if marker in body)
        return response

    with app.app_context():
        yield app
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            # DELETE, children first: on PostgreSQL a TRUNCATE of the ~40 tables took about 200 ms
            # per test, DELETE about 20 ms. Then ids start again at 1, as on SQLite.
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            if db.engine.dialect.name == "postgresql":
                sequences = conn.scalars(text("SELECT sequence_name FROM information_schema.sequences "
                                              "WHERE sequence_schema = 'public'")).all()
                if sequences:
                    conn.execute(text("SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in sequences)))
        db.engine.dispose()
    assert not leaks, f"pages showing template internals: {leaks}"


@pytest.fixture
def another_app(app):
    """Apps of other configurations on the test database (as other workers or machines
    would be); their connections are closed at the end (an engine dropped with open
    connections warns, and warnings are errors)."""
    made = []

    def make(**config):
        made.append(create_app({**_config(app.config["SQLALCHEMY_DATABASE_URI"]), **config}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture(scope="session")
def httpserver_listen_address():
    # "localhost" may resolve to ::1 too; the tests allow exactly 127.0.0.1.
    return ("127.0.0.1", 0)


@pytest.fixture
def mailbox(app):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) the app sends to; ``mailbox.send()``
    runs the sender as the scheduler does and returns its outcome."""
    from corete.federation.jobs import poller_id
    from corete.mail import catcher
    from corete.mail.services import deliver

    controller, box, port = catcher.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="CoRete <hub@corete.example>")
    box.port = port
    box.send = lambda **kw: deliver(db.session, app.config, kw.pop("owner", None) or poller_id(), **kw)
    yield box
    controller.stop()


def links_in(message) -> list[str]:
    """The http(s) links of a delivered message's plain-text part."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", text)


def make_space(session, *urls, name="Spazio di prova", **fields):
    space = add_space(session, name, list(urls), **fields)
    session.commit()
    return space


def poll(app, space=None):
    """One poll round of every feed (or of one space's feeds), due or not."""
    ids = [f.id for f in space.feeds] if space is not None else None
    if ids is None:
        from corete.federation.models import Feed

        ids = list(db.session.scalars(db.select(Feed.id)))
    return poll_round(db.session, app.config, feed_ids=ids)


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(app, runner, tmp_path, email, role, spaces=()):
    """A test client logged in as a new user with this role (an operator bound to the
    spaces of these slugs), and its CSRF token."""
    secret = tmp_path / f"pw-{role}"
    secret.write_text("una-password-lunga")
    bound = [arg for slug in spaces for arg in ("--space", slug)]
    created = runner.invoke(args=["users", "create", "--email", email, "--role", role,
                                  "--password-file", str(secret), *bound])
    assert created.exit_code == 0, created.output
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": email, "password": "una-password-lunga", "csrf_token": token})
    return client, token


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to ``handler(conn)``:
    for peers no HTTP library would agree to be (drips, lies, resets)."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/feed"

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            conn.recv(65536)
            self.handler(conn, self.stopped)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped.set()
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(handler):
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def live_server(app):
    """The app under test, served over HTTP on 127.0.0.1 by a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url  # where the poller finds the feeds the hub hosts
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def demo(app, runner, session, tmp_path):
    """The demo network as `make run` builds it: its feeds served over HTTP on 127.0.0.1,
    loaded, polled once; plus a coordinator and an operator of lab121, logged in."""
    import datetime as dt
    from types import SimpleNamespace

    from corete.demo.network import documents
    from corete.demo.server import FeedServer

    server = FeedServer({}).start()
    try:
        server.set_documents(documents(server.base_url, today=dt.date.today()))
        loaded = runner.invoke(args=["demo", "load", "--base-url", server.base_url])
        assert loaded.exit_code == 0, loaded.output
        polled = runner.invoke(args=["poll", "--all"])
        assert polled.exit_code == 0, polled.output
        pictures = runner.invoke(args=["events", "pictures"])  # as `make run` does
        assert pictures.exit_code == 0 and "4 pictures kept" in pictures.output, pictures.output
        coordinator, coordinator_csrf = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
        operator, operator_csrf = login(app, runner, tmp_path, "op@lab121.example", "operator", spaces=["lab121"])
        yield SimpleNamespace(server=server, coordinator=coordinator, coordinator_csrf=coordinator_csrf,
                              operator=operator, operator_csrf=operator_csrf)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site():
    """A member's feed server on 127.0.0.1 whose events the test changes (tests/members.py)."""
    from tests.members import MemberSite

    member = MemberSite()
    yield member
    member.close()


@pytest.fixture
def scheduler(app, tmp_path):
    """Starts a real `corete scheduler` (looking every second) when called; stopped at the end."""
    from tests.members import start_scheduler

    processes = []
    yield lambda: processes.append(start_scheduler(app, tmp_path)) or processes[-1]
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
