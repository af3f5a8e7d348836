"""Warnings for the classic cross-entropy mistakes, read from the inputs' values.

Logits passed with ``from_logits=False``, probabilities with ``from_logits=True``, -1/1 labels
into binary cross-entropy, and categorical cross-entropy called ``(y_pred, y_true)``: each
trains without an error, to a worse model. Where values are readable under the value-check
policy (``backend/_checks.py``: arrays in host memory, outside ``torch.compile``/``jax.jit``,
never on Dask or an accelerator), the first call looks at them with one min/max reduction and
warns with a :class:`LossInputWarning` naming the fix. A loss object warns once; a function
warns with a stable message, so Python's default filter shows it once per call site.

Sparse cross-entropy called in PyTorch's order ``(logits, labels)`` raises a ``ValueError``
saying so: that check reads shapes only, so it runs everywhere.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from anyloss import backend as B


class LossInputWarning(UserWarning):
    """Loss inputs that look like a classic mistake (logits with ``from_logits=False``,
    probabilities with ``from_logits=True``, -1/1 labels into binary cross-entropy, swapped
    arguments). Silence it with ``warnings.filterwarnings("ignore",
    category=anyloss.LossInputWarning)``."""


#: ``inspect(y_true, y_pred, arguments, loss) -> message or None``.
Inspector = Callable[[Any, Any, Mapping[str, Any], str], "str | None"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Rows of probabilities sum to 1 within this (float16 softmax sums are within 1e-3).
_SUM_TOLERANCE = 2e-3


def warn(message: str) -> None:
    """Warn at the first frame outside anyloss (the user's call)."""
    level, frame = 2, sys._getframe(1)  # stacklevel=2 is the caller of `warn`
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back  # type: ignore[assignment]
    warnings.warn(message, LossInputWarning, stacklevel=level)


def _readable(x: Any) -> bool:
    """A non-empty real array whose values checks may read (other inputs: the formula decides,
    and raises its own errors)."""
    if not (B.is_array(x) and B.checks_apply(x)) or 0 in tuple(x.shape):
        return False
    try:
        return bool(B.namespace(x).isdtype(x.dtype, ("real floating", "integral")))
    except (TypeError, ValueError, AttributeError):  # strings, objects, ml_dtypes
        return False


def _min_max(x: Any) -> tuple[float, float]:
    low, high = B.min_max(B.namespace(x), x)
    return float(low), float(high)


def _one_hot_like(x: Any) -> bool:
    """Every value 0 or 1."""
    xp = B.namespace(x)
    return not bool(xp.any(xp.not_equal(x, 0) & xp.not_equal(x, 1)))


def _rows_sum_to_one(x: Any, axis: int) -> bool:
    xp = B.namespace(x)
    x = B.stop_gradient(xp, x)  # a check reads values; it is no part of the graph
    x = x if B.is_float_dtype(xp, x.dtype) else xp.astype(x, xp.float32)
    return float(xp.max(xp.abs(xp.sum(x, axis=axis) - 1.0))) <= _SUM_TOLERANCE


def _logits(loss: str) -> str:
    return (
        f"In loss {loss}, expected y_pred to hold probabilities in [0, 1] (from_logits=False), "
        "but it holds values outside [0, 1]: these look like logits: pass from_logits=True."
    )


def _probabilities(loss: str, rows: bool) -> str:
    what = "rows of probabilities summing to 1" if rows else "probabilities in [0, 1]"
    return (
        f"In loss {loss}, expected y_pred to hold logits (from_logits=True), but it holds "
        f"{what}: these look like probabilities: pass from_logits=False, or the model's "
        "output before its softmax/sigmoid."
    )


def binary(y_true: Any, y_pred: Any, arguments: Mapping[str, Any], loss: str) -> str | None:
    """Binary CE (and focal): logits/probabilities against ``from_logits``; -1/1 labels."""
    if not _readable(y_pred):
        return None
    low, high = _min_max(y_pred)
    if not arguments["from_logits"] and low < 0.0:  # non-negative scores are renormalised
        return _logits(loss)
    if (
        arguments["from_logits"]
        and low >= 0.0
        and high <= 1.0
        and not _one_hot_like(y_pred)  # all 0s and 1s: zeros are common placeholder logits
    ):
        return _probabilities(loss, rows=False)
    if _readable(y_true) and _min_max(y_true)[0] < 0.0:
        return (
            f"In loss {loss}, expected y_true to hold 0/1 labels (or probabilities in [0, 1]), "
            "but it holds negative values, like -1/1 labels: map them to 0/1 with "
            "(y_true + 1) / 2, or use Hinge or SquaredHinge for -1/1 labels."
        )
    return None


def categorical(y_true: Any, y_pred: Any, arguments: Mapping[str, Any], loss: str) -> str | None:
    """Categorical CE (and focal): logits/probabilities against ``from_logits``; swapped
    arguments (a one-hot ``y_pred`` with a ``y_true`` that is not)."""
    if not _readable(y_pred):
        return None
    axis = arguments["axis"]
    low, high = _min_max(y_pred)
    if low == 0.0 and high == 1.0 and _readable(y_true) and _one_hot_like(y_pred):
        if not _one_hot_like(y_true):
            return (
                f"In loss {loss}, y_pred is one-hot and y_true is not: the arguments look "
                "swapped. Call loss(y_true, y_pred): targets first, then predictions "
                "(PyTorch's losses take them the other way round)."
            )
        return None  # one-hot both: a perfect prediction
    # Keras renormalises non-negative scores (unnormalised probabilities are valid input):
    # only a negative value cannot be a probability.
    if not arguments["from_logits"] and low < 0.0:
        return _logits(loss)
    if arguments["from_logits"] and low >= 0.0 and high <= 1.0 and _rows_sum_to_one(y_pred, axis):
        return _probabilities(loss, rows=True)
    return None


def sparse(y_true: Any, y_pred: Any, arguments: Mapping[str, Any], loss: str) -> str | None:
    """Sparse CE: logits/probabilities against ``from_logits`` (the swapped order raises in
    :func:`check_sparse_order`)."""
    check_sparse_order(y_true, y_pred, loss)
    if not _readable(y_pred):
        return None
    low, high = _min_max(y_pred)
    if not arguments["from_logits"] and low < 0.0:  # non-negative scores are renormalised
        return _logits(loss)
    if (
        arguments["from_logits"]
        and low >= 0.0
        and high <= 1.0
        and _rows_sum_to_one(y_pred, arguments["axis"])
    ):
        return _probabilities(loss, rows=True)
    return None


def log_probabilities(
    y_true: Any, y_pred: Any, arguments: Mapping[str, Any], loss: str
) -> str | None:
    """KL divergence of log-probabilities (``kl_div``): probabilities (or logits) where
    log-probabilities are expected; log-probabilities as targets without ``log_target``."""
    if not arguments["generalized"] and _readable(y_pred) and _min_max(y_pred)[1] > _SUM_TOLERANCE:
        return (
            f"In loss {loss}, expected y_pred to hold log-probabilities (<= 0), but it holds "
            "positive values, like probabilities or logits: pass log-probabilities (e.g. "
            "log_softmax(logits)), or use kl_divergence for probabilities."
        )
    if not arguments["log_target"] and _readable(y_true) and _min_max(y_true)[0] < 0.0:
        return (
            f"In loss {loss}, expected y_true to hold probabilities, but it holds negative "
            "values, like log-probabilities: pass log_target=True for log-probability targets."
        )
    return None


def check_sparse_order(y_true: Any, y_pred: Any, loss: str) -> None:
    """``ValueError`` for PyTorch's order ``(logits, labels)``: float ``y_true`` of shape
    ``y_pred.shape + (classes,)`` (shapes only: runs everywhere, also while tracing)."""
    if not (B.is_array(y_true) and B.is_array(y_pred)):
        return
    true_shape, pred_shape = B.shape(y_true), B.shape(y_pred)
    if (
        len(true_shape) == len(pred_shape) + 1
        and true_shape[:-1] == pred_shape
        and (true_shape[-1] or 0) > 1
        and B.is_float_dtype(B.namespace(y_true), y_true.dtype)
    ):
        msg = (
            f"In loss {loss}, got float y_true of shape {true_shape} and y_pred of shape "
            f"{pred_shape}: the arguments look swapped (y_true takes the integer labels, here "
            f"of shape {pred_shape}; y_pred the class scores, of shape {true_shape}). Call "
            "loss(labels, logits): labels first (PyTorch's cross_entropy takes "
            "(logits, labels))."
        )
        raise ValueError(msg)
