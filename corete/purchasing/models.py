from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from corete.core.models import FeedItemRow, UTCDateTime, utcnow
from corete.extensions import db

SHIPPING_SPLITS = ("value", "weight", "equal")
POLICIES = ("fcfs", "proportional")
# A round's life: open (needs join) -> closed (frozen, computed) -> ordered -> delivered -> settled;
# or held (below the supplier's minimum, nobody charged) / cancelled.
REPEATS = ("weekly", "monthly")
ROUND_STATES = ("open", "closed", "held", "ordered", "delivered", "settled", "cancelled")


class Need(FeedItemRow, db.Model):
    """A purchase need (goods) or a service need, as a space's feed publishes it.

    ``first_seen_at`` is when the hub first saw the item: it survives updates, because
    first-come allocation depends on it. Each value of a goods need's quantity,
    tolerance and unit is kept in NeedValue, stamped when the hub saw it (R-HISTORY).
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

    decision = relationship("NeedDecision", uselist=False, lazy="selectin", passive_deletes=True)


class NeedValue(db.Model):
    """One value of a goods need, as the hub saw it at ``seen_at``."""

    __tablename__ = "purchasing_need_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("purchasing_need.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    tolerance: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(0))
    unit: Mapped[str | None] = mapped_column(String(20))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class NeedDecision(db.Model):
    """A coordinator's decision on a need the catalogue did not match by itself: linked to
    a product, or rejected with a reason the space sees."""

    __tablename__ = "purchasing_need_decision"

    need_id: Mapped[int] = mapped_column(ForeignKey("purchasing_need.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("purchasing_product.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))  # linked or rejected
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(254))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product")


class Supplier(db.Model):
    __tablename__ = "purchasing_supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str | None] = mapped_column(String(300))
    min_order_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    shipping_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    free_shipping_from: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    shipping_split: Mapped[str] = mapped_column(String(10), default="value")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    products = relationship("Product", back_populates="supplier", order_by="Product.name")


class Product(db.Model):
    """What a supplier sells: ``pack_size`` group units (the unit spaces order in) a pack."""

    __tablename__ = "purchasing_product"
    __table_args__ = (UniqueConstraint("supplier_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("purchasing_supplier.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(120))
    group_unit: Mapped[str] = mapped_column(String(20))
    pack_unit: Mapped[str | None] = mapped_column(String(20))
    pack_size: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    pack_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    tiers: Mapped[list] = mapped_column(JSON, default=list)  # [{"min_packs": 3, "pack_price": "54.00"}]
    min_packs: Mapped[int | None] = mapped_column(Integer)
    loose: Mapped[bool] = mapped_column(Boolean, default=False)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))  # of one group unit
    aliases: Mapped[list] = mapped_column(JSON, default=list)  # names needs may use
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    supplier = relationship("Supplier", back_populates="products")


class Round(db.Model):
    """A purchasing round (order cycle) for one supplier. ``inputs`` is frozen at close, in
    the simulator's format; ``events`` are the deliveries and withdrawals after it."""

    __tablename__ = "purchasing_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("purchasing_supplier.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivery_date: Mapped[dt.date] = mapped_column(Date)
    policy: Mapped[str] = mapped_column(String(15), default="fcfs")
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    inputs: Mapped[dict | None] = mapped_column(JSON)
    events: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A recurring round ("weekly", "monthly") opens the next one when it closes, itself.
    repeat: Mapped[str | None] = mapped_column(String(10))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("purchasing_round.id", ondelete="SET NULL"),
                                                    unique=True)  # one next round per round

    supplier = relationship("Supplier")
    changes = relationship("RoundChange", back_populates="round", order_by="RoundChange.id",
                           cascade="all, delete-orphan")


class RoundChange(db.Model):
    """Every state change and event of a round, with who and when."""

    __tablename__ = "purchasing_round_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("purchasing_round.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    by: Mapped[str] = mapped_column(String(254))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    round = relationship("Round", back_populates="changes")
