"""The map's edges: the GeoJSON/CSV API, the map and its list view, the embed, the space
pages, the citizens' forms and the coordinators' moderation queue. Thin: the rules are
in services.py, the documents in exports.py, the map in render.py."""
from __future__ import annotations

import os

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import select

from corete.core.api import gc_paused
from corete.core import shared
from corete.core.caching import DocumentCache, conditional, in_background
from corete.core.forms import form_errors
from corete.core.permissions import role_required
from corete.core.templating import KIND_LABELS
from corete.events.categories import categories as event_categories
from corete.events.services import WHEN_LABELS
from corete.extensions import db, limiter
from corete.map import exports, render, services, vendor
from corete.map.models import PROPOSAL_CATEGORIES, Proposal, Report
from corete.map.places import ATTRIBUTION, ATTRIBUTION_URL, DATA_DIR, find_municipality
from corete.map.schemas import FeatureCollectionOut, MapArgs, SpaceSummaryOut, ModerationIn, ProposalIn, ReportIn
from corete.purchasing.services import search_needs
from corete.skills.services import match_needs, open_service_needs, search_skills
from corete.skills.taxonomy import taxonomy
from corete.spaces.models import Space
from corete.spaces.services import feed_health

# The letter in a marker: a space's kind, a proposal's category (map.js draws them, the
# legend explains them).
MARKER_LETTERS = {"coworking": "C", "fablab": "F", "coliving": "L", "incubator": "I", "other": "•",
                  "building": "B", "space": "S", "service": "?"}
CATEGORY_LABELS = {
    "building": _l("Unused building to regenerate"),
    "space": _l("Proposed new space"),
    "service": _l("Missing service"),
    "other": _l("Other"),
}
STATUS_LABELS = {
    "pending": _l("waiting for moderation"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "duplicate": _l("duplicate"),
}
# What each revision of a proposal did (map.services._revise's actions).
REVISION_LABELS = {
    "submitted": _l("submitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "duplicate": _l("marked as duplicate"),
    "edited": _l("edited"),
    "restored": _l("restored"),
}
REPORT_LABELS = {
    "missing": _l("It does not exist"),
    "wrong": _l("The information is wrong"),
    "duplicate": _l("It is a duplicate"),
}
# The npm packages' files the hub serves (corete/map/assets, installed by `make`).

api_bp = Blueprint("map_api", __name__, url_prefix="/api/v1/map", description="The map's points")
pages_bp = FlaskBlueprint("map", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/map/static")
_map_args = MapArgs()


@pages_bp.app_template_global()
def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


@pages_bp.app_template_global()
def proposal_status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@pages_bp.app_template_global()
def revision_label(action: str) -> str:
    return REVISION_LABELS.get(action, action)


@pages_bp.app_template_global()
def report_label(reason: str) -> str:
    return REPORT_LABELS.get(reason, reason)


def _map_query() -> dict:
    """The request's filters, or a 400 page (API: JSON) naming what is wrong."""
    try:
        return _map_args.load(request.args)
    except ValidationError as e:
        if request.path.startswith("/api/"):
            abort(422, description=str(e.messages))
        messages = "; ".join(f"{k}: {v}" for k, v in form_errors(e).items())
        abort(Response(render_template("error.html", code=400, message=messages), 400))


def _points(filters: services.MapFilters) -> list[services.Point]:
    return services.points(db.session, filters, event_days=current_app.config["MAP_EVENTS_DAYS"])


def _links(external: bool = False) -> exports.Links:
    marker = 987654321  # url_for once per kind of page; each point's ref replaces the marker
    return exports.Links(*(
        url_for(endpoint, **{name: marker}, _external=external).replace(str(marker), "{}")
        for endpoint, name in (("map.space_page", "slug"), ("events.event_page", "occurrence_id"),
                               ("map.proposal_page", "proposal_id"), ("media.small", "picture_id"),
                               ("resources.resources_page", "space"), ("offers.offers_page", "space"))))


# --- API ---------------------------------------------------------------------------------------


def documents() -> DocumentCache:
    """This app's cache of GeoJSON and CSV documents (see MAP_CACHE_SECONDS)."""
    return current_app.extensions.setdefault("corete_map_documents", DocumentCache())


def _drop_documents(app) -> None:
    if "corete_map_documents" in app.extensions:
        app.extensions["corete_map_documents"].clear()


shared.on_change("map", _drop_documents)  # a moderation in another worker or machine


def _kept(kind: str, filters: services.MapFilters) -> tuple[bytes | str, str]:
    """(the points as a document, its ETag), from the cache when it was built in the last
    MAP_CACHE_SECONDS for the same filters and host (and for MAP_CACHE_STALE_SECONDS more
    while its successor is built in the background)."""
    config = current_app.config
    links = _links(external=True)
    write = {"geojson": exports.geojson, "csv": exports.csv_text}[kind]

    def build() -> bytes | str:
        with gc_paused():
            return write(_points(filters), links)

    return documents().get_or_build(
        f"{kind}\x1f{request.host_url}\x1f{filters!r}", config["MAP_CACHE_SECONDS"], build,
        stale=config["MAP_CACHE_STALE_SECONDS"], rebuild=in_background(current_app._get_current_object(), build))


def _document(kind: str, filters: services.MapFilters) -> Response:
    """The points as a document (see _kept); ETag and 304 for repeat requests."""
    ttl = current_app.config["MAP_CACHE_SECONDS"]
    body, etag = _kept(kind, filters)
    mimetype = {"geojson": "application/geo+json", "csv": "text/csv"}[kind]
    response = conditional(lambda: Response(body, mimetype=mimetype), etag=etag, last_modified=None,
                           max_age=ttl)
    if kind == "csv":
        response.headers["Content-Disposition"] = 'attachment; filename="corete-map.csv"'
    return response


@api_bp.route("/features.geojson")
@api_bp.arguments(MapArgs, location="query")
@api_bp.doc(responses={"200": {"description": "A FeatureCollection of Points", "content": {
    "application/geo+json": {"schema": FeatureCollectionOut}}}, "304": {"description": "Not modified (ETag)"}})
def features_geojson(args):
    """The map's points as a GeoJSON FeatureCollection (RFC 7946: longitude first).
    Filters: layers (spaces,events,proposals), kind, city, tag, skill, q, category, bbox
    (min lon,min lat,max lon,max lat)."""
    return _document("geojson", args["filters"])


@api_bp.route("/features.csv")
@api_bp.arguments(MapArgs, location="query")
@api_bp.doc(responses={"200": {"description": "One row per point, with a header row", "content": {
    "text/csv": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified (ETag)"}})
def features_csv(args):
    """The same points, same filters, as CSV (one row per point)."""
    return _document("csv", args["filters"])


@api_bp.route("/spaces/<slug>/summary")
@api_bp.response(200, SpaceSummaryOut)
def space_summary(slug):
    """What a space's popup shows once opened: next events and top skills."""
    space = db.session.scalar(select(Space).where(Space.slug == slug, Space.active.is_(True)))
    if space is None:
        abort(404)
    events = services.next_events(db.session, space)
    return {"next_events": [{"title": o.event.title, "start": o.occurrence.start.isoformat(),
                             "cancelled": o.event.status == "cancelled",
                             "url": url_for("events.event_page", occurrence_id=o.id)} for o in events],
            "skills": services.top_skills(db.session, space)}


# --- Assets: the map's scripts, styles and base layer, from the hub itself ----------------------


def _send_asset(path: str):
    root = vendor.folder(current_app.config)
    if not os.path.isfile(os.path.join(root, path)) and vendor.missing(current_app.config):
        current_app.logger.error("the map's assets are not installed in %s: run `corete assets install`", root)
    folder, filename = os.path.split(path)
    return send_from_directory(os.path.join(root, folder), filename, max_age=86400)


@pages_bp.route("/map/assets/<name>")
def asset(name):
    if name not in vendor.FILES:
        abort(404)
    return _send_asset(vendor.FILES[name])


@pages_bp.route("/map/assets/images/<name>")
def asset_image(name):
    return _send_asset(os.path.join(vendor.IMAGES, name))


@pages_bp.route("/map/regions.geojson")
def regions():
    """The offline base layer: Italy's regions (ISTAT, openpolis, CC-BY 4.0)."""
    return send_from_directory(DATA_DIR, "regioni_italia_semplificate.geojson", max_age=86400,
                               mimetype="application/geo+json")


def _asset_urls() -> render.Assets:
    return render.Assets(
        leaflet_js=url_for("map.asset", name="leaflet.js"), leaflet_css=url_for("map.asset", name="leaflet.css"),
        cluster_js=url_for("map.asset", name="supercluster.js"),
        map_js=url_for("map.static", filename="map.js"))


def _js_config(**extra) -> dict:
    return dict(
        lang=str(get_locale()),
        letters=MARKER_LETTERS,
        regions_url=url_for("map.regions"),
        regions_attribution=f'<a href="{url_for("map.credits")}">{ATTRIBUTION}</a>',
        summary_url=url_for("map_api.space_summary", slug="__slug__"),
        labels={
            "kinds": {k: str(v) for k, v in KIND_LABELS.items()},
            "categories": {k: str(v) for k, v in CATEGORY_LABELS.items()},
            "accredited": _("accredited"), "approximate": _("Approximate position (centre of the municipality)"),
            "n_events": _("%(n)s upcoming events", n="%d"), "one_event": _("1 upcoming event"),
            "next": _("Next:"), "host": _("Hosted by"),
            "next_events": _("Next events:"), "skills": _("Skills:"), "open_page": _("Open the page"), "cancelled": _("cancelled"),
            "loading": _("Loading…"), "shown": _("%(n)s points on the map", n="%d"), "one_shown": _("1 point on the map"),
            "failed": _("The map's points could not be loaded: use the list view."),
            "cluster": _("%(n)s points here: zoom in", n="%d"),
            "here": _("%(n)s points at this place:", n="%d"),
            "no_tiles": _("The street map cannot be reached: only the regions are drawn."),
            "layers": {"spaces": _("space"), "events": _("event venue"), "proposals": _("proposal"),
                       "resources": _("rooms and equipment")},
            "n_resources": _("%(n)s rooms and equipment to book", n="%d"), "one_resource": _("1 room or equipment to book"),
            "see_resources": _("See them and book"),
            "n_offers": _("%(n)s offers to the network", n="%d"), "one_offer": _("1 offer to the network"),
            "see_offers": _("See them"),
        },
        **extra)


def _tiles() -> dict:
    return {"tiles_url": current_app.config["MAP_TILES_URL"],
            "tiles_attribution": current_app.config["MAP_TILES_ATTRIBUTION"]}


def _network_map(query: dict, *, keep_hash: bool, status_id: str | None, **extra) -> render.MapParts:
    config = _js_config(features_url=url_for("map_api.features_geojson", **query), keep_hash=keep_hash,
                        status_id=status_id, **extra)
    return render.network_map(config, _asset_urls(), **_tiles())


@pages_bp.app_template_global()
def place_map(lat=None, lon=None, city=None, approximate=False) -> render.MapParts | None:
    """A small map of a position, else of the municipality's centre (approximate), else
    None: for the space, proposal and event pages (any room's template may call it)."""
    where = services.position(lat, lon, city)
    if where is None:
        return None
    return render.point_map(where[0], where[1], _js_config(), _asset_urls(), approximate=where[2] or approximate,
                            **_tiles())


@pages_bp.app_template_global()
def picker_map(lat=None, lon=None, city=None) -> render.MapParts:
    """A map to point at a place, for the forms with a latitude and a longitude (fields with
    the ids pick-lat and pick-lon; pick-city, when there, can centre it on a municipality):
    a click or a drag of the pin fills them. Centred on the place, its municipality, or Italy."""
    where = services.position(_number(lat), _number(lon), city)
    center, zoom = ((where[0], where[1]), 11 if where[2] else 15) if where else (render.ITALY_CENTER, render.ITALY_ZOOM)
    config = _js_config(places_url=url_for("map.place_lookup"))
    config["labels"].update(find=_("Show it on the map"), not_found=_("No Italian municipality by that name."),
                            pin=_("Drag the pin, or click the map, to set the position."))
    return render.picker_map(center, zoom, config, _asset_urls(), **_tiles())


def _number(value) -> float | None:
    try:
        number = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) <= 180 else None


@pages_bp.route("/map/places")
def place_lookup():
    """A municipality's centre by its name (the shipped ISTAT table, offline), for the
    pickers' "show it on the map": {name, lat, lon}, or 404."""
    place = find_municipality((request.args.get("q") or "")[:120])
    if place is None:
        abort(404)
    return jsonify({"name": place.name, "lat": place.lat, "lon": place.lon})


# --- Pages ----------------------------------------------------------------------------------------


def _query() -> dict:
    """The request's filters (empty ones dropped, layers joined), for links that keep them."""
    query = {k: v for k, v in request.args.items() if v and k in _map_args.fields and k not in ("view", "page")}
    if request.args.getlist("layers"):
        query["layers"] = ",".join(request.args.getlist("layers"))
    return query


@pages_bp.route("/map")
def map_page():
    args = _map_query()
    query = _query()
    filters = args["filters"]
    context = dict(query=query, filters=filters, view=args["view"], layers=services.LAYERS,
                   categories=PROPOSAL_CATEGORIES, kinds=KIND_LABELS, letters=MARKER_LETTERS, quick=WHEN_LABELS,
                   event_categories=event_categories())
    if args["view"] == "list":  # the map's own GeoJSON, kept for its page or built now
        size = current_app.config["MAP_LIST_PAGE_SIZE"]
        page = args["page"]
        with gc_paused():
            every = exports.layers(_kept("geojson", filters)[0], [layer for layer in services.LAYERS
                                                                 if layer in filters.layers])
        pages = max([1] + [-(-len(items) // size) for items in every.values()])
        sections = {layer: items[(page - 1) * size: page * size] for layer, items in every.items()}
        totals = {layer: len(items) for layer, items in every.items()}
        unplaced = services.unplaced_spaces(db.session, filters, event_days=current_app.config["MAP_EVENTS_DAYS"])
        return render_template("map/list.html", sections=sections, totals=totals, unplaced=unplaced,
                               page=page, pages=pages, **context)
    return render_template("map/map.html", map=_network_map(query, keep_hash=True, status_id="map-status"),
                           **context)


@pages_bp.route("/embed/map")
def embed_map():
    """A compact map for a member's or the municipality's site; its filters are fixed by its URL."""
    _map_query()
    query = _query()
    return render_template("map/embed.html", map=_network_map(query, keep_hash=False, status_id=None),
                           query=query)


@pages_bp.route("/map/credits")
def credits():
    return render_template("map/credits.html", attribution=ATTRIBUTION, attribution_url=ATTRIBUTION_URL,
                           tiles_attribution=current_app.config["MAP_TILES_ATTRIBUTION"])


def _matches(needs) -> dict:
    """Each open service need's five best matches, by the need's id."""
    return dict(zip((n.id for n in needs), match_needs(db.session, needs, str(get_locale() or "it"), limit=5)))


@pages_bp.route("/spaces/<slug>")
def space_page(slug):
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None or not space.active:
        abort(404)
    return render_template(
        "map/space.html", space=space, small_map=place_map(space.lat, space.lon, space.city),
        events=services.next_events(db.session, space, limit=10), skills=db.session.scalars(
            search_skills(space=space.slug).limit(100)).all(),
        needs=db.session.scalars(search_needs(space=space.slug).limit(100)).all(),
        matches=_matches(open_service_needs(db.session, space)),
        feeds=[feed_health(f) for f in space.feeds], reasons=REPORT_LABELS, taxonomy=taxonomy())


@pages_bp.route("/map/proposals/<int:proposal_id>")
def proposal_page(proposal_id):
    proposal = db.session.get(Proposal, proposal_id)
    coordinator = current_user.is_authenticated and current_user.has_role("coordinator")
    if proposal is None or (proposal.status != "approved" and not coordinator):
        abort(404)
    return render_template("map/proposal.html", proposal=proposal, reasons=REPORT_LABELS,
                           small_map=place_map(proposal.lat, proposal.lon, approximate=proposal.approximate))


@pages_bp.route("/map/propose", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PROPOSAL_RATE_LIMIT"], methods=["POST"])
def propose():
    """A citizen proposes a point, no account needed. The honeypot field ("website",
    hidden from people) filled means a robot: it is thanked and nothing is kept."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("website"):
            return render_template("map/thanks.html")
        try:
            data = ProposalIn().load(request.form)
            services.submit_proposal(db.session, data)
            db.session.commit()
            return render_template("map/thanks.html")
        except ValidationError as e:
            errors = form_errors(e)
        except services.ProposalError as e:
            errors = {"position": str(e)}
        db.session.rollback()
    return render_template("map/propose.html", errors=errors, form=request.form, categories=CATEGORY_LABELS,
                           picker=_network_map({"layers": "proposals"}, keep_hash=False, status_id=None, pick=True)), \
        (400 if errors else 200)


@pages_bp.route("/map/report", methods=["POST"])
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"])
def report():
    """A citizen says a published point is wrong (no account needed)."""
    try:
        data = ReportIn().load(request.form)
        services.report_point(db.session, data["target_type"], data["target_ref"], data["reason"],
                              data.get("comment"))
    except ValidationError as e:
        db.session.rollback()
        return render_template("error.html", code=400, message=" ".join(form_errors(e).values())), 400
    except services.ProposalError as e:
        db.session.rollback()
        return render_template("error.html", code=400, message=str(e)), 400
    db.session.commit()
    flash(_("Thank you: the coordinators will look at your report."), "info")
    back = (url_for("map.space_page", slug=data["target_ref"]) if data["target_type"] == "space"
            else url_for("map.proposal_page", proposal_id=int(data["target_ref"])))
    return redirect(back)


# --- Moderation (coordinators) -------------------------------------------------------------------


@pages_bp.route("/map/moderation")
@role_required("coordinator")
def moderation():
    pending, reports = services.moderation_queue(db.session)
    return render_template("map/moderation.html", pending=pending, reports=reports)


@pages_bp.route("/map/moderation/<int:proposal_id>", methods=["GET", "POST"])
@role_required("coordinator")
def moderate(proposal_id):
    proposal = db.get_or_404(Proposal, proposal_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("action") == "edit":
                services.edit_proposal(db.session, proposal, ProposalIn().load(request.form),
                                       by=current_user.email)
            else:
                data = ModerationIn().load(request.form)
                if data["action"] == "restore":
                    services.restore_revision(db.session, proposal, data.get("revision") or 0,
                                              by=current_user.email)
                else:
                    services.moderate(db.session, proposal, data["action"], by=current_user.email,
                                      reason=data.get("reason"), duplicate_of=data.get("duplicate_of"))
            shared.bump(db.session, "map")  # every worker drops its documents (core/shared.py)
            db.session.commit()
            documents().clear()  # and this one at once
            flash(_("Saved."), "info")
            return redirect(url_for("map.moderate", proposal_id=proposal.id))
        except ValidationError as e:
            errors = form_errors(e)
        except services.ProposalError as e:
            errors = {"action": str(e)}
        db.session.rollback()
        proposal = db.session.get(Proposal, proposal_id)
    return render_template("map/moderate.html", proposal=proposal, errors=errors, categories=CATEGORY_LABELS), \
        (400 if errors else 200)


@pages_bp.route("/map/reports/<int:report_id>/close", methods=["POST"])
@role_required("coordinator")
def close_report(report_id):
    found = db.get_or_404(Report, report_id)
    services.close_report(db.session, found, by=current_user.email)
    db.session.commit()
    flash(_("Report closed."), "info")
    return redirect(url_for("map.moderation"))
