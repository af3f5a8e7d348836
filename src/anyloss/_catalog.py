"""Per-loss metadata for ``anyloss list``/``describe``/``plot``, read from the declarations.

Names, aliases, classes and input kinds come from each loss' declaration
(``anyloss/losses/_builtin.py``); the family from the defining module; the summary, formula and
reference from the function's docstring.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyloss.losses._base import Loss
from anyloss.losses._builtin import BUILTINS, Builtin, Inputs
from anyloss.losses.serialization import get, serialize

_FAMILIES = {"metric_learning": "metric learning"}
#: The order ``anyloss list`` shows families in (modules not named here come last, sorted).
FAMILY_ORDER = (
    "regression",
    "probabilistic",
    "hinge",
    "structured",
    "pairs",
    "metric learning",
    "similarity",
    "proxies",
    "segmentation",
    "boxes",
    "ranking",
    "sequence",
)


@dataclass(frozen=True)
class Entry:
    """One built-in loss: its function, names, class and what its docstring says."""

    builtin: Builtin

    @property
    def name(self) -> str:
        return self.builtin.name

    @property
    def function(self) -> Callable[..., Any]:
        return self.builtin.function or self.builtin.formula

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.builtin.aliases

    @property
    def loss_class(self) -> type[Loss]:
        cls = self.builtin.loss_class
        if cls is None:  # pragma: no cover - every built-in declares its class
            msg = f"{self.name} has no class."
            raise LookupError(msg)
        return cls

    @property
    def class_name(self) -> str:
        return self.loss_class.__name__

    @property
    def family(self) -> str:
        module = self.function.__module__.rsplit(".", 1)[-1]
        return _FAMILIES.get(module, module)

    @property
    def inputs(self) -> Inputs:
        return self.builtin.inputs

    @property
    def plot_axis(self) -> str | None:
        """The x-axis of ``anyloss plot`` where the input kind's does not fit (``"distance"``)."""
        return self.builtin.plot_axis

    @property
    def origin(self) -> str:
        """The library whose numbers define the loss (Keras 3 for the Keras set)."""
        return self.builtin.origin

    @property
    def peers(self) -> tuple[str, ...]:
        """Other libraries' spellings that resolve to this loss (``al.get``)."""
        return tuple(peer.name for peer in self.builtin.peers)

    @property
    def summary(self) -> str:
        return _docstring(self.function).split("\n", 1)[0]

    @property
    def description(self) -> str:
        """What the loss is for and its formula: the docstring's text before its sections
        (``Args:``, ``Returns:``, ``Example:``, ``Reference:``), without the summary line."""
        head = _sections(_docstring(self.function))[0]
        body = head.split("\n", 1)[1] if "\n" in head else ""
        # An older one-line "Reference: ..." paragraph is shown under Reference instead.
        body = re.split(r"\n\s*(?:Example|Examples|Reference|References):", body)[0]
        return _literal_blocks(body).strip()

    @property
    def reference(self) -> str | None:
        """The ``Reference:`` section (or an older inline ``Reference: ...``), on one line."""
        doc = _docstring(self.function)
        sections = _sections(doc)[1]
        text = sections.get("Reference") or sections.get("References")
        if text is None:
            match = re.search(r"^References?:\s*(.+?)(?:\n\s*\n|$)", doc, re.DOTALL | re.MULTILINE)
            text = match.group(1) if match else None
        return " ".join(text.split()) if text else None

    def argument_help(self) -> dict[str, str]:
        """``name -> meaning`` of the class' constructor arguments, from its ``Args:`` section."""
        return _argument_help(self.loss_class)

    def function_argument_help(self) -> dict[str, str]:
        """``name -> meaning`` of the function's arguments, from its ``Args:`` section."""
        return _argument_help(self.function)

    def function_arguments(self) -> list[tuple[str, Any]]:
        """``(name, default)`` of the function's arguments the class does not take (e.g.
        ``circle``'s reference embeddings), in order."""
        taken = {name for name, _ in self.arguments()}
        params = list(inspect.signature(self.function).parameters.values())[2:]
        return [
            (p.name, p.default)
            for p in params
            if p.name not in taken and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def arguments(self) -> list[tuple[str, Any]]:
        """``(name, default)`` of every constructor argument of the class, in order."""
        params = inspect.signature(self.loss_class.__init__).parameters.values()
        return [(p.name, p.default) for p in params if p.name != "self"]

    def config_example(self) -> Any:
        """What ``al.serialize`` writes for a default instance of the class."""
        return serialize(self.loss_class())


def _argument_help(obj: Any) -> dict[str, str]:
    """``name -> meaning`` from the ``Args:`` section of ``obj``'s docstring."""
    args = _sections(_docstring(obj))[1].get("Args", "")
    found: dict[str, str] = {}
    name = None
    for line in args.splitlines():
        match = re.match(r"(\w+)(?: \(.*?\))?:\s*(.*)", line)
        if match and not line[:1].isspace():
            name = match.group(1)
            found[name] = match.group(2)
        elif name is not None and line.strip():
            found[name] += " " + line.strip()
    return {k: " ".join(v.split()) for k, v in found.items()}


def _docstring(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


_SECTION = re.compile(
    r"^(Args|Arguments|Returns|Raises|Yields|Example|Examples|Reference|References|Note|Notes)"
    r":[ \t]*$",
    re.MULTILINE,
)


def _sections(doc: str) -> tuple[str, dict[str, str]]:
    """A Google-style docstring split into the text before its sections and the sections
    (header -> dedented body)."""
    parts = _SECTION.split(doc)
    sections = {
        parts[i]: textwrap.dedent(parts[i + 1]).strip("\n") for i in range(1, len(parts) - 1, 2)
    }
    return parts[0], sections


def _literal_blocks(text: str) -> str:
    """reST literal-block markers for a terminal: a lone ``::`` line goes, ``text::`` ends
    with ``:``."""
    text = re.sub(r"(?m)^[ \t]*::[ \t]*\n", "", text)
    text = re.sub(r"(?m)(\S)::[ \t]*$", r"\1:", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def entries() -> list[Entry]:
    """Every built-in loss, in declaration order (grouped by family)."""
    return [Entry(spec) for spec in BUILTINS.values()]


def by_family() -> dict[str, list[Entry]]:
    """Every built-in loss grouped by family, families in :data:`FAMILY_ORDER`."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries():
        groups.setdefault(entry.family, []).append(entry)

    def rank(family: str) -> tuple[int, str]:
        known = family in FAMILY_ORDER
        return (FAMILY_ORDER.index(family) if known else len(FAMILY_ORDER), family)

    return {family: groups[family] for family in sorted(groups, key=rank)}


def lookup(identifier: str) -> Entry:
    """The entry a function name, alias or class name names.

    Raises:
        ValueError: for an unknown name, with the registry's did-you-mean suggestions.
    """
    obj = get(identifier)  # raises ValueError with suggestions for unknown names
    by_class = {e.class_name: e for e in entries()}
    by_function = {id(e.function): e for e in entries()}
    if isinstance(obj, Loss) and type(obj).__name__ in by_class:
        return by_class[type(obj).__name__]
    if id(obj) in by_function:
        return by_function[id(obj)]
    msg = f"{identifier!r} is not a built-in loss; `anyloss list` shows the built-ins."
    raise ValueError(msg)
