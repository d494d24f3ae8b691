"""The offer item type: what a space or one of its members offers the rest of the network (a
discount, a free first consultation, a shared service such as streaming for events), to
whom, on which conditions, until when (corete.core.itemtypes; docs/feed-format.md#type-offer)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from corete.core import itemtypes
from corete.core.feedschema import Lenient, text
from corete.core.handover import Envelope, Item, ItemProblem
from corete.core.sanitize import clean_text, clean_url
from corete.core.when import BadValue, check_year
from corete.offers import hosted
from corete.offers.writers import OFFER_AUDIENCES, OFFER_CATEGORIES, offer_item


@dataclass(slots=True)
class OfferData:
    title: str
    category: str
    audience: str = "network"
    benefit: str | None = None
    conditions: str | None = None
    offered_by_name: str | None = None  # a member of the space; None: the space itself
    offered_by_url: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    contact: str | None = None
    description_html: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)


class OfferedBySchema(Lenient):
    name = text(200)
    url = text(2000)


class OfferSchema(Lenient):
    type = fields.String()
    category = fields.String(required=True, validate=validate.OneOf(OFFER_CATEGORIES))
    audience = fields.String(load_default="network", validate=validate.OneOf(OFFER_AUDIENCES))
    benefit = text(200)
    conditions = text(5000)
    offered_by = fields.Nested(OfferedBySchema, allow_none=True)
    valid_from = text(40)
    valid_until = text(40)
    contact = text(300)


def _day(f: dict, key: str) -> dt.date | None:
    value = f.get(key)
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip()[:10])
        check_year(day)
    except ValueError as e:
        reason = str(e) if isinstance(e, BadValue) else "not a date such as 2026-12-31"
        raise ItemProblem(reason, f"_corete/{key}") from None
    return day


def read(f: dict, env: Envelope) -> OfferData:
    if not env.title:
        raise ItemProblem("an offer needs a title (the item's title): what is offered", "title")
    start, end = _day(f, "valid_from"), _day(f, "valid_until")
    if start and end and end < start:
        raise ItemProblem("the offer ends before it starts", "_corete/valid_until")
    by = f.get("offered_by") or {}
    return OfferData(
        title=env.title,
        category=f["category"],
        audience=f.get("audience") or "network",
        benefit=clean_text(f.get("benefit"), 200),
        conditions=clean_text(f.get("conditions"), 5000),
        offered_by_name=clean_text(by.get("name"), 200),
        offered_by_url=clean_url(by.get("url"), env.base),
        valid_from=start,
        valid_until=end,
        contact=clean_text(f.get("contact"), 300),
        description_html=env.html,
        url=env.url,
        tags=env.tags,
    )


def preview(items: list[Item], now: dt.datetime) -> itemtypes.Preview:
    from corete.offers.labels import CATEGORY_LABELS

    return itemtypes.Preview(_l("Offers to the network"), [
        itemtypes.PreviewLine(" · ".join(p for p in (i.data.title, str(CATEGORY_LABELS[i.data.category]),
                                                     i.data.benefit, i.data.offered_by_name) if p))
        for i in items])


itemtypes.register(itemtypes.ItemType(
    name="offer",
    plural="offers",
    data=OfferData,
    schema=OfferSchema(),
    read=read,
    handler="corete.offers.services",
    write=offer_item,
    identity=("category",),
    order=60,
    preview=preview,
    fixes={
        "category": _l('An offer\'s "category" is one of "discount", "consultation", "service", "space", '
                       '"training", "other".'),
        "audience": _l('"network" (members of the network\'s spaces) or "anyone".'),
        "valid_from": _l("The first day it holds, as 2026-12-31."),
        "valid_until": _l("The last day it holds, as 2026-12-31, on or after the first."),
        "offered_by": _l('The member who offers it: {"name": "Studio Rossi", "url": "https://..."}; leave it out '
                         "when the space itself offers it."),
    },
    editor=itemtypes.Editor(
        form=hosted.OfferIn,
        build=hosted.build,
        template="offers/hosted_form.html",
        line="offers/_hosted_line.html",
        heading=_l("Offers to the network"),
        add=_l("Add an offer"),
    ),
))
