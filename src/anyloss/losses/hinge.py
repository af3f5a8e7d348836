"""Hinge and margin losses for maximum-margin classifiers: binary (labels -1/1; 0/1 labels are
converted), categorical (one-hot labels), multi-class margin and multiclass hinge (integer
labels), multilabel margin (-1-padded lists of class indices), soft margin, perceptron, and the
hinge embedding loss on distances of labelled pairs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.backend._checks import first_where
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


def _class_indices(y_true: Any, y_pred: Any, loss: str) -> tuple[Any, Any, Any]:
    """``(xp, labels, y_pred)``: one integer class index per row of the class scores
    ``y_pred`` (a trailing axis of 1 squeezed), checked to lie in ``[0, num_classes)`` where
    values are read."""
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) == 0:
        msg = (
            f"{loss}: `y_pred` must hold one score per class, shape (batch, num_classes). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    if B.ndim(labels) == B.ndim(y_pred) and B.shape(labels)[-1] == 1:
        labels = xp.squeeze(labels, axis=-1)
    if B.shape(labels) != B.shape(y_pred)[:-1]:
        msg = (
            f"{loss}: `y_true` must hold one integer class index per row of `y_pred`: "
            f"expected shape {B.shape(y_pred)[:-1]}, got {B.shape(labels)}. Pass integer class "
            "indices (not one-hot targets), or reshape them."
        )
        raise ValueError(msg)
    B.check_label_range(xp, labels, B.shape(y_pred)[-1], loss)
    return xp, labels, y_pred


def _true_class(xp: Any, labels: Any, y_pred: Any) -> tuple[Any, Any]:
    """``(is_true, true_score)``: the ``(..., C)`` mask of each row's class and its score.

    The score is a masked sum over the mask the caller needs anyway: under ``jax.jit`` a
    select, where a gather's gradient is a scatter (multiclass_hinge's small fwd+bwd went from
    1.2-1.4x to 1.0x of optax). A label outside ``[0, C)``, unchecked where values cannot be
    read, gives NaN, as a gather would."""
    num_classes = B.shape(y_pred)[-1]
    classes = xp.arange(num_classes, device=B.device_of(labels))
    is_true = xp.equal(labels[..., None], classes)
    true_score = xp.sum(xp.where(is_true, y_pred, xp.zeros_like(y_pred)), axis=-1)
    in_range = xp.logical_and(xp.greater_equal(labels, 0), xp.less(labels, num_classes))
    return is_true, xp.where(in_range, true_score, xp.full_like(true_score, xp.nan))


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
    xp, labels, y_pred = _class_indices(y_true, y_pred, "multi_margin")
    num_classes = B.shape(y_pred)[-1]
    is_true, true_score = _true_class(xp, labels, y_pred)
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


# --- torch's hinge embedding and multilabel margin; optax's multiclass hinge and perceptron -------


def _check_margin(loss: str) -> Any:
    def check(arguments: dict[str, Any]) -> dict[str, Any]:
        return {"margin": check_number(arguments["margin"], "margin", owner=loss)}

    return check


def _check_signed_labels(xp: Any, labels: Any, loss: str) -> None:
    """``ValueError`` on a label other than -1 and 1 (after the 0/1 conversion), where values
    can be read (``B.checks_apply``); NaN is no error (it gives NaN). Elsewhere (``jax.jit``,
    accelerators) the formula takes every label as it is."""
    if not B.checks_apply(labels) or 0 in B.shape(labels):
        return
    bad = xp.logical_and(xp.not_equal(xp.abs(labels), 1.0), xp.logical_not(xp.isnan(labels)))
    if bool(xp.any(bad)):
        msg = (
            f"{loss}: `y_true` must hold the labels 1 (similar) and -1 (dissimilar), or only 0 "
            f"and 1 (read as -1/1). Received the label {first_where(labels, bad)}. Map your "
            "targets to -1/1."
        )
        raise ValueError(msg)


@builtin(
    inputs=Inputs.MARGIN,
    aliases=("hinge_embedding_loss",),
    check=_check_margin("hinge_embedding"),
    torch_kernel=torch_kernels.hinge_embedding,
    origin="torch",
    plot_axis="distance",
    peers=(
        Peer(
            "torch.nn.HingeEmbeddingLoss",
            renames={"margin": "margin"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="Call order is (y_true, y_pred): torch's forward is (input, target). anyloss "
            "averages the last axis per sample: torch's reduction='sum' and 'none' are per "
            "element, equal to anyloss' for inputs of shape (batch, 1); 'mean' is equal for "
            "every shape. All-0/1 targets are read as -1/1 (torch adds both terms for a 0); "
            "other labels are refused where values are checked. A NaN target gives NaN.",
        ),
    ),
)
def hinge_embedding(y_true: Any, y_pred: Any, margin: float = 1.0) -> Any:
    """Hinge embedding loss per sample, on distances of labelled pairs.

    ``y_pred`` holds a distance (or dissimilarity score) per pair, e.g. the L1 distance of two
    embeddings: a similar pair (label 1) is charged its distance, a dissimilar pair (label -1)
    the amount by which it falls short of ``margin``. For learning embeddings or
    semi-supervised learning from labelled pairs. The numbers match
    ``torch.nn.HingeEmbeddingLoss``.

    ::

        y = 2 * y_true - 1 if every label is 0 or 1, else y_true
        loss = mean(where(y == 1, y_pred, max(margin - y_pred, 0)), axis=-1)

    Args:
        y_true: Labels 1 (similar) or -1 (dissimilar), shape ``(batch, ..., d)``. When *every*
            label is 0 or 1 they are read as -1/1 (the check is global over the array). Any
            other label is refused where values are checked; elsewhere (``jax.jit``, GPUs) it
            gets torch's sum of both terms.
        y_pred: Distances (or scores), same shape as ``y_true``.
        margin: The distance a dissimilar pair must reach. Default: 1.0.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, -1.0], [-1.0, -1.0]])
        >>> y_pred = np.array([[0.3, 0.4], [1.5, 0.2]])
        >>> al.hinge_embedding(y_true, y_pred).round(4).tolist()
        [0.45, 0.4]

    Reference:
        PyTorch's ``torch.nn.HingeEmbeddingLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.HingeEmbeddingLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "hinge_embedding")
    y_true = _to_signed_labels(xp, y_true)
    _check_signed_labels(xp, y_true, "hinge_embedding")
    zeros = xp.zeros_like(y_pred)
    # torch's formula, which adds both terms for a label other than -1/1 (where no check ran);
    # 0 * label: a NaN label gives NaN, never a silent number.
    short = xp.where(xp.not_equal(y_true, 1.0), xp.clip(margin - y_pred, 0.0, None), zeros)
    values = short + xp.where(xp.not_equal(y_true, -1.0), y_pred, zeros) + 0.0 * y_true
    return xp.mean(values, axis=-1)


@builtin(
    inputs=Inputs.LABEL_LISTS,
    aliases=("multilabel_margin_loss",),
    align_ranks=False,
    torch_kernel=torch_kernels.multilabel_margin,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.MultiLabelMarginLoss",
            choices={"reduction": TORCH_REDUCTIONS},
            note="Call order is (y_true, y_pred): torch's forward is (input, target). y_true "
            "holds each sample's target class indices padded with -1, the shape of y_pred; "
            "entries after the first -1 are not read. A NaN score gives NaN (torch skips it).",
        ),
    ),
)
def multilabel_margin(y_true: Any, y_pred: Any) -> Any:
    """Multilabel margin loss per sample, -1-padded lists of target classes.

    For multi-label classification with scores: every target class must outscore every other
    class by 1. Each pair of a target class ``j`` and a non-target class ``i`` adds its hinge
    ``max(1 - (x_j - x_i), 0)``; the sum is divided by the number of classes. The numbers
    match ``torch.nn.MultiLabelMarginLoss``.

    ::

        targets = y_true[:k], k the position of the first -1 (all of y_true if none)
        loss = sum_{j in targets, i not in targets} max(1 - (y_pred[j] - y_pred[i]), 0) / C

    Args:
        y_true: Integer class indices, the sample's target classes first and then -1,
            shape ``(batch, ..., C)`` like ``y_pred`` (``[3, 0, -1, -1]``: classes 3 and 0).
            Entries after the first -1 are not read; each must lie in ``-1..C-1``.
        y_pred: Scores per class, shape ``(batch, ..., C)``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.
        The formula holds ``(batch, C, C)`` arrays up to 2^24 entries and sorts rows of 2C
        entries above (``O(C)`` memory per sample); torch tensors use
        ``F.multilabel_margin_loss``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[3, 0, -1, -1], [1, -1, -1, -1]])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> al.multilabel_margin(y_true, y_pred).round(4).tolist()
        [0.85, 1.075]

    Reference:
        PyTorch's ``torch.nn.MultiLabelMarginLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.MultiLabelMarginLoss.html
    """
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) == 0:
        msg = (
            "multilabel_margin: `y_pred` must hold one score per class, shape (batch, "
            f"num_classes). Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    if B.shape(labels) != B.shape(y_pred):
        msg = (
            "multilabel_margin: `y_true` must list each sample's target classes padded with -1, "
            f"the shape of `y_pred` {B.shape(y_pred)}. Received: y_true.shape={B.shape(labels)}. "
            "Pad each row with -1 to one entry per class, or reshape them."
        )
        raise ValueError(msg)
    num_classes = B.shape(y_pred)[-1]
    _check_label_lists(xp, labels, num_classes)
    # The list of a sample ends at its first -1 (torch: its first negative entry): the slots
    # read are those with no negative entry up to them.
    ended = B.cumulative_sum(xp, xp.astype(xp.less(labels, 0), labels.dtype), axis=-1)
    listed = xp.equal(ended, 0)  # (..., C)
    # Every pair (listed slot k, non-target class i) as a (..., C, C) array where that fits;
    # else sorts of rows of 2C entries (jitted JAX at 256 x 1000: 0.2 s against 1.1 s, but
    # 2.5x the time at 32 x 10). torch's kernel loops over the pairs.
    entries = num_classes * num_classes
    for size in B.shape(y_pred)[:-1]:  # a loop: torch.compile traces no generator here
        entries *= 1 if size is None else size
    pairs = _pair_sums if entries <= _PAIRS_LIMIT else _sorted_sums
    values = pairs(xp, labels, listed, y_pred) / num_classes
    # A NaN score gives NaN (the test above skips NaN terms, as torch does), added so that the
    # other scores keep their gradient.
    nan = xp.any(xp.isnan(y_pred), axis=-1)
    return values + xp.where(nan, xp.full_like(values, math.nan), xp.zeros_like(values))


#: The most (rows x classes x classes) entries ``multilabel_margin`` holds as pairs (2^24: 64
#: MiB of float32 per array); above, its sums come from sorts.
_PAIRS_LIMIT = 1 << 24


def _pair_sums(xp: Any, labels: Any, listed: Any, y_pred: Any) -> Any:
    """Each row's sum of ``max(1 - s_k + x_i, 0)`` over its listed slots k and non-target
    classes i, from ``(..., C, C)`` arrays (slot k, class i)."""
    slots = xp.arange(B.shape(y_pred)[-1], dtype=labels.dtype, device=B.device_of(labels))
    names = xp.logical_and(xp.equal(labels[..., :, None], slots), listed[..., :, None])
    is_target = xp.any(names, axis=-2)
    target_score = xp.sum(
        xp.where(names, y_pred[..., None, :], xp.zeros_like(y_pred)[..., None, :]), axis=-1
    )
    z = 1.0 - target_score[..., :, None] + y_pred[..., None, :]
    counted = xp.logical_and(listed[..., :, None], xp.logical_not(is_target)[..., None, :])
    # z > 0 as torch tests it: a zero (or NaN) term has no gradient.
    counted = xp.logical_and(counted, xp.greater(z, 0.0))
    return xp.sum(xp.where(counted, z, xp.zeros_like(z)), axis=(-2, -1))


def _sorted_sums(xp: Any, labels: Any, listed: Any, y_pred: Any) -> Any:
    """:func:`_pair_sums` from sorts of rows of 2C entries: O(C) memory per row.

    Each listed slot k's score s_k; every non-target class i with x_i > s_k - 1 adds
    z = 1 - s_k + x_i. The test is torch's z > 0 exactly (fl(1 - s_k) + x_i > 0 iff
    x_i > fl(s_k - 1)): a zero or NaN term has no gradient. The sums take the scores relative
    to the row's mean (z is shift-invariant), so they stay near the scores' spread."""
    is_target = _listed_classes(xp, labels, listed, B.shape(y_pred)[-1])
    score = B.take_along_last(xp, y_pred, xp.where(listed, labels, xp.zeros_like(labels)))
    centre = B.stop_gradient(xp, xp.mean(y_pred, axis=-1, keepdims=True))
    centre = xp.where(xp.isfinite(centre), centre, xp.zeros_like(centre))
    thresholds = xp.where(listed, score - 1.0, xp.full_like(score, xp.inf))
    count, total = _counts_above(xp, thresholds, y_pred, y_pred - centre, is_target)
    z = count * (1.0 - (score - centre)) + total
    return xp.sum(xp.where(listed, z, xp.zeros_like(z)), axis=-1)


def _merged_order(xp: Any, first: Any, second: Any) -> tuple[Any, Any]:
    """The stable ascending order of each row of ``concat(first, second)`` (ties: ``first``'s
    entries before ``second``'s), and each entry's place in it (the inverse permutation)."""
    keys = xp.concat([first, second], axis=-1)
    order = xp.argsort(keys, axis=-1, stable=True)
    return order, xp.argsort(order, axis=-1, stable=True)


def _listed_classes(xp: Any, labels: Any, listed: Any, num_classes: int) -> Any:
    """``(..., C)``: whether class i is among a row's listed labels. The labels (unlisted:
    C) and the class ids sorted together, labels first on ties: class i is listed iff the entry
    sorted just before it is a label equal to i."""
    ids = xp.arange(num_classes, dtype=labels.dtype, device=B.device_of(labels))
    ids = xp.broadcast_to(ids, B.dynamic_shape(labels))
    mine = xp.where(listed, labels, xp.full_like(labels, num_classes))
    order, place = _merged_order(xp, mine, ids)
    keys = B.take_along_last(xp, xp.concat([mine, ids], axis=-1), order)
    is_label = xp.less(order, num_classes)  # entries of the first half
    before = xp.concat([xp.full_like(keys[..., :1], -1), keys[..., :-1]], axis=-1)
    label_before = xp.concat([xp.zeros_like(is_label[..., :1]), is_label[..., :-1]], axis=-1)
    found = xp.logical_and(label_before, xp.equal(before, keys))
    return B.take_along_last(xp, found, place[..., num_classes:])


def _counts_above(xp: Any, thresholds: Any, x: Any, values: Any, skipped: Any) -> tuple[Any, Any]:
    """For each threshold t of a row: how many of the row's entries of ``x`` not ``skipped``
    are greater than t, and the sum of their ``values``. ``-t`` and ``-x`` sorted together
    (thresholds first on ties: an entry equal to t is not counted); running counts and sums
    read at each threshold."""
    size = B.shape(x)[-1]
    order, place = _merged_order(xp, -thresholds, -x)
    zeros = xp.zeros_like(thresholds)
    ones = xp.astype(xp.logical_not(skipped), x.dtype)
    flags = B.take_along_last(xp, xp.concat([zeros, ones], axis=-1), order)
    values = B.take_along_last(
        xp, xp.concat([zeros, xp.where(skipped, xp.zeros_like(x), values)], axis=-1), order
    )
    at = place[..., :size]
    count = B.take_along_last(xp, B.cumulative_sum(xp, flags, axis=-1), at)
    return count, B.take_along_last(xp, B.cumulative_sum(xp, values, axis=-1), at)


def _check_label_lists(xp: Any, labels: Any, num_classes: int) -> None:
    """``ValueError`` on an entry outside ``-1..num_classes-1`` (torch's range, padding
    included), where values can be read."""
    if not B.checks_apply(labels) or 0 in B.shape(labels):
        return
    low, high = (int(v) for v in B.min_max(xp, labels))
    if low < -1 or high >= num_classes:
        bad = xp.logical_or(xp.less(labels, -1), xp.greater_equal(labels, num_classes))
        msg = (
            f"multilabel_margin: `y_true` holds the label {first_where(labels, bad)}, outside "
            f"-1..{num_classes - 1} for y_pred with {num_classes} classes. Each row lists the "
            f"sample's target classes 0..{num_classes - 1}, padded with -1 after the last."
        )
        raise ValueError(msg)


_OPTAX_LABELS_NOTE = (
    "Call order is (y_true, y_pred): optax's is (scores, labels). Integer labels, one per row "
    "of scores; a label outside [0, num_classes) is refused where values are checked (optax "
    "gives it no class)."
)


@builtin(
    inputs=Inputs.SPARSE,
    check=_check_margin("multiclass_hinge"),
    align_ranks=False,
    origin="optax",
    peers=(
        Peer(
            "optax.multiclass_hinge_loss",
            settings={"reduction": "none"},
            note=_OPTAX_LABELS_NOTE,
        ),
        Peer(
            "optax.multiclass_perceptron_loss",
            settings={"margin": 0.0, "reduction": "none"},
            note=_OPTAX_LABELS_NOTE,
        ),
    ),
)
def multiclass_hinge(y_true: Any, y_pred: Any, margin: float = 1.0) -> Any:
    """Multiclass (Crammer-Singer) hinge loss per sample, integer labels.

    The true class' score must beat the best other score by ``margin``; the loss is the
    shortfall. With ``margin=0`` it is the multiclass perceptron loss. The numbers match
    ``optax.multiclass_hinge_loss`` (and ``optax.multiclass_perceptron_loss`` at
    ``margin=0``). :func:`categorical_hinge` is the same loss for one-hot labels and margin 1
    (Keras' version also differs from optax' by treating a wrong class' negative score as 0);
    :func:`multi_margin` (``torch.nn.MultiMarginLoss``) sums the violations of every wrong
    class instead of taking the worst.

    ::

        loss = max_j(y_pred[j] + margin * (j != y)) - y_pred[y]

    Args:
        y_true: Integer class indices in ``[0, num_classes)``, shape ``(batch, ...)`` (or
            with a trailing axis of 1).
        y_pred: Scores per class, shape ``(batch, ..., num_classes)``.
        margin: The margin the true class' score must keep over the others, a finite number.
            Default: 1.0.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([3, 0])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> al.multiclass_hinge(y_true, y_pred).round(4).tolist()
        [0.6, 0.6]
        >>> al.multiclass_hinge(y_true, y_pred, margin=0.0).round(4).tolist()
        [0.0, 0.0]

    Reference:
        Koby Crammer and Yoram Singer, "On the Algorithmic Implementation of Multiclass
        Kernel-based Vector Machines", JMLR 2, 2001,
        https://www.jmlr.org/papers/v2/crammer01a.html; optax'
        ``optax.losses.multiclass_hinge_loss``.
    """
    xp, labels, y_pred = _class_indices(y_true, y_pred, "multiclass_hinge")
    is_true, true_score = _true_class(xp, labels, y_pred)
    shifted = xp.where(is_true, y_pred, y_pred + margin)
    return xp.max(shifted, axis=-1) - true_score


#: How :func:`perceptron` reads its labels.
_PERCEPTRON_LABELS = ("auto", "signed")


def _check_perceptron(arguments: dict[str, Any]) -> dict[str, Any]:
    labels = arguments["labels"]
    if not isinstance(labels, str) or labels not in _PERCEPTRON_LABELS:
        msg = (
            f"Argument `labels` of perceptron must be one of "
            f"{', '.join(map(repr, _PERCEPTRON_LABELS))}. Received: labels={shown(labels)}. "
            "'auto' reads all-0/1 labels as -1/1 (Keras' hinge rule), 'signed' takes them as "
            "given (optax)."
        )
        raise ValueError(msg)
    return {"labels": labels}


@builtin(
    inputs=Inputs.MARGIN,
    origin="optax",
    check=_check_perceptron,
    peers=(
        Peer(
            "optax.perceptron_loss",
            settings={"reduction": "none", "labels": "signed"},
            note="Call order is (y_true, y_pred): optax's is (predictor_outputs, targets). "
            "optax is element-wise and anyloss averages the last axis: give scores of shape "
            "(batch, 1) for optax's numbers (shape (batch,) instead of (batch, 1)). Labels are "
            "taken as given (labels='signed'), as optax does: -1/1 (a 0 label gives 0); "
            "anyloss' default, labels='auto', reads all-0/1 labels as -1/1.",
        ),
    ),
)
def perceptron(y_true: Any, y_pred: Any, labels: str = "auto") -> Any:
    """Perceptron loss per sample, labels -1/1.

    Zero for every score with the label's sign, the score's size otherwise: :func:`hinge`
    without the margin. Its gradient is the perceptron's update rule. The numbers match
    ``optax.perceptron_loss`` (averaged over the last axis; the gradient at a score of exactly
    0 is half the slope, as in optax).

    ::

        y = 2 * y_true - 1 if labels == "auto" and every label is 0 or 1, else y_true
        loss = mean(max(-y * y_pred, 0), axis=-1)

    Args:
        y_true: Labels -1 or 1, shape ``(batch, ..., d)``.
        y_pred: Scores (decision values), same shape as ``y_true``.
        labels: ``"auto"`` (default): when *every* label is 0 or 1 they are mapped to -1/1
            first (Keras' hinge rule; the check is a pass over the whole array);
            ``"signed"``: labels are taken as given (optax; no extra pass).

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, -1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.6, 0.4], [-1.0, 2.0]])
        >>> al.perceptron(y_true, y_pred).round(4).tolist()
        [0.2, 0.5]

    Reference:
        Frank Rosenblatt, "The perceptron: a probabilistic model for information storage and
        organization in the brain", Psychological Review 65(6), 1958; optax'
        ``optax.losses.perceptron_loss``.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "perceptron")
    if labels == "auto":
        y_true = _to_signed_labels(xp, y_true)
    # maximum, not clip: a tie at 0 splits the gradient in half, as optax' jnp.maximum does.
    return xp.mean(xp.maximum(-y_true * y_pred, xp.zeros_like(y_pred)), axis=-1)


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


class HingeEmbedding(BuiltinLoss, function=hinge_embedding):
    """Hinge embedding loss on distances of labelled pairs (``torch.nn.HingeEmbeddingLoss``).

    Wraps :func:`hinge_embedding`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        margin: The distance a dissimilar pair must reach. Default: 1.0.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"hinge_embedding"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, -1.0], [-1.0, -1.0]])
        >>> y_pred = np.array([[0.3, 0.4], [1.5, 0.2]])
        >>> round(float(al.HingeEmbedding()(y_true, y_pred)), 4)
        0.425
        >>> round(float(al.HingeEmbedding(margin=2.0)(y_true, y_pred)), 4)
        1.05
    """

    margin: float

    def __init__(
        self,
        margin: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "hinge_embedding",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, margin=margin)


class MultiLabelMargin(BuiltinLoss, function=multilabel_margin):
    """Multilabel margin loss, -1-padded lists of target classes
    (``torch.nn.MultiLabelMarginLoss``).

    Wraps :func:`multilabel_margin`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"multilabel_margin"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[3, 0, -1, -1], [1, -1, -1, -1]])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> round(float(al.MultiLabelMargin()(y_true, y_pred)), 4)
        0.9625
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "multilabel_margin",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MulticlassHinge(BuiltinLoss, function=multiclass_hinge):
    """Multiclass (Crammer-Singer) hinge loss, integer labels (``optax.multiclass_hinge_loss``).

    Wraps :func:`multiclass_hinge`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        margin: The margin the true class' score must keep over the others; 0 gives the
            multiclass perceptron loss. Default: 1.0.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"multiclass_hinge"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([3, 0])
        >>> y_pred = np.array([[0.1, 0.2, 0.4, 0.8], [0.9, 0.1, 0.5, 0.2]])
        >>> round(float(al.MulticlassHinge()(y_true, y_pred)), 4)
        0.6
        >>> round(float(al.MulticlassHinge(margin=2.0)(y_true, y_pred)), 4)
        1.6
    """

    margin: float

    def __init__(
        self,
        margin: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "multiclass_hinge",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, margin=margin)


class Perceptron(BuiltinLoss, function=perceptron):
    """Perceptron loss for binary classifiers, labels -1/1 or 0/1 (``optax.perceptron_loss``).

    Wraps :func:`perceptron`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        labels: ``"auto"`` (default: all-0/1 labels are read as -1/1) or ``"signed"`` (taken
            as given, as optax does).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"perceptron"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, -1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.6, 0.4], [-1.0, 2.0]])
        >>> round(float(al.Perceptron()(y_true, y_pred)), 4)
        0.35
    """

    def __init__(
        self,
        labels: str = "auto",
        reduction: Any = "sum_over_batch_size",
        name: str = "perceptron",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, labels=labels)
