"""Read API of events: /api/v1/events (recurring events expanded in the window)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import select

from corete.core.api import paginate_list
from corete.core.caching import conditional, data_etag
from corete.core.models import utcnow
from corete.events.exports import atom_document, export_uid, icalendar_document, occurrence_summary
from corete.events.schemas import EventListArgs, EventPageOut
from corete.events.services import (
    EventOccurrence,
    events_for_export,
    export_window,
    first_announced,
    occurrence_bounds,
    occurrences,
)
from corete.extensions import db
from corete.spaces.models import Space

api_bp = Blueprint("events_api", __name__, url_prefix="/api/v1/events", description="Events of the network")
DEFAULT_WINDOW = dt.timedelta(days=90)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def dump_occurrence(o: EventOccurrence) -> dict:
    ev = o.event
    start, end = occurrence_bounds(o)
    return {
        "id": o.id, "uid": ev.uid, "space": ev.space.slug, "title": ev.title, "start": start,
        "end": end, "all_day": ev.all_day, "timezone": ev.timezone, "status": ev.status,
        "url": ev.url, "location": ev.location, "online_url": ev.online_url, "price": ev.price,
        "tags": ev.tags or [], "description_html": ev.description_html,
        "recurrence_id": o.occurrence.key if ev.is_series else ev.recurrence_id,
    }


def window(args) -> tuple[dt.datetime, dt.datetime]:
    start = _aware(args.get("from_")) or utcnow()
    end = _aware(args.get("to")) or start + DEFAULT_WINDOW
    return start, end


@api_bp.route("")
@api_bp.arguments(EventListArgs, location="query")
@api_bp.response(200, EventPageOut)
def list_events(args):
    """Events and occurrences overlapping the window, by start."""
    start, end = window(args)
    found = occurrences(start, end, session=db.session, space=args.get("space"), city=args.get("city"),
                        tag=args.get("tag"), q=args.get("q"))
    return paginate_list(found, args, dump_occurrence)


# --- Subscribable exports: iCalendar and Atom, filterable, cacheable ----------------------

pages_bp = FlaskBlueprint("events", __name__)
_export_args = EventListArgs()
ATOM_LIMIT = 50


def _export_filters() -> dict:
    try:
        args = _export_args.load(request.args)
    except ValidationError as e:
        abort(400, description="; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in e.messages.items()))
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)  # stable within a day
    default_start, default_end = export_window(today)
    start = _aware(args.get("from_")) or default_start
    end = _aware(args.get("to")) or (start + (default_end - default_start))
    return {"start": start, "end": end, "space": args.get("space"), "city": args.get("city"),
            "tag": args.get("tag"), "q": args.get("q")}


def _calendar_name(f: dict) -> str:
    parts = [p for p in (f["space"], f["city"], f["tag"] and f"#{f['tag']}", f["q"] and f'"{f["q"]}"') if p]
    return "CoRete" + (f" – {', '.join(parts)}" if parts else "")


def _ics_response(f: dict) -> Response:
    events = events_for_export(f["start"], f["end"], session=db.session, space=f["space"], city=f["city"],
                               tag=f["tag"], q=f["q"])
    etag = data_etag("ics", sorted(f.items(), key=str), [(e.id, e.updated_at.isoformat()) for e in events])
    last = max((e.updated_at for e in events), default=None)

    def render():
        body = icalendar_document(events, name=_calendar_name(f))
        return Response(body, mimetype="text/calendar", headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="corete.ics"',
        })

    return conditional(render, etag=etag, last_modified=last)


@pages_bp.route("/calendar.ics")
def network_ics():
    """The whole network's calendar (filters: space, city, tag, q, from, to)."""
    return _ics_response(_export_filters())


@pages_bp.route("/spaces/<slug>/calendar.ics")
def space_ics(slug):
    if db.session.scalar(select(Space.id).where(Space.slug == slug)) is None:
        abort(404)
    f = _export_filters()
    f["space"] = slug
    return _ics_response(f)


def _atom_response(kind: str, f: dict) -> Response:
    if kind == "upcoming":
        found = occurrences(utcnow(), utcnow() + DEFAULT_WINDOW * 4, session=db.session, space=f["space"],
                            city=f["city"], tag=f["tag"], q=f["q"])[:ATOM_LIMIT]
        items = [(o.event, o.occurrence.start, o.occurrence.end, o.occurrence.key or "") for o in found]
        title = _("Upcoming events") + " · " + _calendar_name(f)
    else:
        events = first_announced(session=db.session, space=f["space"], city=f["city"], tag=f["tag"], q=f["q"],
                                 limit=ATOM_LIMIT)
        items = [(e, e.start_date if e.all_day else e.start_at, e.end_date if e.all_day else e.end_at, "")
                 for e in events]
        title = _("Newly announced events") + " · " + _calendar_name(f)
    etag = data_etag("atom", kind, str(get_locale()), sorted(f.items(), key=str),
                     [(e.id, key, e.updated_at.isoformat()) for e, _s, _e, key in items])
    last = max((e.updated_at for e, *_ in items), default=None)

    def render():
        entries = [{
            "id": f"tag:corete,2026:event/{export_uid(e)}" + (f"/{key}" if key else ""),
            "title": e.title + (" [" + _("cancelled") + "]" if e.status == "cancelled" else ""),
            "updated": e.updated_at, "published": e.first_seen_at,
            "link": e.url or (e.space.website if e.space else None),
            "summary": occurrence_summary(e, start, end),
            "content": e.description_html, "categories": e.tags or [],
        } for e, start, end, key in items]
        body = atom_document(title=title, self_url=request.url, alternate_url=url_for("core.home", _external=True),
                             entries=entries, updated=last or utcnow(), feed_id=f"tag:corete,2026:{kind}")
        return Response(body, mimetype="application/atom+xml")

    return conditional(render, etag=etag, last_modified=last)


@pages_bp.route("/calendar/upcoming.atom")
def upcoming_atom():
    """Upcoming occurrences, by start: what people want from an events feed."""
    return _atom_response("upcoming", _export_filters())


@pages_bp.route("/calendar/new.atom")
def new_atom():
    """Events by when the hub first saw them, newest first."""
    return _atom_response("new", _export_filters())
