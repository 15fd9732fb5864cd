"""One direction of dependency: a layer never imports from a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "fiveareas"
# Lower number = lower layer. See docs/architecture.md for why `store` sits below `intake`.
LAYER = {"model": 0, "reference": 0, "store": 1, "synth": 2, "intake": 2, "rules": 3,
         "measure": 4, "watch": 5, "web": 6, "report": 6, "cli": 7}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fiveareas."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fiveareas.")}
    return found


def test_no_upward_imports() -> None:
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        top = rel.parts[0].removesuffix(".py")
        if top == "__init__":
            continue
        for target in _imports(path):
            if target in LAYER and LAYER[target] > LAYER[top]:
                bad.append(f"{rel} imports fiveareas.{target}")
    assert bad == []
