"""What purchasing accepts (the coordinator's forms, the API's filters) and what its API
returns. Shape and size only; the rules are in services.py and pooling.py."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from corete.core import edge
from corete.core.api import DecimalString, PageArgs, page_schema
from corete.core.forms import NUMBER, REQUIRED, Form, blank_to_none, decimal_commas
from corete.purchasing.models import POLICIES, REPEATS, SHIPPING_SPLITS


class NeedListArgs(PageArgs):
    space = fields.String(validate=validate.Length(max=80))
    category = fields.String(validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(("goods", "service")))


class NeedOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    uid = fields.String(attribute="source_id")
    space = fields.Function(lambda n: n.space.slug)
    item = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    quantity = DecimalString(allow_none=True)
    unit = fields.String(allow_none=True)
    tolerance = DecimalString()
    need_by = fields.Date(allow_none=True)
    max_unit_price = fields.Function(
        lambda n: {"amount": str(n.max_unit_price_amount), "currency": n.max_unit_price_currency}
        if n.max_unit_price_amount is not None else None
    )
    url = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    first_seen_at = fields.DateTime()
    # A coordinator's decision: {"status": "rejected", "reason": ...} or {"status": "linked", "product": sku}
    pooling = fields.Function(
        lambda n: None if n.decision is None else
        {"status": n.decision.status, "reason": n.decision.reason,
         "product": n.decision.product.sku if n.decision.product else None})


NeedPageOut = page_schema(NeedOut, "NeedPage")


# --- The coordinator's forms -------------------------------------------------------------------

_money = fields.Decimal(places=2, allow_nan=False, error_messages=NUMBER,
                        validate=validate.Range(min=0, max=10_000_000, error=_l("Between 0 and 10,000,000.")))
_amount = fields.Decimal(allow_nan=False, error_messages=NUMBER,
                         validate=validate.Range(min=0, min_inclusive=False, max=1_000_000,
                                                 error=_l("More than 0, at most 1,000,000.")))


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_length, error=_l("At most %(n)s characters.",
                                                                          n=max_length)), **kwargs)


class _Numbers(Form):
    """Decimal commas accepted in every number field."""

    NUMBERS: tuple[str, ...] = ()

    @pre_load
    def clean(self, data, **kwargs):
        return decimal_commas(blank_to_none(dict(data.items())), *self.NUMBERS)


class SupplierIn(_Numbers):
    NUMBERS = ("min_order_value", "shipping_fee", "free_shipping_from")

    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=2, max=200, error=_l("Between 2 and 200 characters.")))
    contact = _text(300)
    min_order_value = _money
    shipping_fee = fields.Decimal(places=2, allow_nan=False, load_default=0, error_messages=NUMBER,
                                  validate=validate.Range(min=0, max=100_000, error=_l("Between 0 and 100,000.")))
    free_shipping_from = _money
    shipping_split = fields.String(load_default="value", validate=validate.OneOf(
        SHIPPING_SPLITS, error=_l("Split shipping by value, weight or equally.")))


class ProductIn(_Numbers):
    NUMBERS = ("pack_size", "pack_price", "weight_kg")

    supplier_id = edge.Id(required=True, error_messages={**REQUIRED, **NUMBER})
    sku = fields.String(required=True, error_messages=REQUIRED,
                        validate=validate.Length(min=1, max=100, error=_l("Between 1 and 100 characters.")))
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=2, max=300, error=_l("Between 2 and 300 characters.")))
    category = _text(120)
    group_unit = fields.String(required=True, error_messages=REQUIRED,
                               validate=validate.Length(min=1, max=20, error=_l("Between 1 and 20 characters.")))
    pack_unit = _text(20)
    pack_size = fields.Decimal(required=True, allow_nan=False, error_messages={**REQUIRED, **NUMBER},
                               validate=validate.Range(min=0, min_inclusive=False, max=100_000,
                                                       error=_l("More than 0, at most 100,000.")))
    pack_price = fields.Decimal(places=2, required=True, allow_nan=False, error_messages={**REQUIRED, **NUMBER},
                                validate=validate.Range(min=0, max=1_000_000, error=_l("Between 0 and 1,000,000.")))
    # Price tiers as "packs = pack price", separated by ";" or new lines: "3 = 54,00; 10 = 51,00".
    tiers = fields.String(validate=validate.Length(max=500))
    min_packs = fields.Integer(error_messages=NUMBER,
                               validate=validate.Range(min=1, max=100_000, error=_l("1 pack or more.")))
    loose = fields.Boolean(load_default=False)
    weight_kg = fields.Decimal(allow_nan=False, error_messages=NUMBER,
                               validate=validate.Range(min=0, max=100_000, error=_l("Between 0 and 100,000.")))
    aliases = _text(1000)

    @post_load
    def parse_tiers(self, data, **kwargs):
        tiers = []
        for part in re.split(r"[;\n]+", data.get("tiers") or ""):
            if not part.strip():
                continue
            match = re.fullmatch(r"\s*(\d+)\s*=\s*(\d+(?:[.,]\d{1,2})?)\s*", part)
            if not match or int(match[1]) < 2:
                raise ValidationError(_l("Write each tier as packs = pack price, as in 3 = 54,00; 10 = 51,00 "
                                         "(from 2 packs)."), "tiers")
            tiers.append({"min_packs": int(match[1]), "pack_price": str(Decimal(match[2].replace(",", ".")))})
        if len({t["min_packs"] for t in tiers}) != len(tiers):
            raise ValidationError(_l("Two tiers start at the same number of packs."), "tiers")
        data["tiers"] = sorted(tiers, key=lambda t: t["min_packs"])
        return data


class RoundIn(Form):
    supplier_id = edge.Id(required=True, error_messages={**REQUIRED, **NUMBER})
    name = fields.String(required=True, error_messages=REQUIRED,
                         validate=validate.Length(min=2, max=120, error=_l("Between 2 and 120 characters.")))
    opens_at = edge.NaiveDateTime(required=True, error_messages={**REQUIRED, "invalid": _l("Not a date and time.")})
    closes_at = edge.NaiveDateTime(required=True,
                                     error_messages={**REQUIRED, "invalid": _l("Not a date and time.")})
    delivery_date = edge.Date(required=True, error_messages={**REQUIRED, "invalid": _l("Not a date.")})
    policy = fields.String(load_default="fcfs", validate=validate.OneOf(
        POLICIES, error=_l("First come, first served or proportional.")))
    repeat = fields.String(load_default=None, validate=validate.OneOf(
        REPEATS, error=_l("Every week, every month, or not at all.")))

    @pre_load
    def clean(self, data, **kwargs):
        return blank_to_none(dict(data.items()))


class DecisionIn(Form):
    need_id = edge.Id(required=True, error_messages={**REQUIRED, **NUMBER})
    product_id = edge.Id(error_messages=NUMBER)
    reason = _text(500)

    @pre_load
    def clean(self, data, **kwargs):
        return blank_to_none(dict(data.items()))


class StepIn(_Numbers):
    NUMBERS = ("units",)

    action = fields.String(required=True, validate=validate.OneOf(
        ("close", "order", "deliver", "withdraw", "settle", "cancel")))
    sku = _text(100)
    units = fields.Decimal(allow_nan=False, error_messages=NUMBER,
                           validate=validate.Range(min=0, max=1_000_000, error=_l("Between 0 and 1,000,000.")))
    member = _text(80)


# --- The API's answers -------------------------------------------------------------------------


class ProductOut(Schema):
    sku = fields.String()
    name = fields.String()
    category = fields.String(allow_none=True)
    group_unit = fields.String()
    pack_unit = fields.String(allow_none=True)
    pack_size = DecimalString()
    pack_price = DecimalString()
    tiers = fields.List(fields.Dict())
    min_packs = fields.Integer(allow_none=True)
    loose = fields.Boolean()
    aliases = fields.List(fields.String())


class SupplierOut(Schema):
    id = fields.Integer()
    name = fields.String()
    min_order_value = DecimalString(allow_none=True)
    shipping_fee = DecimalString()
    free_shipping_from = DecimalString(allow_none=True)
    shipping_split = fields.String()
    products = fields.Function(lambda s: ProductOut(many=True).dump([p for p in s.products if p.active]))


class RoundOut(Schema):
    id = fields.Integer()
    name = fields.String()
    supplier = fields.String()
    state = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    delivery_date = fields.Date()
    policy = fields.String()
    url = fields.String()
    # The pooling, in the shape `corete purchasing simulate` prints (docs/purchasing.md).
    result = fields.Dict(allow_none=True)
    savings = fields.Dict(keys=fields.String(), values=fields.String())

