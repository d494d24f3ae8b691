from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import UTCDateTime, utcnow
from corete.extensions import db

# "newsletter": the monthly digest; "follow": a weekly e-mail of one filter of the calendar.
KINDS = ("newsletter", "follow")
NEWS_STATES = ("proposed", "approved", "rejected")


class Subscription(db.Model):
    """A confirmed subscription (no row before the person follows the link sent to the
    address: the link carries what they asked for; only the outbox keeps that message). ``filter_key`` tells apart the
    filters one address follows; the newsletter has one per address."""

    __tablename__ = "newsletter_subscription"
    __table_args__ = (UniqueConstraint("email", "kind", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    filter_key: Mapped[str] = mapped_column(String(64), default="")
    lang: Mapped[str] = mapped_column(String(5))
    cities: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    spaces: Mapped[list] = mapped_column(JSON, default=list)  # slugs
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NewsItem(db.Model):
    """A short piece of news an operator proposes for the next newsletter; a coordinator
    approves (or rejects, saying why); ``issue`` names the newsletter it went out in."""

    __tablename__ = "newsletter_news_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(254))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # plain text
    state: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    issue: Mapped[str | None] = mapped_column(String(40))

    space = relationship("Space")
