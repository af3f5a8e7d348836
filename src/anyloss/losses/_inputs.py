"""Input preparation shared by the built-in loss functions."""

from __future__ import annotations

import operator
from typing import Any

from anyloss import backend as B
from anyloss.losses._reduction import check_same_shape, squeeze_or_expand_to_same_rank


def prepare(y_true: Any, y_pred: Any, loss: str, *, align: bool = True,
            same_shape: bool = True) -> tuple[Any, Any, Any]:
    """``(xp, y_true, y_pred)``: ``y_pred`` as a float array in its compute dtype, ``y_true``
    converted to its library, device and dtype, ranks aligned and shapes checked."""
    xp, y_pred = B.prediction(y_pred)
    y_true = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
    if align:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, xp)
    if same_shape:
        check_same_shape(y_true, y_pred, loss)
    return xp, y_true, y_pred


def normalize_axis(axis: Any, rank: int, arg: str = "axis") -> Any:
    """``axis`` as an int or tuple of non-negative ints (lists from JSON configs accepted).

    ``None`` stays ``None`` (reduce everything); out-of-range axes raise ``ValueError``.
    """
    if axis is None:
        return None
    if isinstance(axis, bool):
        msg = f"Argument `{arg}` must be an int or a tuple of ints, got the bool {axis!r}."
        raise TypeError(msg)
    many = isinstance(axis, (list, tuple))
    axes = tuple(axis) if many else (axis,)
    out = []
    for a in axes:
        try:
            a = operator.index(a)
        except TypeError:
            msg = f"Argument `{arg}` must be an int or a tuple of ints. Received: {arg}={axis!r}"
            raise TypeError(msg) from None
        if not -rank <= a < rank:
            msg = (f"Argument `{arg}`={axis!r} is out of range for inputs of rank {rank}. "
                   f"Use an axis in [{-rank}, {rank - 1}].")
            raise ValueError(msg)
        out.append(a % rank)
    return tuple(out) if many else out[0]


def check_probability(value: Any, arg: str, *, upper: float = 1.0,
                      open_upper: bool = False) -> None:
    """Raise unless ``0 <= value <= upper`` (or ``< upper``)."""
    bad = not isinstance(value, (int, float)) or isinstance(value, bool) or not (
        0 <= value < upper if open_upper else 0 <= value <= upper)
    if bad:
        bound = f"[0, {upper})" if open_upper else f"[0, {upper}]"
        msg = f"Argument `{arg}` must be a number in {bound}. Received: {arg}={value!r}"
        raise ValueError(msg)
