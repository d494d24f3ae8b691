"""What the push room keeps: each member feed's ping key (a member's "read me now")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db


class PingKey(db.Model):
    """The secret a member's site signs its pings with (``POST /api/v1/feeds/<id>/ping``).
    Shown to the space's operators in the editor, made and replaced by them; kept as it is,
    since they must be able to read it again."""

    __tablename__ = "push_ping_key"

    feed_id: Mapped[int] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pings: Mapped[int] = mapped_column(Integer, default=0)  # accepted
    last_ping_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # a wrong signature or an old timestamp
    last_refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    feed = relationship("Feed")


# requested: asked, the hub has not verified yet; live: verified, until lease_until;
# failed: the hub refused or did not answer (tried again at next_attempt_at); denied: the
# hub said no (tried again a day later); unsubscribing: asked to end, waiting for the hub.
WEBSUB_STATES = ("requested", "live", "failed", "denied", "unsubscribing")


class WebSubSubscription(db.Model):
    """The hub's subscription to one member feed at the WebSub hub it names."""

    __tablename__ = "push_websub"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One current subscription per feed; one being ended (unsubscribing) may stand beside it.
    feed_id: Mapped[int] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"), index=True)
    hub: Mapped[str] = mapped_column(String(2000))
    topic: Mapped[str] = mapped_column(String(2000))
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the callback's address: /push/websub/<token>
    secret: Mapped[str] = mapped_column(String(64))  # hub.secret: notifications are signed with it
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed requests in a row
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_seconds: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pushes: Mapped[int] = mapped_column(Integer, default=0)  # notifications with a valid signature
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # notifications with a wrong or no signature
    last_refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    feed = relationship("Feed")


class Subscriber(db.Model):
    """Someone's WebSub subscription to one of the hub's own feeds (a topic), at its
    callback. What a request asks (``pending_*``) is applied only once the callback has
    confirmed it: a forged request can change nothing of a subscription it does not own."""

    __tablename__ = "push_subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of topic and callback: one row for the pair
    topic: Mapped[str] = mapped_column(String(2000))
    callback: Mapped[str] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(default=False)  # verified, lease not over
    secret: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pending_mode: Mapped[str | None] = mapped_column(String(12))  # subscribe, unsubscribe: to verify
    pending_secret: Mapped[str | None] = mapped_column(String(200))
    pending_lease: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered: Mapped[str | None] = mapped_column(String(200))  # the version (ETag) last delivered
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    last_delivery_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed deliveries in a row
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
