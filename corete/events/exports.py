"""Subscribable exports of the network's events: iCalendar and Atom.

- iCalendar (RFC 5545) through the icalendar library: stable UIDs derived from the
  feed and the source's own id (never from a database row id, which changes when an
  item is removed and published again), DTSTAMP, a VTIMEZONE for every TZID used,
  escaping, 75-octet folding and CRLF. Recurring series are exported as series (RRULE,
  RDATE, EXDATE, RECURRENCE-ID overrides), so calendar apps expand them themselves.
- Atom (RFC 4287) through xml.etree, which escapes every text.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event as VEvent, vRecur

from corete.core.handover import NETWORK_ZONE
from corete.core.sanitize import html_to_text
from corete.events.models import Event
from corete.events.recurrence import UTC, parse_key, zone

PRODID = "-//CoRete//CoRete hub//IT"
ATOM_NS = "http://www.w3.org/2005/Atom"


def export_uid(event: Event) -> str:
    """The UID subscribers see: the same at every export, for as long as the space
    keeps publishing the item with the same id in the same feed."""
    digest = hashlib.blake2b(f"{event.feed_id}\x1f{event.uid}".encode(), digest_size=12).hexdigest()
    return f"{digest}@corete"


def _local(event: Event, value: dt.datetime) -> dt.datetime:
    """An instant in the event's own zone (so the export names that TZID), else UTC."""
    tz = zone(event.timezone)
    return value.astimezone(tz) if isinstance(tz, ZoneInfo) else value.astimezone(UTC)


def _key_value(key: str, event: Event):
    value = parse_key(key)
    return value if event.all_day else _local(event, value)


def vevent(event: Event, *, url: str | None = None) -> VEvent:
    ev = VEvent()
    ev.add("uid", export_uid(event))
    ev.add("dtstamp", event.updated_at)
    ev.add("last-modified", event.updated_at)
    ev.add("created", event.first_seen_at)
    ev.add("sequence", event.sequence or 0)
    ev.add("summary", event.title)
    if event.all_day:
        ev.add("dtstart", event.start_date)
        ev.add("dtend", event.end_date)
    else:
        ev.add("dtstart", _local(event, event.start_at))
        if event.end_at:
            ev.add("dtend", _local(event, event.end_at))
    if event.recurrence_id:
        ev.add("recurrence-id", _key_value(event.recurrence_id, event))
    if event.rrule:
        ev.add("rrule", vRecur.from_ical(event.rrule))
    if event.rdates:
        ev.add("rdate", [_key_value(k, event) for k in event.rdates])
    if event.exdates:
        ev.add("exdate", [_key_value(k, event) for k in event.exdates])
    ev.add("status", (event.status or "confirmed").upper())
    description = html_to_text(event.description_html)
    if description:
        ev.add("description", description)
    location = event.location or {}
    place = ", ".join(p for p in (location.get("name"), location.get("address"), location.get("city")) if p)
    if not place and event.space is not None:
        place = ", ".join(p for p in (event.space.name, event.space.address, event.space.city) if p)
    if place:
        ev.add("location", place)
    if location.get("lat") is not None and location.get("lon") is not None:
        ev.add("geo", (location["lat"], location["lon"]))
    if event.tags:
        ev.add("categories", event.tags)
    if url or event.url:
        ev.add("url", url or event.url)
    if event.space is not None:
        ev.add("x-corete-space", event.space.slug)
    return ev


def icalendar_document(events: list[Event], *, name: str, url_for_event=None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", NETWORK_ZONE)
    for event in events:
        cal.add_component(vevent(event, url=url_for_event(event) if url_for_event else None))
    cal.add_missing_timezones()
    return cal.to_ical()


def _iso(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def atom_document(*, title: str, self_url: str, alternate_url: str, entries: list[dict], updated: dt.datetime,
                  feed_id: str) -> bytes:
    """``entries``: dicts with id, title, updated, published, link, summary (text),
    content (sanitised HTML or None), categories."""
    ET.register_namespace("", ATOM_NS)
    q = lambda tag: f"{{{ATOM_NS}}}{tag}"  # noqa: E731
    feed = ET.Element(q("feed"))
    ET.SubElement(feed, q("id")).text = feed_id
    ET.SubElement(feed, q("title")).text = title
    ET.SubElement(feed, q("updated")).text = _iso(updated)
    ET.SubElement(feed, q("link"), rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, q("link"), rel="alternate", type="text/html", href=alternate_url)
    author = ET.SubElement(feed, q("author"))
    ET.SubElement(author, q("name")).text = "CoRete"
    for e in entries:
        entry = ET.SubElement(feed, q("entry"))
        ET.SubElement(entry, q("id")).text = e["id"]
        ET.SubElement(entry, q("title")).text = e["title"]
        ET.SubElement(entry, q("updated")).text = _iso(e["updated"])
        ET.SubElement(entry, q("published")).text = _iso(e["published"])
        if e.get("link"):
            ET.SubElement(entry, q("link"), rel="alternate", href=e["link"])
        for term in e.get("categories") or []:
            ET.SubElement(entry, q("category"), term=term)
        ET.SubElement(entry, q("summary")).text = e["summary"]
        if e.get("content"):
            ET.SubElement(entry, q("content"), type="html").text = e["content"]
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def occurrence_summary(event: Event, start, end) -> str:
    """"Mon 1 Dec 2026 18:00 (Europe/Rome) · Lab121, Alessandria" in plain text."""
    if event.all_day:
        when = start.isoformat() + (f" – {(end - dt.timedelta(days=1)).isoformat()}" if end and end - start > dt.timedelta(days=1) else "")
    else:
        local = start.astimezone(zone(event.timezone))
        when = local.strftime("%Y-%m-%d %H:%M") + f" ({event.timezone or 'UTC'})"
    where = ", ".join(p for p in (event.space.name, event.space.city) if p) if event.space else ""
    status = " · ANNULLATO / CANCELLED" if event.status == "cancelled" else ""
    return f"{when} · {where}{status}"



def event_json_ld(o, start: str, end: str | None, url: str) -> dict:
    """schema.org Event for one occurrence (the page embeds it with Jinja's tojson,
    which escapes <, > and & so the text cannot close the script element)."""
    event = o.event
    location = event.location or {}
    place: dict = {"@type": "Place", "name": location.get("name") or (event.space.name if event.space else None)}
    address = location.get("address") or (event.space.address if event.space and not location else None)
    city = location.get("city") or (event.space.city if event.space and not location.get("name") else None)
    if address or city:
        place["address"] = {"@type": "PostalAddress", "streetAddress": address, "addressLocality": city,
                            "addressCountry": "IT"}
    lat = location.get("lat", event.space.lat if event.space and not location else None)
    lon = location.get("lon", event.space.lon if event.space and not location else None)
    if lat is not None and lon is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": start,
        "eventStatus": "https://schema.org/EventCancelled" if event.status == "cancelled"
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode" if event.online_url and not event.location
        else "https://schema.org/OfflineEventAttendanceMode",
        "location": {"@type": "VirtualLocation", "url": event.online_url} if event.online_url and not event.location
        else place,
        "url": url,
    }
    if end:
        data["endDate"] = end
    description = html_to_text(event.description_html)
    if description:
        data["description"] = description
    if event.space is not None:
        data["organizer"] = {"@type": "Organization", "name": event.space.name, "url": event.space.website}
    price = event.price or {}
    if price.get("free"):
        data["isAccessibleForFree"] = True
        data["offers"] = {"@type": "Offer", "price": "0", "priceCurrency": "EUR"}
    elif price.get("amount") is not None:
        data["offers"] = {"@type": "Offer", "price": str(price["amount"]), "priceCurrency": price.get("currency", "EUR")}
    return data
