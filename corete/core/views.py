"""The language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, url_for

from corete.core.i18n import COOKIE

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/lang/<code>")
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.args.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("home.home")
    response = redirect(target)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
