"""The outbox: queueing a message in the caller's transaction, and sending what is due.

A message is written with the change that causes it (an invitation, an alert, a closed
round), in the same transaction: if that change is rolled back the message never
existed, and once committed it is sent however often a process dies. Only the scheduler
(or `corete mail send`) sends: a message is leased to one sender, checked to still be
its own before each send, and marked sent right after the server accepts it.

What no outbox can close is the instant between the server's acceptance and the commit
that records it: a sender killed exactly then sends that one message again when its lease
runs out, with the same Message-ID (by which receiving systems recognise a copy).
bench/bench_mail.py kills a sender halfway through 10,000 messages and counts.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import logging
from dataclasses import dataclass, field
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import or_, select, update

from corete.core.models import db_now, insert_new, utcnow
from corete.mail import compose
from corete.mail.models import Message, RefusedAddress
from corete.mail.smtp import Connection, SendError

log = logging.getLogger(__name__)
WIRE = email.policy.compat32.clone(linesep="\r\n", max_line_length=998)  # SMTP: CRLF, headers folded only past its 998
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)


def normalise(address: str) -> str:
    return (address or "").strip().lower()


def sender_address(config) -> str:
    return parseaddr(config["MAIL_DEFAULT_SENDER"] or "")[1] or "corete@localhost"


@dataclass
class Outgoing:
    """One message to queue: ``subject`` is a callable giving it in the current language
    (a gettext call), asked in ``lang`` (None or a language the hub does not speak:
    BABEL_DEFAULT_LOCALE); ``context`` is what its templates read."""

    key: str
    kind: str
    to: str
    lang: str
    subject: object
    context: dict = field(default_factory=dict)
    sensitive: bool = False
    headers: dict = field(default_factory=dict)


def queue(session, *, key: str, kind: str, to: str, lang: str, subject, context: dict | None = None,
          sensitive: bool = False, headers: dict | None = None, config=None) -> bool:
    """Queue one message in the session's transaction (not committed); whether it is new: a
    message already queued under ``key`` is kept as it was and nothing is added."""
    return queue_many(session, [Outgoing(key, kind, to, lang, subject, context or {}, sensitive, headers or {})],
                      config=config) == 1


def queue_many(session, messages: list[Outgoing], *, config=None) -> int:
    """Queue messages in the session's transaction (not committed), in three statements
    however many they are; how many were new. Those whose key is already queued are
    neither rendered nor changed."""
    from flask import current_app

    config = config or current_app.config
    wanted = {m.key[:200]: m for m in messages}
    if not wanted:
        return 0
    known = set(session.scalars(select(Message.key).where(Message.key.in_(list(wanted)))))
    fresh = {key: m for key, m in wanted.items() if key not in known}
    if not fresh:
        return 0
    refused = set(session.scalars(select(RefusedAddress.email).where(
        RefusedAddress.email.in_({normalise(m.to) for m in fresh.values()}))))
    domain = sender_address(config).rpartition("@")[2] or "localhost"
    rows, now = [], utcnow()
    for key, m in fresh.items():
        to = normalise(m.to)
        lang = m.lang if m.lang in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
        subject, text, html = compose.render(m.kind, lang, m.subject, m.context)
        rows.append({"key": key, "kind": m.kind, "recipient": to, "lang": lang, "subject": subject, "text": text,
                     "html": html, "headers": m.headers, "sensitive": m.sensitive,
                     "message_id": f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>",  # the key's: unique
                     "state": "refused" if to in refused else "queued",
                     "last_error": "the address was refused before" if to in refused else None,
                     "attempts": 0, "lease_owner": None, "lease_until": None, "sent_at": None,
                     "created_at": now, "next_attempt_at": now})
    return insert_new(session, Message, rows, "key")


def build(message: Message, config) -> MIMEMultipart:
    """The message as sent: multipart/alternative, text then HTML, UTF-8. Built with the
    email package's compat32 classes, several times quicker than EmailMessage, which
    parses and folds every header again (bench/bench_mail.py)."""
    mime = MIMEMultipart("alternative")
    mime["From"] = _header(config["MAIL_DEFAULT_SENDER"] or sender_address(config))
    mime["To"] = _header(message.recipient)
    mime["Subject"] = _header(message.subject)
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    mime["Content-Language"] = message.lang
    mime["Auto-Submitted"] = "auto-generated"  # no vacation replies to the hub
    for name, value in (message.headers or {}).items():
        mime[name] = _header(value)
    mime.attach(MIMEText(message.text or "", "plain", "utf-8"))
    mime.attach(MIMEText(message.html or "", "html", "utf-8"))
    return mime


def _header(value: str) -> str | Header:
    """A header's value on one line (compat32 would let a line break start a header of its
    own), RFC 2047-encoded when it is not ASCII."""
    value = " ".join(str(value).split())
    if value.isascii():
        return value
    name, address = parseaddr(value)
    if address and "@" in address and value.strip().endswith(">"):
        return formataddr((name, address), charset="utf-8")
    return Header(value, "utf-8")


@dataclass
class Sent:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    refused: int = 0
    error: str | None = None  # the server could not be used: the rest waits for the next run

    def line(self) -> str:
        text = f"sent {self.sent}, to retry {self.retried}, failed {self.failed}, refused {self.refused}"
        return text + (f" ({self.error})" if self.error else "")


def claim(session, owner: str, config, limit: int) -> list[int]:
    """Lease up to ``limit`` due messages to ``owner`` (committed)."""
    now = db_now(session)
    free = or_(Message.lease_until.is_(None), Message.lease_until < now)
    due = (Message.state == "queued", Message.next_attempt_at <= now, free)
    ids = list(session.scalars(select(Message.id).where(*due).order_by(Message.next_attempt_at, Message.id)
                               .limit(limit).with_for_update(skip_locked=True)))
    if ids:
        session.execute(update(Message).where(Message.id.in_(ids), *due).values(
            lease_owner=owner, lease_until=now + dt.timedelta(seconds=int(config["MAIL_LEASE_SECONDS"]))),
            execution_options={"synchronize_session": False})
    session.commit()
    return list(session.scalars(select(Message.id).where(Message.id.in_(ids), Message.lease_owner == owner)
                                .order_by(Message.id))) if ids else []


def _still_mine(session, message_id: int, owner: str, config) -> bool:
    """Renews the lease just before sending (committed): a message whose lease another
    sender took over is never sent by this one."""
    now = db_now(session)
    renewed = session.execute(
        update(Message).where(Message.id == message_id, Message.lease_owner == owner, Message.state == "queued",
                              Message.lease_until >= now)
        .values(lease_until=now + dt.timedelta(seconds=int(config["MAIL_LEASE_SECONDS"]))),
        execution_options={"synchronize_session": False}).rowcount
    session.commit()
    return renewed == 1


def _release(session, ids: list[int], owner: str) -> None:
    if ids:
        session.execute(update(Message).where(Message.id.in_(ids), Message.lease_owner == owner)
                        .values(lease_owner=None, lease_until=None), execution_options={"synchronize_session": False})
        session.commit()


def _finish(session, message: Message, outcome: Sent, error: SendError | None, config) -> None:
    now = utcnow()
    message.lease_owner = message.lease_until = None
    if error is None:
        message.state, message.sent_at, message.last_error = "sent", now, None
        message.attempts += 1
        if message.sensitive:
            message.text = message.html = None
        outcome.sent += 1
        return
    message.attempts += 1
    message.last_error = str(error)[:2000]
    if error.address:
        message.state = "refused"
        if session.get(RefusedAddress, message.recipient) is None:
            session.add(RefusedAddress(email=message.recipient, reason=str(error)[:2000], refused_at=now))
        outcome.refused += 1
    elif error.permanent or message.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
        message.state = "failed"
        outcome.failed += 1
    else:
        message.next_attempt_at = now + min(BACKOFF_FIRST * 2 ** (message.attempts - 1), BACKOFF_MAX)
        outcome.retried += 1


def deliver(session, config, owner: str, *, limit: int | None = None) -> Sent:
    """Send due messages until none is left (or ``limit`` were tried); one SMTP connection."""
    outcome = Sent()
    if not config["MAIL_SERVER"]:
        outcome.error = "MAIL_SERVER is not set: messages wait in the outbox"
        return outcome
    sender, tried = sender_address(config), 0
    with Connection(config) as connection:
        while limit is None or tried < limit:
            batch = claim(session, owner, config, min(int(config["MAIL_BATCH"]), (limit or 10**9) - tried))
            if not batch:
                break
            refused = set(session.scalars(select(RefusedAddress.email).join(
                Message, Message.recipient == RefusedAddress.email).where(Message.id.in_(batch))))
            for position, message_id in enumerate(batch):
                tried += 1
                if not _still_mine(session, message_id, owner, config):
                    continue
                message = session.get(Message, message_id)
                error = None
                if message.recipient in refused:
                    error = SendError("the address was refused before", permanent=True, address=True)
                else:
                    try:
                        connection.send(sender, message.recipient, build(message, config).as_bytes(policy=WIRE))
                    except SendError as e:
                        error = e
                _finish(session, message, outcome, error, config)
                session.commit()
                if error is not None and error.address:
                    refused.add(message.recipient)
                if error is not None and error.connection:
                    outcome.error = str(error)
                    _release(session, batch[position + 1:], owner)
                    return outcome
    return outcome


def recent(session, limit: int = 100, state: str | None = None) -> list[Message]:
    query = select(Message).order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    if state:
        query = query.where(Message.state == state)
    return list(session.scalars(query))


def prune(session, now: dt.datetime, config) -> int:
    """Forget messages done with (sent, failed, refused) for more than MAIL_KEEP_DAYS; the
    refused addresses stay. Committed; how many went."""
    from sqlalchemy import delete

    days = int(config["MAIL_KEEP_DAYS"])
    if days <= 0:
        return 0
    gone = session.execute(delete(Message).where(Message.state != "queued",
                                                 Message.created_at < now - dt.timedelta(days=days)))
    session.commit()
    return gone.rowcount


def counts(session) -> dict[str, int]:
    from sqlalchemy import func

    return dict(session.execute(select(Message.state, func.count(Message.id)).group_by(Message.state)).all())


def lift_refusal(session, address: str) -> bool:
    refused = session.get(RefusedAddress, normalise(address))
    if refused is None:
        return False
    session.delete(refused)
    return True

