"""Whether any feed is due, asked with the database's own driver: no SQLAlchemy, no app.

`corete poll --due`, run from cron every minute, usually finds nothing to do; building
the app (Flask-SQLAlchemy, the ORM, every model) costs more than half a second, so it
asks this one query first. The condition is claim_feeds' own (jobs.py), written once more
in SQL: a test checks that the two agree on every state a feed can be in. It uses this
machine's clock where claim_feeds uses the database's: a feed that clock skew hides from
it is polled by the next run. Whatever it cannot answer (another driver, an address with
options, an error) counts as "maybe": the app is built and decides.
"""
from __future__ import annotations

import datetime as dt

CONDITION = (
    "FROM federation_feed JOIN spaces_space ON spaces_space.id = federation_feed.space_id "
    "WHERE federation_feed.state = 'active' AND spaces_space.active = {true} "
    "AND (federation_feed.lease_until IS NULL OR federation_feed.lease_until < {now}) "
    "AND federation_feed.next_poll_at <= {now}"
)


def anything_due(database_uri: str, now: dt.datetime | None = None) -> bool:
    """False only when the database says no feed can be claimed now."""
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    scheme, _, rest = database_uri.partition("://")
    try:
        if scheme == "sqlite" and rest.startswith("/") and len(rest) > 1 and "?" not in rest:
            return _sqlite(rest[1:], now)
        if scheme in ("postgresql", "postgresql+psycopg"):
            return _postgresql("postgresql://" + rest, now)
    except Exception:  # noqa: BLE001 - no answer is "maybe": the app will say what is wrong
        return True
    return True


def _sqlite(path: str, now: dt.datetime) -> bool:
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # never creates the file
    try:
        # Instants are stored as SQLAlchemy writes them: fixed-width text that sorts as time.
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        query = "SELECT 1 " + CONDITION.format(true="1", now="?") + " LIMIT 1"
        return connection.execute(query, (stamp, stamp)).fetchone() is not None
    finally:
        connection.close()


def _postgresql(conninfo: str, now: dt.datetime) -> bool:
    import psycopg

    with psycopg.connect(conninfo, connect_timeout=10) as connection:
        query = "SELECT 1 " + CONDITION.format(true="true", now="%(now)s") + " LIMIT 1"
        return connection.execute(query, {"now": now}).fetchone() is not None
