"""The words of offers, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "discount": _l("Discount"),
    "consultation": _l("Free consultation"),
    "service": _l("Shared service"),
    "space": _l("Space"),
    "training": _l("Training"),
    "other": _l("Other"),
}
AUDIENCE_LABELS = {"network": _l("members of the network's spaces"), "anyone": _l("anyone")}
