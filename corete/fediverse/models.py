"""What the fediverse room keeps: its actors' keys, the remote actors it met, who follows
which calendar, which events it has announced, and the deliveries waiting to go out."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class ActorKey(db.Model):
    """The signing key of one of the hub's actors ("calendar", or a space's slug)."""

    __tablename__ = "fediverse_actor_key"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RemoteActor(db.Model):
    """A key another server signs with, as its actor document gave it (and where to
    deliver to that actor), fetched once and again when a signature stops verifying."""

    __tablename__ = "fediverse_remote_actor"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of key_id
    key_id: Mapped[str] = mapped_column(String(2000))
    actor: Mapped[str] = mapped_column(String(2000))  # the key's owner
    public_pem: Mapped[str] = mapped_column(Text)
    inbox: Mapped[str | None] = mapped_column(String(2000))
    shared_inbox: Mapped[str | None] = mapped_column(String(2000))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follower(db.Model):
    """A remote actor following one of the hub's calendars."""

    __tablename__ = "fediverse_follower"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of our actor's name and theirs
    actor_name: Mapped[str] = mapped_column(String(80), index=True)
    follower: Mapped[str] = mapped_column(String(2000))
    inbox: Mapped[str] = mapped_column(String(2000))  # their shared inbox when they have one
    follow_id: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Announced(db.Model):
    """An event the calendars announced, as its followers were told of it (when it had last
    changed, and its state)."""

    __tablename__ = "fediverse_announced"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # no foreign key: a removed event is told
    space_slug: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the event's, when it was announced
    status: Mapped[str] = mapped_column(String(12))
    announced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(db.Model):
    """An activity to deliver to one inbox, sent by the scheduler with retries."""

    __tablename__ = "fediverse_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_name: Mapped[str] = mapped_column(String(80))
    inbox: Mapped[str] = mapped_column(String(2000))
    activity: Mapped[str] = mapped_column(Text)  # the JSON, as it is sent
    kind: Mapped[str] = mapped_column(String(16))  # Accept, Create, Update, Delete
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    given_up: Mapped[bool] = mapped_column(Boolean, default=False)
