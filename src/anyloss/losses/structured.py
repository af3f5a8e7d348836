"""Structured-prediction losses: the sparsemax loss (the Fenchel-Young loss of sparsemax).

Sparsemax is the Euclidean projection of the scores onto the probability simplex: like softmax
it gives class probabilities, but it can give exactly zero to classes. Its loss plays the role
cross-entropy plays for softmax. One value per sample, classes on the last axis; with
``binary=True`` one value per entry, each a two-class problem (optax's ``sparsemax_loss``).
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_flag
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


def _check_sparsemax(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"binary": check_flag(arguments["binary"], "binary")}


def _binary_sparsemax(xp: Any, y_true: Any, y_pred: Any) -> Any:
    """The loss of scores ``[z, 0]`` against targets ``[y, 1 - y]``, per entry, in closed form:
    ``sparsemax([z, 0]) = [s, 1 - s]`` with ``s = clip((z + 1) / 2, 0, 1)``, so the loss is
    ``(s - y) z + s (1 - s) - y (1 - y)``, piecewise below (``sparse_plus(z)`` for ``y = 0``,
    ``sparse_plus(-z)`` for ``y = 1``); its gradient is ``s - y``. Written with ``where`` on the
    pieces, as optax writes ``sparse_plus``: jitted on a CPU the product form with a clip ran
    2x slower."""
    z, y = y_pred, y_true
    middle = xp.square((z + 1.0) * 0.5 - y)  # s = (z + 1) / 2
    below = y * (y - 1.0 - z)  # s = 0
    above = (1.0 - y) * (z - y)  # s = 1
    return xp.where(z >= 1.0, above, xp.where(z <= -1.0, below, middle))


@builtin(
    inputs=Inputs.CATEGORICAL_MARGIN,
    aliases=("sparsemax_loss",),
    check=_check_sparsemax,
    origin="optax",
    peers=(
        Peer(
            "optax.multiclass_sparsemax_loss",
            settings={"reduction": "none"},
            note="Call order is (y_true, y_pred): optax's is (scores, labels). optax takes "
            "integer labels; anyloss takes one-hot (or soft) targets: np.eye(num_classes)"
            "[labels].",
        ),
        Peer(
            "optax.sparsemax_loss",
            settings={"binary": True, "reduction": "none"},
            note="call loss(labels, logits): one value per entry, as optax returns "
            "(binary=True). optax reads any nonzero label as 1; anyloss takes 0/1 labels or "
            "probabilities in [0, 1] (a soft label y is the target [y, 1 - y]).",
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
def sparsemax(y_true: Any, y_pred: Any, binary: bool = False) -> Any:
    """Sparsemax loss per sample (the Fenchel-Young loss of sparsemax), one-hot targets.

    The loss whose gradient is ``sparsemax(y_pred) - y_true``: the counterpart of softmax
    cross-entropy for a model read through sparsemax, which can assign exactly zero
    probability to classes (sparse attention, multi-label classification). Zero exactly when
    ``sparsemax(y_pred) == y_true``. ``y_pred`` holds real scores (logits); ``y_true`` one-hot
    or soft targets summing to 1 (for such targets the loss does not change when a constant
    is added to a row of scores; it is computed on scores shifted by their row maximum). The
    numbers match ``optax.multiclass_sparsemax_loss`` (with one-hot targets) and TF Addons'
    ``SparsemaxLoss``. ``binary=True`` is optax's binary ``sparsemax_loss(z, y)``: every entry
    of ``y_pred`` is the score ``z`` of a two-class problem, the loss on scores ``[z, 0]`` with
    targets ``[y, 1 - y]`` (``sparse_plus(z)`` for ``y = 0``, ``sparse_plus(-z)`` for ``y = 1``).

    ::

        p = sparsemax(y_pred) = max(y_pred - tau, 0),   tau such that sum(p) = 1
        loss = sum(p * y_pred) - sum(p^2) / 2 - sum(y_true * y_pred) + sum(y_true^2) / 2
        binary:  loss = ((z + 1) / 2 - y)^2   for |z| < 1
                 loss = (1 - y) (z - y)       for z >= 1
                 loss = y (y - 1 - z)         for z <= -1

    Args:
        y_true: One-hot (or soft) targets, shape ``(batch, ..., num_classes)``, rows summing
            to 1 (``binary=True``: 0/1 labels or probabilities, ``y_pred``'s shape).
        y_pred: Scores per class (logits), same shape as ``y_true`` (``binary=True``: one
            score per entry, any shape).
        binary: whether each entry is a two-class problem (optax's ``sparsemax_loss``).
            Default ``False``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (``y_pred.shape`` with
        ``binary=True``), an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.5, 1.5, -1.0], [0.2, 0.1, 0.0]])
        >>> al.sparsemax(y_true, y_pred).round(4).tolist()
        [0.0, 0.2433]
        >>> al.sparsemax(np.array([0.0, 1.0, 1.0]), np.array([0.5, 0.5, 2.0]), binary=True).tolist()
        [0.5625, 0.0625, 0.0]

    Reference:
        André F. T. Martins and Ramón F. Astudillo, "From Softmax to Sparsemax: A Sparse Model
        of Attention and Multi-Label Classification", ICML 2016,
        https://arxiv.org/abs/1602.02068; Mathieu Blondel, André F. T. Martins and Vlad
        Niculae, "Learning with Fenchel-Young Losses", JMLR 21, 2020,
        https://jmlr.org/papers/v21/19-021.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "sparsemax")
    if binary:
        return _binary_sparsemax(xp, y_true, y_pred)
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
        binary: whether each entry is a two-class problem (optax's ``sparsemax_loss``).
            Default ``False``.
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

    binary: bool

    def __init__(
        self,
        binary: bool = False,
        reduction: Any = "sum_over_batch_size",
        name: str = "sparsemax",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, binary=binary)
