"""Jinja filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from corete.core.sanitize import clean_html
from corete.core.when import NETWORK_ZONE, zone

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


def network_time(value: dt.datetime | str, zone_name: str | None = None) -> str:
    """An instant (aware, or ISO 8601 text) in the network's zone, where no event's own
    zone is at hand (or in ``zone_name``)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = value.astimezone(zone(zone_name or NETWORK_ZONE))
    return format_datetime(local.replace(tzinfo=None), format="EEE d MMM y, HH:mm", rebase=False)


def iso_text(value: str, zone_name: str | None = None) -> str:
    """A date or an instant written as ISO 8601 text (as a feed item holds it), as people
    write it: a date alone, or the instant in ``zone_name`` (the network's by default)."""
    if len(value) == 10:
        return format_date(dt.date.fromisoformat(value), format="EEE d MMM y")
    return network_time(value, zone_name)


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


def long_date(day: dt.date | str) -> str:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return format_date(day, format="EEEE d MMMM y")


# The units of the feed format (federation.schemas.UNITS) and the counted units of
# purchasing, named in the reader's language; symbols (kg, l, m2...) stay as they are.
_UNIT_NAMES = {
    "piece": lambda n: ngettext("piece", "pieces", n), "pack": lambda n: ngettext("pack", "packs", n),
    "ream": lambda n: ngettext("ream", "reams", n), "box": lambda n: ngettext("box", "boxes", n),
    "hour": lambda n: ngettext("hour", "hours", n), "day": lambda n: ngettext("day", "days", n),
    "sheet": lambda n: ngettext("sheet", "sheets", n), "roll": lambda n: ngettext("roll", "rolls", n),
    "carton": lambda n: ngettext("carton", "cartons", n), "bottle": lambda n: ngettext("bottle", "bottles", n),
    "can": lambda n: ngettext("can", "cans", n), "bag": lambda n: ngettext("bag", "bags", n),
}


def unit_name(unit: str | None, amount=2) -> str:
    """"carton" as the reader says it, singular for one, plural otherwise."""
    if not unit:
        return ""
    key = unit.strip().lower()
    name = _UNIT_NAMES.get(key) or (_UNIT_NAMES.get(key[:-1]) if key.endswith("s") else None)
    return name(1 if amount == 1 else 2) if name else unit


def number(value) -> str:
    """A decimal as the reader writes it ("2,5" in Italian), no trailing zeros."""
    if value is None:
        return ""
    return format_decimal(Decimal(str(value)).normalize(), format="#,##0.###")


def quantity(value, unit: str | None = None) -> str:
    """"3 pezzi", "2,5 kg", "1 cartone"."""
    text = number(value)
    return f"{text} {unit_name(unit, Decimal(str(value)) if value is not None else 2)}".strip() if unit else text


def format_month(day: dt.date) -> str:
    return format_date(day, format="LLLL y")


def weekday_name(day: dt.date) -> str:
    return format_date(day, format="EEE")


def money(amount, currency: str | None = None) -> str:
    return format_currency(Decimal(str(amount)), currency or "EUR")


def register(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["network_time"] = network_time
    app.jinja_env.filters["iso_text"] = iso_text
    app.jinja_env.filters["sanitized"] = sanitized
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["format_month"] = format_month
    app.jinja_env.filters["weekday_name"] = weekday_name
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["quantity"] = quantity
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["unit_name"] = unit_name
    app.jinja_env.globals["when_range"] = when_range
    app.jinja_env.globals["time_of_day"] = time_of_day
    app.jinja_env.globals["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["zone_of"] = zone
