"""The registry of item types: every kind of item a feed can carry (event, skill, need,
resource...), each registered by the room that owns it.

A room owns a type by having an ``itemtype.py`` module that calls ``register()``: the
hand-over data class, the schema that checks its `_corete` fields, how a feed item
becomes that data, the handler that stores it, how the hosted editor builds it and how
the validator previews it. The parser, the validator, the writers and the editor loop
over this registry; no other list of types exists. Adding a type is
docs/item-types.md.

Rooms are found by looking for ``corete/<room>/itemtype.py``, the first time a type is
asked for (a command that never reads a feed imports none of them).
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import pkgutil
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from corete.core.handover import Envelope, Item, ItemHandler


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """One line of the validator's preview: what the network will show of an item."""

    text: str
    when: Any = None  # an occurrence's start (a datetime or a date), shown in ``timezone``
    timezone: str | None = None
    place: str | None = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Preview:
    """A type's part of the validator's preview: its lines, and how many more there were."""

    heading: str
    lines: list[PreviewLine]
    more: int = 0
    empty: str | None = None  # what to say when there is nothing (None: say nothing)


@dataclass(frozen=True, slots=True)
class Editor:
    """How operators describe items of a type in the hosted editor (and its API).

    ``build(uid, form, zone)`` turns the form's checked values into the JSON Feed item the
    hub publishes; ``zone`` is the space's time zone. The editor keeps the form beside it
    to fill it in again. ``line`` is the template of one item in the editor's list (it is
    given ``i``, the HostedItem), ``template`` the form page."""

    form: type  # a marshmallow Schema class: the form's fields, and the API's JSON body
    build: Callable[[str, dict, str], dict]
    template: str
    line: str
    heading: str
    add: str
    footer: str | None = None  # a template shown under the type's list (a resource's bookings)
    pictures: bool = False  # the form takes a picture, kept as the hub's own copy
    preview: bool = False  # the form offers "preview": the poller's own reading, saving nothing
    # What the feed publishes for a stored item, given (session, the item as stored without
    # the editor's own keys, the HostedItem): an event adds its cancelled dates, a resource
    # its accepted bookings as busy time. None: the item alone.
    published: Callable[[Any, dict, Any], list[dict]] | None = None
    # What a changed item keeps of the one it replaces (an event's cancelled dates).
    keep: Callable[[dict, dict], dict] | None = None
    # More values for the form page from the stored item and the time (an event's next dates).
    context: Callable[[dict | None, dt.datetime], dict] | None = None  # (None: a new item)


@dataclass(frozen=True, slots=True)
class ItemType:
    """One kind of item, as its room registers it."""

    name: str  # `_corete.type` in the feed, and HostedItem.type (at most 10 characters)
    plural: str  # in English, for the command line's counts: "events"
    data: type  # the hand-over data class the handler receives
    schema: Any  # a marshmallow Schema instance: checks the item's `_corete` object
    read: Callable[[dict, Envelope], Any]  # (the schema's result, the item's envelope) -> data
    handler: str | ItemHandler  # the handler, or the module whose ``handler`` it is
    write: Callable[..., dict] | None = None  # a JSON Feed item from keyword values (writers.item)
    # The `_corete` fields that name an item without an id (its fallback id hashes them):
    # positions matter, and changing them changes the ids of such items.
    identity: tuple[str | None, ...] = ()
    order: int = 50  # the order a poll applies the types in
    preview: Callable[[list[Item], dt.datetime], Preview] | None = None
    fixes: dict[str, Any] = field(default_factory=dict)  # the validator's advice, by field name
    editor: Editor | None = None


_TYPES: dict[str, ItemType] = {}
_LOCK = threading.RLock()
_found = False
# Built on first use and after each change (a poll asks for them per item).
_ordered: list[ItemType] | None = None
_handlers: dict[str, ItemHandler] | None = None


def _changed() -> None:
    global _ordered, _handlers
    _ordered, _handlers = None, None


def register(item_type: ItemType) -> ItemType:
    """Add a type (or replace the one of that name)."""
    if not 0 < len(item_type.name) <= 10 or not item_type.name.isidentifier():
        raise ValueError(f"an item type's name is a short identifier: {item_type.name!r}")
    with _LOCK:
        _TYPES[item_type.name] = item_type
        _changed()
    return item_type


def unregister(name: str) -> None:
    with _LOCK:
        _TYPES.pop(name, None)
        _changed()


def _discover() -> None:
    """Import every room's ``itemtype`` module, once. (Not under _LOCK: a module being
    imported registers its type, and Python's own import locks make concurrent first calls
    from the poller's threads wait for each other's imports.)"""
    global _found
    if _found:
        return
    import corete

    for room in pkgutil.iter_modules(corete.__path__):
        module = f"corete.{room.name}.itemtype"
        if room.ispkg and importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    _found = True


def types() -> list[ItemType]:
    """Every registered type, in the order a poll applies them."""
    global _ordered
    _discover()
    ordered = _ordered
    if ordered is None:
        with _LOCK:
            ordered = _ordered = sorted(_TYPES.values(), key=lambda t: (t.order, t.name))
    return ordered


def get(name: str) -> ItemType | None:
    _discover()
    return _TYPES.get(name)


def names() -> list[str]:
    return [t.name for t in types()]


def editable() -> list[ItemType]:
    """The types operators can describe in the hosted editor."""
    return [t for t in types() if t.editor is not None]


def handlers() -> dict[str, ItemHandler]:
    """Every type's handler, by type, in the order a poll applies them (a handler given as
    a module is imported when first asked for: a poll with nothing to apply imports none)."""
    global _handlers
    found = _handlers
    if found is None:
        # Never under _LOCK: importing a handler's module may import an itemtype module,
        # whose register() takes _LOCK (a poll's threads would wait for each other forever).
        found = {t.name: t.handler if not isinstance(t.handler, str) else importlib.import_module(t.handler).handler
                 for t in types()}
        _handlers = found
    return found


def type_error() -> str:
    """The message for an item whose type no room registered."""
    return '"type" must be one of ' + ", ".join(f'"{n}"' for n in names())
