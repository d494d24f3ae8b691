"""From a body to one FeedDocument, whatever the format (detected, never asked)."""
from __future__ import annotations

from corete.core.handover import FeedDocument, Rejection
from corete.federation.detect import InvalidDocument, NotAFeed, decode_text, detect
from corete.federation.parse_activitystreams import looks_like_activitystreams, parse_activitystreams
from corete.federation.parse_ics import parse_ics
from corete.federation.parse_json import load_json, parse_jsonfeed
from corete.federation.parse_rss import parse_rss

__all__ = ["parse_feed", "InvalidDocument", "NotAFeed"]


def parse_feed(body: bytes, content_type: str | None = None, *, base_url: str | None = None,
               max_items: int = 1000) -> FeedDocument:
    """Raises NotAFeed (not a feed at all) or InvalidDocument (a feed that cannot be read)."""
    kind = detect(body, content_type)
    if kind == "xml":
        return parse_rss(body, base_url=base_url, max_items=max_items)
    text, warning = decode_text(body, content_type)
    if kind == "json":
        data = load_json(text)
        if looks_like_activitystreams(data):
            doc = parse_activitystreams(data, base_url=base_url, max_items=max_items)
        else:
            doc = parse_jsonfeed(data, base_url=base_url, max_items=max_items)
    else:
        doc = parse_ics(text, base_url=base_url, max_items=max_items)
    if warning:
        doc.warnings.insert(0, Rejection("document", warning))
    return doc
