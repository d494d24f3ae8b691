"""Offers in the hosted editor: the operator's form and the feed item it becomes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from corete.core import edge
from corete.core.forms import DATE, REQUIRED, Editor, text, url as _url
from corete.offers.writers import OFFER_AUDIENCES, OFFER_CATEGORIES, offer_item


class OfferIn(Editor):
    title = text(200, required=True, error_messages=REQUIRED)
    category = fields.String(required=True, validate=validate.OneOf(OFFER_CATEGORIES, error=_l("Choose a kind.")),
                             error_messages=REQUIRED)
    audience = fields.String(load_default="network",
                             validate=validate.OneOf(OFFER_AUDIENCES, error=_l("Choose who it is for.")))
    benefit = text(200)
    conditions = text(5000)
    offered_by = text(200)
    offered_by_url = text(2000, validate_also=_url)
    valid_from = edge.Date(error_messages=DATE)
    valid_until = edge.Date(error_messages=DATE)
    contact = text(300)
    url = text(2000, validate_also=_url)
    description = text(5000)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            raise ValidationError(_l("The end must come after the start."), "valid_until")


def build(uid: str, form: dict, zone: str) -> dict:
    return offer_item(uid, form["title"], form["category"], audience=form.get("audience") or "network",
                      benefit=form.get("benefit"), conditions=form.get("conditions"),
                      offered_by=form.get("offered_by"), offered_by_url=form.get("offered_by_url"),
                      valid_from=form.get("valid_from"), valid_until=form.get("valid_until"),
                      contact=form.get("contact"), url=form.get("url"), text=form.get("description") or "")
