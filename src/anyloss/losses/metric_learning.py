"""Metric-learning losses on embeddings: circle loss."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.losses._base import LossFunctionWrapper
from anyloss.losses._inputs import check_flag, check_number
from anyloss.losses.probabilistic import integer_labels


def _circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
            remove_diagonal: bool = True, gamma: float = 80.0,
            margin: float = 0.4) -> tuple[Any, Any]:
    """Circle loss values and the mask of rows with a positive loss."""
    gamma, margin = _check_gamma_margin(gamma, margin)
    remove_diagonal = check_flag(remove_diagonal, "remove_diagonal")
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 2:
        msg = ("circle: `y_pred` must be L2-normalised embeddings of shape (batch, dim). "
               f"Received: y_pred.shape={B.shape(y_pred)}")
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    labels = xp.reshape(labels, (-1,))
    ref = y_pred if ref_embeddings is None else B.like(ref_embeddings, y_pred, xp,
                                                        dtype=y_pred.dtype, arg="ref_embeddings")
    if B.ndim(ref) != 2 or B.shape(ref)[1] != B.shape(y_pred)[1]:
        msg = (f"circle: `ref_embeddings` must have shape (num_refs, {B.shape(y_pred)[1]}) to "
               f"match y_pred.shape={B.shape(y_pred)}. Received: ref_embeddings.shape="
               f"{B.shape(ref)}. Embed the references with the same model.")
        raise ValueError(msg)
    ref_labels = labels if ref_labels is None else xp.reshape(
        integer_labels(xp, ref_labels, y_pred, "ref_labels"), (-1,))
    if B.shape(labels)[0] != B.shape(y_pred)[0] or B.shape(ref_labels)[0] != B.shape(ref)[0]:
        msg = (f"circle: `y_true` and `ref_labels` need one label per embedding; got "
               f"{B.shape(labels)[0]} labels (y_true.shape={true_shape}) for "
               f"{B.shape(y_pred)[0]} embeddings and "
               f"{B.shape(ref_labels)[0]} reference labels for {B.shape(ref)[0]} reference "
               "embeddings. Pass one integer label per row of y_pred (and of ref_embeddings).")
        raise ValueError(msg)
    if B.shape(y_pred)[0] == 0:
        # An empty batch has no pairs, so no loss (log-sum-exp over no pairs is undefined).
        values = xp.sum(y_pred, axis=1)
        return values, values > 0
    # Pairwise cosine distance of (assumed L2-normalised) embeddings.
    distance = xp.clip(1.0 - xp.matmul(y_pred, xp.permute_dims(ref, (1, 0))), 0.0, None)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        eye = xp.eye(B.shape(y_pred)[0], B.shape(ref)[0], dtype=xp.bool,
                     device=B.device_of(y_pred))
        positive = positive & ~eye
    pos_weight = xp.clip((margin + distance) * xp.astype(positive, distance.dtype), 0.0, None)
    neg_weight = xp.clip((1.0 + margin - distance) * xp.astype(negative, distance.dtype), 0.0,
                         None)
    neg_inf = xp.full_like(distance, -xp.inf)
    pos_term = xp.where(positive, -gamma * pos_weight * (margin - distance), neg_inf)
    neg_term = xp.where(negative, gamma * neg_weight * (1.0 - margin - distance), neg_inf)
    values = B.softplus(xp, B.logsumexp(xp, pos_term, axis=1) + B.logsumexp(xp, neg_term, axis=1))
    return values, values > 0


def _check_gamma_margin(gamma: Any, margin: Any) -> tuple[float, float]:
    return (check_number(gamma, "gamma", minimum=0.0, open_minimum=True, owner="circle"),
            check_number(margin, "margin", owner="circle"))


def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80.0, margin: float = 0.4) -> Any:
    """Circle loss per embedding.

    With cosine distances ``d`` to the reference embeddings (default: the batch),
    ``p = logsumexp(-gamma w_p (margin - d))`` over positives, ``n = logsumexp(gamma w_n
    (1 - margin - d))`` over negatives, ``w_p = max(margin + d, 0)``, ``w_n = max(1 + margin -
    d, 0)``; ``loss = softplus(p + n)``. ``Circle`` averages over rows with a positive loss.

    Reference: Sun et al., "Circle Loss" (CVPR 2020), https://arxiv.org/abs/2002.10857
    """
    return _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin)[0]


circle._values_and_mask = _circle  # type: ignore[attr-defined]


class Circle(LossFunctionWrapper):
    """Circle loss. See :func:`circle`; the mean is over rows with a positive loss (Keras)."""

    _integer_labels = True

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: Any = "sum_over_batch_size", name: str = "circle",
                 dtype: Any = None) -> None:
        _check_gamma_margin(gamma, margin)
        check_flag(remove_diagonal, "remove_diagonal")
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal
