"""Resources in the hosted editor: the operator's form, the feed item it becomes, and the
hub's accepted bookings published with it as busy time."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates

from corete.core import hours
from corete.core.api import DecimalInput
from corete.core.forms import NUMBER, REQUIRED, Editor, text, url as _url
from corete.resources.writers import BOOKABLE_BY, PRICE_PER, RESOURCE_KINDS, resource_item

BUSY_PUBLISHED_DAYS = 400  # accepted bookings published from now on (past ones are history)


class ResourceIn(Editor):
    DECIMALS = ("member_price", "public_price")

    name = text(200, required=True, error_messages=REQUIRED)
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS, error=_l("Choose a kind.")),
                         error_messages=REQUIRED)
    capacity = fields.Integer(validate=validate.Range(1, 100_000, error=_l("A whole number, 1 or more.")),
                              error_messages=NUMBER)
    price_per = fields.String(load_default="hour", validate=validate.OneOf(PRICE_PER, error=_l("Per hour or per day.")))
    member_price = DecimalInput(allow_nan=False, error_messages=NUMBER,
                                validate=validate.Range(0, 10**6, error=_l("Zero or more.")))
    public_price = DecimalInput(allow_nan=False, error_messages=NUMBER,
                                validate=validate.Range(0, 10**6, error=_l("Zero or more.")))
    bookable_by = fields.String(load_default="network",
                                validate=validate.OneOf(BOOKABLE_BY, error=_l("Choose who may book it.")))
    opening_hours = text(300)
    rules = text(2000)
    calendar_url = text(2000, validate_also=_url)
    description = text(5000)

    @validates("opening_hours")
    def _hours(self, value, **kwargs):
        if value:
            try:
                hours.parse(value)
            except hours.NotUnderstood:
                raise ValidationError(_l("Write the hours as Mo-Fr 09:00-19:00; Sa 10:00-13:00 (or 24/7).")) from None


def build(uid: str, form: dict, zone: str) -> dict:
    price = None
    if form.get("member_price") is not None or form.get("public_price") is not None:
        price = {"per": form.get("price_per") or "hour",
                 **{k: float(form[f"{k}_price"]) for k in ("member", "public") if form.get(f"{k}_price") is not None}}
    return resource_item(uid, form["name"], form["kind"], capacity=form.get("capacity"), price=price,
                         bookable_by=form.get("bookable_by") or "network", opening_hours=form.get("opening_hours"),
                         rules=form.get("rules"), calendar=form.get("calendar_url"),
                         text=form.get("description") or "", timezone=zone, image=form.get("image"))


def with_bookings(session, item: dict, stored) -> list[dict]:
    """The resource with the bookings the hub accepted for it listed as busy time, so that
    whoever reads the space's feed knows when it is taken (``stored``: the HostedItem)."""
    from corete.resources.services import accepted_spans

    spans = accepted_spans(session, stored.space_id, item["id"], days=BUSY_PUBLISHED_DAYS)
    if not spans:
        return [item]
    core = dict(item["_corete"])
    core["busy"] = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in spans]
    return [{**item, "_corete": core}]
