"""Push's edges: the ping members' sites send, and the operators' ping secret. Rules are
in services.py."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from corete.core.models import utcnow
from corete.core.permissions import space_editor_required
from corete.extensions import csrf, db, limiter
from corete.federation.models import Feed
from corete.core.atom import WEBSUB_PATH, websub_hub
from corete.push import publish, services, websub
from corete.push.schemas import PingOut

pages_bp = FlaskBlueprint("push", __name__, template_folder="templates")
api_bp = Blueprint("push_api", __name__, url_prefix="/api/v1/feeds",
                   description="Member sites telling the hub their feed changed")


@pages_bp.app_template_global()
def ping_keys_of(feeds) -> dict:
    """The ping keys of these feeds, by feed id (the editor and the console show them)."""
    return services.ping_keys(db.session, list(feeds))


@pages_bp.app_template_global()
def websub_of(feed):
    """The feed's current WebSub subscription, if it has one (the console and the editor say how it is)."""
    return websub.current(db.session, feed)


def _error(text: str) -> dict:
    return {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


@api_bp.route("/<int:feed_id>/ping", methods=["POST"])
@api_bp.doc(security=[{"pingTimestamp": [], "pingSignature": []}], responses={
    "401": _error("No timestamp or an old one (errors.timestamp), or a signature that does not match (errors.signature)."),
    "404": _error("No such feed, or its operator has not made a ping secret."),
    "409": _error("The feed or its space is paused, gone or retired."),
    "429": _error("Too many pings from this address (PING_RATE_LIMIT).")})
@csrf.exempt  # a member's server, signed with the feed's secret: no session, no form of ours
@limiter.limit(lambda: current_app.config["PING_RATE_LIMIT"])
@api_bp.response(202, PingOut)
def ping(feed_id):
    """Ask the hub to read a feed now. Signed: `X-CoRete-Timestamp` (Unix seconds) and
    `X-CoRete-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<feed id>` keyed
    with the feed's ping secret (the space's editor shows it). Moves the feed's next poll
    forward only, to the scheduler's next look (seconds) and at most once a minute; the
    body is ignored."""
    try:
        feed = services.accept_ping(db.session, feed_id, request.headers.get("X-CoRete-Timestamp"),
                                    request.headers.get("X-CoRete-Signature"), utcnow(), current_app.config)
    except services.PingRefused as e:
        db.session.commit()  # a refused signature is counted
        abort(e.status, messages={e.field: [str(e.message)]})
    db.session.commit()
    return {"feed": feed.id, "next_poll_at": feed.next_poll_at}


@pages_bp.route("/spaces/<slug>/edit/feeds/<int:feed_id>/ping-key", methods=["POST"])
@space_editor_required
def new_ping_key(space, feed_id):
    """A new ping secret for one of the space's own feeds (the old one stops working)."""
    feed = db.session.get(Feed, feed_id)
    if feed is None or feed.space_id != space.id:
        abort(404)
    services.new_ping_key(db.session, feed)
    db.session.commit()
    flash(_("A new ping secret is ready: put it in your site's settings. The old one no longer works."), "info")
    return redirect(url_for("hosting.editor", slug=space.slug, _anchor="push"))


@pages_bp.route("/push/websub/<token>", methods=["GET", "POST"])
@csrf.exempt  # a WebSub hub: the token in the address and the secret's signature are its credentials
def websub_callback(token):
    """Our WebSub callback: a hub verifies our intent here (GET, answered with its
    challenge only for what we asked), then posts each new version of the feed (signed
    with our secret: the feed is read at the scheduler's next look)."""
    if len(token) > 64:
        abort(404)
    if request.method == "GET":
        challenge = websub.verify(db.session, token, request.args, utcnow(), current_app.config)
        db.session.commit()
        if challenge is None:
            abort(404)
        return Response(challenge, 200, content_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})
    request.max_content_length = int(current_app.config["FETCH_MAX_BYTES"])  # a whole feed may come
    said = websub.notified(db.session, token, request.get_data(cache=False), request.headers.get("X-Hub-Signature"),
                           utcnow(), current_app.config)
    db.session.commit()
    if said is None:
        abort(404)
    return Response(status=202)  # a wrong signature too: WebSub asks for 2xx, and it was ignored


@pages_bp.after_app_request
def _name_the_hub(response):
    """WebSub discovery: the hub's feeds name its hub and themselves in a Link header."""
    if request.endpoint in publish.TOPICS and response.status_code in (200, 304):
        hub = websub_hub(current_app.config)
        if hub:
            response.headers.add("Link", f'<{hub}>; rel="hub"')
            response.headers.add("Link", f'<{request.url}>; rel="self"')
    return response


@pages_bp.route(WEBSUB_PATH, methods=["POST"])
@csrf.exempt  # a reader's software; the callback confirms every request before it counts
@limiter.limit(lambda: current_app.config["WEBSUB_HUB_RATE_LIMIT"])
def websub_hub_endpoint():
    """The hub's own WebSub hub: a reader asks to (un)subscribe to one of the hub's feeds.
    Recorded only: the scheduler asks the callback to confirm, then sends each new version."""
    if websub_hub(current_app.config) is None:
        abort(404)
    try:
        publish.request(db.session, current_app, request.form, utcnow())
    except publish.Refused as e:
        db.session.rollback()
        return Response(str(e) + "\n", 400, content_type="text/plain; charset=utf-8")
    db.session.commit()
    return Response(_("Accepted: the callback is asked to confirm within a minute.") + "\n", 202,
                    content_type="text/plain; charset=utf-8")
