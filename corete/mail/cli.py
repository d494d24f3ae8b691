"""`corete mail send` and `corete mail catch`."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from corete.extensions import db

mail_cli = AppGroup("mail", help="Outgoing e-mail: the outbox and a local catcher.")


@mail_cli.command("send")
def send_command():
    """Send what the outbox holds that is due now, then exit (the scheduler does this continuously)."""
    from corete.federation.jobs import poller_id
    from corete.mail.services import deliver

    outcome = deliver(db.session, current_app.config, poller_id())
    click.echo(outcome.line())
    if outcome.error:
        raise SystemExit(1)


@mail_cli.command("catch")
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
@click.option("--dir", "directory", type=click.Path(file_okay=False), default="instance/mail", show_default=True,
              help="Each message received is written here as an .eml file.")
def catch_command(port, directory):
    """A local SMTP server on 127.0.0.1 that keeps what it receives (for trying the hub, never for production)."""
    from corete.mail import catcher

    controller, _, port = catcher.start(port, directory)
    click.echo(f"catching mail on 127.0.0.1:{port}: messages are written to {directory}/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
