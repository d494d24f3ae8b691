"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

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


def normalize_number(value) -> str:
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def register(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["normalize_number"] = normalize_number
    app.jinja_env.globals["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
