"""`corete db backup FILE`: a whole copy of a SQLite hub while it keeps writing."""
from __future__ import annotations

import sqlite3
import threading

from flask_migrate import upgrade

from corete.extensions import db
from corete.spaces.services import add_space


def test_a_backup_taken_while_polls_write_is_whole_and_readable(app, another_app, tmp_path):
    hub = another_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/hub.sqlite3")
    with hub.app_context():
        upgrade()
        add_space(db.session, "Millepiani", ["https://millepiani.example/feed.json"])
        db.session.commit()
        db.session.remove()
    stop = threading.Event()

    def writer():  # the hub carries on writing during the copy
        with hub.app_context():
            n = 0
            while not stop.is_set():
                n += 1
                add_space(db.session, f"Spazio {n}", [f"https://s{n}.example/feed.json"])
                db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with hub.app_context():  # commands run in the app context they find
            result = hub.test_cli_runner().invoke(args=["db", "backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT name FROM spaces_space ORDER BY id LIMIT 1").fetchone() == ("Millepiani",)
    assert not (tmp_path / "copy.sqlite3.partial").exists()
    copy.close()


def test_backup_refuses_what_it_cannot_copy_and_says_what_to_do(app, tmp_path):
    runner = app.test_cli_runner()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        result = runner.invoke(args=["db", "backup", str(tmp_path / "x.dump")])
        assert result.exit_code == 1 and "pg_dump --format=custom" in result.output
    else:
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        result = runner.invoke(args=["db", "backup", database])
        assert result.exit_code == 1 and "TARGET is the database itself" in result.output
