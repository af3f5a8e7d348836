"""Per-loss metadata for ``anyloss list``/``describe``/``plot``, read from the declarations.

Names, aliases, classes and input kinds come from each loss' declaration
(``anyloss/losses/_builtin.py``); the family from the defining module; the summary, formula and
reference from the function's docstring.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyloss.losses._base import Loss
from anyloss.losses._builtin import BUILTINS, Builtin, Inputs
from anyloss.losses.serialization import get, serialize

_FAMILIES = {"metric_learning": "metric learning"}


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
    def summary(self) -> str:
        return _docstring(self.function).split("\n", 1)[0]

    @property
    def description(self) -> str:
        """The docstring without its summary line, examples and reference."""
        body = _docstring(self.function).split("\n", 1)[1:]
        text = (
            re.split(r"\n\s*(?:Example|Examples|Reference|References):", body[0])[0] if body else ""
        )
        return text.strip()

    @property
    def reference(self) -> str | None:
        match = re.search(
            r"References?:\s*(.+?)(?:\n\s*\n|$)", _docstring(self.function), re.DOTALL
        )
        return " ".join(match.group(1).split()) if match else None

    def arguments(self) -> list[tuple[str, Any]]:
        """``(name, default)`` of every constructor argument of the class, in order."""
        params = inspect.signature(self.loss_class.__init__).parameters.values()
        return [(p.name, p.default) for p in params if p.name != "self"]

    def config_example(self) -> Any:
        """What ``al.serialize`` writes for a default instance of the class."""
        return serialize(self.loss_class())


def _docstring(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def entries() -> list[Entry]:
    """Every built-in loss, in declaration order (grouped by family)."""
    return [Entry(spec) for spec in BUILTINS.values()]


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
