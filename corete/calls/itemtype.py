"""The call item type: funding, a voucher, a search for co-projecting partners or a tender
that reaches the network, with its deadline, what it gives, who may apply and the skills it
seeks (corete.core.itemtypes; the format is in docs/feed-format.md#type-call)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from corete.calls import hosted
from corete.calls.writers import AUDIENCES, CALL_KINDS, MAX_ATTACHMENTS, call_item
from corete.core import itemtypes
from corete.core.feedschema import Lenient, MoneySchema, money, text
from corete.core.handover import Envelope, Item, ItemProblem, Rejection
from corete.core.sanitize import clean_text, clean_url
from corete.core.vocabulary import region_of
from corete.core.when import NETWORK_ZONE, BadValue, instant, parse_when, zone_or_none
from corete.skills.services import sought_taxa

MAX_SKILLS = 30


@dataclass(slots=True)
class CallData:
    title: str
    kind: str
    timezone: str = NETWORK_ZONE
    opens: dt.datetime | dt.date | None = None  # a date: from that day's start
    deadline: dt.datetime | dt.date | None = None  # a date: until that day's end
    amount: dict[str, Any] | None = None  # {"amount": "1500", "currency": "EUR"}
    benefit: str | None = None
    issuer_name: str | None = None
    issuer_url: str | None = None
    eligibility: str | None = None
    accredited_only: bool = False  # only for coworkers of the spaces the network accredited
    audiences: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # ISTAT names; none: anywhere
    skills_sought: list[str] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)  # {"url", "title"}
    description_html: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)


class IssuerSchema(Lenient):
    name = text(200)
    url = text(2000)


class EligibilitySchema(Lenient):
    text = text(5000)
    accredited_spaces_only = fields.Boolean(load_default=False)
    for_ = fields.List(fields.String(validate=validate.Length(max=40)), data_key="for",
                       validate=validate.Length(max=20))
    regions = fields.List(fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=30))


class AttachmentSchema(Lenient):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    title = text(200)


class CallSchema(Lenient):
    type = fields.String()
    kind = fields.String(required=True, validate=validate.OneOf(CALL_KINDS))
    opens = text(40)
    deadline = text(40)
    timezone = text(64)
    amount = fields.Nested(MoneySchema, allow_none=True)
    benefit = text(1000)
    issuer = fields.Nested(IssuerSchema, allow_none=True)
    eligibility = fields.Nested(EligibilitySchema, allow_none=True)
    skills_sought = fields.List(fields.String(validate=validate.Length(max=200)),
                                validate=validate.Length(max=MAX_SKILLS))
    attachments = fields.List(fields.Nested(AttachmentSchema), validate=validate.Length(max=MAX_ATTACHMENTS))


def _when(f: dict, key: str, tzname: str):
    if not f.get(key):
        return None
    try:
        value, _floating = parse_when(f[key], tzname)
    except BadValue as e:
        raise ItemProblem(str(e), f"_corete/{key}") from None
    return value


def end_of(value: dt.datetime | dt.date, tzname: str) -> dt.datetime:
    """The instant a deadline passes: a date's end in the call's zone, or the time given."""
    if isinstance(value, dt.datetime):
        return value
    return instant(value + dt.timedelta(days=1), tzname)


def read(f: dict, env: Envelope) -> CallData:
    ptr, warnings = env.pointer, env.warnings

    def warn(where: str, reason: str) -> None:
        warnings.append(Rejection(f"{ptr}/_corete/{where}", reason, item_type="call"))

    if not env.title:
        raise ItemProblem("a call needs a title (the item's title)", "title")
    tzname = f.get("timezone") or NETWORK_ZONE
    if zone_or_none(tzname) is None:
        warn("timezone", f"unknown time zone {tzname!r}: use an IANA name such as Europe/Rome")
        tzname = NETWORK_ZONE
    opens, deadline = _when(f, "opens", tzname), _when(f, "deadline", tzname)
    if opens is not None and deadline is not None and end_of(deadline, tzname) <= instant(opens, tzname):
        raise ItemProblem("the deadline comes before the call opens", "_corete/deadline")
    eligible = f.get("eligibility") or {}
    audiences = []
    for n, value in enumerate(eligible.get("for_") or []):
        if value not in AUDIENCES:
            warn(f"eligibility/for/{n}", f"unknown audience {value!r}, left out: use one of {', '.join(AUDIENCES)}")
        elif value not in audiences:
            audiences.append(value)
    regions = []
    for n, value in enumerate(eligible.get("regions") or []):
        region = region_of(value)
        if region is None:
            warn(f"eligibility/regions/{n}", f"{value!r} is not an Italian region, left out: write its name, "
                                              "such as Lombardia or Emilia-Romagna")
        elif region not in regions:
            regions.append(region)
    attachments = []
    for n, attachment in enumerate(f.get("attachments") or []):
        address = clean_url(attachment["url"], env.base)
        if address is None:
            warn(f"attachments/{n}/url", "not a web address (http or https), left out")
        else:
            attachments.append({"url": address, "title": clean_text(attachment.get("title"), 200)})
    issuer = f.get("issuer") or {}
    skills = []
    for n, value in enumerate(f.get("skills_sought") or []):
        value = clean_text(value, 200)
        if value and value not in skills:
            skills.append(value)
            if not sought_taxa([value]):
                warn(f"skills_sought/{n}", f"{value!r} is not in the skills taxonomy: the hub cannot say who in the "
                                           "network has it")
    return CallData(
        title=env.title,
        kind=f["kind"],
        timezone=tzname,
        opens=opens,
        deadline=deadline,
        amount=money(f.get("amount")),
        benefit=clean_text(f.get("benefit"), 1000),
        issuer_name=clean_text(issuer.get("name"), 200),
        issuer_url=clean_url(issuer.get("url"), env.base),
        eligibility=clean_text(eligible.get("text"), 5000),
        accredited_only=bool(eligible.get("accredited_spaces_only")),
        audiences=audiences,
        regions=regions,
        skills_sought=skills,
        attachments=attachments,
        description_html=env.html,
        url=env.url,
        tags=env.tags,
    )


def preview(items: list[Item], now: dt.datetime) -> itemtypes.Preview:
    from corete.calls.labels import KIND_LABELS

    return itemtypes.Preview(_l("Calls"), [
        itemtypes.PreviewLine(f"{i.data.title} · {KIND_LABELS[i.data.kind]}", when=i.data.deadline,
                              timezone=i.data.timezone) for i in items])


itemtypes.register(itemtypes.ItemType(
    name="call",
    plural="calls",
    data=CallData,
    schema=CallSchema(),
    read=read,
    handler="corete.calls.services",
    write=call_item,
    identity=("kind",),
    order=50,
    preview=preview,
    fixes={
        "kind": _l('A call\'s "kind" is one of "funding", "voucher", "co_projecting", "tender", "other".'),
        "deadline": _l('The last day to apply, as 2026-03-31, or the very minute, as 2026-03-31T12:00:00+02:00.'),
        "opens": _l("The first day one may apply, written like the deadline; it comes before it."),
        "amount": _l('What it is worth: {"amount": 1500, "currency": "EUR"}.'),
        "eligibility": _l('Who may apply: {"text": "...", "accredited_spaces_only": true, "for": ["startups"], '
                          '"regions": ["Lombardia"]}.'),
        "skills_sought": _l('The skills it looks for, one per text: ["videomaker", "web developer"].'),
        "attachments": _l('Documents by address: [{"url": "https://.../bando.pdf", "title": "Bando"}].'),
    },
    editor=itemtypes.Editor(
        form=hosted.CallIn,
        build=hosted.build,
        template="calls/hosted_form.html",
        line="calls/_hosted_line.html",
        heading=_l("Calls and opportunities"),
        add=_l("Add a call"),
    ),
))
