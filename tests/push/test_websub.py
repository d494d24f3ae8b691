"""The hub as a WebSub subscriber, against a hub that follows the specification, on
127.0.0.1: discovery in the three places a feed names its hub, subscribing with a secret,
the verification of intent, a signed notification that gets the feed read in seconds by a
real scheduler, wrong signatures ignored and counted, renewal, unsubscribing, denial, the
fallback polling interval, and the fetcher's guard on a hub's address."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from sqlalchemy import select

from corete.core.models import utcnow
from corete.federation.models import Feed
from corete.push import websub
from corete.push.models import WebSubSubscription
from tests.conftest import make_space, poll
from tests.members import seconds_until_listed


@pytest.fixture
def space(session, site):
    return make_space(session, site.url, name="Millepiani", city="Roma")


def _feed(session, space) -> Feed:
    session.expire_all()
    return session.get(Feed, space.feeds[0].id)


def _subs(session) -> list[WebSubSubscription]:
    session.expire_all()
    return list(session.scalars(select(WebSubSubscription).order_by(WebSubSubscription.id)))


def _run(app, session) -> str | None:
    said = websub.run(session, app.config)
    session.commit()
    return said


def _wait(session, condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)
        session.expire_all()


@pytest.mark.parametrize("style", ["json", "atom", "link"])
def test_a_feed_names_its_hub_in_any_of_three_places(app, session, site, space, style):
    site.style, site.hub, site.events = style, "http://127.0.0.1:9/hub", [("e1", "Assemblea")]
    poll(app, space)
    feed = _feed(session, space)
    assert (feed.websub_hub, feed.websub_topic) == ("http://127.0.0.1:9/hub", site.url)
    site.hub = None  # the member stops naming a hub: the feed has none any more
    site.events.append(("e2", "Cena"))
    poll(app, space)
    feed = _feed(session, space)
    assert (feed.websub_hub, feed.websub_topic) == (None, None)


def test_subscribe_verify_push_and_the_calendar_shows_it_in_seconds(app, session, site, space, live_server,
                                                                    websub_hub, scheduler):
    hub = websub_hub(lease=600)
    site.hub, site.events = hub.url, [("e1", "Assemblea di quartiere")]
    poll(app, space)
    assert _run(app, session).startswith("WebSub: 1 subscribed")
    [asked] = hub.requests
    [sub] = _subs(session)
    assert asked["hub.mode"] == "subscribe" and asked["hub.topic"] == site.url
    assert asked["hub.callback"] == f"{live_server}/push/websub/{sub.token}"
    assert asked["hub.secret"] == sub.secret and int(asked["hub.lease_seconds"]) == app.config["WEBSUB_LEASE_SECONDS"]
    assert hub.wait_verified(1) == [{"mode": "subscribe", "callback": asked["hub.callback"], "ok": True}]
    _wait(session, lambda: _subs(session)[0].state == "live")
    sub, feed = _subs(session)[0], _feed(session, space)
    assert sub.lease_seconds == 600 and feed.pushed_until == sub.lease_until
    assert _run(app, session) is None  # nothing to do while the lease is young

    # Polling goes on as a fallback, at PUSH_POLL_INTERVAL while the subscription is live.
    poll(app, space)
    feed = _feed(session, space)
    hours = (feed.next_poll_at - utcnow()).total_seconds() / 3600
    assert 2.6 < hours < 3.4, hours

    app.config["PUSH_MIN_SECONDS"] = 1  # it was read a moment ago
    scheduler()
    gets_before = site.gets
    site.events.append(("e2", "Cena sociale della Garbatella"))
    started = time.monotonic()
    assert hub.publish(site.url, *site.body()) == [202]
    elapsed = seconds_until_listed(live_server, "Cena sociale della Garbatella", started)
    print(f"published, pushed by WebSub, on the calendar in {elapsed:.1f} s")
    assert elapsed < 10
    assert site.gets == gets_before + 1
    assert _subs(session)[0].pushes == 1


def _live(session, space, lease_seconds=600) -> WebSubSubscription:
    feed = space.feeds[0]
    feed.websub_hub, feed.websub_topic = "http://127.0.0.1:9/hub", feed.url
    now = utcnow()
    sub = WebSubSubscription(feed_id=feed.id, hub=feed.websub_hub, topic=feed.url, token="t" * 43,
                             secret="s" * 43, state="live", requested_at=now, attempts=0, pushes=0, refused=0,
                             verified_at=now, lease_seconds=lease_seconds,
                             lease_until=now + dt.timedelta(seconds=lease_seconds))
    feed.pushed_until = sub.lease_until
    feed.next_poll_at = now + dt.timedelta(hours=3)
    session.add(sub)
    session.commit()
    return sub


def _sign(secret: str, body: bytes, method: str = "sha256") -> str:
    import hashlib
    import hmac

    return f"{method}=" + hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()


def test_a_notification_without_the_right_signature_is_ignored_and_counted(app, client, session, space):
    sub = _live(session, space)
    due = _feed(session, space).next_poll_at
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": []}'
    for signature in (None, "sha256=00", _sign("another secret", body), "md5=abc", "sha256", _sign(sub.secret, b"x")):
        headers = {"X-Hub-Signature": signature} if signature else {}
        assert client.post(f"/push/websub/{sub.token}", data=body, headers=headers).status_code == 202
    sub = _subs(session)[0]
    assert sub.refused == 6 and sub.pushes == 0 and _feed(session, space).next_poll_at == due
    assert client.post("/push/websub/not-ours", data=body, headers={"X-Hub-Signature": _sign(sub.secret, body)}
                       ).status_code == 404
    for method in ("sha1", "sha512"):  # the other algorithms the specification names
        answer = client.post(f"/push/websub/{sub.token}", data=body, headers={"X-Hub-Signature": _sign(sub.secret, body, method)})
        assert answer.status_code == 202
    assert _subs(session)[0].pushes == 2
    assert _feed(session, space).next_poll_at <= utcnow()


def test_we_confirm_only_what_we_asked(app, client, session, space):
    sub = _live(session, space)
    url = f"/push/websub/{sub.token}"
    asks = [
        {"hub.mode": "subscribe", "hub.topic": "http://elsewhere.example/feed", "hub.challenge": "c"},
        {"hub.mode": "unsubscribe", "hub.topic": sub.topic, "hub.challenge": "c"},  # we did not ask to stop
        {"hub.mode": "subscribe", "hub.topic": sub.topic},  # no challenge
        {"hub.mode": "subscribe", "hub.topic": sub.topic, "hub.challenge": "c" * 1001},
        {"hub.mode": "nonsense", "hub.topic": sub.topic, "hub.challenge": "c"},
    ]
    for query in asks:
        assert client.get(url, query_string=query).status_code == 404, query
    assert client.get("/push/websub/unknown", query_string={**asks[0], "hub.topic": sub.topic}).status_code == 404
    assert client.get("/push/websub/" + "x" * 65).status_code == 404
    assert _subs(session)[0].state == "live"
    renewed = client.get(url, query_string={"hub.mode": "subscribe", "hub.topic": sub.topic, "hub.challenge": "Ciao <b>",
                                            "hub.lease_seconds": "999999999999999"})
    assert renewed.status_code == 200 and renewed.get_data() == b"Ciao <b>"
    assert renewed.headers["Content-Type"].startswith("text/plain")
    assert _subs(session)[0].lease_seconds == app.config["WEBSUB_LEASE_SECONDS"]  # not an absurd one: what we asked
    denied = client.get(url, query_string={"hub.mode": "denied", "hub.topic": sub.topic, "hub.reason": "no"})
    assert denied.status_code == 200
    sub = _subs(session)[0]
    assert sub.state == "denied" and "no" in sub.last_error and _feed(session, space).pushed_until is None


def test_renewed_before_the_lease_ends_and_ended_when_the_feed_drops_its_hub(app, session, site, space, live_server,
                                                                            websub_hub):
    hub = websub_hub(lease=90)
    site.hub, site.events = hub.url, [("e1", "Assemblea")]
    poll(app, space)
    _run(app, session)
    hub.wait_verified(1)
    _wait(session, lambda: _subs(session)[0].state == "live")
    first = _subs(session)[0].lease_until
    assert _run(app, session) is None  # 90 s left of 90
    later = utcnow() + dt.timedelta(seconds=70)  # less than a third of the lease left
    assert "1 renewed" in websub.run(session, app.config, now=later)
    session.commit()
    assert [r["hub.mode"] for r in hub.requests] == ["subscribe", "subscribe"]
    hub.wait_verified(2)
    _wait(session, lambda: _subs(session)[0].lease_until > first)
    assert _subs(session)[0].state == "live"

    site.hub = None
    site.events.append(("e2", "Cena"))
    poll(app, space)
    assert "1 ended" in _run(app, session)
    assert _feed(session, space).pushed_until is None
    assert hub.requests[-1]["hub.mode"] == "unsubscribe"
    hub.wait_verified(3)
    assert hub.verified[-1] == {"mode": "unsubscribe", "callback": hub.requests[-1]["hub.callback"], "ok": True}
    _wait(session, lambda: not _subs(session))
    assert not hub.subscribers


def test_a_hub_that_verifies_before_it_answers_finds_what_we_asked(app, session, site, space, live_server,
                                                                   websub_hub):
    """What the hub is asked is committed before it is asked: a hub may verify at once."""
    hub = websub_hub(sync=True)
    site.hub, site.events = hub.url, [("e1", "Assemblea")]
    poll(app, space)
    _run(app, session)
    assert hub.verified == [{"mode": "subscribe", "callback": hub.requests[0]["hub.callback"], "ok": True}]
    [sub] = _subs(session)
    assert sub.state == "live" and sub.last_error is None and sub.attempts == 0
    site.hub = None
    site.events.append(("e2", "Cena"))
    poll(app, space)
    _run(app, session)
    assert hub.verified[-1]["mode"] == "unsubscribe" and hub.verified[-1]["ok"] and not _subs(session)


@pytest.mark.parametrize("sync", [False, True])  # True: the denial arrives before the hub's answer to our request
def test_a_hub_that_denies_is_asked_again_a_day_later(app, session, site, space, live_server, websub_hub, sync):
    hub = websub_hub(deny=True, sync=sync)
    site.hub, site.events = hub.url, [("e1", "Assemblea")]
    poll(app, space)
    _run(app, session)
    _wait(session, lambda: _subs(session)[0].state == "denied")
    sub = _subs(session)[0]
    assert "not served here" in sub.last_error
    assert _run(app, session) is None
    assert "1 renewed" in websub.run(session, app.config, now=sub.next_attempt_at + dt.timedelta(seconds=1))
    session.commit()
    assert [v["ok"] for v in hub.wait_verified(2)] == [True, True]  # denied twice, each answered


def test_a_subscription_not_asked_in_a_runs_time_is_asked_by_the_next_run(app, session, site, space, live_server,
                                                                          websub_hub):
    hub = websub_hub(lease=600)
    site.hub = hub.url
    poll(app, space)
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 0
    _run(app, session)
    [sub] = _subs(session)
    assert hub.requests == [] and sub.state == "failed" and sub.last_error is None
    app.config["OUTBOUND_SECONDS_PER_RUN"] = 240.0
    assert _run(app, session).startswith("WebSub: 0 subscribed, 1 renewed or asked again")
    assert [r["hub.mode"] for r in hub.requests] == ["subscribe"]
    _wait(session, lambda: _subs(session)[0].state == "live")


def test_a_hub_on_a_private_address_is_never_asked(app, session, space, live_server):
    feed = space.feeds[0]
    feed.websub_hub, feed.websub_topic = "http://10.20.30.40/hub", feed.url
    session.commit()
    started = time.monotonic()
    _run(app, session)
    assert time.monotonic() - started < 2  # refused before any connection
    [sub] = _subs(session)
    assert sub.state == "failed" and "10.20.30.40" in sub.last_error and sub.next_attempt_at > utcnow()
    assert _run(app, session) is None  # not again before its time


def test_a_hub_that_refuses_the_request_is_tried_again_later(app, session, space, live_server, httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("topic not allowed", status=403)
    feed = space.feeds[0]
    feed.websub_hub, feed.websub_topic = httpserver.url_for("/hub"), feed.url
    session.commit()
    _run(app, session)
    [sub] = _subs(session)
    assert sub.state == "failed" and "HTTP 403: topic not allowed" in sub.last_error
    waited = (sub.next_attempt_at - utcnow()).total_seconds()
    assert 60 < waited <= 120


def test_nothing_is_asked_without_a_public_address(app, session, space):
    app.config["PUBLIC_URL"] = None
    feed = space.feeds[0]
    feed.websub_hub, feed.websub_topic = "http://127.0.0.1:9/hub", feed.url
    session.commit()
    assert _run(app, session) is None and not _subs(session)


def test_a_paused_feed_is_unsubscribed(app, session, space, live_server, httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=202)
    sub = _live(session, space)
    sub.hub = space.feeds[0].websub_hub = httpserver.url_for("/hub")
    space.feeds[0].state = "paused"
    session.commit()
    assert "1 ended" in _run(app, session)
    [request] = [r for r, _response in httpserver.log]
    assert "hub.mode=unsubscribe" in request.get_data(as_text=True)
    assert _subs(session)[0].state == "unsubscribing" and _feed(session, space).pushed_until is None


def test_a_callback_is_reachable_only_by_its_token(app, live_server, session, space):
    _live(session, space)
    assert requests.get(f"{live_server}/push/websub/", timeout=5).status_code == 404
    assert requests.post(f"{live_server}/push/websub/{'t' * 42}", data=b"x", timeout=5).status_code == 404


def test_the_console_and_the_editor_say_how_the_subscription_is(app, session, space, tmp_path):
    import html

    from tests.conftest import login

    sub = _live(session, space)
    english = {"Accept-Language": "en"}
    coordinator, _token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    page = html.unescape(coordinator.get(f"/console/feeds/{space.feeds[0].id}", headers=english).get_data(as_text=True))
    assert "WebSub hub: <code>http://127.0.0.1:9/hub</code>" in page and "changes arrive in seconds" in page
    operator, _token = login(app, app.test_cli_runner(), tmp_path, "op@millepiani.example", "operator",
                             spaces=[space.slug])
    italian = html.unescape(operator.get(f"/spaces/{space.slug}/edit").get_data(as_text=True))
    assert "le modifiche arrivano in pochi secondi" in italian
    sub.state, sub.last_error = "failed", "the hub refused the subscribe request: HTTP 403: no"
    session.commit()
    page = html.unescape(coordinator.get(f"/console/feeds/{space.feeds[0].id}", headers=english).get_data(as_text=True))
    assert "not subscribed" in page and "HTTP 403: no" in page
