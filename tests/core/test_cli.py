"""The `corete` console script starts fast: nothing is imported to list the commands, and
a command that serves no page gets the core app (figures: bench/bench_startup.py)."""
from __future__ import annotations

import json
import subprocess
import sys

import click

from corete.cli import COMMANDS, load_command

HEAVY_FOR_A_POLL = {"flask_smorest", "flask_migrate", "alembic", "flask_wtf", "folium", "pint",
                    "numpy", "feedparser", "icalendar", "jsonschema", "requests", "corete.map.views",
                    "corete.events.services", "corete.federation.services", "sqlalchemy", "flask_sqlalchemy"}


def _modules_after(args: list[str], env: dict) -> tuple[str, set[str]]:
    """What `corete ARGS` printed and every module it imported, in a fresh interpreter."""
    code = ("import contextlib, io, json, sys\n"
            "from corete.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try:\n"
            f"        main({args!r})\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print(json.dumps([out.getvalue(), sorted(sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": "", **env},
                          timeout=60)
    assert done.returncode == 0, done.stderr
    printed, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return printed, {m.split(".")[0] if not m.startswith("corete") else m for m in modules}


def test_every_commands_line_of_help_is_its_own():
    for name, command in COMMANDS.items():
        loaded = load_command(name)
        assert isinstance(loaded, click.Command) and loaded.name == name
        assert loaded.get_short_help_str(limit=200) == command.help, name


def test_help_lists_every_command_without_building_the_app():
    printed, modules = _modules_after(["--help"], {})
    for name in (*COMMANDS, "run", "shell", "routes"):
        assert f"\n  {name} " in printed
    assert "corete.app" not in modules and "flask_sqlalchemy" not in modules and "sqlalchemy" not in modules


def test_a_poll_with_nothing_due_imports_no_page_and_no_parser(app, tmp_path):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    printed, modules = _modules_after(["poll", "--due"], {"CORETE_SECRET_KEY": "x",
                                                          "CORETE_SQLALCHEMY_DATABASE_URI": uri})
    assert printed.strip() == "nothing to poll"
    assert not HEAVY_FOR_A_POLL & modules, HEAVY_FOR_A_POLL & modules


def test_a_poll_with_something_due_builds_the_app_and_polls_it(app, session):
    from sqlalchemy import update

    from corete.core.models import utcnow
    from corete.federation.models import Feed
    from tests.conftest import make_space

    make_space(session, "http://127.0.0.1:9/closed.json", name="Porta chiusa")
    session.execute(update(Feed).values(next_poll_at=utcnow()))
    session.commit()
    printed, modules = _modules_after(["poll", "--due"], {
        "CORETE_SECRET_KEY": "x", "CORETE_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "CORETE_FETCH_ALLOW_NETWORKS": '["127.0.0.1/32"]', "CORETE_POLL_PARSE_PROCESSES": "0"})
    assert printed.startswith("http://127.0.0.1:9/closed.json: failed") and "[connect]" in printed
    assert "flask_sqlalchemy" in modules


def test_the_app_cli_runs_the_same_commands(runner):
    """`app.test_cli_runner()` and `flask --app corete` reach the same lazily loaded commands."""
    assert "nothing to poll" in runner.invoke(args=["poll", "--due"]).output
    assert runner.invoke(args=["assets", "--help"]).exit_code == 0


def test_the_core_app_knows_every_table_of_the_web_app():
    """`corete users create` once failed in the core app: a Space names its Feed, whose
    model no module of that command had imported."""
    code = ("import json\n"
            "from sqlalchemy.orm import configure_mappers\n"
            "from corete import create_app\n"
            "from corete.extensions import db\n"
            "create_app(web=False)\n"
            "configure_mappers()\n"
            "print(json.dumps(sorted(db.metadata.tables)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PATH": "", "CORETE_SECRET_KEY": "x"})
    assert done.returncode == 0, done.stderr
    from corete.extensions import db

    assert json.loads(done.stdout) == sorted(db.metadata.tables)
