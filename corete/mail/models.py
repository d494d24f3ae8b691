from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

# queued: waiting for its next attempt; sent: the SMTP server accepted it; failed: every
# attempt failed (a temporary error repeated MAIL_MAX_ATTEMPTS times); refused: the
# address was refused for good, by the server now or before (RefusedAddress).
STATES = ("queued", "sent", "failed", "refused")


class Message(db.Model):
    """One e-mail, rendered when it was queued. ``key`` is its idempotency key: whatever
    queues the same key twice (two schedulers, a retried request) makes one message."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Holds a sign-in or reset link: its text is erased once sent, so the database never
    # keeps a usable token (those are stored only as hashes or signed).
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # The same on every attempt: a receiving system that sees a message twice (the sender
    # died between the server's acceptance and recording it) can tell it is one message.
    message_id: Mapped[str] = mapped_column(String(250))
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RefusedAddress(db.Model):
    """An address an SMTP server refused for good (5xx): nothing is sent to it again
    until a coordinator lifts it (or the person confirms it anew, e.g. by subscribing)."""

    __tablename__ = "mail_refused_address"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
