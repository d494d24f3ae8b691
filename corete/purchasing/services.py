"""Needs from the feeds, the catalogue, and purchasing rounds.

The pooling rules themselves are in pooling.py (pure, no database). Here: which need is
which product (the catalogue's own match by code or name, else a coordinator's link),
each goods need's successive values (R-HISTORY), and a round's life: open, closed
(its inputs frozen in the simulator's format), ordered, delivered, settled; every step
recorded with who and when.
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from corete.core.handler import RowHandler
from corete.purchasing.itemtype import NeedData
from corete.core.models import chunks, utcnow
from corete.core.sanitize import normalise_name
from corete.purchasing import pooling, simulate
from corete.purchasing.units import is_physical
from corete.purchasing.models import REPEATS, Need, NeedDecision, NeedValue, Product, Round, RoundChange, Supplier
from corete.spaces.models import Space


def need_columns(data: NeedData) -> dict:
    price = data.max_unit_price or {}
    return dict(
        item=data.item,
        kind=data.kind,
        category=data.category,
        sku=data.sku,
        quantity=data.quantity,
        unit=data.unit,
        tolerance=data.tolerance,
        need_by=data.need_by,
        max_unit_price_amount=price.get("amount"),
        max_unit_price_currency=price.get("currency"),
        description_html=data.description_html,
        url=data.url,
        tags=data.tags,
    )


class NeedHandler(RowHandler):
    """Needs' rows, and for goods each new value of quantity, tolerance and unit, stamped
    when the hub saw it: a raise joins the queue behind what was asked before it."""

    def add(self, session, feed_id, space_id, items):
        super().add(session, feed_id, space_id, items)
        self._record(session, feed_id, _goods(items), new=True)

    def replace(self, session, feed_id, space_id, items):
        super().replace(session, feed_id, space_id, items)
        self._record(session, feed_id, _goods(items))

    @staticmethod
    def _record(session, feed_id: int, source_ids: list[str], *, new: bool = False) -> None:
        """``new``: the needs were just added, so they have no values yet."""
        if not source_ids:
            return
        now = utcnow()
        for chunk in chunks(source_ids):
            needs = session.execute(
                select(Need.id, Need.quantity, Need.tolerance, Need.unit)
                .where(Need.feed_id == feed_id, Need.source_id.in_(chunk), Need.kind == "goods",
                       Need.quantity.is_not(None))).all()
            if not needs:
                continue
            newest = select(func.max(NeedValue.id)).where(NeedValue.need_id.in_([n.id for n in needs])) \
                .group_by(NeedValue.need_id)
            last = {} if new else {v.need_id: (v.quantity, v.tolerance, v.unit) for v in session.execute(
                select(NeedValue.need_id, NeedValue.quantity, NeedValue.tolerance, NeedValue.unit)
                .where(NeedValue.id.in_(newest)))}
            values = []
            for need in needs:
                value = (need.quantity, need.tolerance or Decimal(0), need.unit)
                if last.get(need.id) != value:
                    values.append({"need_id": need.id, "quantity": value[0], "tolerance": value[1],
                                   "unit": value[2], "seen_at": now})
            if values:  # Core, as the rows themselves: the ORM's flush cost a poll more than they did
                session.execute(insert(NeedValue.__table__), values)


def _goods(items) -> list[str]:
    """The ids of items that are goods needs with a quantity: the only ones with values to keep."""
    return [i.source_id for i in items if i.data.kind == "goods" and i.data.quantity is not None]


handler = NeedHandler("need", Need, need_columns)


def search_needs(*, space=None, category=None, kind=None):
    stmt = select(Need).join(Space, Need.space_id == Space.id).where(Space.active.is_(True))
    if space:
        stmt = stmt.where(Space.slug == space)
    if category:
        stmt = stmt.where(Need.category.ilike(category))
    if kind:
        stmt = stmt.where(Need.kind == kind)
    return stmt.order_by(Need.need_by.is_(None), Need.need_by, Need.id)


class PurchasingError(ValueError):
    """A catalogue change or a round's step the hub refuses; the message is for the person."""


# --- The catalogue and matching ----------------------------------------------------------------


def product_item(product: Product) -> pooling.Item:
    return pooling.Item(
        sku=product.sku, name=product.name, group_unit=product.group_unit, pack_size=Decimal(product.pack_size),
        pack_price=Decimal(product.pack_price), pack_unit=product.pack_unit,
        tiers=tuple(pooling.Tier(int(t["min_packs"]), Decimal(str(t["pack_price"]))) for t in product.tiers or ()),
        min_packs=product.min_packs, loose=product.loose,
        weight_kg=Decimal(product.weight_kg) if product.weight_kg is not None else None)


def _names(product: Product) -> set[str]:
    return {normalise_name(n) for n in [product.name, *(product.aliases or [])] if n}


@dataclass
class Catalogue:
    """The active products, indexed for matching needs."""

    products: list[Product]

    def __post_init__(self):
        self.by_sku = {p.sku.casefold(): p for p in self.products}
        self.by_name: dict[str, Product] = {}
        for p in self.products:
            for name in _names(p):
                self.by_name.setdefault(name, p)

    def match(self, need: Need) -> Product | None:
        """The product a need means: a coordinator's link, else the same code, else the
        same name or alias (without accents, case or punctuation)."""
        decision = need.decision
        if decision is not None:
            return decision.product if decision.status == "linked" else None
        if need.sku and need.sku.casefold() in self.by_sku:
            return self.by_sku[need.sku.casefold()]
        return self.by_name.get(normalise_name(need.item))

    def suggestions(self, need: Need, limit: int = 3) -> list[Product]:
        """The products whose name or alias is closest to the need's, for the queue."""
        wanted = normalise_name(need.item)
        scored = []
        for p in self.products:
            score = max(difflib.SequenceMatcher(None, wanted, name).ratio() for name in _names(p))
            if score >= 0.45:
                scored.append((-score, p.name, p))
        return [p for _, _, p in sorted(scored, key=lambda s: s[:2])[:limit]]


def add_supplier(session, data: dict) -> Supplier:
    if session.scalar(select(Supplier.id).where(func.lower(Supplier.name) == data["name"].lower())):
        raise PurchasingError(_l("A supplier with this name exists already."))
    supplier = Supplier(**data)
    session.add(supplier)
    session.flush()
    return supplier


def add_product(session, data: dict) -> Product:
    """A product of a supplier; its units must make sense (a pack unit that is the group
    unit, or a loose product measured in something that is not a mass or volume, is refused)."""
    data = dict(data)
    supplier = session.get(Supplier, data.pop("supplier_id"))
    if supplier is None:
        raise PurchasingError(_l("Unknown supplier."))
    if session.scalar(select(Product.id).where(Product.supplier_id == supplier.id, Product.sku == data["sku"])):
        raise PurchasingError(_l("This supplier has a product with this code already."))
    if data.get("loose") and not is_physical(data["group_unit"]):
        raise PurchasingError(_l("Only goods measured by weight or volume (kg, g, l, ml) can be sold loose."))
    data.setdefault("tiers", [])
    data["aliases"] = [a.strip() for a in (data.pop("aliases", None) or "").split(",") if a.strip()]
    product = Product(supplier_id=supplier.id, **data)
    session.add(product)
    session.flush()
    return product


def catalogue(session, supplier: Supplier | None = None) -> Catalogue:
    stmt = select(Product).join(Supplier).where(Product.active.is_(True)).order_by(Supplier.name, Product.name)
    if supplier is not None:
        stmt = stmt.where(Product.supplier_id == supplier.id)
    return Catalogue(list(session.scalars(stmt)))


def open_goods_needs(session, *, today: dt.date):
    """Goods needs of active spaces, with a quantity, not needed before today."""
    return session.scalars(
        select(Need).join(Space, Need.space_id == Space.id)
        .where(Space.active.is_(True), Need.kind == "goods", Need.quantity.is_not(None),
               (Need.need_by.is_(None)) | (Need.need_by >= today))
        .order_by(Need.first_seen_at, Need.id)).all()


def unmatched(session, *, today: dt.date) -> list[tuple[Need, list[Product]]]:
    """The queue: goods needs no product matches and no coordinator decided on, each with
    its closest products."""
    found = catalogue(session)
    return [(need, found.suggestions(need)) for need in open_goods_needs(session, today=today)
            if need.decision is None and found.match(need) is None]


def decide(session, need: Need, *, by: str, product: Product | None = None, reason: str | None = None) -> None:
    """Link a need to a product, or reject it with a reason its space sees."""
    if product is None and not reason:
        raise PurchasingError(_l("Give the reason for rejecting the need: the space will see it."))
    if need.kind != "goods":
        raise PurchasingError(_l("Only needs of goods can be pooled."))
    if product is not None:
        try:
            pooling.normalise(pooling.Request("", product.sku, Decimal(1), need.unit or product.group_unit,
                                              utcnow()), product_item(product))
        except pooling.UnitMismatch as e:
            raise PurchasingError(_l("The need is in %(unit)s, which does not convert to the product's %(group)s.",
                                     unit=need.unit, group=product.group_unit)) from e
    decision = need.decision or NeedDecision(need_id=need.id)
    decision.product_id = product.id if product else None
    decision.status = "linked" if product else "rejected"
    decision.reason = None if product else reason
    decision.decided_by, decision.decided_at = by, utcnow()
    session.add(decision)
    session.flush()
    session.expire(need, ["decision"])


# --- Rounds ------------------------------------------------------------------------------------

# Which steps each state allows, and where they lead.
STEPS = {
    "close": ({"open"}, "closed"),
    "order": ({"closed"}, "ordered"),
    "deliver": ({"ordered", "delivered"}, "delivered"),
    "withdraw": ({"closed", "ordered", "delivered"}, None),
    "settle": ({"delivered"}, "settled"),
    "cancel": ({"open", "closed", "held"}, "cancelled"),
}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def live_inputs(session, rnd: Round) -> dict:
    """The round as the simulator reads it, from the catalogue and the needs as they are now."""
    supplier = rnd.supplier
    products = catalogue(session, supplier)
    requests = []
    matched = [(need, product) for need in open_goods_needs(session, today=rnd.delivery_date)
               if (product := products.match(need)) is not None]
    values: dict[int, list[NeedValue]] = {}
    for chunk in chunks([need.id for need, _ in matched]):  # one query per chunk, not one per need
        for v in session.scalars(select(NeedValue).where(NeedValue.need_id.in_(chunk))
                                 .order_by(NeedValue.seen_at, NeedValue.id)):
            values.setdefault(v.need_id, []).append(v)
    for need, product in matched:
        for v in values.get(need.id) or [NeedValue(quantity=need.quantity, tolerance=need.tolerance, unit=need.unit,
                                      seen_at=need.first_seen_at)]:
            requests.append({"member": need.space.slug, "sku": product.sku, "need": str(need.id),
                             "quantity": str(v.quantity), "tolerance": str(v.tolerance or 0),
                             "unit": v.unit or product.group_unit, "submitted_at": _iso(v.seen_at),
                             "need_by": need.need_by.isoformat() if need.need_by else None})
    return {
        "order_cycle": {"id": str(rnd.id), "opens_at": _iso(rnd.opens_at), "close_at": _iso(rnd.closes_at),
                        "delivery_date": rnd.delivery_date.isoformat(), "currency": "EUR",
                        "allocation": rnd.policy},
        "supplier": {"name": supplier.name,
                     "min_order_value": str(supplier.min_order_value) if supplier.min_order_value is not None
                     else None,
                     "shipping": {"fee": str(supplier.shipping_fee), "split": supplier.shipping_split,
                                  "free_from": str(supplier.free_shipping_from)
                                  if supplier.free_shipping_from is not None else None}},
        "items": [{"sku": p.sku, "name": p.name, "group_unit": p.group_unit,
                   "pack": {"unit": p.pack_unit, "size": str(p.pack_size)}, "pack_price": str(p.pack_price),
                   "tiers": p.tiers or [], "min_packs": p.min_packs, "loose": p.loose,
                   "weight_kg": str(p.weight_kg) if p.weight_kg is not None else None}
                  for p in products.products],
        "requests": requests,
    }


def compute(session, rnd: Round) -> pooling.Round:
    """The round's pooling: from its frozen inputs once closed, else from the live needs."""
    inputs = rnd.inputs if rnd.inputs is not None else live_inputs(session, rnd)
    try:
        return pooling.pool(*simulate.read({"inputs": inputs, "events": rnd.events or []}))
    except (simulate.ScenarioError, pooling.RoundError) as e:
        raise PurchasingError(str(e)) from e


def _log(session, rnd: Round, action: str, by: str, **detail) -> None:
    session.add(RoundChange(round_id=rnd.id, action=action, detail=detail, by=by, at=utcnow()))


def open_round(session, supplier: Supplier, *, name: str, opens_at: dt.datetime, closes_at: dt.datetime,
               delivery_date: dt.date, policy: str, by: str, repeat: str | None = None,
               previous: Round | None = None) -> Round:
    if closes_at <= opens_at:
        raise PurchasingError(_l("The round must close after it opens."))
    if delivery_date < closes_at.date():
        raise PurchasingError(_l("The delivery date must not come before the closing time."))
    if policy not in pooling.POLICIES:
        raise PurchasingError(_l("Unknown allocation policy."))
    if repeat not in (None, *REPEATS):
        raise PurchasingError(_l("A round repeats weekly or monthly."))
    rnd = Round(supplier_id=supplier.id, name=name, opens_at=opens_at, closes_at=closes_at,
                delivery_date=delivery_date, policy=policy, state="open", events=[], repeat=repeat,
                previous_id=previous.id if previous is not None else None)
    session.add(rnd)
    session.flush()
    _log(session, rnd, "open", by, closes_at=_iso(closes_at), delivery_date=delivery_date.isoformat(),
         policy=policy, **({"repeat": repeat} if repeat else {}))
    return rnd


def step(session, rnd: Round, action: str, *, by: str, sku: str | None = None, units: Decimal | None = None,
         member: str | None = None) -> None:
    """One step of a round's life (see STEPS), recorded with who and when."""
    allowed, next_state = STEPS[action]
    if rnd.state not in allowed:
        raise PurchasingError(_l("A round that is %(state)s cannot do that.", state=rnd.state))
    detail: dict = {}
    if action == "close":
        rnd.inputs = live_inputs(session, rnd)
        result = compute(session, rnd)
        if result.status != "send":
            next_state = "held"  # R-MOV, or nothing reached a pack: nobody is charged
        detail = {"status": result.status, "goods_total": str(result.goods_total)}
    elif action in ("deliver", "withdraw"):
        skus = {i["sku"] for i in (rnd.inputs or {}).get("items", [])}
        if sku not in skus:
            raise PurchasingError(_l("Unknown product in this round."))
        if action == "deliver":
            if units is None or units < 0:
                raise PurchasingError(_l("Give the units received (0 or more)."))
            event = {"sku": sku, "type": "delivered", "units": str(units)}
        else:
            members = {r["member"] for r in rnd.inputs["requests"] if r["sku"] == sku}
            if member not in members:
                raise PurchasingError(_l("That space has no need in this product."))
            event = {"sku": sku, "type": "withdraw_after_close", "member": member}
        rnd.events = [*(rnd.events or []), event]
        compute(session, rnd)  # refuses what cannot be computed before it is kept
        detail = event
    if next_state:
        rnd.state = next_state
    _log(session, rnd, action, by, **detail)
    session.flush()


def rounds(session) -> list[Round]:
    return session.scalars(select(Round).order_by(Round.closes_at.desc(), Round.id.desc())).all()
