"""The `corete` console script: Flask's CLI with the hub's app factory, so
`corete db upgrade`, `corete run`, `corete shell` and the hub's own commands work."""
from flask.cli import FlaskGroup

from corete import create_app
from corete.purchasing.cli import purchasing_cli


def _create_app():
    return create_app()


main = FlaskGroup(create_app=_create_app, help="The CoRete hub.")
# Here as well as on the app's CLI: `corete purchasing simulate` needs no app, so no
# configuration (SECRET_KEY, database) either.
main.add_command(purchasing_cli)
