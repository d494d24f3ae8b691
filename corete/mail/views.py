"""/outbox: what the hub sent and is sending, for coordinators (the demo's mail is read here)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from corete.core.permissions import role_required
from corete.extensions import db
from corete.mail import services
from corete.mail.models import STATES, Message, RefusedAddress

bp = Blueprint("mail", __name__, template_folder="templates")


def _state_names() -> dict[str, str]:
    return {"queued": _("waiting"), "sent": _("sent"), "failed": _("failed"), "refused": _("address refused")}


@bp.route("/outbox")
@role_required("coordinator")
def outbox():
    state = request.args.get("state")
    if state not in STATES:
        state = None
    refused = db.session.scalars(db.select(RefusedAddress).order_by(RefusedAddress.refused_at.desc()).limit(100)).all()
    return render_template("mail/outbox.html", messages=services.recent(db.session, 200, state), state=state,
                           states=STATES, refused=refused, counts=services.counts(db.session),
                           state_names=_state_names())


@bp.route("/outbox/<int:message_id>")
@role_required("coordinator")
def message_page(message_id):
    message = db.get_or_404(Message, message_id)
    return render_template("mail/message.html", message=message, state_names=_state_names())


@bp.route("/outbox/refused/lift", methods=["POST"])
@role_required("coordinator")
def lift():
    address = request.form.get("email", "")
    if not services.lift_refusal(db.session, address):
        abort(404)
    db.session.commit()
    flash(_("%(email)s may receive messages again.", email=address), "info")
    return redirect(url_for("mail.outbox"))
