"""The map's rules: which points are on it under which filters, and the life of a
citizen's proposal (submitted, moderated, revised, reported).

Every filter narrows every layer: a point is shown only if it meets them all, so a
filter a layer cannot meet (a space kind, for proposals; a proposal category, for
spaces) empties that layer rather than being ignored. Views, the API and the exports
all ask ``points()``: the map, its list view and its CSV never disagree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, func, or_, select, type_coerce

from corete.core.models import parse_id, utcnow
from corete.events.models import Event, EventTag, OccurrenceRow
from corete.events.services import in_city, overlapping, upcoming, when_window
from corete.map.models import (
    REPORT_REASONS,
    REPORT_TARGETS,
    Proposal,
    ProposalRevision,
    Report,
)
from corete.map.places import find_municipality, in_italy
from corete.skills.models import Skill
from corete.spaces.models import Space

LAYERS = ("spaces", "events", "proposals", "resources")
AT_HOST = 0.001  # degrees: a venue this close to its host space (about 100 m) is the space itself


@dataclass(frozen=True)
class MapFilters:
    layers: tuple[str, ...] = LAYERS
    kind: str | None = None
    city: str | None = None
    tag: str | None = None
    skill: str | None = None
    q: str | None = None
    category: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    when: str | None = None  # a quick filter (today, weekend, week): where something happens then
    event_tags: tuple[str, ...] | None = None  # an event category's tags (events.categories)
    visitors: bool = False  # only the spaces that welcome members of other spaces (coworking visas)
    offers: bool = False  # only the spaces that offer something to the network now (offers room)


@dataclass(slots=True)
class Point:
    """One marker: a space, the venue of upcoming events, or an approved proposal.
    ``ref`` names what it points at (a space's slug, an event's id, a proposal's id)."""

    layer: str
    ref: str
    lat: float
    lon: float
    name: str
    approximate: bool = False
    city: str | None = None
    address: str | None = None
    kind: str | None = None  # the space's kind, or the proposal's category
    accredited: bool = False
    space: str | None = None  # the hosting space's slug (event venues)
    space_name: str | None = None
    events: int = 0  # event venues: how many upcoming events
    next_title: str | None = None
    next_start: str | None = None  # ISO 8601, UTC
    next_picture: str | None = None  # the picture id of the next event, if it has one
    tags: list[str] = field(default_factory=list)
    resources: int = 0  # a place's rooms and equipment: how many
    resource_kinds: list[str] = field(default_factory=list)
    offers: int = 0  # a space's offers to the network that hold today
    space_id: int | None = None  # a space's row (spaces layer)


def _like(text: str) -> str:
    return f"%{text}%"


def _in_box(lat, lon, bbox):
    """The SQL condition of a bounding box on two columns (points() checks again after
    positions are resolved; this spares reading what is far away)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return and_(lat.between(min_lat, max_lat), lon.between(min_lon, max_lon))


def _offering():
    """The ids of the spaces with an offer to the network that holds today."""
    from corete.offers.services import offering_spaces

    return offering_spaces()


def _spaces_with_skill(skill: str):
    like = _like(skill)
    return select(Skill.space_id).where(or_(Skill.skill.ilike(like), Skill.category.ilike(like)))


def position(lat, lon, city) -> tuple[float, float, bool] | None:
    """(lat, lon, approximate): the given position, else the municipality's centroid."""
    if lat is not None and lon is not None:
        return lat, lon, False
    place = find_municipality(city)
    return (place.lat, place.lon, True) if place else None


def space_points(session, f: MapFilters, *, now: dt.datetime, days: int = 60,
                 unplaced_only: bool = False) -> tuple[list[Point], list]:
    """The spaces on the map, and those the filters keep that have no position at all
    (only those, and no points, with ``unplaced_only``)."""
    if f.category:
        return [], []
    # Columns, not Space objects: a third of the time for 5,000 spaces (bench_map.py).
    stmt = (select(Space.slug, Space.name, Space.kind, Space.accredited, Space.city, Space.address, Space.lat,
                   Space.lon, Space.tags, Space.id).where(Space.active.is_(True)).order_by(Space.name, Space.id))
    if unplaced_only:
        stmt = stmt.where(or_(Space.lat.is_(None), Space.lon.is_(None)))
    if f.kind:
        stmt = stmt.where(Space.kind == f.kind)
    if f.visitors:
        stmt = stmt.where(Space.welcomes_visitors.is_(True))
    if f.offers:
        stmt = stmt.where(Space.id.in_(_offering()))
    if f.when or f.event_tags:  # the spaces that host an event then, or of that category
        start, end = when_window(f.when, now) if f.when else (now, now + dt.timedelta(days=days))
        hosts = (select(Event.space_id).join(OccurrenceRow, OccurrenceRow.event_id == Event.id)
                 .where(overlapping(start, end), Event.status != "cancelled"))
        if f.event_tags:
            hosts = hosts.where(Event.id.in_(select(EventTag.event_id).where(EventTag.tag.in_(f.event_tags))))
        stmt = stmt.where(Space.id.in_(hosts))
    if f.city:
        stmt = stmt.where(Space.city.ilike(f.city))
    if f.q:
        like = _like(f.q)
        stmt = stmt.where(or_(Space.name.ilike(like), Space.description.ilike(like), Space.city.ilike(like),
                              Space.address.ilike(like)))
    if f.skill:
        stmt = stmt.where(Space.id.in_(_spaces_with_skill(f.skill)))
    if f.bbox:  # spaces without coordinates are placed by their city, after the query
        stmt = stmt.where(or_(Space.lat.is_(None), Space.lon.is_(None), _in_box(Space.lat, Space.lon, f.bbox)))
    tag = f.tag.casefold() if f.tag else None
    points, unplaced = [], []
    rows = [space for space in session.execute(stmt) if not tag or tag in {t.casefold() for t in space.tags or []}]
    held_in = _only_municipality(session, [s.id for s in rows if position(s.lat, s.lon, s.city) is None])
    for space in rows:
        where = position(space.lat, space.lon, space.city)
        if where is None and space.id in held_in:  # where all its events happen, approximate
            where = (held_in[space.id].lat, held_in[space.id].lon, True)
        if where is None:
            unplaced.append(space)
            continue
        if unplaced_only:
            continue
        points.append(Point("spaces", space.slug, where[0], where[1], space.name, approximate=where[2],
                            city=space.city, address=space.address, kind=space.kind,
                            accredited=space.accredited, tags=space.tags or [], space_id=space.id))
    return points, unplaced


def _only_municipality(session, space_ids: list[int]) -> dict:
    """For spaces with no position of their own: the one municipality all their events
    that name a place (not cancelled) are in, for those whose events name exactly one."""
    found: dict[int, set] = {}
    for space_id, city in session.execute(
            select(Event.space_id, Event.venue_city).where(Event.space_id.in_(space_ids), Event.status != "cancelled",
                                                           Event.venue_city.is_not(None)).distinct()) if space_ids else ():
        found.setdefault(space_id, set()).add(find_municipality(city))
    return {space_id: next(iter(places)) for space_id, places in found.items() if len(places) == 1 and None not in places}


def venue_points(session, f: MapFilters, *, now: dt.datetime, days: int) -> list[Point]:
    """Where upcoming events happen: one point per position, with how many events and
    the next one. A venue without coordinates but with a known municipality (its city, or
    one read from its free text) is at that municipality's centre, approximate. An event at
    its host (within about 100 m of it, or only in the host's own municipality, or nowhere
    known) is already on the map as the host space, whose popup lists its next events."""
    if f.category:
        return []
    start, until = when_window(f.when, now) if f.when else (now, now + dt.timedelta(days=days))
    # The start as the database stores it: parsing 20,000 datetimes cost more than the query.
    start_text = type_coerce(OccurrenceRow.start_at, String)
    stmt = (select(OccurrenceRow.event_id, start_text, Event.title, Event.lat, Event.lon, Event.venue_name,
                   Event.venue_address, Event.venue_city, Space.slug, Space.name, Space.city, Space.lat, Space.lon,
                   Event.picture_id)
            .join(Event, Event.id == OccurrenceRow.event_id)
            .join(Space, Space.id == Event.space_id)
            .where(overlapping(start, until), or_(Event.lat.is_not(None), Event.venue_city.is_not(None)),
                   Event.status != "cancelled", Space.active.is_(True)))
    if f.kind:
        stmt = stmt.where(Space.kind == f.kind)
    if f.visitors:
        stmt = stmt.where(Space.welcomes_visitors.is_(True))
    if f.offers:
        stmt = stmt.where(Space.id.in_(_offering()))
    if f.city:
        stmt = stmt.where(in_city(f.city))
    if f.skill:
        stmt = stmt.where(Space.id.in_(_spaces_with_skill(f.skill)))
    if f.tag:
        stmt = stmt.where(Event.id.in_(select(EventTag.event_id).where(EventTag.tag == f.tag.casefold())))
    if f.event_tags:
        stmt = stmt.where(Event.id.in_(select(EventTag.event_id).where(EventTag.tag.in_(f.event_tags))))
    if f.q:
        stmt = stmt.where(Event.title.ilike(_like(f.q)))
    if f.bbox:
        stmt = stmt.where(_in_box(Event.lat, Event.lon, f.bbox))
    venues: dict[tuple[float, float], Point] = {}
    seen: set[int] = set()
    # By start: the first occurrence met at a venue is its next event. Core rows, not the
    # ORM's: a tenth of the query's time for 20,000 rows (bench_map.py).
    rows = session.connection().execute(stmt.order_by(OccurrenceRow.start_at, OccurrenceRow.event_id))
    for (event_id, start, title, lat, lon, venue_name, venue_address, venue_city, slug, space_name, space_city,
         host_lat, host_lon, picture_id) in rows:
        if event_id in seen:
            continue
        seen.add(event_id)
        approximate = lat is None
        if approximate:  # only a city, or a place named in free text: its municipality's centre
            place = find_municipality(venue_city)
            if place is None or place == find_municipality(space_city):
                continue  # unknown, or the host's own municipality: at the host, as far as we know
            lat, lon = place.lat, place.lon
        elif host_lat is not None and abs(lat - host_lat) < AT_HOST and abs(lon - host_lon) < AT_HOST:
            continue
        key = (lat, lon)  # the same venue is published with the same coordinates
        point = venues.get(key)
        if point is None:
            venues[key] = point = Point(
                "events", str(event_id), lat, lon, venue_name or space_name, city=venue_city or space_city,
                address=venue_address, space=slug, space_name=space_name, next_title=title,
                next_start=utc_text(start), approximate=approximate, next_picture=picture_id)
        point.events += 1
    return list(venues.values())


def utc_text(value) -> str:
    """An instant as ISO 8601 in UTC ("2026-12-01T17:00:00Z"), from what the database gave:
    a datetime (PostgreSQL), or the text of a naive UTC instant (SQLite)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return value[:19].replace(" ", "T") + "Z"


def proposal_points(session, f: MapFilters) -> list[Point]:
    if f.kind or f.skill or f.tag or f.when or f.event_tags or f.visitors or f.offers:
        return []
    stmt = select(Proposal).where(Proposal.status == "approved").order_by(Proposal.id)
    if f.category:
        stmt = stmt.where(Proposal.category == f.category)
    if f.city:
        stmt = stmt.where(Proposal.city.ilike(f.city))
    if f.q:
        like = _like(f.q)
        stmt = stmt.where(or_(Proposal.title.ilike(like), Proposal.description.ilike(like)))
    if f.bbox:
        stmt = stmt.where(_in_box(Proposal.lat, Proposal.lon, f.bbox))
    return [Point("proposals", str(p.id), p.lat, p.lon, p.title, approximate=p.approximate, city=p.city,
                  address=p.address, kind=p.category) for p in session.scalars(stmt)]


def resource_points(session, f: MapFilters) -> list[Point]:
    """Where rooms, desks and equipment are shared: one point per place (a resource's own
    position, else its space's), with how many and of which kinds. The space's kind, its
    welcoming visitors, the city and words narrow them; what only events or proposals
    have (tags, skills, dates, categories) leaves the layer empty."""
    from corete.resources.models import Resource

    if f.category or f.tag or f.skill or f.when or f.event_tags:
        return []
    stmt = (select(Resource.kind, Resource.lat, Resource.lon, Resource.city, Space.slug, Space.name, Space.lat,
                   Space.lon, Space.city, Space.address)
            .join(Space, Space.id == Resource.space_id).where(Space.active.is_(True))
            .order_by(Space.name, Resource.id))
    if f.kind:
        stmt = stmt.where(Space.kind == f.kind)
    if f.visitors:
        stmt = stmt.where(Space.welcomes_visitors.is_(True))
    if f.offers:
        stmt = stmt.where(Space.id.in_(_offering()))
    if f.city:
        stmt = stmt.where(or_(Resource.city.ilike(f.city), and_(Resource.city.is_(None), Space.city.ilike(f.city))))
    if f.q:
        like = _like(f.q)
        stmt = stmt.where(or_(Resource.name.ilike(like), Space.name.ilike(like)))
    places: dict[tuple, Point] = {}
    for kind, lat, lon, city, slug, name, space_lat, space_lon, space_city, address in session.execute(stmt):
        at = position(lat, lon, city) if lat is not None else position(space_lat, space_lon, city or space_city)
        if at is None:
            continue
        point = places.get((slug, at[0], at[1]))
        if point is None:
            point = places[(slug, at[0], at[1])] = Point("resources", slug, at[0], at[1], name,
                                                         approximate=at[2], city=city or space_city, address=address)
        point.resources += 1
        if kind not in point.resource_kinds:
            point.resource_kinds.append(kind)
    return list(places.values())


def _beside_spaces(resources: list[Point], points: list[Point]) -> list[Point]:
    """Resources at their space's place are told in the space's own marker (its popup says
    how many, and links to them), as an event at its host is: a second marker at the same
    place would make every such space a list of two. Those elsewhere keep a marker."""
    spaces = {p.ref: p for p in points if p.layer == "spaces"}
    kept = []
    for r in resources:
        space = spaces.get(r.ref)
        if space is not None and abs(space.lat - r.lat) < AT_HOST and abs(space.lon - r.lon) < AT_HOST:
            space.resources += r.resources
            space.resource_kinds += [k for k in r.resource_kinds if k not in space.resource_kinds]
        else:
            kept.append(r)
    return kept


def _count_offers(session, spaces: list[Point]) -> None:
    """Each space's offers to the network, told in its marker (its popup links to them)."""
    from corete.offers.services import counts_by_space

    counts = counts_by_space(session) if spaces else {}
    for p in spaces:
        p.offers = counts.get(p.space_id, 0)


def points(session, f: MapFilters, *, now: dt.datetime | None = None, event_days: int = 60) -> list[Point]:
    """Every point the filters keep, layer by layer (spaces, event venues, proposals,
    resources); the spaces without a position are unplaced_spaces'."""
    now = now or utcnow()
    found: list[Point] = []
    if "spaces" in f.layers:
        spaces, _unplaced = space_points(session, f, now=now, days=event_days)
        _count_offers(session, spaces)
        found += spaces
    if "events" in f.layers:
        found += venue_points(session, f, now=now, days=event_days)
    if "proposals" in f.layers:
        found += proposal_points(session, f)
    if "resources" in f.layers:
        found += _beside_spaces(resource_points(session, f), found if "spaces" in f.layers else [])
    if f.bbox:
        min_lon, min_lat, max_lon, max_lat = f.bbox
        found = [p for p in found if min_lon <= p.lon <= max_lon and min_lat <= p.lat <= max_lat]
    return found


def unplaced_spaces(session, f: MapFilters, *, now: dt.datetime | None = None, event_days: int = 60) -> list:
    """The spaces the filters keep that are not on the map for want of a position (the
    list view names them), without building the points."""
    if "spaces" not in f.layers:
        return []
    return space_points(session, f, now=now or utcnow(), days=event_days, unplaced_only=True)[1]


def top_skills(session, space: Space, *, limit: int = 5) -> list[str]:
    """A space's skills, those most of its members hold first."""
    rows = session.execute(
        select(func.min(Skill.skill), func.count()).where(Skill.space_id == space.id)
        .group_by(func.lower(Skill.skill)).order_by(func.count().desc(), func.lower(Skill.skill)).limit(limit)).all()
    return [name for name, _n in rows]


def next_events(session, space: Space, *, now: dt.datetime | None = None, days: int = 60, limit: int = 3):
    """A space's next occurrences (merged copies once), for its popup and its page."""
    now = now or utcnow()
    return upcoming(now, now + dt.timedelta(days=days), session=session, limit=limit, space=space.slug)


# --- Proposals -------------------------------------------------------------------------------


class ProposalError(ValueError):
    """A proposal or a moderation step the hub refuses; the message is for the person."""


def locate(*, lat: float | None, lon: float | None, city: str | None) -> tuple[float, float, bool]:
    """A pin wins; else the municipality's centroid, flagged approximate."""
    if lat is not None and lon is not None:
        if not in_italy(lat, lon):
            raise ProposalError(_l("The pin is outside Italy."))
        return lat, lon, False
    if not city:
        raise ProposalError(_l("Put a pin on the map or give the municipality."))
    place = find_municipality(city)
    if place is None:
        raise ProposalError(_l("Unknown municipality %(city)s: check the spelling, or add the province as in "
                               "\"Calliano (TN)\".", city=city))
    return place.lat, place.lon, True


def _revise(proposal: Proposal, action: str, author: str, note: str | None = None) -> ProposalRevision:
    number = len(proposal.revisions) + 1
    revision = ProposalRevision(number=number, action=action, author=author, note=note, data=proposal.snapshot())
    proposal.revisions.append(revision)
    return revision


def submit_proposal(session, data: dict) -> Proposal:
    """A citizen's proposal, pending moderation. ``data`` comes from ProposalIn."""
    lat, lon, approximate = locate(lat=data.get("lat"), lon=data.get("lon"), city=data.get("city"))
    proposal = Proposal(category=data["category"], title=data["title"], description=data.get("description"),
                        photo_url=data.get("photo_url"), email=data.get("email"), address=data.get("address"),
                        city=data.get("city"), lat=lat, lon=lon, approximate=approximate, status="pending")
    session.add(proposal)
    _revise(proposal, "submitted", "citizen")
    session.flush()
    return proposal


def edit_proposal(session, proposal: Proposal, data: dict, *, by: str) -> Proposal:
    """A coordinator corrects a proposal; a new pin or municipality moves it."""
    moved = any(data.get(k) != getattr(proposal, k) for k in ("lat", "lon", "city"))
    for name in ("category", "title", "description", "photo_url", "email", "address", "city"):
        if name in data:
            setattr(proposal, name, data[name])
    if moved:
        pin = data.get("lat") is not None and data.get("lon") is not None
        proposal.lat, proposal.lon, proposal.approximate = locate(
            lat=data.get("lat") if pin else None, lon=data.get("lon") if pin else None, city=proposal.city)
    _revise(proposal, "edited", by)
    session.flush()
    return proposal


def moderate(session, proposal: Proposal, action: str, *, by: str, reason: str | None = None,
             duplicate_of: int | None = None) -> Proposal:
    """approve, reject (a reason is required) or mark as duplicate of another point."""
    if action == "approve":
        proposal.status, proposal.reason, proposal.duplicate_of_id = "approved", None, None
    elif action == "reject":
        if not (reason or "").strip():
            raise ProposalError(_l("Say why the proposal is rejected."))
        proposal.status, proposal.reason, proposal.duplicate_of_id = "rejected", reason.strip(), None
    elif action == "duplicate":
        original = session.get(Proposal, duplicate_of) if duplicate_of else None
        if original is None or original.id == proposal.id or original.status != "approved":
            raise ProposalError(_l("A duplicate must point at another, approved proposal."))
        proposal.status, proposal.reason, proposal.duplicate_of_id = "duplicate", None, original.id
    else:
        raise ProposalError(_l("Unknown action."))
    _revise(proposal, {"approve": "approved", "reject": "rejected", "duplicate": "duplicate"}[action], by, reason)
    session.flush()
    return proposal


def restore_revision(session, proposal: Proposal, number: int, *, by: str) -> Proposal:
    """Put a proposal back as it was after revision ``number`` (itself a new revision)."""
    revision = next((r for r in proposal.revisions if r.number == number), None)
    if revision is None:
        raise ProposalError(_l("There is no such revision."))
    for name, value in revision.data.items():
        setattr(proposal, name, value)
    if proposal.duplicate_of_id is not None and session.get(Proposal, proposal.duplicate_of_id) is None:
        proposal.duplicate_of_id = None  # the original was deleted since
    _revise(proposal, "restored", by, note=str(number))
    session.flush()
    return proposal


def public_target(session, target_type: str, ref: str):
    """The published point a report is about, or None."""
    if target_type == "space":
        return session.scalar(select(Space).where(Space.slug == ref, Space.active.is_(True)))
    if target_type == "proposal" and parse_id(ref):
        proposal = session.get(Proposal, parse_id(ref))
        return proposal if proposal is not None and proposal.status == "approved" else None
    return None


def report_point(session, target_type: str, ref: str, reason: str, comment: str | None) -> Report:
    if target_type not in REPORT_TARGETS or reason not in REPORT_REASONS:
        raise ProposalError(_l("Choose what is wrong with this point."))
    if public_target(session, target_type, ref) is None:
        raise ProposalError(_l("This point is not on the map."))
    report = Report(target_type=target_type, target_ref=ref, reason=reason, comment=comment)
    session.add(report)
    session.flush()
    return report


def close_report(session, report: Report, *, by: str) -> Report:
    report.open, report.closed_by, report.closed_at = False, by, utcnow()
    session.flush()
    return report


def moderation_queue(session) -> tuple[list[Proposal], list[Report]]:
    pending = session.scalars(select(Proposal).where(Proposal.status == "pending").order_by(Proposal.created_at)).all()
    reports = session.scalars(select(Report).where(Report.open.is_(True)).order_by(Report.created_at)).all()
    return list(pending), list(reports)


__all__ = ["LAYERS", "MapFilters", "Point", "points"]
