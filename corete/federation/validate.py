"""The feed validator behind `corete feed validate` and the /validate page.

It runs exactly the parser the poller runs, so what it says is what the hub will do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from corete.core.handover import FeedDocument, Rejection
from corete.federation.fetch import FetchError, FetchPolicy, fetch
from corete.federation.parse import InvalidDocument, NotAFeed, parse_feed

FIXES = {
    "dns": "check the host name in the URL",
    "connect": "check that the server is up and reachable from the internet",
    "timeout": "the server is too slow: serve the feed as a static file",
    "tls": "renew or fix the HTTPS certificate",
    "http_4xx": "publish the feed at a public URL that needs no login",
    "http_5xx": "the server has an error: look at its logs",
    "rate_limited": "allow the hub to fetch the feed every few minutes",
    "too_large": "publish fewer or shorter items",
    "not_a_feed": "give the URL of the feed itself (JSON Feed, iCalendar, RSS or Atom), not of a page",
    "invalid": "see docs/feed-format.md for the format and a complete example",
    "blocked": "the feed must be on a public address, reached over http(s)",
}


@dataclass
class ValidationReport:
    valid: bool
    format: str | None = None
    error: str | None = None
    fix: str | None = None
    document: FeedDocument | None = None
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"event": 0, "skill": 0, "need": 0}
        for item in self.document.items if self.document else []:
            counts[item.type] = counts.get(item.type, 0) + 1
        return counts

    def lines(self) -> list[str]:
        if self.error:
            return [f"INVALID: {self.error}", f"  fix: {self.fix}"]
        out = [f"ERROR {r.where}: {r.reason}" for r in self.rejections]
        out += [f"WARNING {r.where}: {r.reason}" for r in self.warnings]
        c = self.counts
        verdict = "VALID" if self.valid else "INVALID"
        out.append(f"{verdict}: {self.format}, {c['event']} events, {c['skill']} skills, {c['need']} needs accepted; "
                   f"{len(self.rejections)} items rejected, {len(self.warnings)} warnings")
        return out


def validate_source(*, config, url: str | None = None, body: bytes | None = None,
                    content_type: str | None = None) -> ValidationReport:
    base_url = url
    if url is not None:
        try:
            result = fetch(url, FetchPolicy.from_config(config))
        except FetchError as e:
            return ValidationReport(False, error=f"[{e.error_class}] {e.message}", fix=FIXES.get(e.error_class))
        body, content_type, base_url = result.body, result.content_type, result.url
    try:
        doc = parse_feed(body or b"", content_type, base_url=base_url, max_items=int(config["FEED_MAX_ITEMS"]))
    except NotAFeed as e:
        return ValidationReport(False, error=f"[not_a_feed] {e}", fix=FIXES["not_a_feed"])
    except InvalidDocument as e:
        return ValidationReport(False, error=f"[invalid] {e}", fix=FIXES["invalid"])
    warnings = list(doc.warnings)
    if doc.format == "jsonfeed":
        warnings.append(Rejection("/_corete", 'a JSON Feed without "_corete": add {"version": 1, "space": {...}} so the hub knows your space'))
    if doc.expired:
        warnings.append(Rejection("/expired", "the feed says it has expired: the hub will stop polling it"))
    # Any rejected item makes the feed invalid (the poller still takes the good ones).
    valid = not doc.rejections
    return ValidationReport(valid, doc.format, document=doc, rejections=doc.rejections, warnings=warnings)
