"""An event as a JSON Feed item of the CoRete format: what the hosted editor, the demo
network, the tests and the benchmarks publish (federation.writers writes the feed)."""
from __future__ import annotations

import datetime as dt


def event_item(id: str, title: str, start: dt.datetime | dt.date, end=None, *, text: str = "",
               timezone: str = "Europe/Rome", tags=(), rrule: str | None = None, location=None,
               price=None, status: str = "confirmed", url: str | None = None) -> dict:
    all_day = not isinstance(start, dt.datetime)
    core = {"type": "event", "start": start.isoformat(), "all_day": all_day, "timezone": timezone, "status": status}
    if end is not None:
        core["end"] = end.isoformat()
    if rrule:
        core["rrule"] = rrule
    if location:
        core["location"] = location
    if price is not None:
        core["price"] = price
    item = {"id": id, "title": title, "content_text": text, "tags": list(tags), "_corete": core}
    if url:
        item["url"] = url
    return item
