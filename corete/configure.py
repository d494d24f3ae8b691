"""Reading the configuration: defaults (corete/config.py), then instance/config.py, then
CORETE_* environment variables, then a test's mapping. It imports Flask and nothing of
the hub: `corete poll --due` reads the database address from here before it decides
whether anything is worth building the app for."""
from __future__ import annotations

import os

from flask import Flask

from corete import config as default_config


def configured_flask(test_config: dict | None = None) -> Flask:
    """A bare Flask app holding the configuration and nothing else (no extension, no
    room): what create_app starts from, and what `corete poll --due` reads its database
    address from before deciding whether anything is worth building the app for."""
    app = Flask("corete", instance_relative_config=True)
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
    if app.config.get("MAP_TILES_URL") == default_config.OSM_TILES_URL and not app.config.get("MAP_TILES_ATTRIBUTION"):
        app.config["MAP_TILES_ATTRIBUTION"] = default_config.OSM_TILES_ATTRIBUTION
    if app.config.get("MAP_TILES_URL") and not app.config.get("MAP_TILES_ATTRIBUTION"):
        raise RuntimeError(
            "MAP_TILES_URL is set without MAP_TILES_ATTRIBUTION: a tile server's terms ask for its credit on the map "
            "(e.g. CORETE_MAP_TILES_ATTRIBUTION='&copy; OpenStreetMap contributors')."
        )
    if app.config.get("GEOCODER_KIND") not in ("nominatim", "photon"):
        raise RuntimeError("GEOCODER_KIND must be \"nominatim\" or \"photon\".")
    if not 0 < float(app.config.get("GEOCODER_RATE") or 0) <= 10:
        raise RuntimeError("GEOCODER_RATE must be between 0 and 10 requests a second (Nominatim's policy: 1).")
    return app
