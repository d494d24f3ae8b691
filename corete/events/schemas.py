from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from corete.core import edge
from corete.core.api import PageArgs, page_schema
from corete.events.services import WHEN


class EventListArgs(PageArgs):
    from_ = edge.DateTime(data_key="from", metadata={"description": "Start of the window (RFC 3339 or a date); default: now."})
    to = edge.DateTime(metadata={"description": "End of the window; default: 90 days after `from`, at most 400."})
    space = fields.String(validate=validate.Length(max=80), metadata={"description": "Space slug."})
    city = fields.String(validate=validate.Length(max=120))
    tag = fields.String(validate=validate.Length(max=60))
    category = fields.String(validate=validate.Length(max=40), metadata={
        "description": "A category's key (events with any of its tags; ignored with `tag`)."})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the title or description."})

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError("`to` must be after `from`", "to")


class LocationOut(Schema):
    name = fields.String()
    address = fields.String()
    city = fields.String()
    lat = fields.Float()
    lon = fields.Float()


class EventOut(Schema):
    id = fields.String(metadata={"description": "Event id, or event id and occurrence key for a recurring event."})
    uid = fields.String(metadata={"description": "The id the source gave (or the hub's stable fallback)."})
    space = fields.String(metadata={"description": "Slug of the hosting space."})
    title = fields.String()
    start = fields.String(metadata={"description": "RFC 3339 with the offset of `timezone`, or a date for all-day events."})
    end = fields.String(allow_none=True, metadata={"description": "Exclusive end date for all-day events."})
    all_day = fields.Boolean()
    timezone = fields.String(allow_none=True)
    status = fields.String()
    url = fields.String(allow_none=True)
    location = fields.Dict(allow_none=True)
    online_url = fields.String(allow_none=True)
    price = fields.Dict(allow_none=True)
    tags = fields.List(fields.String())
    description_html = fields.String(allow_none=True, metadata={"description": "Sanitised HTML."})
    recurrence_id = fields.String(allow_none=True)
    picture = fields.String(allow_none=True, metadata={
        "description": "The hub's own copy of the event's picture (JPEG, at most 1200 px), when it has one."})
    hosts = fields.List(fields.String(), metadata={"description": "Slugs of every space that publishes this event."})
    sources = fields.List(fields.Dict(), metadata={"description": "Every published copy: {space, uid, url}; the first leads."})
    merged_because = fields.List(fields.String(), metadata={
        "description": "Why copies were taken for one event: uid, url or title (with the same start)."})


EventPageOut = page_schema(EventOut, "EventPage")


class CalendarArgs(Schema):
    """The calendar pages' URL: view, anchor date and the same filters as the API."""

    class Meta:
        unknown = EXCLUDE

    view = fields.String(load_default="list", validate=validate.OneOf(("day", "list", "week", "month")))
    date = edge.Date(load_default=None)
    # A quick filter (today, this weekend, the next 7 days) counted from `date` or today:
    # the list of those days.
    when = fields.String(validate=validate.OneOf(WHEN))
    space = fields.String(validate=validate.Length(max=80))
    city = fields.String(validate=validate.Length(max=120))
    tag = fields.String(validate=validate.Length(max=60))
    category = fields.String(validate=validate.Length(max=40))
    q = fields.String(validate=validate.Length(max=200))
