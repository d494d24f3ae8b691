"""Flask extensions, created unbound; create_app() binds them.

Only the database and the languages are made when this module is imported: the others
are made on first use (``from corete.extensions import api`` works as before), so a
command that needs no pages, such as `corete poll`, never imports Flask-Migrate and
Alembic, flask-smorest, Flask-Limiter, Flask-WTF or Flask-Login.
"""
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# A naming convention from the first migration on, so Alembic can alter constraints
# on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
babel = Babel()


def _migrate():
    from flask_migrate import Migrate

    return Migrate(render_as_batch=True)


def _csrf():
    from flask_wtf import CSRFProtect

    return CSRFProtect()


def _login_manager():
    from flask_login import LoginManager

    return LoginManager()


def _api():
    from flask_smorest import Api

    return Api()


def _limiter():
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    # Limits per client address, only where a view asks for one (login, the validator).
    return Limiter(key_func=get_remote_address, default_limits=[])


_MAKERS = {"migrate": _migrate, "csrf": _csrf, "login_manager": _login_manager, "api": _api, "limiter": _limiter}


def __getattr__(name: str):
    """Each of the other extensions, made once, when first imported."""
    if name not in _MAKERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    extension = globals()[name] = _MAKERS[name]()
    return extension
