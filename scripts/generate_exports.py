"""Write the package's export lists, and the loss tables of the docs, from the loss
declarations (``make api``).

``src/anyloss/losses/__init__.py`` and ``src/anyloss/__init__.py`` spell out every public name
(imports and a literal ``__all__``) so that readers, ruff and type checkers see them. They are
derived, not edited: each built-in loss is declared once in its family module
(``anyloss/losses/_builtin.py`` explains the declaration), and this script lists every declared
function, class and alias. ``tests/test_declarations.py`` fails when the files are stale.

``docs/losses.md`` (every loss by family, and every other library's spelling with what it
sets) is derived the same way.

    python scripts/generate_exports.py          # rewrite the files
    python scripts/generate_exports.py --check  # exit 1 if one is stale
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "anyloss"

#: Names of ``anyloss.losses`` that are not declared losses, by defining module.
LOSSES_SUPPORT = {
    "anyloss.losses._base": ["BuiltinLoss", "Loss", "LossFunctionWrapper"],
    "anyloss.losses._builtin": [
        "ALIASES",
        "CLASSES",
        "CLASS_OF_FUNCTION",
        "FUNCTIONS",
        "Inputs",
        "MaskedValues",
    ],
    "anyloss.losses._mistakes": ["LossInputWarning"],
    "anyloss.losses._names": ["custom_objects", "register"],
    "anyloss.losses._reduction": [
        "LossParts",
        "Reduction",
        "reduce_weighted_values",
        "reduction_parts",
    ],
    "anyloss.losses.probabilistic": ["linear_cross_entropy"],
    "anyloss.losses.serialization": ["deserialize", "get", "serialize"],
}
#: Names of ``anyloss`` beyond those of ``anyloss.losses``, by defining module.
TOP_SUPPORT = {
    "anyloss": ["ops"],
    "anyloss._version": ["__version__"],
    "anyloss.check": ["CheckReport", "check_loss"],
    "anyloss.container": ["LossesContainer"],
}


def _families() -> list[str]:
    """The loss family modules (public modules of ``anyloss.losses`` that declare losses)."""
    import anyloss.losses

    names = [
        m.name
        for m in pkgutil.iter_modules(anyloss.losses.__path__)
        if not m.name.startswith("_") and m.name != "serialization"
    ]
    for name in names:
        importlib.import_module(f"anyloss.losses.{name}")
    return [f"anyloss.losses.{name}" for name in sorted(names)]


def _declared() -> dict[str, list[str]]:
    """Every declared function and class, by defining module, in declaration order."""
    from anyloss.losses._builtin import BUILTINS

    by_module: dict[str, list[str]] = {}
    for spec in BUILTINS.values():
        names = by_module.setdefault(spec.formula.__module__, [])
        names.append(spec.name)
        if spec.loss_class is not None:
            names.append(spec.loss_class.__name__)
    return by_module


def _import_block(modules: dict[str, list[str]]) -> list[str]:
    lines = []
    for module in sorted(modules):
        names = sorted(set(modules[module]), key=lambda n: (n.lower(), n))
        if module == "anyloss" and names == ["ops"]:
            lines.append("from anyloss import ops")
            continue
        lines.append(f"from {module} import (")
        lines.extend(f"    {name}," for name in names)
        lines.append(")")
    return lines


def _all_block(names: list[str]) -> list[str]:
    lines = ["__all__ = ["]
    lines.extend(f'    "{name}",' for name in sorted(set(names)))
    lines.append("]")
    return lines


def render_losses() -> tuple[str, list[str]]:
    """The text of ``anyloss/losses/__init__.py`` and its ``__all__``."""
    from anyloss.losses._builtin import BUILTINS

    _families()
    modules = {m: list(n) for m, n in LOSSES_SUPPORT.items()}
    for module, names in _declared().items():
        modules.setdefault(module, []).extend(names)
    aliases = [(alias, spec.name) for spec in BUILTINS.values() for alias in spec.aliases]
    exports = sorted(
        {n for names in modules.values() for n in names} | {alias for alias, _ in aliases}
    )
    lines = [
        '"""Every built-in loss (function and class), the base classes, and the lookup pipeline.',
        "",
        "Written by ``scripts/generate_exports.py`` (``make api``) from the declarations in the",
        "family modules; edit those, then regenerate.",
        '"""',
        "",
        *_import_block(modules),
        "",
        "# Aliases (Keras 3 legacy and tf-keras names), as attributes too: `al.mse(...)`.",
        *(f"{alias} = {target}" for alias, target in aliases),
        "",
        *_all_block(exports),
        "",
    ]
    return "\n".join(lines), exports


def render_top(losses_all: list[str]) -> str:
    modules = {m: list(n) for m, n in TOP_SUPPORT.items()}
    modules["anyloss.losses"] = list(losses_all)
    lines = [
        '"""anyloss: Keras\' loss system for every array library.',
        "",
        "Every Keras loss (function, aliases, class) over the Python array API, so the same code",
        "runs on NumPy, PyTorch, JAX (jit and grad included), CuPy and Dask;",
        "``get/serialize/deserialize/register``; ``Loss``/``LossFunctionWrapper`` with Keras'",
        "reductions, sample weights and masks.",
        "",
        "    >>> import anyloss as al",
        '    >>> al.get("mse") is al.mean_squared_error',
        "    True",
        "",
        "Written by ``scripts/generate_exports.py`` (``make api``); edit the generator, not this",
        "file.",
        '"""',
        "",
        *_import_block(modules),
        "",
        *_all_block([n for names in modules.values() for n in names]),
        "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_docs() -> str:
    """The text of ``docs/losses.md``: the losses by family, and the peer spellings."""
    from anyloss import _catalog
    from anyloss.losses import _peers

    lines = [
        "# Losses by family, and other libraries' names for them",
        "",
        "Written by `scripts/generate_exports.py` (`make api`) from the loss declarations; "
        "`make lint` fails when it is stale. `anyloss describe NAME` shows a loss' formula, "
        "arguments and reference; `anyloss list --peers` prints the second table.",
        "",
        "**Defined by**: the library whose numbers the loss equals (tests compare with it; "
        "`keras` is Keras 3).",
        "",
    ]
    for family, entries in _catalog.by_family().items():
        lines += [
            f"## {family}",
            "",
            "| loss | aliases | class | inputs | defined by | other libraries' names |",
            "|---|---|---|---|---|---|",
        ]
        for e in entries:
            peers = ", ".join(f"`{p}`" for p in e.peers)
            aliases = ", ".join(f"`{a}`" for a in e.aliases)
            lines.append(
                f"| `{e.name}` | {aliases} | `{e.class_name}` | {e.inputs} | {e.origin} | {peers} |"
            )
        lines.append("")
    lines += [
        "## Other libraries' names",
        "",
        "`al.get(spelling, **the peer's constructor arguments)` (or a config "
        '`{"class_name": spelling, "config": {...}}`) returns the anyloss loss below, with the '
        "arguments that give the peer's numbers set, and the peer's arguments translated. The "
        "loss is still called as `loss(y_true, y_pred)`. Prefixes may be written as "
        + ", ".join(f"`{p}`" for p in sorted(_peers.PREFIXES))
        + ". A bare class name (`DiceLoss`) is refused with the spellings it may mean.",
        "",
        "| spelling | anyloss loss | set for the peer's semantics | what to know |",
        "|---|---|---|---|",
    ]
    for spelling, loss, settings, note in _peers.table():
        shown = ", ".join(f"`{k}={v!r}`" for k, v in settings.items())
        lines.append(f"| `{spelling}` | `{loss}` | {_cell(shown)} | {_cell(note)} |")
    return "\n".join(lines) + "\n"


def _ruff(path: Path, text: str) -> str:
    """``text`` with its imports sorted and formatted as ruff does for ``path``."""
    for command in (
        ["check", "--select", "I,RUF022", "--fix-only", "--quiet"],
        ["format", "--quiet"],
    ):
        text = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--stdin-filename", str(path), "-"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    parser.add_argument(
        "--package",
        type=Path,
        default=PACKAGE,
        help="the anyloss package directory (default: this checkout's)",
    )
    args = parser.parse_args(argv)
    package = args.package.resolve()
    sys.path.insert(0, str(package.parent))
    losses_text, losses_all = render_losses()
    targets = {
        path: _ruff(path, text)
        for path, text in (
            (package / "losses" / "__init__.py", losses_text),
            (package / "__init__.py", render_top(losses_all)),
        )
    }
    if package == PACKAGE:  # the docs of this checkout (not of a package copy under test)
        targets[ROOT / "docs" / "losses.md"] = render_docs()
    stale = [
        path for path, text in targets.items() if not path.exists() or path.read_text() != text
    ]
    if args.check:
        for path in stale:
            print(f"stale: {path} (run `make api`)")
        return 1 if stale else 0
    for path in stale:
        path.write_text(targets[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
