"""The hub as a WebSub publisher of its own feeds: discovery, a reader's subscription
confirmed by its callback before it counts, each new version sent signed, refusals, a
forged request that changes nothing, retries and the end of a lease; and the round trip
with a real scheduler: a member changes its feed, pings, and a reader subscribed to the
network's calendar is sent the new version within seconds."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import select

from corete.core.models import utcnow
from corete.push import publish
from corete.push.models import Subscriber
from corete.push.services import new_ping_key
from tests.conftest import make_space, poll
from tests.members import ping


def _rows(session) -> list[Subscriber]:
    session.expire_all()
    return list(session.scalars(select(Subscriber).order_by(Subscriber.id)))


def _run(app, session, now=None):
    said = publish.run(app, session, now=now)
    session.commit()
    return said


def _ask(base, topic, callback, mode="subscribe", **extra):
    form = {"hub.mode": mode, "hub.topic": topic, "hub.callback": callback, **extra}
    return requests.post(f"{base}/websub", data=form, timeout=5)


@pytest.fixture
def space(session, site):
    site.events = [("e1", "Assemblea di quartiere")]
    return make_space(session, site.url, name="Millepiani", city="Roma")


def test_the_hubs_feeds_name_its_hub(app, client, live_server, space):
    poll(app, space)
    for path in ("/calendar/upcoming.atom", "/calendar/new.atom?city=Roma", f"/spaces/{space.slug}/events.atom",
                 "/calls.atom", "/digest.atom"):
        response = requests.get(live_server + path, timeout=5)
        assert response.status_code == 200, path
        assert response.links["hub"]["url"] == f"{live_server}/websub", path
        assert response.links["self"]["url"] == live_server + path
        assert f'<link rel="hub" href="{live_server}/websub" />' in response.text, path
    app.config["PUBLIC_URL"] = None
    response = client.get("/calendar/upcoming.atom")
    assert "Link" not in response.headers and b'rel="hub"' not in response.data


def test_a_reader_subscribes_confirms_and_is_sent_each_new_version_signed(app, session, site, space, live_server,
                                                                          reader):
    poll(app, space)
    cb = reader()
    topic = f"{live_server}/calendar/upcoming.atom"
    answer = _ask(live_server, topic, cb.callback, **{"hub.secret": "il-segreto", "hub.lease_seconds": "3600"})
    assert answer.status_code == 202
    assert cb.verifications == []  # a web request never calls out: the scheduler does
    assert _run(app, session).startswith("WebSub hub: 1 verified")
    [asked] = cb.verifications
    assert asked["hub.mode"] == "subscribe" and asked["hub.topic"] == topic and asked["hub.lease_seconds"] == "3600"
    [row] = _rows(session)
    assert row.active and row.secret == "il-segreto" and row.pending_mode is None
    assert (row.lease_until - utcnow()).total_seconds() == pytest.approx(3600, abs=30)
    assert _run(app, session) is None and cb.notifications == []  # nothing changed since it subscribed

    site.events.append(("e2", "Cena sociale della Garbatella"))
    poll(app, space)
    assert "1 delivered" in _run(app, session)
    [sent] = cb.notifications
    assert b"Cena sociale della Garbatella" in sent["body"]
    assert sent["headers"]["Content-Type"].startswith("application/atom+xml")
    expected = "sha256=" + hmac.new(b"il-segreto", sent["body"], hashlib.sha256).hexdigest()
    assert sent["headers"]["X-Hub-Signature"] == expected
    assert f'<{topic}>; rel="self"' in sent["headers"]["Link"] and "/websub>; rel=\"hub\"" in sent["headers"]["Link"]
    assert _run(app, session) is None and len(cb.notifications) == 1  # once per version

    assert _ask(live_server, topic, cb.callback, mode="unsubscribe").status_code == 202
    assert "1 verified" in _run(app, session) and cb.verifications[-1]["hub.mode"] == "unsubscribe"
    assert _rows(session) == []


@pytest.mark.parametrize("form, says", [
    ({"hub.mode": "publish"}, "hub.mode"),
    ({"hub.topic": "http://elsewhere.example/calendar/upcoming.atom"}, "hub.topic"),
    ({"hub.topic": "{base}/map"}, "hub.topic"),
    ({"hub.topic": "{base}/nothing-here.atom"}, "hub.topic"),
    ({"hub.callback": "javascript:alert(1)"}, "hub.callback"),
    ({"hub.callback": "ftp://127.0.0.1/x"}, "hub.callback"),
    ({"hub.secret": "x" * 200}, "hub.secret"),
    ({"hub.lease_seconds": "-5"}, "hub.lease_seconds"),
    ({"hub.lease_seconds": "9" * 30}, "hub.lease_seconds"),
])
def test_bad_requests_are_refused_with_a_reason(app, session, live_server, form, says):
    base = {"hub.mode": "subscribe", "hub.topic": f"{live_server}/calendar/upcoming.atom",
            "hub.callback": "http://127.0.0.1:9/callback"}
    base.update({k: v.format(base=live_server) for k, v in form.items()})
    answer = requests.post(f"{live_server}/websub", data=base, timeout=5)
    assert answer.status_code == 400 and says in answer.text
    assert _rows(session) == []


def test_refusals_are_said_in_italian(app, live_server):
    answer = requests.post(f"{live_server}/websub", data={"hub.mode": "x"}, headers={"Accept-Language": "it"}, timeout=5)
    assert answer.status_code == 400 and "deve essere" in answer.text


def test_a_request_the_callback_does_not_confirm_changes_nothing(app, session, live_server, reader):
    good, liar = reader(), reader(confirm=False)
    topic = f"{live_server}/calendar/upcoming.atom"
    _ask(live_server, topic, liar.callback)
    assert "1 not confirmed" in _run(app, session) and _rows(session) == []
    _ask(live_server, topic, good.callback, **{"hub.secret": "first"})
    _run(app, session)
    good.confirm = False  # a forged request in the callback's name, with another secret
    _ask(live_server, topic, good.callback, **{"hub.secret": "forged"})
    assert "1 not confirmed" in _run(app, session)
    [row] = _rows(session)
    assert row.active and row.secret == "first" and row.pending_mode is None
    _ask(live_server, topic, good.callback, mode="unsubscribe")  # nor can one end it
    _run(app, session)
    assert _rows(session)[0].active


def test_a_callback_on_a_private_address_is_never_reached(app, session, live_server):
    _ask(live_server, f"{live_server}/calls.atom", "http://10.20.30.40/callback")
    started = time.monotonic()
    assert "1 not confirmed" in _run(app, session)
    assert time.monotonic() - started < 2 and _rows(session) == []


def test_failed_deliveries_are_retried_and_a_lease_ends(app, session, site, space, live_server, reader):
    poll(app, space)
    cb = reader()
    topic = f"{live_server}/spaces/{space.slug}/events.atom"
    _ask(live_server, topic, cb.callback, **{"hub.lease_seconds": "600"})
    _run(app, session)
    cb.status = 500
    site.events.append(("e2", "Cena"))
    poll(app, space)
    assert "1 deliveries failed" in _run(app, session)
    row = _rows(session)[0]
    assert row.attempts == 1 and "HTTP 500" in row.last_error
    assert _run(app, session) is None  # not before its time
    cb.status = 202
    assert "1 delivered" in _run(app, session, now=row.next_attempt_at + dt.timedelta(seconds=1))
    assert len(cb.notifications) == 2 and _rows(session)[0].attempts == 0
    assert "1 ended" in _run(app, session, now=utcnow() + dt.timedelta(seconds=601))
    assert _rows(session) == []


def test_slow_callbacks_cannot_keep_a_run_past_its_time_and_the_next_run_sends_the_rest(
        app, session, site, space, live_server, reader):
    """A run starts no request once OUTBOUND_SECONDS_PER_RUN is spent, so it ends inside its
    job's lease whatever the callbacks do; what it did not send is sent by the next."""
    poll(app, space)
    topic = f"{live_server}/calendar/upcoming.atom"
    readers = [reader() for _ in range(3)]
    for r in readers:
        _ask(live_server, topic, r.callback)
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 0
    said = _run(app, session)
    assert "0 verified" in said and "3 left for the next run" in said
    assert [r.verifications for r in readers] == [[], [], []] and not any(row.active for row in _rows(session))
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
    assert _run(app, session).startswith("WebSub hub: 3 verified")

    for r in readers:
        r.delay = 0.6
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 1.0
    site.events.append(("e2", "Cena sociale della Garbatella"))
    poll(app, space)
    started = time.monotonic()
    said = _run(app, session)
    took = time.monotonic() - started
    sent = sum(len(r.notifications) for r in readers)
    assert 1 <= sent <= 2 and f"{sent} delivered" in said and f"{3 - sent} left for the next run" in said
    assert took < 1.0 + 0.6 + 2.0, took  # the time, one slow answer, the rest of the run, a loaded machine
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
    assert f"{3 - sent} delivered" in _run(app, session)
    assert [len(r.notifications) for r in readers] == [1, 1, 1]


def test_a_member_pings_and_a_subscribed_reader_hears_of_it_in_seconds(app, session, site, space, live_server,
                                                                       reader, scheduler):
    app.config["PUSH_MIN_SECONDS"] = 1
    poll(app, space)
    feed = space.feeds[0]
    secret = new_ping_key(session, feed).secret
    session.commit()
    cb = reader()
    topic = f"{live_server}/calendar/upcoming.atom?city={quote('Roma')}"
    _ask(live_server, topic, cb.callback)
    _run(app, session)
    assert _rows(session)[0].active
    scheduler()
    site.events.append(("e2", "Cena sociale della Garbatella"))
    started = time.monotonic()
    ping(live_server, feed.id, secret).raise_for_status()
    while not cb.notifications:
        assert time.monotonic() - started < 15
        time.sleep(0.1)
    elapsed = cb.notifications[0]["at"] - started
    print(f"member pinged, hub polled, reader notified in {elapsed:.1f} s")
    assert b"Cena sociale della Garbatella" in cb.notifications[0]["body"]
    assert elapsed < 10
