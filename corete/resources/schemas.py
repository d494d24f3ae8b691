"""Resources' schemas: the search page's and the API's arguments, the API's answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from corete.core import edge
from corete.core.api import DecimalString, PageArgs, page_schema
from corete.core.forms import DATE, NUMBER, TIME, Editor, check
from corete.resources.writers import BOOKABLE_BY, RESOURCE_KINDS


class ResourceListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(RESOURCE_KINDS))
    city = fields.String(validate=validate.Length(max=120))
    capacity = fields.Integer(validate=validate.Range(1, 100_000), metadata={"description": "At least this many people."})
    space = fields.String(validate=validate.Length(max=80), metadata={"description": "Space slug."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the name or description."})
    bookable_by = fields.String(validate=validate.OneOf(BOOKABLE_BY), metadata={
        "description": "`anyone`: only what the public may book too."})
    from_ = edge.DateTime(data_key="from", metadata={"description": "With `to`: only resources free for the whole window (RFC 3339)."})
    to = edge.DateTime(metadata={"description": "The end of the window; at most 31 days after `from`."})

    @validates_schema
    def _window(self, data, **kwargs):
        if bool(data.get("from_")) != bool(data.get("to")):
            raise ValidationError("give both `from` and `to`, or neither", "to")
        if data.get("from_") and data["to"] <= data["from_"]:
            raise ValidationError("`to` must be after `from`", "to")
        if data.get("from_") and (data["to"] - data["from_"]).days > 31:
            raise ValidationError("a window of at most 31 days", "to")


class PriceOut(Schema):
    per = fields.String(metadata={"enum": ["hour", "day"]})
    member = DecimalString(allow_none=True, metadata={"description": "For members of the network's spaces."})
    public = DecimalString(allow_none=True)
    currency = fields.String()


class ResourceOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(RESOURCE_KINDS)})
    space = fields.String(metadata={"description": "Slug of the space that shares it."})
    space_name = fields.String()
    city = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    price = fields.Nested(PriceOut, allow_none=True)
    bookable_by = fields.String(metadata={"enum": list(BOOKABLE_BY)})
    opening_hours = fields.String(allow_none=True, metadata={"description": "OpenStreetMap syntax."})
    rules = fields.String(allow_none=True)
    description_html = fields.String(allow_none=True, metadata={"description": "Sanitised HTML."})
    picture = fields.String(allow_none=True, metadata={"description": "The hub's own copy of its picture."})
    url = fields.String(allow_none=True, metadata={"description": "Its page on the hub."})


ResourcePageOut = page_schema(ResourceOut, "ResourcePage")


class SearchIn(Editor):
    """The /resources page's filters, as people type them; the window in the network's zone."""

    kind = fields.String(validate=validate.OneOf(RESOURCE_KINDS, error=_l("Choose a kind.")))
    city = fields.String(validate=validate.Length(max=120))
    capacity = fields.Integer(validate=validate.Range(1, 100_000, error=_l("A whole number, 1 or more.")),
                              error_messages=NUMBER)
    q = fields.String(validate=validate.Length(max=200))
    space = fields.String(validate=validate.Length(max=80))
    anyone = fields.Boolean()
    date = edge.Date(error_messages=DATE)
    start_time = fields.Time(error_messages=TIME)
    end_time = fields.Time(error_messages=TIME)
    end_date = edge.Date(error_messages=DATE)

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("date") and not (data.get("start_time") and data.get("end_time")):
            raise ValidationError(_l("Say from what time to what time."), "start_time")
        if (data.get("start_time") or data.get("end_time")) and not data.get("date"):
            raise ValidationError(_l("Say on what day."), "date")
        end_date = data.get("end_date") or data.get("date")
        if data.get("date") and (end_date, data["end_time"]) <= (data["date"], data["start_time"]):
            raise ValidationError(_l("The end must come after the start."), "end_time")
        if data.get("date") and (end_date - data["date"]).days > 31:
            raise ValidationError(_l("At most 31 days at a time."), "end_date")


class BookingIn(Editor):
    """A booking request: the day and hours (in the resource's zone), who it is for."""

    date = edge.Date(required=True, error_messages={"required": _l("This field is required."), **DATE})
    start_time = fields.Time(required=True, error_messages={"required": _l("This field is required."), **TIME})
    end_time = fields.Time(required=True, error_messages={"required": _l("This field is required."), **TIME})
    end_date = edge.Date(error_messages=DATE)
    person_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                error_messages={"required": _l("This field is required.")})
    person_email = fields.String(validate=[validate.Length(max=254),
                                           lambda v: check(validate.Email(), v, _l("Not an e-mail address."))])
    space = fields.String(validate=validate.Length(max=80))
    people = fields.Integer(validate=validate.Range(1, 100_000, error=_l("A whole number, 1 or more.")),
                            error_messages=NUMBER)
    note = fields.String(validate=validate.Length(max=1000))

    @validates_schema
    def _order(self, data, **kwargs):
        if {"date", "start_time", "end_time"} <= data.keys():
            if ((data.get("end_date") or data["date"]), data["end_time"]) <= (data["date"], data["start_time"]):
                raise ValidationError(_l("The end must come after the start."), "end_time")


class ReasonIn(Editor):
    reason = fields.String(validate=validate.Length(max=500))


class BookingOut(Schema):
    id = fields.Integer()
    resource = fields.Integer(allow_none=True)
    state = fields.String()
    start = fields.String()
    end = fields.String()


class ConflictOut(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    next_free = fields.List(fields.Dict(), metadata={"description": "The next free slots as long as the one asked: {start, end}."})
