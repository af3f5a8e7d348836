"""The training package's modules import each other without cycles, counting imports inside
functions too: saving.py is the file format and knows nothing of Model."""

from __future__ import annotations

import ast
from pathlib import Path

import anyloss.training

PACKAGE = Path(anyloss.training.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every ``anyloss.training.*`` module that ``path`` imports, at any depth."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.rsplit(".", 1)[-1] for n in names if n.startswith("anyloss.training.")
                  and (PACKAGE / f"{n.rsplit('.', 1)[-1]}.py").exists()}
    return found


def test_no_import_cycle_in_the_training_package():
    graph = {p.stem: _imports(p) - {p.stem} for p in PACKAGE.glob("*.py")
             if p.stem != "__init__"}
    state: dict[str, str] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            assert state.get(dep) != "open", f"import cycle: {' -> '.join([*stack, dep])}"
            if dep not in state:
                visit(dep, [*stack, dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert "model" not in graph["saving"]
    assert "saving" in graph["model"]
