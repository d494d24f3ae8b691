"""The home page: what comes next, the spaces, skills and needs of the network."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy import func, select

from corete.core.models import utcnow
from corete.events.services import upcoming
from corete.extensions import db
from corete.purchasing.services import search_needs
from corete.skills.services import search_skills
from corete.spaces.models import Space

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
def home():
    now = utcnow()
    spaces = db.session.scalars(select(Space).where(Space.active.is_(True)).order_by(Space.name)).all()
    soon = upcoming(now, now + dt.timedelta(days=60), session=db.session, limit=12)
    skills = db.session.scalars(search_skills().limit(12)).all()
    needs = db.session.scalars(search_needs().limit(12)).all()
    totals = {
        "skills": db.session.scalar(select(func.count()).select_from(search_skills().order_by(None).subquery())),
        "needs": db.session.scalar(select(func.count()).select_from(search_needs().order_by(None).subquery())),
    }
    return render_template("home/home.html", spaces=spaces, upcoming=soon, skills=skills, needs=needs, totals=totals)


# What a member's site may frame, and the filters each takes (the rest of a URL is dropped).
EMBEDS = {"calendar": ("events.embed_calendar", ("space", "city", "tag", "q")),
          "map": ("map.embed_map", ("layers", "kind", "category", "city", "tag", "skill", "q", "when"))}
HEIGHT = (200, 1200, 480)  # pixels: least, most, default


@bp.route("/embed")
def embed_builder():
    """The embed builder: the <iframe> code of the calendar or the map with the filters of
    the view it was opened from (or chosen here), and a live preview of it."""
    what = request.args.get("what") if request.args.get("what") in EMBEDS else "calendar"
    endpoint, keys = EMBEDS[what]
    filters = {k: v.strip() for k in keys if (v := request.args.get(k, "")) and v.strip()}
    if what == "map" and request.args.getlist("layers"):
        filters["layers"] = ",".join(request.args.getlist("layers"))
    try:
        height = min(max(int(request.args.get("height", HEIGHT[2])), HEIGHT[0]), HEIGHT[1])
    except ValueError:
        height = HEIGHT[2]
    path = url_for(endpoint, **filters)
    public = current_app.config.get("PUBLIC_URL")
    src = public.rstrip("/") + path if public else url_for(endpoint, _external=True, **filters)
    return render_template("home/embed_builder.html", what=what, filters=filters, height=height, src=src,
                           preview=path, keys=keys, heights=HEIGHT)
