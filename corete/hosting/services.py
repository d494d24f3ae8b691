"""The rules of hosted feeds: what an operator's form becomes in the feed, the feed the
hub publishes, and telling the poller there is something new to read."""
from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from corete.core import itemtypes
from corete.core.forms import plain
from corete.core.models import utcnow
from corete.core.vocabulary import PROFILE_FIELDS
from corete.core.when import NETWORK_ZONE
from corete.events.hosted import cancelled_items, occurrence
from corete.federation import writers
from corete.federation.parse import Refused, read_item
from corete.federation.reasons import in_words
from corete.federation.services import confirm_removals
from corete.hosting.models import HostedFeed, HostedItem
from corete.spaces.models import Space
from corete.spaces.services import add_feed

FEED_PATH = "/spaces/{slug}/feed.json"


class HostingError(ValueError):
    """What the hub refuses to publish; the message is for the operator."""


def feed_url(space: Space, base_url: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(slug=space.slug)


def profile_of(space: Space) -> dict:
    """The space's profile as the hub knows it, as a hosted feed's profile starts."""
    return {k: getattr(space, k) for k in PROFILE_FIELDS if getattr(space, k) not in (None, "", [])}


def hosted_feed(session, space: Space, base_url: str) -> HostedFeed:
    """The space's hosted feed, created on the first save with the space's profile as the
    hub knows it, and registered among the space's feeds so the poller reads it."""
    hosted = session.scalar(select(HostedFeed).where(HostedFeed.space_id == space.id))
    if hosted is None:
        hosted = HostedFeed(space=space, profile=profile_of(space))
        session.add(hosted)
    if hosted.feed is None or hosted.feed.space_id != space.id:
        hosted.feed = add_feed(space, feed_url(space, base_url))
    session.flush()
    return hosted


def find_hosted(session, space: Space) -> HostedFeed | None:
    return session.scalar(select(HostedFeed).where(HostedFeed.space_id == space.id))


def items_of(session, space: Space, item_type: str | None = None) -> list[HostedItem]:
    stmt = select(HostedItem).where(HostedItem.space_id == space.id)
    if item_type:
        stmt = stmt.where(HostedItem.type == item_type)
    return list(session.scalars(stmt.order_by(HostedItem.type, HostedItem.created_at, HostedItem.id)))


# --- From a form to a feed item -----------------------------------------------------------


def space_zone(space: Space) -> str:
    """The zone a space's dates and times are typed in: its own, else the network's."""
    return space.timezone or NETWORK_ZONE


PRIVATE = ("_form", "_cancelled")  # kept with an item, never published as they are


def _published(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in PRIVATE}


def document(session, hosted: HostedFeed, items: list[HostedItem], self_url: str, hub_url: str | None = None) -> bytes:
    """The feed the hub publishes for a hosted space: a CoRete JSON Feed of its items, each
    as its type publishes it (a recurring event with its cancelled dates, a resource with
    its bookings as busy time)."""
    published = []
    for i in items:
        registered = itemtypes.get(i.type)
        if registered is not None and registered.editor is not None and registered.editor.published is not None:
            published += registered.editor.published(session, _published(i.item), i)
        else:
            published.append(_published(i.item))
    return writers.jsonfeed(dict(hosted.profile), published, feed_url=self_url, hubs=[hub_url] if hub_url else None)


# --- One date of a recurring event ------------------------------------------------------------


def set_cancelled(session, hosted: HostedFeed, item: HostedItem, key: str, cancelled: bool) -> None:
    """Cancel one date of a recurring event, or restore it."""
    if item.type != "event" or not item.core.get("rrule") or occurrence(item.item, key) is None:
        raise HostingError(_("This event has no such date."))
    keys = set(item.item.get("_cancelled", []))
    keys = keys | {key} if cancelled else keys - {key}
    item.item = {**item.item, "_cancelled": sorted(keys)}  # a new dict: the JSON column sees the change
    for published in cancelled_items(item.item):
        _check(hosted, published)
    item.updated_at = utcnow()
    _changed(hosted)
    session.flush()


def etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _check(hosted: HostedFeed, item: dict | None) -> None:
    """Run the poller's own parser on the item (or the profile alone, when None): what the
    hub publishes, it accepts."""
    _parsed(dict(hosted.profile), item)


def _parsed(profile: dict, item: dict | None):
    """The item as the poller will read it (its hand-over data); HostingError if refused."""
    try:
        return read_item(_published(item) if item else None, profile)
    except Refused as e:
        raise HostingError(_("The hub would refuse this: %(reason)s", reason=in_words(str(e)))) from None


def _editor(item_type: str) -> itemtypes.Editor:
    registered = itemtypes.get(item_type)
    if registered is None or registered.editor is None:
        raise HostingError(_("Unknown kind of item."))
    return registered.editor


def preview_item(space: Space, hosted: HostedFeed | None, item_type: str, form: dict):
    """What the network will show of this form, saving nothing: the poller's own reading of
    the item the form makes (the type's hand-over data: EventData for an event)."""
    return _parsed(dict(hosted.profile) if hosted else profile_of(space),
                   _editor(item_type).build("preview", form, space_zone(space)))


# --- Editing -------------------------------------------------------------------------------


def save_item(session, hosted: HostedFeed, item_type: str, form: dict, *, item: HostedItem | None = None,
              user=None) -> HostedItem:
    editor = _editor(item_type)
    if item is None:
        item = HostedItem(space_id=hosted.space_id, type=item_type,
                          uid=f"{hosted.space.slug}-{item_type}-{secrets.token_hex(6)}")
        session.add(item)
    elif item.type != item_type or item.space_id != hosted.space_id:
        raise HostingError(_("Unknown kind of item."))
    built = editor.build(item.uid, form, space_zone(hosted.space))
    built["_form"] = plain(form)  # to fill the form in again
    if item.item and editor.keep is not None:
        built = editor.keep(built, item.item)
    _check(hosted, built)
    item.item, item.updated_at, item.updated_by = built, utcnow(), getattr(user, "id", None)
    _changed(hosted)
    session.flush()
    return item


def delete_item(session, hosted: HostedFeed, item: HostedItem) -> None:
    if hosted.feed is not None:  # the operator's own decision: no hold for confirmation
        confirm_removals(session, hosted.feed, [item.uid])
    session.delete(item)
    _changed(hosted)
    session.flush()


def save_profile(session, hosted: HostedFeed, form: dict) -> None:
    hosted.profile = {k: v for k, v in form.items() if k in PROFILE_FIELDS and v not in (None, "", [])}
    hosted.space.timezone = form.get("timezone")  # the registry's, not the feed's: the editor reads it
    _check(hosted, None)  # the profile alone
    _changed(hosted)
    session.flush()


def _changed(hosted: HostedFeed) -> None:
    """The feed changed: the poller reads it at its next look for due feeds (seconds)."""
    hosted.updated_at = utcnow()
    if hosted.feed is not None and hosted.feed.state == "active":
        hosted.feed.next_poll_at = utcnow()


def add_hosted_space(session, name: str, base_url: str, **fields) -> Space:
    """A new member space whose feed the hub hosts (for an operator to fill in)."""
    from corete.spaces.services import add_space, unique_slug

    slug = unique_slug(session, name or "")
    space = add_space(session, name, [base_url.rstrip("/") + FEED_PATH.format(slug=slug or "space")], **fields)
    hosted_feed(session, space, base_url)
    return space
