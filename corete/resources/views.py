"""Resources' edges: finding a room, a desk or equipment free when it is needed (the page
and the API), one resource's page. Rules are in services.py."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import ValidationError
from sqlalchemy import func, select

from corete.core.api import editing_doc, page_bounds
from corete.core.forms import form_errors
from corete.core.i18n import page_language
from corete.core.models import utcnow
from corete.core.permissions import space_editor_required
from corete.core.when import NETWORK_ZONE, zone
from corete.extensions import db, limiter
from corete.federation import writers
from corete.resources import services
from corete.resources.labels import BOOKABLE_LABELS, KIND_LABELS, PER_LABELS, STATE_LABELS
from corete.resources.models import Booking, Resource
from corete.resources.schemas import (
    BookingIn, BookingOut, ConflictOut, ResourceListArgs, ResourcePageOut, SearchIn,
)
from corete.resources.writers import RESOURCE_KINDS
from corete.spaces.models import Space

pages_bp = FlaskBlueprint("resources", __name__, template_folder="templates")
api_bp = Blueprint("resources_api", __name__, url_prefix="/api/v1/resources",
                   description="Rooms, desks and equipment the spaces share, and when they are free")


@pages_bp.app_template_global()
def resource_kind(kind: str | None) -> str:
    return str(KIND_LABELS.get(kind or "other", KIND_LABELS["other"]))


pages_bp.add_app_template_filter(resource_kind, "resource_kind_label")


@pages_bp.app_template_global()
def resource_kinds() -> list[tuple[str, str]]:
    return [(k, str(KIND_LABELS[k])) for k in RESOURCE_KINDS]


@pages_bp.app_template_global()
def resource_price(resource: Resource) -> list[str]:
    """Its prices in words: "10,00 € per hour for the network", "20,00 € per hour"."""
    from flask_babel import format_currency, gettext as _

    out = []
    per = PER_LABELS.get(resource.price_per or "hour")
    for amount, who in ((resource.member_price, _("for members of the network")), (resource.public_price, _("for everyone else"))):
        if amount is not None:
            text = _("free") if amount == 0 else f"{format_currency(amount, resource.currency or 'EUR')} {per}"
            out.append(f"{text} {who}")
    return out


@pages_bp.app_template_global()
def space_options(spaces) -> list[tuple[str, str]]:
    return [(s.slug, s.name) for s in spaces]


def _dump(resource: Resource) -> dict:
    price = None
    if resource.price_per:
        price = {"per": resource.price_per, "member": resource.member_price, "public": resource.public_price,
                 "currency": resource.currency}
    return {
        "id": resource.id, "name": resource.name, "kind": resource.kind, "space": resource.space.slug,
        "space_name": resource.space.name, "city": resource.city or resource.space.city,
        "lat": resource.lat if resource.lat is not None else resource.space.lat,
        "lon": resource.lon if resource.lon is not None else resource.space.lon,
        "capacity": resource.capacity, "price": price, "bookable_by": resource.bookable_by,
        "opening_hours": resource.opening_hours, "rules": resource.rules, "description_html": resource.description_html,
        "picture": url_for("media.large", picture_id=resource.picture_id, _external=True) if resource.picture_id else None,
        "url": url_for("resources.resource_page", resource_id=resource.id, _external=True),
    }


@api_bp.route("")
@api_bp.arguments(ResourceListArgs, location="query")
@api_bp.response(200, ResourcePageOut)
def list_resources(args):
    """Rooms, desks and equipment of active spaces; with `from` and `to`, only those free for
    the whole window (no busy time then, and open, when their opening hours are known)."""
    page, per_page = page_bounds(args)
    found, total = services.search(
        db.session, kind=args.get("kind"), city=args.get("city"), capacity=args.get("capacity"),
        space=args.get("space"), q=args.get("q"), bookable_by=args.get("bookable_by"), start=args.get("from_"),
        end=args.get("to"), limit=per_page, offset=(page - 1) * per_page)
    return {"items": [_dump(r) for r in found], "total": total, "page": page, "per_page": per_page}


@pages_bp.route("/resources")
def resources_page():
    """Find a room, a desk or equipment: by kind, city and size, and free when you need it."""
    values = {k: (request.args.get(k) or "").strip()[:200] for k in
              ("kind", "city", "capacity", "q", "anyone", "date", "start_time", "end_time", "end_date", "space")}
    errors, found, total, window = {}, [], 0, None
    try:
        args = SearchIn().load(values)
    except ValidationError as e:
        errors, args = form_errors(e), {}
    if not errors:
        if args.get("date"):
            here = zone(NETWORK_ZONE)
            window = (dt.datetime.combine(args["date"], args["start_time"], here),
                      dt.datetime.combine(args.get("end_date") or args["date"], args["end_time"], here))
        found, total = services.search(
            db.session, kind=args.get("kind"), city=args.get("city"), capacity=args.get("capacity"), q=args.get("q"),
            space=args.get("space"), bookable_by="anyone" if args.get("anyone") else None, start=window[0] if window else None,
            end=window[1] if window else None)
    cities = db.session.scalars(select(Space.city).join(Resource, Resource.space_id == Space.id)
                                .where(Space.active.is_(True), Space.city.is_not(None)).distinct()
                                .order_by(Space.city)).all()
    space = db.session.scalar(select(Space).where(Space.slug == args["space"])) if args.get("space") else None
    return render_template("resources/search.html", values=values, errors=errors, found=found, total=total,
                           window=window, cities=cities, bookable=BOOKABLE_LABELS, space=space), (400 if errors else 200)


def _operator_spaces() -> list[Space]:
    """The spaces the logged-in account may book for (a coordinator: any active one)."""
    if not current_user.is_authenticated:
        return []
    if current_user.has_role("coordinator"):
        return list(db.session.scalars(select(Space).where(Space.active.is_(True)).order_by(Space.name)))
    return [s for s in current_user.spaces if s.active]


def _window(form: dict, resource: Resource) -> tuple[dt.datetime, dt.datetime]:
    here = zone(resource.timezone or NETWORK_ZONE)
    return (dt.datetime.combine(form["date"], form["start_time"], here),
            dt.datetime.combine(form.get("end_date") or form["date"], form["end_time"], here))


def _request(resource: Resource, form: dict):
    """(booking, token for a visitor) for a checked form; ResourceError/Conflict as the
    service raises them."""
    spaces = {s.slug: s for s in _operator_spaces()}
    home = spaces.get(form.get("space") or "") if spaces else None
    if spaces and home is None:
        raise services.ResourceError(_("Choose the space whose member it is for."))
    start, end = _window(form, resource)
    return services.request_booking(
        db.session, resource, start=start, end=end, person_name=form["person_name"], home_space=home,
        user=current_user if home else None, person_email=form.get("person_email"), people=form.get("people"),
        note=form.get("note"))


@pages_bp.route("/resources/<int:resource_id>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["BOOKING_RATE_LIMIT"], methods=["POST"])
def resource_page(resource_id):
    """One resource: what it is, when it is busy, and the booking request form (for an
    operator on behalf of a member, or for a visitor where the public may book)."""
    resource = db.session.get(Resource, resource_id)
    if resource is None or not resource.space.active:
        abort(404)
    values, errors, slots, status = {}, {}, [], 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            booking, token = _request(resource, BookingIn().load(request.form))
            if token:
                services.mail_confirmation(db.session, booking, token, page_language())
            db.session.commit()
        except ValidationError as e:
            db.session.rollback()
            errors, status = form_errors(e), 400
        except services.Conflict as e:
            db.session.rollback()
            errors, slots, status = {"form": str(e)}, e.slots, 409
        except services.ResourceError as e:
            db.session.rollback()
            errors, status = {"form": str(e)}, 400
        else:
            flash(_("Request sent: we e-mailed you a link to confirm it.") if token else
                  _("Request sent to %(space)s: you will be told of their answer.", space=resource.space.name), "info")
            return redirect(url_for("resources.resource_page", resource_id=resource.id))
    now = utcnow()
    busy = services.busy_spans(db.session, resource.id, now, now + dt.timedelta(days=14))
    return render_template("resources/resource.html", resource=resource, busy=busy, bookable=BOOKABLE_LABELS,
                           values=values, errors=errors, slots=slots, spaces=_operator_spaces()), status


@pages_bp.route("/bookings/confirm/<token>", methods=["GET", "POST"])
def confirm_booking(token):
    """A visitor's link: a button (a mail scanner opening the link confirms nothing)."""
    if request.method == "POST":
        booking = services.confirm_email(db.session, token[:100])
        if booking is None:
            return render_template("error.html", code=404, message=_("This link is not valid, or was already used.")), 404
        db.session.commit()
        flash(_("Confirmed: %(space)s has your request.", space=booking.owner_space.name), "info")
        return redirect(url_for("resources.resource_page", resource_id=booking.resource_id) if booking.resource_id
                        else url_for("resources.resources_page"))
    return render_template("resources/confirm.html", token=token)


@pages_bp.route("/spaces/<slug>/bookings")
@space_editor_required
def space_bookings(space):
    """The bookings of a space's resources, and those it asked for its members."""
    bookings = services.bookings_of(db.session, space)
    return render_template("resources/bookings.html", space=space, bookings=bookings, states=STATE_LABELS,
                           now=utcnow())


def _booking_for(booking_id: int) -> tuple[Booking, str]:
    booking = db.session.get(Booking, booking_id)
    side = services.may_act(current_user, booking) if booking is not None else None
    if booking is None:
        abort(404)
    if side is None:
        abort(403)
    return booking, side


@pages_bp.route("/bookings/<int:booking_id>/<any(accept, decline, cancel):action>", methods=["POST"])
@login_required
def booking_action(booking_id, action):
    booking, side = _booking_for(booking_id)
    space = booking.owner_space if side == "owner" else booking.home_space
    back = url_for("resources.space_bookings", slug=space.slug)
    reason = (request.form.get("reason") or "").strip()[:500]
    try:
        if action == "accept" and side == "owner":
            services.accept(db.session, booking, current_user)
        elif action == "decline" and side == "owner":
            services.decline(db.session, booking, current_user, reason)
        elif action == "cancel":
            services.cancel(db.session, booking, current_user, space, reason)
        else:
            abort(403)
        db.session.commit()
    except services.ResourceError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    flash({"accept": _("Accepted: the time is now busy, and %(space)s is told.", space=(booking.home_space.name if booking.home_space else booking.person_name)),
           "decline": _("Declined: they are told."), "cancel": _("Cancelled: the other side is told.")}[action], "info")
    return redirect(back)


@pages_bp.route("/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id):
    """An accepted booking for either side's calendar."""
    booking, _side = _booking_for(booking_id)
    body = writers.icalendar(booking.resource_name, [{
        "uid": f"booking-{booking.id}@corete", "title": f"{booking.resource_name} · {booking.person_name}",
        "start": booking.start, "end": booking.end, "location": booking.owner_space.name,
        "status": {"accepted": "CONFIRMED", "cancelled": "CANCELLED", "declined": "CANCELLED"}.get(booking.state, "TENTATIVE"),
        "description": booking.note or ""}])
    return Response(body, content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"'})


@pages_bp.app_template_global()
def resources_of(space) -> list[Resource]:
    """A space's rooms and equipment (its page lists them)."""
    return services.search(db.session, space=space.slug, limit=100)[0]


@pages_bp.app_template_global()
def bookings_waiting(space) -> int:
    """How many requests for this space's resources wait for an answer (the editor says so)."""
    return db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.owner_space_id == space.id, Booking.state == "requested")) or 0


@api_bp.route("/<int:resource_id>/bookings", methods=["POST"])
@api_bp.doc(**editing_doc(ok={"201": {"description": "Requested", "content": {"application/json": {
    "schema": BookingOut}}}, "409": {"description": "The slot is busy or closed: the next free slots.",
                                   "content": {"application/json": {"schema": ConflictOut}}}}, invalid=True,
    requestBody={"required": True, "content": {"application/json": {"schema": BookingIn}}}))
def api_request_booking(resource_id):
    """Ask to book a resource for a member of your space (an operator's session and CSRF token)."""
    if not current_user.is_authenticated:
        abort(401)
    resource = db.session.get(Resource, resource_id)
    if resource is None or not resource.space.active:
        abort(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="a JSON object is expected")
    try:
        booking, _token = _request(resource, BookingIn().load(body))
        db.session.commit()
    except ValidationError as e:
        db.session.rollback()
        api_abort(422, messages={"json": form_errors(e)})
    except services.Conflict as e:
        db.session.rollback()
        return jsonify({"code": 409, "status": "Conflict", "message": str(e),
                        "next_free": [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in e.slots]}), 409
    except services.ResourceError as e:
        db.session.rollback()
        api_abort(422, messages={"json": {"form": str(e)}})
    return {"id": booking.id, "resource": booking.resource_id, "state": booking.state,
            "start": booking.start.isoformat(), "end": booking.end.isoformat()}, 201
