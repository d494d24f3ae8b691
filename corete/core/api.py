"""What every list endpoint of the API shares: page arguments and the {items, total} shape."""
from __future__ import annotations

import gc
from contextlib import contextmanager

from flask import current_app
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import func, select


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))


class DecimalString(fields.Decimal):
    """A decimal in JSON as a string ("54.00"): a JSON number is a float to most clients,
    which would turn 0.10 into 0.1000000000000000055. Documented as a string of format
    "decimal" (registered with the API in create_app)."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


class DecimalInput(fields.Decimal):
    """A decimal a form or a JSON body gives: a number, or text ("2,5" once the form's
    commas are read). Input only: it is serialised just for the OpenAPI document's
    bounds, which must be numbers there, not the strings a Decimal becomes in JSON."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


# The editing API's answers besides success, and how it is authenticated: the session
# cookie of /login and the CSRF token of any page (the X-CSRFToken header).
SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The session cookie /login sets (a coordinator's or the space's operator's)."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
             "description": "The CSRF token of any page of the hub (the csrf_token field of its forms)."},
    "pingTimestamp": {"type": "apiKey", "in": "header", "name": "X-CoRete-Timestamp",
                      "description": "A ping's time, in Unix seconds (within 5 minutes of the hub's clock)."},
    "pingSignature": {"type": "apiKey", "in": "header", "name": "X-CoRete-Signature",
                      "description": "sha256= and the hex HMAC-SHA256 of `<timestamp>.<feed id>`, keyed with the "
                                     "feed's ping secret (the space's editor shows it)."},
}
EDITING_ERRORS = {
    400: "Not a JSON object, a NUL character, or the CSRF token is missing or wrong.",
    401: "Not logged in.",
    403: "Logged in, but not a coordinator nor an operator of this space.",
    404: "No such space, item type or item (of this space).",
    409: "The hub's public address (PUBLIC_URL) is not configured: it cannot host feeds yet.",
}


def editing_doc(*, ok: dict, invalid: bool = False, **extra) -> dict:
    """The OpenAPI of an operation of the editing API: its security, its success (``ok``,
    {status: {description, content}}) and its errors."""
    responses = {**ok, **{str(code): {"description": text, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for code, text in EDITING_ERRORS.items()}}
    if invalid:
        responses["422"] = {"description": "A field is wrong: errors.json names each (or item, for the feed's own check).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"security": [{"session": [], "csrf": []}], "responses": responses, **extra}


def page_bounds(args) -> tuple[int, int]:
    per_page = args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    per_page = min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
    return args["page"], per_page


def paginate_select(session, stmt, args, dump=lambda row: row) -> dict:
    """Run a select one page at a time. The response schema serialises the rows."""
    page, per_page = page_bounds(args)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return {"items": [dump(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def page_schema(item_schema, name: str):
    """A response schema {items: [item], total, page, per_page} for the OpenAPI document."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )


@contextmanager
def gc_paused():
    """Run a block with the cyclic garbage collector paused. Building a document of tens of
    thousands of small objects (the map's 25,000 points) set it off again and again for
    nothing, since none of them form cycles: 40% of the GeoJSON API's time, measured."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
