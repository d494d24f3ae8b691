"""Calls in the hosted editor and in the coordinators' form: what is typed, and the feed
item it becomes."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from corete.calls.writers import AUDIENCES, CALL_KINDS, MAX_ATTACHMENTS, call_item
from corete.core import edge
from corete.core.api import DecimalInput
from corete.core.forms import DATE, NUMBER, REQUIRED, TIME, CommaList, Editor, check, text, url as _url
from corete.core.vocabulary import region_of
from corete.core.when import zone



def attachment_lines(value: str) -> list[tuple[str, str | None]]:
    """"https://example.org/bando.pdf Bando completo", one per line: (address, title)."""
    out = []
    for line in value.splitlines():
        address, _, title = line.strip().partition(" ")
        if address:
            out.append((address, title.strip() or None))
    return out


class CallIn(Editor):
    DECIMALS = ("amount",)

    title = text(200, required=True, error_messages=REQUIRED)
    kind = fields.String(required=True, validate=validate.OneOf(CALL_KINDS, error=_l("Choose a kind.")),
                         error_messages=REQUIRED)
    issuer = text(200)
    issuer_url = text(2000, validate_also=_url)
    opens = edge.Date(error_messages=DATE)
    deadline = edge.Date(error_messages=DATE)
    deadline_time = fields.Time(error_messages=TIME)
    amount = DecimalInput(allow_nan=False, error_messages=NUMBER,
                          validate=validate.Range(0, 10**9, error=_l("Zero or more.")))
    benefit = text(1000)
    eligibility = text(5000)
    accredited_only = fields.Boolean(load_default=False)
    regions = CommaList(30, 80)
    skills_sought = CommaList(30, 200)
    url = text(2000, validate_also=_url)
    attachments = text(20_000)
    description = text(5000)
    locals().update({f"for_{a}": fields.Boolean(load_default=False) for a in AUDIENCES})  # one box each

    @validates("regions")
    def _regions(self, value, **kwargs):
        unknown = [r for r in value if region_of(r) is None]
        if unknown:
            raise ValidationError(_l("Not an Italian region: %(names)s. Write them as Lombardia, Emilia-Romagna.",
                                     names=", ".join(unknown)))

    @validates("attachments")
    def _attachments(self, value, **kwargs):
        lines = attachment_lines(value)
        if len(lines) > MAX_ATTACHMENTS:
            raise ValidationError(_l("At most %(n)d documents.", n=MAX_ATTACHMENTS))
        for address, _title in lines:
            check(validate.URL(schemes={"http", "https"}), address,
                  _l("%(line)s: each line starts with the document's address (https://...).", line=address[:80]))

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("deadline_time") and not data.get("deadline"):
            raise ValidationError(_l("Say on what day."), "deadline")
        if data.get("opens") and data.get("deadline") and data["deadline"] < data["opens"]:
            raise ValidationError(_l("The deadline comes before the call opens."), "deadline")


def build(uid: str, form: dict, zone_name: str) -> dict:
    deadline = form.get("deadline")
    if deadline and form.get("deadline_time"):
        deadline = dt.datetime.combine(deadline, form["deadline_time"], zone(zone_name))
    return call_item(
        uid, form["title"], form["kind"], deadline=deadline, opens=form.get("opens"),
        amount=float(form["amount"]) if form.get("amount") is not None else None, benefit=form.get("benefit"),
        issuer=form.get("issuer"), issuer_url=form.get("issuer_url"), eligibility=form.get("eligibility"),
        accredited_spaces_only=bool(form.get("accredited_only")),
        audiences=[a for a in AUDIENCES if form.get(f"for_{a}")], regions=[region_of(r) for r in form.get("regions") or []],
        skills_sought=form.get("skills_sought") or [], attachments=attachment_lines(form.get("attachments") or ""),
        url=form.get("url"), text=form.get("description") or "", timezone=zone_name)
