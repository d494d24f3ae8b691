"""The outbox, through a real SMTP server on 127.0.0.1: messages are queued with what
causes them, sent only by the sender (never by a web request), once, in two parts, in
the recipient's language; refusals and failures are told apart."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select, update

from corete.core.models import utcnow
from corete.extensions import db
from corete.mail.models import Message, RefusedAddress
from corete.mail.services import queue


def _queue(session, n=1, to="ada@example.org", lang="it", key="test"):
    for i in range(n):
        queue(session, key=f"{key}:{i}", kind="invitation", to=to if n == 1 else f"p{i}@example.org", lang=lang,
              subject=lambda: "Prova", context={"inviter": "coord@corete.example", "spaces": "Lab121",
                                                "expires": "domani", "link": "http://localhost/invitations/x"})


def test_a_message_has_a_text_and_an_inlined_html_part_and_goes_once(app, session, mailbox):
    _queue(session)
    session.commit()
    assert mailbox.messages == []  # queued is not sent
    outcome = mailbox.send()
    assert (outcome.sent, outcome.error) == (1, None)
    [delivered] = mailbox.messages
    assert delivered["To"] == "ada@example.org" and delivered["From"] == "CoRete <hub@corete.example>"
    assert delivered["Content-Language"] == "it" and delivered["Auto-Submitted"] == "auto-generated"
    text = delivered.get_body(preferencelist=("plain",)).get_content()
    html = delivered.get_body(preferencelist=("html",)).get_content()
    assert "Lab121" in text and "<" not in text.replace("<http", "")
    assert "<style" not in html and 'style="' in html  # the styles were written into the elements
    assert 'href="http://localhost/invitations/x"' in html
    assert mailbox.send().sent == 0 and len(mailbox.messages) == 1  # sent once
    message = session.scalar(select(Message))
    assert message.state == "sent" and message.attempts == 1 and message.sent_at is not None


def test_the_same_key_queues_one_message_and_a_rollback_queues_none(app, session, mailbox):
    def again():
        return queue(session, key="test:0", kind="invitation", to="ada@example.org", lang="it", subject=lambda: "P",
                     context={"inviter": "c", "spaces": "L", "expires": "d", "link": "http://x/"})

    assert again() is True and again() is False  # says whether it was new, on either database
    _queue(session)
    session.commit()
    _queue(session, key="rolled-back")
    session.rollback()
    assert session.scalar(select(func.count(Message.id))) == 1
    assert mailbox.send().sent == 1


def test_the_subject_and_text_are_in_the_recipients_language(app, session, mailbox):
    from flask_babel import gettext as _

    for lang in ("it", "en"):
        queue(session, key=f"lang:{lang}", kind="invitation", to=f"{lang}@example.org", lang=lang,
              subject=lambda: _("Your invitation to the CoRete network"),
              context={"inviter": "c@corete.example", "spaces": "Lab121", "expires": "x", "link": "http://x/"})
    session.commit()
    mailbox.send()
    [it], [en] = mailbox.to("it@example.org"), mailbox.to("en@example.org")
    assert it["Subject"] == "Il tuo invito alla rete CoRete" and en["Subject"] == "Your invitation to the CoRete network"
    assert "ti invita" in it.get_body(preferencelist=("plain",)).get_content()
    assert "invites you" in en.get_body(preferencelist=("plain",)).get_content()


def test_a_refused_address_is_marked_and_never_tried_again(app, session, mailbox):
    mailbox.refuse.add("gone@example.org")
    _queue(session, to="gone@example.org")
    session.commit()
    outcome = mailbox.send()
    assert (outcome.sent, outcome.refused) == (0, 1)
    message = session.scalar(select(Message))
    assert message.state == "refused" and "550" in message.last_error
    assert session.get(RefusedAddress, "gone@example.org") is not None
    mailbox.refuse.clear()  # even were the server to take it now, the hub does not try
    _queue(session, to="gone@example.org", key="later")
    session.commit()
    assert mailbox.send().sent == 0 and mailbox.messages == []
    assert session.scalar(select(Message.state).where(Message.key == "later:0")) == "refused"


def test_a_temporary_refusal_is_retried_with_backoff_then_given_up(app, session, mailbox):
    mailbox.defer.add("busy@example.org")
    _queue(session, to="busy@example.org")
    session.commit()
    before = utcnow()
    assert mailbox.send().retried == 1
    message = session.scalar(select(Message))
    assert message.state == "queued" and message.attempts == 1 and "451" in message.last_error
    assert dt.timedelta(seconds=50) < message.next_attempt_at - before < dt.timedelta(seconds=70)
    assert mailbox.send().retried == 0  # not due yet
    for attempt in range(2, app.config["MAIL_MAX_ATTEMPTS"] + 1):
        session.execute(update(Message).values(next_attempt_at=utcnow()))
        session.commit()
        outcome = mailbox.send()
        session.refresh(message)
        assert message.attempts == attempt
    assert message.state == "failed" and outcome.failed == 1 and mailbox.messages == []


def test_an_unreachable_server_leaves_the_messages_queued(app, session, mailbox):
    _queue(session, n=5)
    session.commit()
    app.config["MAIL_PORT"] = 9  # nothing listens there
    outcome = mailbox.send()
    assert outcome.sent == 0 and "cannot reach the SMTP server" in outcome.error
    states = session.execute(select(Message.state, Message.lease_owner, Message.attempts)).all()
    assert {s for s, _o, _a in states} == {"queued"} and {o for _s, o, _a in states} == {None}
    assert sorted(a for _s, _o, a in states) == [0, 0, 0, 0, 1]  # the one tried counts an attempt
    app.config["MAIL_PORT"] = mailbox.port
    session.execute(update(Message).values(next_attempt_at=utcnow()))
    session.commit()
    assert mailbox.send().sent == 5


def test_no_server_configured_keeps_everything_in_the_outbox(app, session, mailbox):
    _queue(session)
    session.commit()
    app.config["MAIL_SERVER"] = None
    assert "MAIL_SERVER is not set" in mailbox.send().error
    assert session.scalar(select(Message.state)) == "queued"


def test_two_senders_at_once_send_each_message_once(app, session, mailbox, another_app):
    _queue(session, n=60)
    session.commit()
    others = [another_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_BATCH=7) for _ in range(2)]
    from corete.mail.services import deliver

    results = []

    def run(other, owner):
        with other.app_context():
            results.append(deliver(db.session, other.config, owner))
            db.session.remove()

    threads = [threading.Thread(target=run, args=(o, f"sender-{i}")) for i, o in enumerate(others)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in results) == 60
    received = [m["To"] for m in mailbox.messages]
    assert len(received) == 60 and len(set(received)) == 60


def test_a_sender_that_died_holding_messages_leaves_them_to_the_next_once_its_lease_ends(app, session, mailbox):
    _queue(session, n=3)
    session.commit()
    from corete.mail.services import claim

    assert len(claim(session, "dead-sender", app.config, 10)) == 3  # and then it died
    assert mailbox.send().sent == 0  # still leased to it
    session.execute(update(Message).values(lease_until=utcnow() - dt.timedelta(seconds=1)))
    session.commit()
    assert mailbox.send().sent == 3
    ids = {m["Message-ID"] for m in mailbox.messages}
    assert ids == set(session.scalars(select(Message.message_id)))  # the ids fixed when queued


def test_mail_send_command_sends_and_says_what_it_did(app, session, mailbox):
    _queue(session, n=2)
    session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 2" in result.output
    app.config["MAIL_SERVER"] = None
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "MAIL_SERVER is not set" in result.output


def test_coordinators_read_the_outbox_but_never_a_personal_link(app, session, tmp_path, mailbox):
    from tests.conftest import login

    client, _token = login(app, app.test_cli_runner(), tmp_path, "coord@corete.example", "coordinator")
    operator, _t = login(app, app.test_cli_runner(), tmp_path, "op@corete.example", "operator")
    _queue(session)  # not personal: its text is shown
    queue(session, key="reset", kind="password_reset", to="op@corete.example", lang="it", subject=lambda: "Reset",
          sensitive=True, context={"link": "http://localhost/password/reset/SECRET-TOKEN", "hours": 2})
    session.commit()
    page = client.get("/outbox", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "ada@example.org" in page and "op@corete.example" in page and "waiting" in page
    ids = dict(session.execute(select(Message.key, Message.id)).all())
    assert "Lab121" in client.get(f"/outbox/{ids['test:0']}").get_data(as_text=True)
    personal = client.get(f"/outbox/{ids['reset']}").get_data(as_text=True)
    assert "SECRET-TOKEN" not in personal
    assert operator.get("/outbox").status_code == 403
    mailbox.send()
    assert session.scalar(select(Message.text).where(Message.key == "reset")) is None  # erased once sent


def test_old_messages_done_with_are_forgotten_and_waiting_ones_kept(app, session, mailbox):
    from corete.mail.services import prune

    _queue(session, n=3)
    session.commit()
    mailbox.send()
    _queue(session, key="waiting")
    session.commit()
    app.config["MAIL_SERVER"] = None  # this one stays queued
    session.execute(update(Message).values(created_at=utcnow() - dt.timedelta(days=91)))
    session.commit()
    assert prune(session, utcnow(), app.config) == 3
    assert list(session.scalars(select(Message.key))) == ["waiting:0"]
    app.config["MAIL_KEEP_DAYS"] = 0
    assert prune(session, utcnow(), app.config) == 0
