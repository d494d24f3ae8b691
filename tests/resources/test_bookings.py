"""Booking between spaces: an operator asks for a member, the owning space answers, the
slot becomes busy time in the owner's feed and in both spaces' calendars, either side
cancels with a reason; a visitor confirms their e-mail first; and never two accepted
bookings on one slot, even when twenty are accepted at the same moment."""
from __future__ import annotations

import datetime as dt
import html
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from corete.core.models import utcnow
from corete.extensions import db
from corete.federation.models import Feed
from corete.hosting import services as hosting
from corete.mail.models import Message
from corete.resources import services
from corete.resources.models import Booking, Busy, Resource
from corete.spaces.models import Space
from corete.federation import writers as feeds
from tests.conftest import csrf_token, links_in, login, make_space, poll

ROME = ZoneInfo("Europe/Rome")
NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
EN = {"Accept-Language": "en"}


@pytest.fixture
def network(app, session, live_server, tmp_path):
    """Millepiani hosts a meeting room (its feed on this hub, read over HTTP); an operator of
    each of Millepiani and Lab121, logged in."""
    owner = hosting.add_hosted_space(session, "Millepiani", live_server, city="Roma")
    owner.opening_hours = "Mo-Fr 09:00-19:00"
    hosting.add_hosted_space(session, "Lab121", live_server, city="Alessandria")
    session.commit()
    runner = app.test_cli_runner()
    mine = login(app, runner, tmp_path, "op@millepiani.example", "operator", spaces=["millepiani"])
    theirs = login(app, runner, tmp_path, "op@lab121.example", "operator", spaces=["lab121"])
    client, token = mine
    answer = client.post("/spaces/millepiani/edit/resource/new", data={
        "csrf_token": token, "name": "Sala riunioni", "kind": "meeting_room", "capacity": "10",
        "member_price": "10", "bookable_by": "anyone"})
    assert answer.status_code == 302
    poll(app, owner)
    session.commit()
    room = session.scalar(select(Resource))
    return owner, room, mine, theirs, live_server


def ask(client, token, room, day, start, end, **extra):
    return client.post(f"/resources/{room.id}", data={
        "csrf_token": token, "space": "lab121", "person_name": "Giulia Rossi", "date": day.isoformat(),
        "start_time": start, "end_time": end, **extra})


def test_a_request_is_answered_becomes_busy_time_in_the_owners_feed_and_is_cancelled(app, session, network):
    owner, room, (mine, my_token), (theirs, their_token), base = network
    monday = NEXT_MONDAY
    assert ask(theirs, their_token, room, monday, "10:00", "12:00", people="4", note="Riunione di progetto").status_code == 302
    booking = session.scalar(select(Booking))
    assert (booking.state, booking.home_space.slug, booking.person_name) == ("requested", "lab121", "Giulia Rossi")
    assert session.scalar(select(Message.subject).where(Message.recipient == "op@millepiani.example")) == \
        "Richiesta di prenotazione: Sala riunioni"
    # the owner's editor says a request waits; the requester cannot answer it
    assert "1 richiesta aspetta la tua risposta" in html.unescape(mine.get("/spaces/millepiani/edit").get_data(as_text=True))
    assert theirs.post(f"/bookings/{booking.id}/accept", data={"csrf_token": their_token}).status_code == 403
    assert mine.post(f"/bookings/{booking.id}/accept", data={"csrf_token": my_token}).status_code == 302
    session.expire_all()
    assert booking.state == "accepted"
    assert session.scalar(select(Busy.source).where(Busy.booking_id == booking.id)) == "booking"
    assert session.scalar(select(Message.subject).where(Message.recipient == "op@lab121.example")) == \
        "Prenotazione accettata: Sala riunioni"

    # the owner's hosted feed publishes it as busy time, and a poll reads it back
    feed = requests.get(f"{base}/spaces/millepiani/feed.json", timeout=5).json()
    published = next(i for i in feed["items"] if i["_corete"]["type"] == "resource")
    start = dt.datetime.combine(monday, dt.time(10), ROME)
    assert [dt.datetime.fromisoformat(b["start"]) for b in published["_corete"]["busy"]] == [start]
    poll(app, owner)
    session.commit()
    assert sorted(session.scalars(select(Busy.source).where(Busy.resource_id == room.id))) == ["booking", "feed"]

    # a request overlapping it is refused with the next free slots, on the page and in the API
    refused = ask(theirs, their_token, room, monday, "11:00", "12:00")
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 409 and "Sala riunioni è già prenotato in quell'orario." in page
    api = theirs.post(f"/api/v1/resources/{room.id}/bookings", headers={"X-CSRFToken": their_token}, json={
        "space": "lab121", "person_name": "Giulia", "date": monday.isoformat(), "start_time": "11:00", "end_time": "12:00"})
    assert api.status_code == 409
    slots = api.get_json()["next_free"]
    assert dt.datetime.fromisoformat(slots[0]["start"]) == dt.datetime.combine(monday, dt.time(12), ROME)
    assert len(slots) == 3
    # closed hours are refused too (the space opens at 9)
    assert ask(theirs, their_token, room, monday, "07:00", "08:00").status_code == 409

    # both sides download it for their calendars; nobody else can
    for client in (mine, theirs):
        ics = client.get(f"/bookings/{booking.id}.ics")
        event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
        assert ics.mimetype == "text/calendar" and event["STATUS"] == "CONFIRMED"
        assert event.decoded("DTSTART") == start
    assert app.test_client().get(f"/bookings/{booking.id}.ics").status_code == 302  # to the login page

    # the requesting space cancels, with a reason the owner reads; the slot is free again
    assert theirs.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": their_token, "reason": ""}).status_code == 302
    session.expire_all()
    assert booking.state == "accepted"  # no reason, no cancellation
    theirs.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": their_token, "reason": "Riunione rinviata"})
    session.expire_all()
    assert (booking.state, booking.reason) == ("cancelled", "Riunione rinviata")
    assert session.scalar(select(Busy.id).where(Busy.booking_id == booking.id)) is None
    cancelled = session.scalar(select(Message).where(Message.recipient == "op@millepiani.example",
                                                     Message.subject == "Prenotazione annullata: Sala riunioni"))
    assert cancelled is not None and "Riunione rinviata" in cancelled.text
    listing = html.unescape(theirs.get("/spaces/lab121/bookings", headers=EN).get_data(as_text=True))
    assert "Sala riunioni" in listing and "cancelled" in listing and "Riunione rinviata" in listing


def test_a_visitor_confirms_their_email_before_the_space_hears_of_it(app, session, network, mailbox):
    owner, room, (mine, my_token), _theirs, base = network
    visitor = app.test_client()
    token = csrf_token(visitor.get(f"/resources/{room.id}").get_data(as_text=True))
    monday = NEXT_MONDAY
    without = visitor.post(f"/resources/{room.id}", data={"csrf_token": token, "person_name": "Ada", "date": monday.isoformat(),
                                                          "start_time": "15:00", "end_time": "16:00"})
    assert without.status_code == 400
    sent = visitor.post(f"/resources/{room.id}", data={
        "csrf_token": token, "person_name": "Ada Lovelace", "person_email": "ada@example.org",
        "date": monday.isoformat(), "start_time": "15:00", "end_time": "16:00"})
    assert sent.status_code == 302
    booking = session.scalar(select(Booking))
    assert booking.state == "unconfirmed" and booking.home_space_id is None
    assert session.scalar(select(Message.id).where(Message.recipient == "op@millepiani.example")) is None
    mailbox.send()
    link = next(u for u in links_in(mailbox.messages[-1]) if "/bookings/confirm/" in u)
    path = link.split(base, 1)[-1] if link.startswith(base) else "/" + link.split("/", 3)[3]
    assert visitor.get(path).status_code == 200  # a page with a button: opening the link confirms nothing
    session.expire_all()
    assert booking.state == "unconfirmed"
    assert visitor.post(path, data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert booking.state == "requested" and booking.email_confirmed
    assert session.scalar(select(Message.subject).where(Message.recipient == "op@millepiani.example")) == \
        "Richiesta di prenotazione: Sala riunioni"
    assert visitor.post(path, data={"csrf_token": token}).status_code == 404  # a used link is no more
    mine.post(f"/bookings/{booking.id}/decline", data={"csrf_token": my_token, "reason": "Chiusi per inventario"})
    session.expire_all()
    assert booking.state == "declined"
    told = session.scalar(select(Message).where(Message.recipient == "ada@example.org", Message.kind == "booking"))
    assert told is not None and "Chiusi per inventario" in told.text


def test_only_the_public_may_book_what_is_open_to_the_public(app, session, network):
    _owner, room, _mine, _theirs, _base = network
    room.bookable_by = "network"
    session.commit()
    visitor = app.test_client()
    page = visitor.get(f"/resources/{room.id}").get_data(as_text=True)
    assert 'name="person_email"' not in page
    token = csrf_token(visitor.get("/login").get_data(as_text=True))
    answer = visitor.post(f"/resources/{room.id}", data={
        "csrf_token": token, "person_name": "Ada", "person_email": "ada@example.org",
        "date": NEXT_MONDAY.isoformat(), "start_time": "15:00", "end_time": "16:00"})
    assert answer.status_code == 400 and session.scalar(select(Booking.id)) is None


def test_twenty_accepts_of_one_slot_at_the_same_moment_let_exactly_one_through(app, session, network):
    owner, room, _mine, _theirs, _base = network
    home = session.scalar(select(Space).where(Space.slug == "lab121"))
    start = dt.datetime.combine(NEXT_MONDAY + dt.timedelta(days=1), dt.time(10), ROME)
    ids = []
    for n in range(20):  # requests may overlap each other: only accepted ones may not
        booking, _ = services.request_booking(session, room, start=start + dt.timedelta(minutes=n),
                                              end=start + dt.timedelta(hours=1, minutes=n), person_name=f"Persona {n}",
                                              home_space=home)
        ids.append(booking.id)
    session.commit()
    barrier, outcomes = threading.Barrier(len(ids)), []

    def accept(booking_id):
        with app.app_context():
            try:
                booking = db.session.get(Booking, booking_id)
                db.session.commit()  # its connection back to the pool (of 15): all twenty are at the barrier
                barrier.wait(timeout=20)
                services.accept(db.session, booking, None)
                db.session.commit()
                outcomes.append("accepted")
            except services.Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    session.expire_all()
    assert sorted(outcomes) == ["accepted"] + ["conflict"] * 19
    assert len(session.scalars(select(Booking.id).where(Booking.state == "accepted")).all()) == 1
    assert len(session.scalars(select(Busy.id).where(Busy.source == "booking")).all()) == 1


@pytest.mark.parametrize("poll_does, accept_says", [("writes", "accepted"), ("removes", "refused")])
def test_an_accept_while_the_owners_feed_is_being_read_waits_for_it_and_does_not_deadlock(app, session, network,
                                                                                          poll_does, accept_says):
    """A poll of the owner's feed holds the feed's row and then writes or removes the
    resource (removing it lets go of its bookings); an accept marks that feed due. Accepts
    taking turns with a row lock on the resource, or marking the feed after writing the
    booking, made the two wait for each other until PostgreSQL ended one as a deadlock.
    Accepts now take turns on a lock polls never take, and mark the feed first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite writes one transaction at a time")
    _owner, room, _mine, _theirs, _base = network
    home = session.scalar(select(Space).where(Space.slug == "lab121"))
    start = dt.datetime.combine(NEXT_MONDAY + dt.timedelta(days=1), dt.time(10), ROME)
    booking, _ = services.request_booking(session, room, start=start, end=start + dt.timedelta(hours=1),
                                          person_name="Ada", home_space=home)
    session.commit()
    feed_id, room_id, booking_id, engine = room.feed_id, room.id, booking.id, db.engine
    outcomes, feed_held = [], threading.Event()

    def poll_like():  # the poller's order: the feed's row first, then the resource's
        with engine.connect() as conn:
            conn.execute(update(Feed).where(Feed.id == feed_id).values(last_polled_at=utcnow()))
            feed_held.set()
            time.sleep(1.0)  # the accept takes its turn and waits for the feed meanwhile
            try:
                if poll_does == "writes":
                    conn.execute(update(Resource).where(Resource.id == room_id).values(name="Sala grande"))
                else:
                    conn.execute(delete(Resource).where(Resource.id == room_id))
                conn.commit()
                outcomes.append("poll committed")
            except OperationalError as e:
                outcomes.append(f"poll: {type(e.orig).__name__}")

    def accept():
        feed_held.wait(10)
        with app.app_context():
            try:
                services.accept(db.session, db.session.get(Booking, booking_id), None)
                db.session.commit()
                outcomes.append("accepted")
            except OperationalError as e:
                outcomes.append(f"accept: {type(e.orig).__name__}")
            except services.ResourceError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=poll_like), threading.Thread(target=accept)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == sorted([accept_says, "poll committed"])


def test_the_database_itself_refuses_two_accepted_bookings_that_overlap(session, network):
    """Below the service's lock, the last guard: written straight to the table, a second
    overlapping accepted booking is refused (an exclusion constraint on PostgreSQL, a
    trigger on SQLite), and one that only touches it is not."""
    _owner, room, _mine, _theirs, _base = network
    home = session.scalar(select(Space).where(Space.slug == "lab121"))
    start = dt.datetime.combine(NEXT_MONDAY + dt.timedelta(days=1), dt.time(10), ROME)
    spans = [(start, start + dt.timedelta(hours=1)), (start + dt.timedelta(minutes=30), start + dt.timedelta(hours=2)),
             (start + dt.timedelta(hours=1), start + dt.timedelta(hours=2))]
    ids = [services.request_booking(session, room, start=a, end=b, person_name="Ada", home_space=home)[0].id
           for a, b in spans]
    session.commit()
    accept = update(Booking).values(state="accepted")
    session.execute(accept.where(Booking.id == ids[0]))
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(accept.where(Booking.id == ids[1]))
        session.commit()
    session.rollback()
    session.execute(accept.where(Booking.id == ids[2]))  # from the first one's end: free
    session.commit()
    states = dict(session.execute(select(Booking.id, Booking.state)).all())
    assert [states[i] for i in ids] == ["accepted", "requested", "accepted"]


def test_a_hosted_feed_publishes_only_its_own_resources_bookings(app, session, network, httpserver):
    """Another member's feed may publish an item with the hosted resource's id: its bookings
    are not the hosted space's busy time."""
    owner, room, _mine, _theirs, base = network
    body = feeds.jsonfeed({"name": "Copia"}, [feeds.item("resource", room.source_id, "Sala copiata", "meeting_room")],
                          feed_url="http://x/f.json")
    httpserver.expect_request("/copy.json").respond_with_data(body, content_type="application/feed+json")
    other = make_space(session, httpserver.url_for("/copy.json"), name="Copia")
    poll(app, other)
    session.commit()
    copy = session.scalar(select(Resource).where(Resource.space_id == other.id))
    assert copy.source_id == room.source_id
    start = dt.datetime.combine(NEXT_MONDAY, dt.time(15), ROME)
    booking, _ = services.request_booking(session, copy, start=start, end=start + dt.timedelta(hours=1),
                                          person_name="Ada", home_space=owner)
    services.accept(session, booking, None)
    session.commit()
    feed = requests.get(f"{base}/spaces/millepiani/feed.json", timeout=5).json()
    published = next(i for i in feed["items"] if i["_corete"]["type"] == "resource")
    assert "busy" not in published["_corete"]
