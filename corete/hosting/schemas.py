"""The operators' forms: the space's profile, an event (recurring or not), a skill, a need.

The same schemas read the editor's forms and the API's JSON bodies. They check what a
person can get wrong, with messages in their language; services.py turns the result
into the feed item the hub publishes, and the feed parser checks that item again.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from corete.core import edge
from corete.core.api import DecimalInput
from corete.core.forms import (
    NUMBER, REQUIRED, CommaList, Editor as _Editor, Form, blank_to_none, check_position, latitude, longitude,
    text as _text, url as _url,
)
from corete.federation.schemas import NEED_KINDS, UNITS

REPEATS = ("daily", "weekly", "monthly", "monthly_weekday")
DATE = {"invalid": _l("Not a date: use the date picker or YYYY-MM-DD.")}
TIME = {"invalid": _l("Not a time: use HH:MM.")}


class EventIn(_Editor):
    DECIMALS = ("lat", "lon")

    title = _text(300, required=True, error_messages=REQUIRED)
    date = edge.Date(required=True, error_messages={**REQUIRED, **DATE})
    start_time = fields.Time(error_messages=TIME)
    end_time = fields.Time(error_messages=TIME)
    end_date = edge.Date(error_messages=DATE)
    repeat = fields.String(validate=validate.OneOf(REPEATS, error=_l("Choose how the event repeats.")))
    repeat_count = fields.Integer(validate=validate.Range(1, 500, error=_l("Between 1 and 500 times.")),
                                  error_messages=NUMBER)
    repeat_until = edge.Date(error_messages=DATE)
    status = fields.String(load_default="confirmed",
                           validate=validate.OneOf(("confirmed", "cancelled"), error=_l("Confirmed or cancelled.")))
    description = _text(5000)
    location_name = _text(300)
    address = _text(300)
    city = _text(120)
    lat = latitude()
    lon = longitude()
    online_url = _text(2000, validate_also=_url)
    url = _text(2000, validate_also=_url)
    price = _text(20)
    tags = CommaList(20, 60)

    @validates_schema
    def _rules(self, data, **kwargs):
        start, end = data.get("date"), data.get("end_date") or data.get("date")
        if data.get("end_date") and start and data["end_date"] < start:
            raise ValidationError(_l("The event cannot end before it starts."), "end_date")
        if data.get("end_time") and not data.get("start_time"):
            raise ValidationError(_l("Give the start time too, or neither (a whole-day event)."), "start_time")
        if (data.get("start_time") and data.get("end_time") and start == end
                and data["end_time"] <= data["start_time"]):
            raise ValidationError(_l("The event cannot end before it starts."), "end_time")
        if data.get("repeat") and data.get("repeat_count") and data.get("repeat_until"):
            raise ValidationError(_l("Say how many times or until when, not both."), "repeat_until")
        if data.get("repeat") and not (data.get("repeat_count") or data.get("repeat_until")):
            raise ValidationError(_l("Say how many times it repeats, or until when."), "repeat_count")
        if data.get("repeat_until") and start and data["repeat_until"] < start:
            raise ValidationError(_l("The last repetition cannot come before the first."), "repeat_until")
        check_position(data)

    @post_load
    def _price(self, data, **kwargs):
        text = (data.get("price") or "").strip().lower()
        if not text:
            data["price"] = None
        elif text in ("0", "0.00", "free", "gratis", "gratuito", "libero"):
            data["price"] = "free"
        else:
            try:
                amount = Decimal(text.replace("€", "").replace("eur", "").strip())
            except InvalidOperation:
                raise ValidationError(_l("A price in euros (12,50), or 'gratis'."), "price") from None
            if amount < 0 or amount > 10**6:
                raise ValidationError(_l("A price in euros (12,50), or 'gratis'."), "price")
            data["price"] = {"amount": float(amount), "currency": "EUR"}
        return data


class SkillIn(_Editor):
    skill = _text(200, required=True, error_messages=REQUIRED)
    holder_name = _text(200)
    holder_url = _text(2000, validate_also=_url)
    category = _text(120)
    contact = _text(300)
    languages = CommaList(20, 20)
    description = _text(5000)


class NeedIn(_Editor):
    DECIMALS = ("quantity", "tolerance")

    item = _text(300, required=True, error_messages=REQUIRED)
    kind = fields.String(load_default="goods", validate=validate.OneOf(NEED_KINDS, error=_l("Goods or a service.")))
    quantity = DecimalInput(allow_nan=False, places=None, error_messages=NUMBER,
                              validate=validate.Range(0, 10**9, min_inclusive=False, error=_l("More than zero.")))
    unit = fields.String(validate=validate.OneOf(UNITS, error=_l("Choose a unit.")))
    tolerance = DecimalInput(allow_nan=False, error_messages=NUMBER,
                               validate=validate.Range(0, 10**9, error=_l("Zero or more.")))
    need_by = edge.Date(error_messages=DATE)
    category = _text(120)
    sku = _text(100)
    description = _text(5000)

    @validates_schema
    def _rules(self, data, **kwargs):
        if data.get("kind", "goods") == "goods" and data.get("quantity") is not None and not data.get("unit"):
            raise ValidationError(_l("Say the unit of the quantity."), "unit")


FORMS = {"event": EventIn, "skill": SkillIn, "need": NeedIn}


class HostedItemOut(Schema):
    """An item of a hosted feed, as the editing API answers it."""

    id = fields.Integer()
    type = fields.String(metadata={"enum": list(FORMS)})
    uid = fields.String()
    updated_at = fields.String(metadata={"description": "RFC 3339"})
    item = fields.Dict(metadata={"description": "The JSON Feed item the hub publishes (docs/feed-format.md)."})


class HostedItemsOut(Schema):
    items = fields.List(fields.Nested(HostedItemOut))


class InviteIn(Form):
    """A coordinator invites an operator to an existing space, or to a new hosted one."""

    email = fields.String(required=True, validate=validate.Length(max=254), error_messages=REQUIRED)
    space = fields.String(validate=validate.Length(max=80))
    new_space = _text(200)
    city = _text(120)
    days = fields.Integer(validate=validate.Range(1, 30, error=_l("Between 1 and 30 days.")),
                          error_messages=NUMBER)

    @pre_load
    def _clean(self, data, **kwargs):
        return blank_to_none(dict(data))

    @validates_schema
    def _rules(self, data, **kwargs):
        if bool(data.get("space")) == bool(data.get("new_space")):
            raise ValidationError(_l("Choose an existing space or name a new one (one of the two)."), "space")
