"""The pooling rules: from the spaces' needs to one supplier order, each space's goods
and what each pays. Pure: no database, no clock, exact decimals. The rules' names
(R-NORM ... R-BOXFILL) are those of docs/purchasing.md, which explains them with
worked examples; `corete purchasing simulate` and the purchasing rounds both call
``pool()``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from corete.purchasing.units import UnitMismatch, factor, is_physical, kilograms

CENT = Decimal("0.01")
ZERO = Decimal(0)


def to_cents(value: Decimal) -> Decimal:
    """Money to the cent, half a cent up (a line's total; members' shares use R-MONEY)."""
    return value.quantize(CENT, ROUND_HALF_UP)
POLICIES = ("fcfs", "proportional")
SPLITS = ("value", "weight", "equal")


class RoundError(ValueError):
    """A round that cannot be computed as given (the message says what to fix)."""


# --- What goes in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    min_packs: int
    pack_price: Decimal


@dataclass(frozen=True)
class Item:
    """A product of the supplier: ordered in packs of ``pack_size`` group units (or loose,
    by exactly the quantity asked, when ``loose`` and its group unit is a mass or volume)."""

    sku: str
    name: str
    group_unit: str
    pack_size: Decimal
    pack_price: Decimal
    pack_unit: str | None = None
    tiers: tuple[Tier, ...] = ()
    min_packs: int | None = None  # R-MOQ, in packs
    loose: bool = False
    weight_kg: Decimal | None = None  # of one group unit, for shipping split by weight

    @property
    def sold_loose(self) -> bool:
        return self.loose and is_physical(self.group_unit)


@dataclass(frozen=True)
class Shipping:
    fee: Decimal = ZERO
    split: str = "value"
    free_from: Decimal | None = None  # R-SHIP-THRESHOLD: free when the goods reach it


@dataclass(frozen=True)
class Supplier:
    name: str
    shipping: Shipping = field(default_factory=Shipping)
    min_order_value: Decimal | None = None


@dataclass(frozen=True)
class Cycle:
    close_at: dt.datetime
    delivery_date: dt.date
    policy: str = "fcfs"
    id: str | None = None
    opens_at: dt.datetime | None = None


@dataclass(frozen=True)
class Request:
    """A space's need as the hub saw it at ``submitted_at``: each later value of the same
    need (same member, product and ``need``) is another Request (R-HISTORY). ``need``
    tells apart two needs a member publishes for one product (they add up)."""

    member: str
    sku: str
    quantity: Decimal
    unit: str
    submitted_at: dt.datetime
    tolerance: Decimal = ZERO
    need_by: dt.date | None = None
    need: str | None = None


@dataclass(frozen=True)
class Delivered:
    """R-REDIST: the supplier delivered ``units`` group units of the product."""

    sku: str
    units: Decimal


@dataclass(frozen=True)
class Withdrawn:
    """R-WITHDRAW: a member withdrew from the product after the round closed."""

    sku: str
    member: str


# --- What comes out ----------------------------------------------------------------------------


@dataclass
class Row:
    """A step of a member's need, in group units: what it added, and when."""

    member: str
    quantity: Decimal
    tolerance: Decimal
    at: dt.datetime


@dataclass
class Rejected:
    member: str
    sku: str
    reason: str  # unit_incompatible, unknown_product, submitted_after_close, needed_before_delivery
    detail: str = ""


@dataclass
class Pooled:
    """One product of the round."""

    item: Item
    queue: list[Row]
    total_quantity: Decimal
    total_tolerance: Decimal
    packs: Decimal
    units: Decimal
    pack_price: Decimal
    tier_min_packs: int | None
    allocations: dict[str, Decimal]
    allocations_at_close: dict[str, Decimal] | None = None
    delivered: Decimal | None = None
    withdrawn: list[str] = field(default_factory=list)
    left_with_withdrawn: dict[str, Decimal] = field(default_factory=dict)
    unallocated: Decimal = ZERO

    @property
    def unit_price(self) -> Decimal:
        return self.pack_price / self.item.pack_size

    @property
    def line_total(self) -> Decimal:
        return to_cents(self.packs * self.pack_price)

    @property
    def charged_units(self) -> Decimal:
        """The units whose value is shared out: those delivered, else those ordered."""
        return self.delivered if self.delivered is not None else self.units

    def missing(self, member: str) -> Decimal:
        asked = sum((r.quantity for r in self.queue if r.member == member), ZERO)
        return max(asked - self.allocations.get(member, ZERO), ZERO)


@dataclass
class Charge:
    goods: Decimal = ZERO
    shipping: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping


@dataclass
class Round:
    status: str  # send, held_below_minimum (R-MOV), nothing_to_order
    items: list[Pooled]
    goods_total: Decimal  # of the lines sent (0 when held)
    shipping_fee: Decimal
    members: dict[str, Charge]
    rejected: list[Rejected]
    unallocated_value: dict[str, Decimal]  # per sku, in cents: what nobody pays (hub stock)

    @property
    def lines(self) -> list[Pooled]:
        return [p for p in self.items if p.packs > 0] if self.status == "send" else []

    def savings(self, member: str) -> Decimal:
        """What a member saves against buying its goods alone (R-TIER): the same goods at
        the pack price it would reach on its own, whole packs of what it asked."""
        saved = ZERO
        for p in self.items:
            got = p.allocations.get(member, ZERO)
            if got <= 0:
                continue
            alone = packs_for(p.item, got, ZERO)
            alone_price, _ = tier_price(p.item, alone)
            saved += got * (alone_price - p.pack_price) / p.item.pack_size
        return to_cents(saved)


# --- The rules ---------------------------------------------------------------------------------


def normalise(request: Request, item: Item) -> tuple[Decimal, Decimal]:
    """R-NORM: the request's quantity and tolerance in the item's group unit."""
    ratio = factor(request.unit, item.group_unit, item.pack_unit, item.pack_size)
    return request.quantity * ratio, request.tolerance * ratio


def ineligible(request: Request, cycle: Cycle) -> str | None:
    """R-ELIG: why a request takes no part in the round, or None."""
    if request.submitted_at > cycle.close_at:
        return "submitted_after_close"
    if request.need_by is not None and request.need_by < cycle.delivery_date:
        return "needed_before_delivery"
    return None


def history(steps: list[tuple[dt.datetime, Decimal, Decimal]], member: str) -> list[Row]:
    """R-HISTORY: a member's successive values of one need (time, quantity, tolerance)
    as rows. A raise appends a row of the increase, stamped when it was seen; a cut is
    taken off the newest rows first. Quantity and tolerance are followed separately."""
    rows: list[Row] = []
    quantity = tolerance = ZERO
    for at, new_quantity, new_tolerance in sorted(steps, key=lambda s: s[0]):
        up_q, up_t = new_quantity - quantity, new_tolerance - tolerance
        if up_q > 0 or up_t > 0:
            rows.append(Row(member, max(up_q, ZERO), max(up_t, ZERO), at))
        for attr, cut in (("quantity", -up_q), ("tolerance", -up_t)):
            for row in reversed(rows):
                if cut <= 0:
                    break
                taken = min(getattr(row, attr), cut)
                setattr(row, attr, getattr(row, attr) - taken)
                cut -= taken
        rows = [r for r in rows if r.quantity > 0 or r.tolerance > 0]
        quantity, tolerance = new_quantity, new_tolerance
    return rows


def packs_for(item: Item, quantity: Decimal, tolerance: Decimal) -> Decimal:
    """R-PACKS, R-MOQ and R-LOOSE: how many packs to order for these totals."""
    if item.sold_loose:
        return quantity / item.pack_size
    size = item.pack_size
    if item.min_packs:
        least = item.min_packs * size
        if quantity + tolerance < least:
            return ZERO
        if 0 < quantity < least <= quantity + tolerance:
            return Decimal(item.min_packs)
    whole, rest = divmod(quantity, size)
    return whole + (1 if rest > 0 and rest + tolerance >= size else 0)


def tier_price(item: Item, packs: Decimal) -> tuple[Decimal, int | None]:
    """R-TIER: the pack price of the highest tier these packs reach, for every unit."""
    reached = [t for t in item.tiers if t.min_packs <= packs]
    if not reached:
        return item.pack_price, None
    best = max(reached, key=lambda t: t.min_packs)
    return best.pack_price, best.min_packs


def allocate(rows: list[Row], total: Decimal, policy: str = "fcfs") -> dict[str, Decimal]:
    """R-ALLOC: ``total`` group units handed out to the rows (already in queue order):
    real quantities first, tolerance only once every real quantity is served."""
    given: dict[str, Decimal] = {}
    left = total
    for attr in ("quantity", "tolerance"):
        if left <= 0:
            break
        claims = [(r.member, getattr(r, attr)) for r in rows if getattr(r, attr) > 0]
        if policy == "proportional":
            shares = _proportional(claims, left)
        else:  # first come, first served
            shares, room = [], left
            for member, want in claims:
                share = min(want, room)
                shares.append((member, share))
                room -= share
        for member, share in shares:
            if share > 0:
                given[member] = given.get(member, ZERO) + share
                left -= share
    return given


def _proportional(claims: list[tuple[str, Decimal]], amount: Decimal) -> list[tuple[str, Decimal]]:
    """Fair shares of ``amount`` among claims in queue order, each capped at its claim,
    in whole units when every claim is whole; units left by rounding down go to the
    largest remainders, the earlier claim first."""
    want = sum((w for _, w in claims), ZERO)
    if amount >= want:
        return list(claims)
    step = Decimal(1) if all(w == w.to_integral_value() for _, w in claims) else Decimal("0.001")
    exact = [amount * w / want for _, w in claims]
    shares = [(e / step).to_integral_value(ROUND_FLOOR) * step for e in exact]
    spare = int(((amount - sum(shares)) / step).to_integral_value(ROUND_FLOOR))
    order = sorted(range(len(claims)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:spare]:
        shares[i] += step
    return [(member, min(share, w)) for (member, w), share in zip(claims, shares)]


def largest_remainder(total_cents: int, weights: list[tuple[str, Decimal]]) -> dict[str, int]:
    """``total_cents`` split in proportion to the weights (given in priority order): each
    gets the floor of its share, and the cents left go one each to the largest
    remainders, ties to the earlier in the list (R-MONEY, R-SHIP-*)."""
    whole = sum((w for _, w in weights), ZERO)
    if whole <= 0 or not weights:
        return {key: 0 for key, _ in weights}
    exact = [total_cents * w / whole for _, w in weights]
    cents = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - cents[i]), i))
    for i in order[: total_cents - sum(cents)]:
        cents[i] += 1
    return {key: c for (key, _), c in zip(weights, cents)}


def boxfill(pack_size: Decimal, before: tuple[Decimal, Decimal], after: tuple[Decimal, Decimal]) -> bool:
    """R-BOXFILL: whether a change (quantity, tolerance) is accepted in the box-fill phase:
    nothing but tolerance raised, or fewer units missing with no pack lost, or quantity
    moved from tolerance."""
    dq, dt_ = after[0] - before[0], after[1] - before[1]
    if dq == 0 and dt_ >= 0:
        return True
    if missing_units(pack_size, *after) < missing_units(pack_size, *before) and dt_ >= 0:
        item = Item("", "", "", pack_size, ZERO)
        if packs_for(item, *after) >= packs_for(item, *before):
            return True
    return dq > 0 and dq == -dt_


def missing_units(pack_size: Decimal, quantity: Decimal, tolerance: Decimal) -> Decimal:
    """How many more units would complete the pack the quantity started."""
    rest = quantity % pack_size
    return max(pack_size - rest - tolerance, ZERO) if rest > 0 else ZERO


# --- The round ---------------------------------------------------------------------------------


def pool(cycle: Cycle, supplier: Supplier, items: list[Item], requests: list[Request],
         events: list[Delivered | Withdrawn] = ()) -> Round:
    """Every rule in order: eligibility and units, history and queue, packs, tiers,
    allocation, the supplier's minimum, post-close events, then money."""
    by_sku = {item.sku: item for item in items}
    if supplier.shipping.split == "weight":
        for item in items:
            _weight(item)  # every product needs a weight before anything is computed
    rejected: list[Rejected] = []
    # sku -> (member, need) -> its values
    steps: dict[str, dict[tuple[str, str | None], list[tuple[dt.datetime, Decimal, Decimal]]]] = {}
    for request in requests:
        item = by_sku.get(request.sku)
        if item is None:
            rejected.append(Rejected(request.member, request.sku, "unknown_product"))
            continue
        reason = ineligible(request, cycle)
        if reason:
            rejected.append(Rejected(request.member, request.sku, reason))
            continue
        try:
            quantity, tolerance = normalise(request, item)
        except UnitMismatch as e:
            rejected.append(Rejected(request.member, request.sku, "unit_incompatible", str(e)))
            continue
        if item.sold_loose:
            tolerance = ZERO  # R-LOOSE: ordered exactly, tolerance ignored
        steps.setdefault(request.sku, {}).setdefault((request.member, request.need), []).append(
            (request.submitted_at, quantity, tolerance))

    pooled = []
    for item in items:
        rows = [row for (member, _), s in steps.get(item.sku, {}).items() for row in history(s, member)]
        rows.sort(key=lambda r: (r.at, r.member))  # R-TIE
        quantity = sum((r.quantity for r in rows), ZERO)
        tolerance = sum((r.tolerance for r in rows), ZERO)
        packs = packs_for(item, quantity, tolerance)
        price, tier = tier_price(item, packs)
        units = packs * item.pack_size
        given = allocate(rows, units, cycle.policy)
        pooled.append(Pooled(item, rows, quantity, tolerance, packs, units, price, tier, given,
                             unallocated=units - sum(given.values(), ZERO)))

    goods = sum((p.line_total for p in pooled), ZERO)
    if not any(p.packs > 0 for p in pooled):
        status = "nothing_to_order"
    elif supplier.min_order_value is not None and goods < supplier.min_order_value:
        status = "held_below_minimum"  # R-MOV: not sent, nobody charged
    else:
        status = "send"
    if status != "send":
        return Round(status, pooled, ZERO, ZERO, {}, rejected, {})

    for event in events:
        _apply(next(p for p in pooled if p.item.sku == event.sku), event, cycle.policy)
    members, unallocated_value = _charges(pooled, _priority(pooled))
    fee = supplier.shipping.fee
    if supplier.shipping.free_from is not None and goods >= supplier.shipping.free_from:
        fee = ZERO
    _share_shipping(members, pooled, fee, supplier.shipping.split)
    return Round("send", pooled, goods, fee, members, rejected, unallocated_value)


def _apply(p: Pooled, event: Delivered | Withdrawn, policy: str) -> None:
    """R-REDIST and R-WITHDRAW on one product, after close."""
    if p.allocations_at_close is None:
        p.allocations_at_close = dict(p.allocations)
    if isinstance(event, Withdrawn):
        p.withdrawn.append(event.member)
        rows = [r for r in p.queue if r.member not in p.withdrawn]
        available = p.charged_units
    else:
        rows = [r for r in p.queue if r.member not in p.withdrawn]
        p.delivered = available = event.units
    wanted = sum((r.quantity + r.tolerance for r in rows), ZERO)
    for_members = min(available, wanted)
    p.allocations = allocate(rows, for_members, policy)
    rest = available - for_members
    p.left_with_withdrawn = {}
    if rest > 0 and p.withdrawn:  # what others cannot absorb stays with who withdrew
        for member in p.withdrawn:
            had = (p.allocations_at_close or {}).get(member, ZERO)
            kept = min(had, rest)
            if kept > 0:
                p.left_with_withdrawn[member] = kept
                p.allocations[member] = kept
                rest -= kept
    p.unallocated = rest


def _priority(pooled: list[Pooled]) -> list[str]:
    """Members by their earliest request in the round, then slug: who wins equal remainders."""
    first: dict[str, dt.datetime] = {}
    for p in pooled:
        for row in p.queue:
            if row.member not in first or row.at < first[row.member]:
                first[row.member] = row.at
    return sorted(first, key=lambda m: (first[m], m))


def _charges(pooled: list[Pooled], priority: list[str]) -> tuple[dict[str, Charge], dict[str, Decimal]]:
    """R-MONEY: each product's value shared out to the cent by largest remainder, among
    the members in queue order and, last, the hub for what nobody took."""
    members: dict[str, Charge] = {m: Charge() for m in priority}
    unallocated_value: dict[str, Decimal] = {}
    for p in pooled:
        if p.charged_units <= 0:
            continue
        value = p.line_total if p.delivered is None else to_cents(p.charged_units * p.unit_price)
        in_queue = dict.fromkeys(r.member for r in p.queue)  # earliest request of this product first
        weights = [(m, p.allocations[m]) for m in in_queue if p.allocations.get(m, ZERO) > 0]
        if p.unallocated > 0:
            weights.append(("", p.unallocated))
        cents = largest_remainder(int(value / CENT), weights)
        for member, c in cents.items():
            if member:
                members[member].goods += Decimal(c) * CENT
        unallocated_value[p.item.sku] = Decimal(cents.get("", 0)) * CENT
    return {m: c for m, c in members.items() if c.goods > 0}, unallocated_value


def _share_shipping(members: dict[str, Charge], pooled: list[Pooled], fee: Decimal, split: str) -> None:
    """R-SHIP-VALUE, R-SHIP-EQUAL, R-SHIP-WEIGHT among the members that receive goods."""
    if fee <= 0 or not members:
        return
    if split == "equal":
        weights = [(m, Decimal(1)) for m in members]
    elif split == "weight":
        weights = [(m, sum((p.allocations.get(m, ZERO) * _weight(p.item) for p in pooled), ZERO)) for m in members]
    else:
        weights = [(m, c.goods) for m, c in members.items()]
    for member, cents in largest_remainder(int(fee / CENT), weights).items():
        members[member].shipping = Decimal(cents) * CENT


def _weight(item: Item) -> Decimal:
    if item.weight_kg is not None:
        return item.weight_kg
    per_unit = kilograms(item.group_unit)
    if per_unit is None:
        raise RoundError(f"{item.sku}: shipping is split by weight but the product has no weight_kg")
    return per_unit
