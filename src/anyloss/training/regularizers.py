"""Keras' weight regularizers (``keras.regularizers``): ``L1``, ``L2``, ``L1L2`` and the names
``"l1"``, ``"l2"``, ``"l1_l2"``, for layers' ``kernel_regularizer``/``bias_regularizer``.

A layer with regularizers has ``regularization_loss()``, the penalty of its weights, which
``fit`` adds to the training loss (Keras' ``model.losses``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["L1", "L1L2", "L2", "get_regularizer", "regularizer_config", "weight_penalty"]


class L1L2:
    """Keras' ``L1L2``: ``l1 * sum(|w|) + l2 * sum(w**2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        for name, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                msg = (
                    f"Argument `{name}` of {type(self).__name__} must be a non-negative "
                    f"float. Received: {name}={value!r}"
                )
                raise ValueError(msg)
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, weight: torch.Tensor) -> torch.Tensor:
        penalty = weight.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * weight.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * weight.square().sum()
        return penalty

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(L1L2):
    """Keras' ``L1``: ``l1 * sum(|w|)``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1}


class L2(L1L2):
    """Keras' ``L2``: ``l2 * sum(w**2)`` (no factor 1/2)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, float]:
        return {"l2": self.l2}


_REGULARIZERS: dict[str, type[L1L2]] = {"L1": L1, "L2": L2, "L1L2": L1L2}
#: Keras' names; ``"l1_l2"`` is ``L1L2(l1=0.01, l2=0.01)`` (Keras 2's ``l1_l2()`` defaults).
_REGULARIZER_NAMES: dict[str, Callable[[], L1L2]] = {
    "l1": L1,
    "l2": L2,
    "l1_l2": lambda: L1L2(l1=0.01, l2=0.01),
}


def get_regularizer(identifier: Any) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A regularizer from a Keras name (``"l1"``, ``"l2"``, ``"l1_l2"``), a saved config
    (``{"class_name": "L2", "config": {"l2": 1e-4}}``), an ``L1``/``L2``/``L1L2`` (or Keras'
    own, converted), or any callable that maps a weight tensor to a scalar tensor; ``None``
    stays ``None``."""
    if type(identifier).__module__.startswith(("keras", "tf_keras")) and (
        type(identifier).__name__ in _REGULARIZERS
    ):
        # keras.regularizers.L2(1e-4) would compute with Keras' backend: take its factors.
        return _REGULARIZERS[type(identifier).__name__](**identifier.get_config())
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _REGULARIZER_NAMES:
        return _REGULARIZER_NAMES[identifier]()
    if (
        isinstance(identifier, dict)
        and identifier.get("class_name") in _REGULARIZERS
        and isinstance(identifier.get("config"), dict)
    ):
        return _REGULARIZERS[identifier["class_name"]](**identifier["config"])
    msg = (
        f"Unknown regularizer {identifier!r}. Use one of {sorted(_REGULARIZER_NAMES)}, "
        "anyloss.regularizers.L2(0.001) (or L1, L1L2), or a callable mapping the "
        "weight tensor to a scalar tensor."
    )
    raise ValueError(msg)


def regularizer_config(layer: str, argument: str, regularizer: Any, given: Any) -> Any:
    if regularizer is None or isinstance(given, str):
        return given
    if type(regularizer) in _REGULARIZERS.values():
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    msg = (
        f"{layer}({argument}={given!r}) is a custom callable and cannot be saved by name. "
        "Use 'l1', 'l2', 'l1_l2' or L1/L2/L1L2(...), or load with load_model(path, module=...)."
    )
    raise ValueError(msg)


def weight_penalty(
    *pairs: tuple[Callable[[torch.Tensor], torch.Tensor] | None, Any],
) -> torch.Tensor:
    """The summed penalties of ``(regularizer, weight)`` pairs; 0 for a missing regularizer
    or a weight not built yet."""
    weights = [w for _, w in pairs if isinstance(w, torch.Tensor)]
    total = weights[0].new_zeros(()) if weights else torch.zeros(())
    for regularizer, weight in pairs:
        if regularizer is not None and isinstance(weight, torch.Tensor):
            total = total + regularizer(weight)
    return total
