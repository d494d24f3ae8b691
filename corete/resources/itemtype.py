"""The resource item type: a room, a desk or a piece of equipment a space shares with the
network, with its prices, who may book it, its opening hours and when it is busy
(corete.core.itemtypes; the format is in docs/feed-format.md#resources)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from corete.core import hours, itemtypes
from corete.core.feedschema import Lenient, LocationSchema, text
from corete.core.handover import Envelope, Item, ItemProblem, Rejection
from corete.core.sanitize import clean_text, clean_url
from corete.core.when import NETWORK_ZONE, BadValue, instant, parse_when, zone_or_none
from corete.resources import hosted
from corete.resources.writers import BOOKABLE_BY, PRICE_PER, RESOURCE_KINDS, resource_item

MAX_BUSY = 2000  # busy spans one item may list


@dataclass(slots=True)
class ResourceData:
    name: str
    kind: str
    capacity: int | None = None
    price: dict[str, Any] | None = None  # {"per": "hour", "member": "10", "public": "20", "currency": "EUR"}
    bookable_by: str = "network"
    opening_hours: str | None = None
    hours: list | None = None  # the week core.hours.parse read, None when not understood
    timezone: str = NETWORK_ZONE
    rules: str | None = None
    location: dict[str, Any] | None = None
    busy: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    calendar_url: str | None = None
    description_html: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None


class PriceSchema(Lenient):
    per = fields.String(required=True, validate=validate.OneOf(PRICE_PER))
    member = fields.Decimal(allow_nan=False, allow_none=True, validate=validate.Range(min=0, max=10**6))
    public = fields.Decimal(allow_nan=False, allow_none=True, validate=validate.Range(min=0, max=10**6))
    currency = fields.String(load_default="EUR", validate=validate.Regexp(r"^[A-Z]{3}$", error="a 3-letter ISO 4217 code such as EUR"))


class BusySchema(Lenient):
    start = fields.String(required=True)
    end = fields.String(required=True)


class ResourceSchema(Lenient):
    type = fields.String()
    kind = fields.String(required=True, validate=validate.OneOf(RESOURCE_KINDS))
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 100_000))
    price = fields.Nested(PriceSchema, allow_none=True)
    bookable_by = fields.String(load_default="network", validate=validate.OneOf(BOOKABLE_BY))
    opening_hours = text(300)
    timezone = text(64)
    rules = text(5000)
    location = fields.Nested(LocationSchema, allow_none=True)
    busy = fields.List(fields.Nested(BusySchema), validate=validate.Length(max=MAX_BUSY))
    busy_calendar = text(2000)


def read(f: dict, env: Envelope) -> ResourceData:
    ptr, warnings = env.pointer, env.warnings
    if not env.title:
        raise ItemProblem("a resource needs a name (the item's title)", "title")
    tzname = f.get("timezone") or NETWORK_ZONE
    if zone_or_none(tzname) is None:
        warnings.append(Rejection(f"{ptr}/_corete/timezone", f"unknown time zone {tzname!r}: use an IANA name such as Europe/Rome",
                                  item_type="resource"))
        tzname = NETWORK_ZONE
    week = None
    if f.get("opening_hours"):
        try:
            week = hours.parse(f["opening_hours"])
        except hours.NotUnderstood as e:
            warnings.append(Rejection(f"{ptr}/_corete/opening_hours",
                                      f"opening hours not understood ({e}): the hub does not check them when booking",
                                      item_type="resource"))
    busy = []
    for n, span in enumerate(f.get("busy") or []):
        try:
            start, _ = parse_when(span["start"], tzname)
            end, _ = parse_when(span["end"], tzname)
        except BadValue as e:
            raise ItemProblem(str(e), f"_corete/busy/{n}") from None
        start, end = instant(start, tzname), instant(end, tzname)  # a date: its midnight there
        if end <= start:
            raise ItemProblem("a busy span ends after it starts", f"_corete/busy/{n}/end")
        busy.append((start, end))
    price = f.get("price")
    if price:
        price = {"per": price["per"], "currency": price.get("currency") or "EUR",
                 **{k: str(price[k]) for k in ("member", "public") if price.get(k) is not None}}
    location = f.get("location")
    if location:
        location = {k: clean_text(location.get(k), 300) for k in ("name", "address", "city") if location.get(k)} | \
                   {k: location[k] for k in ("lat", "lon") if location.get(k) is not None}
    return ResourceData(
        name=env.title,
        kind=f["kind"],
        capacity=f.get("capacity"),
        price=price or None,
        bookable_by=f.get("bookable_by") or "network",
        opening_hours=clean_text(f.get("opening_hours"), 300),
        hours=week,
        timezone=tzname,
        rules=clean_text(f.get("rules"), 5000),
        location=location or None,
        busy=sorted(busy),
        calendar_url=clean_url(f.get("busy_calendar"), env.base),
        description_html=env.html,
        url=env.url,
        tags=env.tags,
        image=env.image,
    )


def preview(items: list[Item], now: dt.datetime) -> itemtypes.Preview:
    from corete.resources.labels import KIND_LABELS

    return itemtypes.Preview(_l("Rooms and equipment"), [
        itemtypes.PreviewLine(f"{i.data.name} · {KIND_LABELS[i.data.kind]}"
                              + (f" · {i.data.capacity}" if i.data.capacity else "")) for i in items])


itemtypes.register(itemtypes.ItemType(
    name="resource",
    plural="resources",
    data=ResourceData,
    schema=ResourceSchema(),
    read=read,
    handler="corete.resources.services",
    write=resource_item,
    identity=("kind",),
    order=40,
    preview=preview,
    fixes={
        "kind": _l('A resource\'s "kind" is one of "meeting_room", "event_room", "desk", "equipment", "vehicle", "other".'),
        "capacity": _l("A whole number of people, 1 or more."),
        "bookable_by": _l('"network" (members of the network\'s spaces) or "anyone".'),
        "opening_hours": _l("Opening hours as OpenStreetMap writes them: Mo-Fr 09:00-19:00; Sa 10:00-13:00."),
        "busy": _l('A list of {"start": "2026-03-14T09:00:00+01:00", "end": "2026-03-14T13:00:00+01:00"}.'),
    },
    editor=itemtypes.Editor(
        form=hosted.ResourceIn,
        build=hosted.build,
        template="resources/hosted_form.html",
        line="resources/_hosted_line.html",
        heading=_l("Rooms and equipment"),
        add=_l("Add a room or equipment"),
        footer="resources/_hosted_footer.html",
        pictures=True,
        published=hosted.with_bookings,
    ),
))
