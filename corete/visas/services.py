"""Coworking visas: a space issues a signed, revocable pass to one of its members; the
operator of another space that welcomes visitors checks it and records each day worked
there, within that space's terms (days a year, which days)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from corete.core import hours
from corete.core.models import utcnow
from corete.core.when import local_today
from corete.spaces.models import Space
from corete.visas.models import Visa, Visit

SALT = "corete-visa"  # a token signed for anything else never reads as a visa
LONGEST = dt.timedelta(days=366)


class VisaError(ValueError):
    """What the hub refuses about a visa; the message is for the operator."""


def _signer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def token_of(visa: Visa, secret_key: str) -> str:
    """The pass's token: the visa and its secret, signed with the hub's key."""
    return _signer(secret_key).dumps([visa.id, visa.secret])


def issue(session, space: Space, person_name: str, valid_until: dt.date, user=None,
          today: dt.date | None = None) -> Visa:
    today = today or local_today()
    name = (person_name or "").strip()
    if not name:
        raise VisaError(_("Say whose pass it is."))
    if valid_until < today:
        raise VisaError(_("The pass would already have expired."))
    if valid_until - today > LONGEST:
        raise VisaError(_("A pass lasts at most a year: issue another then."))
    visa = Visa(home_space_id=space.id, person_name=name[:200], valid_from=today, valid_until=valid_until,
                secret=secrets.token_hex(16), issued_by=getattr(user, "id", None))
    session.add(visa)
    session.flush()
    return visa


def revoke(session, visa: Visa) -> None:
    if visa.revoked_at is None:
        visa.revoked_at = utcnow()
        session.flush()


def visas_of(session, space: Space) -> list[Visa]:
    return list(session.scalars(select(Visa).where(Visa.home_space_id == space.id)
                                .order_by(Visa.revoked_at.is_not(None), Visa.issued_at.desc())))


@dataclass
class Checked:
    """What a token is: ``state`` is valid, expired, not_yet, revoked or forged (no visa
    then); only ``visa`` of a real pass."""

    state: str
    visa: Visa | None = None


def check(session, token: str, secret_key: str, today: dt.date | None = None) -> Checked:
    today = today or local_today()
    try:
        visa_id, secret = _signer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        return Checked("forged")
    visa = session.get(Visa, visa_id) if isinstance(visa_id, int) else None
    if visa is None or not isinstance(secret, str) or not secrets.compare_digest(secret, visa.secret):
        return Checked("forged")
    if visa.revoked_at is not None:
        return Checked("revoked", visa)
    if today > visa.valid_until:
        return Checked("expired", visa)
    if today < visa.valid_from:
        return Checked("not_yet", visa)
    return Checked("valid", visa)


def visits_this_year(session, visa: Visa, host: Space, today: dt.date) -> int:
    return session.scalar(select(func.count()).select_from(Visit).where(
        Visit.visa_id == visa.id, Visit.host_space_id == host.id,
        Visit.day >= dt.date(today.year, 1, 1), Visit.day <= dt.date(today.year, 12, 31))) or 0


def remaining(session, visa: Visa, host: Space, today: dt.date) -> int | None:
    """The days the holder may still work at ``host`` this year (None: no limit)."""
    limit = (host.visitors or {}).get("days_per_year")
    if not limit:
        return None
    return max(0, int(limit) - visits_this_year(session, visa, host, today))


def record_visit(session, visa: Visa, host: Space, user=None, today: dt.date | None = None) -> Visit:
    """A day at ``host``, within its terms; VisaError with the reason otherwise."""
    today = today or local_today()
    terms = host.visitors or {}
    if host.id == visa.home_space_id:
        raise VisaError(_("This is the pass holder's own space."))
    if not terms.get("welcome"):
        raise VisaError(_("%(space)s does not welcome visitors: say so in its profile first.", space=host.name))
    if visa.revoked_at is not None or not visa.valid_from <= today <= visa.valid_until:
        raise VisaError(_("This pass is not valid today."))
    if terms.get("days"):
        try:
            allowed = hours.days(terms["days"])
        except hours.NotUnderstood:
            allowed = None
        if allowed is not None and today.weekday() not in allowed:
            raise VisaError(_("%(space)s welcomes visitors on %(days)s only.", space=host.name, days=terms["days"]))
    left = remaining(session, visa, host, today)
    if left == 0:
        raise VisaError(_("No days left this year at %(space)s.", space=host.name))
    already = _("Today's visit is already recorded.")
    if session.scalar(select(Visit.id).where(Visit.visa_id == visa.id, Visit.host_space_id == host.id,
                                             Visit.day == today)) is not None:
        raise VisaError(already)
    visit = Visit(visa_id=visa.id, host_space_id=host.id, day=today, recorded_by=getattr(user, "id", None))
    session.add(visit)
    try:
        session.flush()
    except IntegrityError:  # the same visit recorded at the same moment (a double click)
        session.rollback()
        raise VisaError(already) from None
    return visit
