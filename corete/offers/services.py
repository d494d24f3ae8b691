"""Offers: receiving them from the federation and finding the ones that hold today."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from corete.core.handler import RowHandler
from corete.core.when import local_today
from corete.offers.itemtype import OfferData
from corete.offers.models import Offer
from corete.spaces.models import Space

SEARCH_LIMIT = 50  # offers one page lists (the API pages through them all)


def offer_columns(data: OfferData) -> dict:
    return dict(category=data.category, title=data.title, description_html=data.description_html,
                audience=data.audience, benefit=data.benefit, conditions=data.conditions,
                offered_by_name=data.offered_by_name, offered_by_url=data.offered_by_url, valid_from=data.valid_from,
                valid_until=data.valid_until, contact=data.contact, url=data.url, tags=data.tags)


handler = RowHandler("offer", Offer, offer_columns)


def current(today: dt.date):
    """A condition: the offer still holds on ``today`` (or starts later)."""
    return or_(Offer.valid_until.is_(None), Offer.valid_until >= today)


def search(session, *, category=None, city=None, audience=None, q=None, space=None, today: dt.date | None = None,
           limit: int = SEARCH_LIMIT, offset: int = 0) -> tuple[list[Offer], int]:
    """(the current offers of active spaces matching the filters, how many in all), by title."""
    today = today or local_today()
    conditions = [Space.active.is_(True), current(today)]
    if category:
        conditions.append(Offer.category == category)
    if city:
        conditions.append(func.lower(Space.city) == city.lower())
    if audience == "anyone":
        conditions.append(Offer.audience == "anyone")
    if q:
        like = f"%{q}%"
        conditions.append(or_(Offer.title.ilike(like), Offer.benefit.ilike(like), Offer.description_html.ilike(like),
                              Offer.offered_by_name.ilike(like), Space.name.ilike(like)))
    if space:
        conditions.append(Space.slug == space)
    stmt = select(Offer).join(Space, Offer.space_id == Space.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    found = session.scalars(stmt.options(contains_eager(Offer.space))
                            .order_by(func.lower(Offer.title), Offer.id).limit(limit).offset(offset))
    return list(found), total


def cities(session, today: dt.date | None = None) -> list[str]:
    """The cities of the spaces with current offers (the page's filter)."""
    return list(session.scalars(
        select(Space.city).where(Space.active.is_(True), Space.city.is_not(None),
                                 Space.id.in_(offering_spaces(today))).distinct().order_by(Space.city)))


def offering_spaces(today: dt.date | None = None):
    """A select of the ids of the spaces with a current offer (the map's filter)."""
    return select(Offer.space_id).where(current(today or local_today()))


def counts_by_space(session, today: dt.date | None = None) -> dict[int, int]:
    """How many current offers each space makes, by its id (the map's markers, which count
    only active spaces' anyway: no join, a third of the time with 20,000 offers)."""
    return dict(session.execute(
        select(Offer.space_id, func.count()).where(current(today or local_today())).group_by(Offer.space_id)).all())


def published_since(session, since: dt.datetime, until: dt.datetime, today: dt.date, limit: int = 50) -> list[Offer]:
    """Offers the hub first saw in [since, until) that still hold on ``today`` (the digest)."""
    return list(session.scalars(
        select(Offer).join(Space, Offer.space_id == Space.id).options(contains_eager(Offer.space))
        .where(and_(Space.active.is_(True), current(today), Offer.first_seen_at >= since, Offer.first_seen_at < until))
        .order_by(Offer.first_seen_at.desc(), Offer.id).limit(limit)))
