"""/digest (an HTML page to paste into an e-mail) and /digest.atom, for ?from=&to=."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from corete.calls.labels import call_deadline, call_kind, call_worth
from corete.core.atom import atom_document, websub_hub
from corete.core.caching import conditional, data_etag
from corete.core.forms import form_errors
from corete.core.models import utcnow
from corete.core.templating import long_date, network_time
from corete.digest import services
from corete.digest.schemas import DigestArgs
from corete.events.exports import occurrence_summary
from corete.extensions import db

bp = Blueprint("digest", __name__, template_folder="templates")


def _digest() -> services.Digest:
    try:
        args = DigestArgs().load(request.args)
    except ValidationError as e:
        abort(400, description=" ".join(form_errors(e).values()))
    start, end = services.period(args.get("from_"), args.get("to"), dt.date.today())
    return services.gather(db.session, start, end, str(get_locale() or "it"))


def _etag(kind: str, digest: services.Digest) -> str:
    return data_etag(kind, str(get_locale()), digest.start, digest.end,
                     [(o.event.id, o.event.updated_at.isoformat()) for o in digest.events],
                     [s.id for s in digest.skills], [(n.id, [m.skill.id for m in ms]) for n, ms in digest.needs],
                     [(r.id, r.state) for r in digest.rounds],
                     [(c.id, c.updated_at.isoformat()) for c in digest.calls],
                     [(o.id, o.updated_at.isoformat()) for o in digest.offers])


@bp.route("/digest")
def digest_page():
    """The network's digest, laid out for an e-mail: inline styles, absolute links."""
    digest = _digest()
    return conditional(lambda: Response(render_template("digest/digest.html", d=digest, last_day=digest.end - dt.timedelta(days=1))),
                       etag=_etag("html", digest), last_modified=None, max_age=300)


@bp.route("/digest.atom")
def digest_atom():
    digest = _digest()

    def render():
        now = utcnow()
        entries = []
        for o in digest.events:
            link = url_for("events.event_page", occurrence_id=o.id, _external=True)
            entries.append({"id": f"tag:corete,2026:digest:event:{o.id}", "title": o.event.title,
                            "updated": o.event.updated_at, "published": o.event.first_seen_at, "link": link,
                            "summary": occurrence_summary(o.event, o.occurrence.start, o.occurrence.end),
                            "categories": [_("event")]})
        for s in digest.skills:
            entries.append({"id": f"tag:corete,2026:digest:skill:{s.id}", "title": s.skill,
                            "updated": s.updated_at, "published": s.first_seen_at,
                            "link": url_for("map.space_page", slug=s.space.slug, _external=True),
                            "summary": ", ".join(p for p in (s.holder_name, s.space.name, s.space.city) if p),
                            "categories": [_("new skill")]})
        for need, matches in digest.needs:
            entries.append({"id": f"tag:corete,2026:digest:need:{need.id}", "title": need.item,
                            "updated": need.updated_at, "published": need.first_seen_at,
                            "link": url_for("map.space_page", slug=need.space.slug, _external=True),
                            "summary": need.space.name + ": " + ("; ".join(m.explanation for m in matches)
                                                                 or _("no match in the network yet")),
                            "categories": [_("service need")]})
        for rnd in digest.rounds:
            entries.append({"id": f"tag:corete,2026:digest:round:{rnd.id}", "title": rnd.name,
                            "updated": rnd.created_at, "published": rnd.created_at,
                            "link": url_for("purchasing.round_page", round_id=rnd.id, _external=True),
                            "summary": _("Closes %(when)s", when=network_time(rnd.closes_at)),
                            "categories": [_("purchasing round")]})
        for c in digest.calls:
            entries.append({"id": f"tag:corete,2026:digest:call:{c.id}", "title": c.title,
                            "updated": c.updated_at, "published": c.first_seen_at,
                            "link": url_for("calls.call_page", call_id=c.id, _external=True),
                            "summary": " · ".join(p for p in (call_kind(c.kind), call_worth(c), _(
                                "Deadline: %(when)s", when=call_deadline(c)) if c.deadline_day else "") if p),
                            "categories": [_("call")]})
        for o in digest.offers:
            entries.append({"id": f"tag:corete,2026:digest:offer:{o.id}", "title": o.title,
                            "updated": o.updated_at, "published": o.first_seen_at,
                            "link": url_for("offers.offers_page", space=o.space.slug, _external=True),
                            "summary": ", ".join(p for p in (o.benefit, o.offered_by_name, o.space.name) if p),
                            "categories": [_("offer")]})
        body = atom_document(title=_("CoRete digest, %(start)s to %(end)s", start=long_date(digest.start),
                                     end=long_date(digest.end - dt.timedelta(days=1))),
                             self_url=request.url, alternate_url=url_for("digest.digest_page", _external=True,
                                                                         **request.args),
                             entries=entries, updated=now,
                             feed_id=f"tag:corete,2026:digest:{digest.start.isoformat()}:{digest.end.isoformat()}",
                             hub_url=websub_hub(current_app.config))
        return Response(body, mimetype="application/atom+xml")

    return conditional(render, etag=_etag("atom", digest), last_modified=None, max_age=300)
