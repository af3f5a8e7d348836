"""Losses registered with anyloss (not with Keras) that the Keras integration tests train, save
and load: the module a user imports before ``load_model``, as with any custom Keras object."""

from __future__ import annotations

from typing import Any

import anyloss as al


@al.register("anyloss_tests")
class ScaledAbsolute(al.Loss):
    """``scale`` times the mean absolute error over the last axis."""

    def __init__(
        self,
        scale: float = 1.0,
        name: str | None = None,
        reduction: Any = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.scale = scale

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.scale * al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}


@al.register("anyloss_tests")
def timestep_squared_error(y_true: Any, y_pred: Any) -> Any:
    """The mean squared error over the last axis (Keras' ``mse``), as a registered function."""
    return al.ops.mean(al.ops.square(y_true - y_pred), axis=-1)
