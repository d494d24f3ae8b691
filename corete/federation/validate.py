"""The feed validator behind `corete feed validate` and the /validate page.

It runs exactly the parser the poller runs, so what it says is what the hub will do.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from corete.core import itemtypes
from corete.core.handover import FeedDocument, Rejection, SpaceProfile
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
    "busy": "the hub was busy reading other feeds of this server: try again in a minute",
}


@dataclass
class ValidationReport:
    valid: bool
    format: str | None = None
    error: str | None = None
    fix: str | None = None
    error_class: str | None = None
    document: FeedDocument | None = None
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)
    line_of: dict[str, int] = field(default_factory=dict)  # where -> line of the document it starts on

    @property
    def counts(self) -> dict[str, int]:
        """Accepted items by type: every registered type, in the registry's order."""
        counts = {name: 0 for name in itemtypes.names()}
        for item in self.document.items if self.document else []:
            counts[item.type] = counts.get(item.type, 0) + 1
        return counts

    def lines(self) -> list[str]:
        if self.error:
            return [f"INVALID: [{self.error_class}] {self.error}", f"  fix: {self.fix}"]
        out = [f"ERROR {r.where}: {r.reason}" for r in self.rejections]
        out += [f"WARNING {r.where}: {r.reason}" for r in self.warnings]
        plural = {t.name: t.plural for t in itemtypes.types()}
        counted = ", ".join(f"{n} {plural.get(name, name)}" for name, n in self.counts.items())
        verdict = "VALID" if self.valid else "INVALID"
        out.append(f"{verdict}: {self.format}, {counted} accepted; "
                   f"{len(self.rejections)} items rejected, {len(self.warnings)} warnings")
        return out


def validate_source(*, config, url: str | None = None, body: bytes | None = None,
                    content_type: str | None = None, policy: FetchPolicy | None = None) -> ValidationReport:
    """``policy``: how to fetch ``url`` (the poller's own by default, as the CLI uses it;
    the page passes FetchPolicy.for_validator)."""
    base_url = url
    if url is not None:
        try:
            result = fetch(url, policy or FetchPolicy.from_config(config))
        except FetchError as e:
            return ValidationReport(False, error=e.message, fix=FIXES.get(e.error_class),
                                    error_class=e.error_class)
        body, content_type, base_url = result.body, result.content_type, result.url
    try:
        doc = parse_feed(body or b"", content_type, base_url=base_url, max_items=int(config["FEED_MAX_ITEMS"]))
    except NotAFeed as e:
        return ValidationReport(False, error=str(e), fix=FIXES["not_a_feed"], error_class="not_a_feed")
    except InvalidDocument as e:
        return ValidationReport(False, error=str(e), fix=FIXES["invalid"], error_class="invalid")
    warnings = list(doc.warnings)
    if doc.format == "jsonfeed":
        warnings.append(Rejection("/_corete", 'a JSON Feed without "_corete": add {"version": 1, "space": {...}} so the hub knows your space'))
    if doc.expired:
        warnings.append(Rejection("/expired", "the feed says it has expired: the hub will stop polling it"))
    # Any rejected item makes the feed invalid (the poller still takes the good ones).
    valid = not doc.rejections
    return ValidationReport(valid, doc.format, document=doc, rejections=doc.rejections, warnings=warnings,
                            line_of=_lines(body or b"", doc.rejections + warnings))


_VEVENT = re.compile(r"^VEVENT (\d+)")
_LINE = re.compile(r"^line (\d+)$")


def _lines(body: bytes, problems: list[Rejection]) -> dict[str, int]:
    """The line each iCalendar problem starts on (the n-th BEGIN:VEVENT), for people who
    open the file in an editor. JSON problems are named by their field instead."""
    wanted = {p.where for p in problems if _VEVENT.match(p.where) or _LINE.match(p.where)}
    if not wanted:
        return {}
    begins = [n for n, line in enumerate(body.decode("utf-8", "replace").splitlines(), 1)
              if line.strip().upper() == "BEGIN:VEVENT"]
    found = {}
    for where in wanted:
        if m := _LINE.match(where):
            found[where] = int(m.group(1))
        elif (m := _VEVENT.match(where)) and int(m.group(1)) <= len(begins):
            found[where] = begins[int(m.group(1)) - 1]
    return found


# --- A preview: the space on the map, its items as the network will show them -------------


@dataclass
class Preview:
    space: SpaceProfile | None
    parts: list[itemtypes.Preview]


def preview(doc: FeedDocument, now: dt.datetime) -> Preview:
    """What the hub would show of this document: the space's profile, and each item type's
    own preview of its items (the events' next occurrences, the skills, the needs...)."""
    parts = [t.preview([i for i in doc.items if i.type == t.name], now) for t in itemtypes.types() if t.preview]
    return Preview(doc.space, [p for p in parts if p.lines or p.empty])
