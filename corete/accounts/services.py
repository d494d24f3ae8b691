"""Creating accounts, checking passwords (werkzeug's scrypt), and invitations."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from corete.accounts.models import ROLES, Invitation, User
from corete.core.models import parse_id, utcnow

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to compare against when the e-mail is unknown, so both cases take as long.
    Made on first need: at import it cost every command that imports this module 150 ms."""
    return generate_password_hash("not-a-real-password", method="scrypt")


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
        check_password_hash(_dummy_hash(), password or "")
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
    _check_password(password, confirm)
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


# --- Passwords and addresses: signed links, by e-mail ------------------------------------
# A link carries the user's id signed with SECRET_KEY (itsdangerous, as Flask's session
# cookie) and a fingerprint of what it changes: a reset link names the current password
# hash, so it stops working once the password changes (used once); an address link names
# the current address. Nothing is stored: the database holds no token.

RESET_SALT, ADDRESS_SALT = "corete.password-reset", "corete.email-change"


def _serializer(salt: str):
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _check_password(password: str, confirm: str) -> None:
    if password != confirm:
        raise AccountError(_("The two passwords differ."))
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD))


def _set_password(session, user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password, method="scrypt")
    end_sessions(session, user)  # every session, this one included, ends: the old password's


def request_reset(session, email: str, *, lang: str) -> None:
    """Queue a reset link when an active account has this address; nothing otherwise (the
    page says the same either way). At most one link per account every ten minutes."""
    import time

    from flask import url_for

    from corete.mail.services import queue

    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    token = _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})
    queue(session, key=f"password-reset:{user.id}:{int(time.time() // 600)}", kind="password_reset",
          to=user.email, lang=lang, subject=lambda: _("Choose a new password for CoRete"), sensitive=True,
          context={"link": url_for("accounts.reset_password", token=token, _external=True),
                   "hours": _link_hours("PASSWORD_RESET_HOURS")})


def _link_hours(key: str) -> int:
    from flask import current_app

    return int(current_app.config[key])


def _load(token: str, salt: str, hours_key: str) -> dict | None:
    from itsdangerous import BadSignature

    try:
        data = _serializer(salt).loads(token or "", max_age=_link_hours(hours_key) * 3600)
    except BadSignature:  # tampered, truncated or expired (SignatureExpired is one)
        return None
    return data if isinstance(data, dict) else None


def reset_user(session, token: str) -> User | None:
    """The account a reset link may still change, or None (wrong, expired or used)."""
    data = _load(token, RESET_SALT, "PASSWORD_RESET_HOURS")
    user = session.get(User, data.get("u")) if data and isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user.password_hash):
        return None
    return user


def reset_password(session, token: str, password: str, confirm: str) -> User:
    user = reset_user(session, token)
    if user is None:
        raise AccountError(_("This link is not valid any more: ask for a new one."))
    _check_password(password, confirm)
    _set_password(session, user, password)
    return user


def change_password(session, user: User, current: str, password: str, confirm: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_("The current password is wrong."))
    _check_password(password, confirm)
    _set_password(session, user, password)


def request_address_change(session, user: User, current: str, new_email: str, *, lang: str) -> str:
    """Queue a confirmation link to the new address; the address changes when it is followed."""
    from flask import url_for

    from corete.mail.services import queue

    new_email = (new_email or "").strip().lower()
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_("The current password is wrong."))
    if not _EMAIL.match(new_email):
        raise AccountError(_("%(email)s is not an e-mail address", email=new_email or "''"))
    if session.scalar(select(User.id).where(func.lower(User.email) == new_email)) is not None:
        raise AccountError(_("%(email)s already has an account", email=new_email))
    token = _serializer(ADDRESS_SALT).dumps({"u": user.id, "e": new_email, "o": _fingerprint(user.email)})
    queue(session, key=f"email-change:{user.id}:{_fingerprint(token)}", kind="email_change", to=new_email,
          lang=lang, subject=lambda: _("Confirm your new address for CoRete"), sensitive=True,
          context={"link": url_for("accounts.confirm_email", token=token, _external=True), "old": user.email,
                   "hours": _link_hours("EMAIL_CHANGE_HOURS")})
    return new_email


def address_change(session, token: str) -> tuple[User, str] | None:
    """(the account, its new address) a confirmation link names, if it still applies."""
    data = _load(token, ADDRESS_SALT, "EMAIL_CHANGE_HOURS")
    user = session.get(User, data.get("u")) if data and isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("o") != _fingerprint(user.email) \
            or not isinstance(data.get("e"), str) or not _EMAIL.match(data["e"]):
        return None
    return user, data["e"]


def confirm_address(session, token: str, *, lang: str) -> User:
    from corete.mail.services import queue

    found = address_change(session, token)
    if found is None:
        raise AccountError(_("This link is not valid any more: ask for a new one."))
    user, new_email = found
    if session.scalar(select(User.id).where(func.lower(User.email) == new_email, User.id != user.id)) is not None:
        raise AccountError(_("%(email)s already has an account", email=new_email))
    old = user.email
    user.email = new_email
    queue(session, key=f"email-changed:{user.id}:{_fingerprint(old + new_email)}", kind="email_changed", to=old,
          lang=lang, subject=lambda: _("The address of your CoRete account changed"),
          context={"old": old, "new": new_email})
    return user


# --- Coordinators: who may log in ------------------------------------------------------------


def coordinators(session) -> list[User]:
    """The active coordinators: who the hub's mail about the whole network goes to."""
    return list(session.scalars(select(User).where(User.role == "coordinator", User.active.is_(True))
                                .order_by(User.id)))


def operators_of(session, space) -> list[User]:
    """The active operators bound to ``space``."""
    return list(session.scalars(select(User).where(User.role == "operator", User.active.is_(True),
                                                   User.spaces.any(id=space.id)).order_by(User.id)))


def users(session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.email)))


def find_user(session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def set_active(session, user: User, active: bool, *, by: User | None = None) -> None:
    """Disable (every session of the user ends at once) or enable an account. Nobody
    disables themselves, and the last active coordinator stays."""
    if active:
        user.active = True
        return
    if by is not None and by.id == user.id:
        raise AccountError(_("You cannot disable your own account."))
    if user.role == "coordinator" and user.active and session.scalar(
            select(func.count(User.id)).where(User.role == "coordinator", User.active.is_(True))) <= 1:
        raise AccountError(_("This is the last active coordinator: enable or create another one first."))
    user.active = False
    end_sessions(session, user)
