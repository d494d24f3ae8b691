"""ActivityStreams events, as Gancio and Mobilizon federate them (Create/Event,
Event, or a collection of them). Everything else in ActivityStreams is rejected
with the reason."""
from __future__ import annotations

import datetime as dt

from corete.core.handover import EventData, FeedDocument, Item, Rejection
from corete.federation.detect import InvalidDocument
from corete.core.handover import bounded_id
from corete.core.when import NETWORK_ZONE, BadValue, parse_when
from corete.core.sanitize import clean_html, clean_tags, clean_text, clean_url

AS_TYPES = {"Create", "Update", "Event", "Collection", "OrderedCollection", "Place", "Note"}


def looks_like_activitystreams(data) -> bool:
    if isinstance(data, dict):
        return "@context" in data or data.get("type") in AS_TYPES
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0].get("type") in AS_TYPES
    return False


def _objects(data) -> list:
    if isinstance(data, list):
        return [o for d in data for o in _objects(d)]
    if not isinstance(data, dict):
        return []
    kind = data.get("type")
    if kind in ("Create", "Update"):
        return _objects(data.get("object"))
    if kind in ("Collection", "OrderedCollection"):
        return _objects(data.get("orderedItems") or data.get("items") or [])
    return [data]


def parse_activitystreams(data, *, base_url: str | None, max_items: int) -> FeedDocument:
    objects = _objects(data)
    events = [o for o in objects if o.get("type") == "Event"]
    if not events:
        kinds = sorted({str(o.get("type")) for o in objects}) or ["nothing"]
        raise InvalidDocument(f"an ActivityStreams document with no Event in it ({', '.join(kinds)})")
    doc = FeedDocument(format="activitystreams")
    for n, obj in enumerate(events[:max_items], 1):
        where = f"Event {n}"
        try:
            doc.items.append(_event(obj, base_url))
        except BadValue as e:
            doc.rejections.append(Rejection(where, str(e), str(obj.get("id"))[:200] if obj.get("id") else None))
    return doc


def _event(obj: dict, base) -> Item:
    title = clean_text(obj.get("name"), 300)
    if not title:
        raise BadValue("the event has no name")
    if not obj.get("startTime"):
        raise BadValue("the event has no startTime")
    start, _ = parse_when(obj["startTime"], None)
    end = parse_when(obj["endTime"], None)[0] if obj.get("endTime") else None
    if not isinstance(start, dt.datetime):
        raise BadValue("startTime must be a date-time")
    if end is not None and (not isinstance(end, dt.datetime) or end < start):
        raise BadValue("endTime must be a date-time after startTime")
    location, online = None, None
    places = obj.get("location")
    for place in places if isinstance(places, list) else [places]:
        if not isinstance(place, dict):
            continue
        address = place.get("address")
        if isinstance(address, dict) and address.get("type") == "VirtualLocation":
            online = online or clean_url(address.get("url"))
        elif location is None and place.get("name"):
            location = {"name": clean_text(place.get("name"), 300)}
            if isinstance(address, str):
                location["address"] = clean_text(address, 300)
    tags = [t.get("name", "").lstrip("#") for t in obj.get("tag") or [] if isinstance(t, dict)]
    url = clean_url(obj.get("url") if isinstance(obj.get("url"), str) else None, base)
    source_id = bounded_id(str(obj.get("id") or url or title))
    data = EventData(
        title=title, start=start, end=end, all_day=False, timezone=NETWORK_ZONE, uid=source_id,
        description_html=clean_html(obj.get("content") if isinstance(obj.get("content"), str) else None),
        url=url, location=location, online_url=online, tags=clean_tags(tags), image=_image(obj, base),
    )
    return Item(source_id, "event", data)


def _image(obj: dict, base) -> str | None:
    """The event's picture: its ``image``, else the first image ``attachment`` (Gancio puts
    the poster there, Mobilizon its banner)."""
    candidates = [obj.get("image")]
    attachments = obj.get("attachment")
    candidates += [a for a in (attachments if isinstance(attachments, list) else [attachments])
                   if isinstance(a, dict) and str(a.get("mediaType", "")).lower().startswith("image/")]
    for candidate in candidates:
        if isinstance(candidate, dict):
            candidate = candidate.get("url") or candidate.get("href")
            if isinstance(candidate, dict):  # a Link object
                candidate = candidate.get("href")
        url = clean_url(candidate, base) if isinstance(candidate, str) else None
        if url:
            return url
    return None
