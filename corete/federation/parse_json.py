"""The CoRete feed: JSON Feed 1.1 with a `_corete` extension (docs/feed-format.md)."""
from __future__ import annotations

import json

from marshmallow import ValidationError

from corete.core import itemtypes
from corete.core.handover import (
    MAX_HUBS, Envelope, FeedDocument, Item, ItemProblem, Rejection, SpaceProfile, bounded_id, fallback_id,
)
from corete.core.sanitize import clean_html, clean_tags, clean_text, clean_url, text_to_html
from corete.core.when import BadValue
from corete.federation.detect import InvalidDocument
from corete.federation.schemas import TOP_SCHEMA

JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"


class ItemError(Exception):
    def __init__(self, where: str, reason: str):
        super().__init__(reason)
        self.where, self.reason = where, reason


def _huge_int(text: str):
    # Python refuses to convert integers of more than 4300 digits and would fail the
    # whole document; such a number can only be wrong, so it becomes a value the item
    # schemas reject one item at a time.
    return int(text) if len(text) <= 30 else float("inf")


def load_json(text: str):
    try:
        return json.loads(text, parse_int=_huge_int)
    except RecursionError:
        raise InvalidDocument("the JSON is nested too deeply") from None
    except json.JSONDecodeError as e:
        raise InvalidDocument(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None


def parse_jsonfeed(data, *, base_url: str | None, max_items: int) -> FeedDocument:
    if not isinstance(data, dict):
        raise InvalidDocument("a JSON Feed is a JSON object")
    version = data.get("version")
    if not isinstance(version, str) or not version.startswith(JSONFEED_VERSION_PREFIX):
        raise InvalidDocument(f'not a JSON Feed: "version" must be "{JSONFEED_VERSION_PREFIX}1.1"')
    items = data.get("items")
    if not isinstance(items, list):
        raise InvalidDocument('a JSON Feed needs an "items" array (it may be empty)')
    home = clean_url(data.get("home_page_url"))
    doc = FeedDocument(
        format="jsonfeed",
        title=clean_text(data.get("title"), 300),
        home_page_url=home,
        language=clean_text(data.get("language"), 20),
        expired=data.get("expired") is True,
    )
    base = clean_url(data.get("feed_url")) or base_url
    doc.self_url = clean_url(data.get("feed_url"))
    hubs = data.get("hubs")
    if isinstance(hubs, list):  # JSON Feed 1.1: [{"type": "WebSub", "url": ...}]
        doc.hubs = [url for hub in hubs[:MAX_HUBS] if isinstance(hub, dict)
                    and str(hub.get("type", "WebSub")).casefold() == "websub" and (url := clean_url(hub.get("url")))]
    corete = data.get("_corete")
    if isinstance(corete, dict):
        doc.format = "corete"
        try:
            top = TOP_SCHEMA.load(corete)
        except ValidationError as e:
            # One bad field (say, the e-mail) costs that field, not the whole profile.
            doc.warnings.extend(Rejection(w, r) for w, r in _pointers("/_corete", e.messages))
            top = e.valid_data if isinstance(e.valid_data, dict) else {}
        if top.get("space"):
            doc.space = _space(top["space"], base)
    if len(items) > max_items:
        doc.warnings.append(Rejection("/items", f"{len(items)} items: only the newest {max_items} were read"))
        keep = sorted(range(len(items)), key=lambda i: _recency(items[i]), reverse=True)[:max_items]
        indices = sorted(keep)
    else:
        indices = range(len(items))
    seen: dict[str, int] = {}
    for i in indices:
        try:
            item = _item(items[i], i, base, doc.warnings)
        except ItemError as e:
            doc.rejections.append(Rejection(e.where, e.reason, _raw_id(items[i]), _raw_type(items[i])))
            continue
        first = seen.get(item.source_id)
        if first is not None:
            doc.rejections.append(Rejection(f"/items/{i}/id", f"duplicate id {item.source_id!r}: the item at /items/{first} was kept", item.source_id))
            continue
        seen[item.source_id] = i
        doc.items.append(item)
    return doc


def _recency(raw) -> str:
    if isinstance(raw, dict):
        value = raw.get("date_modified") or raw.get("date_published") or ""
        return value if isinstance(value, str) else ""
    return ""


def _raw_type(raw) -> str | None:
    core = raw.get("_corete") if isinstance(raw, dict) else None
    kind = core.get("type") if isinstance(core, dict) else None
    return kind if isinstance(kind, str) and itemtypes.get(kind) is not None else None


def _raw_id(raw) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), (str, int)) and not isinstance(raw.get("id"), bool):
        return str(raw["id"])[:200]
    return None


def _pointers(prefix: str, messages) -> list[tuple[str, str]]:
    """Flatten marshmallow's nested error dict into (JSON pointer, message) pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = "" if key == "_schema" else key
            out.extend(_pointers(f"{prefix}/{key}" if key != "" else prefix, value))
    elif isinstance(messages, list):
        out.append((prefix, "; ".join(str(m) for m in messages)))
    else:
        out.append((prefix, str(messages)))
    return out


def _first_error(prefix: str, err: ValidationError) -> ItemError:
    where, reason = _pointers(prefix, err.messages)[0]
    return ItemError(where, reason)


def _space(s: dict, base) -> SpaceProfile:
    return SpaceProfile(
        name=clean_text(s.get("name"), 200),
        kind=s.get("kind"),
        address=clean_text(s.get("address"), 300),
        city=clean_text(s.get("city"), 120),
        postal_code=clean_text(s.get("postal_code"), 20),
        country=(s.get("country") or "").upper() or None,
        lat=s.get("lat"),
        lon=s.get("lon"),
        email=s.get("email"),
        phone=clean_text(s.get("phone"), 50),
        website=clean_url(s.get("website"), base),
        opening_hours=clean_text(s.get("opening_hours"), 300),
        description=clean_text(s.get("description"), 5000),
        tags=clean_tags(s.get("tags")),
        visitors=_visitors(s.get("visitors")),
    )


def _visitors(v: dict | None) -> dict | None:
    """The terms on which a space welcomes members of other spaces (days it cannot read are
    dropped: the hub then checks no day)."""
    if not v:
        return None
    from corete.core import hours

    days = clean_text(v.get("days"), 100)
    try:
        hours.days(days) if days else None
    except hours.NotUnderstood:
        days = None
    terms = {"welcome": bool(v.get("welcome")), "days_per_year": v.get("days_per_year"),
             "notice_days": v.get("notice_days"), "days": days}
    return {k: value for k, value in terms.items() if value is not None}


def _item(raw, i: int, base: str | None, warnings: list[Rejection]) -> Item:
    """One item, read by its type's reader (corete.core.itemtypes)."""
    ptr = f"/items/{i}"
    if not isinstance(raw, dict):
        raise ItemError(ptr, "an item must be a JSON object")
    env = _envelope(raw, ptr)
    core = env.get("corete")
    if not isinstance(core, dict):
        raise ItemError(f"{ptr}/_corete", 'not a CoRete item: "_corete" with a "type" is missing')
    kind = core.get("type")
    registered = itemtypes.get(kind) if isinstance(kind, str) else None
    if registered is None:
        raise ItemError(f"{ptr}/_corete/type", itemtypes.type_error())
    try:
        fields = registered.schema.load(core)
    except ValidationError as e:
        raise _first_error(f"{ptr}/_corete", e) from None
    url = clean_url(env.get("url"), base)
    title = clean_text(env.get("title"), 300)
    id_warnings: list[Rejection] = []  # told only if the item is accepted, after its own
    source_id = _source_id(env.get("id"), url, kind, title, [core.get(k) if k else None for k in registered.identity],
                           ptr, id_warnings)
    envelope = Envelope(
        source_id=source_id, title=title,
        html=clean_html(env.get("content_html")) or text_to_html(env.get("content_text") or env.get("summary")),
        url=url, tags=clean_tags(env.get("tags")),
        # JSON Feed's own picture fields: the item's main image, else its banner.
        image=clean_url(env.get("image"), base) or clean_url(env.get("banner_image"), base),
        base=base, warnings=warnings, pointer=ptr)
    try:
        data = registered.read(fields, envelope)
    except ItemProblem as e:
        raise ItemError(f"{ptr}/{e.where}", e.reason) from None
    except BadValue as e:
        raise ItemError(f"{ptr}/_corete", str(e)) from None
    warnings.extend(id_warnings)
    return Item(source_id, kind, data)


_ENVELOPE_TEXT = ("title", "content_html", "content_text", "summary", "url", "date_published", "date_modified",
                  "image", "banner_image")


def _envelope(raw: dict, ptr: str) -> dict:
    """The JSON Feed fields of an item, type-checked. (Plain code, not a marshmallow
    schema: it runs for every item of every poll and only checks types.)"""
    env = {}
    for key in _ENVELOPE_TEXT:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ItemError(f"{ptr}/{key}", "Not a valid string.")
        env[key] = value
    tags = raw.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ItemError(f"{ptr}/tags", "must be a list of strings")
    env["tags"] = tags
    env["id"] = raw.get("id")
    core = raw.get("_corete")
    env["corete"] = core if isinstance(core, dict) else None
    return env


def _source_id(raw_id, url, kind, title, identity: list, ptr, warnings) -> str:
    if isinstance(raw_id, str) and clean_text(raw_id, 10_000):
        return bounded_id(clean_text(raw_id, 10_000))
    if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool) and raw_id == raw_id and abs(raw_id) != float("inf"):
        warnings.append(Rejection(f"{ptr}/id", "the id should be a string; the number was used as text"))
        return str(int(raw_id)) if float(raw_id).is_integer() else str(raw_id)
    warnings.append(Rejection(f"{ptr}/id", "the item has no usable id: give every item a stable string id"))
    if url:
        return bounded_id("u:" + url)
    return fallback_id(kind, title, *identity)
