"""Needs in the hosted editor: the operator's form and the feed item it becomes."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from corete.core import edge
from corete.core.api import DecimalInput
from corete.core.forms import DATE, NUMBER, REQUIRED, Editor, text
from corete.purchasing.writers import need_item

NEED_KINDS = ("goods", "service")
# The units a need is counted in, in the feed (core.templating names them).
UNITS = ("kg", "g", "l", "ml", "piece", "pack", "ream", "box", "hour", "day", "m", "m2", "sheet", "roll")


class NeedIn(Editor):
    DECIMALS = ("quantity", "tolerance")

    item = text(300, required=True, error_messages=REQUIRED)
    kind = fields.String(load_default="goods", validate=validate.OneOf(NEED_KINDS, error=_l("Goods or a service.")))
    quantity = DecimalInput(allow_nan=False, places=None, error_messages=NUMBER,
                            validate=validate.Range(0, 10**9, min_inclusive=False, error=_l("More than zero.")))
    unit = fields.String(validate=validate.OneOf(UNITS, error=_l("Choose a unit.")))
    tolerance = DecimalInput(allow_nan=False, error_messages=NUMBER,
                             validate=validate.Range(0, 10**9, error=_l("Zero or more.")))
    need_by = edge.Date(error_messages=DATE)
    category = text(120)
    sku = text(100)
    description = text(5000)

    @validates_schema
    def _rules(self, data, **kwargs):
        if data.get("kind", "goods") == "goods" and data.get("quantity") is not None and not data.get("unit"):
            raise ValidationError(_l("Say the unit of the quantity."), "unit")


def build(uid: str, form: dict, zone: str) -> dict:
    return need_item(uid, form["item"], kind=form.get("kind", "goods"), quantity=_number(form.get("quantity")),
                     unit=form.get("unit"), category=form.get("category"),
                     tolerance=_number(form.get("tolerance")) or 0, need_by=form.get("need_by"),
                     text=form.get("description") or "", sku=form.get("sku"))


def form_units(item: dict | None, now: dt.datetime) -> dict:
    """The form's choice of units, named in the operator's language."""
    from corete.core.templating import unit_name

    return {"units": [(u, unit_name(u, 1)) for u in UNITS]}


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
