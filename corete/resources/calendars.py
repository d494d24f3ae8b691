"""Busy calendars: a resource's feed may name an iCalendar (`busy_calendar`, the room's
Google or Nextcloud calendar) whose events are busy time. The scheduler's job
"resource-calendars" (`corete resources calendars` by hand) reads each through the guarded
fetcher, as the poller reads feeds, and replaces that resource's calendar busy time.

A calendar that cannot be fetched or read changes nothing: the busy time the hub knew
stays, and the error is kept on the resource for its operators to see."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, or_, select

from corete.core.models import utcnow
from corete.core.when import instant
from corete.events.recurrence import expand
from corete.resources.models import Busy, Resource

HORIZON = dt.timedelta(days=180)  # how far ahead a calendar's events become busy time
MAX_SPANS = 5000  # per calendar


def due(session, now: dt.datetime, every: dt.timedelta, limit: int) -> list[Resource]:
    return list(session.scalars(select(Resource).where(
        Resource.calendar_url.is_not(None),
        or_(Resource.calendar_read_at.is_(None), Resource.calendar_read_at <= now - every))
        .order_by(Resource.calendar_read_at.is_not(None), Resource.calendar_read_at).limit(limit)))


def busy_from(body: bytes, content_type: str | None, base_url: str, now: dt.datetime) -> list[tuple]:
    """The spans a calendar's events (recurring ones expanded) take from yesterday to the
    horizon; cancelled events take none. InvalidDocument/NotAFeed when it is not one."""
    from corete.federation.parse import parse_feed

    doc = parse_feed(body, content_type or "text/calendar", base_url=base_url, max_items=MAX_SPANS)
    spans = []
    for item in doc.items:
        data = item.data
        if item.type != "event" or data.status == "cancelled" or data.recurrence_id:
            continue
        for occ in expand(all_day=data.all_day, start=data.start, end=data.end, timezone=data.timezone,
                          rrule=data.rrule, rdates=data.rdates, exdates=data.exdates,
                          window_start=now - dt.timedelta(days=1), window_end=now + HORIZON):
            start, end = instant(occ.start, data.timezone), instant(occ.end, data.timezone) if occ.end else None
            if end is None:  # no end: a date takes the day, a time an hour
                end = start + (dt.timedelta(days=1) if data.all_day else dt.timedelta(hours=1))
            if end > start:
                spans.append((start, end))
    return sorted(spans)[:MAX_SPANS]


def read_calendars(session, config, now: dt.datetime | None = None, limit: int | None = None) -> str:
    """Read the calendars that are due; what was done, in words. Commits per calendar."""
    from corete.federation.fetch import FetchError, FetchPolicy, SendingTime, fetch
    from corete.federation.parse import InvalidDocument, NotAFeed

    now = now or utcnow()
    every = dt.timedelta(minutes=float(config["RESOURCE_CALENDAR_MINUTES"]))
    resources = due(session, now, every, int(limit or config["RESOURCE_CALENDARS_PER_RUN"]))
    if not resources:
        return "no calendars to read"
    policy, clock = FetchPolicy.from_config(config), SendingTime(config)
    read = unchanged = failed = left = 0
    for resource in resources:
        if not clock.left():  # still due: the next run reads it
            left += 1
            continue
        resource.calendar_read_at = now
        try:
            result = fetch(resource.calendar_url, policy, etag=resource.calendar_etag)
            if result.status == 304:
                unchanged += 1
            else:
                spans = busy_from(result.body, result.content_type, result.url, now)
                session.execute(delete(Busy).where(Busy.resource_id == resource.id, Busy.source == "calendar"),
                                execution_options={"synchronize_session": False})
                if spans:
                    session.execute(insert(Busy.__table__), [
                        {"resource_id": resource.id, "start": s, "end": e, "source": "calendar"} for s, e in spans])
                resource.calendar_etag = result.etag
                read += 1
            resource.calendar_error = None
        except FetchError as e:
            resource.calendar_error, failed = f"{e.error_class}: {e.message}"[:300], failed + 1
        except (InvalidDocument, NotAFeed) as e:
            resource.calendar_error, failed = f"not a calendar: {e}"[:300], failed + 1
        session.commit()
    return f"{read} calendars read, {unchanged} unchanged, {failed} failed" + (
        f", {left} left for the next run" if left else "")
