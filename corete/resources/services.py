"""Resources: receiving them from the federation with their busy time, finding what is
free when someone needs it, reading the busy calendars spaces keep elsewhere, and the
bookings between spaces (requests, answers, cancellations), never two on one slot."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from corete.core.api import gc_paused
from corete.core.handler import RowHandler
from corete.core.models import chunks, utcnow
from corete.core.when import NETWORK_ZONE, zone
from corete.media.services import link as link_pictures, url_key
from corete.core import hours as opening
from corete.resources.itemtype import ResourceData
from corete.resources.models import Booking, Busy, Resource
from corete.spaces.models import Space

SEARCH_LIMIT = 50  # resources one search page lists (the API pages through them all)
MAX_WINDOW = dt.timedelta(days=31)  # the longest span a search or a booking may ask for


def resource_columns(data: ResourceData) -> dict:
    price = data.price or {}
    location = data.location or {}
    return dict(
        kind=data.kind, name=data.name, description_html=data.description_html, capacity=data.capacity,
        price_per=price.get("per"), member_price=price.get("member"), public_price=price.get("public"),
        currency=price.get("currency") or "EUR", bookable_by=data.bookable_by, opening_hours=data.opening_hours,
        hours=data.hours, timezone=data.timezone, rules=data.rules, place_name=location.get("name"),
        address=location.get("address"), city=location.get("city"), lat=location.get("lat"),
        lon=location.get("lon"), image_url=data.image, image_key=url_key(data.image),
        picture_id=None, url=data.url, tags=data.tags, calendar_url=data.calendar_url,
    )


class ResourceHandler(RowHandler):
    """Resources' rows, and the busy time their feed lists (replaced at each change)."""

    def written(self, session, feed_id: int, items) -> None:
        """Their busy time, replaced; their pictures, linked when the hub already has them
        (the rows' ids read once, for both)."""
        by_source = {i.source_id: i for i in items}
        for part in chunks(list(by_source)):
            ids = dict(session.execute(select(Resource.source_id, Resource.id).where(
                Resource.feed_id == feed_id, Resource.source_id.in_(part))).all())
            session.execute(delete(Busy).where(Busy.resource_id.in_(ids.values()), Busy.source == "feed"),
                            execution_options={"synchronize_session": False})
            rows = [{"resource_id": rid, "start": s, "end": e, "source": "feed"}
                    for sid, rid in ids.items() for s, e in by_source[sid].data.busy]
            if rows:
                session.execute(insert(Busy.__table__), rows)
            pictured = [rid for sid, rid in ids.items() if by_source[sid].data.image]
            if pictured:
                link_pictures(session, Resource, pictured)


handler = ResourceHandler("resource", Resource, resource_columns)


# --- Finding what is free ----------------------------------------------------------------------


class ResourceError(ValueError):
    """A search or a booking the hub refuses; the message is for the person."""


def busy_overlapping(start: dt.datetime, end: dt.datetime):
    """A condition: the resource (Resource) has busy time overlapping [start, end)."""
    return exists().where(Busy.resource_id == Resource.id, Busy.start < end, Busy.end > start)


def search(session, *, kind=None, city=None, capacity=None, space=None, q=None, bookable_by=None,
           start: dt.datetime | None = None, end: dt.datetime | None = None, limit: int = SEARCH_LIMIT,
           offset: int = 0) -> tuple[list[Resource], int]:
    """(the resources of active spaces matching the filters, how many match in all). With a
    window [start, end), only those free for all of it: no busy time overlapping it, and
    open then, when their opening hours are known."""
    conditions = [Space.active.is_(True)]
    if kind:
        conditions.append(Resource.kind == kind)
    if city:
        conditions.append(or_(func.lower(Resource.city) == city.lower(),
                              and_(Resource.city.is_(None), func.lower(Space.city) == city.lower())))
    if capacity:
        conditions.append(Resource.capacity >= capacity)
    if space:
        conditions.append(Space.slug == space)
    if bookable_by == "anyone":
        conditions.append(Resource.bookable_by == "anyone")
    if q:
        like = f"%{q}%"
        conditions.append(or_(Resource.name.ilike(like), Resource.description_html.ilike(like), Space.name.ilike(like)))
    order = (func.lower(Resource.name), Resource.id)
    if start is None or end is None:
        stmt = (select(Resource).join(Space, Resource.space_id == Space.id).options(contains_eager(Resource.space))
                .where(*conditions))
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        return list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset))), total
    # The database drops every resource with busy time in the window (an index probe each);
    # the opening hours of the rest are checked here, once per distinct week, on plain rows;
    # only the page's resources are loaded whole.
    with gc_paused():  # thousands of small rows, none in a cycle: the collector only cost time
        rows = session.execute(
            select(Resource.id, Resource.hours, Resource.opening_hours, Resource.timezone, Space.opening_hours)
            .join(Space, Resource.space_id == Space.id).where(*conditions, ~busy_overlapping(start, end))
            .order_by(*order)).all()
    verdicts: dict[tuple, bool] = {}
    free = []
    for rid, week, own_text, zone_name, space_text in rows:
        key = (own_text, space_text if not own_text else None, zone_name, week is None)
        verdict = verdicts.get(key)
        if verdict is None:
            if week is None and not own_text and space_text:
                week = _week_of(space_text)
            verdict = verdicts[key] = (not week) or opening.is_open(week, start, end, zone(zone_name or NETWORK_ZONE))
        if verdict:
            free.append(rid)
    page = free[offset:offset + limit]
    loaded = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(page))
                                               .options(joinedload(Resource.space)))} if page else {}
    return [loaded[rid] for rid in page], len(free)


def open_for(resource: Resource, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether it is open for all of [start, end): by its own hours, else its space's; when
    neither is published or understood, the hub does not guess and says yes."""
    week = resource.hours
    if week is None and not resource.opening_hours and resource.space.opening_hours:
        week = _week_of(resource.space.opening_hours)
    if not week:
        return True
    return opening.is_open(week, start, end, zone(resource.timezone or NETWORK_ZONE))


@lru_cache(maxsize=1024)
def _week_of(text: str):
    try:
        return opening.parse(text)
    except opening.NotUnderstood:
        return None


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime


def busy_spans(session, resource_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    return [tuple(r) for r in session.execute(
        select(Busy.start, Busy.end).where(Busy.resource_id == resource_id, Busy.start < end, Busy.end > start)
        .order_by(Busy.start))]


def next_free(session, resource: Resource, start: dt.datetime, end: dt.datetime, count: int = 3,
              horizon: dt.timedelta = dt.timedelta(days=30)) -> list[Slot]:
    """The next ``count`` slots as long as [start, end) in which the resource is free and
    open, from ``start`` on, stepping by half hours (what a refused request is offered)."""
    length, step = end - start, dt.timedelta(minutes=30)
    busy = busy_spans(session, resource.id, start, start + horizon + length)
    found: list[Slot] = []
    at = start
    while at < start + horizon and len(found) < count:
        until = at + length
        clash = next((e for s, e in busy if s < until and e > at), None)
        if clash is not None:
            at = max(at + step, _round_up(clash, step))
            continue
        if open_for(resource, at, until):
            found.append(Slot(at, until))
            at = until
        else:
            at += step
    return found


def _round_up(value: dt.datetime, step: dt.timedelta) -> dt.datetime:
    seconds = step.total_seconds()
    stamp = value.timestamp()
    return dt.datetime.fromtimestamp(-(-stamp // seconds) * seconds, dt.timezone.utc)


def accepted_spans(session, space_id: int, uid: str, days: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The accepted bookings, from now on, of the space's resource with this item id (the
    space's own: another member's feed may publish an item with the same id)."""
    now = utcnow()
    return [tuple(r) for r in session.execute(
        select(Booking.start, Booking.end).join(Resource, Booking.resource_id == Resource.id)
        .where(Resource.space_id == space_id, Resource.source_id == uid, Booking.state == "accepted",
               Booking.end > now,
               Booking.start < now + dt.timedelta(days=days))
        .order_by(Booking.start))]


# --- Bookings --------------------------------------------------------------------------------


class Conflict(ResourceError):
    """The slot is taken: the message, and the next free slots to offer instead."""

    def __init__(self, message: str, slots: list[Slot]):
        super().__init__(message)
        self.slots = slots


def _check_slot(session, resource: Resource, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    from flask_babel import gettext as _

    if end <= start:
        raise ResourceError(_("The end must come after the start."))
    if end - start > MAX_WINDOW:
        raise ResourceError(_("At most 31 days at a time."))
    if start < now - dt.timedelta(minutes=5):
        raise ResourceError(_("This time has already passed."))
    if busy_spans(session, resource.id, start, end):
        raise Conflict(_("%(name)s is already booked then.", name=resource.name),
                       next_free(session, resource, start, end))
    if not open_for(resource, start, end):
        raise Conflict(_("%(name)s is closed then.", name=resource.name), next_free(session, resource, start, end))


def request_booking(session, resource: Resource, *, start: dt.datetime, end: dt.datetime, person_name: str,
                    home_space: Space | None, user=None, person_email: str | None = None, people: int | None = None,
                    note: str | None = None, now: dt.datetime | None = None) -> tuple[Booking, str | None]:
    """A request for ``resource`` from ``start`` to ``end``: on behalf of a member of
    ``home_space`` (asked by one of its operators, ``user``), or of a visitor (no home
    space) where the resource accepts the public, whose e-mail must then be confirmed.
    Returns the booking and, for a visitor, the confirmation token to mail (only its hash
    is kept). Conflict when the slot is busy or closed, with the next free slots."""
    from flask_babel import gettext as _

    now = now or utcnow()
    if home_space is None and resource.bookable_by != "anyone":
        raise ResourceError(_("Only the members of the network's spaces may book this: ask your space's operator."))
    if home_space is None and not person_email:
        raise ResourceError(_("Give your e-mail address: the hub asks you to confirm it."))
    if people and resource.capacity and people > resource.capacity:
        raise ResourceError(_("It holds at most %(n)d people.", n=resource.capacity))
    _check_slot(session, resource, start, end, now)
    token = None
    booking = Booking(resource=resource, resource_name=resource.name, owner_space_id=resource.space_id,
                      home_space_id=home_space.id if home_space else None, person_name=person_name,
                      person_email=person_email, people=people, note=note, start=start, end=end,
                      requested_by=getattr(user, "id", None), state="requested", created_at=now)
    if home_space is None:
        token = secrets.token_urlsafe(24)
        booking.state, booking.confirm_token_hash = "unconfirmed", _hash(token)
    session.add(booking)
    session.flush()
    if booking.state == "requested":
        tell(session, booking, "requested")
    return booking, token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_email(session, token: str) -> Booking | None:
    """The visitor's e-mail confirmed: the request goes to the space. None if the link is
    unknown (or was used: the hash is forgotten then)."""
    booking = session.scalar(select(Booking).where(Booking.confirm_token_hash == _hash(token)))
    if booking is None or booking.state != "unconfirmed":
        return None
    booking.state, booking.email_confirmed, booking.confirm_token_hash = "requested", True, None
    session.flush()
    tell(session, booking, "requested")
    return booking


ACCEPT_LOCKS = 7301  # the first key of PostgreSQL's advisory locks accepts take turns on


def _take_turns(session, resource_id: int) -> None:
    """Accepts of one resource wait for each other until the transaction ends, so the one
    after a winner sees the winner's busy time. Without it PostgreSQL's exclusion
    constraint, checked by two accepts at once, could end one of them as a deadlock instead
    of a conflict (CI saw it with twenty at once). An advisory lock, not the resource's
    row: a poll of the owner's feed holds the feed's row and then writes the resource's,
    while an accept marks that feed due, and the two would wait for each other. SQLite
    writes one transaction at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ACCEPT_LOCKS, resource_id)))


def accept(session, booking: Booking, user) -> Booking:
    """The owning space accepts: the slot becomes busy time. Two accepts of overlapping
    requests at the same moment: the database lets one through; the other gets Conflict,
    its transaction rolled back (accepting must be all it holds)."""
    from flask_babel import gettext as _

    if booking.state != "requested" or booking.resource is None:
        raise ResourceError(_("Only a request waiting for an answer can be accepted."))
    _take_turns(session, booking.resource_id)
    _republish(session, booking)  # first: see _republish
    session.refresh(booking)
    if booking.state != "requested" or booking.resource_id is None:
        raise ResourceError(_("Only a request waiting for an answer can be accepted."))
    if busy_spans(session, booking.resource_id, booking.start, booking.end):
        raise Conflict(_("%(name)s is already booked then.", name=booking.resource_name),
                       next_free(session, booking.resource, booking.start, booking.end))
    name = booking.resource_name
    booking.state, booking.decided_by, booking.decided_at = "accepted", getattr(user, "id", None), utcnow()
    try:
        session.flush()
    except IntegrityError:  # the exclusion constraint (PostgreSQL) or the trigger (SQLite)
        session.rollback()  # the whole transaction: accepting is all it held
        raise Conflict(_("Another booking of %(name)s was accepted for this time a moment ago.", name=name),
                       []) from None
    session.add(Busy(resource_id=booking.resource_id, start=booking.start, end=booking.end, source="booking",
                     booking_id=booking.id))
    session.flush()
    tell(session, booking, "accepted")
    return booking


def decline(session, booking: Booking, user, reason: str) -> Booking:
    from flask_babel import gettext as _

    if booking.state not in ("requested", "unconfirmed"):
        raise ResourceError(_("Only a request waiting for an answer can be declined."))
    booking.state, booking.reason = "declined", reason
    booking.decided_by, booking.decided_at = getattr(user, "id", None), utcnow()
    session.flush()
    tell(session, booking, "declined")
    return booking


def cancel(session, booking: Booking, user, space: Space, reason: str) -> Booking:
    """Either side cancels (``space``: the one cancelling), with a reason both see."""
    from flask_babel import gettext as _

    if booking.state not in ("requested", "accepted", "unconfirmed"):
        raise ResourceError(_("This booking is no longer on."))
    if not reason:
        raise ResourceError(_("Say why: the other space reads it."))
    if booking.state == "accepted":
        _republish(session, booking)  # first: see _republish
    booking.state, booking.reason, booking.cancelled_by_space_id = "cancelled", reason, space.id
    booking.decided_by, booking.decided_at = getattr(user, "id", None), utcnow()
    session.execute(delete(Busy).where(Busy.booking_id == booking.id), execution_options={"synchronize_session": False})
    session.flush()
    tell(session, booking, "cancelled")
    return booking


def _republish(session, booking: Booking) -> None:
    """An accepted booking changes what the owner's hosted feed publishes: the hub reads it
    again at its next look (seconds). Done before the booking or its busy time is written,
    in the order a poll of that feed takes its rows (the feed's, then the resource's and its
    bookings'): in the other order, an accept and a poll that removes the resource each held
    what the other waited for."""
    from corete.federation.models import Feed

    if booking.resource is not None:
        session.execute(update(Feed).where(Feed.id == booking.resource.feed_id, Feed.state == "active")
                        .values(next_poll_at=utcnow()), execution_options={"synchronize_session": False})


def bookings_of(session, space: Space, limit: int = 200) -> list[Booking]:
    """The bookings ``space`` is a side of (its resources', and its members'), newest first."""
    return list(session.scalars(select(Booking).where(or_(Booking.owner_space_id == space.id,
                                                          Booking.home_space_id == space.id))
                                .order_by(Booking.start.desc()).limit(limit)))


def may_act(user, booking: Booking) -> str | None:
    """"owner" or "home": the side this account acts for (a coordinator: the owner's)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.has_role("coordinator") or any(s.id == booking.owner_space_id for s in user.spaces):
        return "owner"
    if booking.home_space_id and any(s.id == booking.home_space_id for s in user.spaces):
        return "home"
    return None


def tell(session, booking: Booking, what: str) -> int:
    """Mail the other side what happened: a request to the owner's operators, an answer or a
    cancellation to whoever asked (the requesting operator, or the visitor)."""
    from flask_babel import gettext as _

    from corete.accounts.models import User
    from corete.accounts.services import operators_of
    from corete.mail.services import queue

    people: list[tuple[str, str]] = []
    if what == "requested" or (what == "cancelled" and booking.cancelled_by_space_id != booking.owner_space_id):
        people += [(u.email, u.lang) for u in operators_of(session, booking.owner_space)]
    if what != "requested":
        asker = session.get(User, booking.requested_by) if booking.requested_by else None
        if asker is not None and asker.active and booking.cancelled_by_space_id != booking.home_space_id:
            people.append((asker.email, asker.lang))
        elif booking.home_space_id is None and booking.person_email and booking.email_confirmed:
            people.append((booking.person_email, "it"))
    subjects = {
        "requested": lambda: _("Booking request: %(name)s", name=booking.resource_name),
        "accepted": lambda: _("Booking accepted: %(name)s", name=booking.resource_name),
        "declined": lambda: _("Booking declined: %(name)s", name=booking.resource_name),
        "cancelled": lambda: _("Booking cancelled: %(name)s", name=booking.resource_name),
    }
    sent = 0
    for email, lang in dict(people).items():
        sent += queue(session, key=f"booking:{booking.id}:{what}:{email}", kind="booking", to=email, lang=lang,
                      subject=subjects[what], context={"booking": booking, "what": what})
    return sent


def mail_confirmation(session, booking: Booking, token: str, lang: str) -> None:
    from flask_babel import gettext as _

    from corete.mail.services import queue

    queue(session, key=f"booking-confirm:{booking.id}", kind="booking_confirm", to=booking.person_email, lang=lang,
          subject=lambda: _("Confirm your booking request: %(name)s", name=booking.resource_name),
          context={"booking": booking, "token": token}, sensitive=True)
