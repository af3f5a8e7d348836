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
    """Dice loss: one minus the (soft) Dice coefficient of ``y_true`` and ``y_pred``.

    An overlap loss for segmentation: unlike per-pixel cross-entropy it is insensitive to how
    much of the image is background, so it suits small foreground structures. ``eps = 1e-7``
    avoids 0/0 on empty masks.

    ::

        intersection = sum(y_true * y_pred, axis)
        loss = 1 - 2 * intersection / (sum(y_true, axis) + sum(y_pred, axis) + eps)

    Args:
        y_true: Binary ground-truth masks (0/1), e.g. ``(batch, height, width, 1)``.
        y_pred: Predicted foreground probabilities in ``[0, 1]``, same shape as ``y_true``.
        axis: The axis or axes summed over. Default: ``None``, every axis, giving one number
            for the whole batch (Keras); pass e.g. ``axis=(1, 2, 3)`` for one value per image.

    Returns:
        The loss in ``[0, 1]`` with ``axis`` removed: one number (a 0-d array) for
        ``axis=None``, else one value per sample; an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.dice(y_true, y_pred)), 4)
        0.28
        >>> al.dice(y_true, y_pred, axis=1).round(4).tolist()
        [0.2, 0.3333]

    Reference:
        Fausto Milletari, Nassir Navab and Seyed-Ahmad Ahmadi, "V-Net: Fully Convolutional
        Neural Networks for Volumetric Medical Image Segmentation", 3DV 2016,
        https://arxiv.org/abs/1606.04797
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "dice")
    axis = normalize_axis(axis, B.ndim(y_pred))
    intersection = xp.sum(y_true * y_pred, axis=axis)
    union = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis)
    loss = 1.0 - 2.0 * intersection / (union + EPS)
    # NumPy 1.x promotes a float32 scalar (a full sum) with a Python float to float64.
    return B.as_float(xp, loss, y_pred.dtype)


@builtin(inputs=Inputs.BINARY, check=_check_tversky)
def tversky(
    y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None
) -> Any:
    """Tversky loss: one minus the Tversky index, which weighs false positives and negatives.

    A generalisation of :func:`dice` for imbalanced segmentation: raise ``beta`` to penalise
    missed foreground (false negatives) more, ``alpha`` to penalise false alarms more.
    ``alpha`` weighs false positives and ``beta`` false negatives, as documented (D1: Keras
    3.15.1 swaps them; see docs/keras-differences.md). ``alpha = beta = 0.5`` is Dice.

    ::

        TP = sum(y_pred * y_true, axis)
        FP = sum(y_pred * (1 - y_true), axis)
        FN = sum((1 - y_pred) * y_true, axis)
        loss = 1 - TP / (TP + alpha * FP + beta * FN + eps)      (eps = 1e-7)

    Args:
        y_true: Binary ground-truth masks (0/1), e.g. ``(batch, height, width, 1)``.
        y_pred: Predicted foreground probabilities in ``[0, 1]``, same shape as ``y_true``.
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5.
        axis: The axis or axes summed over. Default: ``None``, every axis, giving one number
            for the whole batch (Keras); pass e.g. ``axis=(1, 2, 3)`` for one value per image.

    Returns:
        The loss in ``[0, 1]`` with ``axis`` removed: one number (a 0-d array) for
        ``axis=None``, else one value per sample; an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.tversky(y_true, y_pred, alpha=0.7, beta=0.3)), 4)
        0.2174
        >>> al.tversky(y_true, y_pred, alpha=0.7, beta=0.3, axis=1).round(4).tolist()
        [0.2, 0.2308]

    Reference:
        Seyed Sadegh Mohseni Salehi, Deniz Erdogmus and Ali Gholipour, "Tversky loss function
        for image segmentation using 3D fully convolutional deep networks", MLMI 2017,
        https://arxiv.org/abs/1706.05721
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "tversky")
    axis = normalize_axis(axis, B.ndim(y_pred))
    tp = xp.sum(y_pred * y_true, axis=axis)
    fp = xp.sum(y_pred * (1.0 - y_true), axis=axis)
    fn = xp.sum((1.0 - y_pred) * y_true, axis=axis)
    loss = 1.0 - tp / (tp + alpha * fp + beta * fn + EPS)
    # NumPy 1.x promotes a float32 scalar (a full sum) with a Python float to float64.
    return B.as_float(xp, loss, y_pred.dtype)


class Dice(BuiltinLoss, function=dice):
    """Dice loss for segmentation: one minus the soft Dice coefficient.

    Wraps :func:`dice`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        axis: The axis or axes summed over. Default: ``None``, every axis: the loss is one
            number for the whole batch, so ``sample_weight`` cannot weigh samples (Keras); pass
            e.g. ``axis=(1, 2, 3)`` for one value per image.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"dice"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.Dice()(y_true, y_pred)), 4)
        0.28
        >>> round(float(al.Dice(axis=1)(y_true, y_pred)), 4)
        0.2667
    """

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
    """Tversky loss for segmentation (``alpha`` weighs false positives, ``beta`` false negatives).

    Wraps :func:`tversky`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    ``alpha`` weighs false positives, as documented (D1: Keras 3.15.1 swaps them; see docs/keras-
    differences.md).

    Args:
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5 (with ``alpha = 0.5``,
            Dice).
        axis: The axis or axes summed over. Default: ``None``, every axis: the loss is one
            number for the whole batch, so ``sample_weight`` cannot weigh samples (Keras); pass
            e.g. ``axis=(1, 2, 3)`` for one value per image.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"tversky"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.Tversky(alpha=0.7, beta=0.3)(y_true, y_pred)), 4)
        0.2174
    """

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
