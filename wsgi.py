"""WSGI entry point of a checkout: `gunicorn wsgi:app`, the same as `gunicorn corete.wsgi:app`."""
from corete.wsgi import app  # noqa: F401
