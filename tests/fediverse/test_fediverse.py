"""The calendars on the fediverse, against another server written with bovine (an
independent ActivityPub library from PyPI) on localhost: WebFinger, the actor and its key,
the outbox of Event objects; a Follow accepted; an event published, changed and cancelled
arriving as Create, Update and Delete, each signed so that bovine's checker verifies it;
and requests whose signature is missing, wrong or someone else's refused."""
from __future__ import annotations

import datetime as dt
import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests
from sqlalchemy import select

from corete.fediverse import services
from corete.fediverse.models import Delivery, Follower
from tests.conftest import make_space, poll
from tests.fediverse.remote import RemoteServer
from tests.members import ping, serve


@pytest.fixture
def remote():
    server = RemoteServer()
    yield server
    server.close()


@pytest.fixture
def space(session, site):
    site.events = [("e1", "Assemblea di quartiere")]
    return make_space(session, site.url, name="Millepiani", city="Roma")


def _run(app, session):
    said = services.run(session, app.config)
    session.commit()
    return said


def _follow(remote, hub, name="calendar"):
    actor = f"{hub}/ap/actors/{name}"
    return remote.post(actor + "/inbox", {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
                                          "id": f"{remote.actor}/follows/1", "actor": remote.actor, "object": actor})


def test_webfinger_actor_outbox_and_event_objects(app, session, space, live_server):
    poll(app, space)
    host = live_server.removeprefix("http://")
    finger = requests.get(f"{live_server}/.well-known/webfinger", params={"resource": f"acct:calendar@{host}"}, timeout=5)
    assert finger.status_code == 200 and finger.headers["Content-Type"].startswith("application/jrd+json")
    [self_link] = [link for link in finger.json()["links"] if link["rel"] == "self"]
    actor = requests.get(self_link["href"], headers={"Accept": "application/activity+json"}, timeout=5).json()
    assert actor["type"] == "Service" and actor["preferredUsername"] == "calendar"
    assert actor["publicKey"]["owner"] == actor["id"] and "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    space_actor = requests.get(f"{live_server}/ap/actors/{space.slug}", timeout=5).json()
    assert space_actor["type"] == "Group" and space_actor["name"] == "Millepiani"
    outbox = requests.get(actor["outbox"], timeout=5).json()
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    page = requests.get(outbox["first"], timeout=5).json()
    [create] = page["orderedItems"]
    event = create["object"]
    assert create["type"] == "Create" and event["type"] == "Event" and event["name"] == "Assemblea di quartiere"
    assert event["startTime"].endswith("Z") and event["ical:status"] == "CONFIRMED" and event["timezone"]
    assert requests.get(event["id"], timeout=5).json()["name"] == "Assemblea di quartiere"
    for missing in (f"acct:nobody@{host}", "acct:calendar@elsewhere.example", "calendar"):
        assert requests.get(f"{live_server}/.well-known/webfinger", params={"resource": missing},
                            timeout=5).status_code == 404
    assert requests.get(f"{live_server}/ap/actors/nobody", timeout=5).status_code == 404


def test_a_follow_is_accepted_and_events_arrive_created_updated_and_deleted(app, session, site, space, live_server,
                                                                           remote):
    poll(app, space)
    _run(app, session)  # what exists before anyone follows is in the outbox, not sent
    assert _follow(remote, live_server) == 202
    [follower] = session.scalars(select(Follower)).all()
    assert follower.follower == remote.actor and follower.inbox == remote.inbox
    assert "1 delivered" in _run(app, session)
    [accept] = remote.wait("Accept")
    assert accept["signer"] == f"{live_server}/ap/actors/calendar"  # bovine verified the hub's signature
    assert accept["activity"]["object"]["type"] == "Follow"

    site.events.append(("e2", "Cena sociale della Garbatella"))
    poll(app, space)
    assert "1 Create" in _run(app, session)
    [create] = remote.wait("Create")
    assert create["signer"] == f"{live_server}/ap/actors/calendar"
    assert create["activity"]["object"]["name"] == "Cena sociale della Garbatella"

    site.events[1] = ("e2", "Cena sociale della Garbatella, con musica")
    poll(app, space)
    assert "1 Update" in _run(app, session)
    [update] = remote.wait("Update")
    assert update["signer"] and update["activity"]["object"]["name"].endswith("con musica")

    site.cancelled.add("e2")  # the member cancels it
    poll(app, space)
    assert "1 Delete" in _run(app, session)
    [deleted] = remote.wait("Delete")
    assert deleted["signer"] and deleted["activity"]["object"]["type"] == "Tombstone"
    assert deleted["activity"]["object"]["id"] == update["activity"]["object"]["id"]

    from corete.events.models import Event

    first = session.scalar(select(Event.id).where(Event.title == "Assemblea di quartiere"))
    site.events = site.events[1:]  # and removes the first one from its feed
    poll(app, space)
    assert "1 Delete" in _run(app, session)
    second = remote.wait("Delete", 2)[1]
    assert second["signer"] and second["activity"]["object"]["id"] == f"{live_server}/ap/events/{first}"
    assert _run(app, session) is None  # nothing more to say
    assert all(r["signer"] for r in remote.received)


def test_unsigned_forged_and_tampered_requests_are_refused(app, session, space, live_server, remote):
    other_public, other_private = __import__("bovine.crypto", fromlist=["x"]).generate_rsa_public_private_key()
    inbox = f"{live_server}/ap/actors/calendar/inbox"
    follow = {"type": "Follow", "id": f"{remote.actor}/f", "actor": remote.actor,
              "object": f"{live_server}/ap/actors/calendar"}
    assert requests.post(inbox, json=follow, timeout=5).status_code == 401  # no signature
    assert remote.post(inbox, follow, private_pem=other_private) == 401  # another key than the one named
    assert remote.post(inbox, follow, tamper=True) == 401  # the body changed after signing
    assert remote.post(inbox, {**follow, "actor": "http://127.0.0.1:9/someone-else"}) == 401  # not the signer's
    assert remote.post(inbox, follow, key_id="http://10.20.30.40/actor#main-key") == 401  # a key on a private address
    assert remote.post(inbox, "[" * 200_000 + "]" * 200_000) == 422  # signed, but nested beyond reason: core/edge.py
    assert session.scalars(select(Follower)).all() == []
    assert _follow(remote, live_server, "nobody") == 404
    assert _follow(remote, live_server) == 202  # and the real one is taken


def test_deliveries_are_retried_and_undo_ends_a_follow(app, session, space, live_server, remote):
    assert _follow(remote, live_server) == 202
    session.execute(Delivery.__table__.update().values(inbox="http://127.0.0.1:9/closed"))
    session.commit()
    assert "1 failed" in _run(app, session)
    row = session.scalars(select(Delivery)).one()
    assert row.attempts == 1 and row.next_attempt_at > row.created_at + dt.timedelta(seconds=60)
    assert _run(app, session) is None  # not before its time
    undo = {"type": "Undo", "id": f"{remote.actor}/undo/1", "actor": remote.actor,
            "object": {"type": "Follow", "actor": remote.actor, "object": f"{live_server}/ap/actors/calendar"}}
    assert remote.post(f"{live_server}/ap/actors/calendar/inbox", undo) == 202
    session.expire_all()
    assert session.scalars(select(Follower)).all() == []


def test_a_slow_inbox_cannot_keep_a_run_past_its_time_and_the_next_run_sends_the_rest(app, session, space,
                                                                                      live_server):
    """A run starts no delivery once OUTBOUND_SECONDS_PER_RUN is spent (so it ends inside
    the job's lease, and no second scheduler delivers the same rows meanwhile)."""
    received = []

    class SlowInbox(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(0.6)
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server, base = serve(SlowInbox)
    try:
        session.add_all(Delivery(actor_name="calendar", inbox=f"{base}/inbox", kind="Create",
                                 activity=f'{{"type": "Create", "id": "{live_server}/ap/test/{n}"}}') for n in range(3))
        services.key_of(session, "calendar")  # made before: its making is not sending time
        session.commit()
        app.config["OUTBOUND_SECONDS_PER_RUN"] = 1.0
        started = time.monotonic()
        said = _run(app, session)
        took = time.monotonic() - started
        assert 1 <= len(received) <= 2, said
        assert f"{len(received)} delivered, 0 failed, {3 - len(received)} left for the next run" in said
        assert took < 1.0 + 0.6 + 2.0, took  # the time, one slow answer, the rest of the run, a loaded machine
        app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
        assert f"{3 - len(received)} delivered, 0 failed" in _run(app, session)
        assert len(received) == 3 and session.scalars(select(Delivery)).all() == []
    finally:
        server.shutdown()
        server.server_close()


def test_a_member_pings_and_a_follower_hears_of_it_in_seconds(app, session, site, space, live_server, remote,
                                                              scheduler):
    from corete.push.services import new_ping_key

    app.config["PUSH_MIN_SECONDS"] = 1
    poll(app, space)
    _run(app, session)
    assert _follow(remote, live_server) == 202
    _run(app, session)
    remote.wait("Accept")
    feed = space.feeds[0]
    secret = new_ping_key(session, feed).secret
    session.commit()
    scheduler()
    site.events.append(("e2", "Cena sociale della Garbatella"))
    started = time.monotonic()
    ping(live_server, feed.id, secret).raise_for_status()
    [create] = remote.wait("Create", timeout=15)
    elapsed = time.monotonic() - started
    print(f"member pinged, hub polled, follower told in {elapsed:.1f} s")
    assert create["signer"] and create["activity"]["object"]["name"] == "Cena sociale della Garbatella"
    assert elapsed < 10
