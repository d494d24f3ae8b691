"""The need item type: what a space wants to buy, or a service it looks for
(corete.core.itemtypes). Goods go to pooled purchasing, services to the skills' matching."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from corete.core import itemtypes
from corete.core.feedschema import Lenient, MoneySchema, money, text
from corete.core.handover import Envelope, Item
from corete.core.sanitize import clean_text
from corete.purchasing import hosted
from corete.purchasing.hosted import NEED_KINDS
from corete.purchasing.writers import need_item


@dataclass(slots=True)
class NeedData:
    item: str
    kind: str
    quantity: Decimal | None = None
    unit: str | None = None
    tolerance: Decimal = Decimal(0)
    category: str | None = None
    sku: str | None = None
    need_by: dt.date | None = None
    max_unit_price: dict[str, Any] | None = None
    description_html: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)


class NeedSchema(Lenient):
    type = fields.String()
    item = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(NEED_KINDS))
    category = text(120)
    sku = text(100)
    quantity = fields.Decimal(allow_nan=False, allow_none=True, validate=validate.Range(min=0, max=10**9, min_inclusive=False))
    unit = fields.String(allow_none=True, validate=validate.Length(max=20))
    tolerance = fields.Decimal(load_default=0, allow_nan=False, validate=validate.Range(min=0, max=10**9))
    need_by = fields.Date(allow_none=True)
    max_unit_price = fields.Nested(MoneySchema, allow_none=True)


def read(f: dict, env: Envelope) -> NeedData:
    price = f.get("max_unit_price")
    return NeedData(
        item=clean_text(f["item"], 300),
        kind=f["kind"],
        quantity=f.get("quantity"),
        unit=(clean_text(f.get("unit"), 20) or "").lower() or None,
        tolerance=f.get("tolerance") or Decimal(0),
        category=clean_text(f.get("category"), 120),
        sku=clean_text(f.get("sku"), 100),
        need_by=f.get("need_by"),
        max_unit_price=money(price),
        description_html=env.html,
        url=env.url,
        tags=env.tags,
    )


def preview(items: list[Item], now: dt.datetime) -> itemtypes.Preview:
    return itemtypes.Preview(_l("Needs"), [itemtypes.PreviewLine(i.data.item) for i in items])


itemtypes.register(itemtypes.ItemType(
    name="need",
    plural="needs",
    data=NeedData,
    schema=NeedSchema(),
    read=read,
    handler="corete.purchasing.services",
    write=need_item,
    identity=(None, None, "item"),
    order=30,
    preview=preview,
    fixes={
        "kind": _l('A need\'s "kind" is "goods" or "service".'),
        "quantity": _l("A number greater than zero, with a dot for decimals: 2.5."),
        "tolerance": _l("A number, zero or more, with a dot for decimals."),
        "need_by": _l("A date such as 2026-03-14."),
        "item": _l('Say what is needed in "item": "Caffè in grani", "Un videomaker per il barcamp".'),
    },
    editor=itemtypes.Editor(
        form=hosted.NeedIn,
        build=hosted.build,
        template="purchasing/hosted_form.html",
        line="purchasing/_hosted_line.html",
        heading=_l("Needs"),
        add=_l("Add a need"),
        context=hosted.form_units,
    ),
))
