"""The coordinators' console of every feed's health. (The validator's page, which shows
what the network will make of a feed, is the operators' and lives in hosting.)"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.extensions import db
from corete.federation import services
from corete.federation.jobs import poll_round
from corete.federation.models import Feed
from corete.federation.reasons import PLAIN_ERRORS, in_words
from corete.spaces.models import Space

bp = Blueprint("federation", __name__, template_folder="templates")
bp.add_app_template_filter(in_words, "in_words")


# --- The coordinators' console ---------------------------------------------------------------

# What each failure means, in a coordinator's words (the technical message stays beside it).
STATUS_LABELS = {
    "failing": _l("failing"), "gone": _l("gone"), "paused": _l("paused"), "redirect": _l("moving"),
    "held": _l("removals held"), "stale": _l("silent"), "new": _l("not read yet"), "ok": _l("fine"),
}
# What a poll did (federation.models.Poll.outcome), as the history shows it.
OUTCOME_LABELS = {
    "applied": _l("read, changes applied"), "unchanged": _l("nothing changed"),
    "held": _l("removals held"), "confirmed": _l("held removals confirmed and applied"),
    "failed": _l("failed"), "gone": _l("gone: polling stopped"), "skipped": _l("skipped"),
}
ACTIONS = ("poll", "pause", "resume", "url", "adopt")


def _stale_after() -> dt.timedelta:
    return dt.timedelta(days=float(current_app.config["FEED_STALE_DAYS"]))


@bp.route("/console")
@role_required("coordinator")
def console():
    """Every feed's health, the spaces that stopped publishing, redirects waiting."""
    now = utcnow()
    wanted = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    feeds = db.session.scalars(select(Feed).join(Space).order_by(Space.name, Feed.id)).all()
    rows = [(feed, services.feed_status(feed, now, _stale_after())) for feed in feeds]
    counts = {s: sum(1 for _f, status in rows if status == s) for s in STATUS_LABELS}
    order = {s: i for i, s in enumerate(services.FEED_STATUSES)}
    rows.sort(key=lambda r: (order[r[1]], r[0].space.name))
    if wanted:
        rows = [r for r in rows if r[1] == wanted]
    return render_template("federation/console.html", rows=rows, counts=counts, wanted=wanted, labels=STATUS_LABELS,
                           plain=PLAIN_ERRORS, silent=services.stopped_publishing(db.session, now, _stale_after()),
                           redirects=[f for f in feeds if f.redirect_candidate], now=now)


@bp.route("/console/feeds/<int:feed_id>", methods=["GET", "POST"])
@role_required("coordinator")
def console_feed(feed_id):
    """One feed: its last polls and what each said; the actions."""
    feed = db.get_or_404(Feed, feed_id)
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ACTIONS:
            abort(400)
        try:
            message = _act(feed, action)
        except services.FeedActionError as e:
            db.session.rollback()
            error = str(e)
        else:
            flash(message, "info")
            return redirect(url_for("federation.console_feed", feed_id=feed.id))
    now = utcnow()
    return render_template("federation/console_feed.html", feed=feed, polls=services.recent_polls(db.session, feed.id, 50),
                           status=services.feed_status(feed, now, _stale_after()), labels=STATUS_LABELS,
                           outcomes=OUTCOME_LABELS,
                           plain=PLAIN_ERRORS, error=error), (400 if error else 200)


def _act(feed: Feed, action: str) -> str:
    now = utcnow()
    if action == "pause":
        services.pause_feed(feed)
        db.session.commit()
        return _("Paused: the hub stops reading this feed and keeps what it published.")
    if action == "resume":
        services.resume_feed(feed, now)
        db.session.commit()
        return _("Resumed: the hub reads it at its next look.")
    if action in ("url", "adopt"):
        if action == "url":
            services.change_url(feed, request.form.get("url", ""), now)
        else:
            services.adopt_redirect(feed, now)
        db.session.commit()
        return _("New address saved: the hub reads it at its next look.")
    if feed.state != "active":
        raise services.FeedActionError(_("Resume the feed before polling it."))
    db.session.commit()
    summaries = poll_round(db.session, current_app.config, feed_ids=[feed.id])
    if not summaries:
        return _("Another poller is reading this feed right now: look again in a moment.")
    return _("Polled: %(line)s", line=summaries[0].line())
