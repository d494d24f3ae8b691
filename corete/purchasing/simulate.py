"""Scenarios in and out: the JSON that `corete purchasing simulate` reads (a scenario's
``inputs`` and optional ``events``) and the result it prints, in the shape of the
examples' ``expected``. The format is in docs/purchasing.md; the rules are pooling.py's.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

from corete.purchasing import pooling
from corete.purchasing.pooling import ZERO, to_cents


LARGEST = Decimal(10**9)  # quantities and prices; larger ones overflow money's 28 digits


class ScenarioError(ValueError):
    """A scenario the simulator cannot read; the message names the field."""


# --- the format: a JSON Schema (docs/purchasing-scenario.schema.json is a copy) -------------------

@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # only the simulator's untrusted input needs it

    schema = json.loads(resources.files("corete.purchasing").joinpath("data/scenario.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the scenario"


_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "a string", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "null"}


def _json_type(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), "a number")


def _explain(error) -> list[str]:
    """One line per problem, naming the path, in words a coordinator can act on."""
    where = _path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted((error.schema.get("properties") or {}).keys())
        lines = []
        for key in sorted(set(error.instance) - set(known)):
            near = difflib.get_close_matches(key, known, n=1, cutoff=0.5) or difflib.get_close_matches(
                key.replace("_", ""), [k.replace("_", "") for k in known], n=1, cutoff=0.5)
            near = [k for k in known if k.replace("_", "") == near[0]] if near and near[0] not in known else near
            hint = f"; did you mean {near[0]}?" if near else f" (known keys: {', '.join(known)})"
            lines.append(f"{_path([*error.absolute_path, key])}: unknown key{hint}")
        return lines
    if error.validator == "required":
        return [f"{where}: {error.message.split(' ')[0].strip(chr(39))} is missing"]
    if error.validator == "type":
        wanted = [error.validator_value] if isinstance(error.validator_value, str) else error.validator_value
        return [f"{where}: expected {' or '.join(_TYPE_WORDS[t] for t in wanted)}, found {_json_type(error.instance)}"]
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        return [f"{where}: {error.instance!r} is not one of {', '.join(map(str, allowed))}"]
    if error.validator == "pattern":
        return [f"{where}: {error.instance!r} is not {error.schema.get('description', 'in the expected form').rstrip('.').lower()}"]
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return _explain(deepest)
    return [f"{where}: {error.message}"]


def check(scenario) -> None:
    """Refuse a scenario that does not follow the format, naming each problem (at most 20)."""
    errors = sorted(_validator().iter_errors(scenario), key=lambda e: [str(p) for p in e.absolute_path])
    lines = [line for error in errors for line in _explain(error)]
    if lines:
        raise ScenarioError("\n".join(dict.fromkeys(lines[:20])))


def _first(data: dict, *keys, default=None):
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return default


def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as e:
        raise ScenarioError(f"{where}: {value!r} is not a number") from e
    if not number.is_finite():
        raise ScenarioError(f"{where}: {value!r} is not a number")
    if abs(number) > LARGEST:
        raise ScenarioError(f"{where}: {value!r} is more than a billion")
    return number


def _instant(value, where: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError as e:
        raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 date and time") from e
    if moment.tzinfo is None:
        raise ScenarioError(f"{where}: {value!r} has no UTC offset")
    return moment


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as e:
        raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 date") from e


def _item(data: dict, n: int) -> pooling.Item:
    where = f"items[{n}]"
    pack = data.get("pack") or {}
    tiers = tuple(pooling.Tier(int(t["min_packs"]), _decimal(t["pack_price"], f"{where}.tiers"))
                  for t in data.get("tiers") or ())
    min_packs = _first(data, "min_packs", "moq", "moq_packs", "minimum_order_quantity", "min_order_quantity")
    if isinstance(min_packs, dict):
        min_packs = min_packs.get("packs")
    weight = _first(data, "weight_kg", "unit_weight_kg")
    try:
        return pooling.Item(
            sku=str(data["sku"]), name=str(data.get("name") or data["sku"]), group_unit=str(data["group_unit"]),
            pack_size=_decimal(pack.get("size", 1), f"{where}.pack.size"), pack_unit=pack.get("unit"),
            pack_price=_decimal(_first(data, "pack_price", "price"), f"{where}.pack_price"), tiers=tiers,
            min_packs=int(min_packs) if min_packs is not None else None,
            loose=bool(_first(data, "loose", "sold_loose", default=not data.get("pack"))),
            weight_kg=_decimal(weight, f"{where}.weight_kg") if weight is not None else None)
    except KeyError as e:
        raise ScenarioError(f"{where}: {e.args[0]} is missing") from e


def _request(data: dict, n: int) -> pooling.Request:
    where = f"requests[{n}]"
    try:
        return pooling.Request(
            member=str(data["member"]), sku=str(data["sku"]), quantity=_decimal(data["quantity"], where),
            unit=str(data["unit"]), submitted_at=_instant(data["submitted_at"], f"{where}.submitted_at"),
            tolerance=_decimal(data.get("tolerance") or 0, where),
            need_by=_date(data["need_by"], f"{where}.need_by") if data.get("need_by") else None,
            need=str(data["need"]) if data.get("need") is not None else None)
    except KeyError as e:
        raise ScenarioError(f"{where}: {e.args[0]} is missing") from e


def _events(value) -> list[dict]:
    """Events as a list, also from the form the pooling rules use: an object keyed by
    product code, each value one event or a list of them."""
    if isinstance(value, dict):
        return [{**event, "sku": sku} for sku, events in value.items()
                for event in (events if isinstance(events, list) else [events])]
    return list(value or ())


def _event(data: dict, n: int) -> pooling.Delivered | pooling.Withdrawn:
    kind = _first(data, "type", "event", "kind")
    if kind is None and data.get("withdraw_after_close") is not None:
        return pooling.Withdrawn(str(data["sku"]), str(data["withdraw_after_close"]))
    if kind is None and data.get("delivered") is not None:
        kind = "delivered"
    if kind == "delivered":
        units = _first(data, "units", "delivered", "quantity")
        return pooling.Delivered(str(data["sku"]), _decimal(units, f"events[{n}].units"))
    if kind in ("withdraw_after_close", "withdrawn", "withdraw"):
        return pooling.Withdrawn(str(data["sku"]), str(data["member"]))
    raise ScenarioError(f"events[{n}]: unknown event {kind!r} (delivered or withdraw_after_close)")


def read(scenario: dict):
    """(cycle, supplier, items, requests, events) from a scenario's inputs."""
    inputs = scenario.get("inputs")
    if not isinstance(inputs, dict):
        raise ScenarioError("inputs is missing")
    try:
        cycle_data, supplier_data = inputs["order_cycle"], inputs["supplier"]
    except KeyError as e:
        raise ScenarioError(f"inputs.{e.args[0]} is missing") from e
    policy = _first(cycle_data, "allocation", "allocation_policy", "policy", default="fcfs")
    if policy not in pooling.POLICIES:
        raise ScenarioError(f"order_cycle.allocation: {policy!r} is not one of {', '.join(pooling.POLICIES)}")
    cycle = pooling.Cycle(
        close_at=_instant(cycle_data.get("close_at"), "order_cycle.close_at"),
        delivery_date=_date(cycle_data.get("delivery_date"), "order_cycle.delivery_date"), policy=policy,
        id=cycle_data.get("id"))
    shipping_data = supplier_data.get("shipping") or {}
    split = shipping_data.get("split", "value")
    if split not in pooling.SPLITS:
        raise ScenarioError(f"supplier.shipping.split: {split!r} is not one of {', '.join(pooling.SPLITS)}")
    free_from = _first(shipping_data, "free_from", "free_shipping_threshold", "free_threshold", "free_over")
    minimum = supplier_data.get("min_order_value")
    supplier = pooling.Supplier(
        name=str(supplier_data.get("name", "")),
        shipping=pooling.Shipping(fee=_decimal(shipping_data.get("fee", 0), "supplier.shipping.fee"), split=split,
                                  free_from=_decimal(free_from, "supplier.shipping.free_from")
                                  if free_from is not None else None),
        min_order_value=_decimal(minimum, "supplier.min_order_value") if minimum is not None else None)
    items = [_item(d, n) for n, d in enumerate(inputs.get("items") or ())]
    requests = [_request(d, n) for n, d in enumerate(inputs.get("requests") or ())]
    events = [_event(d, n) for n, d in enumerate(_events(scenario.get("events") or inputs.get("events")))]
    skus = {i.sku for i in items}
    for event in events:
        if event.sku not in skus:
            raise ScenarioError(f"events: unknown sku {event.sku!r}")
    return cycle, supplier, items, requests, events


def number(value: Decimal) -> int | float:
    """A quantity as JSON: whole numbers as integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> str:
    return str(to_cents(value))


def _amounts(amounts: dict[str, Decimal]) -> dict:
    return {member: number(q) for member, q in amounts.items() if q > 0}


def _pooled(p: pooling.Pooled, unallocated_value: Decimal) -> dict:
    out = {
        "sku": p.item.sku,
        "queue": [{"member": r.member, "quantity": number(r.quantity), "tolerance": number(r.tolerance),
                   "at": r.at.isoformat()} for r in p.queue],
        "total_quantity": number(p.total_quantity),
        "total_tolerance": number(p.total_tolerance),
        "packs_ordered": number(p.packs),
        "units_ordered": number(p.units),
        "pack_price_applied": money(p.pack_price),
        "unit_price": str(p.unit_price.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "tier_min_packs_applied": p.tier_min_packs,
    }
    if p.allocations_at_close is not None:
        out["allocations_at_close"] = _amounts(p.allocations_at_close)
    if p.delivered is not None:
        out["units_delivered"] = number(p.delivered)
    if p.withdrawn:
        out["withdrawn"] = list(p.withdrawn)
        out["left_with_withdrawn"] = _amounts(p.left_with_withdrawn)
    out["allocations"] = _amounts(p.allocations)
    out["unallocated_units"] = number(p.unallocated)
    out["unallocated_value"] = money(unallocated_value)
    return out


def result(round_: pooling.Round) -> dict:
    """The round in the shape of the examples' ``expected``."""
    out = {
        "supplier_order": {
            "status": round_.status,
            "lines": [{"sku": p.item.sku, "packs": number(p.packs), "line_total": money(p.line_total)}
                      for p in round_.lines],
            "goods_total": money(round_.goods_total),
            "shipping_fee": money(round_.shipping_fee),
        },
        "items": [_pooled(p, round_.unallocated_value.get(p.item.sku, ZERO)) for p in round_.items],
        "members": {m: {"goods": money(c.goods), "shipping": money(c.shipping), "total": money(c.total)}
                    for m, c in round_.members.items()},
    }
    if round_.rejected:
        out["rejected_requests"] = [{"member": r.member, "sku": r.sku, "reason": r.reason} for r in round_.rejected]
    return out


def boxfill(scenario: dict) -> dict:
    """R-BOXFILL: each change of the scenario, accepted or not, and the units then missing."""
    inputs = scenario.get("inputs") or {}
    size = _decimal(inputs.get("pack_size"), "inputs.pack_size")
    if size <= 0:
        raise ScenarioError("inputs.pack_size must be more than 0")
    changes = []
    for n, change in enumerate(inputs.get("changes") or ()):
        try:
            before = tuple(_decimal(v, f"changes[{n}].before") for v in change["before"])
            after = tuple(_decimal(v, f"changes[{n}].after") for v in change["after"])
        except (KeyError, TypeError) as e:
            raise ScenarioError(f"changes[{n}]: before and after are [quantity, tolerance]") from e
        if len(before) != 2 or len(after) != 2:
            raise ScenarioError(f"changes[{n}]: before and after are [quantity, tolerance]")
        accepted = pooling.boxfill(size, before, after)
        state = after if accepted else before
        changes.append({**{k: change[k] for k in ("name",) if k in change}, "before": change["before"],
                        "after": change["after"], "accepted": accepted,
                        "missing_units_after": number(pooling.missing_units(size, *state))})
    return {"changes": changes}


def simulate(scenario: dict) -> dict:
    """What `corete purchasing simulate` prints for a scenario."""
    if not isinstance(scenario, dict):
        raise ScenarioError("a scenario is a JSON object")
    check(scenario)
    if scenario.get("kind") == "boxfill":
        return boxfill(scenario)
    try:
        return result(pooling.pool(*read(scenario)))
    except pooling.RoundError as e:
        raise ScenarioError(str(e)) from e
