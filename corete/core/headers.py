"""Security headers on every answer (the Content-Security-Policy's script rules are not
here yet: the pages still carry inline scripts; issue 14).

- Pages may be framed only by the hub's own pages (``frame-ancestors 'self'``; the legacy
  X-Frame-Options says the same): a coordinator's page inside another site's frame is how
  clickjacking starts. The embeds (``/embed/...``) are made to be framed by anyone.
- ``nosniff``: a feed or a CSV is never run as a script or shown as a page.
- Referrer-Policy: other sites see the hub's origin, never a page's full address.
- Over https (PUBLIC_URL says so): HSTS, and cookies only over https.
"""
from __future__ import annotations

from flask import current_app, request

EMBEDS = "/embed/"
HSTS = "max-age=31536000"


def public_https(app) -> bool:
    return str(app.config.get("PUBLIC_URL") or "").startswith("https://")


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not request.path.startswith(EMBEDS):
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if public_https(current_app):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app) -> None:
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = public_https(app)
    app.after_request(add_security_headers)
