"""Calls: receiving them from the federation, the coordinators' own calls for the whole
network, finding the open ones, and what the network has for each: the skills it seeks,
and, for a voucher of the accredited spaces, where it can be used."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload

from corete.calls.hosted import build
from corete.calls.itemtype import CallData, end_of
from corete.calls.models import Call
from corete.core.handler import RowHandler
from corete.core.forms import plain
from corete.core.models import utcnow
from corete.core.sanitize import normalise_name
from corete.core.vocabulary import region_of
from corete.core.when import NETWORK_ZONE, instant, zone
from corete.federation.parse import Refused, read_item
from corete.federation.reasons import in_words
from corete.spaces.models import Space

SEARCH_LIMIT = 50  # calls one page lists (the API pages through them all)
STATES = ("current", "open", "upcoming", "closed")


def region_keys(regions: list[str]) -> str:
    return "".join(f"|{normalise_name(r)}" for r in regions) + "|" if regions else ""


def call_columns(data: CallData) -> dict:
    amount = data.amount or {}
    tz = data.timezone or NETWORK_ZONE
    return dict(
        network=False, kind=data.kind, title=data.title, description_html=data.description_html, timezone=tz,
        opens_at=instant(data.opens, tz) if data.opens is not None else None,
        opens_day=_day(data.opens, tz), deadline_at=end_of(data.deadline, tz) if data.deadline is not None else None,
        deadline_day=_day(data.deadline, tz), deadline_timed=isinstance(data.deadline, dt.datetime),
        amount=Decimal(amount["amount"]) if amount else None, currency=amount.get("currency") or "EUR",
        benefit=data.benefit, issuer_name=data.issuer_name, issuer_url=data.issuer_url, eligibility=data.eligibility,
        accredited_only=data.accredited_only, audiences=data.audiences, regions=data.regions,
        region_keys=region_keys(data.regions), skills_sought=data.skills_sought, attachments=data.attachments,
        url=data.url, tags=data.tags,
    )


def _day(value, tz: str) -> dt.date | None:
    """The day as the call says it: a date, or an instant's day in the call's zone."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(zone(tz)).date()
    return value


handler = RowHandler("call", Call, call_columns)


# --- Finding calls -------------------------------------------------------------------------


class CallError(ValueError):
    """What the hub refuses to do with a call; the message is for the person."""


def state_of(call: Call, now: dt.datetime | None = None) -> str:
    """"upcoming" (not open yet), "open", or "closed" (its deadline passed)."""
    now = now or utcnow()
    if call.deadline_at is not None and call.deadline_at <= now:
        return "closed"
    if call.opens_at is not None and call.opens_at > now:
        return "upcoming"
    return "open"


def _visible():
    """A condition: a network call, or a call of an active space."""
    return or_(Call.network.is_(True), Space.active.is_(True))


def search(session, *, state: str = "current", kind=None, region=None, until: dt.date | None = None, q=None,
           space=None, audience=None, accredited=None, now: dt.datetime | None = None, limit: int = SEARCH_LIMIT,
           offset: int = 0, newest: bool = False) -> tuple[list[Call], int]:
    """(the calls matching the filters, how many in all). ``state``: "current" (open and
    upcoming, the default), "open", "upcoming" or "closed" (the archive, latest deadline
    first). ``region``: calls one may use there (those for the whole country included);
    ``until``: a deadline on or before that day. ``newest``: those the hub saw last first."""
    now = now or utcnow()
    conditions = [_visible()]
    still_open = or_(Call.deadline_at.is_(None), Call.deadline_at > now)
    opened = or_(Call.opens_at.is_(None), Call.opens_at <= now)
    conditions += {"current": [still_open], "open": [still_open, opened],
                   "upcoming": [still_open, ~opened], "closed": [~still_open]}[state]
    if kind:
        conditions.append(Call.kind == kind)
    if region:
        key = normalise_name(region_of(region) or region)  # "Trentino" is "Trentino-Alto Adige/Südtirol"
        conditions.append(or_(Call.region_keys == "", Call.region_keys.like(f"%|{key}|%")))
    if until:
        conditions.append(Call.deadline_day <= until)
    if q:
        like = f"%{q}%"
        conditions.append(or_(Call.title.ilike(like), Call.description_html.ilike(like), Call.benefit.ilike(like),
                              Call.issuer_name.ilike(like), Call.eligibility.ilike(like)))
    if space:
        conditions.append(Space.slug == space)
    if audience:
        conditions.append(cast(Call.audiences, String).like(f'%"{audience}"%'))
    if accredited is not None:
        conditions.append(Call.accredited_only.is_(bool(accredited)))
    stmt = select(Call).outerjoin(Space, Call.space_id == Space.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    if newest:
        order = (Call.first_seen_at.desc(), Call.id.desc())
    elif state == "closed":
        order = (Call.deadline_at.desc(), Call.id.desc())
    else:  # the nearest deadline first; calls with none last
        order = (Call.deadline_at.is_(None), Call.deadline_at, Call.id)
    found = session.scalars(stmt.options(joinedload(Call.space)).order_by(*order).limit(limit).offset(offset))
    return list(found), total


def of_space(session, space: Space, now: dt.datetime | None = None) -> list[Call]:
    """A space's calls still to come or open."""
    return search(session, space=space.slug, now=now, limit=50)[0]


def closing(session, start: dt.datetime, end: dt.datetime, limit: int = 50) -> list[Call]:
    """Calls whose deadline falls in [start, end): the digest's and newsletter's "apply now"."""
    return list(session.scalars(
        select(Call).outerjoin(Space, Call.space_id == Space.id)
        .where(_visible(), Call.deadline_at > start, Call.deadline_at <= end)
        .options(joinedload(Call.space)).order_by(Call.deadline_at, Call.id).limit(limit)))


def published_since(session, since: dt.datetime, until: dt.datetime, limit: int = 50) -> list[Call]:
    """Calls the hub first saw in [since, until) that are still open or to come."""
    return list(session.scalars(
        select(Call).outerjoin(Space, Call.space_id == Space.id)
        .where(_visible(), Call.first_seen_at >= since, Call.first_seen_at < until,
               or_(Call.deadline_at.is_(None), Call.deadline_at > until))
        .options(joinedload(Call.space)).order_by(Call.first_seen_at.desc(), Call.id).limit(limit)))


def for_period(session, start: dt.datetime, end: dt.datetime, limit: int = 50) -> list[Call]:
    """The calls a digest or newsletter of [start, end) tells: those first seen in the period
    of the same length before it and still open, and those whose deadline falls in it; the
    nearest deadline first."""
    found = {c.id: c for c in published_since(session, start - (end - start), start, limit)}
    found.update({c.id: c for c in closing(session, start, end, limit)})
    far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return sorted(found.values(), key=lambda c: (c.deadline_at or far, c.id))[:limit]


# --- What the network has for a call --------------------------------------------------------


def matching_skills(session, call: Call, lang: str, limit: int = 20):
    """The network's skills that answer what a call seeks, best first, each explained (the
    skills room's matcher; from the publishing space's place, none for a network call)."""
    from corete.skills.services import match, sought_taxa

    if not call.skills_sought:
        return []
    space = call.space
    return match(session, sought_taxa(call.skills_sought), lang, limit, space_id=call.space_id,
                 lat=space.lat if space else None, lon=space.lon if space else None)


def usable_at(session, call: Call) -> list[Space]:
    """For a call only for coworkers of accredited spaces (Milan's vouchers): the active
    accredited spaces where it can be used, in its regions when it names any."""
    if not call.accredited_only:
        return []
    from corete.map.places import find_municipality

    spaces = session.scalars(select(Space).where(Space.active.is_(True), Space.accredited.is_(True))
                             .order_by(Space.city, Space.name)).all()
    if not call.regions:
        return list(spaces)
    wanted = set(call.regions)
    found = []
    for space in spaces:
        place = find_municipality(space.city)
        if place is not None and place.region in wanted:
            found.append(space)
    return found


# --- The coordinators' calls for the whole network -------------------------------------------


def save_network_call(session, form: dict, *, call: Call | None = None, user=None) -> Call:
    """A call the coordinators publish for the whole network, from their form: built and
    read as a feed's item would be (what the hub publishes, it accepts)."""
    if call is None:
        call = Call(network=True, source_id=f"network-call-{secrets.token_hex(6)}")
        session.add(call)
    elif not call.network:
        raise CallError(_("Only the coordinators' own calls are edited here: the others are in their spaces' feeds."))
    item = build(call.source_id, form, NETWORK_ZONE)
    try:
        data = read_item(item)
    except Refused as e:
        raise CallError(_("The hub would refuse this: %(reason)s", reason=in_words(str(e)))) from None
    for key, value in call_columns(data).items():
        setattr(call, key, value)
    now = utcnow()
    call.network, call.form, call.written_by, call.updated_at = True, plain(form), getattr(user, "id", None), now
    if call.first_seen_at is None:
        call.first_seen_at = now
    session.flush()
    return call


def delete_network_call(session, call: Call) -> None:
    if not call.network:
        raise CallError(_("Only the coordinators' own calls are edited here: the others are in their spaces' feeds."))
    session.delete(call)
    session.flush()
