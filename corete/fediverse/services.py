"""The rules of the fediverse: the network calendar (@calendar) and each space's calendar
(@<slug>) as ActivityPub actors that other servers (Mastodon, Mobilizon, Gancio) follow.

- A Follow comes to an actor's inbox signed (HTTP Signatures): the signature is checked
  with the key its keyId names (fetched through the poller's guarded fetcher, then kept),
  and must be the activity's actor's own; the follower is kept and an Accept queued.
- ``announce``, from the scheduler: events that appeared, changed or were cancelled (or
  removed) since the last look are queued as Create, Update or Delete for the followers of
  the network's calendar and of the event's space.
- ``deliver``, from the scheduler: the queue is sent, each request signed with the sending
  actor's key, retried 2, 4, 8... minutes apart up to FEDIVERSE_DELIVERY_ATTEMPTS.
Never from a web request: a page never waits for another server.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import replace

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from corete.core.models import chunks, utcnow
from corete.events.models import Event
from corete.fediverse import signatures
from corete.fediverse.models import ActorKey, Announced, Delivery, Follower, RemoteActor
from corete.fediverse.objects import NETWORK, Addresses, activity, event_object
from corete.federation.fetch import FetchError, FetchPolicy, SendingTime, backoff, fetch, post
from corete.spaces.models import Space

log = logging.getLogger(__name__)
ACTIVITY_TYPES = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
MAX_DELIVERIES_PER_RUN = 200
RETRY_CEILING = 6 * 3600


class Refused(ValueError):
    """An inbox request the hub does not take: ``status`` and the reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def enabled(config) -> bool:
    return bool(config.get("FEDIVERSE_ENABLED") and config.get("PUBLIC_URL"))


def addresses(config) -> Addresses:
    return Addresses(config["PUBLIC_URL"])


def find_actor(session, name: str) -> Space | str | None:
    """NETWORK for the network's calendar, the Space for a space's, None for no actor."""
    if name == NETWORK:
        return NETWORK
    return session.scalar(select(Space).where(Space.slug == name, Space.active.is_(True)))


def key_of(session, name: str) -> ActorKey:
    """The actor's signing key, made the first time it is needed (the caller commits it
    before it signs or shows anything with it)."""
    key = session.get(ActorKey, name)
    if key is None:
        private, public = signatures.new_key()
        key = ActorKey(name=name, private_pem=private, public_pem=public)
        session.add(key)
        session.flush()
    return key


def shown_key(session, name: str) -> ActorKey:
    """The key an actor's document shows, made and committed if need be: a key another
    process made at the same moment wins, and is the one shown."""
    try:
        key = key_of(session, name)
        session.commit()
    except IntegrityError:
        session.rollback()
        key = session.get(ActorKey, name)
    return key


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _policy(config) -> FetchPolicy:
    policy = FetchPolicy.from_config(config)
    return replace(policy, accept=ACTIVITY_TYPES,
                   total_deadline=min(policy.total_deadline, float(config["FEDIVERSE_FETCH_DEADLINE"])))


def _remote(session, key_id: str, config, *, fresh: bool = False) -> RemoteActor:
    """The key ``key_id`` names and its owner: kept, or fetched (again when ``fresh``)."""
    known = session.scalar(select(RemoteActor).where(RemoteActor.key == _sha(key_id)))
    if known is not None and not fresh:
        return known
    try:
        answer = fetch(key_id.split("#", 1)[0], _policy(config))
        document = json.loads(answer.body)
    except (FetchError, ValueError, RecursionError) as e:  # RecursionError: JSON nested beyond reason
        raise Refused(401, f"the signing key could not be read: {getattr(e, 'message', None) or str(e)[:200]}") from None
    key = document.get("publicKey") if isinstance(document, dict) else None
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict) and k.get("id") == key_id), None)
    if not isinstance(key, dict) or key.get("id") != key_id or not isinstance(key.get("publicKeyPem"), str):
        raise Refused(401, "the keyId does not lead to that key")
    owner = key.get("owner") or document.get("id")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    known = known or RemoteActor(key=_sha(key_id), key_id=key_id)
    known.actor, known.public_pem = str(owner)[:2000], key["publicKeyPem"]
    known.inbox = document.get("inbox") if isinstance(document.get("inbox"), str) else None
    known.shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints.get("sharedInbox"), str) else None
    known.fetched_at = utcnow()
    session.add(known)
    session.flush()
    return known


def verified_sender(session, method: str, target: str, headers, body: bytes, config) -> RemoteActor:
    """The remote actor that signed this request; Refused (401) when nobody did."""
    try:
        key_id, params = signatures.key_id_of(headers.get("Signature"))
        sender = _remote(session, key_id, config)
        check = (sender.public_pem, params, method, target, headers, body, utcnow(),
                 float(config["FEDIVERSE_SIGNATURE_MAX_AGE"]))
        try:
            signatures.verify(*check)
        except signatures.BadSignature:
            sender = _remote(session, key_id, config, fresh=True)  # the key may have changed
            signatures.verify(sender.public_pem, *check[1:])
    except signatures.BadSignature as e:
        raise Refused(401, str(e)) from None
    return sender


def receive(session, name: str, method: str, target: str, headers, body: bytes, config) -> str:
    """An activity posted to an actor's inbox; what was done, in a word. Raises Refused."""
    sender = verified_sender(session, method, target, headers, body, config)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(400, "the body is not JSON (or is nested beyond reason)") from None
    if not isinstance(data, dict) or data.get("actor") != sender.actor:
        raise Refused(401, "the activity's actor is not the one who signed it")
    ap = addresses(config)
    kind, obj = data.get("type"), data.get("object")
    if kind == "Follow" and obj == ap.actor(name):
        inbox = sender.shared_inbox or sender.inbox
        if not inbox:
            raise Refused(400, "the follower has no inbox")
        row = session.scalar(select(Follower).where(Follower.key == _sha(f"{name}\n{sender.actor}")))
        if row is None:
            row = Follower(key=_sha(f"{name}\n{sender.actor}"), actor_name=name, follower=sender.actor)
            session.add(row)
        row.inbox, row.follow_id = inbox[:2000], str(data.get("id") or "")[:2000] or None
        accept = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Accept", "actor": ap.actor(name),
                  "id": f"{ap.actor(name)}/accepts/{_sha(str(data.get('id')) + sender.actor)[:32]}", "object": data}
        _queue(session, name, [inbox], "Accept", accept)
        return "followed"
    if kind == "Undo" and isinstance(obj, dict) and obj.get("type") == "Follow":
        session.execute(delete(Follower).where(Follower.key == _sha(f"{name}\n{sender.actor}")))
        return "unfollowed"
    return "ignored"


def _queue(session, name: str, inboxes, kind: str, document: dict) -> int:
    body = json.dumps(document, ensure_ascii=False)
    now = utcnow()
    for inbox in dict.fromkeys(inboxes):  # once per inbox, a shared one included
        session.add(Delivery(actor_name=name, inbox=inbox, activity=body, kind=kind, created_at=now, attempts=0,
                             next_attempt_at=now, given_up=False))
    return len(dict.fromkeys(inboxes))


def followers_count(session, name: str) -> int:
    return session.scalar(select(func.count()).select_from(Follower).where(Follower.actor_name == name))


def _version(event) -> str:
    """The version of an event followers are told of (in its activities' ids)."""
    return _sha(f"{event.updated_at.isoformat()}|{event.status}")[:32]


def _upcoming(now: dt.datetime):
    """Events (not the overrides of one date of a series) of active spaces that have not
    ended: a series that never ends never has."""
    return (Space.active.is_(True), Event.recurrence_id.is_(None),
            or_(and_(Event.is_series.is_(True), Event.series_end_at.is_(None)),
                func.coalesce(Event.series_end_at, Event.end_at, Event.start_at) >= now))


def _outbox_filter(stmt, now: dt.datetime, space: Space | None):
    stmt = stmt.join(Space, Space.id == Event.space_id).where(*_upcoming(now), Event.status != "cancelled")
    return stmt.where(Event.space_id == space.id) if space is not None else stmt


def announced_events(session, *, now: dt.datetime, space: Space | None = None, limit: int = 20,
                     offset: int = 0) -> list[Event]:
    """Upcoming events as the calendars show them (the outbox): not cancelled, not past, of
    active spaces, soonest first."""
    stmt = _outbox_filter(select(Event), now, space)
    return list(session.scalars(stmt.options(selectinload(Event.space)).order_by(Event.start_at, Event.id)
                                .offset(offset).limit(limit)))


def announced_count(session, *, now: dt.datetime, space: Space | None = None) -> int:
    """How many events the outbox holds, counted by the database."""
    return session.scalar(_outbox_filter(select(func.count(Event.id)), now, space))


def announce(session, config, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue Create, Update and Delete for what changed since the last look. Events that
    merely ended are forgotten without a word. The database finds what differs from what
    was announced (by when each event last changed, and its state), so a look where
    nothing changed reads no event. Flushes; the caller commits."""
    now = now or utcnow()
    ap = addresses(config)
    told = Announced.__table__.c
    differs = (select(Event.id).join(Space, Space.id == Event.space_id)
               .outerjoin(Announced.__table__, told.event_id == Event.id)
               .where(*_upcoming(now), or_(and_(told.event_id.is_(None), Event.status != "cancelled"),
                                           told.updated_at != Event.updated_at, told.status != Event.status)))
    changed = list(session.scalars(differs))
    upcoming = select(Event.id).join(Space, Space.id == Event.space_id).where(*_upcoming(now))
    gone = session.execute(select(told.event_id, told.space_slug, Event.id.is_not(None) & (Event.status != "cancelled"))
                           .select_from(Announced.__table__).outerjoin(Event, Event.id == told.event_id)
                           .where(told.event_id.not_in(upcoming))).all()
    followers: dict[str, list[str]] = {}
    for actor_name, inbox in session.execute(select(Follower.actor_name, Follower.inbox)):
        followers.setdefault(actor_name, []).append(inbox)
    counts = dict.fromkeys(("Create", "Update", "Delete"), 0)

    def tell(kind: str, event_id: int, slug: str, obj: dict | None, version: str) -> None:
        for name in (NETWORK, slug):
            inboxes = followers.get(name, [])
            if inboxes:
                document = {"id": ap.event(event_id), "type": "Event"}
                if obj is not None:
                    document = {**obj, "attributedTo": ap.actor(name), "cc": [ap.actor(name) + "/followers"]}
                counts[kind] += _queue(session, name, inboxes, kind, activity(ap, kind, name, document, version))

    for ids in chunks(changed):
        before_of = {a.event_id: a for a in session.scalars(select(Announced).where(Announced.event_id.in_(ids)))}
        for event in session.scalars(select(Event).where(Event.id.in_(ids)).options(selectinload(Event.space))
                                     .order_by(Event.id)):
            before, version = before_of.get(event.id), _version(event)
            if event.status == "cancelled":
                if before is not None:
                    tell("Delete", event.id, event.space.slug, None, version)
                    session.delete(before)
                continue
            obj = event_object(ap, event, actor_name=NETWORK)
            tell("Create" if before is None else "Update", event.id, event.space.slug, obj, version)
            if before is None:
                before = Announced(event_id=event.id, space_slug=event.space.slug)
                session.add(before)
            before.updated_at, before.status, before.announced_at = event.updated_at, event.status, now
    for event_id, slug, still_there in gone:
        if not still_there:  # removed from its feed or cancelled: say so; ended: nothing to say
            tell("Delete", event_id, slug, None, "gone")
    if gone:
        session.execute(delete(Announced).where(Announced.event_id.in_([g[0] for g in gone])))
    session.flush()
    return counts


def deliver(session, config, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """Send what is due, signed; (delivered, failed, left for the next run: the run's
    sending time was spent). Flushes; the caller commits."""
    now = now or utcnow()
    ap = addresses(config)
    sent = failed = left = 0
    is_due = (Delivery.given_up.is_(False), Delivery.next_attempt_at <= now)
    # Keys are committed before anything is signed with them: the receiver fetches the key
    # the signature names, and must find the one it was made with. The rows are read after
    # that commit, so none is read again one by one (only those of these actors: an inbox
    # may queue an Accept meanwhile, sent at the next run).
    keys = {name: key_of(session, name).private_pem
            for name in session.scalars(select(Delivery.actor_name).where(*is_due).distinct())}
    session.commit()
    due = list(session.scalars(select(Delivery).where(*is_due, Delivery.actor_name.in_(keys))
                               .order_by(Delivery.id).limit(MAX_DELIVERIES_PER_RUN)))
    policy, clock = FetchPolicy.from_config(config), SendingTime(config)
    for row in due:
        if not clock.left():
            left += 1
            continue
        body = row.activity.encode()
        headers = signatures.sign(keys[row.actor_name], ap.key(row.actor_name), row.inbox, body, utcnow())
        try:
            status, answer = post(row.inbox, body, "application/activity+json", policy, headers=headers)
            error = None if 200 <= status < 300 else f"HTTP {status}: {answer.strip()}"
        except FetchError as e:
            error = e.message
        if error is None:
            session.delete(row)
            sent += 1
            continue
        failed += 1
        row.attempts += 1
        row.last_error = error[:500]
        row.next_attempt_at = now + backoff(row.attempts, RETRY_CEILING)
        row.given_up = row.attempts >= int(config["FEDIVERSE_DELIVERY_ATTEMPTS"])
    session.flush()
    return sent, failed, left


def run(session, config) -> str | None:
    """The scheduler's job: announce what changed, deliver what is due."""
    if not enabled(config):
        return None
    counts = announce(session, config)
    session.commit()
    sent, failed, left = deliver(session, config)
    if not (sum(counts.values()) or sent or failed or left):
        return None
    return (f"fediverse: {counts['Create']} Create, {counts['Update']} Update, {counts['Delete']} Delete queued; "
            f"{sent} delivered, {failed} failed" + (f", {left} left for the next run" if left else ""))
