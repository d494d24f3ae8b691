"""Rounds that run themselves (the scheduler's, once a minute, one scheduler at a time):

- a round closes at its deadline exactly as a coordinator's close does (held below the
  supplier's minimum), every participating space's operators receive its statement and
  the coordinators the supplier order, or word that it was held;
- ROUND_REMINDER_DAYS before a round closes, the spaces whose goods needs look like its
  products but are not in it (no product of the catalogue matched them) are reminded;
- a recurring round opens the next one when it closes.

Every message has its idempotency key, and a round closes by one conditional step: run
twice, nothing happens twice."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import select

from corete.accounts.services import coordinators, operators_of
from corete.core.when import NETWORK_ZONE
from corete.mail.services import queue
from corete.purchasing import services
from corete.purchasing.models import Round
from corete.spaces.models import Space

ZONE = ZoneInfo(NETWORK_ZONE)
STEP = {"weekly": relativedelta(weeks=1), "monthly": relativedelta(months=1)}
BY = "scheduler"


def _spaces(session, slugs) -> dict[str, Space]:
    return {s.slug: s for s in session.scalars(select(Space).where(Space.slug.in_(list(slugs) or [""])))}


def close(session, rnd: Round, *, by: str, config) -> None:
    """Close a round (a coordinator's or the deadline's): the step, the messages it causes
    and, for a recurring round, the next one, in the caller's transaction."""
    services.step(session, rnd, "close", by=by)
    tell_closed(session, rnd, config)
    open_next(session, rnd)


def close_due(session, now: dt.datetime, config) -> list[Round]:
    """Close every open round whose deadline passed; committed one round at a time."""
    closed = []
    for round_id in list(session.scalars(select(Round.id).where(Round.state == "open", Round.closes_at <= now)
                                         .order_by(Round.closes_at))):
        rnd = session.get(Round, round_id, populate_existing=True)
        if rnd.state != "open":
            continue
        close(session, rnd, by=BY, config=config)
        session.commit()
        closed.append(rnd)
    return closed


def tell_closed(session, rnd: Round, config) -> int:
    """The statements to the spaces' operators and the order (or the hold) to the coordinators."""
    result = services.compute(session, rnd)
    held = rnd.state == "held"
    # Held, nobody is charged: every space that asked hears it; else each space charged.
    members = {r["member"]: None for r in (rnd.inputs or {}).get("requests", [])} if held \
        else {slug: charge for slug, charge in result.members.items() if charge.total}
    spaces = _spaces(session, members)
    queued = 0
    for slug, charge in sorted(members.items()):
        space = spaces.get(slug)
        if space is None:
            continue
        for user in operators_of(session, space):
            queued += queue(session, key=f"round-statement:{rnd.id}:{slug}:{user.id}", kind="round_statement",
                            to=user.email, lang=user.lang, config=config,
                            subject=(lambda: _("%(round)s is held: nobody is charged", round=rnd.name)) if held
                            else (lambda: _("%(round)s closed: the statement of %(space)s", round=rnd.name,
                                            space=space.name)),
                            context={"rnd": rnd, "result": result, "member": slug, "space": space,
                                     "charge": charge, "held": held})
    for user in coordinators(session):
        queued += queue(session, key=f"round-order:{rnd.id}:{user.id}", kind="round_order", to=user.email,
                        lang=user.lang, config=config,
                        subject=(lambda: _("%(round)s is held below the supplier's minimum", round=rnd.name)) if held
                        else (lambda: _("%(round)s closed: the order for %(supplier)s", round=rnd.name,
                                        supplier=rnd.supplier.name)),
                        context={"rnd": rnd, "result": result, "held": held})
    return queued


def next_dates(rnd: Round) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """The next round's opening, closing and delivery: one period on, at the same local hours."""
    step = STEP[rnd.repeat]
    closes_local = rnd.closes_at.astimezone(ZONE)
    next_close = (closes_local.replace(tzinfo=None) + step).replace(tzinfo=ZONE)
    return rnd.closes_at, next_close.astimezone(dt.timezone.utc), rnd.delivery_date + step


def open_next(session, rnd: Round) -> Round | None:
    """The next round of a recurring one, once (previous_id is unique)."""
    if not rnd.repeat or session.scalar(select(Round.id).where(Round.previous_id == rnd.id)) is not None:
        return None
    opens_at, closes_at, delivery = next_dates(rnd)
    return services.open_round(session, rnd.supplier, name=rnd.name, opens_at=opens_at, closes_at=closes_at,
                               delivery_date=delivery, policy=rnd.policy, by=BY, repeat=rnd.repeat, previous=rnd)


def remind(session, now: dt.datetime, config) -> int:
    """Reminders to spaces whose needs look like a closing round's products but are not in it."""
    days = int(config["ROUND_REMINDER_DAYS"])
    if days <= 0:
        return 0
    closing = list(session.scalars(select(Round).where(Round.state == "open", Round.closes_at > now,
                                                       Round.closes_at <= now + dt.timedelta(days=days))))
    if not closing:
        return 0
    queued = 0
    waiting = services.unmatched(session, today=now.astimezone(ZONE).date())
    for rnd in closing:
        by_space: dict[int, list] = {}
        for need, suggestions in waiting:
            near = [p for p in suggestions if p.supplier_id == rnd.supplier_id]
            if near:
                by_space.setdefault(need.space_id, []).append((need, near))
        for space_id, needs in by_space.items():
            space = session.get(Space, space_id)
            for user in operators_of(session, space):
                queued += queue(session, key=f"round-reminder:{rnd.id}:{space_id}:{user.id}", kind="round_reminder",
                                to=user.email, lang=user.lang, config=config,
                                subject=lambda: _("%(round)s closes soon: your needs are not in it yet", round=rnd.name),
                                context={"rnd": rnd, "space": space, "needs": needs})
    return queued


def run(session, now: dt.datetime, config) -> str:
    closed = close_due(session, now, config)
    reminded = remind(session, now, config)
    session.commit()
    return f"{len(closed)} rounds closed, {reminded} reminders queued"
