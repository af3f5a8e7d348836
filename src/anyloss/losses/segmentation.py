"""Overlap losses for segmentation: Dice and Tversky."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_axis_type, check_number, normalize_axis
from anyloss.backend import EPSILON as EPS
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, builtin
from anyloss.losses._prepare import prepare


def _check_dice(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    return arguments


def _check_tversky(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    return {
        **arguments,
        "alpha": check_number(arguments["alpha"], "alpha", minimum=0.0, owner="tversky"),
        "beta": check_number(arguments["beta"], "beta", minimum=0.0, owner="tversky"),
    }


@builtin(inputs=Inputs.BINARY, check=_check_dice)
def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Any:
    """Dice loss: ``1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + eps)`` over ``axis``.

    ``axis=None`` reduces everything to one number for the whole batch (Keras); pass e.g.
    ``axis=(1, 2, 3)`` for one value per image.

    Reference: Milletari et al., "V-Net" (2016), https://arxiv.org/abs/1606.04797
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "dice")
    axis = normalize_axis(axis, B.ndim(y_pred))
    intersection = xp.sum(y_true * y_pred, axis=axis)
    union = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis)
    return 1.0 - 2.0 * intersection / (union + EPS)


@builtin(inputs=Inputs.BINARY, check=_check_tversky)
def tversky(
    y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None
) -> Any:
    """Tversky loss: ``1 - TP / (TP + alpha FP + beta FN + eps)`` over ``axis``.

    ``TP = sum(y_pred y_true)``, ``FP = sum(y_pred (1 - y_true))``, ``FN = sum((1 - y_pred)
    y_true)``. ``alpha`` weighs false positives and ``beta`` false negatives, as documented
    (D1: Keras 3.15.1 swaps them). ``alpha = beta = 0.5`` is Dice.

    Reference: Salehi et al., "Tversky loss function for image segmentation" (2017),
    https://arxiv.org/abs/1706.05721
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "tversky")
    axis = normalize_axis(axis, B.ndim(y_pred))
    tp = xp.sum(y_pred * y_true, axis=axis)
    fp = xp.sum(y_pred * (1.0 - y_true), axis=axis)
    fn = xp.sum((1.0 - y_pred) * y_true, axis=axis)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + EPS)


class Dice(BuiltinLoss, function=dice):
    """Dice loss. See :func:`dice`; ``reduction``: see ``Loss``."""

    axis: Any

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "dice",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(BuiltinLoss, function=tversky):
    """Tversky loss. See :func:`tversky` (``alpha`` weighs false positives)."""

    alpha: float
    beta: float
    axis: Any

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
