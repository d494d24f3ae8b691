"""A ready-made ItemHandler for rooms that keep one row per feed item."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import delete, insert, select, update

from corete.core.handover import Item
from corete.core.models import utcnow


class RowHandler:
    """Upserts and removes rows of ``model`` keyed by (feed_id, source_id).

    ``columns`` turns an item's data into the model's column values; it must return the
    same keys for every item (they are written in bulk).
    """

    def __init__(self, item_type: str, model, columns: Callable[[Any], dict]):
        self.item_type = item_type
        self.model = model
        self.columns = columns

    def upsert(self, session, feed_id: int, space_id: int, items: list[Item]) -> None:
        if not items:
            return
        m = self.model
        existing = dict(
            session.execute(
                select(m.source_id, m.id).where(
                    m.feed_id == feed_id, m.source_id.in_([i.source_id for i in items])
                )
            ).all()
        )
        now = utcnow()
        inserts, updates = [], []
        for item in items:
            values = self.columns(item.data)
            values["updated_at"] = now
            values["space_id"] = space_id
            row_id = existing.get(item.source_id)
            if row_id is None:
                values.update(feed_id=feed_id, source_id=item.source_id, first_seen_at=now)
                inserts.append(values)
            else:
                values["id"] = row_id
                updates.append(values)
        # Core statements on the table: the ORM's bulk path costs more than the rows.
        if inserts:
            session.execute(insert(m.__table__), inserts)
        if updates:
            session.execute(update(m), updates)

    def remove(self, session, feed_id: int, source_ids: list[str]) -> None:
        if source_ids:
            m = self.model
            session.execute(
                delete(m).where(m.feed_id == feed_id, m.source_id.in_(source_ids)),
                execution_options={"synchronize_session": False},
            )
