from marshmallow import EXCLUDE, Schema, fields, validate

from corete.core.api import PageArgs, page_schema


class SkillListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200))
    space = fields.String(validate=validate.Length(max=80))
    city = fields.String(validate=validate.Length(max=120))


class SkillOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    uid = fields.String(attribute="source_id")
    space = fields.Function(lambda s: s.space.slug)
    skill = fields.String()
    category = fields.String(allow_none=True)
    holder_name = fields.String(allow_none=True)
    holder_url = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    url = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    description_html = fields.String(allow_none=True)


SkillPageOut = page_schema(SkillOut, "SkillPage")
