"""Copies every web worker keeps of shared state, dropped everywhere when it changes.

A worker keeps the map's built documents and the parsed taxonomy in memory. Whoever
changes what they come from (a coordinator moderating a proposal in another worker,
`corete skills remap` on another machine) counts up that state's generation in the
database, in the same transaction as the change. Before a request, each worker reads the
generations, at most once every SHARED_STATE_CHECK_SECONDS, and drops the copies whose
generation moved: no restart, no message bus, and it works the same on SQLite, on
PostgreSQL, with one process or many machines.

    shared.bump(session, "map")                 # beside the change, before the commit
    shared.on_change("map", drop_documents)     # a room, once: drop_documents(app)
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from flask import Flask, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from corete.core.models import Generation
from corete.extensions import db

log = logging.getLogger(__name__)
NAMES = ("map", "taxonomy", "calendar")  # rows: the migration that made the table (or the first bump)
_WATCHERS: dict[str, list[Callable[[Flask], None]]] = {name: [] for name in NAMES}


class _Seen:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.checked = float("-inf")
        self.lock = threading.Lock()


def on_change(name: str, drop: Callable[[Flask], None]) -> None:
    """Call ``drop(app)`` in every worker when ``name``'s generation moves."""
    if drop not in _WATCHERS[name]:
        _WATCHERS[name].append(drop)


def bump(session, name: str) -> None:
    """Count ``name`` up (flushed with the caller's transaction, never committed here)."""
    if name not in NAMES:
        raise ValueError(f"unknown shared state {name!r}")
    count_up = update(Generation).where(Generation.name == name).values(value=Generation.value + 1)
    if session.execute(count_up).rowcount:
        return
    try:  # the row the migration wrote is gone: the first to count makes it again
        with session.begin_nested():
            session.add(Generation(name=name, value=1))
    except IntegrityError:
        session.execute(count_up)


def refresh() -> None:
    """Before a request: drop this worker's copies whose generation moved. Probes
    (/healthz...) and static files never wait on the database for it."""
    if request.blueprint == "ops" or request.endpoint in (None, "static") or \
            (request.endpoint or "").endswith(".static"):
        return
    app = current_app._get_current_object()
    seen: _Seen = app.extensions.setdefault("corete_shared", _Seen())
    now = time.monotonic()
    if now - seen.checked < float(app.config["SHARED_STATE_CHECK_SECONDS"]):
        return
    with seen.lock:
        if now - seen.checked < float(app.config["SHARED_STATE_CHECK_SECONDS"]):
            return  # another thread of this worker has just looked
        first, moved = seen.checked == float("-inf"), []
        seen.checked = now
        try:
            rows = db.session.execute(select(Generation.name, Generation.value)).all()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("the shared generations could not be read; kept copies stay until the next look",
                        exc_info=True)
            return
        for name, value in rows:
            if not first and seen.values.get(name, 0) != value:  # a missing row is 0
                moved.append(name)
            seen.values[name] = value
    for name in moved:
        for drop in _WATCHERS.get(name, ()):
            drop(app)
