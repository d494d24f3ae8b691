"""The WSGI entry point: `gunicorn corete.wsgi:app` (`corete serve` runs exactly that).
The scheduler is never started here: it is its own process, `corete scheduler`."""
from corete import create_app

app = create_app()
