"""`corete users create`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from corete.accounts.models import ROLES
from corete.accounts.services import AccountError, create_user
from corete.extensions import db
from corete.spaces.models import Space

users_cli = AppGroup("users", help="Accounts of coordinators and operators.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="coordinator", show_default=True)
@click.option("--password-file", type=click.File("r"), help="Read the password from this file.")
@click.option("--space", "spaces", multiple=True, help="Slug of a space an operator edits (repeatable).")
def create_command(email, role, password_file, spaces):
    """Create an account; the password is prompted unless --password-file is given.
    Operators are usually invited from the Operators page instead."""
    if password_file is not None:
        password = password_file.read().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, password, role)
        found = db.session.scalars(select(Space).where(Space.slug.in_(spaces))).all()
        missing = set(spaces) - {s.slug for s in found}
        if missing:
            raise AccountError(f"no space with slug {', '.join(sorted(missing))}")
        user.spaces = list(found)
        db.session.commit()
    except AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    click.echo(f"created {user.role} {user.email}")
    if role == "operator" and not spaces:
        click.echo("note: this operator edits no space until one is bound (--space)")
