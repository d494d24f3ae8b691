from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

# A feed is "active" (polled), "paused" by a coordinator, or "gone" (410 or expired:
# polling stopped, data kept until a coordinator decides).
FEED_STATES = ("active", "paused", "gone")


class Feed(db.Model):
    __tablename__ = "federation_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(10), default="active")
    format: Mapped[str | None] = mapped_column(String(20))  # detected, never asked
    title: Mapped[str | None] = mapped_column(String(300))
    # Scheduling and leasing (several pollers may run at once).
    next_poll_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # HTTP validators echoed verbatim, and the hash of the last body applied.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # Health.
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error_class: Mapped[str | None] = mapped_column(String(20))
    last_error_message: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The current episode of failures (None while the feed is read fine) and when its
    # people were told: one alert when it starts failing, one when it recovers.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    alerted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Permanent redirects: adopted only after POLL_REDIRECT_CONFIRMATIONS in a row.
    redirect_candidate: Mapped[str | None] = mapped_column(String(2000))
    redirect_confirmations: Mapped[int] = mapped_column(Integer, default=0)
    url_history: Mapped[list] = mapped_column(JSON, default=list)
    # A poll that would remove most items is held: the source ids it would remove.
    # none_as_null: None must be SQL NULL (not JSON null), the unchanged path tests IS NULL.
    held_removals: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # WebSub, as the feed's last full answer said (its Link header, else the document): the
    # hub to subscribe to and the topic (its rel="self"). The push room subscribes.
    websub_hub: Mapped[str | None] = mapped_column(String(2000))
    websub_topic: Mapped[str | None] = mapped_column(String(2000))
    # Until then a push channel is live (a verified WebSub subscription): polls are
    # PUSH_POLL_INTERVAL apart, a fallback, since the member's changes arrive by push.
    pushed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    space = relationship("Space", back_populates="feeds")

    __table_args__ = (Index("ix_federation_feed_due", "state", "next_poll_at"),)


class FeedItem(db.Model):
    """The federation's index of what each feed currently contributes, by type.

    The poller diffs a new document against it (new, changed, removed) and hands the
    result to the room that owns the item type.
    """

    __tablename__ = "federation_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("feed_id", "source_id"),)


class Poll(db.Model):
    """One poll of one feed: kept for the coordinators, bounded per feed."""

    __tablename__ = "federation_poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))  # applied, unchanged, held, failed
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    items_removed: Mapped[int] = mapped_column(Integer, default=0)
    items_rejected: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Up to 50 rejections and warnings: {"where", "reason", "source_id"}.
    rejections: Mapped[list] = mapped_column(JSON, default=list)
