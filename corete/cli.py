"""The `corete` console script: Flask's CLI with the hub's app factory, so
`corete db upgrade`, `corete run`, `corete shell` and the hub's own commands work.

A command is imported when it runs, never when `corete --help` lists it: COMMANDS names
where each lives and its line of help (a test keeps that line equal to the command's own).
Commands that serve no page get the core app (``create_app(web=False)``: configuration,
database, item handlers, languages), so `corete poll --due` with nothing due answers in
a fraction of the time the whole web app takes to import (figures: bench/bench_startup.py).
"""
from __future__ import annotations

import importlib
from typing import NamedTuple

import click
from flask.cli import AppGroup, FlaskGroup, ScriptInfo


class Command(NamedTuple):
    target: str  # "module:attribute"
    app: str  # "web": the whole app; "core": create_app(web=False); "migrations": core + Flask-Migrate; "none"
    help: str


COMMANDS = {
    "assets": Command("corete.map.cli:assets_cli", "core", "The map's scripts and styles (Leaflet, supercluster)."),
    "db": Command("corete.core.cli:db_cli", "migrations", "Perform database migrations."),
    "demo": Command("corete.demo.cli:demo_cli", "web", "The demo network, served on localhost."),
    "digest": Command("corete.newsletter.cli:digest_cli", "core", "The network's digest, e-mailed to its subscribers."),
    "events": Command("corete.events.cli:events_cli", "core", "The merged calendar's stored occurrences."),
    "feed": Command("corete.federation.cli:feed_cli", "web", "Member feeds."),
    "mail": Command("corete.mail.cli:mail_cli", "core", "Outgoing e-mail: the outbox and a local catcher."),
    "poll": Command("corete.federation.cli:poll_command", "core", "Poll feeds once and print one line per feed."),
    "purchasing": Command("corete.purchasing.cli:purchasing_cli", "core", "Pooled group purchasing."),
    "resources": Command("corete.resources.cli:resources_cli", "core", "Rooms and equipment: their busy calendars."),
    "scheduler": Command("corete.scheduler:scheduler_command", "core",
                         "Run the periodic poller in the foreground (Ctrl-C stops it)."),
    "serve": Command("corete.serve:serve_command", "none",
                     "Serve the hub with gunicorn: threaded workers, production settings."),
    "skills": Command("corete.skills.cli:skills_cli", "core", "The network's taxonomy of skills."),
    "spaces": Command("corete.spaces.cli:spaces_cli", "core", "The member registry: spaces and their feeds."),
    "users": Command("corete.accounts.cli:users_cli", "core", "Accounts of coordinators and operators."),
}


def load_command(name: str) -> click.Command:
    module, attribute = COMMANDS[name].target.split(":")
    return getattr(importlib.import_module(module), attribute)


class _Lazy:
    """A click group whose COMMANDS are imported on first use."""

    def list_commands(self, ctx):
        return sorted({*click.Group.list_commands(self, ctx), *COMMANDS})

    def get_command(self, ctx, name):
        if name in COMMANDS:
            return load_command(name)
        return click.Group.get_command(self, ctx, name)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                rows.append((name, COMMANDS[name].help))
            else:
                command = click.Group.get_command(self, ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class AppCommands(_Lazy, AppGroup):
    """``app.cli``: what `app.test_cli_runner()` and `flask --app corete` invoke."""


def _web_app():
    from corete import create_app

    return create_app()


def _core_app():
    from corete import create_app

    return create_app(web=False)


def _migrations_app():
    from corete import create_app

    return create_app(web=False, migrations=True)


_FACTORIES = {"core": _core_app, "migrations": _migrations_app}


class Main(_Lazy, FlaskGroup):
    """The console script. Unlike FlaskGroup, it never builds the app to list commands."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        kind = COMMANDS[name].app if name in COMMANDS else "web"
        info = ctx.ensure_object(ScriptInfo)
        if kind in _FACTORIES and info.create_app is _web_app:  # never replace a factory someone else gave
            info.create_app = _FACTORIES[kind]
        return command


main = Main(create_app=_web_app, help="The CoRete hub.")


if __name__ == "__main__":  # python -m corete.cli
    main()
