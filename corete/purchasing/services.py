"""Needs: receiving them from the federation and listing them."""
from __future__ import annotations

from sqlalchemy import select

from corete.core.handler import RowHandler
from corete.core.handover import NeedData
from corete.purchasing.models import Need
from corete.spaces.models import Space


def need_columns(data: NeedData) -> dict:
    price = data.max_unit_price or {}
    return dict(
        item=data.item,
        kind=data.kind,
        category=data.category,
        sku=data.sku,
        quantity=data.quantity,
        unit=data.unit,
        tolerance=data.tolerance,
        need_by=data.need_by,
        max_unit_price_amount=price.get("amount"),
        max_unit_price_currency=price.get("currency"),
        description_html=data.description_html,
        url=data.url,
        tags=data.tags,
    )


handler = RowHandler("need", Need, need_columns)


def search_needs(*, space=None, category=None, kind=None):
    stmt = select(Need).join(Space, Need.space_id == Space.id).where(Space.active.is_(True))
    if space:
        stmt = stmt.where(Space.slug == space)
    if category:
        stmt = stmt.where(Need.category.ilike(category))
    if kind:
        stmt = stmt.where(Need.kind == kind)
    return stmt.order_by(Need.need_by.is_(None), Need.need_by, Need.id)
