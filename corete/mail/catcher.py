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
    """aiosmtpd handler. With a ``directory``, writes each message there as an .eml file
    and keeps nothing in memory (`corete mail catch`); without, keeps them for a test to
    read (``messages``: parsed EmailMessage objects with ``envelope_to``). Refuses with 550
    the recipients in ``refuse`` and with 451 (try later) those in ``defer``."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else None
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self._raw: list[tuple[bytes, list[str]]] = []
        self._parsed: list = []
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
        data = envelope.original_content or envelope.content
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):06d}.eml"
            (self.directory / name).write_bytes(data)
        else:
            with self._lock:
                self._raw.append((data, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    @property
    def messages(self) -> list:
        """What arrived so far, parsed (in order)."""
        with self._lock:
            for data, rcpt_tos in self._raw[len(self._parsed):]:
                message = email.message_from_bytes(data, policy=email.policy.default)
                message.envelope_to = rcpt_tos
                self._parsed.append(message)
            return list(self._parsed)

    def to(self, address: str) -> list:
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
