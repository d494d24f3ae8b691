"""Offers' edges: the list (by category and city) and the API. Rules are in services.py."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import render_template, request, url_for
from flask_smorest import Blueprint
from marshmallow import ValidationError

from corete.core.api import page_bounds
from corete.core.forms import form_errors
from corete.core.when import local_today
from corete.extensions import db
from corete.offers import services
from corete.offers.labels import CATEGORY_LABELS
from corete.offers.models import Offer
from corete.offers.schemas import Filters, OfferListArgs, OfferPageOut
from corete.offers.writers import OFFER_CATEGORIES

pages_bp = FlaskBlueprint("offers", __name__, template_folder="templates")
api_bp = Blueprint("offers_api", __name__, url_prefix="/api/v1/offers",
                   description="What spaces and their members offer the rest of the network")


@pages_bp.app_template_global()
def offer_category(category: str | None) -> str:
    return str(CATEGORY_LABELS.get(category or "other", CATEGORY_LABELS["other"]))


@pages_bp.app_template_global()
def offer_categories() -> list[tuple[str, str]]:
    return [(k, str(CATEGORY_LABELS[k])) for k in OFFER_CATEGORIES]


@pages_bp.app_template_global()
def network_today():
    return local_today()


@pages_bp.app_template_global()
def offers_of(space) -> list[Offer]:
    """A space's current offers (its page lists them)."""
    return services.search(db.session, space=space.slug, limit=50)[0]


def _dump(offer: Offer) -> dict:
    return {
        "id": offer.id, "title": offer.title, "category": offer.category, "audience": offer.audience,
        "benefit": offer.benefit, "conditions": offer.conditions, "offered_by": offer.offered_by_name,
        "offered_by_url": offer.offered_by_url,
        "valid_from": offer.valid_from.isoformat() if offer.valid_from else None,
        "valid_until": offer.valid_until.isoformat() if offer.valid_until else None, "contact": offer.contact,
        "link": offer.url, "description_html": offer.description_html, "space": offer.space.slug,
        "space_name": offer.space.name, "city": offer.space.city,
        "url": url_for("offers.offers_page", space=offer.space.slug, _external=True, _anchor=f"offer-{offer.id}"),
    }


@api_bp.route("")
@api_bp.arguments(OfferListArgs, location="query")
@api_bp.response(200, OfferPageOut)
def list_offers(args):
    """Current offers of active spaces (those whose last day has not passed), by title."""
    page, per_page = page_bounds(args)
    found, total = services.search(db.session, category=args.get("category"), city=args.get("city"),
                                   audience=args.get("audience"), q=args.get("q"), space=args.get("space"),
                                   limit=per_page, offset=(page - 1) * per_page)
    return {"items": [_dump(o) for o in found], "total": total, "page": page, "per_page": per_page}


@pages_bp.route("/offers")
def offers_page():
    """What the spaces and their members offer the network: discounts, first consultations,
    shared services."""
    values = {k: (request.args.get(k) or "").strip()[:200] for k in ("category", "city", "audience", "q", "space")}
    errors, found, total = {}, [], 0
    try:
        args = Filters().load({k: v for k, v in values.items() if v})
    except ValidationError as e:
        errors, args = form_errors(e), {}
    if not errors:
        found, total = services.search(db.session, category=args.get("category"), city=args.get("city"),
                                       audience=args.get("audience"), q=args.get("q"), space=args.get("space"))
    return render_template("offers/list.html", values=values, errors=errors, found=found, total=total,
                           cities=services.cities(db.session)), (400 if errors else 200)
