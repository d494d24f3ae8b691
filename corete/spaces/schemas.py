from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from corete.core import hours
from corete.core.api import PageArgs, page_schema
from corete.core.forms import (
    NUMBER, REQUIRED, CommaList, Editor, check, check_position, latitude, longitude, text, url, zone_name,
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
    # Members of other network spaces welcome (the hosted editor; packed into ``visitors``)
    visitors_welcome = fields.Boolean(load_default=False)
    visitors_days_per_year = fields.Integer(validate=validate.Range(1, 366, error=_l("Between 1 and 366 days.")),
                                            error_messages=NUMBER)
    visitors_notice_days = fields.Integer(validate=validate.Range(0, 365, error=_l("Between 0 and 365 days.")),
                                          error_messages=NUMBER)
    visitors_days = text(100)

    @validates_schema
    def _rules(self, data, **kwargs):
        check_position(data)
        if data.get("email"):
            check(validate.Email(), data["email"], _l("Not an e-mail address."))
        if data.get("visitors_days"):
            try:
                hours.days(data["visitors_days"])
            except hours.NotUnderstood:
                raise ValidationError(_l("Days as OpenStreetMap writes them: Mo-Fr, or Mo,We,Fr."),
                                      "visitors_days") from None

    @post_load
    def _visitors(self, data, **kwargs):
        terms = {"welcome": data.pop("visitors_welcome", False), "days_per_year": data.pop("visitors_days_per_year", None),
                 "notice_days": data.pop("visitors_notice_days", None), "days": data.pop("visitors_days", None)}
        # {"welcome": false} rather than nothing: a feed that stops saying a thing changes nothing
        data["visitors"] = {k: v for k, v in terms.items() if v is not None} if terms["welcome"] else {"welcome": False}
        return data


def visitor_values(visitors: dict | None) -> dict:
    """A profile's visitor terms as the form's fields, to fill it in again."""
    return {f"visitors_{k}": v for k, v in (visitors or {}).items()}
