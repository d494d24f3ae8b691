"""The building blocks of the feed's schemas (JSON Feed 1.1 + `_corete`), shared by the
federation's top-level schema and every item type's (docs/feed-format.md).

Schemas check shapes and types and give errors by field; the parser turns the field
paths into JSON pointers. Meaning (dates, zones, rules) is checked by each type's reader.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


def text(max_len: int, **kw):
    return fields.String(validate=validate.Length(max=max_len), allow_none=True, **kw)


class Lenient(Schema):
    """Fields the hub does not know are ignored: a feed may carry more than the hub reads."""

    class Meta:
        unknown = EXCLUDE


class MoneySchema(Lenient):
    amount = fields.Decimal(required=True, allow_nan=False, validate=validate.Range(min=0, max=10**9))
    currency = fields.String(load_default="EUR", validate=validate.Regexp(r"^[A-Z]{3}$", error="a 3-letter ISO 4217 code such as EUR"))


class LocationSchema(Lenient):
    name = text(300)
    address = text(300)
    city = text(120)
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90), allow_none=True)
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180), allow_none=True)


def money(value: dict | None) -> dict | None:
    """A checked MoneySchema value as the hand-over keeps it: the amount as text."""
    if not value:
        return None
    return {"amount": str(Decimal(str(value["amount"]))), "currency": value.get("currency") or "EUR"}


def check_money(value) -> None:
    """Raise the schema's ValidationError unless ``value`` is a money object."""
    if not isinstance(value, dict):
        raise ValidationError('an object {"amount": 5, "currency": "EUR"}')
    MoneySchema().load(value)
