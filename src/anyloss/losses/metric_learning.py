"""Metric-learning losses on a batch of embeddings: circle, contrastive, triplet (semi-hard and
batch-hard mining), lifted structure and N-pairs.

Every loss here takes integer labels ``(batch,)`` and embeddings ``(batch, dim)`` and returns
one value per anchor: entry ``i`` aggregates the pairs or triplets whose anchor is embedding
``i`` (the positives and negatives it is compared with are not weighted by ``sample_weight``).
Anchors with nothing to compare (no positive, or no negative) are masked, so the Keras mean
(``sum_over_batch_size``) averages over the valid anchors. Where a peer returns one number for
the batch, ``aggregation=`` reproduces it: the peer's scalar, broadcast to every anchor (then
``sample_weight`` only rescales it).

Distances are explicit (``distance="l2"`` Euclidean, ``"squared_l2"``, ``"cosine"`` = 1 - cosine
similarity) and margins are in the distance's units; ``normalize=True`` L2-normalises the
embeddings first, as pytorch-metric-learning's default distance does.
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_flag, check_number
from anyloss._text import shown
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, MaskedValues, Peer, builtin
from anyloss.losses._prepare import integer_labels, prepare


def _check_circle(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        **arguments,
        "gamma": check_number(
            arguments["gamma"], "gamma", minimum=0.0, open_minimum=True, owner="circle"
        ),
        "margin": check_number(arguments["margin"], "margin", owner="circle"),
        "remove_diagonal": check_flag(arguments["remove_diagonal"], "remove_diagonal"),
    }


@builtin(inputs=Inputs.EMBEDDING, check=_check_circle, masked=True)
def circle(
    y_true: Any,
    y_pred: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80.0,
    margin: float = 0.4,
) -> Any:
    """Circle loss per embedding.

    A pair-based metric-learning loss: it pulls embeddings with the same label together and
    pushes the others apart, weighing each similarity by how far it is from its optimum. With
    cosine distances ``d`` to the reference embeddings (default: the batch itself). The
    function returns every row's value; ``Circle`` averages over rows with a positive loss
    (Keras).

    ::

        d = max(1 - y_pred @ ref_embeddings.T, 0)
        w_p = max(margin + d, 0)                      (positives: same label)
        w_n = max(1 + margin - d, 0)                  (negatives: other labels)
        p = logsumexp(-gamma * w_p * (margin - d))    over the positives of each row
        n = logsumexp(gamma * w_n * (1 - margin - d)) over the negatives of each row
        loss = softplus(p + n)

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: L2-normalised embeddings, shape ``(batch, dim)``.
        ref_labels: Labels of the reference embeddings, shape ``(num_refs,)``. Default: ``None``,
            ``y_true``.
        ref_embeddings: L2-normalised reference embeddings, shape ``(num_refs, dim)`` (e.g. a
            memory bank). Default: ``None``, ``y_pred``.
        remove_diagonal: Whether to drop each embedding's pair with itself from the positives
            (for the default, where the references are the batch itself). Default: True.
        gamma: The scale factor, a float > 0. Default: 80.0.
        margin: The relaxation margin ``m``: it sets the optima (``1 - m`` for positive and
            ``m`` for negative similarities) and the decision margins. Default: 0.4.

    Returns:
        The loss per embedding, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> al.circle(y_true, y_pred, gamma=2.0).round(4).tolist()
        [1.4674, 2.104, 1.4674, 2.104]

    Reference:
        Yifan Sun, Changmao Cheng, Yuhan Zhang, Chi Zhang, Liang Zheng, Zhongdao Wang and Yichen
        Wei, "Circle Loss: A Unified Perspective of Pair Similarity Optimization", CVPR 2020,
        https://arxiv.org/abs/2002.10857
    """
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 2:
        msg = (
            "circle: `y_pred` must be L2-normalised embeddings of shape (batch, dim). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    labels = xp.reshape(labels, (-1,))
    ref = (
        y_pred
        if ref_embeddings is None
        else B.like(ref_embeddings, y_pred, xp, dtype=y_pred.dtype, arg="ref_embeddings")
    )
    if B.ndim(ref) != 2 or B.shape(ref)[1] != B.shape(y_pred)[1]:
        msg = (
            f"circle: `ref_embeddings` must have shape (num_refs, {B.shape(y_pred)[1]}) to "
            f"match y_pred.shape={B.shape(y_pred)}. Received: ref_embeddings.shape="
            f"{B.shape(ref)}. Embed the references with the same model."
        )
        raise ValueError(msg)
    ref_labels = (
        labels
        if ref_labels is None
        else xp.reshape(integer_labels(xp, ref_labels, y_pred, "ref_labels"), (-1,))
    )
    if B.shape(labels)[0] != B.shape(y_pred)[0] or B.shape(ref_labels)[0] != B.shape(ref)[0]:
        msg = (
            f"circle: `y_true` and `ref_labels` need one label per embedding; got "
            f"{B.shape(labels)[0]} labels (y_true.shape={true_shape}) for "
            f"{B.shape(y_pred)[0]} embeddings and "
            f"{B.shape(ref_labels)[0]} reference labels for {B.shape(ref)[0]} reference "
            "embeddings. Pass one integer label per row of y_pred (and of ref_embeddings)."
        )
        raise ValueError(msg)
    if B.shape(y_pred)[0] == 0:
        # An empty batch has no pairs, so no loss (log-sum-exp over no pairs is undefined).
        values = xp.sum(y_pred, axis=1)
        return MaskedValues(values, values > 0)
    # Pairwise cosine distance of (assumed L2-normalised) embeddings.
    distance = xp.clip(1.0 - xp.matmul(y_pred, xp.permute_dims(ref, (1, 0))), 0.0, None)
    positive = xp.equal(labels[:, None], ref_labels[None, :])
    negative = ~positive
    if remove_diagonal:
        eye = xp.eye(
            B.dynamic_shape(y_pred)[0],
            B.dynamic_shape(ref)[0],
            dtype=xp.bool,
            device=B.device_of(y_pred),
        )
        positive = positive & ~eye
    pos_weight = xp.clip((margin + distance) * xp.astype(positive, distance.dtype), 0.0, None)
    neg_weight = xp.clip((1.0 + margin - distance) * xp.astype(negative, distance.dtype), 0.0, None)
    neg_inf = xp.full_like(distance, -xp.inf)
    pos_term = xp.where(positive, -gamma * pos_weight * (margin - distance), neg_inf)
    neg_term = xp.where(negative, gamma * neg_weight * (1.0 - margin - distance), neg_inf)
    values = B.softplus(xp, B.logsumexp(xp, pos_term, axis=1) + B.logsumexp(xp, neg_term, axis=1))
    return MaskedValues(values, values > 0)


class Circle(BuiltinLoss, function=circle):
    """Circle loss for metric learning on L2-normalised embeddings.

    Wraps :func:`circle`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Rows with a zero loss are masked out, so the mean is over the rows with a positive loss (Keras).

    Args:
        gamma: The scale factor, a float > 0. Default: 80.0.
        margin: The relaxation margin: it sets the optima and the decision margins.
            Default: 0.4.
        remove_diagonal: Whether to drop each embedding's pair with itself from the positives.
            Default: True.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"circle"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> round(float(al.Circle(gamma=2.0)(y_true, y_pred)), 4)
        1.7857
    """

    gamma: float
    margin: float
    remove_diagonal: bool

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: Any = "sum_over_batch_size",
        name: str = "circle",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )


# --- distance-based batch losses: contrastive, triplet, lifted structure, N-pairs ---------------

#: The pairwise distances the distance-based losses take (``distance=``).
_DISTANCES = ("l2", "squared_l2", "cosine")
#: TF Addons' ``distance_metric`` names -> anyloss' ``distance``.
_TFA_DISTANCES: dict[Any, dict[str, Any]] = {
    "L2": {"distance": "l2"},
    "squared-L2": {"distance": "squared_l2"},
    "angular": {"distance": "cosine"},
}
#: TF Addons' batch losses ignore ``reduction`` (they force a scalar): any value gives its number.
_TFA_IGNORED_REDUCTION: dict[Any, dict[str, Any]] = {
    r: {} for r in ("auto", "none", "sum", "sum_over_batch_size")
}
_TFA_REDUCTIONS: dict[Any, dict[str, Any]] = {
    "auto": {"reduction": "sum_over_batch_size"},
    "sum_over_batch_size": {"reduction": "sum_over_batch_size"},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
}
_TFA_NOTE = (
    "anyloss is called as loss(y_true, y_pred) with integer labels and embeddings, as TF "
    "Addons. TF Addons returns one number for the batch and ignores `reduction`; anyloss "
    "returns it broadcast to every anchor, so sample_weight only rescales it. A callable "
    "distance_metric is not supported."
)
_PML_NOTE = (
    "anyloss is called as loss(y_true, y_pred) = (labels, embeddings) (pytorch-metric-learning: "
    "loss(embeddings, labels)). The default distance (L2 on L2-normalised embeddings) and "
    "reducer are built in; distance=, reducer=, miners, indices_tuple and ref_emb are not "
    "supported."
)


def _check_choice(value: Any, arg: str, options: tuple[str, ...], owner: str) -> str:
    if isinstance(value, str) and value in options:
        return value
    msg = (
        f"Argument `{arg}` of {owner} must be one of {', '.join(map(repr, options))}. "
        f"Received: {arg}={shown(value)}"
    )
    raise ValueError(msg)


def _check_distance_arguments(
    arguments: dict[str, Any], owner: str, aggregations: tuple[str, ...]
) -> dict[str, Any]:
    out = {
        **arguments,
        "margin": check_number(arguments["margin"], "margin", owner=owner),
        "distance": _check_choice(arguments["distance"], "distance", _DISTANCES, owner),
        "normalize": check_flag(arguments["normalize"], "normalize"),
        "aggregation": _check_choice(arguments["aggregation"], "aggregation", aggregations, owner),
    }
    for key in ("pos_margin",):
        if key in arguments:
            out[key] = check_number(arguments[key], key, owner=owner)
    return out


def _embedding_batch(y_true: Any, y_pred: Any, loss: str) -> tuple[Any, Any, Any]:
    """``(xp, labels (batch,), embeddings (batch, dim))``, shapes checked."""
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 2:
        msg = (
            f"{loss}: `y_pred` must be embeddings of shape (batch, dim). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = _labels_for(xp, y_true, y_pred, loss, "embedding")
    return xp, labels, y_pred


def _labels_for(xp: Any, y_true: Any, y_pred: Any, loss: str, what: str) -> Any:
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    labels = xp.reshape(labels, (-1,))
    if B.shape(labels)[0] != B.shape(y_pred)[0]:
        msg = (
            f"{loss}: `y_true` needs one label per {what} (one label per embedding); got "
            f"{B.shape(labels)[0]} labels (y_true.shape={true_shape}) for "
            f"{B.shape(y_pred)[0]} rows of y_pred (y_pred.shape={B.shape(y_pred)}). Pass one "
            "integer label per row of y_pred."
        )
        raise ValueError(msg)
    return labels


def _empty(xp: Any, y_pred: Any) -> MaskedValues:
    # An empty batch has no pairs: an empty result (reductions pass it through).
    values = xp.sum(y_pred, axis=1)
    return MaskedValues(values, values > 0)


def _unit_rows(xp: Any, x: Any) -> Any:
    """``x / max(||x||, 1e-12)`` per row (``torch.nn.functional.normalize``), with a finite
    gradient at a zero row."""
    squared = xp.sum(x * x, axis=1, keepdims=True)
    positive = squared > 0
    norm = xp.where(
        positive,
        xp.sqrt(xp.where(positive, squared, xp.ones_like(squared))),
        squared,  # 0 stays 0 (and NaN stays NaN)
    )
    return x / xp.clip(norm, 1e-12, None)


def _pairwise_distances(xp: Any, x: Any, distance: str, normalize: bool) -> Any:
    """The ``(batch, batch)`` distances between the rows of ``x``, 0 on the diagonal.

    Euclidean distances come from ``|a|^2 + |b|^2 - 2 a.b`` clipped at 0 (one matrix product,
    as TF Addons computes them), on embeddings centred on their batch mean: the distances are
    the same, but the rounding of the norms no longer swamps small distances (identical
    embeddings far from the origin get 0, not the square root of float32 noise). Where the
    squared distance is 0 the distance is 0 with a zero gradient (no NaN from the square
    root)."""
    if normalize or distance == "cosine":
        x = _unit_rows(xp, x)
    if distance != "cosine":
        x = x - xp.mean(x, axis=0, keepdims=True)
    gram = xp.matmul(x, xp.permute_dims(x, (1, 0)))
    if distance == "cosine":
        d = xp.clip(1.0 - gram, 0.0, None)
    else:
        squared = xp.sum(x * x, axis=1)
        d = xp.clip(squared[:, None] + squared[None, :] - 2.0 * gram, 0.0, None)
        if distance == "l2":
            positive = d > 0
            d = xp.where(
                positive, xp.sqrt(xp.where(positive, d, xp.ones_like(d))), d
            )  # 0 stays 0 (and NaN stays NaN)
    eye = xp.eye(B.dynamic_shape(x)[0], dtype=xp.bool, device=B.device_of(x))
    return xp.where(eye, xp.zeros_like(d), d)


def _label_masks(xp: Any, labels: Any, d: Any) -> tuple[Any, Any, Any]:
    """``(positive, negative, eye)`` boolean ``(batch, batch)`` masks: same label (not
    itself), other label, itself."""
    eye = xp.eye(B.dynamic_shape(d)[0], dtype=xp.bool, device=B.device_of(d))
    same = xp.equal(labels[:, None], labels[None, :])
    return same & ~eye, ~same, eye


def _masked_max(xp: Any, d: Any, mask: Any, axis: int = -1) -> Any:
    """The largest ``d`` where ``mask`` holds along ``axis``; the smallest ``d`` of the row
    where it never does (TF Addons' ``_masked_maximum``, kept for its fallbacks)."""
    low = xp.min(d, axis=axis, keepdims=True)
    return xp.max((d - low) * xp.astype(mask, d.dtype), axis=axis, keepdims=True) + low


def _masked_min(xp: Any, d: Any, mask: Any, axis: int = -1) -> Any:
    """The smallest ``d`` where ``mask`` holds along ``axis``; the largest ``d`` of the row
    where it never does (TF Addons' ``_masked_minimum``)."""
    high = xp.max(d, axis=axis, keepdims=True)
    return xp.min((d - high) * xp.astype(mask, d.dtype), axis=axis, keepdims=True) + high


def _per_anchor(xp: Any, pair_losses: Any, pairs: Any, valid: Any) -> MaskedValues:
    """Entry ``i``: the mean of ``pair_losses[i, j]`` over the ``j`` where ``pairs[i, j]``;
    masked where ``valid`` is false (set to 0 there)."""
    weights = xp.astype(pairs, pair_losses.dtype)
    count = xp.sum(weights, axis=1)
    values = B.divide_no_nan(xp, xp.sum(pair_losses * weights, axis=1), count)
    return MaskedValues(xp.where(valid, values, xp.zeros_like(values)), valid)


def _broadcast(xp: Any, total: Any, count: Any, like: Any) -> MaskedValues:
    """``total / count`` (0 where ``count`` is 0) as every anchor's value, no mask."""
    scalar = B.divide_no_nan(xp, total, count)
    return MaskedValues(scalar * xp.ones_like(like), None)


def _check_contrastive(arguments: dict[str, Any]) -> dict[str, Any]:
    out = _check_distance_arguments(arguments, "contrastive", ("anchors", "nonzero_pairs"))
    out["squared"] = check_flag(arguments["squared"], "squared")
    out["inputs"] = _check_choice(
        arguments["inputs"], "inputs", ("embeddings", "distances"), "contrastive"
    )
    return out


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("contrastive_loss",),
    check=_check_contrastive,
    torch_kernel=torch_kernels.contrastive,
    masked=True,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.ContrastiveLoss",
            settings={"inputs": "distances", "squared": True, "margin": 1.0},
            renames={"margin": "margin", "name": "name"},
            choices={"reduction": _TFA_REDUCTIONS},
            note="TF Addons takes precomputed distances: y_pred = one distance per pair "
            "(batch,), y_true = 1 for a similar pair, 0 for a dissimilar one "
            "(inputs='distances'). anyloss' default, inputs='embeddings', forms every in-batch "
            "pair from labels and embeddings.",
        ),
        Peer(
            "pytorch_metric_learning.losses.ContrastiveLoss",
            settings={
                "squared": False,
                "margin": 1.0,
                "pos_margin": 0.0,
                "normalize": True,
                "aggregation": "nonzero_pairs",
            },
            renames={"neg_margin": "margin", "pos_margin": "pos_margin"},
            note=_PML_NOTE + " Its number (the mean of the non-zero positive-pair losses plus "
            "that of the non-zero negative-pair losses) is broadcast to every anchor "
            "(aggregation='nonzero_pairs').",
        ),
    ),
)
def contrastive(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    pos_margin: float = 0.0,
    squared: bool = True,
    distance: str = "l2",
    normalize: bool = False,
    aggregation: str = "anchors",
    inputs: str = "embeddings",
) -> Any:
    """Contrastive loss (Hadsell et al.) over every pair of the batch, per anchor.

    Pulls embeddings with the same label together (until they are closer than ``pos_margin``)
    and pushes embeddings with other labels apart (until they are ``margin`` away). With
    ``inputs="embeddings"`` (the default) every ordered pair ``(i, j)``, ``j != i``, of the
    batch is a pair, and entry ``i`` is the mean over the pairs of anchor ``i``. With
    ``inputs="distances"``, ``y_pred`` holds one precomputed distance per pair and ``y_true``
    says whether the pair is similar (1) or not (0), as TF Addons' ``contrastive_loss``::

        d = distance(y_pred[i], y_pred[j])
        pair(i, j) = max(d - pos_margin, 0) ** p       if labels i and j are equal
                     max(margin - d, 0) ** p           otherwise        (p = 2 if squared else 1)
        loss[i] = mean over j != i of pair(i, j)        (aggregation="anchors")

        inputs="distances":  loss = y * max(d - pos_margin, 0) ** p
                                    + (1 - y) * max(margin - d, 0) ** p

    ``aggregation="nonzero_pairs"`` gives pytorch-metric-learning's number, broadcast to every
    anchor: the mean of the non-zero positive-pair losses plus the mean of the non-zero
    negative-pair losses, over the ordered pairs. The mean over anchors of the default values
    equals TF Addons' loss fed with the distances of every ordered pair of the batch.

    Args:
        y_true: Integer labels, shape ``(batch,)`` (``inputs="distances"``: 1 for a similar
            pair, 0 for a dissimilar one, shape ``(batch,)``).
        y_pred: Embeddings, shape ``(batch, dim)`` (``inputs="distances"``: distances >= 0,
            shape ``(batch,)``).
        margin: The distance beyond which a dissimilar pair costs nothing. Default: 1.0.
        pos_margin: The distance below which a similar pair costs nothing. Default: 0.0.
        squared: Whether the hinge terms are squared (Hadsell et al., TF Addons) or not
            (pytorch-metric-learning). Default: True.
        distance: ``"l2"`` (Euclidean, default), ``"squared_l2"`` or ``"cosine"``
            (1 - cosine similarity).
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default: per anchor, the mean over its pairs) or
            ``"nonzero_pairs"`` (pytorch-metric-learning's scalar, broadcast: sample weights
            then only rescale it).
        inputs: ``"embeddings"`` (default) or ``"distances"`` (precomputed pair distances;
            ``distance``, ``normalize`` and ``aggregation`` are then unused).

    Returns:
        The loss per anchor (per pair for ``inputs="distances"``), shape ``(batch,)``, an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1])
        >>> y_pred = np.array([[0.0, 0.0], [0.0, 0.5], [1.0, 0.0], [0.3, 0.0]])
        >>> al.contrastive(y_true, y_pred).round(4).tolist()
        [0.2467, 0.1413, 0.1633, 0.3846]
        >>> al.contrastive(np.array([1, 0]), np.array([0.5, 0.5]), inputs="distances").tolist()
        [0.25, 0.25]

    Reference:
        Raia Hadsell, Sumit Chopra and Yann LeCun, "Dimensionality Reduction by Learning an
        Invariant Mapping", CVPR 2006. TF Addons ``tfa.losses.contrastive_loss``;
        pytorch-metric-learning ``losses.ContrastiveLoss``.
    """
    power = 2 if squared else 1
    if inputs == "distances":
        _, distances = B.prediction(y_pred)
        if B.ndim(distances) > 2 or (B.ndim(distances) == 2 and B.shape(distances)[1] != 1):
            msg = (
                "contrastive: with inputs='distances', `y_pred` must hold one distance per "
                f"pair, shape (batch,). Received: y_pred.shape={B.shape(distances)}. Reshape "
                "it to (batch,), or pass embeddings with inputs='embeddings'."
            )
            raise ValueError(msg)
        xp, y_true, y_pred = prepare(y_true, y_pred, "contrastive")
        y_true, y_pred = xp.reshape(y_true, (-1,)), xp.reshape(y_pred, (-1,))
        near = xp.clip(y_pred - pos_margin, 0.0, None) ** power
        far = xp.clip(margin - y_pred, 0.0, None) ** power
        return MaskedValues(y_true * near + (1.0 - y_true) * far, None)
    xp, labels, y_pred = _embedding_batch(y_true, y_pred, "contrastive")
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    d = _pairwise_distances(xp, y_pred, distance, normalize)
    positive, negative, eye = _label_masks(xp, labels, d)
    near = xp.where(positive, xp.clip(d - pos_margin, 0.0, None) ** power, xp.zeros_like(d))
    far = xp.where(negative, xp.clip(margin - d, 0.0, None) ** power, xp.zeros_like(d))
    if aggregation == "nonzero_pairs":
        pos = B.divide_no_nan(xp, xp.sum(near), xp.sum(xp.astype(near > 0, near.dtype)))
        neg = B.divide_no_nan(xp, xp.sum(far), xp.sum(xp.astype(far > 0, far.dtype)))
        return MaskedValues((pos + neg) * xp.ones_like(y_pred[:, 0]), None)
    others = ~eye
    return _per_anchor(xp, near + far, others, xp.any(others, axis=1))


class Contrastive(BuiltinLoss, function=contrastive):
    """Contrastive loss over every pair of the batch (or over given pair distances).

    Wraps :func:`contrastive`: calling the loss computes it per anchor, weights the values with
    ``sample_weight`` (if given; one weight per anchor) and reduces them as ``reduction`` says.

    Args:
        margin: The distance beyond which a dissimilar pair costs nothing. Default: 1.0.
        pos_margin: The distance below which a similar pair costs nothing. Default: 0.0.
        squared: Whether the hinge terms are squared. Default: True.
        distance: ``"l2"`` (default), ``"squared_l2"`` or ``"cosine"``.
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default) or ``"nonzero_pairs"`` (pytorch-metric-learning's
            scalar, broadcast to every anchor).
        inputs: ``"embeddings"`` (default: labels and embeddings) or ``"distances"`` (0/1 pair
            labels and one distance per pair, as TF Addons).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"contrastive"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1])
        >>> y_pred = np.array([[0.0, 0.0], [0.0, 0.5], [1.0, 0.0], [0.3, 0.0]])
        >>> round(float(al.Contrastive()(y_true, y_pred)), 4)
        0.234
    """

    margin: float
    pos_margin: float
    squared: bool
    distance: str
    normalize: bool
    aggregation: str
    inputs: str

    def __init__(
        self,
        margin: float = 1.0,
        pos_margin: float = 0.0,
        squared: bool = True,
        distance: str = "l2",
        normalize: bool = False,
        aggregation: str = "anchors",
        inputs: str = "embeddings",
        reduction: Any = "sum_over_batch_size",
        name: str = "contrastive",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            margin=margin,
            pos_margin=pos_margin,
            squared=squared,
            distance=distance,
            normalize=normalize,
            aggregation=aggregation,
            inputs=inputs,
        )


def _check_triplet_semihard(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_distance_arguments(arguments, "triplet_semihard", ("anchors", "pairs"))


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("triplet_semihard_loss",),
    check=_check_triplet_semihard,
    masked=True,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.TripletSemiHardLoss",
            settings={"margin": 1.0, "distance": "l2", "aggregation": "pairs"},
            renames={"margin": "margin", "name": "name"},
            choices={"distance_metric": _TFA_DISTANCES, "reduction": _TFA_IGNORED_REDUCTION},
            note=_TFA_NOTE,
        ),
    ),
)
def triplet_semihard(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    distance: str = "l2",
    normalize: bool = False,
    aggregation: str = "anchors",
) -> Any:
    """Triplet loss with semi-hard negative mining (FaceNet), per anchor.

    For every positive pair ``(a, p)`` of the batch (same label, ``p != a``), the negative is
    the closest one farther from the anchor than the positive (semi-hard); if there is none,
    the farthest negative. Entry ``a`` is the mean over the anchor's positives::

        d = distance(y_pred[i], y_pred[j])
        n*(a, p) = min {d(a, n) : label n != label a, d(a, n) > d(a, p)}
                   (if empty: max {d(a, n) : label n != label a})
        loss[a] = mean over positives p of max(margin + d(a, p) - n*(a, p), 0)

    Anchors without a positive or without a negative are masked: the Keras mean is over the
    valid anchors. ``aggregation="pairs"`` gives TF Addons' number (the sum over every
    positive pair divided by the number of positive pairs) broadcast to every anchor (sample
    weights then only rescale it); with P x K batches (every class K times) the two agree.
    pytorch-metric-learning's "semihard" triplet miner keeps every semi-hard triplet instead,
    a different loss.

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)`` (TF Addons expects them L2-normalised).
        margin: The margin, in the distance's units. Default: 1.0.
        distance: ``"l2"`` (Euclidean, not squared: default, as TF Addons' ``"L2"``),
            ``"squared_l2"`` or ``"cosine"`` (1 - cosine similarity, TF Addons' ``"angular"``).
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default) or ``"pairs"`` (TF Addons' scalar, broadcast).

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> al.triplet_semihard(y_true, y_pred).round(4).tolist()
        [0.4802, 0.1056, 0.4802, 0.0, 0.0]

    Reference:
        Florian Schroff, Dmitry Kalenichenko and James Philbin, "FaceNet: A Unified Embedding
        for Face Recognition and Clustering", CVPR 2015, https://arxiv.org/abs/1503.03832.
        TF Addons ``tfa.losses.triplet_semihard_loss``.
    """
    xp, labels, y_pred = _embedding_batch(y_true, y_pred, "triplet_semihard")
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    d = _pairwise_distances(xp, y_pred, distance, normalize)
    positive, negative, _ = _label_masks(xp, labels, d)
    # (anchor, positive, negative): the negatives farther from the anchor than the positive.
    row = d[:, None, :]
    farther = negative[:, None, :] & (row > d[:, :, None])
    outside = _masked_min(xp, row, farther)[..., 0]  # (anchor, positive)
    inside = _masked_max(xp, d, negative)  # (anchor, 1): the farthest negative
    chosen = xp.where(xp.any(farther, axis=2), outside, inside)
    losses = xp.clip(margin + d - chosen, 0.0, None)
    if aggregation == "pairs":
        weights = xp.astype(positive, d.dtype)
        return _broadcast(xp, xp.sum(losses * weights), xp.sum(weights), y_pred[:, 0])
    valid = xp.any(positive, axis=1) & xp.any(negative, axis=1)
    return _per_anchor(xp, losses, positive, valid)


class TripletSemiHard(BuiltinLoss, function=triplet_semihard):
    """Triplet loss with semi-hard negative mining, per anchor.

    Wraps :func:`triplet_semihard`: calling the loss computes it per anchor, weights the values
    with ``sample_weight`` (if given; one weight per anchor) and reduces them as ``reduction``
    says. Anchors without a positive or a negative are masked out of the mean.

    Args:
        margin: The margin, in the distance's units. Default: 1.0.
        distance: ``"l2"`` (default), ``"squared_l2"`` or ``"cosine"``.
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default) or ``"pairs"`` (TF Addons' scalar, broadcast to
            every anchor).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"triplet_semihard"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> round(float(al.TripletSemiHard()(y_true, y_pred)), 4)
        0.2665
    """

    margin: float
    distance: str
    normalize: bool
    aggregation: str

    def __init__(
        self,
        margin: float = 1.0,
        distance: str = "l2",
        normalize: bool = False,
        aggregation: str = "anchors",
        reduction: Any = "sum_over_batch_size",
        name: str = "triplet_semihard",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            margin=margin,
            distance=distance,
            normalize=normalize,
            aggregation=aggregation,
        )


def _check_triplet_hard(arguments: dict[str, Any]) -> dict[str, Any]:
    out = _check_distance_arguments(arguments, "triplet_hard", ("anchors", "all_anchors"))
    out["soft"] = check_flag(arguments["soft"], "soft")
    return out


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("triplet_hard_loss", "batch_hard_triplet"),
    check=_check_triplet_hard,
    masked=True,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.TripletHardLoss",
            settings={"margin": 1.0, "soft": False, "distance": "l2", "aggregation": "all_anchors"},
            renames={"margin": "margin", "soft": "soft", "name": "name"},
            choices={"distance_metric": _TFA_DISTANCES, "reduction": _TFA_IGNORED_REDUCTION},
            note="anyloss is called as loss(y_true, y_pred) with integer labels and "
            "embeddings, as TF Addons. TF Addons' number is the mean over every anchor, which "
            "anyloss' per-anchor values give under the default reduction (aggregation="
            "'all_anchors': an anchor without a positive or negative counts as TF Addons "
            "counts it). A callable distance_metric is not supported.",
        ),
    ),
)
def triplet_hard(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    soft: bool = False,
    distance: str = "l2",
    normalize: bool = False,
    aggregation: str = "anchors",
) -> Any:
    """Batch-hard triplet loss: per anchor, its farthest positive against its closest negative.

    ::

        d = distance(y_pred[i], y_pred[j])
        hardest = max {d(a, p) : label p == label a, p != a} - min {d(a, n) : label n != label a}
        loss[a] = max(hardest + margin, 0)          (soft=True: log(1 + exp(hardest)))

    Anchors without a positive or without a negative are masked: the Keras mean is over the
    valid anchors. ``aggregation="all_anchors"`` counts every anchor as TF Addons does (its
    number is the mean over all anchors): an anchor without a positive takes 0 (its distance
    to itself) as its farthest positive, one without a negative the largest distance of its
    row as its closest negative.

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)`` (TF Addons expects them L2-normalised).
        margin: The margin, in the distance's units (unused when ``soft``). Default: 1.0.
        soft: Whether to use the soft margin ``log(1 + exp(hardest))``. Default: False.
        distance: ``"l2"`` (Euclidean, not squared: default), ``"squared_l2"`` or
            ``"cosine"`` (1 - cosine similarity).
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default: anchors without a positive or negative are
            masked) or ``"all_anchors"`` (every anchor counts, as TF Addons).

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> al.triplet_hard(y_true, y_pred).round(4).tolist()
        [1.262, 1.6116, 1.262, 1.6116, 0.0]

    Reference:
        Alexander Hermans, Lucas Beyer and Bastian Leibe, "In Defense of the Triplet Loss for
        Person Re-Identification", 2017, https://arxiv.org/abs/1703.07737. TF Addons
        ``tfa.losses.triplet_hard_loss``.
    """
    xp, labels, y_pred = _embedding_batch(y_true, y_pred, "triplet_hard")
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    d = _pairwise_distances(xp, y_pred, distance, normalize)
    positive, negative, _ = _label_masks(xp, labels, d)
    hardest = (_masked_max(xp, d, positive) - _masked_min(xp, d, negative))[:, 0]
    values = B.softplus(xp, hardest) if soft else xp.clip(hardest + margin, 0.0, None)
    if aggregation == "all_anchors":
        return MaskedValues(values, None)
    valid = xp.any(positive, axis=1) & xp.any(negative, axis=1)
    return MaskedValues(xp.where(valid, values, xp.zeros_like(values)), valid)


class TripletHard(BuiltinLoss, function=triplet_hard):
    """Batch-hard triplet loss, per anchor.

    Wraps :func:`triplet_hard`: calling the loss computes it per anchor, weights the values
    with ``sample_weight`` (if given; one weight per anchor) and reduces them as ``reduction``
    says. Anchors without a positive or a negative are masked out of the mean.

    Args:
        margin: The margin, in the distance's units. Default: 1.0.
        soft: Whether to use the soft margin ``log(1 + exp(hardest))``. Default: False.
        distance: ``"l2"`` (default), ``"squared_l2"`` or ``"cosine"``.
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default) or ``"all_anchors"`` (every anchor counts, as TF
            Addons).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"triplet_hard"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> round(float(al.TripletHard()(y_true, y_pred)), 4)
        1.4368
    """

    margin: float
    soft: bool
    distance: str
    normalize: bool
    aggregation: str

    def __init__(
        self,
        margin: float = 1.0,
        soft: bool = False,
        distance: str = "l2",
        normalize: bool = False,
        aggregation: str = "anchors",
        reduction: Any = "sum_over_batch_size",
        name: str = "triplet_hard",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            margin=margin,
            soft=soft,
            distance=distance,
            normalize=normalize,
            aggregation=aggregation,
        )


def _check_lifted_structure(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_distance_arguments(arguments, "lifted_structure", ("anchors", "pairs"))


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("lifted_struct_loss", "lifted_structure_loss"),
    check=_check_lifted_structure,
    masked=True,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.LiftedStructLoss",
            settings={"margin": 1.0, "aggregation": "pairs"},
            renames={"margin": "margin", "name": "name"},
            choices={"reduction": _TFA_IGNORED_REDUCTION},
            note=_TFA_NOTE,
        ),
        Peer(
            "pytorch_metric_learning.losses.LiftedStructureLoss",
            settings={"margin": 1.0, "pos_margin": 0.0, "normalize": True, "aggregation": "pairs"},
            renames={"neg_margin": "margin", "pos_margin": "pos_margin"},
            note=_PML_NOTE + " Its number (the mean over positive pairs) is broadcast to every "
            "anchor (aggregation='pairs'). GeneralizedLiftedStructureLoss is another loss.",
        ),
    ),
)
def lifted_structure(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    pos_margin: float = 0.0,
    distance: str = "l2",
    normalize: bool = False,
    aggregation: str = "anchors",
) -> Any:
    """Lifted structured loss (Oh Song et al.), per anchor.

    Every positive pair ``(i, j)`` is compared with every negative of both its ends at once,
    through a smooth maximum (log-sum-exp)::

        d = distance(y_pred[i], y_pred[j])
        J(i, j) = log(sum over negatives k of i of exp(margin - d(i, k))
                      + sum over negatives l of j of exp(margin - d(j, l)))
                  + d(i, j) - pos_margin
        loss[i] = mean over positives j of i of max(J(i, j), 0) ** 2 / 2

    Anchors without a positive or without a negative are masked: the Keras mean is over the
    valid anchors. ``aggregation="pairs"`` gives TF Addons' and pytorch-metric-learning's
    number, the mean over every positive pair, broadcast to every anchor (sample weights then
    only rescale it); with P x K batches (every class K times) the two agree.

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)`` (TF Addons' advice: not L2-normalised).
        margin: The margin of the negatives, in the distance's units. Default: 1.0.
        pos_margin: Subtracted from the positive distance (pytorch-metric-learning's
            ``pos_margin``). Default: 0.0.
        distance: ``"l2"`` (Euclidean, default), ``"squared_l2"`` or ``"cosine"``.
        normalize: Whether to L2-normalise the embeddings first (pytorch-metric-learning's
            default distance does). Default: False.
        aggregation: ``"anchors"`` (default) or ``"pairs"`` (the mean over positive pairs,
            broadcast).

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> al.lifted_structure(y_true, y_pred).round(4).tolist()
        [3.7919, 3.7919, 3.8962, 3.8962, 0.0]

    Reference:
        Hyun Oh Song, Yu Xiang, Stefanie Jegelka and Silvio Savarese, "Deep Metric Learning via
        Lifted Structured Feature Embedding", CVPR 2016, https://arxiv.org/abs/1511.06452. TF
        Addons ``tfa.losses.lifted_struct_loss``; pytorch-metric-learning
        ``losses.LiftedStructureLoss``.
    """
    xp, labels, y_pred = _embedding_batch(y_true, y_pred, "lifted_structure")
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    d = _pairwise_distances(xp, y_pred, distance, normalize)
    positive, negative, _ = _label_masks(xp, labels, d)
    has_negative = xp.any(negative, axis=1)
    neg_inf = xp.full_like(d, -xp.inf)
    # Per row, the log-sum-exp over its negatives (0 where it has none; such pairs are dropped).
    lse = B.logsumexp(xp, xp.where(negative, margin - d, neg_inf), axis=1)
    lse = xp.where(has_negative, lse, xp.zeros_like(lse))
    both = xp.logaddexp(lse[:, None], lse[None, :]) + d - pos_margin
    pairs = positive & has_negative[:, None]
    losses = xp.where(pairs, 0.5 * xp.clip(both, 0.0, None) ** 2, xp.zeros_like(d))
    if aggregation == "pairs":
        return _broadcast(xp, xp.sum(losses), xp.sum(xp.astype(positive, d.dtype)), y_pred[:, 0])
    valid = xp.any(positive, axis=1) & has_negative
    return _per_anchor(xp, losses, positive, valid)


class LiftedStructure(BuiltinLoss, function=lifted_structure):
    """Lifted structured loss, per anchor.

    Wraps :func:`lifted_structure`: calling the loss computes it per anchor, weights the values
    with ``sample_weight`` (if given; one weight per anchor) and reduces them as ``reduction``
    says. Anchors without a positive or a negative are masked out of the mean.

    Args:
        margin: The margin of the negatives, in the distance's units. Default: 1.0.
        pos_margin: Subtracted from the positive distance. Default: 0.0.
        distance: ``"l2"`` (default), ``"squared_l2"`` or ``"cosine"``.
        normalize: Whether to L2-normalise the embeddings first. Default: False.
        aggregation: ``"anchors"`` (default) or ``"pairs"`` (the mean over positive pairs, as
            TF Addons and pytorch-metric-learning, broadcast to every anchor).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"lifted_structure"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 1, 1, 2])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
        >>> round(float(al.LiftedStructure()(y_true, y_pred)), 4)
        3.844
    """

    margin: float
    pos_margin: float
    distance: str
    normalize: bool
    aggregation: str

    def __init__(
        self,
        margin: float = 1.0,
        pos_margin: float = 0.0,
        distance: str = "l2",
        normalize: bool = False,
        aggregation: str = "anchors",
        reduction: Any = "sum_over_batch_size",
        name: str = "lifted_structure",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            margin=margin,
            pos_margin=pos_margin,
            distance=distance,
            normalize=normalize,
            aggregation=aggregation,
        )


def _check_npairs(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        **arguments,
        "normalize": check_flag(arguments["normalize"], "normalize"),
        "inputs": _check_choice(
            arguments["inputs"], "inputs", ("embeddings", "similarities"), "npairs"
        ),
    }


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("npairs_loss", "n_pairs"),
    check=_check_npairs,
    torch_kernel=torch_kernels.npairs,
    masked=True,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.NpairsLoss",
            settings={"inputs": "similarities"},
            renames={"name": "name"},
            note="TF Addons takes y_pred = the (batch, batch) similarity matrix between "
            "anchors and positives (inputs='similarities'), y_true = the pairs' labels. Its "
            "number is the mean over rows, which anyloss' per-row values give under the "
            "default reduction.",
        ),
        Peer(
            "pytorch_metric_learning.losses.NPairsLoss",
            settings={"normalize": True},
            note=_PML_NOTE + " Its default similarity is the cosine (dot products of "
            "L2-normalised embeddings: normalize=True).",
        ),
    ),
)
def npairs(
    y_true: Any,
    y_pred: Any,
    normalize: bool = False,
    inputs: str = "embeddings",
) -> Any:
    """Multi-class N-pair loss (Sohn), per anchor.

    With ``inputs="embeddings"`` (the default), each label with at least two embeddings forms
    one pair: its first embedding in the batch is the anchor, its second the positive (any
    further ones are unused, as in pytorch-metric-learning). Each anchor is a softmax
    classification of its own positive among the positives of every pair, by dot product::

        anchors a_c, positives p_c: the first and second embedding of each label c
        loss[a_c] = -log(exp(a_c . p_c) / sum over labels c' of exp(a_c . p_c'))

    The other embeddings are masked (the Keras mean is over the anchors). A batch of N labels,
    twice each, is Sohn's N-pair loss. With ``inputs="similarities"`` (TF Addons),
    ``y_pred`` is the ``(batch, batch)`` similarity matrix between anchors (rows) and positives
    (columns) and ``y_true`` the pairs' labels; each row is a softmax cross-entropy against its
    same-label columns, the target split evenly among them::

        loss[i] = -sum over j with label j == label i of log(softmax(y_pred[i])[j]) / count

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)`` (``inputs="similarities"``: the similarity
            matrix, shape ``(batch, batch)``).
        normalize: Whether to L2-normalise the embeddings first, making the similarity the
            cosine (as pytorch-metric-learning). Default: False (dot products, as Sohn).
        inputs: ``"embeddings"`` (default) or ``"similarities"`` (a precomputed similarity
            matrix, as TF Addons; ``normalize`` is then unused).

    Returns:
        The loss per anchor (per row), shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 1, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6], [0.6, 0.8]])
        >>> al.npairs(y_true, y_pred).round(4).tolist()
        [0.5981, 0.5981, 0.0, 0.0]
        >>> al.npairs(np.array([0, 1]), np.array([[2.0, 0.0], [0.0, 2.0]]),
        ...           inputs="similarities").round(4).tolist()
        [0.1269, 0.1269]

    Reference:
        Kihyuk Sohn, "Improved Deep Metric Learning with Multi-class N-pair Loss Objective",
        NeurIPS 2016. TF Addons ``tfa.losses.npairs_loss``; pytorch-metric-learning
        ``losses.NPairsLoss``.
    """
    if inputs == "similarities":
        xp, y_pred = B.prediction(y_pred)
        if B.ndim(y_pred) != 2 or B.shape(y_pred)[0] != B.shape(y_pred)[1]:
            msg = (
                "npairs: with inputs='similarities', `y_pred` must be the square similarity "
                "matrix between anchors and positives, shape (batch, batch). Received: "
                f"y_pred.shape={B.shape(y_pred)}. Compute it as anchors @ positives.T, or "
                "pass embeddings with inputs='embeddings'."
            )
            raise ValueError(msg)
        labels = _labels_for(xp, y_true, y_pred, "npairs", "row")
        if B.shape(y_pred)[0] == 0:
            return _empty(xp, y_pred)
        same = xp.astype(xp.equal(labels[:, None], labels[None, :]), y_pred.dtype)
        targets = same / xp.sum(same, axis=1, keepdims=True)
        return MaskedValues(-xp.sum(targets * B.log_softmax(xp, y_pred, axis=1), axis=1), None)
    xp, labels, y_pred = _embedding_batch(y_true, y_pred, "npairs")
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    x = _unit_rows(xp, y_pred) if normalize else y_pred
    # Shifting every positive by one vector changes each anchor's logits by one constant, which
    # the softmax cancels (value and gradient): the columns are centred on the batch mean, so a
    # large common offset does not swamp the logits' differences in rounding.
    centred = x - xp.mean(x, axis=0, keepdims=True)
    similarity = xp.matmul(x, xp.permute_dims(centred, (1, 0)))
    n = B.dynamic_shape(y_pred)[0]
    same = xp.equal(labels[:, None], labels[None, :])
    index = xp.arange(n, device=B.device_of(y_pred))
    earlier = same & (index[None, :] < index[:, None])
    rank = xp.sum(xp.astype(earlier, xp.int32), axis=1)  # same-label embeddings before i
    is_positive = xp.equal(rank, 1)
    targets = same & is_positive[None, :]
    is_anchor = xp.equal(rank, 0) & xp.any(targets, axis=1)
    logits = xp.where(is_positive[None, :], similarity, xp.full_like(similarity, -xp.inf))
    own = xp.sum(xp.where(targets, similarity, xp.zeros_like(similarity)), axis=1)
    values = B.logsumexp(xp, logits, axis=1) - own
    return MaskedValues(xp.where(is_anchor, values, xp.zeros_like(values)), is_anchor)


class NPairs(BuiltinLoss, function=npairs):
    """Multi-class N-pair loss, per anchor.

    Wraps :func:`npairs`: calling the loss computes it per anchor, weights the values with
    ``sample_weight`` (if given; one weight per anchor) and reduces them as ``reduction`` says.
    Embeddings that are not an anchor are masked out of the mean.

    Args:
        normalize: Whether to L2-normalise the embeddings first (cosine similarity).
            Default: False.
        inputs: ``"embeddings"`` (default: labels and embeddings) or ``"similarities"`` (the
            pairs' labels and their ``(batch, batch)`` similarity matrix, as TF Addons).
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"npairs"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 1, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6], [0.6, 0.8]])
        >>> round(float(al.NPairs()(y_true, y_pred)), 4)
        0.5981
    """

    normalize: bool
    inputs: str

    def __init__(
        self,
        normalize: bool = False,
        inputs: str = "embeddings",
        reduction: Any = "sum_over_batch_size",
        name: str = "npairs",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, normalize=normalize, inputs=inputs
        )
