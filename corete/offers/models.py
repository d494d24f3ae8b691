from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow
from corete.extensions import db


class Offer(FeedItemRow, db.Model):
    """What a space or one of its members offers the rest of the network, as its feed says
    (`_corete.type: "offer"`)."""

    __tablename__ = "offers_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(10), default="network")  # "network" or "anyone"
    benefit: Mapped[str | None] = mapped_column(String(200))
    conditions: Mapped[str | None] = mapped_column(Text)
    offered_by_name: Mapped[str | None] = mapped_column(String(200))
    offered_by_url: Mapped[str | None] = mapped_column(String(2000))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, index=True)
    contact: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)
