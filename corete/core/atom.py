"""Atom (RFC 4287) documents the hub publishes (the calendar, the digest, the calls), through
xml.etree, which escapes every text."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from corete.core.sanitize import xml_safe

ATOM_NS = "http://www.w3.org/2005/Atom"
UTC = dt.timezone.utc


def _iso(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


WEBSUB_PATH = "/websub"


def websub_hub(config) -> str | None:
    """The hub's own WebSub hub, which its feeds name (push/publish.py), when it publishes
    one: WEBSUB_PUBLISH on and PUBLIC_URL known."""
    if not config.get("WEBSUB_PUBLISH") or not config.get("PUBLIC_URL"):
        return None
    return config["PUBLIC_URL"].rstrip("/") + WEBSUB_PATH


def atom_document(*, title: str, self_url: str, alternate_url: str, entries: list[dict], updated: dt.datetime,
                  feed_id: str, hub_url: str | None = None) -> bytes:
    """``entries``: dicts with id, title, updated, published, link (the hub's own page of
    the entry), related (the source's page, optional), summary (text), content (sanitised
    HTML or None), categories. Every text and attribute passes ``xml_safe``: one character
    XML forbids would make the whole feed unreadable for every subscriber."""
    ET.register_namespace("", ATOM_NS)

    def add(parent, tag: str, text: str | None = None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}",
                                {k: xml_safe(str(v)) for k, v in attributes.items() if v is not None})
        if text is not None:
            element.text = xml_safe(text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    add(feed, "id", feed_id)
    add(feed, "title", title)
    add(feed, "updated", _iso(updated))
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    if hub_url:  # WebSub: readers subscribe there to be told of changes
        add(feed, "link", rel="hub", href=hub_url)
    add(add(feed, "author"), "name", "CoRete")
    for e in entries:
        entry = add(feed, "entry")
        add(entry, "id", e["id"])
        add(entry, "title", e["title"])
        add(entry, "updated", _iso(e["updated"]))
        add(entry, "published", _iso(e["published"]))
        add(entry, "link", rel="alternate", type="text/html", href=e["link"])
        if e.get("related") and e["related"] != e["link"]:
            add(entry, "link", rel="related", type="text/html", href=e["related"])
        for term in e.get("categories") or []:
            add(entry, "category", term=term)
        add(entry, "summary", e["summary"])
        if e.get("content"):
            add(entry, "content", e["content"], type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def atom_feed_id(url: str) -> str:
    """An Atom feed's own id: a tag URI naming its address without the host (so a hub
    moved to another name keeps its subscribers' ids), one per filtered view."""
    parts = urlsplit(url)
    return "tag:corete,2026:" + parts.path + ("?" + parts.query if parts.query else "")
