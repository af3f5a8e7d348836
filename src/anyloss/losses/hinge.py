"""Hinge losses for maximum-margin classifiers (labels -1/1; 0/1 labels are converted)."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, builtin
from anyloss.losses._prepare import prepare


def _to_signed_labels(xp: Any, y_true: Any) -> Any:
    """Keras' label conversion: when *every* label is 0 or 1, map them to -1/1.

    The check is global over the tensor (a mix such as ``[0, 1, -1]`` is left as is) and is
    done with ``where``, so it also runs under ``jax.jit`` and on lazy arrays.
    """
    if 0 in B.shape(y_true):
        return y_true
    # y (y - 1) is 0 exactly for 0 and 1 (NaN elsewhere stays "not binary"). A max over floats:
    # XLA's boolean `all` over (y == 0) | (y == 1) is 4x slower on the CPU, torch's 1.5x.
    binary = xp.max(xp.abs(y_true * (y_true - 1.0))) == 0
    return xp.where(binary, 2.0 * y_true - 1.0, y_true)


@builtin(inputs=Inputs.MARGIN)
def hinge(y_true: Any, y_pred: Any) -> Any:
    """Hinge loss per sample.

    The loss of a (soft-margin) support vector machine: zero once a score has the label's sign
    with a margin of at least 1, linear otherwise. For binary maximum-margin classifiers; see
    :func:`squared_hinge` for a smooth variant.

    ::

        y = 2 * y_true - 1 if every label is 0 or 1, else y_true
        loss = mean(max(1 - y * y_pred, 0), axis=-1)

    Args:
        y_true: Labels -1 or 1, shape ``(batch, ..., d)``. When *every* label is 0 or 1
            they are mapped to -1/1 first (Keras' conversion; the check is global over the
            array, so a mix such as ``[0, 1, -1]`` is left as is).
        y_pred: Scores (decision values, not probabilities), same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0/1 labels: read as -1/1
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> al.hinge(y_true, y_pred).round(4).tolist()
        [1.1, 1.5]

    Reference:
        Keras API docs, hinge losses, https://keras.io/api/losses/hinge_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "hinge")
    y_true = _to_signed_labels(xp, y_true)
    return xp.mean(xp.clip(1.0 - y_true * y_pred, 0.0, None), axis=-1)


@builtin(inputs=Inputs.MARGIN)
def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """Squared hinge loss per sample.

    The square of :func:`hinge`: differentiable at the margin and harsher on large violations.

    ::

        y = 2 * y_true - 1 if every label is 0 or 1, else y_true
        loss = mean(square(max(1 - y * y_pred, 0)), axis=-1)

    Args:
        y_true: Labels -1 or 1, shape ``(batch, ..., d)``. When *every* label is 0 or 1
            they are mapped to -1/1 first (Keras' conversion; the check is global over the
            array, so a mix such as ``[0, 1, -1]`` is left as is).
        y_pred: Scores (decision values, not probabilities), same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0/1 labels: read as -1/1
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> al.squared_hinge(y_true, y_pred).round(4).tolist()
        [1.46, 2.26]

    Reference:
        Keras API docs, hinge losses, https://keras.io/api/losses/hinge_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "squared_hinge")
    y_true = _to_signed_labels(xp, y_true)
    return xp.mean(xp.square(xp.clip(1.0 - y_true * y_pred, 0.0, None)), axis=-1)


@builtin(inputs=Inputs.CATEGORICAL_MARGIN)
def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """Categorical (Crammer-Singer) hinge per sample, one-hot ``y_true``.

    The multi-class hinge: the score of the true class must beat the best other score by a
    margin of 1. For maximum-margin classifiers over several classes.

    ::

        pos = sum(y_true * y_pred, axis=-1)
        neg = max((1 - y_true) * y_pred, axis=-1)
        loss = max(neg - pos + 1, 0)

    Args:
        y_true: One-hot labels, shape ``(batch, ..., num_classes)``.
        y_pred: Scores per class, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.9, 0.1]])
        >>> al.categorical_hinge(y_true, y_pred).round(4).tolist()
        [1.2, 0.2]

    Reference:
        Koby Crammer and Yoram Singer, "On the Algorithmic Implementation of Multiclass
        Kernel-based Vector Machines", JMLR 2, 2001,
        https://www.jmlr.org/papers/v2/crammer01a.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "categorical_hinge")
    pos = xp.sum(y_true * y_pred, axis=-1)
    neg = xp.max((1.0 - y_true) * y_pred, axis=-1)
    return xp.clip(neg - pos + 1.0, 0.0, None)


class Hinge(BuiltinLoss, function=hinge):
    """Hinge loss for binary maximum-margin classifiers (labels -1/1 or 0/1).

    Wraps :func:`hinge`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"hinge"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0/1 labels: read as -1/1
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> float(al.Hinge()(y_true, y_pred))
        1.3
        >>> float(al.Hinge()(y_true, y_pred, sample_weight=np.array([1.0, 0.0])))
        0.55
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "hinge", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(BuiltinLoss, function=squared_hinge):
    """Squared hinge loss for binary maximum-margin classifiers.

    Wraps :func:`squared_hinge`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"squared_hinge"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0/1 labels: read as -1/1
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(al.SquaredHinge()(y_true, y_pred)), 4)
        1.86
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "squared_hinge", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(BuiltinLoss, function=categorical_hinge):
    """Categorical (Crammer-Singer) hinge loss for multi-class maximum-margin classifiers.

    Wraps :func:`categorical_hinge`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"categorical_hinge"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.9, 0.1]])
        >>> round(float(al.CategoricalHinge()(y_true, y_pred)), 4)
        0.7
        >>> w = np.array([0.5, 1.0])
        >>> round(float(al.CategoricalHinge()(y_true, y_pred, sample_weight=w)), 4)
        0.4
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
