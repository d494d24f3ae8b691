"""The skill item type: what a member offers the network (corete.core.itemtypes)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from corete.core import itemtypes
from corete.core.feedschema import Lenient, text
from corete.core.handover import Envelope, Item
from corete.core.sanitize import clean_tags, clean_text, clean_url
from corete.skills import hosted
from corete.skills.writers import skill_item


@dataclass(slots=True)
class SkillData:
    skill: str
    category: str | None = None
    holder_name: str | None = None
    holder_url: str | None = None
    contact: str | None = None
    languages: list[str] = field(default_factory=list)
    description_html: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)


class HolderSchema(Lenient):
    name = text(200)
    url = text(2000)


class SkillSchema(Lenient):
    type = fields.String()
    skill = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = text(120)
    holder = fields.Nested(HolderSchema, allow_none=True)
    contact = text(300)
    languages = fields.List(fields.String(validate=validate.Length(max=20)), validate=validate.Length(max=20))


def read(f: dict, env: Envelope) -> SkillData:
    holder = f.get("holder") or {}
    return SkillData(
        skill=clean_text(f["skill"], 200),
        category=clean_text(f.get("category"), 120),
        holder_name=clean_text(holder.get("name"), 200),
        holder_url=clean_url(holder.get("url"), env.base),
        contact=clean_text(f.get("contact"), 300),
        languages=clean_tags(f.get("languages"), max_len=20),
        description_html=env.html,
        url=env.url,
        tags=env.tags,
    )


def preview(items: list[Item], now: dt.datetime) -> itemtypes.Preview:
    return itemtypes.Preview(_l("Skills"), [itemtypes.PreviewLine(i.data.skill) for i in items])


itemtypes.register(itemtypes.ItemType(
    name="skill",
    plural="skills",
    data=SkillData,
    schema=SkillSchema(),
    read=read,
    handler="corete.skills.services",
    write=skill_item,
    identity=(None, "skill", None),
    order=20,
    preview=preview,
    fixes={"skill": _l('Say the skill in "skill", in a few words: "Videomaker", "Commercialista".')},
    editor=itemtypes.Editor(
        form=hosted.SkillIn,
        build=hosted.build,
        template="skills/hosted_form.html",
        line="skills/_hosted_line.html",
        heading=_l("Skills"),
        add=_l("Add a skill"),
    ),
))
