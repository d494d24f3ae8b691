"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from corete.core.handover import NETWORK_ZONE
from corete.core.sanitize import clean_html
from corete.events.recurrence import zone

KIND_LABELS = {
    "coworking": _l("Coworking"),
    "fablab": _l("Fab lab"),
    "coliving": _l("Coliving"),
    "incubator": _l("Incubator"),
    "other": _l("Other"),
}


def when(value, event) -> str:
    """An occurrence's start in the event's own zone, zone named; a date for all-day."""
    if not isinstance(value, dt.datetime):
        return format_date(value, format="EEE d MMM y")
    local = value.astimezone(zone(event.timezone))
    text = format_datetime(local.replace(tzinfo=None), format="EEE d MMM y, HH:mm", rebase=False)
    return f"{text} ({event.timezone or 'UTC'})"


def network_time(value: dt.datetime | str) -> str:
    """An instant (aware, or ISO 8601 text) in the network's zone, where no event's own
    zone is at hand."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = value.astimezone(zone(NETWORK_ZONE))
    return format_datetime(local.replace(tzinfo=None), format="EEE d MMM y, HH:mm", rebase=False)


def when_range(o) -> str:
    """An occurrence's span in its own zone, the zone named: "mar 1 dic 2026, 18:00–20:00
    (Europe/Rome)", or dates for all-day events (the exclusive end shown as the last day)."""
    return span(o.event, o.occurrence.start, o.occurrence.end)


def span(event, start, end) -> str:
    """``when_range`` for an event and the bounds of one of its occurrences."""
    if event.all_day:
        last = (end - dt.timedelta(days=1)) if end else start
        text = format_date(start, format="EEE d MMM y")
        return text if last == start else f"{text} – {format_date(last, format='EEE d MMM y')}"
    tz = zone(event.timezone)
    local_start = start.astimezone(tz)
    text = format_datetime(local_start.replace(tzinfo=None), format="EEE d MMM y, HH:mm", rebase=False)
    if end:
        local_end = end.astimezone(tz)
        same_day = local_end.date() == local_start.date()
        text += "–" + format_datetime(local_end.replace(tzinfo=None), format="HH:mm" if same_day else "EEE d MMM y, HH:mm",
                                      rebase=False)
    return f"{text} ({event.timezone or 'UTC'})"


def time_of_day(o) -> str:
    if o.event.all_day:
        return ""
    local = o.occurrence.start.astimezone(zone(o.event.timezone))
    return format_datetime(local.replace(tzinfo=None), format="HH:mm", rebase=False)


def sanitized(value) -> Markup:
    """Stored HTML was cleaned when it arrived; it is cleaned again here, so a stricter
    policy applies to old content too."""
    return Markup(clean_html(value) or "")


def long_date(day: dt.date) -> str:
    return format_date(day, format="EEEE d MMMM y")


def format_month(day: dt.date) -> str:
    return format_date(day, format="LLLL y")


def weekday_name(day: dt.date) -> str:
    return format_date(day, format="EEE")


def money(amount, currency: str | None = None) -> str:
    return format_currency(Decimal(str(amount)), currency or "EUR")


def normalize_number(value) -> str:
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def register(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["network_time"] = network_time
    app.jinja_env.filters["normalize_number"] = normalize_number
    app.jinja_env.filters["sanitized"] = sanitized
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["format_month"] = format_month
    app.jinja_env.filters["weekday_name"] = weekday_name
    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["when_range"] = when_range
    app.jinja_env.globals["time_of_day"] = time_of_day
    app.jinja_env.globals["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["zone_of"] = zone
