"""What a digest gathers for a period [start, end): the events in it, the skills and offers
first seen in the period of the same length before it (what is new since the previous
digest), the service needs open at its start with their matches, the rounds closing in it,
and the calls: those published since the previous digest and those whose deadline falls in
the period."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

from corete.calls import services as calls
from corete.core.when import NETWORK_ZONE
from corete.events.services import upcoming
from corete.offers import services as offers
from corete.purchasing.models import Round
from corete.skills import services as skills
from corete.skills.models import Skill
from corete.spaces.models import Space

ZONE = ZoneInfo(NETWORK_ZONE)
DEFAULT_DAYS = 30
LIMITS = {"events": 100, "skills": 100, "needs": 50, "calls": 50, "offers": 50}


@dataclass
class Digest:
    start: dt.date
    end: dt.date  # exclusive
    since: dt.date  # new skills are those first seen from here to start
    events: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    needs: list = field(default_factory=list)  # (need, matches)
    rounds: list = field(default_factory=list)
    calls: list = field(default_factory=list)  # new since the previous digest, or closing in the period
    offers: list = field(default_factory=list)  # new since the previous digest

    @property
    def empty(self) -> bool:
        return not (self.events or self.skills or self.needs or self.rounds or self.calls or self.offers)


def period(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    start = start or (end - dt.timedelta(days=DEFAULT_DAYS) if end else today)
    return start, end or start + dt.timedelta(days=DEFAULT_DAYS)


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), ZONE).astimezone(dt.timezone.utc)


def gather(session, start: dt.date, end: dt.date, lang: str = "it") -> Digest:
    since = start - (end - start)
    digest = Digest(start, end, since)
    digest.events = upcoming(_instant(start), _instant(end), session=session, limit=LIMITS["events"])
    digest.skills = list(session.scalars(
        select(Skill).join(Space, Skill.space_id == Space.id)
        .where(Space.active.is_(True), Skill.first_seen_at >= _instant(since), Skill.first_seen_at < _instant(start))
        .order_by(Skill.first_seen_at.desc(), Skill.id).limit(LIMITS["skills"])))
    needs = skills.open_service_needs(session, today=start)[:LIMITS["needs"]]
    digest.needs = list(zip(needs, skills.match_needs(session, needs, lang, limit=3)))
    digest.rounds = list(session.scalars(
        select(Round).where(Round.state == "open", Round.closes_at >= _instant(start), Round.closes_at < _instant(end))
        .order_by(Round.closes_at)))
    digest.calls = calls.for_period(session, _instant(start), _instant(end), LIMITS["calls"])
    digest.offers = offers.published_since(session, _instant(since), _instant(start), start, LIMITS["offers"])
    return digest

