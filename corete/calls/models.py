from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow, UTCDateTime
from corete.extensions import db


class Call(FeedItemRow, db.Model):
    """A call that reaches the network (funding, a voucher, a search for co-projecting
    partners, a tender): from a member's feed (`_corete.type: "call"`), or published by the
    coordinators for the whole network, with no feed (``network``)."""

    __tablename__ = "calls_call"
    __table_args__ = (UniqueConstraint("feed_id", "source_id"), Index("ix_calls_call_deadline", "deadline_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # A network call has no feed and no space: the coordinators wrote it on the hub.
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)
    network: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # When one may apply: opens_at (None: already) until deadline_at (None: no deadline
    # said). A deadline given as a day lasts to that day's end; both days are kept as said.
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opens_day: Mapped[dt.date | None] = mapped_column(Date)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline_day: Mapped[dt.date | None] = mapped_column(Date)
    deadline_timed: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    benefit: Mapped[str | None] = mapped_column(String(1000))
    issuer_name: Mapped[str | None] = mapped_column(String(200))
    issuer_url: Mapped[str | None] = mapped_column(String(2000))
    eligibility: Mapped[str | None] = mapped_column(Text)
    accredited_only: Mapped[bool] = mapped_column(Boolean, default=False)
    audiences: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    # "|lombardia|lazio|": the regions' keys, for a filter any database does with LIKE.
    region_keys: Mapped[str] = mapped_column(String(400), default="")
    skills_sought: Mapped[list] = mapped_column(JSON, default=list)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # A network call's form as the coordinator filled it in, and who wrote it.
    form: Mapped[dict | None] = mapped_column(JSON)
    written_by: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"))
