"""Alerts, one per episode, through a real feed server and a real SMTP server: a feed
that starts failing is told once to its operators and the coordinators, its recovery
once more; coordinators get a daily summary only when there is something in it."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from corete.core.models import utcnow
from corete.federation import writers as feeds
from corete.mail.alerts import daily_summary
from corete.federation.models import Feed
from corete.federation.reasons import DOCUMENT_FIXES, PLAIN_ERRORS
from corete.mail.models import Message
from tests.conftest import links_in, login, make_space, poll

GOOD = json.dumps(json.loads(feeds.jsonfeed({"name": "Lab121"}, [], feed_url="http://example.org/feed.json"))).encode()


class Switch:
    """The member's server: broken (500) until told otherwise."""

    def __init__(self, httpserver):
        self.broken = True
        httpserver.expect_request("/feed.json").respond_with_handler(self)

    def __call__(self, request):
        from werkzeug.wrappers import Response

        if self.broken:
            return Response("database down", status=500)
        return Response(GOOD, content_type="application/feed+json")


@pytest.fixture
def people(app, tmp_path, session, httpserver):
    space = make_space(session, httpserver.url_for("/feed.json"), name="Lab121")
    runner = app.test_cli_runner()
    login(app, runner, tmp_path, "op@lab121.example", "operator", spaces=["lab121"])
    login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    login(app, runner, tmp_path, "other-op@elsewhere.example", "operator")  # not this space's
    return space


def _messages(session, kind=None):
    query = select(Message).order_by(Message.id)
    return list(session.scalars(query.where(Message.kind == kind) if kind else query))


def test_a_failing_feed_is_told_once_and_its_recovery_once(app, session, httpserver, people, mailbox):
    server = Switch(httpserver)
    for _ in range(2):
        poll(app, people)
    assert _messages(session) == []  # two failures are not yet an episode worth a message
    poll(app, people)
    failing = _messages(session, "feed_failing")
    assert sorted(m.recipient for m in failing) == ["coord@corete.example", "op@lab121.example"]
    for _ in range(4):
        poll(app, people)
    assert len(_messages(session)) == 2  # never one per poll
    server.broken = False
    poll(app, people)
    poll(app, people)
    recovered = _messages(session, "feed_recovered")
    assert sorted(m.recipient for m in recovered) == ["coord@corete.example", "op@lab121.example"]
    assert mailbox.send().sent == 4
    delivered = {m["Message-ID"]: m for m in mailbox.messages}
    by_recipient = {m.recipient: delivered[m.message_id] for m in failing}
    text = by_recipient["op@lab121.example"].get_body(preferencelist=("plain",)).get_content()
    with force_locale("it"):
        assert str(PLAIN_ERRORS["http_5xx"]) in text and str(DOCUMENT_FIXES["http_5xx"]) in text
    assert "/console/" not in text  # the console is the coordinators'
    assert any("/console/feeds/" in u for u in links_in(by_recipient["coord@corete.example"]))
    feed = session.scalar(select(Feed))
    assert feed.failing_since is None and feed.alerted_at is None


def test_a_second_episode_is_told_again(app, session, httpserver, people):
    server = Switch(httpserver)
    for _ in range(3):
        poll(app, people)
    server.broken = False
    poll(app, people)
    server.broken = True
    for _ in range(3):
        poll(app, people)
    assert len(_messages(session, "feed_failing")) == 4 and len(_messages(session, "feed_recovered")) == 2


def test_hours_of_failure_are_an_episode_too(app, session, httpserver, people):
    app.config.update(FEED_ALERT_FAILURES=100, FEED_ALERT_HOURS=1)
    Switch(httpserver)
    poll(app, people)
    assert _messages(session) == []
    session.execute(update(Feed).values(failing_since=utcnow() - dt.timedelta(hours=2)))
    session.commit()
    poll(app, people)
    assert len(_messages(session, "feed_failing")) == 2


def test_a_server_asking_for_time_is_not_a_broken_feed(app, session, httpserver, people):
    httpserver.expect_request("/feed.json").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    for _ in range(4):
        poll(app, people)
    assert _messages(session) == [] and session.scalar(select(Feed.failing_since)) is None


def test_the_message_is_in_each_persons_language(app, session, httpserver, people):
    from corete.accounts.models import User

    session.execute(update(User).where(User.email == "coord@corete.example").values(lang="en"))
    session.commit()
    Switch(httpserver)
    for _ in range(3):
        poll(app, people)
    subjects = dict(session.execute(select(Message.recipient, Message.subject)).all())
    assert subjects == {"coord@corete.example": "The feed of Lab121 cannot be read",
                        "op@lab121.example": "Il feed di Lab121 non si riesce a leggere"}


def test_the_daily_summary_comes_only_with_something_in_it(app, session, httpserver, people, mailbox, tmp_path):
    Switch(httpserver).broken = False
    poll(app, people)
    assert daily_summary(session, utcnow(), app.config) == 0  # all is well: no message
    session.execute(update(Feed).values(last_success_at=utcnow() - dt.timedelta(days=10)))
    session.commit()
    assert daily_summary(session, utcnow(), app.config) == 1  # one coordinator
    session.commit()
    assert daily_summary(session, utcnow(), app.config) == 0  # once a day, however often asked
    [summary] = _messages(session, "daily_summary")
    assert summary.recipient == "coord@corete.example" and "Lab121" in summary.text
    assert session.scalar(select(func.count(Message.id))) == 1
    assert mailbox.send().sent == 1
    [delivered] = mailbox.to("coord@corete.example")
    [console] = [u for u in links_in(delivered) if u.endswith("/console")]
    client, _token = login(app, app.test_cli_runner(), tmp_path, "c2@corete.example", "coordinator")
    assert "Lab121" in client.get(console.replace("http://localhost", "")).get_data(as_text=True)
