"""The event item type: how a JSON Feed item with `_corete.type: "event"` becomes an
EventData, how the validator previews it, how operators write one (corete.core.itemtypes).
iCalendar, RSS and ActivityStreams events are read by their own parsers in federation."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates

from corete.core import itemtypes
from corete.core.feedschema import LocationSchema, Lenient, check_money, money, text
from corete.core.handover import Envelope, EventData, Item, ItemProblem, Rejection, bounded_id, occurrence_key
from corete.core.sanitize import clean_text, clean_url
from corete.core.when import NETWORK_ZONE, BadValue, instant, normalise_rrule, parse_when, zone_or_none
from corete.events import hosted
from corete.events.writers import event_item

EVENT_STATUSES = ("confirmed", "tentative", "cancelled")


class EventSchema(Lenient):
    type = fields.String()
    start = fields.String(required=True)
    end = fields.String(allow_none=True)
    all_day = fields.Boolean(allow_none=True)
    timezone = text(64)
    status = fields.String(load_default="confirmed", validate=validate.OneOf(EVENT_STATUSES))
    rrule = text(500)
    location = fields.Nested(LocationSchema, allow_none=True)
    online_url = text(2000)
    price = fields.Raw(allow_none=True)
    # One date of a recurring event changed or cancelled: the id of the series' item and the
    # start of the occurrence this item stands for (iCalendar's UID and RECURRENCE-ID).
    series = text(10_000)
    recurrence_id = text(40)

    @validates("price")
    def _price(self, value, **kwargs):
        if value is None or value == "free":
            return
        if not isinstance(value, dict):
            raise ValidationError('"free" or an object {"amount": 5, "currency": "EUR"}')
        check_money(value)


def read(f: dict, env: Envelope) -> EventData:
    ptr, warnings = env.pointer, env.warnings
    if not env.title:
        raise ItemProblem("an event needs a title", "title")
    tzname = f.get("timezone")
    if tzname and zone_or_none(tzname) is None:
        warnings.append(Rejection(f"{ptr}/_corete/timezone", f"unknown time zone {tzname!r}: use an IANA name such as Europe/Rome"))
        tzname = None
    start, floating = parse_when(f["start"], tzname)
    all_day = f.get("all_day")
    if all_day is None:
        all_day = not isinstance(start, dt.datetime)
    if floating:
        warnings.append(Rejection(f"{ptr}/_corete/start", f"the start has no UTC offset; it was read in {tzname or NETWORK_ZONE}"))
    end = None
    if f.get("end"):
        try:
            end, _ = parse_when(f["end"], tzname)
        except BadValue as e:
            raise ItemProblem(str(e), "_corete/end") from None
    if all_day:
        start = start.date() if isinstance(start, dt.datetime) else start
        if isinstance(end, dt.datetime):
            end = end.date()
        if end is not None and end <= start:
            raise ItemProblem("the end of an all-day event is exclusive: the day after its last day", "_corete/end")
    else:
        if not isinstance(start, dt.datetime):
            raise ItemProblem("a timed event needs a date-time; set all_day for a date", "_corete/start")
        if end is not None and not isinstance(end, dt.datetime):
            raise ItemProblem("the end of a timed event must be a date-time", "_corete/end")
        if end is not None and end < start:
            raise ItemProblem("the event ends before it starts", "_corete/end")
    rrule = None
    if f.get("rrule"):
        try:
            start_for_rule = start.astimezone(zone_or_none(tzname) or start.tzinfo) if isinstance(start, dt.datetime) else start
            rrule = normalise_rrule(f["rrule"], start_for_rule)
        except BadValue as e:
            raise ItemProblem(str(e), "_corete/rrule") from None
    price = f.get("price")
    price = money(price) if isinstance(price, dict) else {"free": True} if price == "free" else price
    data = EventData(
        title=env.title,
        start=start,
        end=end,
        all_day=bool(all_day),
        timezone=tzname or (NETWORK_ZONE if isinstance(start, dt.datetime) else None),
        uid=env.source_id,
        status=f.get("status") or "confirmed",
        rrule=rrule,
        description_html=env.html,
        url=env.url,
        location=location(f.get("location")),
        online_url=clean_url(f.get("online_url"), env.base),
        price=price,
        tags=env.tags,
        image=env.image,
    )
    if f.get("series") or f.get("recurrence_id"):
        data.uid, data.recurrence_id = _override(f, data)
    return data


def location(loc: dict | None) -> dict | None:
    """A checked LocationSchema value as the hand-over keeps it (texts cleaned)."""
    if not loc:
        return None
    out = {k: clean_text(loc.get(k), 300) for k in ("name", "address", "city") if loc.get(k)}
    for k in ("lat", "lon"):
        if loc.get(k) is not None:
            out[k] = loc[k]
    return out or None


def _override(f: dict, data: EventData) -> tuple[str, str]:
    """(the series' id, the occurrence's key) of an item that changes one date of a series:
    both fields together, the occurrence's start as the series gives it."""
    series, rid = clean_text(f.get("series"), 10_000), f.get("recurrence_id")
    if not series or not rid:
        raise ItemProblem('"series" (the id of the recurring event) and "recurrence_id" (the start of the date it '
                          'changes) go together', f"_corete/{'recurrence_id' if series else 'series'}")
    if data.rrule:
        raise ItemProblem("a changed date of a series does not repeat itself", "_corete/rrule")
    try:
        when, _ = parse_when(rid, data.timezone)
    except BadValue as e:
        raise ItemProblem(str(e), "_corete/recurrence_id") from None
    if data.all_day and isinstance(when, dt.datetime):
        when = when.date()
    return bounded_id(series), occurrence_key(when)


def preview(items: list[Item], now: dt.datetime, *, days: int = 60, limit: int = 15) -> itemtypes.Preview:
    """The occurrences of the next ``days`` as the calendar expands them."""
    from corete.events.recurrence import expand

    found: list[itemtypes.PreviewLine] = []
    for item in items:
        data: EventData = item.data
        if data.recurrence_id:
            continue
        place = ", ".join(v for v in ((data.location or {}).get(k) for k in ("name", "city")) if v) or None
        for occ in expand(all_day=data.all_day, start=data.start, end=data.end, timezone=data.timezone,
                          rrule=data.rrule, rdates=data.rdates, exdates=data.exdates, window_start=now,
                          window_end=now + dt.timedelta(days=days)):
            found.append(itemtypes.PreviewLine(data.title, occ.start, data.timezone if not data.all_day else None,
                                               place, data.status == "cancelled"))
    found.sort(key=lambda line: instant(line.when))
    return itemtypes.Preview(_l("In the calendar (next 60 days)"), found[:limit], max(0, len(found) - limit),
                             empty=_l("No event in the next 60 days."))


itemtypes.register(itemtypes.ItemType(
    name="event",
    plural="events",
    data=EventData,
    schema=EventSchema(),
    read=read,
    handler="corete.events.services",
    write=event_item,
    identity=("start", None, None),
    order=10,
    preview=preview,
    fixes={
        "start": _l("Write the start as 2026-03-14T18:30:00+01:00, or as 2026-03-14 for a whole-day event."),
        "end": _l("Write the end like the start (2026-03-14T20:00:00+01:00), after the start."),
        "timezone": _l("Use a time zone name such as Europe/Rome."),
        "rrule": _l("Write the repetition as an iCalendar rule such as FREQ=WEEKLY;COUNT=10 (or use the hub's editor)."),
        "price": _l('"free", or an object such as {"amount": 5, "currency": "EUR"}.'),
    },
    editor=itemtypes.Editor(
        form=hosted.EventIn,
        build=hosted.build,
        template="events/hosted_form.html",
        line="events/_hosted_line.html",
        heading=_l("Events"),
        add=_l("Add an event"),
        pictures=True,
        preview=True,
        published=hosted.published,
        keep=hosted.keep_cancelled,
        context=hosted.form_dates,
    ),
))
