"""The feed's own `_corete` object: the format's version and the space's profile. Each
item type's schema is its room's (corete.core.itemtypes); the blocks they share are in
corete.core.feedschema."""
from __future__ import annotations

from marshmallow import fields, validate

from corete.core.feedschema import Lenient as _Lenient, text as _text
from corete.core.vocabulary import SPACE_KINDS


class VisitorsSchema(_Lenient):
    welcome = fields.Boolean(load_default=False)
    days_per_year = fields.Integer(allow_none=True, validate=validate.Range(1, 366))
    notice_days = fields.Integer(allow_none=True, validate=validate.Range(0, 365))
    days = _text(100)


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
    visitors = fields.Nested(VisitorsSchema, allow_none=True)


class CoreteTopSchema(_Lenient):
    version = fields.Integer(load_default=1, validate=validate.Equal(1, error="only version 1 exists"))
    space = fields.Nested(SpaceSchema, allow_none=True)


TOP_SCHEMA = CoreteTopSchema()
