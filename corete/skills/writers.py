"""A skill as a JSON Feed item of the CoRete format (the hosted editor, the demo, tests)."""
from __future__ import annotations


def skill_item(id: str, skill: str, holder: str, *, category: str, languages=("it",), contact=None) -> dict:
    core = {"type": "skill", "skill": skill, "category": category, "holder": {"name": holder},
            "languages": list(languages)}
    if contact:
        core["contact"] = contact
    return {"id": id, "title": f"{skill} – {holder}", "_corete": core}
