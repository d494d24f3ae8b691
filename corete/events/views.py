"""Read API of events: /api/v1/events (recurring events expanded in the window)."""
from __future__ import annotations

import datetime as dt

from flask_smorest import Blueprint

from corete.core.api import paginate_list
from corete.core.models import utcnow
from corete.events.schemas import EventListArgs, EventPageOut
from corete.events.services import EventOccurrence, occurrence_bounds, occurrences
from corete.extensions import db

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
