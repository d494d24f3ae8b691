"""The editing API's answers and the coordinators' invitation form.

Each item type's form (events.hosted.EventIn, skills.hosted.SkillIn...) is its room's:
the same schema reads the editor's form and the API's JSON body, and the room turns the
result into the feed item the hub publishes; the feed parser checks that item again.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from corete.core.forms import NUMBER, REQUIRED, Form, blank_to_none, text as _text


class HostedItemOut(Schema):
    """An item of a hosted feed, as the editing API answers it."""

    id = fields.Integer()
    type = fields.String(metadata={"description": "The item's type: one the hosted editor offers (event, skill, need...)."})
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
