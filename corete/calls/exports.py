"""Calls' deadlines to subscribe to: an iCalendar of all-day events, each with a reminder
alarm (the calls' Atom feed is written by core/atom.py, from views.py)."""
from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Alarm, Calendar, Event

from corete.calls.models import Call
from corete.core.sanitize import html_to_text, xml_safe
from corete.core.when import NETWORK_ZONE

PRODID = "-//CoRete//CoRete hub calls//IT"
DEFAULT_REMIND_DAYS = 7  # the alarm, this many days before the deadline's day (schemas.ExportArgs: 0 to 60)


def export_uid(call: Call) -> str:
    """The UID subscribers see, the same at every export for as long as the call keeps its id
    in its feed (or, for the coordinators' calls, on the hub)."""
    origin = "network" if call.network else str(call.feed_id)
    digest = hashlib.blake2b(f"call\x1f{origin}\x1f{call.source_id}".encode(), digest_size=12).hexdigest()
    return f"{digest}@corete"


def deadlines_document(calls: list[Call], *, name: str, summary_of, description_of, url_of,
                       remind_days: int = DEFAULT_REMIND_DAYS) -> bytes:
    """Each call with a deadline as an all-day event on its last day, with a display alarm
    ``remind_days`` before it (0: on the day itself, at its start). ``summary_of``,
    ``description_of`` and ``url_of`` give a call's words (in the reader's language) and
    its page on the hub."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", " ".join(xml_safe(name).split()))
    cal.add("x-wr-timezone", NETWORK_ZONE)
    for call in calls:
        if call.deadline_day is None:
            continue
        ev = Event()
        ev.add("uid", export_uid(call))
        ev.add("dtstamp", call.updated_at)
        ev.add("last-modified", call.updated_at)
        ev.add("created", call.first_seen_at)
        ev.add("summary", xml_safe(summary_of(call)))
        ev.add("dtstart", call.deadline_day)
        ev.add("dtend", call.deadline_day + dt.timedelta(days=1))
        ev.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        description = "\n\n".join(p for p in (description_of(call), html_to_text(call.description_html)) if p)
        if description:
            ev.add("description", xml_safe(description))
        ev.add("url", url_of(call))
        if call.tags:
            ev.add("categories", [xml_safe(t) for t in call.tags])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", xml_safe(summary_of(call)))
        alarm.add("trigger", -dt.timedelta(days=remind_days))
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical()
