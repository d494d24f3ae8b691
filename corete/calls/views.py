"""Calls' edges: the list and each call's page, the API, the subscribable deadlines
(iCalendar) and calls (Atom), and the coordinators' form for the network's own calls.
Rules are in services.py."""
from __future__ import annotations

import hashlib

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import ValidationError

from corete.calls import services
from corete.calls.exports import DEFAULT_REMIND_DAYS, deadlines_document
from corete.calls.hosted import CallIn
from corete.calls import labels
from corete.calls.labels import call_deadline, call_kind, call_worth
from corete.calls.models import Call
from corete.calls.schemas import CallDetailOut, CallListArgs, CallPageOut, ExportArgs, PageIn
from corete.core.api import page_bounds
from corete.core.atom import atom_document, atom_feed_id, websub_hub
from corete.core.caching import conditional
from corete.core.forms import attempt, form_errors
from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.extensions import db

pages_bp = FlaskBlueprint("calls", __name__, template_folder="templates")
api_bp = Blueprint("calls_api", __name__, url_prefix="/api/v1/calls",
                   description="Calls that reach the network: funding, vouchers, co-projecting partners, tenders")


def _lang() -> str:
    return str(get_locale() or "it")


for _name, _function in (("call_kind", labels.call_kind), ("call_kinds", labels.call_kinds),
                         ("call_audiences", labels.call_audiences), ("italian_regions", labels.italian_regions),
                         ("call_state", labels.call_state), ("call_deadline", labels.call_deadline),
                         ("call_worth", labels.call_worth)):
    pages_bp.add_app_template_global(_function, _name)
pages_bp.add_app_template_filter(labels.call_audience, "call_audience")


@pages_bp.app_template_global()
def calls_of(space) -> list[Call]:
    """A space's calls still open or to come (its page lists them)."""
    return services.of_space(db.session, space)


def _publisher(call: Call) -> tuple[str, str]:
    if call.network or call.space is None:
        return "network", _("the network's coordinators")
    return call.space.slug, call.space.name


def _dump(call: Call) -> dict:
    slug, name = _publisher(call)
    deadline = None
    if call.deadline_day is not None:
        deadline = call.deadline_at.isoformat() if call.deadline_timed else call.deadline_day.isoformat()
    return {
        "id": call.id, "title": call.title, "kind": call.kind, "state": services.state_of(call), "publisher": slug,
        "publisher_name": name, "issuer": call.issuer_name, "issuer_url": call.issuer_url,
        "opens": call.opens_day.isoformat() if call.opens_day else None, "deadline": deadline, "amount": call.amount,
        "currency": call.currency, "benefit": call.benefit, "eligibility": call.eligibility,
        "accredited_spaces_only": call.accredited_only, "audiences": call.audiences or [], "regions": call.regions or [],
        "skills_sought": call.skills_sought or [], "attachments": call.attachments or [], "link": call.url,
        "description_html": call.description_html,
        "url": url_for("calls.call_page", call_id=call.id, _external=True),
    }


def _found(args: dict, **extra) -> tuple[list[Call], int]:
    return services.search(db.session, kind=args.get("kind"), region=args.get("region"), q=args.get("q"),
                           space=args.get("space"), audience=args.get("audience"), **extra)


# --- The API ------------------------------------------------------------------------------


@api_bp.route("")
@api_bp.arguments(CallListArgs, location="query")
@api_bp.response(200, CallPageOut)
def list_calls(args):
    """Calls of active spaces and of the network, open and opening soon by default, the
    nearest deadline first; `state=closed` for the archive."""
    page, per_page = page_bounds(args)
    found, total = _found(args, state=args["state"], until=args.get("until"), accredited=args.get("accredited_only"),
                          limit=per_page, offset=(page - 1) * per_page)
    return {"items": [_dump(c) for c in found], "total": total, "page": page, "per_page": per_page}


@api_bp.route("/<int:call_id>")
@api_bp.response(200, CallDetailOut)
@api_bp.alt_response(404, description="No such call.")
def get_call(call_id):
    """One call, with the network's skills that answer it and, for a voucher of the
    accredited spaces, where it can be used."""
    call = _visible_call(call_id, api=True)
    out = _dump(call)
    out["matching_skills"] = [
        {"skill": m.skill.skill, "holder": m.skill.holder_name, "space": m.skill.space.slug,
         "space_name": m.skill.space.name, "level": m.level, "explanation": m.explanation}
        for m in services.matching_skills(db.session, call, _lang())]
    out["usable_at"] = [{"slug": s.slug, "name": s.name, "city": s.city} for s in services.usable_at(db.session, call)]
    return out


def _visible_call(call_id: int, api: bool = False) -> Call:
    call = db.session.get(Call, call_id)
    if call is not None and (call.network or (call.space is not None and call.space.active)):
        return call
    if api:
        api_abort(404, message="No such call.")
    abort(404)


# --- The pages ------------------------------------------------------------------------------


@pages_bp.route("/calls")
def calls_page():
    """Open calls by kind, region, who they are for and deadline; the archive of past ones."""
    values = {k: (request.args.get(k) or "").strip()[:200] for k in
              ("kind", "region", "audience", "q", "until", "archive", "space")}
    errors, found, total, args = {}, [], 0, {}
    try:
        args = PageIn().load({k: v for k, v in values.items() if v})
    except ValidationError as e:
        errors = form_errors(e)
    if not errors:
        found, total = _found(args, state="closed" if args.get("archive") else "current", until=args.get("until"))
    feeds = {k: v for k, v in values.items() if v and k in ("kind", "region", "audience", "q", "space")}
    return render_template("calls/list.html", values=values, errors=errors, found=found, total=total,
                           feeds=feeds, archive=bool(args.get("archive"))), (400 if errors else 200)


@pages_bp.route("/calls/<int:call_id>")
def call_page(call_id):
    call = _visible_call(call_id)
    return render_template("calls/call.html", call=call,
                           matches=services.matching_skills(db.session, call, _lang()),
                           usable_at=services.usable_at(db.session, call))


def _export_args() -> dict:
    try:
        return ExportArgs().load(request.args.to_dict())
    except ValidationError as e:
        abort(Response(" ".join(f"{k}: {' '.join(map(str, v))}" for k, v in e.messages.items()), 400,
                       mimetype="text/plain"))


def _export_etag(kind: str, args: dict, calls: list[Call]) -> str:
    stamp = max((c.updated_at for c in calls), default=None)
    key = f"{kind}|{sorted(args.items())}|{len(calls)}|{stamp}|{_lang()}|{[c.id for c in calls]}"
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


@pages_bp.route("/calls.ics")
def calls_ics():
    """The deadlines of current calls as all-day events, each with a reminder alarm
    (``remind`` days before, 7 unless said), filtered like the page."""
    args = _export_args()
    calls, _total = _found(args, state="current", limit=1000)
    return _deadlines(calls, args, _("CoRete calls: deadlines"))


@pages_bp.route("/calls/<int:call_id>.ics")
def call_ics(call_id):
    """One call's deadline, to add to a calendar (with the same reminder)."""
    call = _visible_call(call_id)
    return _deadlines([call], _export_args(), _("Deadline: %(title)s", title=call.title))


def _deadlines(calls: list[Call], args: dict, name: str) -> Response:
    remind = args.get("remind", DEFAULT_REMIND_DAYS)

    def render():
        body = deadlines_document(
            calls, name=name, remind_days=remind,
            summary_of=lambda c: _("Deadline: %(title)s", title=c.title),
            description_of=lambda c: " · ".join(p for p in (call_kind(c.kind), _publisher(c)[1], call_worth(c),
                                                            call_deadline(c) if c.deadline_timed else "") if p),
            url_of=lambda c: url_for("calls.call_page", call_id=c.id, _external=True))
        return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=calls.ics"})

    return conditional(render, etag=_export_etag(f"ics{remind}", args, calls), last_modified=None, max_age=300)


@pages_bp.route("/calls.atom")
def calls_atom():
    """Current calls as an Atom feed, newest first: a reader learns of each new call."""
    args = _export_args()
    calls, _total = _found(args, state="current", limit=200, newest=True)

    def render():
        entries = []
        for c in calls:
            summary = " · ".join(p for p in (call_kind(c.kind), _publisher(c)[1], call_worth(c),
                                             _("deadline %(when)s", when=call_deadline(c)) if c.deadline_day else "") if p)
            entries.append({"id": f"tag:corete,2026:call:{c.id}", "title": c.title, "updated": c.updated_at,
                            "published": c.first_seen_at, "summary": summary, "content": c.description_html,
                            "link": url_for("calls.call_page", call_id=c.id, _external=True), "related": c.url,
                            "categories": [call_kind(c.kind)]})
        body = atom_document(title=_("CoRete calls"), self_url=request.url,
                             alternate_url=url_for("calls.calls_page", _external=True, **args), entries=entries,
                             updated=max((c.updated_at for c in calls), default=utcnow()), feed_id=atom_feed_id(request.url),
                             hub_url=websub_hub(current_app.config))
        return Response(body, mimetype="application/atom+xml")

    return conditional(render, etag=_export_etag("atom", args, calls), last_modified=None, max_age=300)


# --- The coordinators' calls for the whole network ---------------------------------------------


def _network_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None or not call.network:
        abort(404)
    return call


@pages_bp.route("/calls/new", methods=["GET", "POST"])
@pages_bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@role_required("coordinator")
def network_call_form(call_id=None):
    """The coordinators publish a call for the whole network (the regional youth call, the
    guidelines to the European Social Fund's calls), or change one of theirs."""
    call = _network_call(call_id) if call_id is not None else None
    values, errors = dict(call.form or {}) if call else {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        saved, errors = attempt(db.session, lambda: services.save_network_call(
            db.session, CallIn().load(request.form), call=call, user=current_user), services.CallError, "title")
        if saved is not None:
            flash(_("The call is published for the whole network."), "info")
            return redirect(url_for("calls.call_page", call_id=saved.id))
    return render_template("calls/network_form.html", call=call, values=values, errors=errors), (400 if errors else 200)


@pages_bp.route("/calls/<int:call_id>/delete", methods=["POST"])
@role_required("coordinator")
def delete_network_call(call_id):
    call = _network_call(call_id)
    services.delete_network_call(db.session, call)
    db.session.commit()
    flash(_("The call was removed."), "info")
    return redirect(url_for("calls.calls_page"))
