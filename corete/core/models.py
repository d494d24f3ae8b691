"""Column types and helpers every room's models use."""
from __future__ import annotations

import datetime as dt
from itertools import islice

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from corete.extensions import db


MAX_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's largest


def parse_id(value) -> int | None:
    """A database id from text ("42"), or None for anything else, too large included
    (``str.isdigit`` accepts "²", which ``int`` refuses)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC. Pass the function, never its value, as a default."""
    return dt.datetime.now(dt.timezone.utc)


def insert_new(session, model, rows: list[dict], key: str) -> int:
    """INSERT the rows whose unique ``key`` column is not taken yet, in one statement that
    cannot race (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL); how many were new.
    Every row names the same columns."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__
    inserted = session.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=[key])
                               .returning(table.c[key]))
    return len(inserted.all())  # (rowcount is -1 on PostgreSQL when RETURNING is used)


def db_now(session) -> dt.datetime:
    """The database's clock, aware, in UTC: what leases and heartbeats written by several
    machines are measured with (their own clocks may disagree). SQLite is on one machine:
    its clock is this one."""
    if session.get_bind().dialect.name == "sqlite":
        return utcnow()
    return session.scalar(select(func.now())).astimezone(dt.timezone.utc)


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


class FeedItemRow:
    """Columns of a room's table that holds one row per feed item: which feed and space
    it came from, its id in the feed, when the hub first saw it and last changed it.
    core.handler.RowHandler writes rows of such tables."""

    @declared_attr
    def feed_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("federation_feed.id", ondelete="CASCADE"))

    @declared_attr
    def space_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("spaces_space.id", ondelete="CASCADE"), index=True)

    source_id: Mapped[str] = mapped_column(String(500))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def space(cls):
        return relationship("Space")

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("feed_id", "source_id"),)


IN_CHUNK = 500  # values per IN (...): well under every database's limit on parameters


def chunks(values, size: int = IN_CHUNK):
    """Lists of at most ``size`` of ``values``, for IN (...) lists and bulk inserts."""
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


class Generation(db.Model):
    """A counter per kind of shared state (the map's documents, the taxonomy): whoever
    changes that state counts it up in the same transaction, and every web worker, on
    every machine, drops its own copy when it sees a number it did not build from
    (core/shared.py)."""

    __tablename__ = "core_generation"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
