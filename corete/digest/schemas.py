from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates_schema

from corete.core import edge
from corete.core.forms import Form

DATE = {"invalid": _l("Not a date: use YYYY-MM-DD.")}
LONGEST = 92  # days: a quarter is the longest period a digest covers


class DigestArgs(Form):
    from_ = edge.Date(data_key="from", error_messages=DATE)
    to = edge.Date(error_messages=DATE)

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("from_") and data.get("to"):
            if data["to"] <= data["from_"]:
                raise ValidationError(_l("'to' must come after 'from'."), "to")
            if (data["to"] - data["from_"]).days > LONGEST:
                raise ValidationError(_l("A digest covers at most %(n)d days.", n=LONGEST), "to")
