"""Backend-neutral ops for writing custom losses (anyloss' ``keras.ops``).

Each op dispatches on its arguments' library: pass torch tensors and get torch tensors (with
gradients), JAX arrays inside ``jax.jit``, NumPy arrays, ... Python lists and scalars mix in, so
``ops.multiply(x, [0.3, 0.7])`` works on a torch tensor ``x`` (a plain ``x * [0.3, 0.7]`` fails
on torch). Integer arrays mixed with float arrays take the float dtype on every library (NumPy
alone would promote to float64).

Example:
    >>> from anyloss import ops
    >>> def weighted_mse(y_true, y_pred):
    ...     return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss._arguments import normalize_axis

__all__ = [
    "abs",
    "add",
    "all",
    "any",
    "argmax",
    "argmin",
    "batch_flatten",
    "binary_crossentropy",
    "cast",
    "categorical_crossentropy",
    "ceil",
    "clip",
    "concatenate",
    "convert_to_tensor",
    "count_nonzero",
    "cumsum",
    "divide",
    "divide_no_nan",
    "dot",
    "epsilon",
    "equal",
    "exp",
    "expand_dims",
    "expm1",
    "flatten",
    "floatx",
    "floor",
    "floor_divide",
    "full_like",
    "gather",
    "greater",
    "greater_equal",
    "int_shape",
    "isfinite",
    "isinf",
    "isnan",
    "l2_normalize",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "multiply",
    "ndim",
    "negative",
    "norm",
    "normalize",
    "not_equal",
    "one_hot",
    "ones_like",
    "permute_dimensions",
    "pow",
    "power",
    "prod",
    "reciprocal",
    "relu",
    "repeat",
    "reshape",
    "round",
    "rsqrt",
    "shape",
    "sigmoid",
    "sign",
    "size",
    "softmax",
    "softplus",
    "sparse_categorical_crossentropy",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "switch",
    "take",
    "tanh",
    "tile",
    "transpose",
    "trunc",
    "var",
    "where",
    "zeros_like",
]


def epsilon() -> float:
    """The fuzz factor used where losses clip: 1e-7 (Keras' ``epsilon()``)."""
    return B.EPSILON


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (int, float, bool)) or x is None


def _reference(args: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(xp, ref)``: the namespace of the first real array, preferring float arrays."""
    arrays = [a for a in args if B.is_array(a)]
    floats = [a for a in arrays if B.is_float_dtype(B.namespace(a), a.dtype)]
    ref = (floats or arrays or [None])[0]
    if ref is None:
        return B.namespace(np.empty(0)), None
    return B.namespace(ref), ref


def _operands(*args: Any) -> tuple[Any, list[Any]]:
    """Arguments converted to one library: lists become arrays, ints take the float dtype."""
    xp, ref = _reference(args)
    out = []
    for a in args:
        if _is_scalar(a):
            out.append(a)
            continue
        if ref is None:
            arr = np.asarray(a)
            a = np.asarray(a, dtype=np.float32) if arr.dtype.kind == "f" else arr
            a = xp.asarray(a)
        else:
            a = B.like(a, ref, xp, arg="operand")
            if (
                B.is_float_dtype(xp, ref.dtype)
                and not B.is_float_dtype(xp, a.dtype)
                and a.dtype != xp.bool
            ):
                a = xp.astype(a, ref.dtype)
        out.append(a)
    return xp, out


def convert_to_tensor(x: Any, dtype: Any = None, like: Any = None) -> Any:
    """``x`` as an array: of ``like``'s library and device if given, else NumPy for lists.

    Float lists become float32 (as in Keras); ``dtype`` is a name such as ``"float32"``.
    """
    if like is not None:
        xp, ref = B.namespace(like), like
        arr = B.like(x, ref, xp, arg="x")
    elif B.is_array(x):
        xp, arr = B.namespace(x), x
    else:
        xp, (arr,) = (
            _operands(x) if not _is_scalar(x) else (B.namespace(np.empty(0)), (np.asarray(x),))
        )
    return cast(arr, dtype) if dtype is not None else arr


def cast(x: Any, dtype: Any) -> Any:
    """``x`` as ``dtype`` (a name such as ``"float32"`` or a dtype object)."""
    xp, (x,) = _operands(x)
    if isinstance(dtype, str):
        name = dtype
        dtype = getattr(xp, name, None)
        # Namespaces hold functions too (ops.cast(x, "sum")): a dtype is a type or not callable.
        if dtype is None or (callable(dtype) and not isinstance(dtype, type)):
            msg = (
                f"Argument `dtype` of cast is not a dtype of {xp.__name__}: dtype={name!r}. "
                "Use a name such as 'float32', 'float64', 'int32' or 'bool'."
            )
            raise ValueError(msg)
    return xp.astype(x, dtype)


def shape(x: Any) -> tuple[Any, ...]:
    """The shape as a tuple (``None`` for unknown Dask sizes)."""
    return B.shape(convert_to_tensor(x))


def stop_gradient(x: Any) -> Any:
    """``x`` with no gradient flowing back through it."""
    xp, (x,) = _operands(x)
    return B.stop_gradient(xp, x)


def _scalar_as_array(xp: Any, scalar: Any, other: Any) -> tuple[Any, Any]:
    """``(scalar, other)`` with the Python number ``scalar`` as an array of ``other``'s dtype and
    device: array-api-compat 1.11-1.15 refuse a Python number in ``maximum``/``minimum`` (and
    others) on torch. A float with an integer or bool array takes float32, as in Keras."""
    if isinstance(scalar, float) and not B.is_float_dtype(xp, other.dtype):
        other = xp.astype(other, xp.float32)
    elif isinstance(scalar, int) and not isinstance(scalar, bool) and other.dtype == xp.bool:
        other = xp.astype(other, xp.int32)
    return xp.asarray(scalar, dtype=other.dtype, device=B.device_of(other)), other


def _binary(name: str) -> Any:
    def op(x1: Any, x2: Any) -> Any:
        xp, (a, b) = _operands(x1, x2)
        if _is_scalar(a) and _is_scalar(b):
            return getattr(np, name)(a, b)
        if _is_scalar(a) and a is not None:
            a, b = _scalar_as_array(xp, a, b)
        elif _is_scalar(b) and b is not None:
            b, a = _scalar_as_array(xp, b, a)
        return getattr(xp, name)(a, b)

    op.__name__ = op.__qualname__ = "power" if name == "pow" else name
    op.__doc__ = f"Elementwise ``{name}`` of two arrays, lists or scalars (broadcasting)."
    return op


def _unary(name: str) -> Any:
    def op(x: Any) -> Any:
        xp, (a,) = _operands(x)
        return getattr(xp, name)(a)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``."
    return op


add, subtract, multiply, divide = (_binary(n) for n in ("add", "subtract", "multiply", "divide"))
power = _binary("pow")
maximum, minimum = _binary("maximum"), _binary("minimum")
equal, not_equal = _binary("equal"), _binary("not_equal")
greater, greater_equal = _binary("greater"), _binary("greater_equal")
less, less_equal = _binary("less"), _binary("less_equal")
logical_and, logical_or = _binary("logical_and"), _binary("logical_or")
negative, square, sqrt, sign = (_unary(n) for n in ("negative", "square", "sqrt", "sign"))
log, log1p, exp, expm1, tanh = (_unary(n) for n in ("log", "log1p", "exp", "expm1", "tanh"))
logical_not = _unary("logical_not")
abs = _unary("abs")  # shadows a builtin: the op set mirrors keras.ops names


def divide_no_nan(x1: Any, x2: Any) -> Any:
    """``x1 / x2`` with 0 where ``x2 == 0``."""
    xp, (a, b) = _operands(x1, x2)
    a = a if not _is_scalar(a) else a * xp.ones_like(b)
    b = b if not _is_scalar(b) else b * xp.ones_like(a)
    return B.divide_no_nan(xp, a, b)


def _reduction(name: str) -> Any:
    def op(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        xp, (a,) = _operands(x)
        if name == "mean" and not B.is_float_dtype(xp, a.dtype):
            a = xp.astype(a, xp.float32)
        return getattr(xp, name)(
            a,
            axis=normalize_axis(tuple(axis) if isinstance(axis, list) else axis, B.ndim(a)),
            keepdims=keepdims,
        )

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` over ``axis`` (all axes when ``None``)."
    return op


sum, mean, max, min = (_reduction(n) for n in ("sum", "mean", "max", "min"))  # builtins
all, any = _reduction("all"), _reduction("any")  # builtins, as keras.ops


def argmax(x: Any, axis: int = -1) -> Any:
    """Index of the maximum along ``axis`` (no gradient)."""
    xp, (a,) = _operands(x)
    return xp.argmax(a, axis=normalize_axis(axis, B.ndim(a)))


def argmin(x: Any, axis: int = -1) -> Any:
    """Index of the minimum along ``axis`` (no gradient)."""
    xp, (a,) = _operands(x)
    return xp.argmin(a, axis=normalize_axis(axis, B.ndim(a)))


def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    """``x`` limited to ``[x_min, x_max]`` (either bound may be ``None``)."""
    xp, (a,) = _operands(x)
    return xp.clip(a, x_min, x_max)


def where(condition: Any, x1: Any, x2: Any) -> Any:
    """``x1`` where ``condition`` holds, else ``x2``."""
    xp, (c, a, b) = _operands(condition, x1, x2)
    ref = next((v for v in (a, b) if not _is_scalar(v)), None)
    if ref is None:
        ref = xp.astype(c, xp.float32)
    a = a if not _is_scalar(a) else xp.full_like(ref, a)
    b = b if not _is_scalar(b) else xp.full_like(ref, b)
    return xp.where(c, a, b)


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))``, stable for large ``|x|``."""
    xp, (a,) = _operands(x)
    return B.sigmoid(xp, a)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))``, stable for large ``|x|``."""
    xp, (a,) = _operands(x)
    return B.log_sigmoid(xp, a)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, stable for large ``x``."""
    xp, (a,) = _operands(x)
    return B.softplus(xp, a)


def relu(x: Any) -> Any:
    """``max(x, 0)``."""
    xp, (a,) = _operands(x)
    return xp.clip(a, 0, None)


def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax along ``axis``."""
    xp, (a,) = _operands(x)
    return B.softmax(xp, a, axis=normalize_axis(axis, B.ndim(a)))


def log_softmax(x: Any, axis: int = -1) -> Any:
    """Log-softmax along ``axis``."""
    xp, (a,) = _operands(x)
    return B.log_softmax(xp, a, axis=normalize_axis(axis, B.ndim(a)))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x), axis))`` without overflow."""
    xp, (a,) = _operands(x)
    axis = (
        tuple(range(B.ndim(a)))
        if axis is None
        else normalize_axis(tuple(axis) if isinstance(axis, list) else axis, B.ndim(a))
    )
    return B.logsumexp(xp, a, axis=axis, keepdims=keepdims)


def one_hot(labels: Any, num_classes: int, dtype: Any = "float32") -> Any:
    """One-hot encoding along a new last axis."""
    xp, (a,) = _operands(labels)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        msg = (
            f"Argument `num_classes` of one_hot must be a positive int. Received: "
            f"num_classes={num_classes!r}"
        )
        raise TypeError(msg)
    return B.one_hot(xp, a, num_classes, getattr(xp, dtype) if isinstance(dtype, str) else dtype)


def reshape(x: Any, new_shape: tuple[int, ...]) -> Any:
    """``x`` with a new shape."""
    xp, (a,) = _operands(x)
    new_shape = tuple(new_shape)
    size, known = math.prod(B.shape(a)), math.prod(d for d in new_shape if d != -1)
    if None not in B.shape(a) and (
        size != known if -1 not in new_shape else known == 0 or size % known
    ):
        msg = (
            f"Argument `new_shape`={new_shape} of reshape does not fit x of shape "
            f"{B.shape(a)} ({size} elements). Give a shape with {size} elements (one -1 "
            "lets reshape infer an axis)."
        )
        raise ValueError(msg)
    return xp.reshape(a, new_shape)


def expand_dims(x: Any, axis: int) -> Any:
    """``x`` with a new size-1 axis."""
    xp, (a,) = _operands(x)
    return xp.expand_dims(a, axis=axis)


def squeeze(x: Any, axis: Any = None) -> Any:
    """``x`` without size-1 axes (all of them when ``axis`` is ``None``)."""
    xp, (a,) = _operands(x)
    if axis is None:
        axis = tuple(i for i, d in enumerate(B.shape(a)) if d == 1)
    return xp.squeeze(a, axis=axis)


def concatenate(xs: Any, axis: int = 0) -> Any:
    """Join arrays along an existing axis."""
    xp, arrays = _operands(*xs)
    return xp.concat(arrays, axis=axis)


def stack(xs: Any, axis: int = 0) -> Any:
    """Join arrays along a new axis."""
    xp, arrays = _operands(*xs)
    return xp.stack(arrays, axis=axis)


def matmul(x1: Any, x2: Any) -> Any:
    """Matrix product."""
    xp, (a, b) = _operands(x1, x2)
    inner = B.shape(b)[-2] if B.ndim(b) > 1 else B.shape(b)[0]
    if B.shape(a)[-1] != inner:
        msg = (
            f"matmul: the inner sizes differ: x1.shape={B.shape(a)}, x2.shape={B.shape(b)} "
            f"(x1's last axis {B.shape(a)[-1]} must equal x2's "
            f"{'second-to-last' if B.ndim(b) > 1 else 'only'} axis {inner}). Transpose or "
            "reshape one operand."
        )
        raise ValueError(msg)
    return xp.matmul(a, b)


def transpose(x: Any, axes: Any = None) -> Any:
    """``x`` with its axes permuted (reversed when ``axes`` is ``None``)."""
    xp, (a,) = _operands(x)
    if axes is None:
        axes = tuple(reversed(range(B.ndim(a))))
    return xp.permute_dims(a, tuple(axes))


def zeros_like(x: Any) -> Any:
    """Zeros of ``x``'s shape, dtype and library."""
    xp, (a,) = _operands(x)
    return xp.zeros_like(a)


def ones_like(x: Any) -> Any:
    """Ones of ``x``'s shape, dtype and library."""
    xp, (a,) = _operands(x)
    return xp.ones_like(a)


# --- keras.backend / keras.ops names that losses use (issue 14) --------------------------------


def floatx() -> str:
    """The default float type's name: ``"float32"`` (Keras' ``floatx()``)."""
    return "float32"


pow = power  # keras.backend's name (shadows a builtin, as keras.backend does)
floor, ceil, trunc = _unary("floor"), _unary("ceil"), _unary("trunc")
isnan, isinf, isfinite = _unary("isnan"), _unary("isinf"), _unary("isfinite")
logical_xor = _binary("logical_xor")
mod, floor_divide = _binary("remainder"), _binary("floor_divide")
mod.__name__ = mod.__qualname__ = "mod"


def _float_operand(x: Any) -> tuple[Any, Any]:
    """``(xp, x)`` with integer and bool arrays as float32 (Keras' result dtype)."""
    xp, (a,) = _operands(x)
    if not B.is_float_dtype(xp, a.dtype):
        a = xp.astype(a, xp.float32)
    return xp, a


def _axis(axis: Any, rank: int) -> Any:
    return normalize_axis(tuple(axis) if isinstance(axis, list) else axis, rank)


def reciprocal(x: Any) -> Any:
    """``1 / x``."""
    _, a = _float_operand(x)
    return 1.0 / a


def rsqrt(x: Any) -> Any:
    """``1 / sqrt(x)``."""
    xp, a = _float_operand(x)
    return 1.0 / xp.sqrt(a)


def round(x: Any, decimals: int = 0) -> Any:  # shadows a builtin, as keras.ops
    """``x`` rounded half to even, to ``decimals`` decimals (Keras' ``round``)."""
    xp, (a,) = _operands(x)
    if decimals == 0 or not B.is_float_dtype(xp, a.dtype):
        return xp.round(a)
    scale = 10.0**decimals
    return xp.round(a * scale) / scale


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product over ``axis`` (all axes when ``None``)."""
    xp, (a,) = _operands(x)
    return xp.prod(a, axis=_axis(axis, B.ndim(a)), keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Variance (population, ``ddof=0``) over ``axis``; integers give float32."""
    xp, a = _float_operand(x)
    return xp.var(a, axis=_axis(axis, B.ndim(a)), keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Standard deviation (population, ``ddof=0``) over ``axis``; integers give float32."""
    xp, a = _float_operand(x)
    return xp.std(a, axis=_axis(axis, B.ndim(a)), keepdims=keepdims)


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """Number of nonzero entries over ``axis`` (all axes when ``None``), as int32."""
    xp, (a,) = _operands(x)
    return xp.sum(xp.astype(a != 0, xp.int32), axis=_axis(axis, B.ndim(a)), dtype=xp.int32)


def cumsum(x: Any, axis: Any = None) -> Any:
    """Cumulative sum along ``axis``; ``None`` flattens first (as ``keras.ops.cumsum``;
    ``keras.backend.cumsum`` defaults to ``axis=0``: pass it)."""
    xp, (a,) = _operands(x)
    if axis is None:
        a, axis = xp.reshape(a, (-1,)), 0
    return xp.cumulative_sum(a, axis=normalize_axis(axis, B.ndim(a)))


def ndim(x: Any) -> int:
    """The number of axes."""
    return B.ndim(convert_to_tensor(x))


def int_shape(x: Any) -> tuple[Any, ...]:
    """The shape as a tuple of ints (``None`` for unknown sizes), as ``keras.backend``."""
    return shape(x)


def size(x: Any) -> int | None:
    """The number of elements (``None`` when a size is unknown)."""
    dims = shape(x)
    return None if None in dims else math.prod(dims)


def flatten(x: Any) -> Any:
    """``x`` as a 1-D array (``keras.backend.flatten``)."""
    xp, (a,) = _operands(x)
    return xp.reshape(a, (-1,))


def batch_flatten(x: Any) -> Any:
    """``x`` as ``(batch, -1)``: every axis but the first flattened (``keras.backend``)."""
    xp, (a,) = _operands(x)
    return xp.reshape(a, (B.dynamic_shape(a)[0], -1))


def permute_dimensions(x: Any, pattern: Any) -> Any:
    """``x`` with its axes in the order ``pattern`` (``keras.backend``'s ``transpose``)."""
    return transpose(x, pattern)


def full_like(x: Any, fill_value: Any) -> Any:
    """An array of ``x``'s shape, dtype and library filled with ``fill_value``."""
    xp, (a,) = _operands(x)
    return xp.full_like(a, fill_value)


def tile(x: Any, repeats: Any) -> Any:
    """``x`` repeated ``repeats`` times along each axis."""
    xp, (a,) = _operands(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    return xp.tile(a, repeats)


def repeat(x: Any, repeats: int, axis: Any = None) -> Any:
    """Each element repeated ``repeats`` times along ``axis`` (flattened when ``None``)."""
    xp, (a,) = _operands(x)
    if axis is None:
        a, axis = xp.reshape(a, (-1,)), 0
    axis = normalize_axis(axis, B.ndim(a))
    if hasattr(xp, "repeat"):
        return xp.repeat(a, repeats, axis=axis)
    # array-api-compat < 1.12 lacks repeat on torch: a new axis after `axis`, tiled, merged.
    tiled = xp.tile(xp.expand_dims(a, axis=axis + 1), (1,) * (axis + 1) + (repeats,))
    dims = B.dynamic_shape(a)
    return xp.reshape(tiled, (*dims[:axis], dims[axis] * repeats, *dims[axis + 1 :]))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector norm over ``axis`` (all axes when ``None``: the Frobenius norm of a matrix).

    ``ord`` is ``None``/``2``/``"fro"`` (Euclidean), ``1``, any ``p > 0``, ``inf`` or ``-inf``
    (max or min of ``|x|``); matrix norms other than Frobenius are not supported.
    """
    xp, a = _float_operand(x)
    axis = tuple(range(B.ndim(a))) if axis is None else _axis(axis, B.ndim(a))
    if isinstance(axis, tuple) and len(axis) == 2 and ord not in (None, "fro"):
        msg = (
            f"Argument `ord`={ord!r} of norm over two axes is a matrix norm, which ops does not "
            "support. Use ord=None or 'fro' (Frobenius), or a single axis."
        )
        raise ValueError(msg)
    magnitude = xp.abs(a)
    if ord in (None, 2, "fro"):
        return xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))
    if ord == math.inf:
        return xp.max(magnitude, axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return xp.min(magnitude, axis=axis, keepdims=keepdims)
    if ord == 1:
        return xp.sum(magnitude, axis=axis, keepdims=keepdims)
    if isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0:
        return xp.sum(magnitude**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    msg = f"Argument `ord` of norm must be None, 'fro', inf, -inf or a number > 0: ord={ord!r}."
    raise ValueError(msg)


def l2_normalize(x: Any, axis: Any = None) -> Any:
    """``x / sqrt(max(sum(x**2, axis), 1e-12))`` (``keras.backend.l2_normalize``; all axes
    when ``axis`` is ``None``)."""
    xp, a = _float_operand(x)
    axis = tuple(range(B.ndim(a))) if axis is None else _axis(axis, B.ndim(a))
    squares = xp.sum(a * a, axis=axis, keepdims=True)
    return a / xp.sqrt(xp.clip(squares, 1e-12, None))


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """``x`` divided by its ``order``-norm along ``axis``, at least ``epsilon`` (default
    :func:`epsilon`; ``keras.ops.normalize``)."""
    xp, a = _float_operand(x)
    eps = B.EPSILON if epsilon is None else epsilon
    return a / xp.clip(norm(a, ord=order, axis=axis, keepdims=True), eps, None)


def dot(x1: Any, x2: Any) -> Any:
    """Dot product as ``keras.backend.dot``/``np.dot``: sums the last axis of ``x1`` against
    the second-to-last axis of ``x2`` (its only axis when 1-D); a scalar multiplies."""
    xp, (a, b) = _operands(x1, x2)
    if _is_scalar(a) or _is_scalar(b) or B.ndim(a) == 0 or B.ndim(b) == 0:
        return multiply(a, b)
    inner = -2 if B.ndim(b) > 1 else -1
    if B.shape(a)[-1] != B.shape(b)[inner]:
        msg = (
            f"dot: the summed sizes differ: x1.shape={B.shape(a)}, x2.shape={B.shape(b)} (x1's "
            f"last axis must equal x2's {'second-to-last' if inner == -2 else 'only'} axis)."
        )
        raise ValueError(msg)
    return xp.tensordot(a, b, axes=([B.ndim(a) - 1], [B.ndim(b) + inner]))


def switch(condition: Any, then_expression: Any, else_expression: Any) -> Any:
    """``then_expression`` where ``condition`` holds, else ``else_expression`` (the
    elementwise ``keras.backend.switch``, not ``keras.ops.switch``'s branch index).

    Either expression may be a callable of no arguments (called here); a ``condition`` of
    lower rank applies to whole trailing slices, as in ``keras.backend``.
    """
    then_expression = then_expression() if callable(then_expression) else then_expression
    else_expression = else_expression() if callable(else_expression) else else_expression
    xp, (c, a, b) = _operands(condition, then_expression, else_expression)
    if not _is_scalar(c):
        rank = builtins.max([B.ndim(v) for v in (a, b) if not _is_scalar(v)] + [B.ndim(c)])
        if 0 < B.ndim(c) < rank:
            c = xp.reshape(c, (*B.dynamic_shape(c), *(1,) * (rank - B.ndim(c))))
    return where(c, a, b)


def take(x: Any, indices: Any, axis: Any = None) -> Any:
    """Entries of ``x`` at ``indices`` (any shape; negative ones count from the end) along
    ``axis``; ``x`` is flattened first when ``axis`` is ``None``."""
    xp, (a,) = _operands(x)
    if axis is None:
        a, axis = xp.reshape(a, (-1,)), 0
    axis = normalize_axis(axis, B.ndim(a))
    index = B.like(indices, a, xp, arg="indices")
    if not B.is_int_dtype(xp, index.dtype):
        index = xp.astype(index, xp.int64)
    index_shape = B.dynamic_shape(index)
    flat = xp.reshape(index, (-1,))
    dims = B.dynamic_shape(a)
    flat = xp.where(flat < 0, flat + dims[axis], flat)
    out = xp.take(a, flat, axis=axis)
    shape_out = (*dims[:axis], *index_shape, *dims[axis + 1 :])
    return xp.reshape(out, shape_out)


def gather(reference: Any, indices: Any) -> Any:
    """Rows (axis 0) of ``reference`` at ``indices`` (``keras.backend.gather``)."""
    return take(reference, indices, axis=0)


# --- keras.backend's cross-entropies, through anyloss' built-in losses ------------------------


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """Elementwise binary cross-entropy (``keras.backend``/``keras.ops`` order: ``target``
    first), by :func:`anyloss.losses.binary_crossentropy` over a size-1 last axis."""
    from anyloss.losses import probabilistic

    return probabilistic.binary_crossentropy(
        expand_dims(target, -1) if not _is_scalar(target) else target,
        expand_dims(output, -1),
        from_logits=from_logits,
    )


def categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Any:
    """Cross-entropy of one-hot (or soft) ``target`` and ``output`` along ``axis``
    (``keras.backend`` order), by :func:`anyloss.losses.categorical_crossentropy`."""
    from anyloss.losses import probabilistic

    return probabilistic.categorical_crossentropy(
        target, output, from_logits=from_logits, axis=axis
    )


def sparse_categorical_crossentropy(
    target: Any,
    output: Any,
    from_logits: bool = False,
    axis: int = -1,
    ignore_class: int | None = None,
) -> Any:
    """Cross-entropy of integer ``target`` and ``output`` along ``axis`` (``keras.backend``
    order), by :func:`anyloss.losses.sparse_categorical_crossentropy`."""
    from anyloss.losses import probabilistic

    return probabilistic.sparse_categorical_crossentropy(
        target, output, from_logits=from_logits, axis=axis, ignore_class=ignore_class
    )


def __dir__() -> list[str]:
    """Only the ops (not the module's imports and helpers)."""
    return list(__all__)


def __getattr__(name: str) -> Any:
    """``AttributeError`` for an unknown name, suggesting the closest op (``ops.sqaure``)."""
    import difflib

    close = difflib.get_close_matches(name, __all__, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else " See dir(anyloss.ops) for the ops."
    msg = f"module 'anyloss.ops' has no attribute {name!r}.{hint}"
    raise AttributeError(msg)
