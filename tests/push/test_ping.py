"""A member's "read me now": the operator makes a ping secret in the editor, the member's
site signs a POST with it, and the hub moves the feed's next poll forward (and only that).
The last test is the whole round trip with a real scheduler process: a member publishes,
pings, and the calendar shows it within seconds."""
from __future__ import annotations

import datetime as dt
import html
import time

import pytest
from sqlalchemy import func, select

from corete.core.models import utcnow
from corete.extensions import db
from corete.federation.models import Feed
from corete.push.models import PingKey
from corete.push.services import signature
from tests.conftest import login, make_space, poll
from tests.members import ping, seconds_until_listed


@pytest.fixture
def space(session, site):
    return make_space(session, site.url, name="Millepiani", city="Roma")


def _key(session, feed) -> str:
    from corete.push.services import new_ping_key

    secret = new_ping_key(session, feed).secret
    session.commit()
    return secret


def _ping(client, feed_id, secret, *, ts=None, sig=None, **kw):
    ts = str(int(time.time())) if ts is None else ts
    headers = {"X-CoRete-Timestamp": ts, "X-CoRete-Signature": sig or signature(secret, ts, feed_id)}
    headers.update(kw.pop("headers", {}))
    return client.post(f"/api/v1/feeds/{feed_id}/ping", headers=headers, **kw)


def test_a_signed_ping_moves_the_next_poll_to_now(app, client, session, space):
    feed = space.feeds[0]
    secret = _key(session, feed)
    feed.last_polled_at = utcnow() - dt.timedelta(minutes=5)
    feed.next_poll_at = utcnow() + dt.timedelta(minutes=10)
    session.commit()
    before = utcnow()
    response = _ping(client, feed.id, secret)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["feed"] == feed.id
    session.expire_all()
    assert before <= feed.next_poll_at <= utcnow()
    key = session.get(PingKey, feed.id)
    assert key.pings == 1 and key.last_ping_at is not None and key.refused == 0


def test_a_ping_right_after_a_poll_waits_for_the_minute_and_never_delays(app, client, session, space):
    feed = space.feeds[0]
    secret = _key(session, feed)
    polled = utcnow() - dt.timedelta(seconds=10)
    feed.last_polled_at, feed.next_poll_at = polled, polled + dt.timedelta(minutes=15)
    session.commit()
    assert _ping(client, feed.id, secret).status_code == 202
    session.expire_all()
    assert feed.next_poll_at == polled + dt.timedelta(seconds=app.config["PUSH_MIN_SECONDS"])
    soon = utcnow() - dt.timedelta(seconds=1)  # already due: a ping does not put it off
    feed.next_poll_at = soon
    session.commit()
    assert _ping(client, feed.id, secret).status_code == 202
    session.expire_all()
    assert feed.next_poll_at == soon


@pytest.mark.parametrize("case", ["wrong secret", "old", "future", "no headers", "not a number", "other feed"])
def test_a_ping_not_signed_right_is_refused_and_counted(app, client, session, space, case):
    feed = space.feeds[0]
    secret = _key(session, feed)
    due = utcnow() + dt.timedelta(minutes=10)
    feed.next_poll_at = due
    session.commit()
    now = int(time.time())
    kwargs = {"wrong secret": {"sig": signature("not-the-secret", str(now), feed.id)},
              "old": {"ts": str(now - 600)}, "future": {"ts": str(now + 600)},
              "no headers": {"ts": "", "sig": "-"}, "not a number": {"ts": "1e9"},
              "other feed": {"sig": signature(secret, str(now), feed.id + 1)}}[case]
    response = _ping(client, feed.id, secret, **kwargs)
    assert response.status_code == 401
    errors = response.get_json()["errors"]
    assert "timestamp" in errors or "signature" in errors
    session.expire_all()
    assert feed.next_poll_at == due
    assert session.get(PingKey, feed.id).refused == (1 if case in ("wrong secret", "other feed") else 0)


def test_refusals_are_said_in_italian(client, session, space):
    feed = space.feeds[0]
    secret = _key(session, feed)
    response = _ping(client, feed.id, secret, sig="sha256=00", headers={"Accept-Language": "it"})
    assert response.status_code == 401
    assert "non corrisponde" in response.get_json()["errors"]["signature"][0]


def test_no_key_unknown_feed_paused_feed(client, session, space):
    feed = space.feeds[0]
    assert _ping(client, feed.id, "anything").status_code == 404  # no secret made yet
    assert _ping(client, 999_999, "anything").status_code == 404
    secret = _key(session, feed)
    feed.state = "paused"
    session.commit()
    response = _ping(client, feed.id, secret)
    assert response.status_code == 409 and "feed" in response.get_json()["errors"]


def test_pings_are_rate_limited_per_address(app, client, session, space):
    app.config["PING_RATE_LIMIT"] = "3 per minute"
    feed = space.feeds[0]
    secret = _key(session, feed)
    statuses = [_ping(client, feed.id, secret).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_the_operator_makes_and_replaces_the_secret_in_the_editor(app, session, space, tmp_path):
    feed = space.feeds[0]
    other = make_space(session, "http://127.0.0.1:9/other.json", name="Lab121")
    operator, token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                            spaces=[space.slug])
    english = {"Accept-Language": "en"}
    page = operator.get(f"/spaces/{space.slug}/edit", headers=english).get_data(as_text=True)
    assert "Make a ping secret" in page and f"/api/v1/feeds/{feed.id}/ping" not in page
    made = operator.post(f"/spaces/{space.slug}/edit/feeds/{feed.id}/ping-key", data={"csrf_token": token})
    assert made.status_code == 302
    first = session.get(PingKey, feed.id).secret
    page = html.unescape(operator.get(f"/spaces/{space.slug}/edit", headers=english).get_data(as_text=True))
    assert first in page and f"/api/v1/feeds/{feed.id}/ping" in page and f"printf '%s.%s' \"$ts\" {feed.id}" in page
    assert operator.post(f"/spaces/{space.slug}/edit/feeds/{feed.id}/ping-key",
                         data={"csrf_token": token}).status_code == 302
    session.expire_all()
    second = session.get(PingKey, feed.id).secret
    assert second != first
    client = app.test_client()
    assert _ping(client, feed.id, first).status_code == 401  # the old secret stops working at once
    assert _ping(client, feed.id, second).status_code == 202
    # Not without the form's token, not for another space's feed, not for another space.
    assert operator.post(f"/spaces/{space.slug}/edit/feeds/{feed.id}/ping-key").status_code == 400
    assert operator.post(f"/spaces/{space.slug}/edit/feeds/{other.feeds[0].id}/ping-key",
                         data={"csrf_token": token}).status_code == 404
    assert operator.post(f"/spaces/{other.slug}/edit/feeds/{other.feeds[0].id}/ping-key",
                         data={"csrf_token": token}).status_code == 403
    italian = html.unescape(operator.get(f"/spaces/{space.slug}/edit").get_data(as_text=True))
    assert "Avvisa subito l'hub" in italian and "Crea un nuovo segreto per gli avvisi" in italian


def test_a_member_publishes_pings_and_the_calendar_shows_it_in_seconds(app, session, site, space, live_server,
                                                                         scheduler):
    """A real `corete scheduler` (looking every second) and the hub served over HTTP."""
    app.config["PUSH_MIN_SECONDS"] = 1  # the feed was read a moment ago, by the first poll below
    site.events = [("e1", "Assemblea di quartiere")]
    poll(app, space)
    feed_id = space.feeds[0].id
    secret = _key(session, space.feeds[0])
    scheduler()
    gets_before = site.gets
    site.events.append(("e2", "Cena sociale della Garbatella"))
    started = time.monotonic()
    answer = ping(live_server, feed_id, secret)
    assert answer.status_code == 202, answer.text
    elapsed = seconds_until_listed(live_server, "Cena sociale della Garbatella", started)
    print(f"published, pinged, on the calendar in {elapsed:.1f} s")
    assert elapsed < 10
    assert site.gets == gets_before + 1  # one poll for one ping


def test_the_console_says_whether_a_feed_pings(app, session, space, tmp_path):
    coordinator, _token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    feed = space.feeds[0]
    english = {"Accept-Language": "en"}
    page = coordinator.get(f"/console/feeds/{feed.id}", headers=english).get_data(as_text=True)
    assert "does not ping the hub" in page
    _key(session, feed)
    _ping(app.test_client(), feed.id, "wrong")
    page = html.unescape(coordinator.get(f"/console/feeds/{feed.id}", headers=english).get_data(as_text=True))
    assert "Pings from the member's site: 0" in page and "1 refused" in page


def test_deleting_a_space_deletes_its_ping_keys(session, space):
    feed = space.feeds[0]
    _key(session, feed)
    session.delete(db.session.get(Feed, feed.id))
    session.commit()
    session.expunge_all()
    assert session.scalar(select(func.count()).select_from(PingKey)) == 0
