"""Losses over in-batch similarity matrices: NT-Xent (InfoNCE), supervised contrastive,
multi-similarity and the sigmoid (SigLIP) loss.

Each returns one value per anchor (a row of the batch's similarity matrix): entry ``i``
aggregates the pairs whose anchor is ``i``. The Keras reductions then average over anchors and
``sample_weight`` weights anchors; the other rows' embeddings, which enter anchor ``i``'s value as
positives and negatives, are not weighted. Anchors without a positive carry a mask, so they
count neither in the loss nor in the ``sum_over_batch_size`` mean.
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, MaskedValues, Peer, builtin
from anyloss.losses._prepare import integer_labels, prepare

#: Norms below this are clamped before dividing (``torch.nn.functional.normalize``'s eps).
NORM_EPSILON = 1e-12

AGGREGATIONS = ("anchors", "pairs")


def _check_temperature(arguments: dict[str, Any], owner: str) -> float:
    return check_number(
        arguments["temperature"], "temperature", minimum=0.0, open_minimum=True, owner=owner
    )


def _check_aggregation(value: Any, owner: str) -> str:
    if not isinstance(value, str) or value not in AGGREGATIONS:
        msg = (
            f"Argument `aggregation` of {owner} must be one of {AGGREGATIONS}: 'anchors' (one "
            "value per anchor, the mean over its positive pairs) or 'pairs' (the mean over all "
            f"positive pairs of the batch, given to every anchor). Received: aggregation={value!r}"
        )
        raise ValueError(msg)
    return value


def l2_normalize(xp: Any, x: Any, axis: int = -1) -> Any:
    """``x / max(norm(x), 1e-12)`` along ``axis`` (a zero vector stays zero, gradient finite)."""
    squared = xp.sum(xp.square(x), axis=axis, keepdims=True)
    return x / xp.sqrt(xp.clip(squared, NORM_EPSILON * NORM_EPSILON, None))


def _embeddings(loss: str, y_true: Any, y_pred: Any) -> tuple[Any, Any, Any]:
    """``(xp, labels (batch,), embeddings (batch, dim))`` with shapes checked."""
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 2:
        msg = (
            f"{loss}: `y_pred` must be embeddings of shape (batch, dim). Received: "
            f"y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    if B.ndim(labels) == 2 and true_shape[1] == 1:
        labels = xp.reshape(labels, (-1,))
    if B.ndim(labels) != 1 or B.shape(labels)[0] != B.shape(y_pred)[0]:
        msg = (
            f"{loss}: `y_true` needs one label per embedding (an integer), shape "
            f"({B.shape(y_pred)[0]},) for y_pred.shape={B.shape(y_pred)}. Received: y_true.shape={true_shape}. Pass "
            "the class (or pair id) of each row of y_pred."
        )
        raise ValueError(msg)
    return xp, labels, y_pred


def _pairs(xp: Any, labels: Any, embeddings: Any) -> tuple[Any, Any, Any]:
    """Cosine similarities ``(batch, batch)``, the positive mask (same label, not the diagonal)
    and the negative mask (another label)."""
    unit = l2_normalize(xp, embeddings, axis=1)
    similarity = xp.matmul(unit, xp.permute_dims(unit, (1, 0)))
    same = xp.equal(labels[:, None], labels[None, :])
    n = B.dynamic_shape(embeddings)[0]
    eye = xp.eye(n, n, dtype=xp.bool, device=B.device_of(embeddings))
    return similarity, same & ~eye, ~same


def _masked_lse(xp: Any, x: Any, keep: Any) -> Any:
    """Row-wise log-sum-exp of the kept entries (``-inf`` for a row with none)."""
    return B.logsumexp(xp, xp.where(keep, x, xp.full_like(x, -xp.inf)), axis=1)


def _empty(xp: Any, embeddings: Any) -> MaskedValues:
    values = xp.sum(embeddings, axis=1)
    return MaskedValues(values, values > 0)


def _check_ntxent(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        **arguments,
        "temperature": _check_temperature(arguments, "ntxent"),
        "aggregation": _check_aggregation(arguments["aggregation"], "ntxent"),
    }


_NTXENT_NOTE = (
    "anyloss calls loss(y_true=labels, y_pred=embeddings); aggregation='pairs' gives the peer's "
    "scalar (the mean over every positive pair) to every anchor, so sample_weight then only "
    "rescales it."
)


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("nt_xent", "infonce", "info_nce", "ntxent_loss"),
    check=_check_ntxent,
    masked=True,
    origin="pml",
    peers=(
        Peer(
            "optax.ntxent",
            settings={"temperature": 0.07, "aggregation": "pairs"},
            renames={"temperature": "temperature"},
            note=_NTXENT_NOTE + " optax divides 0 by 0 (NaN) for a batch without a positive "
            "pair; anyloss gives 0.",
        ),
        Peer(
            "pytorch_metric_learning.losses.NTXentLoss",
            settings={"temperature": 0.07, "aggregation": "pairs"},
            renames={"temperature": "temperature"},
            note=_NTXENT_NOTE + " Distances, reducers and miners are not supported (cosine "
            "similarity, mean over positive pairs).",
        ),
        Peer(
            "monai.losses.ContrastiveLoss",
            settings={"temperature": 0.5, "aggregation": "anchors"},
            renames={"temperature": "temperature"},
            choices={"batch_size": {-1: {}}},
            note="MONAI's forward(input, target) takes two views of shape (batch, dim); anyloss "
            "takes them stacked: loss(y_true=concat([arange(batch), arange(batch)]), "
            "y_pred=concat([input, target])) (each row's positive is its other view, every "
            "other row a negative: MONAI's number). batch_size is ignored there and refused "
            "here unless -1.",
        ),
    ),
)
def ntxent(
    y_true: Any, y_pred: Any, temperature: float = 0.07, aggregation: str = "anchors"
) -> Any:
    """NT-Xent (InfoNCE) loss per anchor.

    The contrastive loss of SimCLR and CLIP-style training: every positive pair (two rows
    with the same label, e.g. two views of one image) is a classification of the positive
    among the anchor's negatives, on cosine similarities divided by a temperature. Labels
    ``[0, 0, 1, 1, ...]`` express two views per item. Each positive pair ``(a, p)`` costs::

        s = cosine_similarity(y_pred, y_pred) / temperature
        pair(a, p) = -log(exp(s[a, p]) / (exp(s[a, p]) + sum(exp(s[a, n]) for n in negatives(a))))
        loss[a] = mean(pair(a, p) for p in positives(a))        (aggregation="anchors")
        loss[a] = mean(pair(a', p) for every positive pair)     (aggregation="pairs")

    Positives of ``a`` are the other rows with its label; negatives the rows with another
    label (the other positives are not in the denominator). The embeddings are L2-normalised
    here. Anchors without a positive are masked.

    Args:
        y_true: Integer labels (or pair ids), shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)``; need not be normalised.
        temperature: The softmax temperature, a float > 0. Default: 0.07.
        aggregation: ``"anchors"`` (default: each anchor's mean over its positive pairs) or
            ``"pairs"``: the mean over every positive pair of the batch, optax's and
            pytorch-metric-learning's scalar, returned for every anchor (it equals the mean of
            the per-anchor values when every anchor has as many positives; ``sample_weight``
            then only rescales it).

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library (0 for an
        anchor without a positive).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> al.ntxent(y_true, y_pred, temperature=0.5).round(4).tolist()
        [1.3485, 0.9912, 0.9881, 0.0]

    Reference:
        Ting Chen, Simon Kornblith, Mohammad Norouzi and Geoffrey Hinton, "A Simple Framework
        for Contrastive Learning of Visual Representations", ICML 2020,
        https://arxiv.org/abs/2002.05709; ``optax.ntxent``, pytorch-metric-learning's
        ``NTXentLoss`` and MONAI's ``ContrastiveLoss`` (two views stacked, labels
        ``[0..batch-1, 0..batch-1]``).
    """
    xp, labels, y_pred = _embeddings("ntxent", y_true, y_pred)
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    similarity, positive, negative = _pairs(xp, labels, y_pred)
    s = similarity / temperature
    # -log(e^s / (e^s + sum_n e^n)) = softplus(logsumexp_n(n) - s); 0 with no negative.
    pair = B.softplus(xp, _masked_lse(xp, s, negative)[:, None] - s)
    pair = xp.where(positive, pair, xp.zeros_like(pair))
    count = xp.sum(xp.astype(positive, s.dtype), axis=1)
    if aggregation == "pairs":
        total = B.divide_no_nan(xp, xp.sum(pair), xp.sum(count))
        return MaskedValues(total * xp.ones_like(count), None)
    values = B.divide_no_nan(xp, xp.sum(pair, axis=1), count)
    return MaskedValues(values, count > 0)


class NTXent(BuiltinLoss, function=ntxent):
    """NT-Xent (InfoNCE) loss on embeddings, per anchor (see :func:`ntxent`).

    Wraps :func:`ntxent`: calling the loss computes it per anchor, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. Anchors without a
    positive are masked: the mean is over the anchors that have one.

    Args:
        temperature: The softmax temperature, a float > 0. Default: 0.07.
        aggregation: ``"anchors"`` (default) or ``"pairs"`` (the mean over every positive pair,
            optax's and pytorch-metric-learning's scalar, given to every anchor).
        reduction: How the per-anchor values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-anchor values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"ntxent"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> round(float(al.NTXent(temperature=0.5)(y_true, y_pred)), 4)  # anchors 0-2
        1.1093
    """

    temperature: float
    aggregation: str

    def __init__(
        self,
        temperature: float = 0.07,
        aggregation: str = "anchors",
        reduction: Any = "sum_over_batch_size",
        name: str = "ntxent",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            temperature=temperature,
            aggregation=aggregation,
        )


def _check_supcon(arguments: dict[str, Any]) -> dict[str, Any]:
    return {**arguments, "temperature": _check_temperature(arguments, "supcon")}


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("supervised_contrastive", "supcon_loss"),
    check=_check_supcon,
    masked=True,
    origin="pml",
    peers=(
        Peer(
            "pytorch_metric_learning.losses.SupConLoss",
            settings={"temperature": 0.1},
            renames={"temperature": "temperature"},
            note="anyloss calls loss(y_true=labels, y_pred=embeddings). The mean over anchors "
            "with a positive loss is pytorch-metric-learning's AvgNonZeroReducer. A batch with no "
            "negative pair at all gives 0 there; anyloss still computes the anchors' values. "
            "Distances, reducers and miners are not supported.",
        ),
    ),
)
def supcon(y_true: Any, y_pred: Any, temperature: float = 0.1) -> Any:
    """Supervised contrastive loss per anchor.

    The loss of supervised contrastive learning: each anchor's positives (the other rows with
    its label) are pulled up in a softmax over every other row of the batch, on cosine
    similarities divided by a temperature::

        s = cosine_similarity(y_pred, y_pred) / temperature
        log_prob[a, j] = s[a, j] - logsumexp(s[a, k] for k != a)
        loss[a] = -mean(log_prob[a, p] for p in positives(a))

    The embeddings are L2-normalised here. Anchors without a positive, or with a zero loss,
    are masked, so the mean is over the others (pytorch-metric-learning's AvgNonZeroReducer).

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)``; need not be normalised.
        temperature: The softmax temperature, a float > 0. Default: 0.1.

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library (0 for an
        anchor without a positive).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> al.supcon(y_true, y_pred, temperature=0.5).round(4).tolist()
        [1.6271, 1.3143, 1.4271, 0.0]

    Reference:
        Prannay Khosla, Piotr Teterwak, Chen Wang, Aaron Sarna, Yonglong Tian, Phillip Isola,
        Aaron Maschinot, Ce Liu and Dilip Krishnan, "Supervised Contrastive Learning",
        NeurIPS 2020, https://arxiv.org/abs/2004.11362; pytorch-metric-learning's
        ``SupConLoss``.
    """
    xp, labels, y_pred = _embeddings("supcon", y_true, y_pred)
    if B.shape(y_pred)[0] == 0:
        return _empty(xp, y_pred)
    similarity, positive, negative = _pairs(xp, labels, y_pred)
    s = similarity / temperature
    lse = _masked_lse(xp, s, positive | negative)
    lse = xp.where(xp.isfinite(lse), lse, xp.zeros_like(lse))  # a batch of one: no other row
    log_prob = xp.where(positive, s - lse[:, None], xp.zeros_like(s))
    count = xp.sum(xp.astype(positive, s.dtype), axis=1)
    values = B.divide_no_nan(xp, -xp.sum(log_prob, axis=1), count)
    return MaskedValues(values, (count > 0) & (values > 0))


class SupCon(BuiltinLoss, function=supcon):
    """Supervised contrastive loss on embeddings, per anchor (see :func:`supcon`).

    Wraps :func:`supcon`: calling the loss computes it per anchor, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. Anchors without a
    positive, or with a zero loss, are masked: the mean is over the others.

    Args:
        temperature: The softmax temperature, a float > 0. Default: 0.1.
        reduction: How the per-anchor values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            valid anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by
            the sum of the weights) or ``"none"``/``None`` (the per-anchor values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"supcon"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> round(float(al.SupCon(temperature=0.5)(y_true, y_pred)), 4)  # anchors 0-2
        1.4562
    """

    temperature: float

    def __init__(
        self,
        temperature: float = 0.1,
        reduction: Any = "sum_over_batch_size",
        name: str = "supcon",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, temperature=temperature)


def _check_multi_similarity(arguments: dict[str, Any]) -> dict[str, Any]:
    owner = "multi_similarity"
    return {
        **arguments,
        "alpha": check_number(
            arguments["alpha"], "alpha", minimum=0.0, open_minimum=True, owner=owner
        ),
        "beta": check_number(
            arguments["beta"], "beta", minimum=0.0, open_minimum=True, owner=owner
        ),
        "base": check_number(arguments["base"], "base", owner=owner),
    }


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("multi_similarity_loss", "ms_loss"),
    check=_check_multi_similarity,
    origin="pml",
    peers=(
        Peer(
            "pytorch_metric_learning.losses.MultiSimilarityLoss",
            settings={"alpha": 2.0, "beta": 50.0, "base": 0.5},
            renames={"alpha": "alpha", "beta": "beta", "base": "base"},
            note="anyloss calls loss(y_true=labels, y_pred=embeddings). The loss alone, over "
            "every pair: pytorch-metric-learning's MultiSimilarityMiner is a separate step. "
            "Distances, reducers and miners are not supported.",
        ),
    ),
)
def multi_similarity(
    y_true: Any, y_pred: Any, alpha: float = 2.0, beta: float = 50.0, base: float = 0.5
) -> Any:
    """Multi-similarity loss per anchor.

    A pair-weighting metric-learning loss: a soft maximum over the anchor's positives pulls
    the least similar ones above ``base``, and one over its negatives pushes the most similar
    ones below it, on cosine similarities ``s``::

        loss[a] = 1/alpha * log(1 + sum(exp(-alpha * (s[a, p] - base)) for p in positives(a)))
                + 1/beta * log(1 + sum(exp(beta * (s[a, n] - base)) for n in negatives(a)))

    The embeddings are L2-normalised here. Every anchor counts (a sum over no pair is 0), as in
    pytorch-metric-learning's mean over the batch.

    Args:
        y_true: Integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, dim)``; need not be normalised.
        alpha: The scale of the positive term, a float > 0. Default: 2.0.
        beta: The scale of the negative term, a float > 0. Default: 50.0.
        base: The similarity that separates positives from negatives. Default: 0.5.

    Returns:
        The loss per anchor, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> al.multi_similarity(y_true, y_pred).round(4).tolist()
        [1.0561, 0.8909, 0.8256, 0.46]

    Reference:
        Xun Wang, Xintong Han, Weilin Huang, Dengke Dong and Matthew R. Scott,
        "Multi-Similarity Loss with General Pair Weighting for Deep Metric Learning", CVPR 2019,
        https://arxiv.org/abs/1904.06627; pytorch-metric-learning's ``MultiSimilarityLoss``.
    """
    xp, labels, y_pred = _embeddings("multi_similarity", y_true, y_pred)
    if B.shape(y_pred)[0] == 0:
        return xp.sum(y_pred, axis=1)
    similarity, positive, negative = _pairs(xp, labels, y_pred)
    pos = B.softplus(xp, _masked_lse(xp, -alpha * (similarity - base), positive)) / alpha
    neg = B.softplus(xp, _masked_lse(xp, beta * (similarity - base), negative)) / beta
    return pos + neg


class MultiSimilarity(BuiltinLoss, function=multi_similarity):
    """Multi-similarity loss on embeddings, per anchor (see :func:`multi_similarity`).

    Wraps :func:`multi_similarity`: calling the loss computes it per anchor, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        alpha: The scale of the positive term, a float > 0. Default: 2.0.
        beta: The scale of the negative term, a float > 0. Default: 50.0.
        base: The similarity that separates positives from negatives. Default: 0.5.
        reduction: How the per-anchor values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            anchors), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-anchor values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"multi_similarity"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 0, 0, 1])
        >>> y_pred = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
        >>> round(float(al.MultiSimilarity()(y_true, y_pred)), 4)
        0.8082
    """

    alpha: float
    beta: float
    base: float

    def __init__(
        self,
        alpha: float = 2.0,
        beta: float = 50.0,
        base: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "multi_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, base=base
        )


def _check_siglip(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        **arguments,
        "logit_scale": check_number(arguments["logit_scale"], "logit_scale", owner="siglip"),
        "logit_bias": check_number(arguments["logit_bias"], "logit_bias", owner="siglip"),
    }


@builtin(
    inputs=Inputs.MARGIN,
    aliases=("sigmoid_contrastive", "siglip_loss"),
    check=_check_siglip,
    origin="keras-hub",
)
def siglip(y_true: Any, y_pred: Any, logit_scale: float = 1.0, logit_bias: float = 0.0) -> Any:
    """Sigmoid (SigLIP) loss per row of an image-text logits matrix.

    The loss of SigLIP: every image-text pair of the batch is an independent binary
    classification, matched pairs (the diagonal) positive and the others negative, so no
    softmax over the batch is needed. ``y_pred`` is the logits matrix ``t * img @ txt.T + b``
    (the temperature ``t`` and bias ``b`` are usually learned by the model; ``logit_scale`` and
    ``logit_bias`` apply fixed ones to a plain similarity matrix)::

        z = where(y_true == 0, -1, y_true)                    (+1 matched, -1 not)
        logits = logit_scale * y_pred + logit_bias
        loss = sum(-log_sigmoid(z * logits), axis=-1)

    As keras-hub's ``SigLIPLoss``, the loss of a row is summed over its columns; the mean over
    rows (``sum_over_batch_size``) is the paper's loss, normalised by the batch size.

    Args:
        y_true: The pair labels, same shape as ``y_pred``: +1 for matched pairs, -1 (or 0)
            for the others, e.g. ``2 * eye(batch) - 1``.
        y_pred: The logits matrix, shape ``(batch, batch)`` (rows: images, columns: texts; any
            ``(..., n)`` works).
        logit_scale: A fixed factor applied to ``y_pred``. Default: 1.0.
        logit_bias: A fixed offset added to the scaled ``y_pred``. Default: 0.0.

    Returns:
        The loss per row, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = 2.0 * np.eye(2) - 1.0
        >>> y_pred = np.array([[2.0, -1.0], [0.5, 1.0]])
        >>> al.siglip(y_true, y_pred).round(4).tolist()
        [0.4402, 1.2873]

    Reference:
        Xiaohua Zhai, Basil Mustafa, Alexander Kolesnikov and Lucas Beyer, "Sigmoid Loss for
        Language Image Pre-Training", ICCV 2023, https://arxiv.org/abs/2303.15343;
        keras-hub's ``SigLIPLoss`` (``keras_hub/src/models/siglip/siglip_loss.py``).
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "siglip")
    z = xp.where(xp.equal(y_true, 0), -xp.ones_like(y_true), y_true)
    logits = logit_scale * y_pred + logit_bias
    return xp.sum(B.softplus(xp, -z * logits), axis=-1)


class SigLIP(BuiltinLoss, function=siglip):
    """Sigmoid (SigLIP) loss per row of an image-text logits matrix (see :func:`siglip`).

    Wraps :func:`siglip`: calling the loss computes it per row, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says; the default mean over
    rows is keras-hub's ``SigLIPLoss``.

    Args:
        logit_scale: A fixed factor applied to ``y_pred``. Default: 1.0.
        logit_bias: A fixed offset added to the scaled ``y_pred``. Default: 0.0.
        reduction: How the per-row values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            rows), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum of
            the weights) or ``"none"``/``None`` (the per-row values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"siglip"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = 2.0 * np.eye(2) - 1.0
        >>> y_pred = np.array([[2.0, -1.0], [0.5, 1.0]])
        >>> round(float(al.SigLIP()(y_true, y_pred)), 4)
        0.8638
    """

    logit_scale: float
    logit_bias: float

    def __init__(
        self,
        logit_scale: float = 1.0,
        logit_bias: float = 0.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "siglip",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            logit_scale=logit_scale,
            logit_bias=logit_bias,
        )
