"""The CoRete hub: a Flask application that federates the feeds of member spaces."""
from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from corete import config as default_config
from corete.extensions import api, babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, CORETE_* variables, test_config.
    No I/O beyond reading configuration: no migrations, no network, no scheduler."""
    app = Flask(__name__, instance_relative_config=True)
    from corete.core import edge

    app.url_map.converters["int"] = edge.IdConverter  # before any route is added
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CORETE")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "corete.sqlite3")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: put SECRET_KEY = '...' in instance/config.py or set CORETE_SECRET_KEY "
            "(`make run` writes a random one for you)."
        )
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    from corete.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
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
    _register_rooms(app)
    _register_errors(app)
    from corete.core import headers, templating

    templating.register(app)
    headers.register(app)
    return app


def _register_rooms(app: Flask) -> None:
    from corete.accounts import views as accounts_views
    from corete.accounts.cli import users_cli
    from corete.core import views as core_views
    from corete.core.handover import register_handler
    from corete.demo.cli import demo_cli
    from corete.digest import views as digest_views
    from corete.events import services as events_services
    from corete.events import views as events_views
    from corete.events.cli import events_cli
    from corete.purchasing.cli import purchasing_cli
    from corete.federation import views as federation_views
    from corete.federation.cli import feed_cli, poll_command
    from corete.home import views as home_views
    from corete.hosting import views as hosting_views
    from corete.map import views as map_views
    from corete.purchasing import services as purchasing_services
    from corete.purchasing import views as purchasing_views
    from corete.scheduler import scheduler_command
    from corete.skills import services as skills_services
    from corete.skills.cli import skills_cli
    from corete.skills import views as skills_views
    from corete.spaces import views as spaces_views
    from corete.spaces.cli import spaces_cli

    for handler in (events_services.handler, skills_services.handler, purchasing_services.handler):
        register_handler(handler)
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
    for blueprint in (spaces_views.api_bp, events_views.api_bp, skills_views.api_bp, purchasing_views.api_bp,
                      purchasing_views.purchasing_api_bp, map_views.api_bp, hosting_views.api_bp):
        api.register_blueprint(blueprint)
    for command in (spaces_cli, users_cli, feed_cli, poll_command, scheduler_command, demo_cli,
                    events_cli, purchasing_cli, skills_cli):
        app.cli.add_command(command)


def _register_errors(app: Flask) -> None:
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
    """WAL lets the web process read while a poller writes; foreign keys on."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
