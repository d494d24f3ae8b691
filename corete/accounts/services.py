"""Creating accounts, checking passwords (werkzeug's scrypt), and invitations."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from corete.accounts.models import ROLES, Invitation, User
from corete.core.models import parse_id, utcnow

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A hash to compare against when the e-mail is unknown, so both cases take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(ValueError):
    pass


def create_user(session, email: str, password: str, role: str) -> User:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"{email} already has an account")
    user = User(email=email, password_hash=generate_password_hash(password, method="scrypt"), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session, email: str, password: str) -> User | None:
    email = (email or "").strip().lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


# --- Invitations ----------------------------------------------------------------------


class InvitationError(ValueError):
    """An invitation that cannot be used; ``code`` says why (unknown, expired, used, revoked)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(session, email: str, spaces: list, *, by=None, days: float = 7, role: str = "operator") -> tuple[Invitation, str]:
    """A new invitation and its token (shown once: only its hash is stored)."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise AccountError(_("%(email)s is not an e-mail address", email=email or "''"))
    if role == "operator" and not spaces:
        raise AccountError(_("An operator must be bound to at least one space."))
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(_("%(email)s already has an account", email=email))
    token, now = secrets.token_urlsafe(32), utcnow()
    invitation = Invitation(token_hash=_token_hash(token), email=email, role=role,
                            space_ids=[s.id for s in spaces], created_by=getattr(by, "id", None),
                            created_at=now, expires_at=now + dt.timedelta(days=days))
    session.add(invitation)
    session.flush()
    return invitation, token


def mail_invitation(session, invitation: Invitation, token: str, *, lang: str, inviter: str) -> None:
    """The invitation's link, e-mailed to the future operator (queued with it)."""
    from flask import url_for

    from corete.core.templating import network_time
    from corete.mail.services import queue
    from corete.spaces.models import Space

    names = ", ".join(session.scalars(select(Space.name).where(Space.id.in_(invitation.space_ids or [0]))
                                      .order_by(Space.name)))
    queue(session, key=f"invitation:{invitation.id}", kind="invitation", to=invitation.email, lang=lang,
          subject=lambda: _("Your invitation to the CoRete network"), sensitive=True,
          context={"inviter": inviter, "spaces": names, "expires": network_time(invitation.expires_at),
                   "link": url_for("accounts.accept_invitation", token=token, _external=True)})


def open_invitation(session, token: str) -> Invitation:
    """The invitation a token names, if it can still be used."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None:
        raise InvitationError("unknown", _("This invitation link is not valid: check that you copied all of it."))
    if invitation.revoked_at is not None:
        raise InvitationError("revoked", _("This invitation was withdrawn: ask the coordinator for a new one."))
    if invitation.used_at is not None:
        raise InvitationError("used", _("This invitation was already used: log in with your e-mail and password."))
    if invitation.expires_at <= utcnow():
        raise InvitationError("expired", _("This invitation has expired: ask the coordinator for a new one."))
    return invitation


def accept(session, token: str, password: str, confirm: str) -> User:
    """Sign up through an invitation: the account, bound to the invitation's spaces."""
    from corete.spaces.models import Space

    invitation = open_invitation(session, token)
    if password != confirm:
        raise AccountError(_("The two passwords differ."))
    if len(password or "") < MIN_PASSWORD:  # said here in the person's language
        raise AccountError(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD))
    # Claimed by one conditional UPDATE before anything else is written: of several
    # people (or tabs) accepting at once, the database lets exactly one through.
    claimed = session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None)).values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvitationError("used", _("This invitation was already used: log in with your e-mail and password."))
    user = create_user(session, invitation.email, password, invitation.role)
    user.spaces = list(session.scalars(select(Space).where(Space.id.in_(invitation.space_ids or [0]))))
    invitation.used_by = user.id
    session.flush()
    return user


def revoke(session, invitation: Invitation) -> None:
    if invitation.used_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()


def end_sessions(session, user: User) -> None:
    """Every session of ``user`` ends, wherever its cookie is (flushed, not committed)."""
    session.execute(update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1))


def user_of_session(session, token: str) -> User | None:
    """The active user a session cookie's "id.epoch" names, if that session has not ended."""
    user_id, _, epoch = token.partition(".")
    user = session.get(User, parse_id(user_id)) if parse_id(user_id) else None
    if user is None or not user.active or not epoch.isascii() or not epoch.isdigit() \
            or int(epoch) != user.session_epoch:
        return None
    return user
