from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corete.core.models import FeedItemRow
from corete.extensions import db


class Need(FeedItemRow, db.Model):
    """A purchase need (goods) or a service need, as a space's feed publishes it.

    ``first_seen_at`` is when the hub first saw the item: it survives updates, because
    first-come allocation depends on it.
    """

    __tablename__ = "purchasing_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))  # goods or service
    category: Mapped[str | None] = mapped_column(String(120))
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    unit: Mapped[str | None] = mapped_column(String(20))
    tolerance: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(0))
    need_by: Mapped[dt.date | None] = mapped_column(Date)
    max_unit_price_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    max_unit_price_currency: Mapped[str | None] = mapped_column(String(3))
    description_html: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(JSON, default=list)
