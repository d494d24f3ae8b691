"""What every room's form schemas share: unknown fields ignored, text trimmed, an empty
field taken as not given, and messages in the visitor's language."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

REQUIRED = {"required": _l("This field is required.")}
NUMBER = {"invalid": _l("Not a number.")}
URL_MESSAGE = _l("Not a web address: it starts with https://")
DATE = {"invalid": _l("Not a date: use the date picker or YYYY-MM-DD.")}
TIME = {"invalid": _l("Not a time: use HH:MM.")}


def blank_to_none(data: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
            if not (isinstance(v, str) and not v.strip())}


def decimal_commas(data: dict, *keys: str) -> dict:
    """Commas are what Italians type in decimal numbers: "2,5" is 2.5."""
    for k in keys:
        if isinstance(data.get(k), str):
            data[k] = data[k].replace(",", ".")
    return data


class Form(Schema):
    """Unknown fields ignored, text trimmed, and an empty field is a field not given."""

    class Meta:
        unknown = EXCLUDE


def plain(form: dict) -> dict:
    """A loaded form as it was filled in, JSON-friendly, to fill it in again when editing:
    dates as YYYY-MM-DD, times as HH:MM, lists joined by commas, money by its amount."""
    out = {}
    for key, value in form.items():
        if isinstance(value, (dt.date, dt.time)):
            out[key] = value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
        elif isinstance(value, list):
            out[key] = ", ".join(value)
        elif isinstance(value, dict):
            out[key] = str(value.get("amount", ""))
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            out[key] = str(value)
        else:
            out[key] = value
    return out


def check(validator, value, message) -> None:
    """Run one of marshmallow's validators (URL, Email) with a message in the visitor's
    language (their own messages must be plain strings, fixed when the module loads)."""
    try:
        validator(value)
    except ValidationError:
        raise ValidationError(str(message)) from None


def form_errors(error: ValidationError) -> dict[str, str]:
    """A ValidationError's messages, one line per field, for a form to show."""
    return {field: " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
            for field, messages in error.messages.items()}


def attempt(session, work, refusal: type[Exception], key: str):
    """A form's work, all or nothing: ``work()`` loads the form and acts. Done, the session
    is committed and (its result, {}) returned; refused (a ValidationError, or ``refusal``,
    the room's error for a rule the action breaks, shown under ``key``), the session is
    rolled back and (None, the errors to show) returned."""
    try:
        result = work()
    except ValidationError as e:
        errors = form_errors(e)
    except refusal as e:
        errors = {key: str(e)}
    else:
        session.commit()
        return result, {}
    session.rollback()
    return None, errors


def at_most(max_len: int) -> validate.Length:
    """At most ``max_len`` characters, said in the reader's language."""
    return validate.Length(max=max_len, error=_l("At most {max} characters."))


def text(max_len: int, validate_also=None, **kw):
    """A text field of at most ``max_len`` characters (and ``validate_also``, if given)."""
    checks = [at_most(max_len)]
    if validate_also is not None:
        checks.append(validate_also)
    return fields.String(validate=checks, **kw)


def latitude():
    return fields.Float(allow_nan=False, validate=validate.Range(-90, 90, error=_l("Between -90 and 90.")),
                        error_messages=NUMBER)


def longitude():
    return fields.Float(allow_nan=False, validate=validate.Range(-180, 180, error=_l("Between -180 and 180.")),
                        error_messages=NUMBER)


def check_position(data: dict) -> None:
    """A form's latitude and longitude come together, or not at all."""
    if ("lat" in data) != ("lon" in data):
        raise ValidationError(_l("Give both latitude and longitude, or neither."), "lon")


def zone_name(value):
    """A validator: an IANA time zone's name (Europe/Rome)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(str(_l("Not a time zone: write it as Europe/Rome."))) from None


def url(value):
    """A validator: an http(s) address."""
    check(validate.URL(schemes={"http", "https"}), value, URL_MESSAGE)


class CommaList(fields.Field):
    """A comma-separated field as a list: "a, b,,c" is ["a", "b", "c"] (a JSON list too)."""

    def __init__(self, limit: int, max_len: int, **kwargs):
        super().__init__(load_default=list, **kwargs)
        self.limit, self.max_len = limit, max_len

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(str(_l("Words separated by commas.")))
        items = [v.strip() for v in value if v.strip()]
        if len(items) > self.limit:
            raise ValidationError(str(_l("At most %(n)d, separated by commas.", n=self.limit)))
        if any(len(t) > self.max_len for t in items):
            raise ValidationError(str(_l("Each at most %(n)d characters.", n=self.max_len)))
        return items


class Editor(Form):
    """An editor's form: blank fields dropped, decimal commas read in DECIMALS."""

    @pre_load
    def _clean(self, data, **kwargs):
        data = blank_to_none(dict(data))
        return decimal_commas(data, *self.DECIMALS)

    DECIMALS: tuple[str, ...] = ()
