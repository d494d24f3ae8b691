"""Purchasing's edges: the needs and purchasing APIs, the coordinator's pages (catalogue,
rounds, the queue of unmatched needs), a round's public page, the supplier order (CSV and
printable) and each space's statement. Thin: the rules are in services.py and pooling.py."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from corete.core.api import paginate_select
from corete.core.forms import attempt
from corete.core.when import NETWORK_ZONE
from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.extensions import db
from corete.purchasing import automation, services, simulate
from corete.purchasing.models import Need, Product, Round, Supplier
from corete.purchasing.schemas import (
    DecisionIn,
    NeedListArgs,
    NeedPageOut,
    ProductIn,
    RoundIn,
    RoundOut,
    StepIn,
    SupplierIn,
    SupplierOut,
)
from corete.spaces.services import space_names

api_bp = Blueprint("needs_api", __name__, url_prefix="/api/v1/needs", description="Purchase and service needs")
purchasing_api_bp = Blueprint("purchasing_api", __name__, url_prefix="/api/v1/purchasing",
                              description="Pooled purchasing: suppliers, products and rounds")
pages_bp = FlaskBlueprint("purchasing", __name__, template_folder="templates")
ZONE = ZoneInfo(NETWORK_ZONE)


@api_bp.route("")
@api_bp.arguments(NeedListArgs, location="query")
@api_bp.response(200, NeedPageOut)
def list_needs(args):
    """Needs published by the spaces; filters: space, category, kind. ``pooling`` is a
    coordinator's decision on a goods need (linked to a product, or rejected with a reason)."""
    stmt = services.search_needs(space=args.get("space"), category=args.get("category"), kind=args.get("kind"))
    return paginate_select(db.session, stmt, args)


# --- Reading a round ---------------------------------------------------------------------------


def _round_or_404(round_id: int) -> Round:
    rnd = db.session.get(Round, round_id)
    if rnd is None:
        abort(404)
    return rnd


def _pooled(rnd: Round):
    """(the pooling, or None with the reason it could not be computed)."""
    try:
        return services.compute(db.session, rnd), None
    except services.PurchasingError as e:
        return None, str(e)


def _names(rnd: Round, result) -> dict[str, str]:
    """The names of the spaces a round's page mentions by slug."""
    slugs = set(result.members) if result else set()
    slugs |= {r.member for r in (result.rejected if result else [])}
    slugs |= {c.detail["member"] for c in rnd.changes if (c.detail or {}).get("member")}
    return space_names(db.session, slugs)


def _summary(rnd: Round) -> dict:
    result, _error = _pooled(rnd)
    return {"id": rnd.id, "name": rnd.name, "supplier": rnd.supplier.name, "state": rnd.state, "opens_at": rnd.opens_at,
            "closes_at": rnd.closes_at, "delivery_date": rnd.delivery_date, "policy": rnd.policy,
            "url": url_for("purchasing.round_page", round_id=rnd.id, _external=True),
            "result": simulate.result(result) if result else None,
            "savings": {m: str(result.savings(m)) for m in result.members} if result else {}}


@purchasing_api_bp.route("/rounds")
@purchasing_api_bp.response(200, RoundOut(many=True))
def api_rounds():
    """Every purchasing round, newest first, with its pooling."""
    return [_summary(r) for r in services.rounds(db.session)]


@purchasing_api_bp.route("/rounds/<int:round_id>")
@purchasing_api_bp.response(200, RoundOut)
def api_round(round_id):
    """One round: its state and its pooling in the shape `corete purchasing simulate` prints
    (supplier order, each product's queue and allocations, each space's goods, shipping and
    total), and what each space saved against buying alone."""
    return _summary(_round_or_404(round_id))


@purchasing_api_bp.route("/suppliers")
@purchasing_api_bp.response(200, SupplierOut(many=True))
def api_suppliers():
    """The catalogue: suppliers and their active products."""
    return db.session.scalars(select(Supplier).order_by(Supplier.name)).all()


# --- Pages ---------------------------------------------------------------------------------------


@pages_bp.route("/purchasing")
def rounds_page():
    return render_template("purchasing/rounds.html", rounds=services.rounds(db.session),
                           suppliers=db.session.scalars(select(Supplier).order_by(Supplier.name)).all(),
                           errors={}, form={})


@pages_bp.route("/purchasing/rounds/<int:round_id>")
def round_page(round_id):
    """A round as everyone sees it: each product's packs and how full they are, each
    space's lines and bill, and what the network saved. Coordinators also get its steps."""
    rnd = _round_or_404(round_id)
    result, error = _pooled(rnd)
    coordinator = current_user.is_authenticated and current_user.has_role("coordinator")
    return render_template("purchasing/round.html", rnd=rnd, result=result, error=error, coordinator=coordinator,
                           members=sorted(result.members) if result else [], errors={}, names=_names(rnd, result))


@pages_bp.route("/purchasing/rounds/<int:round_id>/statements/<slug>")
def statement_page(round_id, slug):
    """One space's statement: its goods, shipping and total in this round."""
    rnd = _round_or_404(round_id)
    result, error = _pooled(rnd)
    if result is None or slug not in result.members:
        abort(404)
    return render_template("purchasing/statement.html", rnd=rnd, result=result, member=slug,
                           member_name=space_names(db.session, [slug]).get(slug, slug), charge=result.members[slug])


@pages_bp.route("/purchasing/rounds/<int:round_id>/order")
@role_required("coordinator")
def order_page(round_id):
    """The supplier order, printable."""
    rnd = _round_or_404(round_id)
    result, error = _pooled(rnd)
    return render_template("purchasing/order.html", rnd=rnd, result=result, error=error)


@pages_bp.route("/purchasing/rounds/<int:round_id>/order.csv")
@role_required("coordinator")
def order_csv(round_id):
    rnd = _round_or_404(round_id)
    result, error = _pooled(rnd)
    if result is None:
        abort(409, description=error)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "packs", "pack_unit", "pack_size", "group_unit", "pack_price", "line_total"])
    for p in result.lines:
        writer.writerow([p.item.sku, p.item.name, simulate.number(p.packs), p.item.pack_unit or "",
                         simulate.number(p.item.pack_size), p.item.group_unit, simulate.money(p.pack_price),
                         simulate.money(p.line_total)])
    writer.writerow(["", "goods_total", "", "", "", "", "", simulate.money(result.goods_total)])
    writer.writerow(["", "shipping_fee", "", "", "", "", "", simulate.money(result.shipping_fee)])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="corete-order-{rnd.id}.csv"'
    return response


# --- The coordinator's actions -------------------------------------------------------------------


def _in_network_time(naive):
    return naive.replace(tzinfo=ZONE)


@pages_bp.route("/purchasing/rounds", methods=["POST"])
@role_required("coordinator")
def open_round():
    def work():
        data = RoundIn().load(request.form)
        supplier = db.session.get(Supplier, data["supplier_id"])
        if supplier is None:
            raise services.PurchasingError(_("Unknown supplier."))
        return services.open_round(db.session, supplier, name=data["name"],
                                   opens_at=_in_network_time(data["opens_at"]),
                                   closes_at=_in_network_time(data["closes_at"]), delivery_date=data["delivery_date"],
                                   policy=data["policy"], by=current_user.email, repeat=data.get("repeat"))

    rnd, errors = attempt(db.session, work, services.PurchasingError, "round")
    if rnd is not None:
        flash(_("Round opened."), "info")
        return redirect(url_for("purchasing.round_page", round_id=rnd.id))
    return render_template("purchasing/rounds.html", rounds=services.rounds(db.session),
                           suppliers=db.session.scalars(select(Supplier).order_by(Supplier.name)).all(),
                           errors=errors, form=request.form), 400


@pages_bp.route("/purchasing/rounds/<int:round_id>/steps", methods=["POST"])
@role_required("coordinator")
def round_step(round_id):
    rnd = _round_or_404(round_id)

    def work():
        data = StepIn().load(request.form)
        if data["action"] == "close":  # as the deadline closes it: statements by mail, the next round
            automation.close(db.session, rnd, by=current_user.email, config=current_app.config)
        else:
            services.step(db.session, rnd, data["action"], by=current_user.email, sku=data.get("sku"),
                          units=data.get("units"), member=data.get("member"))
        return rnd

    done, errors = attempt(db.session, work, services.PurchasingError, "step")
    if done is not None:
        flash(_("Saved."), "info")
        return redirect(url_for("purchasing.round_page", round_id=rnd.id))
    rnd = _round_or_404(round_id)
    result, error = _pooled(rnd)
    return render_template("purchasing/round.html", rnd=rnd, result=result, error=error, coordinator=True,
                           members=sorted(result.members) if result else [], errors=errors,
                           names=_names(rnd, result)), 400


@pages_bp.route("/purchasing/catalogue", methods=["GET", "POST"])
@role_required("coordinator")
def catalogue_page():
    errors: dict[str, str] = {}
    if request.method == "POST":
        kind = "supplier" if request.form.get("form") == "supplier" else "product"

        def work():
            if kind == "supplier":
                return services.add_supplier(db.session, SupplierIn().load(request.form))
            return services.add_product(db.session, ProductIn().load(request.form))

        added, errors = attempt(db.session, work, services.PurchasingError, "_")
        if added is not None:
            flash(_("Saved."), "info")
            return redirect(url_for("purchasing.catalogue_page"))
        errors = {f"{kind}.{k}": v for k, v in errors.items()}
    suppliers = db.session.scalars(select(Supplier).order_by(Supplier.name)).all()
    return render_template("purchasing/catalogue.html", suppliers=suppliers, errors=errors,
                           form=request.form if errors else {}), (400 if errors else 200)


@pages_bp.route("/purchasing/queue", methods=["GET", "POST"])
@role_required("coordinator")
def queue_page():
    """Goods needs no product matches: link each to a product, or reject it with a reason."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        def work():
            data = DecisionIn().load(request.form)
            need = db.session.get(Need, data["need_id"])
            product = db.session.get(Product, data["product_id"]) if data.get("product_id") else None
            if need is None or (data.get("product_id") and product is None):
                abort(404)
            services.decide(db.session, need, by=current_user.email, product=product, reason=data.get("reason"))
            return need

        decided, errors = attempt(db.session, work, services.PurchasingError, "decision")
        if decided is not None:
            flash(_("Saved."), "info")
            return redirect(url_for("purchasing.queue_page"))
    waiting = services.unmatched(db.session, today=utcnow().astimezone(ZONE).date())
    products = services.catalogue(db.session).products
    return render_template("purchasing/queue.html", waiting=waiting, products=products, errors=errors), \
        (400 if errors else 200)
