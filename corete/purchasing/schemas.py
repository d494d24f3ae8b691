from marshmallow import EXCLUDE, Schema, fields, validate

from corete.core.api import PageArgs, page_schema


class NeedListArgs(PageArgs):
    space = fields.String(validate=validate.Length(max=80))
    category = fields.String(validate=validate.Length(max=120))
    kind = fields.String(validate=validate.OneOf(("goods", "service")))


class NeedOut(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    uid = fields.String(attribute="source_id")
    space = fields.Function(lambda n: n.space.slug)
    item = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    quantity = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String(allow_none=True)
    tolerance = fields.Decimal(as_string=True)
    need_by = fields.Date(allow_none=True)
    max_unit_price = fields.Function(
        lambda n: {"amount": str(n.max_unit_price_amount), "currency": n.max_unit_price_currency}
        if n.max_unit_price_amount is not None else None
    )
    url = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    first_seen_at = fields.DateTime()


NeedPageOut = page_schema(NeedOut, "NeedPage")
