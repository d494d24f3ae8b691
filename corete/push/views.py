"""Push's edges: the ping members' sites send, and the operators' ping secret. Rules are
in services.py."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from corete.core.models import utcnow
from corete.core.permissions import space_editor_required
from corete.extensions import csrf, db, limiter
from corete.federation.models import Feed
from corete.push import services
from corete.push.schemas import PingOut

pages_bp = FlaskBlueprint("push", __name__, template_folder="templates")
api_bp = Blueprint("push_api", __name__, url_prefix="/api/v1/feeds",
                   description="Member sites telling the hub their feed changed")


@pages_bp.app_template_global()
def ping_keys_of(feeds) -> dict:
    """The ping keys of these feeds, by feed id (the editor and the console show them)."""
    return services.ping_keys(db.session, list(feeds))


@api_bp.route("/<int:feed_id>/ping", methods=["POST"])
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
