"""Offers' schemas: the page's and the API's arguments, the API's answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from corete.core.api import PageArgs, page_schema
from corete.core.forms import at_most
from corete.offers.writers import OFFER_AUDIENCES, OFFER_CATEGORIES


class Filters(Schema):
    class Meta:
        unknown = EXCLUDE

    category = fields.String(validate=validate.OneOf(OFFER_CATEGORIES, error=_l("Choose a kind.")))
    city = fields.String(validate=at_most(120), metadata={"description": "The offering space's city."})
    audience = fields.String(validate=validate.OneOf(OFFER_AUDIENCES, error=_l("Choose who it is for.")), metadata={
        "description": "`anyone`: only what is offered to the public too."})
    q = fields.String(validate=at_most(200))
    space = fields.String(validate=at_most(80), metadata={"description": "The offering space's slug."})


class OfferListArgs(PageArgs, Filters):
    pass


class OfferOut(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String(metadata={"enum": list(OFFER_CATEGORIES)})
    audience = fields.String(metadata={"enum": list(OFFER_AUDIENCES)})
    benefit = fields.String(allow_none=True)
    conditions = fields.String(allow_none=True)
    offered_by = fields.String(allow_none=True, metadata={"description": "The member who offers it; none: the space."})
    offered_by_url = fields.String(allow_none=True)
    valid_from = fields.String(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    valid_until = fields.String(allow_none=True, metadata={"description": "The last day it holds (YYYY-MM-DD)."})
    contact = fields.String(allow_none=True)
    link = fields.String(allow_none=True)
    description_html = fields.String(allow_none=True, metadata={"description": "Sanitised HTML."})
    space = fields.String(metadata={"description": "The offering space's slug."})
    space_name = fields.String()
    city = fields.String(allow_none=True)
    url = fields.String(metadata={"description": "Its space's offers on the hub."})


OfferPageOut = page_schema(OfferOut, "OfferPage")
