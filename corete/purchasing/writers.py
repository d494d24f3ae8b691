"""A need as a JSON Feed item of the CoRete format (the hosted editor, the demo, tests)."""
from __future__ import annotations

import datetime as dt


def need_item(id: str, item: str, *, kind: str = "goods", quantity=None, unit=None, category=None,
              tolerance=0, need_by: dt.date | None = None, text: str = "", sku: str | None = None) -> dict:
    core = {"type": "need", "item": item, "kind": kind, "tolerance": tolerance}
    for key, value in (("quantity", quantity), ("unit", unit), ("category", category), ("sku", sku)):
        if value is not None:
            core[key] = value
    if need_by:
        core["need_by"] = need_by.isoformat()
    return {"id": id, "title": item, "content_text": text, "_corete": core}
