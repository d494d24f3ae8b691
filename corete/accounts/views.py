"""Login, logout and signing up through an invitation. Every form carries a CSRF token
(Flask-WTF's CSRFProtect)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from corete.accounts.models import User
from corete.accounts.services import (
    MIN_PASSWORD,
    AccountError,
    InvitationError,
    accept,
    authenticate,
    end_sessions,
    open_invitation,
    user_of_session,
)
from corete.core.edge import safe_next
from corete.extensions import db, limiter, login_manager
from corete.spaces.models import Space

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(token: str):
    return user_of_session(db.session, token)


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("home.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method == "POST":
        user = authenticate(db.session, request.form.get("email", ""), request.form.get("password", ""))
        if user is None:
            db.session.rollback()
            flash(_("Wrong e-mail or password."), "error")
            return render_template("accounts/login.html", email=request.form.get("email", "")), 401
        login_user(user)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", email="")


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(db.session, current_user)  # a copy of the cookie stops working too
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("home.home"))


def _unusable(e: InvitationError):
    status = 404 if e.code == "unknown" else 410
    return render_template("error.html", code=status, message=str(e)), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def accept_invitation(token):
    """An invited operator chooses a password; the account is bound to the invitation's spaces."""
    try:
        invitation = open_invitation(db.session, token)
    except InvitationError as e:
        return _unusable(e)
    error = None
    if request.method == "POST":
        try:
            user = accept(db.session, token, request.form.get("password", ""), request.form.get("confirm", ""))
        except InvitationError as e:  # used by someone else meanwhile
            db.session.rollback()
            return _unusable(e)
        except AccountError as e:
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome: your account is ready."), "info")
            return redirect(url_for("hosting.my_spaces"))
    names = [s.name for s in db.session.scalars(select(Space).where(Space.id.in_(invitation.space_ids or [0])))]
    return render_template("accounts/invitation.html", invitation=invitation, spaces=names, error=error,
                           min_password=MIN_PASSWORD), (400 if error else 200)
