"""Calls' schemas: the page's and the API's arguments, the API's answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from corete.calls.services import STATES
from corete.calls.writers import AUDIENCES, CALL_KINDS
from corete.core import edge
from corete.core.api import DecimalString, PageArgs, page_schema
from corete.core.forms import DATE, Form, at_most
from corete.core.vocabulary import REGIONS, region_of


def _region(value):
    if region_of(value) is None:
        raise ValidationError(str(_l("Not an Italian region: %(names)s. Write them as Lombardia, Emilia-Romagna.",
                                     names=value[:80])))


class Filters(Schema):
    """The filters the page, the API and the subscribable exports share."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(validate=validate.OneOf(CALL_KINDS, error=_l("Choose a kind.")))
    region = fields.String(validate=[at_most(80), _region], metadata={
        "description": "Calls one may use in this region (ISTAT's name, e.g. Lombardia); those for the whole "
                       "country included."})
    audience = fields.String(validate=validate.OneOf(AUDIENCES, error=_l("Choose who it is for.")))
    q = fields.String(validate=at_most(200), metadata={"description": "Words in the call."})
    space = fields.String(validate=at_most(80), metadata={"description": "The publishing space's slug."})


class CallListArgs(PageArgs, Filters):
    state = fields.String(load_default="current", validate=validate.OneOf(STATES), metadata={
        "description": "`current` (open and opening soon, the default), `open`, `upcoming`, or `closed` (the "
                       "archive, latest deadline first)."})
    until = edge.Date(metadata={"description": "A deadline on or before this day (YYYY-MM-DD)."})
    accredited_only = fields.Boolean(metadata={"description": "Only calls for coworkers of accredited spaces (true), "
                                                              "or only the others (false)."})


class PageIn(Filters, Form):
    """The /calls page's filters, as people type them."""

    archive = fields.Boolean(error_messages={"invalid": _l("Not true or false.")})
    until = edge.Date(error_messages=DATE)


class ExportArgs(Filters):
    remind = fields.Integer(validate=validate.Range(0, 60, error=_l("From 0 to 60 days.")),
                            error_messages={"invalid": _l("A whole number of days.")}, metadata={
        "description": "The alarm, this many days before the deadline (default 7)."})


class AttachmentOut(Schema):
    url = fields.String()
    title = fields.String(allow_none=True)


class CallOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    title = fields.String()
    kind = fields.String(metadata={"enum": list(CALL_KINDS)})
    state = fields.String(metadata={"enum": ["open", "upcoming", "closed"]})
    publisher = fields.String(metadata={"description": "The publishing space's slug, or `network` for the "
                                                        "coordinators' calls for the whole network."})
    publisher_name = fields.String()
    issuer = fields.String(allow_none=True, metadata={"description": "Who funds or issues it (Comune di Milano)."})
    issuer_url = fields.String(allow_none=True)
    opens = fields.String(allow_none=True, metadata={"description": "The first day one may apply (YYYY-MM-DD)."})
    deadline = fields.String(allow_none=True, metadata={
        "description": "The last day to apply (YYYY-MM-DD), or the minute (RFC 3339) when the call gives one."})
    amount = DecimalString(allow_none=True)
    currency = fields.String()
    benefit = fields.String(allow_none=True)
    eligibility = fields.String(allow_none=True)
    accredited_spaces_only = fields.Boolean()
    audiences = fields.List(fields.String(metadata={"enum": list(AUDIENCES)}))
    regions = fields.List(fields.String(metadata={"enum": list(REGIONS)}), metadata={
        "description": "Where it may be used; empty: anywhere."})
    skills_sought = fields.List(fields.String())
    attachments = fields.List(fields.Nested(AttachmentOut))
    link = fields.String(allow_none=True, metadata={"description": "The call's own page (the issuer's)."})
    description_html = fields.String(allow_none=True, metadata={"description": "Sanitised HTML."})
    url = fields.String(metadata={"description": "Its page on the hub."})


CallPageOut = page_schema(CallOut, "CallPage")


class SkillMatchOut(Schema):
    skill = fields.String()
    holder = fields.String(allow_none=True)
    space = fields.String()
    space_name = fields.String()
    level = fields.String(metadata={"enum": ["exact", "synonym", "category"]})
    explanation = fields.String()


class SpaceRefOut(Schema):
    slug = fields.String()
    name = fields.String()
    city = fields.String(allow_none=True)


class CallDetailOut(CallOut):
    matching_skills = fields.List(fields.Nested(SkillMatchOut), metadata={
        "description": "The network's skills that answer what the call seeks, best first, each explained."})
    usable_at = fields.List(fields.Nested(SpaceRefOut), metadata={
        "description": "For a call only for coworkers of accredited spaces: the accredited spaces (in its regions)."})
