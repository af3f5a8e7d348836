"""Structured-prediction losses: the sparsemax loss (the Fenchel-Young loss of sparsemax).

Sparsemax is the Euclidean projection of the scores onto the probability simplex: like softmax
it gives class probabilities, but it can give exactly zero to classes. Its loss plays the role
cross-entropy plays for softmax. One value per sample, classes on the last axis.
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, Peer, builtin
from anyloss.losses._prepare import prepare

#: TF Addons' ``reduction`` values as anyloss reductions (``"auto"`` is its default).
_KERAS_REDUCTIONS = {
    "auto": {"reduction": "sum_over_batch_size"},
    "sum_over_batch_size": {"reduction": "sum_over_batch_size"},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
}


def _sparsemax(xp: Any, z: Any) -> Any:
    """``sparsemax(z)`` along the last axis: ``max(z - tau, 0)``, with ``tau`` making the row
    sum to 1 (Martins and Astudillo's sort-based algorithm)."""
    num_classes = B.shape(z)[-1]
    ranked = xp.sort(z, axis=-1, descending=True)
    cumulative = B.cumulative_sum(xp, ranked, axis=-1)
    k = xp.arange(1, num_classes + 1, dtype=z.dtype, device=B.device_of(z))
    # The support is a prefix of the sorted scores: the k with 1 + k z_(k) > sum_{j <= k} z_(j).
    support = 1.0 + k * ranked > cumulative
    # At least 1 on finite scores (k = 1 always qualifies); NaN rows count none.
    size = xp.clip(xp.sum(xp.astype(support, z.dtype), axis=-1, keepdims=True), 1.0, None)
    total = xp.sum(xp.where(support, ranked, xp.zeros_like(ranked)), axis=-1, keepdims=True)
    tau = (total - 1.0) / size
    return xp.clip(z - tau, 0.0, None)


@builtin(
    inputs=Inputs.CATEGORICAL_MARGIN,
    aliases=("sparsemax_loss",),
    origin="optax",
    peers=(
        Peer(
            "optax.multiclass_sparsemax_loss",
            settings={"reduction": "none"},
            note="Call order is (y_true, y_pred): optax's is (scores, labels). optax takes "
            "integer labels; anyloss takes one-hot (or soft) targets: np.eye(num_classes)"
            "[labels]. optax.sparsemax_loss (binary, element-wise) is this loss on scores "
            "[z, 0] with targets [y, 1 - y].",
        ),
        Peer(
            "tfa.losses.SparsemaxLoss",
            settings={"reduction": "sum_over_batch_size"},
            choices={"from_logits": {True: {}}, "reduction": _KERAS_REDUCTIONS},
            note="y_pred holds the scores (logits); TF Addons' from_logits=False is not "
            "implemented there either. Targets are one-hot (or soft) rows, classes last.",
        ),
    ),
)
def sparsemax(y_true: Any, y_pred: Any) -> Any:
    """Sparsemax loss per sample (the Fenchel-Young loss of sparsemax), one-hot targets.

    The loss whose gradient is ``sparsemax(y_pred) - y_true``: the counterpart of softmax
    cross-entropy for a model read through sparsemax, which can assign exactly zero
    probability to classes (sparse attention, multi-label classification). Zero exactly when
    ``sparsemax(y_pred) == y_true``. ``y_pred`` holds real scores (logits); ``y_true`` one-hot
    or soft targets summing to 1 (for such targets the loss does not change when a constant
    is added to a row of scores; it is computed on scores shifted by their row maximum). The
    numbers match ``optax.multiclass_sparsemax_loss`` (with one-hot targets) and TF Addons'
    ``SparsemaxLoss``; optax's binary ``sparsemax_loss(z, y)`` is this loss on scores ``[z, 0]``
    with targets ``[y, 1 - y]``.

    ::

        p = sparsemax(y_pred) = max(y_pred - tau, 0),   tau such that sum(p) = 1
        loss = sum(p * y_pred) - sum(p^2) / 2 - sum(y_true * y_pred) + sum(y_true^2) / 2

    Args:
        y_true: One-hot (or soft) targets, shape ``(batch, ..., num_classes)``, rows summing
            to 1.
        y_pred: Scores per class (logits), same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.5, 1.5, -1.0], [0.2, 0.1, 0.0]])
        >>> al.sparsemax(y_true, y_pred).round(4).tolist()
        [0.0, 0.2433]

    Reference:
        André F. T. Martins and Ramón F. Astudillo, "From Softmax to Sparsemax: A Sparse Model
        of Attention and Multi-Label Classification", ICML 2016,
        https://arxiv.org/abs/1602.02068; Mathieu Blondel, André F. T. Martins and Vlad
        Niculae, "Learning with Fenchel-Young Losses", JMLR 21, 2020,
        https://jmlr.org/papers/v21/19-021.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "sparsemax")
    if B.ndim(y_pred) == 0:
        msg = (
            "sparsemax: `y_pred` must hold one score per class, shape (batch, num_classes). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    if 0 in B.shape(y_pred):
        return xp.sum(y_pred, axis=-1)  # no sample (or no class): nothing to sort
    # Shift-invariance: scores relative to their (detached) row maximum keep the products small.
    z = y_pred - B.stop_gradient(xp, xp.max(y_pred, axis=-1, keepdims=True))
    # p is where <p, z> - |p|^2 / 2 attains its maximum over the simplex, so its gradient is p:
    # p itself needs none (no backward pass through the sort).
    p = B.stop_gradient(xp, _sparsemax(xp, z))
    conjugate = xp.sum(p * z, axis=-1) - 0.5 * xp.sum(xp.square(p), axis=-1)
    return conjugate - xp.sum(y_true * z, axis=-1) + 0.5 * xp.sum(xp.square(y_true), axis=-1)


class Sparsemax(BuiltinLoss, function=sparsemax):
    """Sparsemax loss (the Fenchel-Young loss of sparsemax) on scores, one-hot targets.

    Wraps :func:`sparsemax`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"sparsemax"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.5, 1.5, -1.0], [0.2, 0.1, 0.0]])
        >>> round(float(al.Sparsemax()(y_true, y_pred)), 4)
        0.1217
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "sparsemax", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)
