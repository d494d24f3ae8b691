"""Skills in the hosted editor: the operator's form and the feed item it becomes."""
from __future__ import annotations

from corete.core.forms import REQUIRED, CommaList, Editor, text, url as _url
from corete.skills.writers import skill_item


class SkillIn(Editor):
    skill = text(200, required=True, error_messages=REQUIRED)
    holder_name = text(200)
    holder_url = text(2000, validate_also=_url)
    category = text(120)
    contact = text(300)
    languages = CommaList(20, 20)
    description = text(5000)


def build(uid: str, form: dict, zone: str) -> dict:
    item = skill_item(uid, form["skill"], form.get("holder_name") or "", category=form.get("category"),
                      languages=[x.lower() for x in form.get("languages") or []], contact=form.get("contact"))
    core = item["_corete"]
    if not form.get("holder_name"):
        core.pop("holder")
        item["title"] = form["skill"]
    elif form.get("holder_url"):
        core["holder"]["url"] = form["holder_url"]
    if not form.get("category"):
        core.pop("category")
    item["content_text"] = form.get("description") or ""
    return item
