"""Input preparation shared by the built-in loss formulas: ``y_pred`` in its compute dtype,
``y_true`` on its library, device and dtype, ranks aligned and shapes checked; integer labels."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.losses._reduction import check_same_shape, squeeze_or_expand_to_same_rank


def prepare(
    y_true: Any, y_pred: Any, loss: str, *, align: bool = True, same_shape: bool = True
) -> tuple[Any, Any, Any]:
    """``(xp, y_true, y_pred)``: ``y_pred`` as a float array in its compute dtype, ``y_true``
    converted to its library, device and dtype, ranks aligned and shapes checked."""
    xp, y_pred = B.prediction(y_pred)
    y_true = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
    if align:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred, xp)
    if same_shape:
        check_same_shape(y_true, y_pred, loss)
    return xp, y_true, y_pred


def _index_dtype(xp: Any) -> Any:
    # JAX without x64 has no int64 (it would warn and give int32 anyway).
    return xp.int32 if B.is_jax(xp) else xp.int64


def integer_labels(xp: Any, y_true: Any, ref: Any, arg: str = "y_true") -> Any:
    """``y_true`` as integer class indices on ``ref``'s library/device.

    Float labels must hold whole numbers (checked where value checks run, see
    ``backend._checks``): ``1.5`` is a bug, not a class.
    """
    y_true = B.like(y_true, ref, xp, arg=arg)
    if y_true.dtype == xp.bool:
        msg = f"`{arg}` must hold integer class indices, got a boolean array."
        raise TypeError(msg)
    if B.is_float_dtype(xp, y_true.dtype):
        B.check_whole_numbers(xp, y_true, arg)
    index = _index_dtype(xp)
    return y_true if y_true.dtype == index else xp.astype(y_true, index)
