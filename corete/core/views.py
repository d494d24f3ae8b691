"""The home page and the language switch."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from corete.core.i18n import COOKIE
from corete.core.models import utcnow
from corete.events.merging import merge_duplicates
from corete.events.services import occurrences
from corete.extensions import db
from corete.purchasing.services import search_needs
from corete.skills.services import search_skills
from corete.spaces.models import Space

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/")
def home():
    now = utcnow()
    spaces = db.session.scalars(select(Space).where(Space.active.is_(True)).order_by(Space.name)).all()
    upcoming = merge_duplicates(occurrences(now, now + dt.timedelta(days=60), session=db.session),
                                session=db.session)[:12]
    skills = db.session.scalars(search_skills().limit(12)).all()
    needs = db.session.scalars(search_needs().limit(12)).all()
    totals = {
        "skills": db.session.scalar(select(func.count()).select_from(search_skills().order_by(None).subquery())),
        "needs": db.session.scalar(select(func.count()).select_from(search_needs().order_by(None).subquery())),
    }
    return render_template("core/home.html", spaces=spaces, upcoming=upcoming, skills=skills, needs=needs, totals=totals)


@bp.route("/lang/<code>")
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.args.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("core.home")
    response = redirect(target)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
