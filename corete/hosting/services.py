"""The rules of hosted feeds: what an operator's form becomes in the feed, the feed the
hub publishes, and telling the poller there is something new to read."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from corete.core.handover import NETWORK_ZONE
from corete.core.models import utcnow
from corete.federation import writers
from corete.federation.parse import InvalidDocument, NotAFeed, parse_feed
from corete.federation.services import confirm_removals
from corete.hosting.models import ITEM_TYPES, HostedFeed, HostedItem
from corete.spaces.models import Space
from corete.spaces.services import add_feed

PROFILE_FIELDS = ("name", "kind", "address", "city", "postal_code", "lat", "lon", "email", "phone", "website",
                  "opening_hours", "description", "tags")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FEED_PATH = "/spaces/{slug}/feed.json"


class HostingError(ValueError):
    """What the hub refuses to publish; the message is for the operator."""


def feed_url(space: Space, base_url: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(slug=space.slug)


def profile_of(space: Space) -> dict:
    """The space's profile as the hub knows it, as a hosted feed's profile starts."""
    return {k: getattr(space, k) for k in PROFILE_FIELDS if getattr(space, k) not in (None, "", [])}


def hosted_feed(session, space: Space, base_url: str) -> HostedFeed:
    """The space's hosted feed, created on the first save with the space's profile as the
    hub knows it, and registered among the space's feeds so the poller reads it."""
    hosted = session.scalar(select(HostedFeed).where(HostedFeed.space_id == space.id))
    if hosted is None:
        hosted = HostedFeed(space=space, profile=profile_of(space))
        session.add(hosted)
    if hosted.feed is None or hosted.feed.space_id != space.id:
        hosted.feed = add_feed(space, feed_url(space, base_url))
    session.flush()
    return hosted


def find_hosted(session, space: Space) -> HostedFeed | None:
    return session.scalar(select(HostedFeed).where(HostedFeed.space_id == space.id))


def items_of(session, space: Space, item_type: str | None = None) -> list[HostedItem]:
    stmt = select(HostedItem).where(HostedItem.space_id == space.id)
    if item_type:
        stmt = stmt.where(HostedItem.type == item_type)
    return list(session.scalars(stmt.order_by(HostedItem.type, HostedItem.created_at, HostedItem.id)))


# --- From a form to a feed item -----------------------------------------------------------


def space_zone(space: Space) -> str:
    """The zone a space's dates and times are typed in: its own, else the network's."""
    return space.timezone or NETWORK_ZONE


def rrule(form: dict) -> str | None:
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
            zone = ZoneInfo(form.get("zone") or NETWORK_ZONE)
            last = dt.datetime.combine(until, dt.time(23, 59, 59), zone).astimezone(dt.timezone.utc)
            parts.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
        else:
            parts.append("UNTIL=" + until.strftime("%Y%m%d"))
    return ";".join(parts)


def event_item(uid: str, form: dict) -> dict:
    """The feed item of an event form; its dates and times are read in ``form["zone"]`` (the
    space's: save_item and preview_event set it), Europe/Rome when absent."""
    form = dict(form)
    zone_name = form.pop("zone", None) or NETWORK_ZONE
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
    item = writers.event_item(uid, form["title"], start, end, text=form.get("description") or "",
                              tags=form.get("tags") or [], rrule=rrule({**form, "zone": zone_name}),
                              location=location or None, timezone=zone_name,
                              price=form.get("price"), status=form.get("status", "confirmed"), url=form.get("url"))
    if form.get("online_url"):
        item["_corete"]["online_url"] = form["online_url"]
    if form.get("image"):  # the hub's own copy of the operator's poster (hosting.views._poster)
        item["image"] = form["image"]
    item["_form"] = _plain(form)
    return item


def skill_item(uid: str, form: dict) -> dict:
    item = writers.skill_item(uid, form["skill"], form.get("holder_name") or "", category=form.get("category"),
                              languages=[x.lower() for x in form.get("languages") or []], contact=form.get("contact"))
    core = item["_corete"]
    if not form.get("holder_name"):
        core.pop("holder")
        item["title"] = form["skill"]
    elif form.get("holder_url"):
        core["holder"]["url"] = form["holder_url"]
    if not form.get("category"):
        core.pop("category")
    item["content_text"] = form.get("description") or ""
    item["_form"] = _plain(form)
    return item


def need_item(uid: str, form: dict) -> dict:
    item = writers.need_item(uid, form["item"], kind=form.get("kind", "goods"),
                             quantity=_number(form.get("quantity")), unit=form.get("unit"),
                             category=form.get("category"), tolerance=_number(form.get("tolerance")) or 0,
                             need_by=form.get("need_by"), text=form.get("description") or "", sku=form.get("sku"))
    item["_form"] = _plain(form)
    return item


BUILDERS = {"event": event_item, "skill": skill_item, "need": need_item}


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _plain(form: dict) -> dict:
    """The form as it was filled in, JSON-friendly, to fill it in again when editing."""
    out = {}
    for key, value in form.items():
        if isinstance(value, (dt.date, dt.time)):
            out[key] = value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
        elif isinstance(value, list):
            out[key] = ", ".join(value)
        elif isinstance(value, dict):
            out[key] = str(value.get("amount", ""))
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            out[key] = str(value)
        else:
            out[key] = value
    return out


PRIVATE = ("_form", "_cancelled")  # kept with an item, never published as they are


def _published(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in PRIVATE}


def document(hosted: HostedFeed, items: list[HostedItem], self_url: str) -> bytes:
    """The feed the hub publishes for a hosted space: a CoRete JSON Feed, with an item for
    each cancelled date of a recurring event."""
    published = []
    for i in items:
        published.append(_published(i.item))
        published += cancelled_items(i.item)
    return writers.jsonfeed(dict(hosted.profile), published, feed_url=self_url)


# --- One date of a recurring event ------------------------------------------------------------


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
    from corete.events.recurrence import expand

    core = item.get("_corete", {})
    if not core.get("rrule"):
        return []
    all_day, start, end, zone = _series_frame(item)
    cancelled = set(item.get("_cancelled", []))
    found = expand(all_day=all_day, start=start, end=end, timezone=zone, rrule=core["rrule"], rdates=[],
                   exdates=[], window_start=after, window_end=after + dt.timedelta(days=3 * 366))
    return [{"key": o.key, "start": o.start, "end": o.end, "cancelled": o.key in cancelled} for o in found[:count]]


def _occurrence(item: dict, key: str):
    """The occurrence of a recurring event item with this key, or None."""
    from corete.events.recurrence import expand

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
        occurrence = _occurrence(item, key)
        if occurrence is None:
            continue  # the series changed and no longer has that date
        zone = ZoneInfo(item["_corete"].get("timezone") or NETWORK_ZONE)
        start, end = occurrence.start, occurrence.end
        if isinstance(start, dt.datetime):
            start, end = start.astimezone(zone), end.astimezone(zone) if end else None
        core = {k: v for k, v in item["_corete"].items() if k != "rrule"}
        core.update(start=start.isoformat(), status="cancelled", series=item["id"], recurrence_id=start.isoformat())
        if end is not None:
            core["end"] = end.isoformat()
        else:
            core.pop("end", None)
        out.append({**_published(item), "id": f"{item['id']}#{key}", "_corete": core})
    return out


def set_cancelled(session, hosted: HostedFeed, item: HostedItem, key: str, cancelled: bool) -> None:
    """Cancel one date of a recurring event, or restore it."""
    if item.type != "event" or not item.core.get("rrule") or _occurrence(item.item, key) is None:
        raise HostingError(_("This event has no such date."))
    keys = set(item.item.get("_cancelled", []))
    keys = keys | {key} if cancelled else keys - {key}
    item.item = {**item.item, "_cancelled": sorted(keys)}  # a new dict: the JSON column sees the change
    for published in cancelled_items(item.item):
        _check(hosted, published)
    item.updated_at = utcnow()
    _changed(hosted)
    session.flush()


def etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _check(hosted: HostedFeed, item: dict) -> None:
    """Run the poller's own parser on the item: what the hub publishes, it accepts."""
    _parsed(dict(hosted.profile), item)


def _parsed(profile: dict, item: dict):
    """The item as the poller will read it (its hand-over data); HostingError if refused."""
    body = writers.jsonfeed(profile, [_published(item)], feed_url="https://hub.invalid/feed.json")
    try:
        doc = parse_feed(body, "application/feed+json")
    except (NotAFeed, InvalidDocument) as e:
        raise HostingError(str(e)) from None
    if doc.rejections:
        raise HostingError(_("The hub would refuse this: %(reason)s", reason=doc.rejections[0].reason))
    return doc.items[0].data


def preview_event(space: Space, hosted: HostedFeed | None, form: dict):
    """What the network will show of this event form, saving nothing: the poller's own
    reading of the item the form makes (EventData)."""
    return _parsed(dict(hosted.profile) if hosted else profile_of(space),
                   event_item("preview", {**form, "zone": space_zone(space)}))


# --- Editing -------------------------------------------------------------------------------


def save_item(session, hosted: HostedFeed, item_type: str, form: dict, *, item: HostedItem | None = None,
              user=None) -> HostedItem:
    if item_type not in ITEM_TYPES:
        raise HostingError(_("Unknown kind of item."))
    if item is None:
        item = HostedItem(space_id=hosted.space_id, type=item_type,
                          uid=f"{hosted.space.slug}-{item_type}-{secrets.token_hex(6)}")
        session.add(item)
    elif item.type != item_type or item.space_id != hosted.space_id:
        raise HostingError(_("Unknown kind of item."))
    if item_type == "event":
        form = {**form, "zone": space_zone(hosted.space)}
    built = BUILDERS[item_type](item.uid, form)
    if item.item and item.item.get("_cancelled") and built.get("_corete", {}).get("rrule"):
        # Cancelled dates the changed series still has stay cancelled.
        kept = [k for k in item.item["_cancelled"] if _occurrence(built, k) is not None]
        if kept:
            built["_cancelled"] = kept
    _check(hosted, built)
    item.item, item.updated_at, item.updated_by = built, utcnow(), getattr(user, "id", None)
    _changed(hosted)
    session.flush()
    return item


def delete_item(session, hosted: HostedFeed, item: HostedItem) -> None:
    if hosted.feed is not None:  # the operator's own decision: no hold for confirmation
        confirm_removals(session, hosted.feed, [item.uid])
    session.delete(item)
    _changed(hosted)
    session.flush()


def save_profile(session, hosted: HostedFeed, form: dict) -> None:
    hosted.profile = {k: v for k, v in form.items() if k in PROFILE_FIELDS and v not in (None, "", [])}
    hosted.space.timezone = form.get("timezone")  # the registry's, not the feed's: the editor reads it
    _check(hosted, writers.skill_item("profile-check", "-", "-", category="-"))  # the profile with any item
    _changed(hosted)
    session.flush()


def _changed(hosted: HostedFeed) -> None:
    """The feed changed: the poller reads it at its next look for due feeds (seconds)."""
    hosted.updated_at = utcnow()
    if hosted.feed is not None and hosted.feed.state == "active":
        hosted.feed.next_poll_at = utcnow()


def add_hosted_space(session, name: str, base_url: str, **fields) -> Space:
    """A new member space whose feed the hub hosts (for an operator to fill in)."""
    from corete.spaces.services import add_space, unique_slug

    slug = unique_slug(session, name or "")
    space = add_space(session, name, [base_url.rstrip("/") + FEED_PATH.format(slug=slug or "space")], **fields)
    hosted_feed(session, space, base_url)
    return space
