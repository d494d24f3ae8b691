"""The registry: its read API (/api/v1/spaces), and the coordinators' pages to add, edit,
pause and retire member spaces (/console/spaces), with the same rules as `corete spaces`."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import or_, select

from corete.core.api import paginate_select
from corete.core.forms import form_errors
from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.core.templating import KIND_LABELS
from corete.extensions import db
from corete.spaces import services
from corete.core.vocabulary import SPACE_KINDS
from corete.spaces.models import Space
from corete.spaces.schemas import ProfileIn, SpaceDetailOut, SpaceListArgs, SpaceOut, SpacePageOut
from corete.spaces.services import feed_health

api_bp = Blueprint("spaces_api", __name__, url_prefix="/api/v1/spaces", description="Member spaces")
_space_out = SpaceOut()


@api_bp.route("")
@api_bp.arguments(SpaceListArgs, location="query")
@api_bp.response(200, SpacePageOut)
def list_spaces(args):
    """Active member spaces, by name; filters: city, kind, q (name or description)."""
    stmt = select(Space).where(Space.active.is_(True)).order_by(Space.name)
    if args.get("city"):
        stmt = stmt.where(Space.city.ilike(args["city"]))
    if args.get("kind"):
        stmt = stmt.where(Space.kind == args["kind"])
    if args.get("q"):
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(Space.name.ilike(like), Space.description.ilike(like)))
    return paginate_select(db.session, stmt, args)


@api_bp.route("/<slug>")
@api_bp.response(200, SpaceDetailOut)
def get_space(slug):
    """One space, with the health of each of its feeds."""
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        abort(404)
    data = _space_out.dump(space)
    data["feeds"] = [feed_health(f) for f in space.feeds]
    return data


pages_bp = FlaskBlueprint("spaces", __name__, template_folder="templates")


@pages_bp.route("/spaces/<slug>/accredited", methods=["POST"])
@role_required("coordinator")
def set_accredited(slug):
    """A coordinator accredits a space (or withdraws it): never taken from a feed."""
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        abort(404)
    space.accredited = request.form.get("accredited") == "1"
    db.session.commit()
    flash(_("%(name)s: accreditation saved.", name=space.name), "info")
    return redirect(url_for("home.home"))


# --- Coordinators: the registry from the web ------------------------------------------------------


def _space_or_404(slug: str) -> Space:
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        abort(404)
    return space


def _kinds() -> list[tuple[str, str]]:
    return [(k, KIND_LABELS[k]) for k in SPACE_KINDS]


@pages_bp.route("/console/spaces")
@role_required("coordinator")
def registry():
    """Every member space, retired ones included, with its state and feeds."""
    spaces = db.session.scalars(select(Space).order_by(Space.name)).all()
    return render_template("spaces/registry.html", rows=[(s, services.space_state(s)) for s in spaces])


def _checked_feeds(text: str, anyway: bool) -> tuple[list[str], list, dict]:
    """The addresses of the form, each through the validator: (urls, checks, errors). An
    address the hub cannot read is refused unless the coordinator said to add it anyway
    (a member's server down for the day)."""
    try:
        urls = services.feed_urls(text)
    except services.RegistryError as e:
        return [], [], {"feeds": str(e)}
    if not urls:
        return [], [], {"feeds": _("a space needs at least one feed URL")}
    checks = services.check_feeds(urls, current_app.config)
    if not anyway and not all(c.usable for c in checks):
        return urls, checks, {"feeds": _("The hub cannot read every address: correct it, or tick \"add it anyway\".")}
    return urls, checks, {}


@pages_bp.route("/console/spaces/new", methods=["GET", "POST"])
@role_required("coordinator")
def new_space():
    """A member space and its feeds, each address checked by the validator before saving."""
    values, errors, checks = {"kind": "other"}, {}, []
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            form = ProfileIn().load(request.form)
        except ValidationError as e:
            form, errors = None, form_errors(e)
        urls, checks, feed_errors = _checked_feeds(request.form.get("feeds"), bool(request.form.get("anyway")))
        errors.update(feed_errors)
        if not errors:
            try:
                space = services.new_space(db.session, form, urls)
            except services.RegistryError as e:
                db.session.rollback()
                errors["name"] = str(e)
            else:
                db.session.commit()
                flash(_("%(name)s added: the hub reads its feeds within a minute.", name=space.name), "info")
                return redirect(url_for("spaces.edit_space", slug=space.slug))
    return render_template("spaces/space_form.html", space=None, values=values, errors=errors, checks=checks,
                           kinds=_kinds()), (400 if errors else 200)


@pages_bp.route("/console/spaces/<slug>", methods=["GET", "POST"])
@role_required("coordinator")
def edit_space(slug):
    """A space's profile as the registry keeps it (what a coordinator changes here, the
    space's feed no longer changes), its feeds, and pausing or retiring it."""
    space = _space_or_404(slug)
    values, errors = _values_of(space), {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            form = ProfileIn().load(request.form)
        except ValidationError as e:
            errors = form_errors(e)
        else:
            changed = services.edit_space(space, form, unlock=bool(request.form.get("unlock")))
            db.session.commit()
            flash(_("Saved.") if changed or request.form.get("unlock") else _("Nothing changed."), "info")
            return redirect(url_for("spaces.edit_space", slug=space.slug))
    return _space_page(space, values, errors)


def _values_of(space: Space) -> dict:
    """The profile form filled with what the registry says."""
    return {**{k: getattr(space, k) for k in services.EDITABLE}, "tags": ", ".join(space.tags or [])}


def _space_page(space: Space, values: dict, errors: dict, checks=(), feeds_text: str = ""):
    return render_template("spaces/space_form.html", space=space, values=values, errors=errors, checks=checks,
                           kinds=_kinds(), state=services.space_state(space), feeds_text=feeds_text,
                           health=[feed_health(f) | {"id": f.id} for f in space.feeds]), (400 if errors else 200)


@pages_bp.route("/console/spaces/<slug>/feeds", methods=["POST"])
@role_required("coordinator")
def add_feeds(slug):
    space = _space_or_404(slug)
    urls, checks, errors = _checked_feeds(request.form.get("feeds"), bool(request.form.get("anyway")))
    if errors:
        return _space_page(space, _values_of(space), errors, checks, request.form.get("feeds", ""))
    for url in urls:
        services.add_feed(space, url)
    db.session.commit()
    flash(_("Feeds added: the hub reads them within a minute."), "info")
    return redirect(url_for("spaces.edit_space", slug=space.slug))


ACTION_MESSAGES = {
    "pause": _l("Paused: the hub stops reading this space's feeds and keeps what they published."),
    "resume": _l("Resumed: the hub reads its feeds at its next look."),
    "retire": _l("Retired: the space leaves the map, the calendar, the API and the exports; nothing was deleted, "
                 "and restoring it brings it back."),
    "restore": _l("Restored: the space is back and its feeds are read at the next look."),
}


@pages_bp.route("/console/spaces/<slug>/state", methods=["POST"])
@role_required("coordinator")
def space_action(slug):
    space = _space_or_404(slug)
    action = request.form.get("action")
    if action not in services.ACTIONS:
        abort(400)
    services.act_on_space(space, action, utcnow())
    db.session.commit()
    flash(str(ACTION_MESSAGES[action]), "info")
    return redirect(url_for("spaces.edit_space", slug=space.slug))
