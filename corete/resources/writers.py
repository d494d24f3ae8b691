"""A resource as a JSON Feed item of the CoRete format (the hosted editor, the demo, the
tests and the benchmark), and the words of the format."""
from __future__ import annotations

import datetime as dt

RESOURCE_KINDS = ("meeting_room", "event_room", "desk", "equipment", "vehicle", "other")
PRICE_PER = ("hour", "day")
BOOKABLE_BY = ("network", "anyone")  # members of the network's spaces, or anyone (a visitor too)


def resource_item(id: str, name: str, kind: str, *, capacity: int | None = None, price: dict | None = None,
                  bookable_by: str = "network", opening_hours: str | None = None, rules: str | None = None,
                  busy=(), calendar: str | None = None, text: str = "", timezone: str = "Europe/Rome",
                  location: dict | None = None, image: str | None = None, tags=()) -> dict:
    """``price``: {"per": "hour", "member": 10, "public": 20}; ``busy``: (start, end) pairs
    of aware datetimes."""
    core: dict = {"type": "resource", "kind": kind, "bookable_by": bookable_by, "timezone": timezone}
    for key, value in (("capacity", capacity), ("price", price), ("opening_hours", opening_hours), ("rules", rules),
                       ("busy_calendar", calendar), ("location", location)):
        if value is not None:
            core[key] = value
    if busy:
        core["busy"] = [{"start": _iso(s), "end": _iso(e)} for s, e in busy]
    item = {"id": id, "title": name, "content_text": text, "tags": list(tags), "_corete": core}
    if image:
        item["image"] = image
    return item


def _iso(value: dt.datetime) -> str:
    return value.isoformat()
