"""Hinge and margin losses for maximum-margin classifiers: binary (labels -1/1; 0/1 labels are
converted), categorical (one-hot labels), multi-class margin (integer labels) and soft margin."""

from __future__ import annotations

from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import TORCH_REDUCTIONS, Inputs, Peer, builtin
from anyloss.losses._prepare import integer_labels, prepare


def _to_signed_labels(xp: Any, y_true: Any) -> Any:
    """Keras' label conversion: when *every* label is 0 or 1, map them to -1/1.

    The check is global over the tensor (a mix such as ``[0, 1, -1]`` is left as is) and is
    done with ``where``, so it also runs under ``jax.jit`` and on lazy arrays.
    """
    if 0 in B.shape(y_true):
        return y_true
    # y (y - 1) is 0 exactly for 0 and 1 (NaN elsewhere stays "not binary"). A max over floats:
    # XLA's boolean `all` over (y == 0) | (y == 1) is 4x slower on the CPU, torch's 1.5x.
    binary = xp.equal(xp.max(xp.abs(y_true * (y_true - 1.0))), 0)
    # Only the branch taken is computed where the library allows (Keras' smart_cond).
    return B.cond(xp, binary, lambda: 2.0 * y_true - 1.0, lambda: y_true)


@builtin(
    inputs=Inputs.MARGIN,
    peers=(
        Peer(
            "optax.hinge_loss",
            settings={"reduction": "none"},
            note="Call order is (y_true, y_pred): optax's is (predictor_outputs, targets). "
            "optax is element-wise and anyloss averages the last axis: give scores of shape "
            "(batch, 1) for optax's numbers (shape (batch,) instead of (batch, 1)). optax "
            "requires -1/1 targets; anyloss also reads all-0/1 targets as -1/1.",
        ),
    ),
)
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


# --- torch's margin losses: multi-class margin (Weston-Watkins) and the soft margin ---------------


def _check_multi_margin(arguments: dict[str, Any]) -> dict[str, Any]:
    p = arguments["p"]
    if isinstance(p, bool) or p not in (1, 2):
        msg = (
            f"Argument `p` of multi_margin must be 1 or 2 (the power of each margin "
            f"violation). Received: p={shown(p)}"
        )
        raise ValueError(msg)
    weight = arguments["weight"]
    if weight is not None:
        weight = _class_weight_list(weight)
    return {
        "p": int(p),
        "margin": check_number(arguments["margin"], "margin", owner="multi_margin"),
        "weight": weight,
    }


def _class_weight_list(weight: Any) -> list[float]:
    """``weight`` (a sequence or a 1-d array of per-class weights) as a list of floats, so the
    config stays JSON-safe."""
    try:
        values = np.asarray(B.to_numpy(weight) if B.is_array(weight) else weight)
    except (TypeError, ValueError, RuntimeError):
        values = np.asarray(None)
    if values.ndim != 1 or values.dtype.kind not in "biuf" or values.dtype.kind == "b":
        msg = (
            f"Argument `weight` of multi_margin must be None or one number per class (a list "
            f"or a 1-d array). Received: weight={shown(weight)}"
        )
        raise TypeError(msg)
    if not np.all(np.isfinite(values)):
        msg = (
            f"Argument `weight` of multi_margin must hold finite numbers, one per class. "
            f"Received: weight={shown(weight)}"
        )
        raise ValueError(msg)
    return [float(v) for v in values]


@builtin(
    inputs=Inputs.SPARSE,
    aliases=("multi_margin_loss",),
    check=_check_multi_margin,
    align_ranks=False,
    torch_kernel=torch_kernels.multi_margin,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.MultiMarginLoss",
            renames={"p": "p", "margin": "margin", "weight": "weight"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="Call order is (y_true, y_pred): torch's forward is (input, target). Classes "
            "are the last axis; `weight` is one number per class (a list or a 1-d tensor).",
        ),
    ),
)
def multi_margin(
    y_true: Any, y_pred: Any, p: int = 1, margin: float = 1.0, weight: Any = None
) -> Any:
    """Multi-class margin (Weston-Watkins hinge) loss per sample, integer labels.

    Every wrong class whose score comes within ``margin`` of the true class' score adds its
    violation (to the power ``p``); the sum is divided by the number of classes. Unlike
    :func:`categorical_hinge` (the worst wrong class only), every violating class counts. The
    numbers match ``torch.nn.MultiMarginLoss``.

    ::

        z_i = max(margin - y_pred[y] + y_pred[i], 0)        for each class i != y
        loss = weight[y] * sum_{i != y} z_i^p / num_classes

    Args:
        y_true: Integer class indices in ``[0, num_classes)``, shape ``(batch, ...)`` (or
            with a trailing axis of 1).
        y_pred: Scores per class, shape ``(batch, ..., num_classes)``.
        p: The power of each violation: 1 (default) or 2.
        margin: The margin the true class' score must keep over the others. Default: 1.0.
        weight: ``None`` (default) or one weight per class (a list or a 1-d array); each
            sample's loss is multiplied by the weight of its true class.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([3, 0])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> al.multi_margin(y_true, y_pred).round(4).tolist()
        [0.325, 0.275]

    Reference:
        Jason Weston and Chris Watkins, "Support Vector Machines for Multi-Class Pattern
        Recognition", ESANN 1999; PyTorch's ``torch.nn.MultiMarginLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.MultiMarginLoss.html
    """
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) == 0:
        msg = (
            "multi_margin: `y_pred` must hold one score per class, shape (batch, num_classes). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    if B.ndim(labels) == B.ndim(y_pred) and B.shape(labels)[-1] == 1:
        labels = xp.squeeze(labels, axis=-1)
    if B.shape(labels) != B.shape(y_pred)[:-1]:
        msg = (
            f"multi_margin: `y_true` must hold one integer class index per row of `y_pred`: "
            f"expected shape {B.shape(y_pred)[:-1]}, got {B.shape(labels)}. Pass integer class "
            "indices (not one-hot targets), or reshape them."
        )
        raise ValueError(msg)
    num_classes = B.shape(y_pred)[-1]
    B.check_label_range(xp, labels, num_classes, "multi_margin")
    classes = xp.arange(num_classes, device=B.device_of(labels))
    is_true = xp.equal(labels[..., None], classes)
    true_score = B.gather_classes(xp, y_pred, labels)
    violation = xp.clip(margin - true_score[..., None] + y_pred, 0.0, None)
    if p == 2:
        violation = xp.square(violation)
    violation = xp.where(is_true, xp.zeros_like(violation), violation)
    values = xp.sum(violation, axis=-1) / num_classes
    if weight is not None:
        if len(weight) != num_classes:
            msg = (
                f"Argument `weight` of multi_margin must hold one weight per class: y_pred "
                f"has {num_classes} classes, weight has {len(weight)} entries. Received: "
                f"weight={shown(weight)}"
            )
            raise ValueError(msg)
        w = xp.asarray(weight, dtype=y_pred.dtype, device=B.device_of(y_pred))
        values = values * xp.sum(xp.where(is_true, w, xp.zeros_like(y_pred)), axis=-1)
    return values


@builtin(
    inputs=Inputs.MARGIN,
    aliases=("soft_margin_loss",),
    torch_kernel=torch_kernels.soft_margin,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.SoftMarginLoss",
            choices={"reduction": TORCH_REDUCTIONS},
            note="Call order is (y_true, y_pred): torch's forward is (input, target). anyloss "
            "averages the last axis per sample: torch's reduction='sum' and 'none' are per "
            "element, equal to anyloss' for scores of shape (batch, 1); 'mean' is equal for "
            "every shape. torch computes log1p(exp(-y x)), which overflows to inf for "
            "-y x above ~88 (float32); anyloss stays finite.",
        ),
    ),
)
def soft_margin(y_true: Any, y_pred: Any) -> Any:
    """Soft-margin (logistic) loss per sample, labels -1/1.

    The smooth counterpart of :func:`hinge`: ``log(1 + exp(-y x))`` decreases steadily as the
    score ``x`` takes the label's sign, with no hard margin. The numbers match
    ``torch.nn.SoftMarginLoss`` (computed as ``softplus(-y x)``, which stays finite where
    torch's ``log1p(exp(-y x))`` overflows).

    ::

        y = 2 * y_true - 1 if every label is 0 or 1, else y_true
        loss = mean(log(1 + exp(-y * y_pred)), axis=-1)

    Args:
        y_true: Labels -1 or 1, shape ``(batch, ..., d)``. When *every* label is 0 or 1
            they are mapped to -1/1 first (Keras' conversion for the hinge losses; the check is
            global over the array, so a mix such as ``[0, 1, -1]`` is left as is).
        y_pred: Scores (decision values, not probabilities), same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[-1.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.5, 2.0], [-1.0, 0.0]])
        >>> al.soft_margin(y_true, y_pred).round(4).tolist()
        [0.5505, 1.0032]

    Reference:
        PyTorch's ``torch.nn.SoftMarginLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.SoftMarginLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "soft_margin")
    y_true = _to_signed_labels(xp, y_true)
    return xp.mean(B.softplus(xp, -y_true * y_pred), axis=-1)


class MultiMargin(BuiltinLoss, function=multi_margin):
    """Multi-class margin (Weston-Watkins hinge) loss, integer labels (``torch.nn.MultiMarginLoss``).

    Wraps :func:`multi_margin`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        p: The power of each margin violation: 1 (default) or 2.
        margin: The margin the true class' score must keep over the others. Default: 1.0.
        weight: ``None`` (default) or one weight per class (a list or a 1-d array); each
            sample's loss is multiplied by the weight of its true class.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"multi_margin"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([3, 0])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> round(float(al.MultiMargin()(y_true, y_pred)), 4)
        0.3
        >>> round(float(al.MultiMargin(p=2, weight=[1.0, 2.0, 1.0, 1.0])(y_true, y_pred)), 4)
        0.1375
    """

    p: int
    margin: float
    weight: Any

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        reduction: Any = "sum_over_batch_size",
        name: str = "multi_margin",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, p=p, margin=margin, weight=weight
        )


class SoftMargin(BuiltinLoss, function=soft_margin):
    """Soft-margin (logistic) loss for labels -1/1 or 0/1 (``torch.nn.SoftMarginLoss``).

    Wraps :func:`soft_margin`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"soft_margin"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[-1.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.5, 2.0], [-1.0, 0.0]])
        >>> round(float(al.SoftMargin()(y_true, y_pred)), 4)
        0.7769
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "soft_margin", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
