from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema

from corete.core.api import PageArgs, page_schema
from corete.core.forms import (
    REQUIRED, CommaList, Editor, check, check_position, latitude, longitude, text, url, zone_name,
)
from corete.core.vocabulary import SPACE_KINDS


class SpaceListArgs(PageArgs):
    city = fields.String(validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(SPACE_KINDS))
    q = fields.String(validate=validate.Length(max=200))


class FeedHealthOut(Schema):
    url = fields.String()
    state = fields.String()
    format = fields.String(allow_none=True)
    last_success_at = fields.String(allow_none=True)
    last_polled_at = fields.String(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_error_class = fields.String(allow_none=True)
    last_error_message = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()
    next_poll_at = fields.String(allow_none=True)
    redirect_pending = fields.String(allow_none=True)
    redirect_confirmations = fields.Integer()
    held_removals = fields.Integer()


class SpaceOut(Schema):
    class Meta:
        unknown = EXCLUDE

    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    address = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    opening_hours = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    accredited = fields.Boolean()
    active = fields.Boolean()


class SpaceDetailOut(SpaceOut):
    feeds = fields.List(fields.Nested(FeedHealthOut))


SpacePageOut = page_schema(SpaceOut, "SpacePage")


# --- Forms: a space's profile (the operators' editor, the coordinators' registry pages) ---


class ProfileIn(Editor):
    DECIMALS = ("lat", "lon")

    name = text(200, required=True, error_messages=REQUIRED)
    kind = fields.String(load_default="other", validate=validate.OneOf(SPACE_KINDS, error=_l("Choose a kind of space.")))
    address = text(300)
    city = text(120)
    postal_code = text(20)
    lat = latitude()
    lon = longitude()
    email = fields.String(validate=validate.Length(max=254))
    phone = text(50)
    website = text(500, validate_also=url)
    opening_hours = text(300)
    timezone = text(64, validate_also=zone_name)
    description = text(5000)
    tags = CommaList(50, 60)

    @validates_schema
    def _rules(self, data, **kwargs):
        check_position(data)
        if data.get("email"):
            check(validate.Email(), data["email"], _l("Not an e-mail address."))
