"""Subscribing (double opt-in by a signed link), unsubscribing (one click, RFC 8058), the
monthly digest and the weekly follow e-mails, and the news operators contribute.

Sending an issue queues one message per subscriber into the outbox, each under the key
"<issue>:<subscription>", committed in batches: a sender that dies halfway is resumed by
the next run, which skips what is already queued (bench/bench_mail.py measures it)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import scoped_session

from corete.core.when import NETWORK_ZONE
from corete.core.models import utcnow
from corete.mail.services import Outgoing, normalise, queue, queue_many
from corete.newsletter.models import KINDS, NewsItem, Subscription

ZONE = ZoneInfo(NETWORK_ZONE)
CONFIRM_SALT, UNSUBSCRIBE_SALT = "corete.newsletter-confirm", "corete.newsletter-unsubscribe"
BATCH = 200  # messages queued per commit
MAX_EVENTS = 60  # per message
MAX_CALLS = 20


class NewsletterError(ValueError):
    pass


@dataclass
class Wish:
    """What a person asked for: checked, then carried by the confirmation link."""

    email: str
    kind: str
    lang: str
    cities: list
    tags: list
    spaces: list

    @property
    def filter_key(self) -> str:
        if self.kind == "newsletter":
            return ""
        text = json.dumps([sorted(self.cities), sorted(self.tags), sorted(self.spaces)])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def dump(self) -> dict:
        return {"e": self.email, "k": self.kind, "l": self.lang, "c": self.cities, "t": self.tags, "s": self.spaces}

    @classmethod
    def load(cls, data) -> "Wish | None":
        try:
            wish = cls(data["e"], data["k"], data["l"], list(data["c"]), list(data["t"]), list(data["s"]))
        except (KeyError, TypeError):
            return None
        return wish if wish.kind in KINDS and all(isinstance(v, str) for v in (*wish.cities, *wish.tags, *wish.spaces)) \
            else None


def _signer(salt: str, timed: bool = True):
    key = current_app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(key, salt=salt) if timed else URLSafeSerializer(key, salt=salt)


def ask(session, wish: Wish) -> None:
    """Queue the confirmation link (the same answer for an address already subscribed);
    at most one link per address and wish every ten minutes."""
    token = _signer(CONFIRM_SALT).dumps(wish.dump())
    bucket = int(time.time() // 600)
    queue(session, key=f"subscribe:{wish.kind}:{wish.email}:{wish.filter_key}:{bucket}", kind="newsletter_confirm",
          to=wish.email, lang=wish.lang, sensitive=True,
          subject=(lambda: _("Confirm your subscription to the CoRete newsletter")) if wish.kind == "newsletter"
          else (lambda: _("Confirm your weekly CoRete e-mail")),
          context={"wish": wish, "link": url_for("newsletter.confirm", token=token, _external=True),
                   "days": int(current_app.config["NEWSLETTER_CONFIRM_DAYS"])})


def wish_of(token: str) -> Wish | None:
    try:
        data = _signer(CONFIRM_SALT).loads(token or "", max_age=int(current_app.config["NEWSLETTER_CONFIRM_DAYS"]) * 86400)
    except BadSignature:
        return None
    return Wish.load(data) if isinstance(data, dict) else None


def confirm(session, wish: Wish) -> Subscription:
    """The subscription the wish asks for, confirmed now (a second confirmation of the same
    wish changes nothing; a new wish for the newsletter replaces the old preferences)."""
    from corete.mail.services import lift_refusal

    subscription = session.scalar(select(Subscription).where(
        Subscription.email == wish.email, Subscription.kind == wish.kind, Subscription.filter_key == wish.filter_key))
    if subscription is None:
        subscription = Subscription(email=wish.email, kind=wish.kind, filter_key=wish.filter_key)
        session.add(subscription)
    subscription.lang, subscription.cities, subscription.tags, subscription.spaces = \
        wish.lang, wish.cities, wish.tags, wish.spaces
    if subscription.unsubscribed_at is not None or subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
    subscription.unsubscribed_at = None
    lift_refusal(session, wish.email)  # the person just proved the address works
    session.flush()
    return subscription


def unsubscribe_token(subscription: Subscription) -> str:
    return _signer(UNSUBSCRIBE_SALT, timed=False).dumps({"s": subscription.id})


def subscription_of(session, token: str) -> Subscription | None:
    try:
        data = _signer(UNSUBSCRIBE_SALT, timed=False).loads(token or "")
    except BadSignature:
        return None
    sid = data.get("s") if isinstance(data, dict) else None
    return session.get(Subscription, sid) if isinstance(sid, int) else None


def unsubscribe(subscription: Subscription) -> bool:
    """Whether this did it (False: it was already done)."""
    if subscription.unsubscribed_at is not None:
        return False
    subscription.unsubscribed_at = utcnow()
    return True


def cities(session) -> list[str]:
    from corete.spaces.models import Space

    return [c for c in session.scalars(select(Space.city).where(Space.active.is_(True), Space.city.is_not(None))
                                       .group_by(Space.city).order_by(func.lower(Space.city))) if c]


# --- Sending ------------------------------------------------------------------------------------


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), ZONE).astimezone(dt.timezone.utc)


def _wanted(occurrence, subscription: Subscription) -> bool:
    event = occurrence.event
    space = event.space
    if subscription.cities and (space.city or "").casefold() not in {c.casefold() for c in subscription.cities}:
        return False
    if subscription.spaces and space.slug not in subscription.spaces:
        return False
    if subscription.tags:
        tags = {t.casefold() for t in event.tags or []}
        if not tags & {t.casefold() for t in subscription.tags}:
            return False
    return True


def _headers(subscription: Subscription) -> tuple[dict, str]:
    link = url_for("newsletter.unsubscribe", token=unsubscribe_token(subscription), _external=True)
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "CoRete <newsletter.corete>"}, link


def _send(session, subscriptions, issue: str, kind: str, subject, context_of) -> int:
    """Queue one message per subscription that has something to say; batches committed."""
    from corete.mail.compose import links

    queued = 0
    # The events and news rendered into every message stay loaded across the batches'
    # commits (expired, each message would read them again).
    target = session() if isinstance(session, scoped_session) else session
    expire, target.expire_on_commit = target.expire_on_commit, False
    try:
        with links():  # unsubscribe links are absolute, as in the message
            batch = []
            for subscription in subscriptions:
                context = context_of(subscription)
                if context is None:
                    continue
                headers, link = _headers(subscription)
                batch.append(Outgoing(f"{issue}:{subscription.id}", kind, subscription.email, subscription.lang,
                                      subject, {**context, "unsubscribe_url": link, "subscription": subscription},
                                      headers=headers))
                if len(batch) == BATCH:
                    queued += queue_many(session, batch)
                    session.commit()
                    batch = []
            queued += queue_many(session, batch)
        session.commit()
    finally:
        target.expire_on_commit = expire
    return queued


def _active(session, kind: str):
    return session.scalars(select(Subscription).where(Subscription.kind == kind, Subscription.unsubscribed_at.is_(None))
                           .order_by(Subscription.id)).yield_per(BATCH)


def send_digest(session, start: dt.date, end: dt.date) -> int:
    """The newsletter for [start, end): each subscriber, the events of their cities and tags,
    the approved news, the calls new or closing, the rounds closing; nothing to someone with
    nothing in it."""
    from corete.calls.services import for_period
    from corete.events.services import upcoming
    from corete.purchasing.models import Round

    issue = f"newsletter:{start.isoformat()}:{end.isoformat()}"
    events = upcoming(_instant(start), _instant(end), session=session, limit=2000)
    rounds = list(session.scalars(select(Round).where(
        Round.state == "open", Round.closes_at >= _instant(start), Round.closes_at < _instant(end))
        .order_by(Round.closes_at)))
    news = list(session.scalars(select(NewsItem).where(NewsItem.state == "approved", NewsItem.issue.is_(None))
                                .order_by(NewsItem.decided_at)))
    calls = for_period(session, _instant(start), _instant(end), MAX_CALLS)
    last_day = end - dt.timedelta(days=1)

    def context_of(subscription):
        found = [o for o in events if _wanted(o, subscription)][:MAX_EVENTS]
        if not found and not news and not calls:
            return None
        return {"events": found, "news": news, "calls": calls, "rounds": rounds, "start": start, "last_day": last_day}

    queued = _send(session, list(_active(session, "newsletter")), issue, "newsletter",
                   lambda: _("CoRete: the network from %(start)s", start=_long(start)), context_of)
    for item in news:
        item.issue = issue
    session.commit()
    return queued


def _long(day: dt.date) -> str:
    from corete.core.templating import long_date

    return long_date(day)


def send_follow(session, today: dt.date, days: int = 7) -> int:
    """The weekly e-mail of each followed filter: its events of the next ``days`` days."""
    from corete.events.services import upcoming

    year, week, _weekday = today.isocalendar()
    end = today + dt.timedelta(days=days)
    events = upcoming(_instant(today), _instant(end), session=session, limit=2000)

    def context_of(subscription):
        found = [o for o in events if _wanted(o, subscription)][:MAX_EVENTS]
        return {"events": found, "start": today, "last_day": end - dt.timedelta(days=1)} if found else None

    return _send(session, list(_active(session, "follow")), f"follow:{year}-W{week:02d}", "follow",
                 lambda: _("CoRete: your week from %(start)s", start=_long(today)), context_of)


def due_issue(now: dt.datetime, config) -> tuple[dt.date, dt.date] | None:
    """The newsletter's period when it is the configured day and hour (network time)."""
    local = now.astimezone(ZONE)
    if local.day != int(config["NEWSLETTER_DAY"]) or local.hour < int(config["NEWSLETTER_HOUR"]):
        return None
    return local.date(), local.date() + dt.timedelta(days=int(config["NEWSLETTER_DAYS"]))


def follow_due(now: dt.datetime, config) -> dt.date | None:
    local = now.astimezone(ZONE)
    if local.weekday() != int(config["FOLLOW_WEEKDAY"]) or local.hour < int(config["FOLLOW_HOUR"]):
        return None
    return local.date()


# --- News from the spaces -----------------------------------------------------------------------


def propose_news(session, space, author: str, title: str, body: str) -> NewsItem:
    title, body = " ".join((title or "").split()), (body or "").strip()
    if not 3 <= len(title) <= 200:
        raise NewsletterError(_("Give the news a title of 3 to 200 characters."))
    if not 10 <= len(body) <= 1500:
        raise NewsletterError(_("Write the news in 10 to 1,500 characters."))
    item = NewsItem(space_id=space.id, author=author, title=title, body=body)
    session.add(item)
    session.flush()
    return item


def news_of(session, space, limit: int = 20) -> list[NewsItem]:
    return list(session.scalars(select(NewsItem).where(NewsItem.space_id == space.id)
                                .order_by(NewsItem.created_at.desc()).limit(limit)))


def decide_news(item: NewsItem, *, approve: bool, by: str, reason: str | None = None) -> None:
    if item.issue is not None:
        raise NewsletterError(_("This news already went out."))
    if not approve and not (reason or "").strip():
        raise NewsletterError(_("Say why the news is not published: its space will read it."))
    item.state = "approved" if approve else "rejected"
    item.reason = None if approve else reason.strip()[:1000]
    item.decided_by, item.decided_at = by, utcnow()


def clean_email(value: str) -> str:
    from corete.accounts.services import _EMAIL

    email = normalise(value)
    if not _EMAIL.match(email) or len(email) > 254:
        raise NewsletterError(_("%(email)s is not an e-mail address", email=email or "''"))
    return email

