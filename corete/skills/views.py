"""Skills' edges: the search page, the coordinators' queue of unmapped skills, and the
API (skills, the taxonomy, a service need's matches). Rules are in services.py."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from corete.core import shared
from corete.core.api import paginate_select
from corete.core.forms import attempt
from corete.core.permissions import role_required
from corete.extensions import db
from corete.purchasing.models import Need
from corete.skills import services
from corete.skills.schemas import DecisionIn, MatchArgs, NeedMatchesOut, SkillListArgs, SkillPageOut, TaxonOut
from corete.skills.taxonomy import taxonomy
from corete.spaces.models import Space


def _reload_taxonomy(app) -> None:
    taxonomy.cache_clear()


shared.on_change("taxonomy", _reload_taxonomy)  # `corete skills remap` after an edited file

api_bp = Blueprint("skills_api", __name__, url_prefix="/api/v1/skills", description="Skills of the network")
pages_bp = FlaskBlueprint("skills", __name__, template_folder="templates")


def _lang() -> str:
    return str(get_locale() or "it")


@api_bp.route("")
@api_bp.arguments(SkillListArgs, location="query")
@api_bp.response(200, SkillPageOut)
def list_skills(args):
    """Skills published by the spaces; filters: q (mapped through the taxonomy, Italian or
    English), category (a taxonomy category id), space, city."""
    stmt = services.search_skills(q=args.get("q"), space=args.get("space"), city=args.get("city"),
                                  category=args.get("category"))
    return paginate_select(db.session, stmt, args)


@api_bp.route("/taxonomy")
@api_bp.response(200, TaxonOut(many=True))
def list_taxonomy():
    """Every entry of the taxonomy: categories (no parent) and skills."""
    return list(taxonomy().taxa.values())


@api_bp.route("/match")
@api_bp.arguments(MatchArgs, location="query")
@api_bp.response(200, NeedMatchesOut)
def match(args):
    """The skills of the network that answer a service need, best first, each explained."""
    need = db.session.get(Need, args["need"])
    if need is None or need.kind != "service" or not need.space.active:
        abort(404)
    return _matches_of(need, args["limit"])


def _matches_of(need: Need, limit: int = 20) -> dict:
    return {"need": need.id, "space": need.space.slug, "item": need.item,
            "asks_for": [m.taxon for m in services.need_taxa(need)],
            "matches": services.match_need(db.session, need, _lang(), limit)}


@pages_bp.route("/skills")
def skills_page():
    args = {k: (request.args.get(k) or "").strip()[:200] for k in ("q", "category", "city", "space")}
    tax = taxonomy()
    if args["category"] and args["category"] not in tax.taxa:
        args["category"] = ""
    searched = any(args.values())
    skills, more = [], False
    if searched:
        stmt = services.search_skills(q=args["q"] or None, category=args["category"] or None,
                                      city=args["city"] or None, space=args["space"] or None)
        skills = db.session.scalars(stmt.limit(services.SEARCH_LIMIT + 1)).all()
        more = len(skills) > services.SEARCH_LIMIT
        skills = skills[:services.SEARCH_LIMIT]
    cities = db.session.scalars(select(Space.city).where(Space.active.is_(True), Space.city.is_not(None))
                                .distinct().order_by(Space.city)).all()
    spaces = db.session.execute(select(Space.slug, Space.name).where(Space.active.is_(True))
                                .order_by(Space.name)).all()
    categories = sorted(tax.categories(), key=lambda t: t.label(_lang()))
    return render_template("skills/search.html", args=args, groups=services.grouped(skills, _lang()),
                           searched=searched, more=more, count=len(skills), categories=categories,
                           cities=cities, spaces=spaces, lang=_lang())


@pages_bp.route("/skills/unmapped", methods=["GET", "POST"])
@role_required("coordinator")
def unmapped_page():
    errors = {}
    if request.method == "POST":
        def work():
            form = DecisionIn().load(request.form)
            taxon = None if form["taxon"] == "none" else form["taxon"]
            return services.decide(db.session, form["key"], taxon, current_user)
        changed, errors = attempt(db.session, work, services.SkillError, "taxon")
        if not errors:
            flash(_("%(count)d skills mapped.", count=changed), "info")
            return redirect(url_for("skills.unmapped_page"))
    tax = taxonomy()
    entries = sorted((t for t in tax.taxa.values() if not t.is_category), key=lambda t: t.label(_lang()))
    return render_template("skills/unmapped.html", waiting=services.unmapped(db.session), entries=entries,
                           tax=tax, lang=_lang(), errors=errors), (400 if errors else 200)
