"""The language switch."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for

from corete.core.edge import safe_next
from corete.core.i18n import COOKIE

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/lang/<code>")
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("home.home")))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
