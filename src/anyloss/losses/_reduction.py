"""Rank alignment, sample weights, masks and reductions: the one place they live.

Keras 3 semantics (``keras/src/losses/loss.py``), with two deliberate changes (see
``docs/keras-differences.md``):

- D4: a sample weight with fewer axes than the per-sample loss broadcasts over the trailing
  axes (``(batch,)`` weights on ``(batch, time)`` losses weight each row);
  ``mean_with_sample_weight`` divides by the sum of the *broadcast* weights. Shapes that do not
  broadcast raise ``ValueError``; Keras errors or silently weights the wrong axis.
- D14: tf-keras' ``"auto"`` is accepted and means ``"sum_over_batch_size"``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from anyloss import backend as B
from anyloss._text import shown


class Reduction(str, enum.Enum):
    """How a loss reduces its per-sample values (strings are accepted wherever this is).

    A ``str`` enum, so ``Reduction.SUM == "sum"``; ``reduction=`` arguments take either form
    and store the string.

    Members:
        NONE: ``"none"``: the per-sample values, unreduced (``None`` means the same).
        SUM: ``"sum"``: their (weighted) sum.
        SUM_OVER_BATCH_SIZE: ``"sum_over_batch_size"`` (the default): the weighted sum divided
            by the number of entries (masked entries excluded).
        MEAN: ``"mean"``: the same as ``"sum_over_batch_size"``.
        MEAN_WITH_SAMPLE_WEIGHT: ``"mean_with_sample_weight"``: the weighted sum divided by the
            sum of the weights.
        AUTO: ``"auto"``: tf-keras' default, read as ``"sum_over_batch_size"`` (D14 in
            ``docs/keras-differences.md``).

    Example:
        >>> import anyloss as al
        >>> al.Reduction.SUM == "sum"
        True
        >>> al.MeanSquaredError(reduction=al.Reduction.SUM).reduction
        'sum'
        >>> al.MeanSquaredError(reduction="auto").reduction
        'sum_over_batch_size'
    """

    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    MEAN = "mean"
    MEAN_WITH_SAMPLE_WEIGHT = "mean_with_sample_weight"
    AUTO = "auto"

    def __str__(self) -> str:
        return self.value


_VALID = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None, "auto")


def standardize_reduction(reduction: Any) -> str:
    """The canonical string of a reduction; ``ValueError`` listing the valid ones otherwise."""
    if isinstance(reduction, Reduction):
        reduction = reduction.value
    if reduction is None or reduction == "none":
        return "none"
    if reduction == "auto":
        return "sum_over_batch_size"
    if isinstance(reduction, str) and reduction in _VALID:
        return reduction
    msg = (
        f"Invalid value for argument `reduction`. Expected one of {list(_VALID)}. "
        f"Received: reduction={shown(reduction)}"
    )
    raise ValueError(msg)


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, xp: Any = None) -> tuple[Any, Any]:
    """Keras' rank fix-up: ``(N,)`` against ``(N, 1)`` becomes ``(N, 1)`` against ``(N, 1)``.

    When the ranks differ by one and the longer one ends in a size-1 axis, a rank-1 partner is
    expanded, otherwise that axis is squeezed. Anything else is left for the shape check.
    """
    r1, r2 = B.ndim(x1), B.ndim(x2)
    if r1 == r2:
        return x1, x2
    xp = xp or B.namespace(x2)
    if r1 == r2 + 1 and B.shape(x1)[-1] == 1:
        return (x1, xp.expand_dims(x2, axis=-1)) if r2 == 1 else (xp.squeeze(x1, axis=-1), x2)
    if r2 == r1 + 1 and B.shape(x2)[-1] == 1:
        return (xp.expand_dims(x1, axis=-1), x2) if r1 == 1 else (x1, xp.squeeze(x2, axis=-1))
    return x1, x2


def check_same_shape(y_true: Any, y_pred: Any, loss: str) -> None:
    """Raise unless the (rank-aligned) shapes are equal: never a silent broadcast."""
    st, sp = B.shape(y_true), B.shape(y_pred)
    if st == sp:  # the common case, without the per-axis scan
        return
    if len(st) == len(sp) and all(
        a is None or b is None or a == b for a, b in zip(st, sp, strict=True)
    ):
        return
    msg = (
        f"{loss}: `y_true` and `y_pred` must have the same shape, got y_true.shape={st} and "
        f"y_pred.shape={sp}. They would broadcast to a wrong answer. Reshape `y_true` to "
        f"{sp} (e.g. one-hot or reshape your labels), or use a sparse loss for integer labels."
    )
    raise ValueError(msg)


def _broadcast_weights(xp: Any, weights: Any, values: Any, arg: str) -> Any:
    """``weights`` broadcast to ``values``' shape, aligned from the left (D4)."""
    ws, vs = B.shape(weights), B.shape(values)
    # Trailing size-1 axes beyond the loss rank: Keras' (N, 1) weights for (N,) losses.
    while len(ws) > len(vs) and ws[-1] == 1:
        weights = xp.squeeze(weights, axis=-1)
        ws = ws[:-1]
    if len(ws) < len(vs):
        weights = (
            xp.reshape(weights, ws + (1,) * (len(vs) - len(ws)))
            if all(d is not None for d in ws)
            else weights[(...,) + (None,) * (len(vs) - len(ws))]
        )
        ws = B.shape(weights)
    ok = len(ws) == len(vs) and all(
        w is None or v is None or w in (1, v) for w, v in zip(ws, vs, strict=True)
    )
    if not ok:
        msg = (
            f"`{arg}` of shape {B.shape(weights) if len(ws) == len(vs) else ws} does not match "
            f"the per-sample loss of shape {vs}. Give one weight per sample (shape {vs[:1]}), "
            f"one per loss element (shape {vs}), or a scalar."
        )
        raise ValueError(msg)
    if ws != vs and all(d is not None for d in vs):
        weights = xp.broadcast_to(weights, vs)
    return weights


def reduce_weighted_values(
    values: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: str = "sum_over_batch_size",
    dtype: Any = None,
) -> Any:
    """Apply ``mask`` and ``sample_weight`` to per-sample ``values``, then ``reduction``.

    ``sum_over_batch_size``/``mean`` divide by the element count (zero-weight samples count, as
    in Keras); masked entries are excluded from that count. ``mean_with_sample_weight`` divides
    by the sum of the (broadcast, masked) weights. All divisions are ``divide_no_nan``, so a fully
    masked batch gives 0 (D5). Scalar and empty values pass through unreduced (Keras). Weights
    and masks with fewer axes than ``values`` broadcast over the trailing axes (D4). ``Dn``
    codes refer to ``docs/keras-differences.md``.

    Args:
        values: per-sample loss values, an array of any supported library, e.g. ``(batch,)``.
        sample_weight: ``None``, a scalar, or weights whose shape broadcasts against ``values``
            from the left (e.g. ``(batch,)`` for ``(batch, time)`` values). Default ``None``.
        mask: ``None``, or a boolean (or 0/1) array broadcasting like ``sample_weight``; false
            entries count neither in the loss nor in the mean. Default ``None``.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"``/``None`` or ``"auto"``, or a
            :class:`Reduction`.
        dtype: the dtype to compute in; default ``values``' float dtype, at least float32.

    Returns:
        A 0-d array of ``values``' library, or the weighted values themselves with
        ``reduction="none"`` (and for scalar or empty ``values``).

    Raises:
        ValueError: an unknown ``reduction``, or a ``sample_weight``/``mask`` whose shape does
            not broadcast against ``values``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> values = np.array([1.0, 2.0, 3.0, 4.0])
        >>> weights = np.array([1.0, 1.0, 0.0, 0.0])
        >>> float(al.reduce_weighted_values(values))
        2.5
        >>> float(al.reduce_weighted_values(values, weights))  # (1 + 2) / 4
        0.75
        >>> float(al.reduce_weighted_values(values, weights, reduction="mean_with_sample_weight"))
        1.5
        >>> float(al.reduce_weighted_values(values, mask=np.array([True, True, False, False])))
        1.5
        >>> float(al.reduce_weighted_values(values, reduction="sum"))
        10.0
        >>> al.reduce_weighted_values(values, weights, reduction="none").tolist()
        [1.0, 2.0, 0.0, 0.0]
    """
    xp = B.namespace(values)
    reduction = standardize_reduction(reduction)
    values, sample_weight, mask = _aligned(xp, values, sample_weight, mask, dtype)
    if mask is not None:
        if reduction in ("sum_over_batch_size", "mean"):
            # Weight valid entries by total/valid, so "divide by the element count" below
            # divides by the number of valid entries.
            count = _count(xp, values)
            if not isinstance(count, int) or count:  # an empty loss stays empty below
                mask = mask * B.divide_no_nan(xp, count, xp.sum(mask))
        sample_weight = mask if sample_weight is None else sample_weight * mask
    if sample_weight is not None:
        values = values * sample_weight
    if reduction == "none" or B.ndim(values) == 0 or B.shape(values) == (0,):
        return values
    if reduction == "sum":
        return xp.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return B.divide_no_nan(xp, xp.sum(values), xp.sum(sample_weight))
    count = _count(xp, values)
    if isinstance(count, int):
        # A known element count: sum / count is the mean, one kernel and one autograd node
        # (no device array per call); no elements (e.g. shape (0, 3)) give 0, as
        # divide_no_nan would.
        return xp.mean(values) if count else xp.sum(values)
    return B.divide_no_nan(xp, xp.sum(values), count)


def _aligned(
    xp: Any, values: Any, sample_weight: Any, mask: Any, dtype: Any
) -> tuple[Any, Any, Any]:
    """``values`` as floats, and ``sample_weight`` and ``mask`` converted to their library and
    dtype and broadcast against them (D4); ``None`` stays ``None``."""
    values = B.as_float(xp, values, dtype)
    dtype = values.dtype
    if sample_weight is not None:
        sample_weight = B.like(sample_weight, values, xp, dtype=dtype, arg="sample_weight")
        if B.ndim(values) == 0:
            # Keras: a scalar loss is broadcast against the weights (its per-sample meaning is
            # lost; check_loss warns about it, D12).
            values = values * xp.ones_like(sample_weight)
        else:
            sample_weight = _broadcast_weights(xp, sample_weight, values, "sample_weight")
    if mask is not None:
        mask = _broadcast_weights(
            xp, B.like(mask, values, xp, dtype=dtype, arg="mask"), values, "mask"
        )
    return values, sample_weight, mask


def _count(xp: Any, x: Any) -> Any:
    """The number of elements of ``x``: an int, or a lazy 0-d array for unknown Dask sizes."""
    n = 1
    for d in B.shape(x):
        if d is None:  # Dask with unknown chunks
            return xp.sum(xp.ones_like(x))
        n *= d
    return n


@dataclass(frozen=True)
class LossParts:
    """A reduced loss as ``total / count``: what a reduction across processes adds up.

    ``total`` is the weighted, masked sum of the per-sample values and ``count`` what the
    reduction divides it by: the number of (unmasked) entries for ``"sum_over_batch_size"``,
    the sum of the weights for ``"mean_with_sample_weight"``, ``None`` for ``"sum"``. Summing
    both over the shards of a batch (ranks, devices, accumulation steps) and dividing gives
    the loss of the whole batch, which a mean of per-shard means does not.

    Attributes:
        total: the weighted sum, a 0-d array of the values' library (carries the gradient).
        count: the denominator: a Python ``int`` when it is known from shapes alone (no
            weights, no masks), a 0-d array when it depends on the data, ``None`` for sums.
        reduction: the canonical reduction string.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> parts = al.reduction_parts(np.array([1.0, 2.0, 3.0]), mask=np.array([1, 1, 0]))
        >>> float(parts.total), float(parts.count), float(parts.value())
        (3.0, 2.0, 1.5)
        >>> float(sum([parts, al.reduction_parts(np.array([5.0]))]).value())  # (3 + 5) / 3
        2.6666666666666665
    """

    total: Any
    count: Any
    reduction: str

    def __add__(self, other: Any) -> LossParts:
        """The parts of two shards together (``sum(parts)`` works too): totals and counts add."""
        if isinstance(other, int) and other == 0:  # sum()'s start value
            return self
        if not isinstance(other, LossParts):
            return NotImplemented
        if (self.count is None) != (other.count is None):
            msg = (
                f"Cannot add LossParts of a sum ('sum') and of a mean ({self.reduction!r} + "
                f"{other.reduction!r}): their shards must share the reduction."
            )
            raise ValueError(msg)
        count = None if self.count is None else self.count + other.count
        return LossParts(self.total + other.total, count, self.reduction)

    __radd__ = __add__

    def value(self) -> Any:
        """The reduced loss of this shard alone: ``total / count`` (0 when ``count`` is 0)."""
        if self.count is None:
            return self.total
        xp = B.namespace(self.total)
        if isinstance(self.count, int):
            return self.total / self.count if self.count else self.total
        return B.divide_no_nan(xp, self.total, self.count)


def reduction_parts(
    values: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: str = "sum_over_batch_size",
    dtype: Any = None,
) -> LossParts:
    """The numerator and denominator of :func:`reduce_weighted_values`, kept apart.

    ``reduction_parts(...).value()`` equals ``reduce_weighted_values(...)`` for the same
    arguments; the parts add up across shards of a batch, so that ``sum(totals) /
    sum(counts)`` is the loss of the whole batch (``anyloss.distributed.global_loss`` does it
    across processes and devices).

    Formula::

        total = sum(values * sample_weight * mask)
        count = sum(mask)                     "sum_over_batch_size", "mean" (size if no mask)
              = sum(sample_weight * mask)     "mean_with_sample_weight" (with weights)
              = None                          "sum"

    Args:
        values: per-sample loss values, e.g. ``(batch,)``; a 0-d value counts as one entry.
        sample_weight: as in :func:`reduce_weighted_values`. Default ``None``.
        mask: as in :func:`reduce_weighted_values`. Default ``None``.
        reduction: any reduction but ``"none"``. Default ``"sum_over_batch_size"``.
        dtype: the dtype to compute in; default ``values``' float dtype, at least float32.

    Returns:
        A :class:`LossParts`.

    Raises:
        ValueError: ``reduction="none"`` (nothing to normalise), an unknown reduction, or
            weights/masks whose shape does not broadcast against ``values``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> values, weights = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 0.0, 2.0])
        >>> a = al.reduction_parts(values[:2], weights[:2], reduction="mean_with_sample_weight")
        >>> b = al.reduction_parts(values[2:], weights[2:], reduction="mean_with_sample_weight")
        >>> float((a.total + b.total) / (a.count + b.count))  # (1 + 2 + 8) / 4
        2.75
    """
    reduction = standardize_reduction(reduction)
    if reduction == "none":
        msg = (
            "reduction='none' keeps one value per sample: there is no total to normalise "
            "across shards. Use 'sum_over_batch_size', 'mean_with_sample_weight' or 'sum'."
        )
        raise ValueError(msg)
    xp = B.namespace(values)
    values, weight, mask = _aligned(xp, values, sample_weight, mask, dtype)
    if mask is not None:
        weight = mask if weight is None else weight * mask
    total = xp.sum(values * weight) if weight is not None else xp.sum(values)
    if reduction == "sum":
        return LossParts(total, None, reduction)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        assert weight is not None
        return LossParts(total, xp.sum(weight), reduction)
    if mask is not None:
        count = xp.sum(mask)
        if B.ndim(values) == 0 or B.shape(mask) != B.shape(values):
            count = xp.sum(mask * xp.ones_like(values))
        return LossParts(total, count, reduction)
    return LossParts(total, _count(xp, values) if B.ndim(values) else 1, reduction)
