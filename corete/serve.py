"""`corete serve`: the web hub under gunicorn, the only module that runs it."""
from __future__ import annotations

import os
import sys

import click

CONFIG = "python:corete.gunicorn_conf"


def gunicorn_args(bind: str | None, workers: int | None, threads: int | None, extra: tuple[str, ...]) -> list[str]:
    args = [sys.executable, "-m", "gunicorn", "--config", CONFIG]
    for option, value in (("--bind", bind), ("--workers", workers), ("--threads", threads)):
        if value is not None:
            args += [option, str(value)]
    return [*args, *extra, "corete.wsgi:app"]


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("--bind", "-b", help="Address to listen on (default 127.0.0.1:8000; unix:/path for a socket).")
@click.option("--workers", "-w", type=click.IntRange(1, 64), help="Web processes (default 2).")
@click.option("--threads", type=click.IntRange(1, 64), help="Threads per process (default 4).")
@click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
def serve_command(bind, workers, threads, gunicorn_options):
    """Serve the hub with gunicorn: threaded workers, production settings.
    Any other option is gunicorn's own (e.g. --max-requests 1000). The scheduler is a
    separate process: `corete scheduler`."""
    args = gunicorn_args(bind, workers, threads, gunicorn_options)
    os.execv(args[0], args)  # gunicorn takes this process's place (its PID, for systemd)
