"""RSS 2.0 and Atom feeds carrying events (RSS event module, GeoRSS): the only
module that uses feedparser. Items without an event date are skipped with a reason.

feedparser's sanitiser is switched off (it lets entity-encoded javascript: links
through when no base URL is given); every HTML field goes through our own nh3 cleaner.
"""
from __future__ import annotations

import datetime as dt
import re

import feedparser

from corete.core.handover import MAX_HUBS, EventData, FeedDocument, Item, Rejection
from corete.federation.detect import InvalidDocument
from corete.core.handover import bounded_id, fallback_id
from corete.core.when import NETWORK_ZONE, BadValue, parse_when
from corete.core.sanitize import clean_html, clean_tags, clean_text, clean_url

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


def _date_text(value: str) -> str:
    """The event module allows W3C-DTF; a space instead of the T is common too."""
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2} \d", value):
        value = value.replace(" ", "T", 1)
    return value


def parse_rss(body: bytes, *, base_url: str | None, max_items: int) -> FeedDocument:
    # Entity declarations are how billion-laughs and XXE documents work; member feeds
    # have no use for them, so they are refused before any XML parser sees them.
    if _ENTITY_DECL.search(body):
        raise InvalidDocument("the document declares XML entities, which the hub does not accept")
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.version and not parsed.entries:
        reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: None)() or str(parsed.get("bozo_exception") or "unknown format")
        raise InvalidDocument(f"not a readable RSS or Atom document: {reason}")
    fmt = "atom" if parsed.version.startswith("atom") else "rss"
    feed = parsed.feed
    home = clean_url(feed.get("link"), base_url)
    doc = FeedDocument(format=fmt, title=clean_text(feed.get("title"), 300), home_page_url=home,
                       language=clean_text(feed.get("language"), 20))
    for link in (feed.get("links") or [])[:20]:  # <atom:link rel="hub"> and rel="self" (WebSub)
        url = clean_url(link.get("href"), base_url)
        if url and link.get("rel") == "hub" and len(doc.hubs) < MAX_HUBS:
            doc.hubs.append(url)
        elif url and link.get("rel") == "self" and doc.self_url is None:
            doc.self_url = url
    if parsed.bozo:
        doc.warnings.append(Rejection("document", f"the XML is not well-formed and was read leniently: {parsed.bozo_exception}"[:300]))
    entries = parsed.entries
    if len(entries) > max_items:
        doc.warnings.append(Rejection("document", f"{len(entries)} items: only the first {max_items} were read"))
        entries = entries[:max_items]
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        where = f"item {n}"
        start_text = entry.get("ev_startdate")
        raw_id = entry.get("id") or entry.get("link")
        if not start_text:
            doc.rejections.append(Rejection(where, "the item has no event date (ev:startdate): it is not an event", raw_id))
            continue
        try:
            item = _event(entry, start_text, base_url or home)
        except BadValue as e:
            doc.rejections.append(Rejection(where, str(e), raw_id))
            continue
        if item.source_id in seen:
            doc.rejections.append(Rejection(where, f"duplicate id {item.source_id!r}: the first item was kept", item.source_id))
            continue
        seen.add(item.source_id)
        doc.items.append(item)
    return doc


def _event(entry, start_text: str, base: str | None) -> Item:
    title = clean_text(entry.get("title"), 300)
    if not title:
        raise BadValue("the item has no title")
    start, _ = parse_when(_date_text(start_text), None)
    end = None
    if entry.get("ev_enddate"):
        end, _ = parse_when(_date_text(entry["ev_enddate"]), None)
    all_day = not isinstance(start, dt.datetime)
    if all_day:
        if isinstance(end, dt.datetime):
            end = end.date()
        if end is not None:
            end = end + dt.timedelta(days=1)  # the event module's end date is inclusive
    elif end is not None and not isinstance(end, dt.datetime):
        end = dt.datetime.combine(end, dt.time(), tzinfo=start.tzinfo)
    if end is not None and end < start:
        raise BadValue("the event ends before it starts")
    location = {}
    if entry.get("ev_location"):
        location["name"] = clean_text(entry["ev_location"], 300)
    point = entry.get("where") or {}
    coords = point.get("coordinates") if hasattr(point, "get") else None
    if coords and len(coords) == 2:
        location["lon"], location["lat"] = float(coords[0]), float(coords[1])
    html = None
    if entry.get("content"):
        html = clean_html(entry["content"][0].get("value"))
    html = html or clean_html(entry.get("summary"))
    url = clean_url(entry.get("link"), base)
    raw_id = clean_text(entry.get("id"), 10_000)
    source_id = bounded_id(raw_id) if raw_id else (bounded_id("u:" + url) if url else fallback_id("rss", title, start_text))
    data = EventData(
        title=title, start=start, end=end, all_day=all_day,
        timezone=None if all_day else NETWORK_ZONE, uid=source_id,
        description_html=html, url=url, location=location or None,
        tags=clean_tags([t.get("term") for t in entry.get("tags", []) if t.get("term")]),
        image=_image(entry, base),
    )
    return Item(source_id, "event", data)


def _image(entry, base: str | None) -> str | None:
    """The item's picture: an image enclosure, else Media RSS content that is an image,
    else its Media RSS thumbnail."""
    candidates = [e.get("href") for e in entry.get("enclosures", [])
                  if str(e.get("type", "")).lower().startswith("image/")]
    candidates += [m.get("url") for m in entry.get("media_content", [])
                   if str(m.get("medium", "")).lower() == "image" or str(m.get("type", "")).lower().startswith("image/")]
    candidates += [m.get("url") for m in entry.get("media_thumbnail", [])]
    for candidate in candidates:
        url = clean_url(candidate, base)
        if url:
            return url
    return None
