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
    "cast",
    "clip",
    "concatenate",
    "convert_to_tensor",
    "divide",
    "divide_no_nan",
    "epsilon",
    "equal",
    "exp",
    "expand_dims",
    "expm1",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "one_hot",
    "ones_like",
    "power",
    "relu",
    "reshape",
    "shape",
    "sigmoid",
    "sign",
    "softmax",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "stop_gradient",
    "subtract",
    "sum",
    "tanh",
    "transpose",
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


def _binary(name: str) -> Any:
    def op(x1: Any, x2: Any) -> Any:
        xp, (a, b) = _operands(x1, x2)
        return (
            getattr(xp, name)(a, b)
            if not (_is_scalar(a) and _is_scalar(b))
            else (getattr(np, name)(a, b))
        )

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
