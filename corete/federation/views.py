"""The feed validator page: an operator pastes a URL or a document."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from corete.extensions import limiter
from corete.federation.validate import validate_source

bp = Blueprint("federation", __name__, template_folder="templates")
MAX_PASTE = 2 * 1024 * 1024


@bp.route("/validate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VALIDATE_RATE_LIMIT"], methods=["POST"])
def validate_page():
    report, error = None, None
    url = (request.form.get("url") or "").strip()
    document = request.form.get("document") or ""
    if request.method == "POST":
        if url:
            report = validate_source(url=url, config=current_app.config)
        elif document.strip():
            if len(document) > MAX_PASTE:
                error = _("The document is larger than 2 MiB.")
            else:
                report = validate_source(body=document.encode("utf-8"), config=current_app.config)
        else:
            error = _("Paste a feed URL or a feed document.")
    status = 400 if error else 200
    return render_template("federation/validate.html", report=report, error=error, url=url,
                           document=document[:MAX_PASTE]), status
