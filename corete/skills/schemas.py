from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from corete.core import edge
from corete.core.api import PageArgs, page_schema
from corete.core.forms import REQUIRED, Form


class SkillListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200))
    space = fields.String(validate=validate.Length(max=80))
    city = fields.String(validate=validate.Length(max=120))
    category = fields.String(validate=validate.Length(max=60))


class SkillOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    uid = fields.String(attribute="source_id")
    space = fields.Function(lambda s: s.space.slug)
    skill = fields.String()
    taxon = fields.String(allow_none=True, metadata={"description": "the taxonomy entry it maps to"})
    taxon_how = fields.String(allow_none=True, metadata={
        "description": "exact, synonym, fuzzy, partial or coordinator"})
    category = fields.String(allow_none=True)
    holder_name = fields.String(allow_none=True)
    holder_url = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    url = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    description_html = fields.String(allow_none=True)


SkillPageOut = page_schema(SkillOut, "SkillPage")


class MatchArgs(Schema):
    need = edge.Id(required=True)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class MatchOut(Schema):
    skill = fields.Nested(SkillOut)
    level = fields.String(metadata={"description": "exact, synonym or category"})
    taxon = fields.String(metadata={"description": "the entry of the need this skill answers"})
    distance_km = fields.Float(allow_none=True)
    explanation = fields.String()


class NeedMatchesOut(Schema):
    need = fields.Integer()
    space = fields.String()
    item = fields.String()
    asks_for = fields.List(fields.String(), metadata={"description": "taxonomy entries found in the need"})
    matches = fields.List(fields.Nested(MatchOut))


class TaxonOut(Schema):
    id = fields.String()
    parent = fields.String(allow_none=True)
    it = fields.String()
    en = fields.String()
    synonyms = fields.List(fields.String())


class DecisionIn(Form):
    """A coordinator maps a free text to an entry, or decides it is none."""

    key = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=REQUIRED)
    taxon = fields.String(required=True, validate=validate.Length(min=1, max=60),
                          error_messages={"required": _l("Choose an entry of the taxonomy, or 'none'.")})
