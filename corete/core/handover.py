"""The plain data handed from the federation core to the rooms.

The poller turns every member feed, whatever its format, into one ``FeedDocument``.
Rooms (events, skills, purchasing, resources...) register the item types they own in
``corete.core.itemtypes``: the data class they are handed here, and an ``ItemHandler``
the poller calls inside the poll's single transaction. Neither side knows the other: a
new feed format is one parser, a new kind of item is one room's ``itemtype.py``.

``EventData`` is defined here rather than in the events room because three feed formats
(iCalendar, RSS and Atom, ActivityStreams) carry nothing but events: their parsers build
it directly.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Protocol



@dataclass(slots=True)
class SpaceProfile:
    """What a feed says about its own space (the `_corete.space` object)."""

    name: str | None = None
    kind: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    opening_hours: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    # Whether it welcomes members of other network spaces, and on which terms:
    # {"welcome": true, "days_per_year": 10, "notice_days": 1, "days": "Mo-Fr"}
    visitors: dict[str, Any] | None = None


@dataclass(slots=True)
class EventData:
    """One event or one recurring series (or one override of a series occurrence).

    ``start``/``end`` are aware datetimes, or dates when ``all_day`` (end exclusive).
    ``timezone`` is the IANA zone the event was published in (None: UTC given).
    """

    title: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None
    all_day: bool
    timezone: str | None
    uid: str
    status: str = "confirmed"
    sequence: int = 0
    rrule: str | None = None
    rdates: list[str] = field(default_factory=list)  # ISO instants or dates
    exdates: list[str] = field(default_factory=list)
    recurrence_id: str | None = None  # ISO of the occurrence this item overrides
    description_html: str | None = None
    url: str | None = None
    location: dict[str, Any] | None = None
    online_url: str | None = None
    price: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None  # the address of its picture (a poster), as the feed gives it


@dataclass(slots=True)
class Item:
    """One accepted item of a feed, identified within its feed by ``source_id``."""

    source_id: str
    type: str
    data: Any  # the item type's data class (EventData, SkillData...)
    content_hash: str = ""

    def __post_init__(self):
        if not self.content_hash:
            self.content_hash = content_hash(self.type, self.data)


@dataclass(slots=True)
class Rejection:
    """An item (or a whole document) the hub refused, with where and why, in plain words."""

    where: str  # JSON pointer ("/items/3/_corete/start") or "line 12"
    reason: str
    source_id: str | None = None
    item_type: str | None = None  # the refused item's type, when it named a known one


class ItemProblem(ValueError):
    """An item a type's reader refuses: ``where`` is the field, relative to the item
    ("title", "_corete/end"), and the message is for the member."""

    def __init__(self, reason: str, where: str = "_corete"):
        super().__init__(reason)
        self.reason, self.where = reason, where


@dataclass(slots=True)
class Envelope:
    """What every JSON Feed item says whatever its type, already cleaned: what a type's
    reader builds its data from, besides the `_corete` fields its schema checked."""

    source_id: str
    title: str | None
    html: str | None
    url: str | None
    tags: list[str]
    image: str | None  # the item's picture: JSON Feed's image, else its banner_image
    base: str | None  # the address relative links are read against
    warnings: list[Rejection]
    pointer: str  # "/items/3": where a warning about this item points


MAX_HUBS = 5  # WebSub hubs read from a document or its Link header; the rest are ignored


@dataclass(slots=True)
class FeedDocument:
    format: str  # "corete-json", "jsonfeed", "ical", "rss", "atom", "activitystreams"
    title: str | None = None
    home_page_url: str | None = None
    language: str | None = None
    space: SpaceProfile | None = None
    expired: bool = False
    # WebSub (push/websub.py): the hubs the document names, and its own address (the topic).
    hubs: list[str] = field(default_factory=list)
    self_url: str | None = None
    items: list[Item] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)


def occurrence_key(value: dt.datetime | dt.date) -> str:
    """The key naming one occurrence of a series (a normalised RECURRENCE-ID):
    ``20261201T170000Z`` for an instant, ``20261201`` for a date."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # dates and datetimes
        return value.isoformat()
    raise TypeError(type(value))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def content_hash(item_type: str, data) -> str:
    """A stable fingerprint of an item's meaning: equal hashes mean nothing to update.
    (Reads the fields directly: dataclasses.asdict deep-copies and cost 40% of parsing.)"""
    names = _FIELD_NAMES.get(type(data))
    if names is None:
        names = _FIELD_NAMES[type(data)] = tuple(f.name for f in fields(data))
    payload = json.dumps([item_type, [getattr(data, n) for n in names]], sort_keys=True, default=_json_default)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


class ItemHandler(Protocol):
    """What a room provides to receive the items of one type."""

    item_type: str

    def add(self, session, feed_id: int, space_id: int, items: list[Item]) -> None:
        """Store these items, new to this feed. Flush, never commit."""

    def replace(self, session, feed_id: int, space_id: int, items: list[Item]) -> None:
        """These items changed: replace what they put in the hub. Flush, never commit."""

    def remove(self, session, feed_id: int, source_ids: list[str]) -> None:
        """Remove what these items put in the hub. Flush, never commit."""


def fallback_id(*parts) -> str:
    """A stable identity for an item that has no id: the same content gives the same id."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return "h:" + hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def bounded_id(value: str) -> str:
    """Ids longer than the column are replaced by a hash of themselves."""
    return value if len(value) <= 480 else fallback_id(value)
