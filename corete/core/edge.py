"""The hub's edge: what every request passes before a view sees it, once for every route,
so that nothing a visitor can type reaches the database, a header or a template in a shape
that breaks them.

- Ids in URLs are whole numbers the database can hold (``MAX_ID``): a larger one is an
  address with nothing at it (404), not an overflow deep in the driver.
- A NUL character (which PostgreSQL cannot store in text) in the address, a query
  parameter or a form field is refused with a clear answer (400; 404 in the path).
- JSON bodies are parsed here, once, with limits: too deep, a NUL or a lone surrogate
  (which no database can store as UTF-8) is refused with the field named (422).
- Bodies are capped at MAX_CONTENT_LENGTH, checked before anything reads a form (413);
  views marked ``@accepts_pictures`` take up to PICTURE_MAX_BYTES more (a poster).
- ``safe_next`` is the one place a "go back to" address is accepted.
- Dates a visitor gives are bounded (``EARLIEST_YEAR``..``LATEST_YEAR``) by the ``Date``
  and ``DateTime`` fields every schema uses, so no window arithmetic can overflow.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from flask import Request, abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from werkzeug.exceptions import default_exceptions
from werkzeug.routing import IntegerConverter

from corete.core.models import MAX_ID

MAX_JSON_DEPTH = 32  # the editing API's bodies are three levels deep; feeds have their own limit
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything but printable text: a "next" address with one of these could split a header.
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def accepts_pictures(view):
    """Mark a view whose form may carry a picture: its body may be larger (HubRequest)."""
    view.accepts_pictures = True
    return view


class HubRequest(Request):
    """Flask's request, whose body limit is larger for the views that accept pictures. The
    limit must be known before CSRF protection reads the form, so it is decided here, from
    the view the address leads to, not in the view."""

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if self._max_content_length is None and current_app and self.endpoint and limit is not None:
            view = current_app.view_functions.get(self.endpoint)
            if getattr(view, "accepts_pictures", False):
                return limit + int(current_app.config["PICTURE_MAX_BYTES"])
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most ``MAX_ID``, so a longer number is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to, or ``default``: never another site, never a header
    split by a line break."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not _UNSAFE_IN_URL.search(target) and not urlsplit(target).netloc):
        return target
    return default


class Id(fields.Integer):
    """A database id given in a query or a form: a whole number from 1 to MAX_ID."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(1, MAX_ID, error=_l("No such item.")))
        super().__init__(**kwargs)


# --- dates -------------------------------------------------------------------------------------

def _check_year(value) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(str(_l("Choose a date between the years %(first)d and %(last)d.",
                                     first=EARLIEST_YEAR, last=LATEST_YEAR)))


class _Bounded:
    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        _check_year(result)
        return result


class Date(_Bounded, fields.Date):
    """A date between EARLIEST_YEAR and LATEST_YEAR."""


class NaiveDateTime(_Bounded, fields.NaiveDateTime):
    """A local date and time (a form's) between EARLIEST_YEAR and LATEST_YEAR."""


class DateTime(_Bounded, fields.DateTime):
    """An instant between EARLIEST_YEAR and LATEST_YEAR, always aware: one given without
    an offset is UTC (so two of them can always be compared)."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result if result.tzinfo is not None else result.replace(tzinfo=dt.timezone.utc)


# --- the checks every request passes ----------------------------------------------------------

def _refuse(status: int, messages: dict, text: str):
    """Answer ``status``: the API names the fields (JSON), a page says ``text``."""
    error = default_exceptions[status](description=text)
    error.data = {"messages": messages}
    raise error


def _json_problem(value) -> tuple[str, str] | None:
    """(path, problem) for the first string with a NUL or a lone surrogate, or a level
    deeper than MAX_JSON_DEPTH; walked without recursion."""
    stack = [("", value, 0)]
    while stack:
        path, node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return path or "/", f"nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key or _SURROGATE.search(key):
                    return f"{path}/{key!r}", "a key with a NUL or a lone surrogate"
                stack.append((f"{path}/{key}", child, depth + 1))
        elif isinstance(node, list):
            stack.extend((f"{path}/{i}", child, depth + 1) for i, child in enumerate(node))
        elif isinstance(node, str):
            if "\x00" in node:
                return path or "/", "contains a NUL character"
            if _SURROGATE.search(node):
                return path or "/", "contains a lone surrogate (not valid Unicode text)"
    return None


def check_request() -> None:
    """Run before every view (registered by the app factory)."""
    if "\x00" in request.path:
        abort(404)
    sources = [request.args] + ([request.form] if request.method in ("POST", "PUT", "PATCH") else [])
    for source in sources:
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                _refuse(400, {key: ["contains a NUL character"]},
                        _("A field contains a character that is not allowed (NUL): %(field)s.", field=key[:40]))
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        try:  # parsed once: the views and flask-smorest read Flask's cached result
            body = request.get_json(silent=True) if request.content_length != 0 else None
        except RecursionError:
            _refuse(422, {"json": [f"nested deeper than {MAX_JSON_DEPTH} levels"]}, "JSON nested too deeply")
        if body is None and request.get_data(cache=True).strip() not in (b"", b"null"):
            _refuse(400, {"json": ["not valid JSON"]}, "not valid JSON")
        problem = _json_problem(body)
        if problem is not None:
            path, text = problem
            _refuse(422, {path: [text]}, f"{path}: {text}")
