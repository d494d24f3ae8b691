"""Writing feeds in the three formats members publish: CoRete JSON Feed, iCalendar, RSS.

Each item type's room writes its items (``item()`` finds the writer in the registry);
this module writes the documents around them. Used by the hub to publish the feeds of
the spaces it hosts (corete.hosting), by the demo network's server, by the tests and by
the benchmark: all of them reach the hub through the same path as a real member's feed.
"""
from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime
from xml.sax.saxutils import escape

from icalendar import Calendar, Event

from corete.core import itemtypes


def item(item_type: str, *args, **kwargs) -> dict:
    """A JSON Feed item of a registered type, as its room writes it (``events.writers.event_item``
    and the like document the arguments)."""
    registered = itemtypes.get(item_type)
    if registered is None or registered.write is None:
        raise ValueError(f"no writer for items of type {item_type!r}")
    return registered.write(*args, **kwargs)


def jsonfeed(space: dict, items: list[dict], *, feed_url: str, home_page_url: str | None = None,
             hubs: list[str] | None = None) -> bytes:
    """A CoRete feed. ``space`` is the `_corete.space` object; ``items`` are JSON Feed items;
    ``hubs`` the WebSub hubs readers may subscribe to."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": space.get("name"),
        "home_page_url": home_page_url or space.get("website"),
        "feed_url": feed_url,
        "language": "it",
        "_corete": {"version": 1, "space": space},
        "items": items,
    }
    if hubs:
        doc["hubs"] = [{"type": "WebSub", "url": url} for url in hubs]
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def icalendar(name: str, events: list[dict]) -> bytes:
    """An iCalendar file; each event dict has uid, title, start, end and optional rrule,
    location, description, status."""
    cal = Calendar()
    cal.add("prodid", "-//CoRete demo//IT")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Rome")
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for e in events:
        ev = Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", stamp)
        ev.add("summary", e["title"])
        ev.add("dtstart", e["start"])
        if e.get("end") is not None:
            ev.add("dtend", e["end"])
        for key in ("location", "description", "status"):
            if e.get(key):
                ev.add(key, e[key])
        if e.get("rrule"):
            ev.add("rrule", e["rrule"])
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def rss(title: str, link: str, events: list[dict]) -> bytes:
    """RSS 2.0 with the RSS event module (ev:startdate...) and GeoRSS points."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/" xmlns:georss="http://www.georss.org/georss">',
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link><description>{escape(title)}</description>",
    ]
    for e in events:
        out.append("<item>")
        out.append(f"<guid isPermaLink=\"false\">{escape(e['uid'])}</guid><title>{escape(e['title'])}</title>")
        out.append(f"<link>{escape(e.get('url') or link)}</link><description>{escape(e.get('description', ''))}</description>")
        out.append(f"<pubDate>{format_datetime(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))}</pubDate>")
        out.append(f"<ev:startdate>{e['start'].isoformat()}</ev:startdate>")
        if e.get("end") is not None:
            out.append(f"<ev:enddate>{e['end'].isoformat()}</ev:enddate>")
        if e.get("location"):
            out.append(f"<ev:location>{escape(e['location'])}</ev:location>")
        if e.get("point"):
            out.append(f"<georss:point>{e['point'][0]} {e['point'][1]}</georss:point>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")
