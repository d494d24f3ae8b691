"""`corete poll --due` asks federation/due.py before building the app: it must agree with
claim_feeds on every state a feed can be in, on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, update

from corete.core.models import utcnow
from corete.federation.due import anything_due
from corete.federation.jobs import claim_feeds
from corete.federation.models import Feed
from corete.spaces.models import Space
from tests.conftest import make_space

STATES = {  # the feed's columns (instants from now), its space's active flag, and whether it is due
    "due": ({"next_poll_at": -60}, True, True),
    "not yet": ({"next_poll_at": 300}, True, False),
    "leased by another poller": ({"next_poll_at": -60, "lease_owner": "other", "lease_until": 600}, True, False),
    "lease ran out": ({"next_poll_at": -60, "lease_owner": "dead", "lease_until": -1}, True, True),
    "space removed": ({"next_poll_at": -60}, False, False),
    "feed gone": ({"next_poll_at": -60, "state": "gone"}, True, False),
    "due within the second": ({"next_poll_at": -0.000001}, True, True),
}


@pytest.mark.parametrize("state", STATES)
def test_the_quick_question_and_the_claim_agree(app, session, state):
    columns, space_active, due = STATES[state]
    now = utcnow()
    columns = {k: now + dt.timedelta(seconds=v) if k in ("next_poll_at", "lease_until") else v
               for k, v in columns.items()}
    space = make_space(session, "https://lab121.example/feed.json", name="Lab121")
    session.execute(update(Feed).values(**columns))
    session.execute(update(Space).where(Space.id == space.id).values(active=space_active))
    session.commit()
    assert anything_due(app.config["SQLALCHEMY_DATABASE_URI"], now) is due
    claimed = claim_feeds(session, "me", {**app.config, "POLL_BATCH": 10})
    assert bool(claimed) is due


def test_nothing_at_all_is_nothing_due_and_an_unknown_address_is_maybe(app, session):
    session.execute(delete(Feed))
    session.commit()
    assert anything_due(app.config["SQLALCHEMY_DATABASE_URI"]) is False
    assert anything_due("mysql://x@127.0.0.1/none") is True
    assert anything_due("sqlite:////no/such/folder/hub.sqlite3") is True  # the app will say what is wrong
