"""``Loss`` and ``LossFunctionWrapper``: the Keras 3 pipeline, for every array library.

``loss(y_true, y_pred, sample_weight)`` converts the inputs to ``y_pred``'s library, device and
compute dtype, calls ``call`` for per-sample values, merges masks, then weights and reduces in
:func:`~anyloss.losses._reduction.reduce_weighted_values`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from anyloss import backend as B
from anyloss._text import shown
from anyloss.losses import _names
from anyloss.losses._builtin import CLASSES, Builtin, MaskedValues, bind_class, declaration_of
from anyloss.losses._reduction import (
    LossParts,
    reduce_weighted_values,
    reduction_parts,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)


def snake_case(name: str) -> str:
    """``"MyLoss"`` -> ``"my_loss"`` (Keras' default loss names)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


#: How many calls of a loss object look for classic input mistakes (``_mistakes.py``).
_INSPECTED_CALLS = 8

#: Keras' mixed-precision policies: the compute dtype is the loss' dtype.
_POLICIES = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def _dtype_name(dtype: Any) -> str | None:
    """The compute dtype's name of a dtype, a dtype name, a Keras dtype policy (its name, a
    ``keras.DTypePolicy`` or anything with a string ``compute_dtype``, or a policy config
    ``{"config": {"name": ...}}`` as ``deserialize`` takes it)."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        return _POLICIES.get(dtype, dtype)
    if isinstance(dtype, dict):
        inner = dtype.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
        return _dtype_name(name) if isinstance(name, str) else shown(dtype)
    if isinstance(dtype, (list, tuple, set)):
        return shown(dtype)  # not a dtype: refused by the check in Loss.__init__
    if isinstance(dtype, type):  # np.float64, ml_dtypes.bfloat16
        try:
            return np.dtype(dtype).name
        except TypeError:
            return dtype.__name__
    compute = getattr(dtype, "compute_dtype", None)  # a keras.DTypePolicy
    if isinstance(compute, str):
        return compute
    name = getattr(dtype, "name", None)
    return _dtype_name(name) if isinstance(name, str) else str(dtype).rsplit(".", 1)[-1]


class Loss:
    """Base class of every loss: the Keras 3 ``Loss`` pipeline, for every array library.

    To write a loss, subclass it and implement ``call(y_true, y_pred)`` returning one value per
    sample (e.g. shape ``(batch,)``), computed with operations that work on the arrays you pass
    (``anyloss.ops`` work on every library). Hyperparameters go to ``__init__``, which passes
    ``name``, ``reduction`` and ``dtype`` on to ``super().__init__``; override
    :meth:`get_config` to add them to the config. For a plain function
    ``fn(y_true, y_pred, **kwargs)``, :class:`LossFunctionWrapper` does all of this.

    Calling ``loss(y_true, y_pred, sample_weight=None, mask=None)`` converts both inputs to
    ``y_pred``'s library, device and compute dtype, runs ``call``, multiplies the per-sample
    values by ``sample_weight`` (broadcast over trailing axes, D4 in
    ``docs/keras-differences.md``), removes the entries where ``mask`` (or a ``_keras_mask``
    attribute on ``y_pred``) is false from the loss and from the ``sum_over_batch_size`` count,
    and applies the reduction.

    Args:
        name: the loss' name (default: the class name in snake case).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"``/``None``; tf-keras' ``"auto"`` means
            ``"sum_over_batch_size"``.
        dtype: compute dtype (e.g. ``"float64"``); default: ``y_pred``'s float dtype, never below
            float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> class MeanAbsolute(al.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)
        >>> loss = MeanAbsolute()
        >>> loss.name
        'mean_absolute'
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.5, 1.0], [0.0, 0.0]])
        >>> round(float(loss(y_true, y_pred)), 4)  # mean of the per-sample [0.25, 1.0]
        0.625
        >>> round(float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))), 4)
        0.125
        >>> round(float(loss(y_true, y_pred, mask=np.array([True, False]))), 4)
        0.25
        >>> MeanAbsolute(reduction="none")(y_true, y_pred).tolist()
        [0.25, 1.0]
    """

    #: Built-ins that take integer labels set this, so ``y_true`` keeps its integer dtype.
    _integer_labels: ClassVar[bool] = False

    def __init__(
        self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None
    ) -> None:
        if name is not None and not isinstance(name, str):
            msg = f"Argument `name` must be a string or None. Received: name={shown(name)}"
            raise TypeError(msg)
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype)
        if self._dtype is not None and self._dtype not in (
            "float16",
            "bfloat16",
            "float32",
            "float64",
        ):
            msg = (
                f"Invalid value for argument `dtype`: expected a float dtype name such as "
                f"'float32' or 'float64', or a Keras dtype policy such as 'mixed_float16'. "
                f"Received: dtype={shown(dtype)}"
            )
            raise ValueError(msg)

    @property
    def dtype(self) -> str | None:
        """The compute dtype's name (``None``: ``y_pred``'s float dtype, never below float32).

        Read-only, as in Keras: build a new loss with ``dtype=...`` to change it."""
        return self._dtype

    def to(self, *args: Any, **kwargs: Any) -> Loss:
        """The loss itself, for PyTorch code that writes ``criterion.to(device)``.

        A loss holds no tensors: it computes on ``y_pred``'s device and in its compute dtype
        (``dtype=`` sets that), so there is nothing to move or cast."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Loss:
        """The loss itself (see :meth:`to`: it follows ``y_pred``'s device)."""
        return self

    def cpu(self) -> Loss:
        """The loss itself (see :meth:`to`: it follows ``y_pred``'s device)."""
        return self

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """Per-sample loss values (override in subclasses)."""
        msg = f"{type(self).__name__} must implement `call(self, y_true, y_pred)`."
        raise NotImplementedError(msg)

    def __call__(
        self, y_true: Any, y_pred: Any, sample_weight: Any = None, mask: Any = None
    ) -> Any:
        """The reduced loss of a batch.

        Args:
            y_true: targets: an array of any library, a list or a scalar; converted to ``y_pred``'s
                library, device and compute dtype (integer labels of sparse losses stay integers).
            y_pred: predictions; their library is the result's.
            sample_weight: ``None``, a scalar, one weight per sample (shape ``(batch,)``, broadcast
                over trailing axes) or one per loss entry. Zero-weight samples still count in the
                ``sum_over_batch_size`` mean, as in Keras.
            mask: ``None``, or a boolean (or 0/1) array with one entry per sample or per loss
                entry; masked-out entries count neither in the loss nor in the mean. Combined with
                ``y_pred._keras_mask`` and masks returned by ``call``.

        Returns:
            The reduced loss, a 0-d array of ``y_pred``'s library (the per-sample values with
            ``reduction="none"``).

        Raises:
            ValueError: shapes of ``sample_weight`` or ``mask`` that do not match the per-sample
                loss, or inputs the loss refuses.
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        if sample_weight is None and mask is None and in_mask is None:
            out = self.fused(y_true, y_pred)
            if out is not None:
                return out
        xp, out, combined, dtype, result_dtype = self._per_sample(y_true, y_pred, mask, in_mask)
        out = reduce_weighted_values(out, sample_weight, combined, self.reduction, dtype)
        return out if result_dtype is None else xp.astype(out, result_dtype)

    def parts(
        self, y_true: Any, y_pred: Any, sample_weight: Any = None, mask: Any = None
    ) -> LossParts:
        """The batch's loss as ``total / count``, kept apart so shards of a batch add up.

        Takes the arguments of ``__call__``; ``parts(...).value()`` equals ``__call__``'s
        result. Summing ``total`` and ``count`` over the shards of a global batch (processes,
        devices, gradient-accumulation steps) and dividing gives the loss of the whole batch:
        :func:`anyloss.distributed.global_loss` does that (see ``docs/scaling-out.md``).

        Returns:
            A :class:`~anyloss.losses._reduction.LossParts` (``total``, ``count``,
            ``reduction``); ``count`` is an ``int`` when it follows from shapes alone.

        Raises:
            ValueError: ``reduction="none"``, and what ``__call__`` raises.

        Example:
            >>> import numpy as np
            >>> import anyloss as al
            >>> loss = al.SparseCategoricalCrossentropy(ignore_class=0)
            >>> parts = loss.parts(np.array([1, 0, 1]), np.array([[0.5, 0.5]] * 3))
            >>> float(parts.count)  # the ignored label does not count
            2.0
            >>> round(float(parts.value()), 4) == round(float(loss(
            ...     np.array([1, 0, 1]), np.array([[0.5, 0.5]] * 3))), 4)
            True
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        if sample_weight is None and mask is None and in_mask is None:
            fused = self.fused_values(y_true, y_pred)
            if fused is not None:
                values, valid = fused
                if valid is None or self.reduction == "none":
                    return reduction_parts(values, None, valid, self.reduction)
                # The kernels zero the masked entries: the total is a plain sum.
                xp = B.namespace(values)
                count = None if self.reduction == "sum" else xp.sum(valid)
                return LossParts(xp.sum(values), count, self.reduction)
        _, out, combined, dtype, _ = self._per_sample(y_true, y_pred, mask, in_mask)
        return reduction_parts(out, sample_weight, combined, self.reduction, dtype)

    def _per_sample(
        self, y_true: Any, y_pred: Any, mask: Any, in_mask: Any
    ) -> tuple[Any, Any, Any, Any, Any]:
        """``(xp, per-sample values, combined mask or None, compute dtype, result dtype)``."""
        xp, y_pred = B.prediction(y_pred)
        result_dtype = B.host_bfloat16(xp) if self.dtype == "bfloat16" else None
        compute = "float32" if result_dtype is not None else self.dtype
        dtype = B.float_dtype(xp, compute) if compute is not None else y_pred.dtype
        y_pred = B.as_float(xp, y_pred, dtype)
        y_true = B.like(y_true, y_pred, xp)
        # Integer-label losses keep int (and bool, which they refuse) labels as they are.
        if not (
            self._integer_labels and (B.is_int_dtype(xp, y_true.dtype) or y_true.dtype == xp.bool)
        ):
            y_true = B.as_float(xp, y_true, dtype)
        out = B.converted(self.call, xp)(y_true, y_pred)
        out_mask = None
        if isinstance(out, MaskedValues):
            out, out_mask = out
        masks = [m for m in (in_mask, mask, out_mask) if m is not None]
        combined = None
        for m in masks:
            m = B.like(m, y_pred, xp, arg="mask")
            m = m if m.dtype == xp.bool else xp.not_equal(m, 0)
            if combined is not None:
                combined, m = squeeze_or_expand_to_same_rank(combined, m, xp)
                if not _broadcastable(B.shape(combined), B.shape(m)):
                    msg = (
                        f"`mask` of shape {B.shape(m)} does not match the per-sample loss "
                        f"of shape {B.shape(combined)}. Give one mask entry per sample "
                        f"(shape {B.shape(combined)[:1]}) or per loss element."
                    )
                    raise ValueError(msg)
                m = combined & m
            combined = m
        return xp, out, combined, dtype, result_dtype

    def fused(self, y_true: Any, y_pred: Any) -> Any:
        """The reduced loss of an unweighted, unmasked call in one native kernel, or ``None``
        (the default) for the usual path: ``call``, then masks, weights and the reduction."""
        return None

    def fused_values(self, y_true: Any, y_pred: Any) -> tuple[Any, Any] | None:
        """``(per-sample values, mask or None)`` of an unweighted, unmasked call from a native
        kernel (what :meth:`parts` reduces), or ``None`` (the default) for ``call``."""
        return None

    def get_config(self) -> dict[str, Any]:
        """Every constructor argument, JSON-safe (subclasses add their own).

        Returns:
            A dict with ``name``, ``reduction`` and ``dtype``; subclasses with hyperparameters add
            them, so that :meth:`from_config` rebuilds an equal loss.
        """
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """The loss ``cls(**config)``: the inverse of :meth:`get_config`.

        Args:
            config: a dict as :meth:`get_config` returns it.

        Returns:
            A new instance of ``cls``.
        """
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "fn")
        return f"{type(self).__name__}({args})"


def _broadcastable(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(
        x is None or y is None or 1 in (x, y) or x == y for x, y in zip(a, b, strict=True)
    )


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a per-sample function ``fn(y_true, y_pred, **fn_kwargs)``.

    Ranks are aligned first (``(N,)`` against ``(N, 1)`` gives ``(N, 1)`` twice), as Keras does.
    Subclassing it with ``super().__init__(fn, name=..., reduction=..., **fn_kwargs)`` is the
    usual way to give a custom function hyperparameters and a config. To save and load the
    config, register ``fn`` with ``@anyloss.register()``.

    Args:
        fn: the per-sample loss function ``fn(y_true, y_pred, **fn_kwargs)``.
        reduction: see :class:`Loss`.
        name: the loss' name (default: the class name in snake case, or ``fn``'s name).
        dtype: see :class:`Loss`.
        **fn_kwargs: keyword arguments passed to ``fn`` on every call, and saved in the config.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> def scaled_absolute_error(y_true, y_pred, scale=1.0):
        ...     return scale * al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)
        >>> loss = al.LossFunctionWrapper(scaled_absolute_error, scale=2.0)
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.5, 1.0], [0.0, 0.0]])
        >>> round(float(loss(y_true, y_pred)), 4)  # mean of 2 * [0.25, 1.0]
        1.25
        >>> config = loss.get_config()
        >>> config["name"], config["reduction"], config["scale"]
        ('scaled_absolute_error', 'sum_over_batch_size', 2.0)
        >>> config["fn"]["config"]  # an unregistered function is saved by its name
        'scaled_absolute_error'
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **fn_kwargs: Any,
    ) -> None:
        if not callable(fn):
            msg = (
                f"Argument `fn` of LossFunctionWrapper must be a callable "
                f"`fn(y_true, y_pred)`. Received: fn={fn!r}"
            )
            raise TypeError(msg)
        default = (
            snake_case(type(self).__name__)
            if type(self) is not LossFunctionWrapper
            else (getattr(fn, "__name__", None) or "loss_function_wrapper")
        )
        super().__init__(name=name or default, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = fn_kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        spec = declaration_of(self.fn)
        if spec is not None:  # a built-in (``compile(loss="...")``): masked values kept
            arguments = spec.arguments((), self._fn_kwargs)
            self._inspect(spec, y_true, y_pred, arguments)
            return spec.per_sample(y_true, y_pred, arguments)
        return B.converted(self.fn, B.namespace(y_pred))(y_true, y_pred, **self._fn_kwargs)

    def _inspect(self, spec: Builtin, y_true: Any, y_pred: Any, arguments: Any) -> None:
        """Warn about a classic mistake in the inputs, once per loss object. Only the first
        calls are inspected: the mistakes are in how the model and loss are wired, visible on
        the first batches, and later steps then pay nothing."""
        calls = self.__dict__.get("_inspected_calls", 0)
        if spec.mistakes is None or calls >= _INSPECTED_CALLS:
            return
        warned = spec.inspect_inputs(y_true, y_pred, arguments)
        object.__setattr__(self, "_inspected_calls", _INSPECTED_CALLS if warned else calls + 1)

    def _kernel_spec(self, y_true: Any, y_pred: Any) -> tuple[Builtin, Any] | None:
        """The wrapped built-in's declaration and arguments when its torch kernel applies.

        A wrapper of a built-in function fuses like the built-in's class, while `call` is this
        class's own (what `compile(loss="mse")` builds).
        """
        spec = declaration_of(self.fn)
        if (
            spec is None
            or spec.torch_kernel is None
            or type(self).call is not LossFunctionWrapper.call
            or not B.torch_kernels_apply(y_pred)
        ):
            return None
        arguments = spec.arguments((), self._fn_kwargs)
        self._inspect(spec, y_true, y_pred, arguments)
        return spec, arguments

    def fused(self, y_true: Any, y_pred: Any) -> Any:
        found = self._kernel_spec(y_true, y_pred)
        if found is None:
            return None
        spec, arguments = found
        return _fused_kernel(spec, y_true, y_pred, self.reduction, self.dtype, arguments)

    def fused_values(self, y_true: Any, y_pred: Any) -> tuple[Any, Any] | None:
        found = self._kernel_spec(y_true, y_pred)
        if found is None:
            return None
        spec, arguments = found
        return _kernel_values(spec, y_true, y_pred, self.dtype, arguments)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            fn = self.fn
            config["fn"] = loss_config(fn) if isinstance(fn, Loss) else _names.function_config(fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        if cls is LossFunctionWrapper:
            if "fn" not in config:
                msg = "A LossFunctionWrapper config needs the key 'fn' naming the loss function."
                raise ValueError(msg)
            # A name or function config; anyloss.deserialize also resolves nested loss configs.
            config = {**config, "fn": _names.resolve_function(config["fn"])}
        return cls(**config)


def _fused_kernel(
    spec: Builtin,
    y_true: Any,
    y_pred: Any,
    reduction: str,
    dtype: Any,
    arguments: dict[str, Any],
    kernel: Callable[..., Any] | None = None,
) -> Any:
    """``kernel`` (default: the declared torch kernel) with the reduction fused, or ``None``."""
    kernel = kernel or spec.torch_kernel
    if kernel is None:
        return None
    out = kernel(y_true, y_pred, reduction, dtype, **arguments)
    if out is not None and reduction == "none" and spec.masked:
        return out[0]  # per-sample values, masked entries already 0
    return out


def _kernel_values(
    spec: Builtin,
    y_true: Any,
    y_pred: Any,
    dtype: Any,
    arguments: dict[str, Any],
    kernel: Callable[..., Any] | None = None,
) -> tuple[Any, Any] | None:
    """The kernel's per-sample values and mask (``reduction="none"``), or ``None``."""
    kernel = kernel or spec.torch_kernel
    if kernel is None:
        return None
    out = kernel(y_true, y_pred, "none", dtype, **arguments)
    if out is None:
        return None
    return (out[0], out[1]) if spec.masked else (out, None)


#: Base classes, resolvable from configs (``get("Loss")`` is refused: it has no ``call``).
BASES: dict[str, type[Loss]] = {"Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper}


def loss_config(loss: Loss) -> dict[str, Any]:
    """``{"module", "class_name", "config", "registered_name"}`` of a ``Loss`` (Keras 3's form;
    built-ins carry no registered name)."""
    cls = type(loss)
    builtin = CLASSES.get(cls.__name__) is cls or BASES.get(cls.__name__) is cls
    return {
        "module": "anyloss.losses" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": loss.get_config(),
        "registered_name": None if builtin else (_names.registered_name(cls) or cls.__name__),
    }


def _json_safe(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class BuiltinLoss(LossFunctionWrapper):
    """The base of every built-in loss class (for maintainers).

    A built-in loss is declared once, in its family module (``anyloss/losses/*.py``): the
    function carries ``@builtin(inputs=..., aliases=..., check=..., torch_kernel=...)`` (see
    ``anyloss.losses._builtin``) above its array-API formula, and the Keras class names it::

        class Huber(BuiltinLoss, function=huber):
            def __init__(self, delta=1.0, reduction="sum_over_batch_size",
                         name="huber_loss", dtype=None):
                super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)

    The constructor only lists Keras' arguments, order and defaults; everything else (lookup
    tables, config, checks, dispatch) comes from the declaration.

    One home for arguments: the hyperparameters live as attributes (``Huber(delta=2.0).delta``),
    checked by the declaration's ``check`` when set (in the constructor and on assignment), read
    by every call and by :meth:`get_config`, so the config and the behaviour cannot disagree.

    Fused kernels: an unweighted, unmasked call on a library with a native kernel for the loss
    (the declaration's ``torch_kernel``, on PyTorch tensors) computes the loss and its reduction
    in that kernel (:meth:`fused`), unless a subclass overrides ``call``.

    Args:
        reduction: see :class:`Loss`.
        name: the loss' name (default: the function's name).
        dtype: see :class:`Loss`.
        **arguments: the function's hyperparameters that the constructor takes.

    Example:
        >>> import anyloss as al
        >>> loss = al.Huber(delta=2.0)
        >>> loss.delta, loss.get_config()["delta"]
        (2.0, 2.0)
        >>> loss.delta = -1.0
        Traceback (most recent call last):
        ...
        ValueError: Argument `delta` of huber must be a finite number > 0. Received: delta=-1.0
    """

    #: The declaration of the wrapped function (set by ``function=`` in the class statement).
    builtin: ClassVar[Builtin]
    #: ``builtin.torch_kernel`` while ``call`` is this class's own, else ``None``.
    _kernel: ClassVar[Callable[..., Any] | None] = None
    #: The function's hyperparameters that the constructor takes (circle's per-call reference
    #: embeddings, for one, are not).
    _arguments: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, function: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if function is not None:
            cls.builtin = bind_class(function, cls)
            cls._integer_labels = cls.builtin.inputs.integer_labels
            taken = inspect.signature(cls.__init__).parameters
            cls._arguments = tuple(key for key in cls.builtin.defaults if key in taken)
        spec = getattr(cls, "builtin", None)
        if spec is None:
            msg = (
                f"{cls.__name__} subclasses BuiltinLoss without naming its function: write "
                f"`class {cls.__name__}(BuiltinLoss, function=...)`, or subclass "
                "LossFunctionWrapper for a custom loss."
            )
            raise TypeError(msg)
        cls._kernel = spec.torch_kernel if cls.call is BuiltinLoss.call else None

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **arguments: Any,
    ) -> None:
        spec = self.builtin
        if spec.function is None:  # pragma: no cover - set by the declaration
            msg = f"{spec.name} is not declared."
            raise TypeError(msg)
        Loss.__init__(self, name=name or spec.name, reduction=reduction, dtype=dtype)
        self.fn = spec.function
        checked = spec.check({**spec.defaults, **arguments})
        for key in self._arguments:
            object.__setattr__(self, key, checked[key])

    def __setattr__(self, key: str, value: Any) -> None:
        if key in self._arguments and key in self.__dict__:
            spec = self.builtin
            value = spec.check({**spec.defaults, **self.arguments(), key: value})[key]
        object.__setattr__(self, key, value)

    def arguments(self) -> dict[str, Any]:
        """The hyperparameters, as the loss function takes them."""
        return {key: getattr(self, key) for key in self._arguments}

    def call(self, y_true: Any, y_pred: Any) -> Any:
        spec = self.builtin
        if spec.align_ranks:
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        arguments = self.arguments()
        self._inspect(spec, y_true, y_pred, arguments)
        return spec.per_sample(y_true, y_pred, arguments)

    def fused(self, y_true: Any, y_pred: Any) -> Any:
        kernel = type(self)._kernel  # read from the class: a plain function, not a method
        if kernel is None or not B.torch_kernels_apply(y_pred):
            return None
        arguments = self.arguments()
        self._inspect(self.builtin, y_true, y_pred, arguments)
        return _fused_kernel(
            self.builtin, y_true, y_pred, self.reduction, self.dtype, arguments, kernel
        )

    def fused_values(self, y_true: Any, y_pred: Any) -> tuple[Any, Any] | None:
        kernel = type(self)._kernel
        if kernel is None or not B.torch_kernels_apply(y_pred):
            return None
        arguments = self.arguments()
        self._inspect(self.builtin, y_true, y_pred, arguments)
        return _kernel_values(self.builtin, y_true, y_pred, self.dtype, arguments, kernel)

    def get_config(self) -> dict[str, Any]:
        config = Loss.get_config(self)
        config.update({key: _json_safe(value) for key, value in self.arguments().items()})
        return config
