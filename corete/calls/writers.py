"""A call as a JSON Feed item of the CoRete format (the hosted editor, the coordinators'
form, the demo, the tests and the benchmark), and the words of the format."""
from __future__ import annotations

import datetime as dt

CALL_KINDS = ("funding", "voucher", "co_projecting", "tender", "other")
# Who a call is for, besides its free text: the structured flags a reader filters on.
MAX_ATTACHMENTS = 20  # documents one call names
AUDIENCES = ("coworkers", "startups", "young_people", "women", "freelancers", "companies", "nonprofits", "spaces")


def call_item(id: str, title: str, kind: str, *, deadline: dt.date | dt.datetime | None = None,
              opens: dt.date | dt.datetime | None = None, amount: float | str | None = None, currency: str = "EUR",
              benefit: str | None = None, issuer: str | None = None, issuer_url: str | None = None,
              eligibility: str | None = None, accredited_spaces_only: bool = False, audiences=(), regions=(),
              skills_sought=(), attachments=(), url: str | None = None, text: str = "",
              timezone: str = "Europe/Rome", tags=()) -> dict:
    """``attachments``: (url, title) pairs; dates as dates (the whole day) or aware datetimes."""
    core: dict = {"type": "call", "kind": kind, "timezone": timezone}
    for key, value in (("deadline", deadline), ("opens", opens)):
        if value is not None:
            core[key] = value.isoformat()
    if amount is not None:
        core["amount"] = {"amount": amount, "currency": currency}
    if benefit:
        core["benefit"] = benefit
    if issuer or issuer_url:
        core["issuer"] = {k: v for k, v in (("name", issuer), ("url", issuer_url)) if v}
    eligible: dict = {}
    if eligibility:
        eligible["text"] = eligibility
    if accredited_spaces_only:
        eligible["accredited_spaces_only"] = True
    if audiences:
        eligible["for"] = list(audiences)
    if regions:
        eligible["regions"] = list(regions)
    if eligible:
        core["eligibility"] = eligible
    if skills_sought:
        core["skills_sought"] = list(skills_sought)
    if attachments:
        core["attachments"] = [{"url": u, "title": t} if t else {"url": u} for u, t in attachments]
    item = {"id": id, "title": title, "content_text": text, "tags": list(tags), "_corete": core}
    if url:
        item["url"] = url
    return item
