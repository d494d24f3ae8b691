"""Telling what a body is (the format is detected, never asked of the member)."""
from __future__ import annotations

import codecs
import re


class NotAFeed(Exception):
    """The body is not a feed at all (an HTML page, nothing, an image...)."""


_HTML = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_XML_FEED = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.I)


def detect(body: bytes, content_type: str | None = None) -> str:
    """One of "json", "ical", "xml"; raises NotAFeed with the reason otherwise.
    The body decides; the Content-Type only breaks ties."""
    head = body[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    head = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not head:
        raise NotAFeed("the answer is empty")
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        return "ical"
    if head[:1] == b"<":
        if _XML_FEED.search(head):
            return "xml"
        if _HTML.search(head):
            raise NotAFeed("the answer is an HTML page, not a feed (a login page, a captive portal, or the site's home page?)")
        if head.startswith(b"<?xml"):
            return "xml"
        raise NotAFeed("the answer is XML but neither RSS nor Atom")
    ctype = (content_type or "").split(";")[0].strip().lower()
    raise NotAFeed(f"the answer ({ctype or 'no content type'}) is not JSON Feed, iCalendar, RSS or Atom")


def decode_text(body: bytes, content_type: str | None = None) -> tuple[str, str | None]:
    """Text from bytes for the JSON and iCalendar parsers, and a warning if the bytes
    were not what they claimed. UTF-8 (with or without BOM) and UTF-16 with a BOM are
    read as such; bytes that are not UTF-8 are read as Windows-1252 (what Latin-1
    servers really send), which reads right far more often than replacement marks."""
    if body.startswith(codecs.BOM_UTF8):
        body = body[3:]
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace"), None
    declared = None
    m = re.search(r"charset=\"?([\w.:-]+)", content_type or "", re.I)
    if m:
        declared = m.group(1).lower()
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as e:
        fallback = "cp1252"
        if declared and declared not in ("utf-8", "utf8"):
            try:
                codecs.lookup(declared)
                fallback = declared
            except LookupError:
                pass
        text = body.decode(fallback, errors="replace")
        return text, f"the body is not valid UTF-8 (byte {e.start}); it was read as {fallback}"


class InvalidDocument(Exception):
    """The body is a feed format, but this document cannot be read as a whole."""
