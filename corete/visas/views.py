"""Visas' edges: a space's passes (issue, link and QR code, revoke) and the page a host's
operator opens from the pass (who, from where, until when; record today's visit)."""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from marshmallow import ValidationError

from corete.core.forms import form_errors
from corete.core.permissions import space_editor_required
from corete.extensions import db, limiter
from corete.spaces.models import Space
from corete.visas import services
from corete.visas.models import Visa
from corete.visas.schemas import VisaIn

bp = Blueprint("visas", __name__, template_folder="templates")


def _link(visa: Visa) -> str:
    return url_for("visas.check_pass", token=services.token_of(visa, current_app.config["SECRET_KEY"]), _external=True)


@bp.app_template_global()
def visa_link(visa: Visa) -> str:
    return _link(visa)


@bp.app_template_global()
def qr_code(text: str) -> Markup:
    """The text as an inline SVG QR code (segno: this module is its only user)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True, title=_("QR code of the pass"))
    return Markup(out.getvalue().decode())


@bp.route("/spaces/<slug>/visas", methods=["GET", "POST"])
@space_editor_required
def space_visas(space):
    """A space's passes: issue one to a member, see its link and QR code, revoke it."""
    errors, values = {}, {"valid_until": (services.local_today() + dt.timedelta(days=365)).isoformat()}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            form = VisaIn().load(request.form)
            visa = services.issue(db.session, space, form["person_name"], form["valid_until"], current_user)
            db.session.commit()
        except ValidationError as e:
            errors = form_errors(e)
        except services.VisaError as e:
            db.session.rollback()
            errors = {"form": str(e)}
        else:
            flash(_("Pass issued: send its link, or show its QR code."), "info")
            return redirect(url_for("visas.space_visas", slug=space.slug) + f"#visa-{visa.id}")
    return render_template("visas/space_visas.html", space=space, visas=services.visas_of(db.session, space),
                           errors=errors, values=values, today=services.local_today()), (400 if errors else 200)


@bp.route("/spaces/<slug>/visas/<int:visa_id>/revoke", methods=["POST"])
@space_editor_required
def revoke(space, visa_id):
    visa = db.session.get(Visa, visa_id)
    if visa is None or visa.home_space_id != space.id:
        return render_template("error.html", code=404, message=_("There is nothing at this address.")), 404
    services.revoke(db.session, visa)
    db.session.commit()
    flash(_("Pass revoked: its link and QR code are refused from now on."), "info")
    return redirect(url_for("visas.space_visas", slug=space.slug))


def _hosts() -> list[Space]:
    """The spaces the logged-in account may record visits for."""
    if not current_user.is_authenticated:
        return []
    if current_user.has_role("coordinator"):
        return list(db.session.scalars(db.select(Space).where(Space.welcomes_visitors.is_(True), Space.active.is_(True))
                                       .order_by(Space.name)))
    return [s for s in current_user.spaces if s.active]


@bp.route("/visa/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VISA_RATE_LIMIT"])
def check_pass(token):
    """What a pass says: only the holder's name, home space and validity; to the operator of
    a space that welcomes visitors, the days left there and a button to record today's."""
    today = services.local_today()
    checked = services.check(db.session, token[:500], current_app.config["SECRET_KEY"], today)
    hosts = [h for h in _hosts() if checked.visa is None or h.id != checked.visa.home_space_id]
    error = None
    if request.method == "POST" and checked.state == "valid":
        host = next((h for h in hosts if h.slug == request.form.get("host")), None)
        try:
            if host is None:
                raise services.VisaError(_("Choose the space the visit is at."))
            services.record_visit(db.session, checked.visa, host, current_user, today)
            db.session.commit()
        except services.VisaError as e:
            db.session.rollback()
            error = str(e)
        else:
            flash(_("Visit recorded at %(space)s.", space=host.name), "info")
            return redirect(request.path)
    left = {h.id: services.remaining(db.session, checked.visa, h, today) for h in hosts} if checked.visa else {}
    status = {"valid": 200, "forged": 404}.get(checked.state, 410)
    return render_template("visas/pass.html", checked=checked, hosts=hosts, left=left, error=error,
                           today=today), (400 if error else status)
