"""The app factory: create_app() builds the hub from its configuration and its rooms."""
from __future__ import annotations

import os
import threading

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from corete.configure import configured_flask
from corete.extensions import babel, db

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(test_config: dict | None = None, *, web: bool = True, migrations: bool | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, CORETE_* variables, test_config.
    No I/O beyond reading configuration: no migrations, no network, no scheduler.

    ``web=False`` gives the core a command needs (configuration, the database, the
    languages; the item types are found in their rooms when first needed) without pages,
    API, forms or logins: `corete poll` and `corete scheduler` start in a fraction of the
    time. ``migrations`` (default: ``web``)
    adds Flask-Migrate, which `corete db` needs and nothing else does."""
    app = configured_flask(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]  # limits counted across workers

    from corete.ops import logs

    logs.configure(app.config)
    db.init_app(app)
    from corete.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    _import_models()
    import corete.mail.alerts  # noqa: F401 (listens to the poller's feed_failed and feed_read)
    if migrations if migrations is not None else web:
        from corete.extensions import migrate

        migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    from corete.cli import AppCommands

    app.cli = AppCommands(app.name)  # the hub's commands, imported when run
    if web:
        _register_web(app)
    return app


_WEB_LOCK = threading.Lock()


def ensure_web(app: Flask) -> None:
    """Give a core app (a command's) the pages' routes, templates and filters on first
    need: what e-mails link to and are rendered with. An app that serves pages has them."""
    with _WEB_LOCK:
        if "corete.web" not in app.extensions:
            _register_web(app)


def _register_web(app: Flask) -> None:
    """What serving pages and the API adds to the core."""
    app.extensions["corete.web"] = True
    from corete.core import edge, headers, shared, templating
    from corete.extensions import api, csrf, limiter, login_manager

    app.url_map.converters["int"] = edge.IdConverter  # before any route is added
    app.request_class = edge.HubRequest
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    csrf.init_app(app)
    from corete.ops import views as ops_views

    ops_views.register(app)  # first: every request is timed, counted and logged
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    api.init_app(app)
    from corete.core.api import SECURITY_SCHEMES, DecimalString

    api.register_field(DecimalString, "string", "decimal")
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    limiter.init_app(app)
    app.before_request(edge.check_request)
    app.before_request(shared.refresh)
    _register_rooms(app)
    _register_errors(app)
    templating.register(app)
    headers.register(app)


MODEL_MODULES = [f"corete.{room}.models" for room in
                 ("spaces", "accounts", "federation", "events", "skills", "purchasing", "map", "hosting", "ops",
                  "mail", "newsletter", "media", "resources", "visas", "calls", "offers", "push", "fediverse")]


def _import_models() -> None:
    """Every table, so the mappers' references across rooms resolve (a Space names its
    Feed) whichever command runs."""
    import importlib

    for module in MODEL_MODULES:
        importlib.import_module(module)


def _register_rooms(app: Flask) -> None:
    from corete.accounts import views as accounts_views
    from corete.calls import views as calls_views
    from corete.core import views as core_views
    from corete.digest import views as digest_views
    from corete.events import views as events_views
    from corete.federation import views as federation_views
    from corete.fediverse import views as fediverse_views
    from corete.home import views as home_views
    from corete.hosting import views as hosting_views
    from corete.mail import views as mail_views
    from corete.media import views as media_views
    from corete.map import views as map_views
    from corete.newsletter import views as newsletter_views
    from corete.offers import views as offers_views
    from corete.purchasing import views as purchasing_views
    from corete.push import views as push_views
    from corete.resources import views as resources_views
    from corete.visas import views as visas_views
    from corete.skills import views as skills_views
    from corete.spaces import views as spaces_views
    from corete.extensions import api

    app.register_blueprint(core_views.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(federation_views.bp)
    app.register_blueprint(spaces_views.pages_bp)
    app.register_blueprint(events_views.pages_bp)
    app.register_blueprint(map_views.pages_bp)
    app.register_blueprint(purchasing_views.pages_bp)
    app.register_blueprint(skills_views.pages_bp)
    app.register_blueprint(hosting_views.pages_bp)
    app.register_blueprint(digest_views.bp)
    app.register_blueprint(mail_views.bp)
    app.register_blueprint(newsletter_views.bp)
    app.register_blueprint(media_views.bp)
    app.register_blueprint(resources_views.pages_bp)
    app.register_blueprint(visas_views.bp)
    app.register_blueprint(calls_views.pages_bp)
    app.register_blueprint(offers_views.pages_bp)
    app.register_blueprint(push_views.pages_bp)
    app.register_blueprint(fediverse_views.bp)
    for blueprint in (spaces_views.api_bp, events_views.api_bp, skills_views.api_bp, purchasing_views.api_bp,
                      purchasing_views.purchasing_api_bp, map_views.api_bp, hosting_views.api_bp, resources_views.api_bp,
                      calls_views.api_bp, offers_views.api_bp, push_views.api_bp):
        api.register_blueprint(blueprint)


def _register_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        if request.path.startswith("/api/"):
            return jsonify({"code": 400, "status": "Bad Request", "errors": {"csrf": [e.description]}}), 400
        return render_template("error.html", code=400,
                               message=_("The form expired or did not come from this site. Go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        # The API answers in JSON (as flask-smorest does, with validation messages);
        # pages answer with a page in the visitor's language.
        if request.path.startswith("/api/"):
            body = {"code": e.code, "status": e.name}
            messages = getattr(e, "data", {}).get("messages") if hasattr(e, "data") else None
            if messages:
                body["errors"] = messages
            return jsonify(body), e.code
        messages = {
            403: _("You do not have access to this page."),
            404: _("There is nothing at this address."),
            405: _("This address does not accept that request."),
            413: _("What you sent is too large."),
            429: _("Too many attempts from your address: wait a minute and try again."),
        }
        return render_template("error.html", code=e.code, message=messages.get(e.code, e.description)), e.code


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets the web process read while a poller writes; foreign keys on. A page cache
    of up to 32 MiB per connection (SQLite's default is 2 MiB) and reads through mmap: with
    the default, the map's 20,000 venues and each poll's statements read pages from the
    OS again and again (bench_map.py: the GeoJSON of every point 408 -> 294 ms;
    bench_scale.py: a changed poll 13.9 -> 11.3 ms at 1,000 feeds)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()
