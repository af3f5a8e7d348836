"""Per-loss metadata for ``anyloss list``/``describe``/``plot``, derived from the registry.

Names, aliases and classes come from the registry tables; the family from the defining module;
the summary, formula and reference from the function's docstring. Only the kind of inputs each
loss takes is written down here (it decides how ``plot`` draws it).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyloss.losses._base import Loss
from anyloss.losses._registry import ALIASES, CLASS_OF_FUNCTION, CLASSES, FUNCTIONS, get

#: What ``y_true``/``y_pred`` hold, per loss: ``regression`` (real values), ``binary`` (0/1
#: targets, probabilities), ``margin`` (0/1 or -1/1 targets, real scores), ``categorical``
#: (one-hot targets, class probabilities), ``categorical-margin`` (one-hot, real scores),
#: ``sparse`` (integer labels, class probabilities), ``sequence`` (CTC), ``embedding``.
INPUT_KINDS: dict[str, str] = {
    "mean_squared_error": "regression", "mean_absolute_error": "regression",
    "mean_absolute_percentage_error": "regression", "mean_squared_logarithmic_error": "regression",
    "huber": "regression", "log_cosh": "regression", "poisson": "regression",
    "cosine_similarity": "regression",
    "binary_crossentropy": "binary", "binary_focal_crossentropy": "binary",
    "dice": "binary", "tversky": "binary",
    "hinge": "margin", "squared_hinge": "margin", "categorical_hinge": "categorical-margin",
    "categorical_crossentropy": "categorical", "categorical_focal_crossentropy": "categorical",
    "kl_divergence": "categorical",
    "sparse_categorical_crossentropy": "sparse", "categorical_generalized_cross_entropy": "sparse",
    "ctc": "sequence", "circle": "embedding",
}
_FAMILIES = {"metric_learning": "metric learning"}


@dataclass(frozen=True)
class Entry:
    """One built-in loss: its function, names, class and what its docstring says."""

    name: str
    function: Callable[..., Any]
    aliases: tuple[str, ...]
    class_name: str

    @property
    def loss_class(self) -> type[Loss]:
        return CLASSES[self.class_name]

    @property
    def family(self) -> str:
        module = self.function.__module__.rsplit(".", 1)[-1]
        return _FAMILIES.get(module, module)

    @property
    def inputs(self) -> str:
        return INPUT_KINDS[self.name]

    @property
    def summary(self) -> str:
        return _docstring(self.function).split("\n", 1)[0]

    @property
    def description(self) -> str:
        """The docstring without its summary line, examples and reference."""
        body = _docstring(self.function).split("\n", 1)[1:]
        text = re.split(r"\n\s*(?:Example|Examples|Reference|References):", body[0])[0] if body \
            else ""
        return text.strip()

    @property
    def reference(self) -> str | None:
        match = re.search(r"References?:\s*(.+?)(?:\n\s*\n|$)", _docstring(self.function),
                          re.DOTALL)
        return " ".join(match.group(1).split()) if match else None

    def arguments(self) -> list[tuple[str, Any]]:
        """``(name, default)`` of every constructor argument of the class, in order."""
        params = inspect.signature(self.loss_class.__init__).parameters.values()
        return [(p.name, p.default) for p in params if p.name != "self"]

    def config_example(self) -> Any:
        """What ``al.serialize`` writes for a default instance of the class."""
        from anyloss.losses._registry import serialize

        return serialize(self.loss_class())


def _docstring(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def entries() -> list[Entry]:
    """Every built-in loss, in the registry's order (grouped by family)."""
    aliases: dict[str, list[str]] = {}
    for alias, target in ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    return [Entry(name, fn, tuple(aliases.get(name, ())), CLASS_OF_FUNCTION[name])
            for name, fn in FUNCTIONS.items()]


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
