"""Security headers on every answer.

- A Content-Security-Policy: scripts only from the hub itself, or inline with this
  request's nonce (``<script nonce="{{ csp_nonce() }}">``: the map's generated script, the
  filters' few lines); no plugins, no <base> elsewhere, forms post to the hub only;
  images from the hub, data: URLs and the tile server. Styles may be inline (Leaflet and
  folium write style attributes). A 304 carries no policy: the browser keeps the one
  stored with the page it already holds, whose nonce matches that page's scripts.
- Pages may be framed only by the hub's own pages (``frame-ancestors 'self'``; the legacy
  X-Frame-Options says the same): a coordinator's page inside another site's frame is how
  clickjacking starts. The embeds (``/embed/...``) are made to be framed by anyone.
- ``nosniff``: a feed or a CSV is never run as a script or shown as a page.
- Referrer-Policy: other sites see the hub's origin, never a page's full address.
- Over https (PUBLIC_URL says so): HSTS, and cookies only over https.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request

EMBEDS = "/embed/"
HSTS = "max-age=31536000"


def public_https(app) -> bool:
    return str(app.config.get("PUBLIC_URL") or "").startswith("https://")


def csp_nonce() -> str:
    """This request's nonce for inline scripts (a template global)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(embed: bool) -> str:
    images = ["'self'", "data:"]
    tiles = current_app.config.get("MAP_TILES_URL")
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "*"))  # {s}.tile.example: any of its subdomains
        images.append(f"{parts.scheme}://{parts.netloc}")
    rules = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{csp_nonce()}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    if not embed:
        rules.append("frame-ancestors 'self'")
    return "; ".join(rules)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    embed = request.path.startswith(EMBEDS)
    if response.status_code != 304:
        headers.setdefault("Content-Security-Policy", content_security_policy(embed))
    if not embed:
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if public_https(current_app):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register(app) -> None:
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = public_https(app)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
