"""Losses on explicit pairs and triplets: cosine embedding, margin ranking, triplet margin.

The items of a pair (or triplet) are stacked on axis 1 of ``y_pred``: where torch's forward
takes separate tensors ``(x1, x2, target)``, anyloss takes ``(target, np.stack([x1, x2], 1))``.
Pair labels are -1/1 with shape ``(batch,)``; when every label is 0 or 1 they are read as -1/1
(Keras' hinge conversion, global over the array). Each function returns one value per pair (or
triplet), shape ``(batch,)``.
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_flag, check_number
from anyloss._text import shown
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import TORCH_REDUCTIONS, Inputs, Peer, builtin
from anyloss.losses.hinge import _check_margin, _to_signed_labels

#: torch's constant under the square root of cosine_embedding's norms (``EPSILON`` in ATen).
_COSINE_EPS = 1e-12


def _stacked(y_pred: Any, loss: str, items: int, layout: str) -> tuple[Any, Any]:
    """``(xp, y_pred)`` with ``y_pred`` checked to be ``items`` items stacked on axis 1."""
    xp, y_pred = B.prediction(y_pred)
    rank = 2 if layout == "(batch, 2)" else 3
    if B.ndim(y_pred) != rank or B.shape(y_pred)[1] != items:
        msg = (
            f"{loss}: `y_pred` must have shape {layout}, the items stacked on axis 1 (e.g. "
            f"np.stack([x1, x2], 1)). Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    return xp, y_pred


def _labels(xp: Any, y_true: Any, y_pred: Any, loss: str) -> Any:
    """-1/1 pair labels of shape ``(batch,)`` in ``y_pred``'s dtype (all-0/1 read as -1/1)."""
    labels = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
    batch = B.shape(y_pred)[0]
    if B.ndim(labels) == 2 and B.shape(labels)[1] == 1:
        labels = xp.reshape(labels, (-1,))
    if B.ndim(labels) != 1 or B.shape(labels)[0] != batch:
        msg = (
            f"{loss}: `y_true` must hold one -1/1 label per pair, shape ({batch},) for "
            f"y_pred.shape={B.shape(y_pred)}. Received: y_true.shape={B.shape(labels)}. "
            "Pass one label per pair, or reshape them."
        )
        raise ValueError(msg)
    return _to_signed_labels(xp, labels)


@builtin(
    inputs=Inputs.PAIRS,
    aliases=("cosine_embedding_loss",),
    check=_check_margin("cosine_embedding"),
    align_ranks=False,
    torch_kernel=torch_kernels.cosine_embedding,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.CosineEmbeddingLoss",
            renames={"margin": "margin"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torch's forward is (input1, input2, target); anyloss takes (target, "
            "np.stack([input1, input2], 1)), y_pred of shape (batch, 2, dim). All-0/1 targets "
            "are read as -1/1.",
        ),
    ),
)
def cosine_embedding(y_true: Any, y_pred: Any, margin: float = 0.0) -> Any:
    """Cosine embedding loss per pair: similar pairs aligned, dissimilar ones apart.

    For learning embeddings from labelled pairs (e.g. semi-supervised or Siamese networks):
    a pair labelled 1 is pulled towards cosine similarity 1, a pair labelled -1 is pushed
    below cosine similarity ``margin``. The numbers match ``torch.nn.CosineEmbeddingLoss``
    (including its ``1e-12`` under the square root of the norms, so zero vectors stay finite).

    ::

        x1, x2 = y_pred[:, 0], y_pred[:, 1]
        cos = sum(x1 * x2) / sqrt((sum(x1^2) + 1e-12) * (sum(x2^2) + 1e-12))
        loss = 1 - cos                  if y = 1
               max(cos - margin, 0)     if y = -1
               0                        for any other label (NaN stays NaN)

    Args:
        y_true: Pair labels -1 or 1, shape ``(batch,)`` (or ``(batch, 1)``). When *every* label
            is 0 or 1 they are read as -1/1 (the check is global over the array).
        y_pred: The two embeddings of each pair stacked on axis 1, shape ``(batch, 2, dim)``
            (``np.stack([x1, x2], 1)``).
        margin: The cosine similarity a dissimilar pair must stay below; torch suggests values
            in ``[-1, 1]``, 0 to 0.5. Default: 0.0.

    Returns:
        The loss per pair, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([1.0, -1.0])
        >>> y_pred = np.array([[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.8, 0.6]]])
        >>> al.cosine_embedding(y_true, y_pred).round(4).tolist()
        [0.4, 0.8]
        >>> al.cosine_embedding(y_true, y_pred, margin=0.5).round(4).tolist()
        [0.4, 0.3]

    Reference:
        PyTorch's ``torch.nn.CosineEmbeddingLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.CosineEmbeddingLoss.html
    """
    xp, y_pred = _stacked(y_pred, "cosine_embedding", 2, "(batch, 2, dim)")
    labels = _labels(xp, y_true, y_pred, "cosine_embedding")
    x1, x2 = y_pred[:, 0, :], y_pred[:, 1, :]
    dot = xp.sum(x1 * x2, axis=-1)
    norms = (xp.sum(xp.square(x1), axis=-1) + _COSINE_EPS) * (
        xp.sum(xp.square(x2), axis=-1) + _COSINE_EPS
    )
    cos = dot / xp.sqrt(norms)
    zeros = xp.zeros_like(cos)
    similar = xp.where(xp.equal(labels, 1.0), 1.0 - cos, zeros)
    dissimilar = xp.where(xp.equal(labels, -1.0), xp.clip(cos - margin, 0.0, None), zeros)
    # 0 * label: a NaN label gives NaN, never a silent 0.
    return similar + dissimilar + 0.0 * labels


@builtin(
    inputs=Inputs.PAIRS,
    aliases=("margin_ranking_loss",),
    check=_check_margin("margin_ranking"),
    align_ranks=False,
    torch_kernel=torch_kernels.margin_ranking,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.MarginRankingLoss",
            renames={"margin": "margin"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torch's forward is (input1, input2, target); anyloss takes (target, "
            "np.stack([input1, input2], 1)), y_pred of shape (batch, 2). All-0/1 targets are "
            "read as -1/1.",
        ),
    ),
)
def margin_ranking(y_true: Any, y_pred: Any, margin: float = 0.0) -> Any:
    """Margin ranking loss per pair of scores: the preferred item must score higher.

    For learning to rank from pairwise preferences: with label 1 the first score should exceed
    the second by ``margin``, with label -1 the second should exceed the first. The numbers
    match ``torch.nn.MarginRankingLoss``.

    ::

        x1, x2 = y_pred[:, 0], y_pred[:, 1]
        loss = max(-y * (x1 - x2) + margin, 0)

    Args:
        y_true: Pair labels -1 or 1, shape ``(batch,)`` (or ``(batch, 1)``): 1 when the first
            item should rank higher. When *every* label is 0 or 1 they are read as -1/1 (the
            check is global over the array).
        y_pred: The two scores of each pair, shape ``(batch, 2)`` (``np.stack([x1, x2], 1)``).
        margin: The score gap the preferred item must keep. Default: 0.0.

    Returns:
        The loss per pair, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([1.0, -1.0, 1.0])
        >>> y_pred = np.array([[0.8, 0.3], [0.8, 0.3], [0.2, 0.5]])
        >>> al.margin_ranking(y_true, y_pred).round(4).tolist()
        [0.0, 0.5, 0.3]
        >>> al.margin_ranking(y_true, y_pred, margin=1.0).round(4).tolist()
        [0.5, 1.5, 1.3]

    Reference:
        PyTorch's ``torch.nn.MarginRankingLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.MarginRankingLoss.html
    """
    xp, y_pred = _stacked(y_pred, "margin_ranking", 2, "(batch, 2)")
    labels = _labels(xp, y_true, y_pred, "margin_ranking")
    return xp.clip(-labels * (y_pred[:, 0] - y_pred[:, 1]) + margin, 0.0, None)


_EPS_PLACEMENTS = ("difference", "sum")


def _check_triplet(arguments: dict[str, Any]) -> dict[str, Any]:
    placement = arguments["eps_placement"]
    if not isinstance(placement, str) or placement not in _EPS_PLACEMENTS:
        msg = (
            f"Argument `eps_placement` of triplet_margin must be 'difference' (torch: eps added "
            f"to each coordinate difference) or 'sum' (optax: eps added under the root). "
            f"Received: eps_placement={shown(placement)}"
        )
        raise ValueError(msg)
    return {
        "margin": check_number(arguments["margin"], "margin", minimum=0.0, owner="triplet_margin"),
        "p": check_number(
            arguments["p"], "p", minimum=0.0, open_minimum=True, owner="triplet_margin"
        ),
        "eps": check_number(arguments["eps"], "eps", minimum=0.0, owner="triplet_margin"),
        "swap": check_flag(arguments["swap"], "swap"),
        "eps_placement": placement,
    }


def _distance(xp: Any, diff: Any, p: float, eps: float, placement: str) -> Any:
    """The ``p``-norm distance along the last axis, ``eps`` where ``placement`` says."""
    if placement == "difference":
        diff = diff + eps
    if p == 2.0:
        total = xp.sum(xp.square(diff), axis=-1)
    elif p == 1.0:
        total = xp.sum(xp.abs(diff), axis=-1)
    else:
        total = xp.sum(xp.pow(xp.abs(diff), p), axis=-1)
    if placement == "sum":
        total = total + eps
    if p == 1.0:
        return total
    # The root has no derivative at 0: there the distance is 0 with a zero gradient (torch's
    # norm), through a where on both sides so no NaN flows back.
    zero = xp.equal(total, 0)
    safe = xp.where(zero, xp.ones_like(total), total)
    root = xp.sqrt(safe) if p == 2.0 else xp.pow(safe, 1.0 / p)
    return xp.where(zero, xp.zeros_like(root), root)


@builtin(
    inputs=Inputs.TRIPLETS,
    check=_check_triplet,
    align_ranks=False,
    torch_kernel=torch_kernels.triplet_margin,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.TripletMarginLoss",
            renames={"margin": "margin", "p": "p", "eps": "eps", "swap": "swap"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torch's forward is (anchor, positive, negative); anyloss takes (y_true, "
            "np.stack([anchor, positive, negative], 1)), y_pred of shape (batch, 3, dim); "
            "y_true is not used (None, or any array with the batch size: a Loss needs an "
            "array, e.g. np.zeros(batch)).",
        ),
        Peer(
            "torch.nn.TripletMarginWithDistanceLoss",
            renames={"margin": "margin", "swap": "swap"},
            choices={"reduction": TORCH_REDUCTIONS, "distance_function": {None: {}}},
            note="Only distance_function=None is supported: torch's default, pairwise_distance "
            "(the 2-norm with eps=1e-6 added to each difference), which makes it "
            "TripletMarginLoss. A function cannot be saved in a config: for another p-norm use "
            "torch.nn.TripletMarginLoss(p=..., eps=...) (anyloss triplet_margin); for another "
            "distance, compute the loss with torch's own class. torch's forward is (anchor, "
            "positive, negative); anyloss takes (y_true, np.stack([anchor, positive, "
            "negative], 1)), y_pred of shape (batch, 3, dim); y_true is not used (None, or "
            "any array with the batch size).",
        ),
        Peer(
            "optax.triplet_margin_loss",
            settings={"eps_placement": "sum", "reduction": "none"},
            renames={"norm_degree": "p", "margin": "margin", "eps": "eps"},
            note="optax's call is (anchors, positives, negatives); anyloss takes (y_true, "
            "np.stack([anchors, positives, negatives], 1)), y_pred of shape (batch, 3, dim); "
            "y_true is not used (None, or any array with the batch size). The distance is along "
            "the last axis (optax's `axis` is not supported). optax raises the differences to "
            "norm_degree without abs(): equal numbers for even degrees (the default 2) only.",
        ),
    ),
)
def triplet_margin(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    eps_placement: str = "difference",
) -> Any:
    """Triplet margin loss per explicit (anchor, positive, negative) triplet.

    For metric learning from given triplets: the anchor must be closer to the positive than to
    the negative by at least ``margin``, in the ``p``-norm. The numbers match
    ``torch.nn.TripletMarginLoss`` (default) and ``optax.triplet_margin_loss``
    (``eps_placement="sum"``). For triplets mined from a labelled batch, see the batch-level
    metric-learning losses.

    ::

        a, pos, neg = y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]
        d(x, y) = (sum(|x - y + eps|^p))^(1/p)     eps_placement="difference" (torch)
                  (sum(|x - y|^p) + eps)^(1/p)     eps_placement="sum" (optax)
        d_neg = min(d(a, neg), d(pos, neg)) if swap else d(a, neg)
        loss = max(d(a, pos) - d_neg + margin, 0)

    Args:
        y_true: Not used: ``None`` or any array whose first axis is the batch size (e.g.
            ``np.zeros(batch)``; a ``Loss`` call needs an array).
        y_pred: Anchor, positive and negative embeddings stacked on axis 1, shape
            ``(batch, 3, dim)`` (``np.stack([anchor, positive, negative], 1)``).
        margin: The distance gap to keep, a number >= 0. Default: 1.0.
        p: The norm degree of the distance, a number > 0. Default: 2.0.
        eps: The small constant keeping the distance differentiable at 0, >= 0.
            Default: 1e-6.
        swap: Whether to use the smaller of d(anchor, negative) and d(positive, negative)
            (the distance swap of Balntas et al.). Default: False.
        eps_placement: Where ``eps`` enters the distance: ``"difference"`` (default, torch's
            ``pairwise_distance``: added to every coordinate difference) or ``"sum"``
            (optax: added to the sum of powers, under the root).

    Returns:
        The loss per triplet, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> anchor = np.array([[0.0, 0.0], [1.0, 1.0]])
        >>> positive = np.array([[0.1, 0.1], [1.1, 1.1]])
        >>> negative = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> y_pred = np.stack([anchor, positive, negative], 1)
        >>> al.triplet_margin(None, y_pred, eps_placement="sum").round(4).tolist()
        [0.1414, 0.1414]

    Reference:
        Vassileios Balntas, Edgar Riba, Daniel Ponsa and Krystian Mikolajczyk, "Learning local
        feature descriptors with triplets and shallow convolutional neural networks", BMVC
        2016, https://bmva-archive.org.uk/bmvc/2016/papers/paper119/index.html; PyTorch's
        ``torch.nn.TripletMarginLoss``.
    """
    xp, y_pred = _stacked(y_pred, "triplet_margin", 3, "(batch, 3, dim)")
    if y_true is not None:
        labels = B.like(y_true, y_pred, xp)
        batch = B.shape(y_pred)[0]
        if B.ndim(labels) == 0 or B.shape(labels)[0] != batch:
            msg = (
                f"triplet_margin: `y_true` is not used, but must be None or an array whose first "
                f"axis is the batch size {batch} of y_pred.shape={B.shape(y_pred)}. Received: "
                f"y_true.shape={B.shape(labels)}. Pass None or np.zeros({batch}), or reshape it."
            )
            raise ValueError(msg)
    anchor, positive, negative = y_pred[:, 0, :], y_pred[:, 1, :], y_pred[:, 2, :]
    d_pos = _distance(xp, anchor - positive, p, eps, eps_placement)
    d_neg = _distance(xp, anchor - negative, p, eps, eps_placement)
    if swap:
        d_neg = xp.minimum(d_neg, _distance(xp, positive - negative, p, eps, eps_placement))
    return xp.clip(d_pos - d_neg + margin, 0.0, None)


class CosineEmbedding(BuiltinLoss, function=cosine_embedding):
    """Cosine embedding loss on labelled pairs (``torch.nn.CosineEmbeddingLoss``).

    Wraps :func:`cosine_embedding`: calling the loss computes it per pair, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says. ``y_pred`` holds
    the two embeddings stacked on axis 1, shape ``(batch, 2, dim)``.

    Args:
        margin: The cosine similarity a dissimilar pair must stay below. Default: 0.0.
        reduction: How the per-pair values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            pairs), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-pair values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"cosine_embedding"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([1.0, -1.0])
        >>> y_pred = np.array([[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.8, 0.6]]])
        >>> round(float(al.CosineEmbedding()(y_true, y_pred)), 4)
        0.6
    """

    margin: float

    def __init__(
        self,
        margin: float = 0.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "cosine_embedding",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, margin=margin)


class MarginRanking(BuiltinLoss, function=margin_ranking):
    """Margin ranking loss on pairs of scores (``torch.nn.MarginRankingLoss``).

    Wraps :func:`margin_ranking`: calling the loss computes it per pair, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says. ``y_pred`` holds
    the two scores stacked on axis 1, shape ``(batch, 2)``.

    Args:
        margin: The score gap the preferred item must keep. Default: 0.0.
        reduction: How the per-pair values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            pairs), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-pair values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"margin_ranking"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([1.0, -1.0, 1.0])
        >>> y_pred = np.array([[0.8, 0.3], [0.8, 0.3], [0.2, 0.5]])
        >>> round(float(al.MarginRanking()(y_true, y_pred)), 4)
        0.2667
    """

    margin: float

    def __init__(
        self,
        margin: float = 0.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "margin_ranking",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, margin=margin)


class TripletMargin(BuiltinLoss, function=triplet_margin):
    """Triplet margin loss on explicit triplets (``torch.nn.TripletMarginLoss``).

    Wraps :func:`triplet_margin`: calling the loss computes it per triplet, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says. ``y_pred`` holds
    anchor, positive and negative stacked on axis 1, shape ``(batch, 3, dim)``; ``y_true`` is
    not used but must be an array with the batch size (e.g. ``np.zeros(batch)``).

    Args:
        margin: The distance gap to keep, a number >= 0. Default: 1.0.
        p: The norm degree of the distance, a number > 0. Default: 2.0.
        eps: The small constant keeping the distance differentiable at 0. Default: 1e-6.
        swap: Whether to use the smaller of d(anchor, negative) and d(positive, negative).
            Default: False.
        eps_placement: ``"difference"`` (default, torch: eps added to every coordinate
            difference) or ``"sum"`` (optax: eps added under the root).
        reduction: How the per-triplet values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            triplets), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-triplet values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"triplet_margin"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> anchor = np.array([[0.0, 0.0], [1.0, 1.0]])
        >>> positive = np.array([[0.1, 0.1], [1.1, 1.1]])
        >>> negative = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> y_pred = np.stack([anchor, positive, negative], 1)
        >>> round(float(al.TripletMargin()(np.zeros(2), y_pred)), 4)
        0.1414
    """

    margin: float
    p: float
    eps: float
    swap: bool
    eps_placement: str

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        eps_placement: str = "difference",
        reduction: Any = "sum_over_batch_size",
        name: str = "triplet_margin",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            margin=margin,
            p=p,
            eps=eps,
            swap=swap,
            eps_placement=eps_placement,
        )
