"""Events on the web: the read API (/api/v1/events), the subscribable exports
(iCalendar, Atom) and the pages (calendar, event, embed). Thin: the rules are in
services.py, the documents in exports.py."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import select

from corete.core.api import page_bounds
from corete.core.models import parse_id
from corete.core import shared
from corete.core.caching import DocumentCache, conditional, data_etag
from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.events import categories
from corete.core.atom import atom_document, atom_feed_id, websub_hub
from corete.events.exports import event_json_ld, export_uid, icalendar_document, occurrence_summary
from corete.events.schemas import CalendarArgs, EventListArgs, EventPageOut
from corete.events.merging import MergedOccurrence, exported_events, split
from corete.events.services import (
    NETWORK_TZ,
    WHEN_LABELS,
    calendar_days,
    export_window,
    find_occurrence,
    first_announced,
    group_of,
    local_midnight,
    occurrence_bounds,
    upcoming,
    when_days,
    window_page,
    with_overrides,
)
from corete.events.models import Event
from corete.extensions import db
from corete.spaces.models import Space

api_bp = Blueprint("events_api", __name__, url_prefix="/api/v1/events", description="Events of the network")
DEFAULT_WINDOW = dt.timedelta(days=90)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def dump_occurrence(o: MergedOccurrence) -> dict:
    ev = o.event
    start, end = occurrence_bounds(o)
    return {
        "hosts": [space.slug for space in o.hosts],
        "sources": [{"space": m.event.space.slug, "uid": m.event.uid, "url": m.event.url} for m in o.members],
        "merged_because": sorted(o.reasons),
        "id": o.id, "uid": ev.uid, "space": ev.space.slug, "title": ev.title, "start": start,
        "end": end, "all_day": ev.all_day, "timezone": ev.timezone, "status": ev.status,
        "url": ev.url, "location": ev.location, "online_url": ev.online_url, "price": ev.price,
        "tags": ev.tags or [], "description_html": ev.description_html,
        "recurrence_id": o.occurrence.key if ev.is_series else ev.recurrence_id,
        "picture": url_for("media.large", picture_id=ev.picture_id, _external=True) if ev.picture_id else None,
    }


def filters_of(args) -> dict:
    """The services' filters from a request's arguments: a category is the tags that make it."""
    return {"space": args.get("space"), "city": args.get("city"),
            "tag": categories.tag_filter(args.get("tag"), args.get("category")), "q": args.get("q")}


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
    page, per_page = page_bounds(args)
    total, found = window_page(start, end, session=db.session, offset=(page - 1) * per_page, limit=per_page,
                               **filters_of(args))
    return {"items": [dump_occurrence(o) for o in found], "total": total, "page": page, "per_page": per_page}


# --- Subscribable exports: iCalendar and Atom, filterable, cacheable ----------------------

pages_bp = FlaskBlueprint("events", __name__, template_folder="templates")


@pages_bp.app_template_global()
def event_category(event) -> categories.Category | None:
    """The category an event's tags put it in (events.categories), for its coloured label."""
    return categories.of_tags(event.tags)
_export_args = EventListArgs()
ATOM_LIMIT = 50


def _bad_filters(error: ValidationError):
    abort(400, description=_("Check the calendar's filters: %(fields)s.", fields=", ".join(error.messages)))


def _export_filters() -> dict:
    try:
        args = _export_args.load(request.args)
    except ValidationError as e:
        _bad_filters(e)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)  # stable within a day
    default_start, default_end = export_window(today)
    start = _aware(args.get("from_")) or default_start
    end = _aware(args.get("to")) or (start + (default_end - default_start))
    return {"start": start, "end": end, **filters_of(args)}


def _calendar_name(f: dict) -> str:
    space = f["space"] and (db.session.scalar(select(Space.name).where(Space.slug == f["space"])) or f["space"])
    tag = f["tag"]
    if isinstance(tag, tuple):  # a category
        tag = next((c.label for c in categories.categories() if c.tags == tag), None)
    elif tag:
        tag = f"#{tag}"
    parts = [p for p in (space, f["city"], tag, f["q"] and f'"{f["q"]}"') if p]
    return "CoRete" + (f" – {', '.join(parts)}" if parts else "")


def _ics_response(f: dict) -> Response:
    found = upcoming(f["start"], f["end"], session=db.session, space=f["space"], city=f["city"], tag=f["tag"],
                     q=f["q"])
    events = with_overrides(exported_events(found), session=db.session)
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


def _space_filters(slug: str) -> dict:
    if db.session.scalar(select(Space.id).where(Space.slug == slug)) is None:
        abort(404)
    f = _export_filters()
    f["space"] = slug
    return f


@pages_bp.route("/spaces/<slug>/calendar.ics")
def space_ics(slug):
    """One space's calendar, as the hub merged it."""
    return _ics_response(_space_filters(slug))


@pages_bp.route("/spaces/<slug>/events.atom")
def space_atom(slug):
    """One space's upcoming events, as an Atom feed."""
    return _atom_response("upcoming", _space_filters(slug))


def _atom_response(kind: str, f: dict) -> Response:
    if kind == "upcoming":
        found = upcoming(utcnow(), utcnow() + DEFAULT_WINDOW * 4, session=db.session, limit=ATOM_LIMIT,
                         space=f["space"], city=f["city"], tag=f["tag"], q=f["q"])
        items = [(o.event, o.occurrence.start, o.occurrence.end, o.occurrence.key or o.event.recurrence_id or "", o.id)
                 for o in found]
        title = _("Upcoming events") + " · " + _calendar_name(f)
    else:
        events = first_announced(session=db.session, space=f["space"], city=f["city"], tag=f["tag"], q=f["q"],
                                 limit=ATOM_LIMIT)
        items = [(e, e.start_date if e.all_day else e.start_at, e.end_date if e.all_day else e.end_at, "", str(e.id))
                 for e in events]
        title = _("Newly announced events") + " · " + _calendar_name(f)
    etag = data_etag("atom", kind, str(get_locale()), sorted(f.items(), key=str),
                     [(e.id, key, e.updated_at.isoformat()) for e, _s, _e, key, _id in items])
    last = max((e.updated_at for e, *_ in items), default=None)

    def render():
        entries = [{
            "id": f"tag:corete,2026:event/{export_uid(e)}" + (f"/{key}" if key else ""),
            "title": e.title + (" [" + _("cancelled") + "]" if e.status == "cancelled" else ""),
            "updated": e.updated_at, "published": e.first_seen_at,
            "link": url_for("events.event_page", occurrence_id=page_id, _external=True),
            "related": e.url or (e.space.website if e.space else None),
            "summary": occurrence_summary(e, start, end),
            "content": e.description_html, "categories": e.tags or [],
        } for e, start, end, key, page_id in items]
        body = atom_document(title=title, self_url=request.url, alternate_url=url_for("home.home", _external=True),
                             entries=entries, updated=last or utcnow(), feed_id=atom_feed_id(request.url),
                             hub_url=websub_hub(current_app.config))
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


# --- Pages: the calendar (list, week, month), one event, the embeddable list ---------------

_calendar_args = CalendarArgs()
LIST_DAYS = 30
SPACE_PICKER_MAX = 200  # beyond this many spaces, the filter is a text field
# Events shown in a day of each view; "+N more" links to the day view, which shows all.
PER_DAY = {"month": 5, "week": 25, "list": 25, "day": None}
EMBED_LIMIT = 20


def _calendar_filters() -> dict:
    try:
        return _calendar_args.load(request.args)
    except ValidationError as e:
        _bad_filters(e)


def _page_etag(kind: str, found) -> str:
    return data_etag(kind, str(get_locale()), request.full_path, utcnow().date(),
                     [(o.event.id, o.occurrence.key, o.event.updated_at.isoformat()) for o in found])


def _range(view: str, anchor: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(first day shown, last day shown, anchor of "previous", anchor of "next")."""
    if view == "month":
        first_of_month = anchor.replace(day=1)
        next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        first = first_of_month - dt.timedelta(days=first_of_month.weekday())
        last = next_month - dt.timedelta(days=1)
        last += dt.timedelta(days=6 - last.weekday())
        previous = (first_of_month - dt.timedelta(days=1)).replace(day=1)
        return first, last, previous, next_month
    if view == "day":
        return anchor, anchor, anchor - dt.timedelta(days=1), anchor + dt.timedelta(days=1)
    if view == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        return monday, monday + dt.timedelta(days=6), monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)
    return anchor, anchor + dt.timedelta(days=LIST_DAYS - 1), anchor - dt.timedelta(days=LIST_DAYS), \
        anchor + dt.timedelta(days=LIST_DAYS)


def calendar_pages() -> DocumentCache:
    """This worker's calendar pages as anonymous visitors see them (CALENDAR_CACHE_SECONDS)."""
    return current_app.extensions.setdefault("corete_calendar_pages", DocumentCache(max_bytes=32 * 1024 * 1024))


def _drop_calendar_pages(app) -> None:
    if "corete_calendar_pages" in app.extensions:
        app.extensions["corete_calendar_pages"].clear()


shared.on_change("calendar", _drop_calendar_pages)  # a coordinator split two events, in any worker


def _shared_page_key(today: dt.date) -> str | None:
    """The key of a page every anonymous visitor sees alike; None for a logged-in person
    (their menu, their logout form) or one with a message waiting."""
    if current_user.is_authenticated or session.get("_flashes"):
        return None
    return "\x1f".join((request.host_url, request.full_path, str(get_locale()), today.isoformat()))


@pages_bp.route("/calendar")
def calendar_page():
    """The calendar. Anonymous visitors' pages are kept CALENDAR_CACHE_SECONDS per address
    and language: under load a month view is read from the database and rendered once per
    worker and period, not once per visitor (bench_load.py)."""
    args = _calendar_filters()
    today = utcnow().astimezone(NETWORK_TZ).date()
    ttl = float(current_app.config["CALENDAR_CACHE_SECONDS"])
    key = _shared_page_key(today) if ttl > 0 else None
    if key is None:
        render, etag = _calendar(args, today)
        return conditional(render, etag=etag, last_modified=None, max_age=60)
    body, etag = calendar_pages().get_or_build(key, ttl, lambda: _calendar(args, today)[0]().get_data(as_text=True))
    return conditional(lambda: Response(body), etag=etag, last_modified=None, max_age=int(ttl))


def _calendar(args, today: dt.date):
    """(render, etag) of a calendar page: render() builds it, the etag says its data."""
    anchor = args.get("date") or today
    when = args.get("when")
    if when:  # a quick filter: the list of its days; previous and next move by its span
        args["view"] = "list"
        first, last = when_days(when, anchor)
        step = dt.timedelta(days=1 if when == "today" else 7)
        previous, following = anchor - step, anchor + step
    else:
        first, last, previous, following = _range(args["view"], anchor)
    filters = filters_of(args)
    days = calendar_days(first, last, session=db.session, per_day=PER_DAY[args["view"]], **filters)

    def render():
        spaces = db.session.scalars(select(Space).where(Space.active.is_(True)).order_by(Space.name)
                                    .limit(SPACE_PICKER_MAX + 1)).all()
        cities = sorted({c for c in db.session.scalars(select(Space.city).where(Space.active.is_(True)).distinct()) if c}
                        | set(db.session.scalars(select(Event.venue_city).where(Event.venue_city.is_not(None))
                                                 .distinct())))
        if len(spaces) > SPACE_PICKER_MAX:
            spaces = None  # too many for a list: the form asks for the space's name instead
        weeks = [list(days.items())[i:i + 7] for i in range(0, len(days), 7)] if args["view"] == "month" else []
        return Response(render_template(
            "events/calendar.html", view=args["view"], days=days, weeks=weeks, today=today, anchor=anchor,
            first=first, last=last, previous=previous, following=following, spaces=spaces,
            filters={k: args.get(k) for k in ("space", "city", "tag", "q", "category")},
            categories=categories.categories(), category_query=_query_without("category", "tag"),
            cities=cities, query=_query_without("view", "date", "when"), when=when, quick=WHEN_LABELS,
        ))

    shown = [o for day in days.values() for o in day.items]
    return render, data_etag(_page_etag("calendar", shown), [day.total for day in days.values()])


def _query_without(*names) -> dict:
    return {k: v for k, v in request.args.items() if k not in names and v}


@pages_bp.route("/events/<occurrence_id>")
def event_page(occurrence_id):
    found = find_occurrence(occurrence_id, session=db.session)
    if found is None:
        abort(404)
    merged = group_of(found, session=db.session)
    start, end = occurrence_bounds(found)
    coordinator = current_user.is_authenticated and current_user.has_role("coordinator")

    def render():
        return Response(render_template("events/event.html", o=found, merged=merged, start=start, end=end,
                                        coordinator=coordinator,
                                        json_ld=event_json_ld(found, start, end, request.url, picture=(
                                            url_for("media.large", picture_id=found.event.picture_id, _external=True)
                                            if found.event.picture_id else None))))

    etag = data_etag(_page_etag("event", merged.members), coordinator)
    return conditional(render, etag=etag, last_modified=found.event.updated_at, max_age=60)


@pages_bp.route("/events/<occurrence_id>/split", methods=["POST"])
@role_required("coordinator")
def split_event(occurrence_id):
    """A coordinator says another source's event is a different event."""
    found = find_occurrence(occurrence_id, session=db.session)
    other_id = parse_id(request.form.get("other", ""))
    other = db.session.get(Event, other_id) if other_id else None
    if found is None or other is None or other.id == found.event.id:
        abort(404)
    split(db.session, found.event, other, by=current_user.email)
    shared.bump(db.session, "calendar")  # every worker drops the calendar pages it kept
    db.session.commit()
    flash(_("The two events are shown apart from now on."), "info")
    return redirect(url_for("events.event_page", occurrence_id=occurrence_id))


@pages_bp.route("/events/<occurrence_id>.ics")
def event_ics(occurrence_id):
    """"Add to my calendar": the event (a series stays a series) as an .ics file."""
    found = find_occurrence(occurrence_id, session=db.session)
    if found is None:
        abort(404)
    event = found.event
    events = with_overrides([event], session=db.session)

    def render():
        body = icalendar_document(events, name=event.title,
                                  url_for_event=lambda e: url_for("events.event_page", occurrence_id=found.id, _external=True))
        return Response(body, headers={"Content-Type": "text/calendar; charset=utf-8",
                                       "Content-Disposition": f'attachment; filename="evento-{event.id}.ics"'})

    return conditional(render, etag=data_etag("event-ics", event.id, event.updated_at.isoformat()),
                       last_modified=event.updated_at)


@pages_bp.route("/embed/calendar")
def embed_calendar():
    """A compact list of what comes next, for a member's website to frame."""
    args = _calendar_filters()
    today = utcnow().astimezone(NETWORK_TZ).date()
    filters = filters_of(args)
    found = upcoming(utcnow(), local_midnight(today + dt.timedelta(days=90)), session=db.session, limit=EMBED_LIMIT,
                     **filters)

    def render():
        return Response(render_template("events/embed.html", found=found, filters=filters,
                                        query=_query_without()))

    return conditional(render, etag=_page_etag("embed", found), last_modified=None, max_age=300)
