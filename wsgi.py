"""WSGI entry point: `gunicorn wsgi:app`. The scheduler is never started here."""
from corete import create_app

app = create_app()
