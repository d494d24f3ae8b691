"""Login, logout and signing up through an invitation. Every form carries a CSRF token
(Flask-WTF's CSRFProtect)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from corete.accounts.services import (
    MIN_PASSWORD,
    AccountError,
    InvitationError,
    accept,
    address_change,
    authenticate,
    change_password,
    confirm_address,
    end_sessions,
    open_invitation,
    request_address_change,
    request_reset,
    reset_user,
    user_of_session,
)
from corete.accounts.services import reset_password as reset_password_with
from corete.core.edge import safe_next
from corete.core.i18n import page_language
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
        user.lang = page_language()  # the hub's e-mails to this person are in it
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


def stale_link():
    """A signed link past its time, used, or mangled: 410 with what to do."""
    return render_template("error.html", code=410, message=_("This link is not valid any more: ask for a new one.")), 410


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
            user.lang = page_language()
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


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """The same answer whether or not the address has an account."""
    if request.method == "POST":
        request_reset(db.session, request.form.get("email", ""), lang=page_language())
        db.session.commit()
        flash(_("If an account has this address, a link to choose a new password is on its way. It works for %(hours)d hours, once.",
                hours=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def reset_password(token):
    user = reset_user(db.session, token)
    if user is None:
        return stale_link()
    error = None
    if request.method == "POST":
        try:
            reset_password_with(db.session, token, request.form.get("password", ""), request.form.get("confirm", ""))
        except AccountError as e:
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password changed: log in with the new one."), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", email=user.email, error=error, min_password=MIN_PASSWORD), \
        (400 if error else 200)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change one's password (every other session ends) or address (confirmed by a link)."""
    errors = {}
    if request.method == "POST":
        form = request.form.get("form")
        try:
            if form == "password":
                change_password(db.session, current_user, request.form.get("current", ""),
                                request.form.get("password", ""), request.form.get("confirm", ""))
            elif form == "email":
                new = request_address_change(db.session, current_user, request.form.get("current", ""),
                                             request.form.get("email", ""), lang=page_language())
            else:
                abort(400)
        except AccountError as e:
            db.session.rollback()
            errors[form] = str(e)
        else:
            db.session.commit()
            if form == "password":
                db.session.refresh(current_user)
                login_user(current_user)  # this session goes on, with the new epoch
                flash(_("Your password changed. Your other sessions have ended."), "info")
            else:
                flash(_("A link to confirm %(email)s is on its way to that address.", email=new), "info")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", errors=errors, min_password=MIN_PASSWORD,
                           role_names=role_names()), (400 if errors else 200)


def role_names() -> dict[str, str]:
    return {"coordinator": _("coordinator"), "operator": _("operator")}


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def confirm_email(token):
    """A page with one button: following the link alone (as mail scanners do) changes nothing."""
    found = address_change(db.session, token)
    if found is None:
        return stale_link()
    if request.method == "POST":
        try:
            confirm_address(db.session, token, lang=page_language())
        except AccountError as e:
            db.session.rollback()
            return render_template("error.html", code=409, message=str(e)), 409
        db.session.commit()
        flash(_("Your address is now %(email)s.", email=found[1]), "info")
        return redirect(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", user=found[0], new=found[1])
