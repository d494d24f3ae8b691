"""`corete users create|list|disable|enable`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from corete.accounts.models import ROLES
from corete.accounts.services import AccountError, create_user, find_user, set_active, users
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


@users_cli.command("list")
def list_command():
    """Every account: e-mail, role, state, spaces, last login."""
    for user in users(db.session):
        spaces = ",".join(s.slug for s in user.spaces) or "-"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}\t{spaces}\t{last}")


def _set_active(email: str, active: bool) -> None:
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no account has the address {email}")
    try:
        set_active(db.session, user, active)
    except AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"{'enabled' if active else 'disabled'} {user.email}" + ("" if active else ": its sessions ended"))


@users_cli.command("disable")
@click.argument("email")
def disable_command(email):
    """Stop an account logging in; every session it has ends at once."""
    _set_active(email, False)


@users_cli.command("enable")
@click.argument("email")
def enable_command(email):
    """Let a disabled account log in again."""
    _set_active(email, True)
