"""The words of calls, in the reader's language."""
from __future__ import annotations

from flask_babel import format_currency, lazy_gettext as _l

from corete.calls.writers import CALL_KINDS
from corete.core.templating import long_date, network_time
from corete.core.vocabulary import REGIONS

KIND_LABELS = {
    "funding": _l("Funding"),
    "voucher": _l("Voucher"),
    "co_projecting": _l("Co-projecting partners"),
    "tender": _l("Tender"),
    "other": _l("Other opportunity"),
}
AUDIENCE_LABELS = {
    "coworkers": _l("coworkers"),
    "startups": _l("start-ups"),
    "young_people": _l("young people"),
    "women": _l("women"),
    "freelancers": _l("freelancers"),
    "companies": _l("companies"),
    "nonprofits": _l("non-profits and associations"),
    "spaces": _l("the spaces themselves"),
}
STATE_LABELS = {"open": _l("open"), "upcoming": _l("opens soon"), "closed": _l("closed")}


def call_kind(kind: str | None) -> str:
    return str(KIND_LABELS.get(kind or "other", KIND_LABELS["other"]))


def call_kinds() -> list[tuple[str, str]]:
    return [(k, str(KIND_LABELS[k])) for k in CALL_KINDS]


def call_audiences() -> list[tuple[str, str]]:
    return [(a, str(label)) for a, label in AUDIENCE_LABELS.items()]


def call_audience(audience: str) -> str:
    return str(AUDIENCE_LABELS.get(audience, audience))


def italian_regions() -> tuple[str, ...]:
    return REGIONS


def call_state(call) -> tuple[str, str]:
    """("open", "open" in the reader's words): upcoming, open or closed."""
    from corete.calls.services import state_of

    state = state_of(call)
    return state, str(STATE_LABELS[state])


def call_deadline(call) -> str:
    """"31 March 2026", or "31 March 2026, 12:00" when the call gives the minute (shown in the
    call's zone)."""
    if call.deadline_day is None:
        return ""
    if call.deadline_timed:
        return network_time(call.deadline_at, call.timezone)
    return long_date(call.deadline_day)


def call_worth(call) -> str:
    """What it gives, in words: "1.500,00 € · Voucher per abbonamenti"."""
    parts = []
    if call.amount is not None:
        parts.append(format_currency(call.amount, call.currency or "EUR"))
    if call.benefit:
        parts.append(call.benefit)
    return " · ".join(parts)
