"""The form a space's operator issues a pass with."""
from __future__ import annotations

from corete.core import edge
from corete.core.forms import DATE, REQUIRED, Editor, text


class VisaIn(Editor):
    person_name = text(200, required=True, error_messages=REQUIRED)
    valid_until = edge.Date(required=True, error_messages={**REQUIRED, **DATE})
