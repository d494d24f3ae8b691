"""Column types and helpers every room's models use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.types import DateTime, TypeDecorator


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC. Pass the function, never its value, as a default."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An instant stored as naive UTC (SQLite keeps no offset) and read back aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)
