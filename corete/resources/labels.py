"""The words of resources, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "meeting_room": _l("Meeting room"),
    "event_room": _l("Event room"),
    "desk": _l("Desk"),
    "equipment": _l("Equipment"),
    "vehicle": _l("Vehicle"),
    "other": _l("Other"),
}
PER_LABELS = {"hour": _l("per hour"), "day": _l("per day")}
BOOKABLE_LABELS = {"network": _l("members of the network's spaces"), "anyone": _l("anyone")}
STATE_LABELS = {
    "unconfirmed": _l("waiting for the e-mail to be confirmed"),
    "requested": _l("waiting for an answer"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "cancelled": _l("cancelled"),
}
