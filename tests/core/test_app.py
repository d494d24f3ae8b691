"""The app factory, configuration layers, languages, the schema, the demo network."""
from __future__ import annotations

import datetime as dt
import html
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from corete import create_app
from corete.demo.network import SPACES, documents
from corete.demo.server import FeedServer
from corete.extensions import db


def test_migrations_and_models_agree(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_sqlite_connections_get_wal_foreign_keys_and_a_larger_page_cache(app):
    """What every SQLite connection is set up with (app._sqlite_pragmas): WAL, foreign keys,
    and the page cache and memory map the map's GeoJSON and the poller were measured with."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")
    with db.engine.connect() as conn:
        read = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "cache_size", "mmap_size")}
    assert read == {"journal_mode": "wal", "foreign_keys": 1, "cache_size": -32768, "mmap_size": 268435456}


def test_secret_key_is_required(monkeypatch):
    monkeypatch.delenv("CORETE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("CORETE_POLL_INTERVAL", "120")
    monkeypatch.setenv("CORETE_FETCH_ALLOW_NETWORKS", '["10.0.0.0/8"]')
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["POLL_INTERVAL"] == 120 and app.config["FETCH_ALLOW_NETWORKS"] == ["10.0.0.0/8"]


def test_factory_starts_no_thread():
    import threading

    def running():
        # Rate-limit storage of earlier tests re-arms expiry timers now and then.
        return {t for t in threading.enumerate() if not isinstance(t, threading.Timer)}

    before = running()
    create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert running() - before == set()


@pytest.mark.parametrize("header,expected", [("it-IT,it;q=0.9", "Prossimi eventi"), ("en-GB,en;q=0.8", "Upcoming events"),
                                             ("", "Prossimi eventi"), ("de", "Prossimi eventi")])
def test_language_from_accept_language(client, header, expected):
    assert expected in client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)


def test_language_switch_wins_and_is_safe(client):
    switched = client.get("/lang/en?next=/validate", headers={"Accept-Language": "it"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/validate"
    assert "Feed validator" in client.get("/validate", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/lang/fr").status_code == 404


def test_errors_are_pages_in_the_visitors_language_and_json_in_the_api(client):
    page = client.get("/nowhere", headers={"Accept-Language": "it"})
    assert page.status_code == 404 and "Non c'è niente a questo indirizzo." in html.unescape(page.get_data(as_text=True))
    assert client.get("/api/v1/nowhere").get_json()["code"] == 404


def test_demo_network_polls_over_real_http(app, runner, session):
    server = FeedServer({}).start()
    try:
        server.set_documents(documents(server.base_url, today=dt.date(2026, 11, 22)))
        loaded = runner.invoke(args=["demo", "load", "--base-url", server.base_url])
        assert "8 spaces added" in loaded.output and "2 suppliers added, each with an open round" in loaded.output
        polled = runner.invoke(args=["poll", "--all"])
        assert polled.output.count("applied (HTTP 200)") == 9, polled.output
        assert "rejected" in polled.output and " 1 rejected" not in polled.output
        again = runner.invoke(args=["poll", "--all"])
        assert again.output.count("unchanged (HTTP 304)") == 9
    finally:
        server.shutdown()
        server.server_close()
    client = app.test_client()
    assert client.get("/api/v1/spaces").get_json()["total"] == len(SPACES)
    rounds = client.get("/api/v1/purchasing/rounds").get_json()
    assert sorted((r["supplier"], r["state"]) for r in rounds) == [("Cartoleria Esempio", "open"),
                                                                   ("Torrefazione Esempio", "open")]
    events = client.get("/api/v1/events?from=2026-11-22&to=2027-01-31&per_page=500").get_json()
    assert events["total"] > 20
    assert {"millepiani", "lab121", "fablab-aurora", "spazio-comune-firenze"} <= {e["space"] for e in events["items"]}
    assert client.get("/api/v1/skills").get_json()["total"] >= 12
    assert client.get("/api/v1/needs?kind=service").get_json()["total"] == 2
    assert client.get("/api/v1/spaces/cowo-isola").get_json()["accredited"] is True


def test_console_script_is_a_flask_cli_group():
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "corete", "--help"], capture_output=True, text=True,
                            env={"CORETE_SECRET_KEY": "x", "PATH": ""})
    for command in ("spaces", "users", "poll", "feed", "scheduler", "demo", "db", "run", "shell"):
        assert command in result.stdout
