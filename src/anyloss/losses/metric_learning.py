"""Metric-learning losses on embeddings: circle loss."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_flag, check_number
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, MaskedValues, builtin
from anyloss.losses._prepare import integer_labels


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
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        eye = xp.eye(B.shape(y_pred)[0], B.shape(ref)[0], dtype=xp.bool, device=B.device_of(y_pred))
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
