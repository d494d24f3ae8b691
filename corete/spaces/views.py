"""Read API of the registry: /api/v1/spaces."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from corete.core.permissions import role_required
from corete.core.api import paginate_select
from corete.extensions import db
from corete.spaces.models import Space
from corete.spaces.schemas import SpaceDetailOut, SpaceListArgs, SpaceOut, SpacePageOut
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


pages_bp = FlaskBlueprint("spaces", __name__)


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
