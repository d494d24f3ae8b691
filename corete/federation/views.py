"""The feed validator page (an operator pastes a URL or a document) and the coordinators'
console of every feed's health."""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from corete.core.models import utcnow
from corete.core.permissions import role_required
from corete.extensions import db, limiter
from corete.federation import services
from corete.federation.fetch import FetchPolicy
from corete.federation.jobs import poll_round
from corete.federation.models import Feed
from corete.federation.reasons import DOCUMENT_FIXES, PLAIN_ERRORS, in_words
from corete.federation.validate import preview as build_preview
from corete.federation.validate import validate_source
from corete.spaces.models import Space

bp = Blueprint("federation", __name__, template_folder="templates")
bp.add_app_template_filter(in_words, "in_words")
MAX_PASTE = 2 * 1024 * 1024


@bp.route("/validate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VALIDATE_RATE_LIMIT"], methods=["POST"])
def validate_page():
    """The operator's first stop: each problem in plain words, where it is and how to fix
    it, and a preview of the space on the map and its events in the calendar."""
    report, error, problems, preview, small_map = None, None, [], None, None
    url = (request.form.get("url") or "").strip()
    document = request.form.get("document") or ""
    if request.method == "POST":
        if url:
            report = validate_source(url=url, config=current_app.config,
                                     policy=FetchPolicy.for_validator(current_app.config))
        elif document.strip():
            if len(document) > MAX_PASTE:
                error = _("The document is larger than 2 MiB.")
            else:
                report = validate_source(body=document.encode("utf-8"), config=current_app.config)
        else:
            error = _("Paste a feed URL or a feed document.")
    if report is not None and report.document is not None:
        problems = [_problem(r, "error", report) for r in report.rejections] + \
                   [_problem(r, "warning", report) for r in report.warnings]
        preview = build_preview(report.document, utcnow())
        space = preview.space
        if space is not None and (space.lat is not None or space.city):
            from corete.map.views import place_map  # the map room's small map, as its pages use it

            small_map = place_map(space.lat, space.lon, space.city)
    status = 400 if error else 200
    detail = in_words(report.error) if report is not None and report.error else None
    return render_template("federation/validate.html", report=report, error=error, url=url, detail=detail,
                           document=document[:MAX_PASTE], problems=problems, preview=preview, small_map=small_map,
                           plain=PLAIN_ERRORS, fixes=DOCUMENT_FIXES), status


# How to fix a problem, by the field it is in (JSON Feed) or the property it names (iCalendar).
FIELD_FIXES = {
    "start": _l("Write the start as 2026-03-14T18:30:00+01:00, or as 2026-03-14 for a whole-day event."),
    "end": _l("Write the end like the start (2026-03-14T20:00:00+01:00), after the start."),
    "timezone": _l("Use a time zone name such as Europe/Rome."),
    "rrule": _l("Write the repetition as an iCalendar rule such as FREQ=WEEKLY;COUNT=10 (or use the hub's editor)."),
    "type": _l('Each item says what it is in "_corete.type": "event", "skill" or "need".'),
    "kind": _l('A need\'s "kind" is "goods" or "service".'),
    "quantity": _l("A number greater than zero, with a dot for decimals: 2.5."),
    "tolerance": _l("A number, zero or more, with a dot for decimals."),
    "need_by": _l("A date such as 2026-03-14."),
    "price": _l('"free", or an object such as {"amount": 5, "currency": "EUR"}.'),
    "lat": _l("Decimal degrees with a dot: 41.8626 (latitude), 12.4841 (longitude)."),
    "skill": _l('Say the skill in "skill", in a few words: "Videomaker", "Commercialista".'),
    "item": _l('Say what is needed in "item": "Caffè in grani", "Un videomaker per il barcamp".'),
    "id": _l("Give every item an id that never changes, even when the item does."),
    "email": _l("An e-mail address such as info@example.org."),
}
FIELD_FIXES["lon"] = FIELD_FIXES["lat"]
ICS_FIXES = {"DTSTART": "start", "DTEND": "end", "RRULE": "rrule", "TZID": "timezone", "UID": "id", "DURATION": "end"}
_POINTER = re.compile(r"^/items/(\d+)(?:/_corete)?(?:/([a-z_]+))?")
_VEVENT = re.compile(r"^VEVENT (\d+)")
_LINE = re.compile(r"^line (\d+)$")


def _problem(rejection, level: str, report) -> dict:
    """A rejection for a person: where it is, what is wrong, how to fix it."""
    where, field = rejection.where, None
    if m := _POINTER.match(where):
        field = m.group(2) or next((f for f in FIELD_FIXES if f"'{f}'" in rejection.reason
                                    or rejection.reason.startswith(f"'{f}")), None)
        place = _("item %(n)d", n=int(m.group(1)) + 1)
        if rejection.source_id:
            place += " (id " + rejection.source_id[:60] + ")"
        if m.group(2):
            place += ", " + _("field %(field)s", field="_corete." + m.group(2))
    elif m := _VEVENT.match(where):
        place = _("event %(n)s of the calendar", n=m.group(1))
        field = next((f for prop, f in ICS_FIXES.items() if prop in rejection.reason), None)
    elif m := _LINE.match(where):
        place = _("line %(n)d", n=int(m.group(1)))
    else:
        place = where
    line = report.line_of.get(where)
    if line and not _LINE.match(where):
        place += ", " + _("line %(n)d", n=line)
    if field is None and "RFC 3339" in rejection.reason:
        field = "start"
    fix = FIELD_FIXES.get(field) if field else None
    return {"level": level, "where": place, "reason": in_words(rejection.reason), "fix": fix}


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
