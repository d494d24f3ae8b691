"""The newsletter end to end, through real feed servers and a real SMTP server: double
opt-in, one-click unsubscribe (RFC 8058), each subscriber's cities and tags, news the
operators write and the coordinators approve, the weekly e-mail of a followed filter,
and issues that are never sent twice."""
from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from corete.federation import writers as feeds
from corete.mail.models import Message
from corete.newsletter.models import NewsItem, Subscription
from corete.newsletter.services import send_digest, send_follow
from tests.conftest import csrf_token, links_in, login, make_space, poll

ROME = ZoneInfo("Europe/Rome")
TODAY = dt.date.today()


def _event(uid, title, days, tags=()):
    start = dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(18), ROME)
    return feeds.item("event", uid, title, start, start + dt.timedelta(hours=2), tags=tags)


@pytest.fixture
def network(app, session, httpserver):
    for slug, city, events in (("millepiani", "Roma", [_event("a", "Serata maker a Roma", 3, ["makers"]),
                                                       _event("b", "Yoga a Roma", 4, ["benessere"])]),
                               ("lab121", "Alessandria", [_event("c", "Stampa 3D ad Alessandria", 5, ["makers"])])):
        body = feeds.jsonfeed({"name": slug.capitalize(), "kind": "coworking", "city": city}, events,
                              feed_url=f"http://x/{slug}.json")
        httpserver.expect_request(f"/{slug}.json").respond_with_data(body, content_type="application/feed+json")
        make_space(session, httpserver.url_for(f"/{slug}.json"), name=slug.capitalize(), city=city)
    poll(app)


def _post(client, path, accept="it", **data):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers={"Accept-Language": accept})


def _subscribe(app, mailbox, email, path="/newsletter", **data):
    visitor = app.test_client()
    answer = _post(visitor, path, email=email, **data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    mailbox.send()
    [message] = [m for m in mailbox.to(email) if "/newsletter/confirm/" in str(links_in(m))]
    [link] = [u for u in links_in(message) if "/newsletter/confirm/" in u]
    path = link.replace("http://localhost", "")
    assert visitor.get(path).status_code == 200  # a page with a button: the link alone subscribes nobody
    return visitor, path


def test_double_opt_in_keeps_nothing_until_the_link_is_followed(app, session, network, mailbox):
    visitor, path = _subscribe(app, mailbox, "ada@example.org", lang="en", cities=["Roma"], tags="makers")
    assert session.scalar(select(func.count(Subscription.id))) == 0
    done = _post(visitor, path)
    assert done.status_code == 200 and "ada@example.org" in done.get_data(as_text=True)
    subscription = session.scalar(select(Subscription))
    assert (subscription.lang, subscription.cities, subscription.tags) == ("en", ["Roma"], ["makers"])
    _post(visitor, path)  # twice: still one
    assert session.scalar(select(func.count(Subscription.id))) == 1
    assert app.test_client().get(path[:-4] + "xxxx").status_code == 410


def test_a_bad_address_is_a_clear_error_and_nothing_is_sent(app, session, mailbox):
    answer = _post(app.test_client(), "/newsletter", accept="en", email="not-an-address")
    assert answer.status_code == 400 and "not an e-mail address" in html.unescape(answer.get_data(as_text=True))
    assert session.scalar(select(func.count(Message.id))) == 0


def test_each_subscriber_gets_the_events_of_their_cities_and_tags_once(app, session, network, mailbox):
    for email, data in (("roma@example.org", {"cities": ["Roma"]}), ("makers@example.org", {"tags": "makers"}),
                        ("tutti@example.org", {})):
        visitor, path = _subscribe(app, mailbox, email, **data)
        _post(visitor, path)
    start, end = TODAY, TODAY + dt.timedelta(days=30)
    assert send_digest(session, start, end) == 3
    assert send_digest(session, start, end) == 0  # the same issue again: nobody twice
    mailbox.send()

    def titles(email):
        [message] = [m for m in mailbox.to(email) if m["List-Unsubscribe"]]
        text = message.get_body(preferencelist=("plain",)).get_content()
        return {t for t in ("Serata maker a Roma", "Yoga a Roma", "Stampa 3D ad Alessandria") if t in text}

    assert titles("roma@example.org") == {"Serata maker a Roma", "Yoga a Roma"}
    assert titles("makers@example.org") == {"Serata maker a Roma", "Stampa 3D ad Alessandria"}
    assert titles("tutti@example.org") == {"Serata maker a Roma", "Yoga a Roma", "Stampa 3D ad Alessandria"}


def test_one_click_unsubscribe_works_once_with_no_login(app, session, network, mailbox):
    visitor, path = _subscribe(app, mailbox, "ada@example.org")
    _post(visitor, path)
    send_digest(session, TODAY, TODAY + dt.timedelta(days=30))
    mailbox.send()
    [issue] = [m for m in mailbox.to("ada@example.org") if m["List-Unsubscribe"]]
    assert issue["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = issue["List-Unsubscribe"].strip().strip("<>")
    assert link in links_in(issue)  # and the same link in the text
    # What a mail program does (RFC 8058): a POST with no cookie, no form token, no login.
    answer = app.test_client().post(link.replace("http://localhost", ""), data="List-Unsubscribe=One-Click",
                                    content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert session.scalar(select(Subscription.unsubscribed_at)) is not None
    again = app.test_client().get(link.replace("http://localhost", ""), headers={"Accept-Language": "en"})
    assert again.status_code == 200 and "receives no more" in again.get_data(as_text=True)
    assert send_digest(session, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=31)) == 0


def test_operators_news_goes_out_once_a_coordinator_approves_it(app, session, tmp_path, network, mailbox):
    runner = app.test_cli_runner()
    operator, token = login(app, runner, tmp_path, "op@millepiani.example", "operator", spaces=["millepiani"])
    coordinator, coord_token = login(app, runner, tmp_path, "coord@corete.example", "coordinator")
    short = operator.post("/spaces/millepiani/news", data={"csrf_token": token, "title": "Ok", "body": "corto"},
                          follow_redirects=True)
    assert "da 3 a 200 caratteri" in html.unescape(short.get_data(as_text=True))
    operator.post("/spaces/millepiani/news", data={"csrf_token": token, "title": "Apre il laboratorio di cucito",
                                                   "body": "Da gennaio, ogni giovedì sera, macchine da cucire per tutti."})
    assert "in attesa di un coordinatore" in operator.get("/spaces/millepiani/edit").get_data(as_text=True)
    assert operator.get("/newsletter/news").status_code == 403
    item = session.scalar(select(NewsItem))
    visitor, path = _subscribe(app, mailbox, "ada@example.org", cities=["Alessandria"])
    _post(visitor, path)
    assert send_digest(session, TODAY, TODAY + dt.timedelta(days=10)) == 1  # before approval: not in it
    first = session.scalar(select(Message.text).where(Message.kind == "newsletter"))
    assert "Stampa 3D ad Alessandria" in first and "cucito" not in first
    refused = coordinator.post("/newsletter/news", data={"csrf_token": coord_token, "item_id": item.id,
                                                         "action": "reject"}, follow_redirects=True)
    assert "Spiega perché" in html.unescape(refused.get_data(as_text=True))
    coordinator.post("/newsletter/news", data={"csrf_token": coord_token, "item_id": item.id, "action": "approve"})
    assert send_digest(session, TODAY, TODAY + dt.timedelta(days=30)) == 1
    text = session.scalar(select(Message.text).where(Message.kind == "newsletter", Message.key.like("%:" + str(
        (TODAY + dt.timedelta(days=30)).isoformat()) + ":%")))
    assert "Apre il laboratorio di cucito" in text
    session.refresh(item)
    assert item.issue is not None  # it went out: not again in the next one


def test_a_visitor_follows_a_filter_of_the_calendar_weekly(app, session, network, mailbox):
    page = app.test_client().get("/calendar?city=Roma").get_data(as_text=True)
    assert "/newsletter/follow?city=Roma" in page
    visitor, path = _subscribe(app, mailbox, "ada@example.org", path="/newsletter/follow?city=Roma",
                               cities=["Roma"])
    _post(visitor, path)
    assert session.scalar(select(Subscription.kind)) == "follow"
    assert send_follow(session, TODAY) == 1 and send_follow(session, TODAY) == 0
    mailbox.send()
    [weekly] = [m for m in mailbox.to("ada@example.org") if m["List-Unsubscribe"]]
    text = weekly.get_body(preferencelist=("plain",)).get_content()
    assert "Yoga a Roma" in text and "Alessandria" not in text
    nothing = _post(app.test_client(), "/newsletter/follow", email="b@example.org")
    assert nothing.status_code == 400  # following nothing is not a filter


def test_subscribing_is_rate_limited(app, session):
    app.config["RATELIMIT_ENABLED"] = True
    visitor = app.test_client()
    codes = [_post(visitor, "/newsletter", email=f"x{i}@example.org").status_code for i in range(6)]
    assert codes == [302] * 5 + [429]


def test_digest_send_by_hand(app, session, network, mailbox):
    visitor, path = _subscribe(app, mailbox, "ada@example.org")
    _post(visitor, path)
    runner = app.test_cli_runner()
    start, end = TODAY.isoformat(), (TODAY + dt.timedelta(days=30)).isoformat()
    result = runner.invoke(args=["digest", "send", "--from", start, "--to", end])
    assert result.exit_code == 0 and "1 messages queued" in result.output
    assert "0 messages queued" in runner.invoke(args=["digest", "send", "--from", start, "--to", end]).output
    assert runner.invoke(args=["digest", "send", "--from", end, "--to", start]).exit_code == 2


def test_the_newsletter_tells_the_calls_closing_in_its_period(app, session, httpserver, mailbox):
    body = feeds.jsonfeed({"name": "Cowo Isola", "city": "Milano"}, [
        feeds.item("call", "voucher", "Voucher coworking", "voucher", deadline=TODAY + dt.timedelta(days=20)),
        feeds.item("call", "lontano", "Bando lontano", "funding", deadline=TODAY + dt.timedelta(days=200))],
        feed_url="http://x/cowo.json")
    httpserver.expect_request("/cowo.json").respond_with_data(body, content_type="application/feed+json")
    make_space(session, httpserver.url_for("/cowo.json"), name="Cowo Isola", city="Milano")
    poll(app)
    from corete.calls.models import Call

    for call in session.scalars(select(Call)):
        call.first_seen_at -= dt.timedelta(days=90)  # told in an earlier issue as new
    session.commit()
    visitor, path = _subscribe(app, mailbox, "bandi@example.org", cities=["Roma"])  # no event there: calls alone
    _post(visitor, path)
    assert send_digest(session, TODAY, TODAY + dt.timedelta(days=30)) == 1
    mailbox.send()
    [message] = [m for m in mailbox.to("bandi@example.org") if m["List-Unsubscribe"]]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bandi e opportunità" in text and "Voucher coworking · Voucher · Scadenza:" in text
    assert "Bando lontano" not in text and "/calls/" in text
