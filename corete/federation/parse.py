"""From a body to one FeedDocument, whatever the format (detected, never asked).

Each format's parser is imported when a body of that format first comes (feedparser,
icalendar and the JSON schemas take a tenth of a second together): a poller with
nothing due imports none of them."""
from __future__ import annotations

from corete.core.handover import FeedDocument, Rejection
from corete.federation.detect import InvalidDocument, NotAFeed, decode_text, detect

__all__ = ["parse_feed", "read_item", "InvalidDocument", "NotAFeed", "Refused"]


def parse_feed(body: bytes, content_type: str | None = None, *, base_url: str | None = None,
               max_items: int = 1000) -> FeedDocument:
    """Raises NotAFeed (not a feed at all) or InvalidDocument (a feed that cannot be read)."""
    kind = detect(body, content_type)
    if kind == "xml":
        from corete.federation.parse_rss import parse_rss

        return parse_rss(body, base_url=base_url, max_items=max_items)
    text, warning = decode_text(body, content_type)
    if kind == "json":
        from corete.federation.parse_activitystreams import looks_like_activitystreams, parse_activitystreams
        from corete.federation.parse_json import load_json, parse_jsonfeed

        data = load_json(text)
        if looks_like_activitystreams(data):
            doc = parse_activitystreams(data, base_url=base_url, max_items=max_items)
        else:
            doc = parse_jsonfeed(data, base_url=base_url, max_items=max_items)
    else:
        from corete.federation.parse_ics import parse_ics

        doc = parse_ics(text, base_url=base_url, max_items=max_items)
    if warning:
        doc.warnings.insert(0, Rejection("document", warning))
    return doc


class Refused(ValueError):
    """An item the poller would refuse (``read_item``); the message is the reason, in English
    as the validator gives it."""


def read_item(item: dict | None, profile: dict | None = None):
    """The hand-over data the poller reads from one JSON Feed item (None for none: the
    profile alone is checked), in a feed whose `_corete.space` is ``profile``: what the hub
    publishes itself (the hosted editor, the coordinators' calls) passes the poller's own
    reading first. Raises Refused."""
    from corete.federation.writers import jsonfeed

    body = jsonfeed(profile or {"name": "CoRete"}, [item] if item else [], feed_url="https://hub.invalid/feed.json")
    try:
        doc = parse_feed(body, "application/feed+json")
    except (NotAFeed, InvalidDocument) as e:
        raise Refused(str(e)) from None
    if doc.rejections:
        raise Refused(doc.rejections[0].reason)
    return doc.items[0].data if item else None
