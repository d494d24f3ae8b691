"""The CoRete hub: a Flask application that federates the feeds of member spaces.

The package itself imports nothing: ``from corete import create_app`` loads the app
factory (corete/app.py) on first use, so `corete --help` never imports Flask-SQLAlchemy."""


def __getattr__(name: str):
    if name == "create_app":
        from corete.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
