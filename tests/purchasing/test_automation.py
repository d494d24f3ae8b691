"""Rounds that run themselves, on a real network of feeds and through a real SMTP server:
the deadline closes a round as a coordinator would, statements and the order go by mail,
reminders go before, a recurring round opens the next one; run twice, nothing twice."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from corete.core.models import utcnow
from corete.mail.models import Message
from corete.purchasing.automation import run
from corete.purchasing.models import Round, RoundChange
from tests.conftest import links_in, login
from tests.purchasing.test_rounds import _catalogue, _open, _step, coordinator, network  # noqa: F401

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def operators(app, tmp_path, network):  # noqa: F811
    runner = app.test_cli_runner()
    for slug in ("pigneto", "ostiense", "prati"):
        login(app, runner, tmp_path, f"op@{slug}.example", "operator", spaces=[slug])


def _link_macinato(client, token, session):
    """The coordinator links prati's "Caffè macinato" to the coffee (as in test_rounds): the
    round then reaches full cartons."""
    from corete.purchasing.models import Need

    queue = client.get("/purchasing/queue").get_data(as_text=True)
    product_id = queue.split('name="product_id"')[1].split('<option value="')[1].split('"')[0]
    need = session.scalar(select(Need).where(Need.item == "Caffè macinato"))
    assert client.post("/purchasing/queue", data={"csrf_token": token, "need_id": need.id,
                                                  "product_id": product_id}).status_code == 302


def _past_deadline(session, rnd_id):
    """The deadline is now: after every need was published (a need seen after the deadline
    is late, and the pooling leaves it out, as a coordinator's close would)."""
    session.execute(update(Round).where(Round.id == rnd_id).values(closes_at=utcnow()))
    session.commit()


def _kinds(session):
    return sorted(session.execute(select(Message.kind, Message.recipient)).all())


def test_the_deadline_closes_a_round_and_the_statements_go_by_mail(app, session, coordinator, operators, mailbox):  # noqa: F811
    client, token = coordinator
    supplier_id = _catalogue(client, token)
    _link_macinato(client, token, session)
    assert _open(client, token, supplier_id).status_code == 302
    rnd = session.scalar(select(Round))
    assert "0 rounds closed" in run(session, utcnow(), app.config)  # not yet
    _past_deadline(session, rnd.id)
    assert run(session, utcnow(), app.config).startswith("1 rounds closed")
    session.refresh(rnd)
    assert rnd.state == "closed" and rnd.inputs is not None
    change = session.scalar(select(RoundChange).where(RoundChange.action == "close"))
    assert change.by == "scheduler"
    from corete.purchasing.services import compute

    charged = sorted(f"op@{slug}.example" for slug, charge in compute(session, rnd).members.items() if charge.total)
    assert len(charged) >= 2 and "op@pigneto.example" in charged
    assert _kinds(session) == [("round_order", "coord@corete.example"), *(("round_statement", to) for to in charged)]
    run(session, utcnow(), app.config)
    assert len(_kinds(session)) == 1 + len(charged) and session.scalar(select(func.count(RoundChange.id)).where(
        RoundChange.action == "close")) == 1  # run again: nothing twice
    assert mailbox.send().sent == 1 + len(charged)
    [statement] = mailbox.to("op@pigneto.example")
    text = statement.get_body(preferencelist=("plain",)).get_content()
    assert "Totale" in text and "Caffè in grani, cartone da 6 kg" in text
    [link] = [u for u in links_in(statement) if "/statements/pigneto" in u]
    assert app.test_client().get(link.replace("http://localhost", "")).status_code == 200
    [order] = mailbox.to("coord@corete.example")
    assert "coffee-6kg" in order.get_body(preferencelist=("plain",)).get_content()


def test_a_round_below_the_minimum_is_held_by_the_deadline_and_everyone_is_told(app, session, coordinator, operators):  # noqa: F811
    client, token = coordinator
    supplier_id = _catalogue(client, token, min_order_value="1000")
    _open(client, token, supplier_id)
    rnd = session.scalar(select(Round))
    _past_deadline(session, rnd.id)
    run(session, utcnow(), app.config)
    session.refresh(rnd)
    assert rnd.state == "held"
    subjects = dict(session.execute(select(Message.recipient, Message.subject)).all())
    assert "sotto il minimo" in subjects["coord@corete.example"]
    assert "nessuno paga" in subjects["op@pigneto.example"]


def test_a_coordinators_close_sends_the_same_messages(app, session, coordinator, operators):  # noqa: F811
    client, token = coordinator
    supplier_id = _catalogue(client, token)
    _link_macinato(client, token, session)
    _open(client, token, supplier_id)
    rnd = session.scalar(select(Round))
    assert _step(client, token, rnd.id, "close").status_code == 302
    kinds = [k for k, _r in _kinds(session)]
    assert kinds[0] == "round_order" and kinds.count("round_statement") >= 2


def test_spaces_whose_needs_are_left_out_are_reminded_before_the_close(app, session, coordinator, operators):  # noqa: F811
    client, token = coordinator
    _open(client, token, _catalogue(client, token))  # closes in five days
    run(session, utcnow(), app.config)
    assert _kinds(session) == []  # more than ROUND_REMINDER_DAYS away
    session.execute(update(Round).values(closes_at=utcnow() + dt.timedelta(days=2)))
    session.commit()
    run(session, utcnow(), app.config)
    run(session, utcnow(), app.config)
    assert _kinds(session) == [("round_reminder", "op@prati.example")]  # once; the others are in the round
    text = session.scalar(select(Message.text))
    assert "Caffè macinato" in text and "Caffè in grani, cartone da 6 kg" in text


def test_a_recurring_round_opens_the_next_one_once(app, session, coordinator, operators):  # noqa: F811
    client, token = coordinator
    assert _open(client, token, _catalogue(client, token), repeat="monthly").status_code == 302
    first = session.scalar(select(Round))
    _past_deadline(session, first.id)
    closes = session.scalar(select(Round.closes_at).where(Round.id == first.id))
    run(session, utcnow(), app.config)
    run(session, utcnow(), app.config)
    rounds = session.scalars(select(Round).order_by(Round.id)).all()
    assert len(rounds) == 2
    following = rounds[1]
    assert following.previous_id == first.id and following.state == "open" and following.repeat == "monthly"
    assert following.opens_at == closes and following.name == first.name and following.policy == first.policy
    local_before, local_after = closes.astimezone(ROME), following.closes_at.astimezone(ROME)
    assert (local_after.month - local_before.month) % 12 == 1 and local_after.hour == local_before.hour
    assert following.delivery_date > first.delivery_date


def test_a_bad_repeat_is_a_clear_error(app, session, coordinator):  # noqa: F811
    client, token = coordinator
    answer = _open(client, token, _catalogue(client, token), repeat="daily")
    assert answer.status_code == 400 and "Ogni settimana, ogni mese" in answer.get_data(as_text=True)
