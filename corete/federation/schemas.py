"""Marshmallow schemas of the CoRete feed (JSON Feed 1.1 + `_corete`).

They check shapes and types and give errors by field; the parser turns the field
paths into JSON pointers. Meaning (dates, zones, rules) is checked in normalise.py.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

SPACE_KINDS = ("coworking", "fablab", "coliving", "incubator", "other")
EVENT_STATUSES = ("confirmed", "tentative", "cancelled")
NEED_KINDS = ("goods", "service")
UNITS = ("kg", "g", "l", "ml", "piece", "pack", "ream", "box", "hour", "day", "m", "m2", "sheet", "roll")


def _text(max_len: int, **kw):
    return fields.String(validate=validate.Length(max=max_len), allow_none=True, **kw)


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class MoneySchema(_Lenient):
    amount = fields.Decimal(required=True, allow_nan=False, validate=validate.Range(min=0, max=10**9))
    currency = fields.String(load_default="EUR", validate=validate.Regexp(r"^[A-Z]{3}$", error="a 3-letter ISO 4217 code such as EUR"))


class LocationSchema(_Lenient):
    name = _text(300)
    address = _text(300)
    city = _text(120)
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90), allow_none=True)
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180), allow_none=True)


class SpaceSchema(_Lenient):
    name = _text(200)
    kind = fields.String(validate=validate.OneOf(SPACE_KINDS), allow_none=True)
    address = _text(300)
    city = _text(120)
    postal_code = _text(20)
    country = fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$", error="a 2-letter country code such as IT"), allow_none=True)
    lat = fields.Float(allow_nan=False, validate=validate.Range(-90, 90), allow_none=True)
    lon = fields.Float(allow_nan=False, validate=validate.Range(-180, 180), allow_none=True)
    email = fields.Email(allow_none=True)
    phone = _text(50)
    website = _text(500)
    opening_hours = _text(300)
    description = _text(5000)
    tags = fields.List(fields.String(validate=validate.Length(max=60)), validate=validate.Length(max=50))


class CoreteTopSchema(_Lenient):
    version = fields.Integer(load_default=1, validate=validate.Equal(1, error="only version 1 exists"))
    space = fields.Nested(SpaceSchema, allow_none=True)


class EventSchema(_Lenient):
    type = fields.String()
    start = fields.String(required=True)
    end = fields.String(allow_none=True)
    all_day = fields.Boolean(allow_none=True)
    timezone = _text(64)
    status = fields.String(load_default="confirmed", validate=validate.OneOf(EVENT_STATUSES))
    rrule = _text(500)
    location = fields.Nested(LocationSchema, allow_none=True)
    online_url = _text(2000)
    price = fields.Raw(allow_none=True)
    # One date of a recurring event changed or cancelled: the id of the series' item and the
    # start of the occurrence this item stands for (iCalendar's UID and RECURRENCE-ID).
    series = _text(10_000)
    recurrence_id = _text(40)

    @validates("price")
    def _price(self, value, **kwargs):
        if value is None or value == "free":
            return
        if not isinstance(value, dict):
            raise ValidationError('"free" or an object {"amount": 5, "currency": "EUR"}')
        MoneySchema().load(value)


class HolderSchema(_Lenient):
    name = _text(200)
    url = _text(2000)


class SkillSchema(_Lenient):
    type = fields.String()
    skill = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = _text(120)
    holder = fields.Nested(HolderSchema, allow_none=True)
    contact = _text(300)
    languages = fields.List(fields.String(validate=validate.Length(max=20)), validate=validate.Length(max=20))


class NeedSchema(_Lenient):
    type = fields.String()
    item = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(NEED_KINDS))
    category = _text(120)
    sku = _text(100)
    quantity = fields.Decimal(allow_nan=False, allow_none=True, validate=validate.Range(min=0, max=10**9, min_inclusive=False))
    unit = fields.String(allow_none=True, validate=validate.Length(max=20))
    tolerance = fields.Decimal(load_default=0, allow_nan=False, validate=validate.Range(min=0, max=10**9))
    need_by = fields.Date(allow_none=True)
    max_unit_price = fields.Nested(MoneySchema, allow_none=True)


TYPE_SCHEMAS = {"event": EventSchema(), "skill": SkillSchema(), "need": NeedSchema()}
TOP_SCHEMA = CoreteTopSchema()
