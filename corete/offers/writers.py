"""An offer as a JSON Feed item of the CoRete format (the hosted editor, the demo, the
tests and the benchmark), and the words of the format."""
from __future__ import annotations

import datetime as dt

OFFER_CATEGORIES = ("discount", "consultation", "service", "space", "training", "other")
OFFER_AUDIENCES = ("network", "anyone")  # members of the network's spaces, or anyone


def offer_item(id: str, title: str, category: str, *, audience: str = "network", benefit: str | None = None,
               conditions: str | None = None, offered_by: str | None = None, offered_by_url: str | None = None,
               valid_from: dt.date | None = None, valid_until: dt.date | None = None, contact: str | None = None,
               url: str | None = None, text: str = "", tags=()) -> dict:
    core: dict = {"type": "offer", "category": category, "audience": audience}
    for key, value in (("benefit", benefit), ("conditions", conditions), ("contact", contact)):
        if value:
            core[key] = value
    for key, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value is not None:
            core[key] = value.isoformat()
    if offered_by or offered_by_url:
        core["offered_by"] = {k: v for k, v in (("name", offered_by), ("url", offered_by_url)) if v}
    item = {"id": id, "title": title, "content_text": text, "tags": list(tags), "_corete": core}
    if url:
        item["url"] = url
    return item
