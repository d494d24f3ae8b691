"""What the map accepts: its filters (query string) and the citizens' forms.
Shape and size only; the rules (where a point is, what may be moderated) are in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from corete.core import edge
from corete.core.forms import NUMBER, REQUIRED, Form, at_most, blank_to_none, check, decimal_commas
from corete.map.models import PROPOSAL_CATEGORIES, REPORT_REASONS, REPORT_TARGETS
from corete.events import categories
from corete.events.services import WHEN
from corete.map.services import LAYERS, MapFilters
from corete.core.vocabulary import SPACE_KINDS

TEXT = 200


class MapArgs(Form):
    """The filters of the map, its list, its exports and the GeoJSON API."""

    layers = fields.String(validate=at_most(60))
    kind = fields.String(validate=validate.OneOf(SPACE_KINDS, error=_l("Unknown kind of space.")))
    city = fields.String(validate=at_most(120))
    tag = fields.String(validate=at_most(60))
    skill = fields.String(validate=at_most(TEXT))
    q = fields.String(validate=at_most(TEXT))
    category = fields.String(validate=validate.OneOf(PROPOSAL_CATEGORIES, error=_l("Unknown category.")))
    bbox = fields.String(validate=at_most(100))
    when = fields.String(validate=validate.OneOf(WHEN, error=_l("when is today, weekend or week.")))
    event_category = fields.String(validate=at_most(40), metadata={
        "description": "An event category's key (events.categories): its venues and host spaces."})
    visitors = fields.Boolean(metadata={"description": "Only the spaces that welcome members of other network spaces."})
    offers = fields.Boolean(metadata={"description": "Only the spaces with an offer to the network that holds today."})
    view = fields.String(load_default="map", validate=validate.OneOf(("map", "list"), error=_l("view is map or list.")))
    page = fields.Integer(load_default=1, error_messages=NUMBER,
                          validate=validate.Range(min=1, max=10_000, error=_l("A page from {min} to {max}.")))

    @pre_load
    def drop_blanks(self, data, **kwargs):
        # The form's boxes send layers=spaces&layers=events; the API takes layers=spaces,events.
        layers = ",".join(data.getlist("layers")) if hasattr(data, "getlist") else data.get("layers")
        data = blank_to_none(dict(data.items()))
        if layers:
            data["layers"] = layers
        return data

    @post_load
    def to_filters(self, data, **kwargs):
        layers = LAYERS
        if "layers" in data:
            layers = tuple(name for name in LAYERS if name in data["layers"].split(","))
            if not layers or set(data["layers"].split(",")) - set(LAYERS):
                raise ValidationError(_l("layers is a comma-separated list of spaces, events, proposals, resources."),
                                      "layers")
        bbox = None
        if "bbox" in data:
            try:
                bbox = tuple(float(v) for v in data["bbox"].split(","))
            except ValueError:
                bbox = ()
            if (len(bbox) != 4 or any(v != v for v in bbox) or not (-180 <= bbox[0] <= bbox[2] <= 180)
                    or not (-90 <= bbox[1] <= bbox[3] <= 90)):
                raise ValidationError(_l("bbox is min longitude,min latitude,max longitude,max latitude."),
                                      "bbox")
        found = categories.find(data.get("event_category"))  # an unknown key filters nothing
        filters = MapFilters(layers=layers, bbox=bbox, event_tags=found.tags if found else None,
                             visitors=bool(data.get("visitors")), offers=bool(data.get("offers")),
                             **{k: data.get(k) for k in ("kind", "city", "tag", "skill", "q", "category", "when")})
        return {"filters": filters, "view": data["view"], "page": data["page"]}


class ProposalIn(Form):
    """A citizen's proposal (also what a coordinator's edit sends)."""

    category = fields.String(required=True, error_messages=REQUIRED,
                             validate=validate.OneOf(PROPOSAL_CATEGORIES, error=_l("Choose a category.")))
    title = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.Length(min=3, max=120, error=_l("Between 3 and 120 characters.")))
    description = fields.String(validate=validate.Length(max=2000, error=_l("At most 2,000 characters.")))
    photo_url = fields.String(validate=[validate.Length(max=500, error=_l("At most 500 characters.")),
                                        lambda v: check(validate.URL(schemes={"http", "https"}), v,
                                                         _l("Not a web address (http or https)."))])
    email = fields.String(validate=[validate.Length(max=254, error=_l("At most 254 characters.")),
                                    lambda v: check(validate.Email(), v, _l("Not an e-mail address."))])
    address = fields.String(validate=validate.Length(max=300, error=_l("At most 300 characters.")))
    city = fields.String(validate=validate.Length(max=120, error=_l("At most 120 characters.")))
    lat = fields.Float(allow_nan=False, error_messages=NUMBER,
                       validate=validate.Range(-90, 90, error=_l("Latitude is between -90 and 90.")))
    lon = fields.Float(allow_nan=False, error_messages=NUMBER,
                       validate=validate.Range(-180, 180, error=_l("Longitude is between -180 and 180.")))

    @pre_load
    def drop_blanks(self, data, **kwargs):
        return decimal_commas(blank_to_none(dict(data.items())), "lat", "lon")


class ReportIn(Form):
    target_type = fields.String(required=True, validate=validate.OneOf(REPORT_TARGETS))
    target_ref = fields.String(required=True, validate=validate.Length(max=80))
    reason = fields.String(required=True, error_messages=REQUIRED,
                           validate=validate.OneOf(REPORT_REASONS, error=_l("Choose what is wrong with this point.")))
    comment = fields.String(validate=validate.Length(max=1000, error=_l("At most 1,000 characters.")))


class ModerationIn(Form):
    action = fields.String(required=True, validate=validate.OneOf(
        ("approve", "reject", "duplicate", "restore")))
    reason = fields.String(validate=validate.Length(max=2000))
    duplicate_of = edge.Id(error_messages=NUMBER)
    revision = edge.Id(error_messages=NUMBER)


# --- The documents' shapes, for the OpenAPI document (exports.py builds them as dicts) -----------

class PointPropertiesOut(Schema):
    layer = fields.String(metadata={"enum": list(LAYERS)})
    ref = fields.String(metadata={"description": "The space's slug (also of a place of resources), the event's id or "
                                                "the proposal's number."})
    name = fields.String()
    url = fields.String(metadata={"description": "The hub's page of the point."})
    kind = fields.String()
    city = fields.String()
    address = fields.String()
    approximate = fields.Boolean(metadata={"description": "Placed at its municipality's centre."})
    accredited = fields.Boolean()
    category = fields.String()
    events = fields.Integer(metadata={"description": "Events at a venue in the window."})
    next_title = fields.String()
    next_start = fields.String()
    next_picture = fields.String(metadata={"description": "The hub's copy of the next event's picture (480 px)."})
    space = fields.String(metadata={"description": "The slug of the space that hosts the events of a venue."})
    space_name = fields.String()
    tags = fields.List(fields.String())
    resources = fields.Integer(metadata={"description": "Rooms, desks and equipment shared at this place (a space's "
                                                         "own are told in its point)."})
    resource_kinds = fields.List(fields.String())
    resources_url = fields.String(metadata={"description": "A space's resources on the hub (/resources?space=)."})
    offers = fields.Integer(metadata={"description": "A space's offers to the network that hold today."})
    offers_url = fields.String(metadata={"description": "A space's offers on the hub (/offers?space=)."})


class PointGeometryOut(Schema):
    type = fields.String(metadata={"enum": ["Point"]})
    coordinates = fields.List(fields.Float(), metadata={"description": "[longitude, latitude] (RFC 7946)",
                                                        "minItems": 2, "maxItems": 2})


class FeatureOut(Schema):
    type = fields.String(metadata={"enum": ["Feature"]})
    id = fields.String()
    geometry = fields.Nested(PointGeometryOut)
    properties = fields.Nested(PointPropertiesOut)


class FeatureCollectionOut(Schema):
    type = fields.String(metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Nested(FeatureOut))


class SummaryEventOut(Schema):
    title = fields.String()
    start = fields.String(metadata={"description": "RFC 3339, or a date for an all-day event"})
    cancelled = fields.Boolean()
    url = fields.String(metadata={"description": "The event's page on the hub"})


class SpaceSummaryOut(Schema):
    next_events = fields.List(fields.Nested(SummaryEventOut))
    skills = fields.List(fields.String(), metadata={"description": "The skills most of its members hold"})
