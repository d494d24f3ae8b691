"""Subscribable exports of the network's events: iCalendar and Atom.

- iCalendar (RFC 5545) through the icalendar library: stable UIDs derived from the
  feed and the source's own id (never from a database row id, which changes when an
  item is removed and published again), DTSTAMP, a VTIMEZONE for every TZID used,
  escaping, 75-octet folding and CRLF. Recurring series are exported as series (RRULE,
  RDATE, EXDATE, RECURRENCE-ID overrides), so calendar apps expand them themselves.
- Atom (RFC 4287): core/atom.py.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event as VEvent, vRecur

from flask_babel import gettext

from corete.core.when import NETWORK_ZONE
from corete.core.sanitize import html_to_text, xml_safe
from corete.core.templating import span
from corete.events.models import Event
from corete.events.recurrence import UTC, parse_key, zone

PRODID = "-//CoRete//CoRete hub//IT"


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
    ev.add("summary", xml_safe(event.title))
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
        ev.add("location", xml_safe(place))
    if location.get("lat") is not None and location.get("lon") is not None:
        ev.add("geo", (location["lat"], location["lon"]))
    if event.tags:
        ev.add("categories", [xml_safe(t) for t in event.tags])
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
    # No METHOD: "PUBLISH" requires an ORGANIZER in every event (RFC 5546), which a
    # network calendar of many organisers has not; a plain calendar file needs none.
    cal.add("x-wr-calname", " ".join(xml_safe(name).split()))  # one line: a filter's text may hold breaks
    cal.add("x-wr-timezone", NETWORK_ZONE)
    for event in events:
        cal.add_component(vevent(event, url=url_for_event(event) if url_for_event else None))
    first, last = _years_covered(events)
    cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


FOREVER_YEARS = 10  # a series that never ends gets its zone's rules this many years ahead


def _years_covered(events: list[Event]) -> tuple[dt.date, dt.date]:
    """From the first of January of the earliest event's year to the end of the year of
    the last occurrence (a series that never ends: FOREVER_YEARS from now), so each
    VTIMEZONE has the offsets of every instant the file names."""
    this_year = dt.date.today().year
    first, last = this_year, this_year
    for event in events:
        start = event.start_date if event.all_day else event.start_at
        end = (event.end_date if event.all_day else event.end_at) or start
        if start is None:
            continue
        first, last = min(first, start.year), max(last, end.year)
        if event.is_series:
            last = max(last, event.series_end_at.year if event.series_end_at else this_year + FOREVER_YEARS)
    return dt.date(max(first, 1), 1, 1), dt.date(min(last + 1, 9999), 1, 1)


def occurrence_summary(event: Event, start, end) -> str:
    """"mar 1 dic 2026, 18:00–20:00 (Europe/Rome) · Lab121, Alessandria" in plain text, in
    the reader's language (inside a request)."""
    where = ", ".join(p for p in (event.space.name, event.space.city) if p) if event.space else ""
    status = " · " + gettext("cancelled").upper() if event.status == "cancelled" else ""
    return f"{span(event, start, end)} · {where}{status}"


def event_json_ld(o, start: str, end: str | None, url: str, picture: str | None = None) -> dict:
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
    if end and event.all_day:
        # schema.org's endDate is the last day of an all-day event (iCalendar's DTEND the day after)
        end = (dt.date.fromisoformat(end) - dt.timedelta(days=1)).isoformat()
    if end:
        data["endDate"] = end
    if picture:
        data["image"] = picture
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
