"""``Loss`` and ``LossFunctionWrapper``: the Keras 3 pipeline, for every array library.

``loss(y_true, y_pred, sample_weight)`` converts the inputs to ``y_pred``'s library, device and
compute dtype, calls ``call`` for per-sample values, merges masks, then weights and reduces in
:func:`~anyloss.losses._reduction.reduce_weighted_values`.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from anyloss import backend as B
from anyloss._text import shown
from anyloss.losses._reduction import (
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)


class MaskedValues(NamedTuple):
    """Per-sample values with a validity mask: what ``call`` returns when some entries do not
    count (sparse CE's ``ignore_class``, circle loss). Reductions divide by the valid count."""

    values: Any
    mask: Any


def native_fast_path(fn: Any) -> Any:
    """Mark a built-in loss function as having native kernels (``backend._native``) under its
    name; a ``LossFunctionWrapper`` of it then reduces unweighted calls inside the kernel."""
    fn._native = fn.__name__
    return fn


def snake_case(name: str) -> str:
    """``"MyLoss"`` -> ``"my_loss"`` (Keras' default loss names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _dtype_name(dtype: Any) -> str | None:
    if dtype is None or isinstance(dtype, str):
        return dtype
    if isinstance(dtype, (list, tuple, dict, set)):
        return shown(dtype)  # not a dtype: refused by the check in Loss.__init__
    return getattr(dtype, "name", None) or str(dtype).rsplit(".", 1)[-1]


class Loss:
    """Base class: subclass it and implement ``call(y_true, y_pred)`` returning per-sample values.

    Args:
        name: the loss' name (default: the class name in snake case).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"``/``None``; tf-keras' ``"auto"`` means
            ``"sum_over_batch_size"``.
        dtype: compute dtype (e.g. ``"float64"``); default: ``y_pred``'s float dtype, never below
            float32.

    Calling ``loss(y_true, y_pred, sample_weight=None, mask=None)`` returns the reduced loss as
    an array of ``y_pred``'s library. A ``mask`` (or a ``_keras_mask`` attribute on ``y_pred``)
    removes entries from the loss and from the ``sum_over_batch_size`` count.
    """

    #: Built-ins that take integer labels set this, so ``y_true`` keeps its integer dtype.
    _integer_labels = False
    #: Name of the native kernel computing this loss with its reduction (see ``__call__``).
    _native: str | None = None
    _fn_kwargs: dict[str, Any] = {}  # noqa: RUF012 - never mutated; subclasses assign their own

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        if name is not None and not isinstance(name, str):
            msg = f"Argument `name` must be a string or None. Received: name={shown(name)}"
            raise TypeError(msg)
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = _dtype_name(dtype)
        if self.dtype is not None and self.dtype not in ("float16", "bfloat16", "float32",
                                                         "float64"):
            msg = (f"Invalid value for argument `dtype`: expected a float dtype name such as "
                   f"'float32' or 'float64'. Received: dtype={shown(dtype)}")
            raise ValueError(msg)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """Per-sample loss values (override in subclasses)."""
        msg = f"{type(self).__name__} must implement `call(self, y_true, y_pred)`."
        raise NotImplementedError(msg)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 mask: Any = None) -> Any:
        in_mask = getattr(y_pred, "_keras_mask", None)
        if (self._native is not None and sample_weight is None and mask is None
                and in_mask is None):
            # One fused kernel for the loss and its reduction, where y_pred's library has one.
            out = B.native(self._native, y_true, y_pred, self.reduction, self.dtype,
                           **self._fn_kwargs)
            if out is not None:
                return out
        xp, y_pred = B.prediction(y_pred)
        dtype = B.float_dtype(xp, self.dtype) if self.dtype is not None else y_pred.dtype
        y_pred = B.as_float(xp, y_pred, dtype)
        y_true = B.like(y_true, y_pred, xp)
        # Integer-label losses keep int (and bool, which they refuse) labels as they are.
        if not (self._integer_labels and (B.is_int_dtype(xp, y_true.dtype) or
                                          y_true.dtype == xp.bool)):
            y_true = B.as_float(xp, y_true, dtype)
        out = self.call(y_true, y_pred)
        out_mask = None
        if isinstance(out, MaskedValues):
            out, out_mask = out
        masks = [m for m in (in_mask, mask, out_mask) if m is not None]
        combined = None
        for m in masks:
            m = B.like(m, y_pred, xp, arg="mask")
            m = m if m.dtype == xp.bool else m != 0
            if combined is not None:
                combined, m = squeeze_or_expand_to_same_rank(combined, m, xp)
                if not _broadcastable(B.shape(combined), B.shape(m)):
                    msg = (f"`mask` of shape {B.shape(m)} does not match the per-sample loss "
                           f"of shape {B.shape(combined)}. Give one mask entry per sample "
                           f"(shape {B.shape(combined)[:1]}) or per loss element.")
                    raise ValueError(msg)
                m = combined & m
            combined = m
        return reduce_weighted_values(out, sample_weight, combined, self.reduction, dtype)

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument, JSON-safe (subclasses add their own)."""
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "fn")
        return f"{type(self).__name__}({args})"


def _broadcastable(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is None or y is None or 1 in (x, y) or x == y
                                    for x, y in zip(a, b))


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a per-sample function ``fn(y_true, y_pred, **fn_kwargs)``.

    Ranks are aligned first (``(N,)`` against ``(N, 1)`` gives ``(N, 1)`` twice), as Keras does.
    Subclassing it with ``super().__init__(fn, name=..., reduction=..., **fn_kwargs)`` is the
    usual way to give a custom function hyperparameters and a config.
    """

    def __init__(self, fn: Any, reduction: Any = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None, **fn_kwargs: Any) -> None:
        if not callable(fn):
            msg = (f"Argument `fn` of LossFunctionWrapper must be a callable "
                   f"`fn(y_true, y_pred)`. Received: fn={fn!r}")
            raise TypeError(msg)
        default = snake_case(type(self).__name__) if type(self) is not LossFunctionWrapper else (
            getattr(fn, "__name__", None) or "loss_function_wrapper")
        super().__init__(name=name or default, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = fn_kwargs
        # The kernel computes `fn`: only valid while `call` is anyloss' own.
        if type(self).call.__module__.startswith("anyloss."):
            self._native = getattr(fn, "_native", None)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        masked = getattr(self.fn, "_values_and_mask", None)
        if masked is not None:
            return MaskedValues(*masked(y_true, y_pred, **self._fn_kwargs))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        from anyloss.losses._registry import serialize

        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        if cls is LossFunctionWrapper:
            from anyloss.losses._registry import deserialize

            config = dict(config)
            if "fn" not in config:
                msg = "A LossFunctionWrapper config needs the key 'fn' naming the loss function."
                raise ValueError(msg)
            config["fn"] = deserialize(config["fn"])
            return cls(**config)
        return cls(**config)
