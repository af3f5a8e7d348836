"""`make demo` installs only `-e ".[torch]"` (numpy, array-api-compat, rich, torch): the demo
scripts must not import anything else unconditionally (optional backends only behind
importlib.util.find_spec, as loss_table.py does)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: What `pip install -e ".[torch]"` provides besides the standard library.
DEMO_PACKAGES = {"anyloss", "numpy", "array_api_compat", "rich", "torch"}


def _module_level_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found - {"__future__"}


@pytest.mark.parametrize("script", ["demo.py", "loss_table.py"])
def test_demo_scripts_import_only_what_the_demo_install_provides(script):
    imported = _module_level_imports(EXAMPLES / script)
    extra = sorted(imported - DEMO_PACKAGES - set(sys.stdlib_module_names))
    assert not extra, f"{script} imports {extra}, which `make demo` does not install"
