"""The home page: what comes next, the spaces, skills and needs of the network."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
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
