"""Events in the hosted editor: the operator's form, the feed item it becomes, and the
dates of a recurring event (one of which can be cancelled)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from corete.core import edge
from corete.core.forms import (
    DATE, NUMBER, REQUIRED, TIME, CommaList, Editor, check_position, latitude, longitude, text, url as _url,
)
from corete.core.when import NETWORK_ZONE
from corete.events.recurrence import expand
from corete.events.writers import event_item

REPEATS = ("daily", "weekly", "monthly", "monthly_weekday")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class EventIn(Editor):
    DECIMALS = ("lat", "lon")

    title = text(300, required=True, error_messages=REQUIRED)
    date = edge.Date(required=True, error_messages={**REQUIRED, **DATE})
    start_time = fields.Time(error_messages=TIME)
    end_time = fields.Time(error_messages=TIME)
    end_date = edge.Date(error_messages=DATE)
    repeat = fields.String(validate=validate.OneOf(REPEATS, error=_l("Choose how the event repeats.")))
    repeat_count = fields.Integer(validate=validate.Range(1, 500, error=_l("Between 1 and 500 times.")),
                                  error_messages=NUMBER)
    repeat_until = edge.Date(error_messages=DATE)
    status = fields.String(load_default="confirmed",
                           validate=validate.OneOf(("confirmed", "cancelled"), error=_l("Confirmed or cancelled.")))
    description = text(5000)
    location_name = text(300)
    address = text(300)
    city = text(120)
    lat = latitude()
    lon = longitude()
    online_url = text(2000, validate_also=_url)
    url = text(2000, validate_also=_url)
    price = text(20)
    tags = CommaList(20, 60)

    @validates_schema
    def _rules(self, data, **kwargs):
        start, end = data.get("date"), data.get("end_date") or data.get("date")
        if data.get("end_date") and start and data["end_date"] < start:
            raise ValidationError(_l("The event cannot end before it starts."), "end_date")
        if data.get("end_time") and not data.get("start_time"):
            raise ValidationError(_l("Give the start time too, or neither (a whole-day event)."), "start_time")
        if (data.get("start_time") and data.get("end_time") and start == end
                and data["end_time"] <= data["start_time"]):
            raise ValidationError(_l("The event cannot end before it starts."), "end_time")
        if data.get("repeat") and data.get("repeat_count") and data.get("repeat_until"):
            raise ValidationError(_l("Say how many times or until when, not both."), "repeat_until")
        if data.get("repeat") and not (data.get("repeat_count") or data.get("repeat_until")):
            raise ValidationError(_l("Say how many times it repeats, or until when."), "repeat_count")
        if data.get("repeat_until") and start and data["repeat_until"] < start:
            raise ValidationError(_l("The last repetition cannot come before the first."), "repeat_until")
        check_position(data)

    @post_load
    def _price(self, data, **kwargs):
        text = (data.get("price") or "").strip().lower()
        if not text:
            data["price"] = None
        elif text in ("0", "0.00", "free", "gratis", "gratuito", "libero"):
            data["price"] = "free"
        else:
            try:
                amount = Decimal(text.replace("€", "").replace("eur", "").strip())
            except InvalidOperation:
                raise ValidationError(_l("A price in euros (12,50), or 'gratis'."), "price") from None
            if amount < 0 or amount > 10**6:
                raise ValidationError(_l("A price in euros (12,50), or 'gratis'."), "price")
            data["price"] = {"amount": float(amount), "currency": "EUR"}
        return data



def rrule(form: dict, zone_name: str = NETWORK_ZONE) -> str | None:
    """The RFC 5545 rule of the form's repetition ("monthly_weekday": the same weekday of
    the month, "the first Thursday"; the last one when it is the fifth)."""
    repeat = form.get("repeat")
    if not repeat:
        return None
    date: dt.date = form["date"]
    parts = {"daily": ["FREQ=DAILY"], "weekly": ["FREQ=WEEKLY"], "monthly": ["FREQ=MONTHLY"]}.get(repeat)
    if repeat == "monthly_weekday":
        nth = (date.day - 1) // 7 + 1
        parts = ["FREQ=MONTHLY", f"BYDAY={-1 if nth == 5 else nth}{WEEKDAYS[date.weekday()]}"]
    if form.get("repeat_count"):
        parts.append(f"COUNT={form['repeat_count']}")
    else:
        until: dt.date = form["repeat_until"]
        if form.get("start_time"):  # the end of that day in the space's zone, in UTC, as RFC 5545 wants
            zone = ZoneInfo(zone_name)
            last = dt.datetime.combine(until, dt.time(23, 59, 59), zone).astimezone(dt.timezone.utc)
            parts.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
        else:
            parts.append("UNTIL=" + until.strftime("%Y%m%d"))
    return ";".join(parts)


def build(uid: str, form: dict, zone_name: str) -> dict:
    """The feed item of an event form; its dates and times are read in ``zone_name`` (the
    space's)."""
    zone = ZoneInfo(zone_name)
    date = form["date"]
    if form.get("start_time"):
        start = dt.datetime.combine(date, form["start_time"], zone)
        end = dt.datetime.combine(form.get("end_date") or date, form["end_time"], zone) \
            if form.get("end_time") else None
    else:
        start = date
        end = (form.get("end_date") or date) + dt.timedelta(days=1)  # whole days: the end is exclusive
    location = {k: v for k, v in (("name", form.get("location_name")), ("address", form.get("address")),
                                  ("city", form.get("city"))) if v}
    if form.get("lat") is not None and form.get("lon") is not None:  # the venue pointed at on the map
        location.update(lat=form["lat"], lon=form["lon"])
    item = event_item(uid, form["title"], start, end, text=form.get("description") or "",
                      tags=form.get("tags") or [], rrule=rrule(form, zone_name),
                      location=location or None, timezone=zone_name,
                      price=form.get("price"), status=form.get("status", "confirmed"), url=form.get("url"))
    if form.get("online_url"):
        item["_corete"]["online_url"] = form["online_url"]
    if form.get("image"):  # the hub's own copy of the operator's poster (hosting.views._poster)
        item["image"] = form["image"]
    return item


# --- One date of a recurring event --------------------------------------------------------


def _series_frame(item: dict):
    """(all_day, start, end, zone name) of an event item as the hub wrote it."""
    core = item["_corete"]
    all_day = bool(core.get("all_day"))
    parse = dt.date.fromisoformat if all_day else dt.datetime.fromisoformat
    start = parse(core["start"])
    end = parse(core["end"]) if core.get("end") else None
    return all_day, start, end, core.get("timezone") or NETWORK_ZONE


def dates_of(item: dict, after: dt.datetime, count: int = 12) -> list[dict]:
    """The next ``count`` dates of a recurring event from ``after``: {key, start, end, cancelled}."""
    core = item.get("_corete", {})
    if not core.get("rrule"):
        return []
    all_day, start, end, zone = _series_frame(item)
    cancelled = set(item.get("_cancelled", []))
    found = expand(all_day=all_day, start=start, end=end, timezone=zone, rrule=core["rrule"], rdates=[],
                   exdates=[], window_start=after, window_end=after + dt.timedelta(days=3 * 366))
    return [{"key": o.key, "start": o.start, "end": o.end, "cancelled": o.key in cancelled} for o in found[:count]]


def occurrence(item: dict, key: str):
    """The occurrence of a recurring event item with this key, or None."""
    all_day, start, end, zone = _series_frame(item)
    try:
        when = (dt.datetime.strptime(key, "%Y%m%d").date() if all_day else
                dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc))
    except ValueError:
        return None
    around = (dt.datetime.combine(when, dt.time(), dt.timezone.utc) if all_day else when)
    found = expand(all_day=all_day, start=start, end=end, timezone=zone, rrule=item["_corete"].get("rrule"),
                   rdates=[], exdates=[], window_start=around - dt.timedelta(days=2),
                   window_end=around + dt.timedelta(days=2))
    return next((o for o in found if o.key == key), None)


def cancelled_items(item: dict) -> list[dict]:
    """The items that publish a recurring event's cancelled dates: each names its series and
    the date it stands for (``series``, ``recurrence_id``), so a calendar that subscribed
    shows that date cancelled and the others as they are."""
    out = []
    for key in item.get("_cancelled", []):
        found = occurrence(item, key)
        if found is None:
            continue  # the series changed and no longer has that date
        zone = ZoneInfo(item["_corete"].get("timezone") or NETWORK_ZONE)
        start, end = found.start, found.end
        if isinstance(start, dt.datetime):
            start, end = start.astimezone(zone), end.astimezone(zone) if end else None
        core = {k: v for k, v in item["_corete"].items() if k != "rrule"}
        core.update(start=start.isoformat(), status="cancelled", series=item["id"], recurrence_id=start.isoformat())
        if end is not None:
            core["end"] = end.isoformat()
        else:
            core.pop("end", None)
        out.append({**{k: v for k, v in item.items() if k not in ("_form", "_cancelled")}, "id": f"{item['id']}#{key}", "_corete": core})
    return out


def published(session, item: dict, stored) -> list[dict]:
    """A series, and an item for each of its cancelled dates (``stored``: the HostedItem)."""
    return [item, *cancelled_items(stored.item)]


def keep_cancelled(built: dict, previous: dict) -> dict:
    """Cancelled dates the changed series still has stay cancelled."""
    if previous.get("_cancelled") and built.get("_corete", {}).get("rrule"):
        kept = [k for k in previous["_cancelled"] if occurrence(built, k) is not None]
        if kept:
            built["_cancelled"] = kept
    return built


def form_dates(item: dict | None, now: dt.datetime) -> dict:
    """The event form's list of the next dates of a saved series (each with Cancel or Restore)."""
    return {"dates": dates_of(item, now) if item else []}
