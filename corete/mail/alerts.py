"""Telling people when a feed breaks: one message when an episode of failures starts
(FEED_ALERT_FAILURES failures in a row, or failing for FEED_ALERT_HOURS), one when the
feed is read again; never one per poll. They go to the space's operators and to the
coordinators, in each one's language, written with the poll that causes them.

And the coordinators' daily summary: spaces silent for FEED_STALE_DAYS and removals held
for confirmation, sent only when there is something in it.

The poller does not call this module: it sends core.signals' feed_failed and feed_read,
which this module listens to (the app factory imports it)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from corete.accounts.models import User
from corete.accounts.services import coordinators, operators_of
from corete.core.signals import feed_failed, feed_read
from corete.federation.models import Feed
from corete.federation.reasons import DOCUMENT_FIXES, PLAIN_ERRORS
from corete.mail.services import queue

NOT_THE_MEMBERS = ("rate_limited", "busy")  # the server asked for time, or the hub was busy


def people(session, space) -> list[User]:
    """The space's active operators and every active coordinator."""
    return [*operators_of(session, space), *coordinators(session)]


def _tell(session, feed: Feed, kind: str, config, **context) -> None:
    space = feed.space
    episode = feed.failing_since.isoformat()
    subject = {"feed_failing": lambda: _("The feed of %(space)s cannot be read", space=space.name),
               "feed_recovered": lambda: _("The feed of %(space)s is read again", space=space.name)}[kind]
    for user in people(session, space):
        queue(session, key=f"{kind}:{feed.id}:{episode}:{user.id}", kind=kind, to=user.email,
              lang=user.lang, subject=subject, config=config,
              context={"space": space, "feed": feed, "coordinator": user.role == "coordinator", **context})


@feed_failed.connect
def _failed(feed: Feed, *, session, error_class, now, config, hub_offline=False) -> None:
    after_failure(session, feed, error_class, now, config, hub_offline=hub_offline)


@feed_read.connect
def _read(feed: Feed, *, session, now, config) -> None:
    after_success(session, feed, now, config)


def after_failure(session, feed: Feed, error_class: str | None, now: dt.datetime, config, *, hub_offline=False) -> None:
    if hub_offline or error_class in NOT_THE_MEMBERS:
        return
    if feed.failing_since is None:
        feed.failing_since = now
    enough = feed.state == "gone" or feed.consecutive_failures >= int(config["FEED_ALERT_FAILURES"]) \
        or now - feed.failing_since >= dt.timedelta(hours=float(config["FEED_ALERT_HOURS"]))
    if feed.alerted_at is None and enough:
        feed.alerted_at = now
        _tell(session, feed, "feed_failing", config, error_class=error_class, problem=PLAIN_ERRORS.get(error_class),
              fix=DOCUMENT_FIXES.get(error_class), failures=max(feed.consecutive_failures, 1))


def after_success(session, feed: Feed, now: dt.datetime, config) -> None:
    if feed.failing_since is not None and feed.alerted_at is not None:
        _tell(session, feed, "feed_recovered", config, since=feed.failing_since)
    feed.failing_since = feed.alerted_at = None


def daily_summary(session, now: dt.datetime, config) -> int:
    """The coordinators' daily summary, when there is something to say; messages queued."""
    from corete.federation.services import stopped_publishing
    from corete.spaces.models import Space

    silent = stopped_publishing(session, now, dt.timedelta(days=int(config["FEED_STALE_DAYS"])))
    held = list(session.scalars(select(Feed).join(Space, Feed.space_id == Space.id)
                                .where(Feed.held_removals.is_not(None), Space.active.is_(True)).order_by(Space.name)))
    held = [f for f in held if f.held_removals]
    if not silent and not held:
        return 0
    queued = 0
    for user in coordinators(session):
        queued += queue(session, key=f"daily-summary:{now.date().isoformat()}:{user.id}", kind="daily_summary",
                        to=user.email, lang=user.lang, config=config,
                        subject=lambda: _("CoRete: %(n)d spaces to look at today", n=len(silent) + len(held)),
                        context={"silent": silent, "held": held, "days": int(config["FEED_STALE_DAYS"])})
    return queued
