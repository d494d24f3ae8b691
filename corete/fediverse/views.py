"""The fediverse's edges: WebFinger, the actors, their outboxes and followers, the events
as objects, and the inboxes. Rules are in services.py; documents in objects.py."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import gettext as _

from corete.core.models import utcnow
from corete.extensions import csrf, db, limiter
from corete.events.models import Event
from corete.fediverse import objects, services

bp = Blueprint("fediverse", __name__)
ACTIVITY_JSON = "application/activity+json"
PAGE_SIZE = 20
MAX_INBOX_BYTES = 1024 * 1024


def _json(document: dict, content_type: str = ACTIVITY_JSON, status: int = 200) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), status, content_type=content_type,
                    headers={"Cache-Control": "public, max-age=60", "Vary": "Accept"})


def _actor_or_404(name: str):
    if not services.enabled(current_app.config) or len(name) > 80:
        abort(404)
    found = services.find_actor(db.session, name)
    if found is None:
        abort(404)
    return found


def _describe(found) -> tuple[str, str, str]:
    """(name, summary, page) of an actor, in the network's language."""
    ap = services.addresses(current_app.config)
    if found == objects.NETWORK:
        return (_("CoRete: the network's calendar"), _("Every event of the spaces of the CoRete network."),
                ap.page(url_for("events.calendar_page")))
    return (found.name, _("Events of %(name)s, a space of the CoRete network.", name=found.name),
            ap.page(url_for("map.space_page", slug=found.slug)))


@bp.app_template_global()
def fediverse_handle(space=None) -> str | None:
    """The handle people follow on Mastodon, Mobilizon or Gancio: @calendar@host for the
    network's calendar, @<slug>@host for a space's (None when the hub is not on the fediverse)."""
    if not services.enabled(current_app.config):
        return None
    host = urlsplit(current_app.config["PUBLIC_URL"]).netloc
    return f"@{space.slug if space is not None else objects.NETWORK}@{host}"


@bp.app_template_global()
def fediverse_followers(space) -> int:
    return services.followers_count(db.session, space.slug)


@bp.route("/.well-known/webfinger")
def webfinger():
    """acct:calendar@host (the network's calendar) or acct:<space slug>@host."""
    if not services.enabled(current_app.config):
        abort(404)
    resource = request.args.get("resource", "")[:300]
    host = urlsplit(current_app.config["PUBLIC_URL"]).netloc
    name, _at, domain = resource.removeprefix("acct:").lstrip("@").partition("@")
    if not resource.startswith("acct:") or domain.lower() != host.lower():
        abort(404)
    found = _actor_or_404(name)
    return _json(objects.webfinger(services.addresses(current_app.config), name, host, _describe(found)[2]),
                 "application/jrd+json")


@bp.route("/ap/actors/<name>")
def actor(name):
    found = _actor_or_404(name)
    title, summary, page = _describe(found)
    key = services.shown_key(db.session, name)
    return _json(objects.actor(services.addresses(current_app.config), name, title=title, summary=summary, page=page,
                               public_pem=key.public_pem, kind="Service" if found == objects.NETWORK else "Group"))


@bp.route("/ap/actors/<name>/outbox")
def outbox(name):
    """The actor's upcoming events, each as the Create that announced it, by start."""
    found = _actor_or_404(name)
    ap = services.addresses(current_app.config)
    url = ap.actor(name) + "/outbox"
    space = None if found == objects.NETWORK else found
    total = services.announced_count(db.session, now=utcnow(), space=space)
    page = request.args.get("page", type=int)
    if page is None or page < 1 or page > 10_000:
        return _json({"@context": objects.CONTEXT, "id": url, "type": "OrderedCollection", "totalItems": total,
                      "first": url + "?page=1"})
    events = services.announced_events(db.session, now=utcnow(), space=space, limit=PAGE_SIZE,
                                       offset=(page - 1) * PAGE_SIZE)
    items = []
    for event in events:
        obj = objects.event_object(ap, event, actor_name=name)
        items.append(objects.activity(ap, "Create", name, obj, "outbox"))
    document = {"@context": objects.CONTEXT, "id": f"{url}?page={page}", "type": "OrderedCollectionPage",
                "partOf": url, "orderedItems": items}
    if page * PAGE_SIZE < total:
        document["next"] = f"{url}?page={page + 1}"
    return _json(document)


@bp.route("/ap/actors/<name>/followers")
def followers(name):
    _actor_or_404(name)
    url = services.addresses(current_app.config).actor(name) + "/followers"
    return _json({"@context": objects.CONTEXT, "id": url, "type": "OrderedCollection",
                  "totalItems": services.followers_count(db.session, name)})


@bp.route("/ap/events/<int:event_id>")
def event_object(event_id):
    if not services.enabled(current_app.config):
        abort(404)
    event = db.session.get(Event, event_id)
    if event is None or not event.space.active:
        abort(404)
    ap = services.addresses(current_app.config)
    return _json(objects.event_object(ap, event, actor_name=objects.NETWORK))


@bp.route("/ap/actors/<name>/inbox", methods=["POST"])
@csrf.exempt  # another server, authenticated by its HTTP signature
@limiter.limit(lambda: current_app.config["FEDIVERSE_INBOX_RATE_LIMIT"])
def inbox(name):
    """A Follow or an Undo of one from another server, signed; anything else is taken and
    ignored. 401 for a signature that is missing, wrong or not the activity's actor's."""
    _actor_or_404(name)
    request.max_content_length = MAX_INBOX_BYTES
    body = request.get_data(cache=False)
    target = request.full_path.rstrip("?") if request.query_string else request.path
    try:
        said = services.receive(db.session, name, request.method, target, request.headers, body, current_app.config)
    except services.Refused as e:
        db.session.commit()  # a key fetched meanwhile is kept
        return _json({"error": str(e)}, "application/json", e.status)
    db.session.commit()
    return _json({"result": said}, "application/json", 202)
