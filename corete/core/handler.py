"""A ready-made ItemHandler for rooms that keep one row per feed item."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import bindparam, delete, insert, update

from corete.core.handover import Item
from corete.core.models import utcnow


class RowHandler:
    """Adds, replaces and removes rows of ``model`` keyed by (feed_id, source_id).

    ``columns`` turns an item's data into the model's column values; it must return the
    same keys for every item (they are written in bulk).
    """

    def __init__(self, item_type: str, model, columns: Callable[[Any], dict]):
        self.item_type = item_type
        self.model = model
        self.columns = columns

    def add(self, session, feed_id: int, space_id: int, items: list[Item]) -> None:
        if not items:
            return
        now = utcnow()
        rows = []
        for item in items:
            values = self.columns(item.data)
            values.update(feed_id=feed_id, space_id=space_id, source_id=item.source_id,
                          first_seen_at=now, updated_at=now)
            rows.append(values)
        # Core statements on the table: the ORM's bulk path costs more than the rows.
        session.execute(insert(self.model.__table__), rows)
        self.added(session, feed_id, items)

    def replace(self, session, feed_id: int, space_id: int, items: list[Item]) -> None:
        if not items:
            return
        table = self.model.__table__
        now = utcnow()
        rows = []
        for item in items:
            values = self.columns(item.data)
            values.update(space_id=space_id, updated_at=now, match_feed_id=feed_id, match_source_id=item.source_id)
            rows.append(values)
        session.execute(
            update(table).where(table.c.feed_id == bindparam("match_feed_id"),
                                table.c.source_id == bindparam("match_source_id")),
            rows,
        )
        self.written(session, feed_id, items)

    def written(self, session, feed_id: int, items: list[Item]) -> None:
        """After these items' rows were added or replaced: what a room adds (an event's
        occurrences, a skill's coordinators' mappings, a resource's busy time)."""

    def added(self, session, feed_id: int, items: list[Item]) -> None:
        """After rows for new items were added: ``written``, unless a room knows a
        shorter way for rows nothing refers to yet."""
        self.written(session, feed_id, items)

    def remove(self, session, feed_id: int, source_ids: list[str]) -> None:
        if source_ids:
            m = self.model
            session.execute(
                delete(m).where(m.feed_id == feed_id, m.source_id.in_(source_ids)),
                execution_options={"synchronize_session": False},
            )
