"""/newsletter: subscribe (double opt-in), confirm, unsubscribe in one click (RFC 8058);
/newsletter/follow: a weekly e-mail of a filter of the calendar; /newsletter/news: the
coordinators' approval of the news operators propose from their editor."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from corete.core.models import parse_id
from corete.accounts.views import stale_link
from corete.core.i18n import page_language
from corete.core.permissions import role_required, space_editor_required
from corete.extensions import csrf, db, limiter
from corete.newsletter import services
from corete.newsletter.models import NewsItem
from corete.newsletter.schemas import wish_from

bp = Blueprint("newsletter", __name__, template_folder="templates")


def _subscribe(kind: str):
    values = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
    values.setdefault("lang", page_language())
    errors = {}
    if request.method == "POST":
        wish, errors = wish_from(request.form, kind)
        if wish is not None:
            services.ask(db.session, wish)
            db.session.commit()
            flash(_("Almost done: we sent a link to %(email)s. Your subscription starts when you follow it.",
                    email=wish.email), "info")
            return redirect(url_for("newsletter.subscribe" if kind == "newsletter" else "newsletter.follow",
                                    **({} if kind == "newsletter" else request.args)))
    chosen = {name: (request.form.getlist(name) if request.method == "POST" else request.args.getlist(
        {"cities": "city", "tags": "tag", "spaces": "space"}[name])) for name in ("cities", "tags", "spaces")}
    return render_template("newsletter/subscribe.html", kind=kind, values=values, errors=errors, chosen=chosen,
                           cities=services.cities(db.session)), (400 if errors else 200)


@bp.route("/newsletter", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["NEWSLETTER_RATE_LIMIT"], methods=["POST"])
def subscribe():
    return _subscribe("newsletter")


@bp.route("/newsletter/follow", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["NEWSLETTER_RATE_LIMIT"], methods=["POST"])
def follow():
    return _subscribe("follow")


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """A page with one button: a mail scanner following the link subscribes nobody."""
    wish = services.wish_of(token)
    if wish is None:
        return stale_link()
    if request.method == "POST":
        services.confirm(db.session, wish)
        db.session.commit()
        return render_template("newsletter/done.html", message=_("Done: %(email)s is subscribed.", email=wish.email))
    return render_template("newsletter/confirm.html", wish=wish)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" with no form of ours
def unsubscribe(token):
    subscription = services.subscription_of(db.session, token)
    if subscription is None:
        return stale_link()
    if request.method == "POST":
        services.unsubscribe(subscription)
        db.session.commit()
        return render_template("newsletter/done.html",
                               message=_("Done: %(email)s receives no more of these e-mails.", email=subscription.email))
    return render_template("newsletter/unsubscribe.html", subscription=subscription)


# --- News -------------------------------------------------------------------------------------------


def _act(work, done: str) -> None:
    """Do it and say so, or roll back and say why."""
    try:
        work()
    except services.NewsletterError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(done, "info")


@bp.route("/spaces/<slug>/news", methods=["POST"])
@space_editor_required
def propose(space):
    _act(lambda: services.propose_news(db.session, space, current_user.email, request.form.get("title", ""),
                                       request.form.get("body", "")),
         _("Thank you: a coordinator reads your news before the next newsletter."))
    return redirect(url_for("hosting.editor", slug=space.slug) + "#news")


@bp.route("/newsletter/news", methods=["GET", "POST"])
@role_required("coordinator")
def news():
    if request.method == "POST":
        item = db.session.get(NewsItem, parse_id(request.form.get("item_id")) or 0)
        if item is None:
            abort(404)
        _act(lambda: services.decide_news(item, approve=request.form.get("action") == "approve",
                                          by=current_user.email, reason=request.form.get("reason")), _("Saved."))
        return redirect(url_for("newsletter.news"))
    items = db.session.scalars(select(NewsItem).order_by(NewsItem.issue.is_not(None), NewsItem.created_at.desc())
                               .limit(200)).all()
    return render_template("newsletter/news.html", items=items)
