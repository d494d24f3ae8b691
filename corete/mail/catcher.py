"""A local SMTP server that keeps what it receives: for `make run` (`corete mail catch`
writes each message as an .eml file) and for the tests, which read the delivered
messages and follow their links. The only module that imports aiosmtpd (a test
dependency: a hub in production sends through a real mail server)."""
from __future__ import annotations

import email
import email.policy
import itertools
import threading
import time
from pathlib import Path


class Catcher:
    """aiosmtpd handler: keeps every message (``messages``: parsed EmailMessage objects
    with ``envelope_to``); writes it into ``directory`` when given; refuses with 550 the
    recipients in ``refuse`` and with 451 (try later) those in ``defer``."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self.messages: list = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        if address.lower() in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
            number = next(self._numbers)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{number:05d}.eml"
            (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if address.lower() in (a.lower() for a in m.envelope_to)]


def start(port: int = 0, directory=None, host: str = "127.0.0.1"):
    """Start a catcher in a thread; (controller, catcher, port). ``controller.stop()`` ends it."""
    from aiosmtpd.controller import Controller

    catcher = Catcher(directory)
    controller = Controller(catcher, hostname=host, port=port or _free_port(host))
    controller.start()
    return controller, catcher, controller.port


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
