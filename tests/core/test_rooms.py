"""The rooms' import graph is the one docs/rooms.md draws: a new import of another room is
a decision written down there, not an accident."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "corete"


def actual_edges() -> set[tuple[str, str]]:
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "migrations"}
    edges = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or parts[0] not in rooms:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                target = module.split(".")
                if target[0] == "corete" and len(target) > 1 and target[1] in rooms and target[1] != parts[0]:
                    edges.add((parts[0], target[1]))
    return edges


def drawn_edges() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "rooms.md").read_text(encoding="utf-8")
    drawing = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", drawing, re.M))


def test_the_drawing_is_the_import_graph():
    actual, drawn = actual_edges(), drawn_edges()
    assert not actual - drawn, f"imports the drawing does not show: {sorted(actual - drawn)}"
    assert not drawn - actual, f"drawn but no longer imported: {sorted(drawn - actual)}"


def test_federation_and_core_import_no_room_but_the_registry():
    edges = actual_edges()
    assert {d for s, d in edges if s == "federation"} <= {"core", "spaces"}
    assert {d for s, d in edges if s == "core"} <= {"spaces"}
