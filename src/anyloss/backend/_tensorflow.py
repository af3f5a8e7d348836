"""TensorFlow as an array-API namespace: ``namespace(tf_tensor)`` returns this module.

TensorFlow has no array-API namespace of its own, and its tensors promote no dtypes (``int32 +
int64`` and ``float32 * float64`` raise). The functions here take array-API names and arguments
(axis tuples, ``keepdims``, ``correction``, ``dtype``/``device`` keywords, stable sorts) over
``tf.math``, ``tf.nn`` and ``tf.linalg``, so the losses' array-API formulas run unchanged on eager
tensors, ``tf.Variable`` and symbolic tensors inside ``tf.function`` (``jit_compile=True``
included), differentiable with ``tf.GradientTape``. Python scalars take the dtype of the array
they meet; arrays of one kind and different sizes promote to the larger (the array API's rules);
an integer array meeting a float takes the float's dtype.

Only ``anyloss.backend`` imports this module, on the first TensorFlow tensor it sees: importing
``anyloss`` never imports TensorFlow. Operators on tensors (``x + y``, ``x[..., None]``) are
TensorFlow's own: the formulas use them only between arrays of one dtype, or with Python scalars.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

__array_api_version__ = "2023.12"


def _trace_as_python() -> None:
    """Keep AutoGraph from rewriting anyloss' code inside ``tf.function`` (as TensorFlow does
    for Keras and NumPy): the formulas branch only on Python values (shapes, arguments), never
    on tensors, so tracing them as written is exact and faster. A private TensorFlow API: where
    it moves, AutoGraph converts anyloss as it converts user code."""
    try:
        from tensorflow.python.autograph.core import config
    except ImportError:  # pragma: no cover
        return
    if not builtins.any(
        isinstance(rule, config.DoNotConvert) and rule.matches("anyloss")
        for rule in config.CONVERSION_RULES
    ):
        config.CONVERSION_RULES = (config.DoNotConvert("anyloss"), *config.CONVERSION_RULES)


_trace_as_python()

# --- dtypes and constants ------------------------------------------------------------------------

bool = tf.bool
int8, int16, int32, int64 = tf.int8, tf.int16, tf.int32, tf.int64
uint8, uint16, uint32, uint64 = tf.uint8, tf.uint16, tf.uint32, tf.uint64
float16, bfloat16, float32, float64 = tf.float16, tf.bfloat16, tf.float32, tf.float64
complex64, complex128 = tf.complex64, tf.complex128

inf, nan, e, pi = math.inf, math.nan, math.e, math.pi
newaxis = None

_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_SIGNED = (tf.int8, tf.int16, tf.int32, tf.int64)
_UNSIGNED = (tf.uint8, tf.uint16, tf.uint32, tf.uint64)
_COMPLEX = (tf.complex64, tf.complex128)
_KINDS: dict[str, tuple[Any, ...]] = {
    "bool": (tf.bool,),
    "signed integer": _SIGNED,
    "unsigned integer": _UNSIGNED,
    "integral": _SIGNED + _UNSIGNED,
    "real floating": _FLOATS,
    "complex floating": _COMPLEX,
    "numeric": _SIGNED + _UNSIGNED + _FLOATS + _COMPLEX,
}
#: Bits per dtype, for promotion within a kind.
_BITS = {d: d.size * 8 for d in _SIGNED + _UNSIGNED + _FLOATS + _COMPLEX}


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """Whether ``dtype`` is of ``kind``: a dtype, a kind name (``"real floating"``, ...) or a
    tuple of them."""
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    try:
        dtype = tf.as_dtype(dtype)
    except TypeError:  # strings, objects
        return False
    if isinstance(kind, str):
        if kind not in _KINDS:
            msg = f"Unknown dtype kind {kind!r}; expected one of {sorted(_KINDS)}."
            raise ValueError(msg)
        return dtype in _KINDS[kind]
    return builtins.bool(dtype == tf.as_dtype(kind))


class finfo:
    """Limits of a float dtype (``bits``, ``eps``, ``max``, ``min``, ``smallest_normal``)."""

    def __init__(self, dtype: Any) -> None:
        dtype = getattr(dtype, "dtype", dtype)
        info = np.finfo(tf.as_dtype(dtype).as_numpy_dtype)
        self.bits, self.dtype = info.bits, tf.as_dtype(dtype)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.smallest_normal = float(info.smallest_normal)


class iinfo:
    """Limits of an integer dtype (``bits``, ``max``, ``min``)."""

    def __init__(self, dtype: Any) -> None:
        dtype = tf.as_dtype(getattr(dtype, "dtype", dtype))
        self.bits, self.dtype, self.max, self.min = dtype.size * 8, dtype, dtype.max, dtype.min


def _promote(a: Any, b: Any) -> Any:
    """The dtype two dtypes promote to (array-API rules within a kind; int with float: the
    float; signed with unsigned: int64)."""
    if a == b:
        return a
    for kind in (_COMPLEX, _FLOATS, _SIGNED + _UNSIGNED):
        in_a, in_b = a in kind, b in kind
        if in_a and in_b:
            if (a in _SIGNED and b in _UNSIGNED) or (a in _UNSIGNED and b in _SIGNED):
                return tf.int64
            if {a, b} == {tf.float16, tf.bfloat16}:
                return tf.float32
            return a if _BITS[a] >= _BITS[b] else b
        if in_a or in_b:
            return a if in_a else b
    return a  # bool with bool


def result_type(*arrays_and_dtypes: Any) -> Any:
    """The dtype the arguments (arrays or dtypes) promote to."""
    dtypes = [tf.as_dtype(getattr(x, "dtype", x)) for x in arrays_and_dtypes]
    out = dtypes[0]
    for d in dtypes[1:]:
        out = _promote(out, d)
    return out


# --- conversion ----------------------------------------------------------------------------------


def _is_tensor(x: Any) -> builtins.bool:
    return isinstance(x, (tf.Tensor, tf.Variable))


def _default_dtype(value: Any) -> Any:
    """The dtype of a Python scalar or nested list without one: bool, int64 or float32."""
    arr = np.asarray(value)
    if arr.dtype.kind == "b":
        return tf.bool
    if arr.dtype.kind in "iu":
        return tf.int64
    if arr.dtype.kind == "c":
        return tf.complex64
    return tf.float32


def _scalar(value: Any, dtype: Any) -> Any:
    """A Python scalar as a 0-d tensor of ``dtype`` (``inf`` in an int dtype raises)."""
    return tf.constant(value, dtype=dtype)


def _tensor(x: Any, dtype: Any = None) -> Any:
    """``x`` as a tensor: tensors kept (cast to ``dtype``), other arrays and lists converted
    with their NumPy dtype (Python scalars and lists: bool, int64 or float32)."""
    if _is_tensor(x):
        return x if dtype is None or x.dtype == dtype else tf.cast(x, dtype)
    if dtype is None:
        arr = np.asarray(x)
        dtype = _default_dtype(x) if not hasattr(x, "dtype") else tf.as_dtype(arr.dtype)
        return tf.convert_to_tensor(arr, dtype=dtype)
    return tf.convert_to_tensor(np.asarray(x), dtype=dtype)


def _is_scalar(x: Any) -> builtins.bool:
    return isinstance(x, (builtins.bool, int, float, complex))


def _pair(x1: Any, x2: Any) -> tuple[Any, Any]:
    """Two operands as tensors of one dtype: a Python scalar takes the other's dtype (a float
    scalar with an integer array makes it float32); arrays promote (:func:`result_type`)."""
    if _is_scalar(x1) and _is_scalar(x2):
        x1 = _tensor(x1)
    if _is_scalar(x2):
        x1 = _tensor(x1)
        return _scalar_with(x2, x1)[::-1]
    if _is_scalar(x1):
        x2 = _tensor(x2)
        return _scalar_with(x1, x2)
    a, b = _tensor(x1), _tensor(x2)
    if a.dtype != b.dtype:
        dtype = _promote(a.dtype, b.dtype)
        a, b = _tensor(a, dtype), _tensor(b, dtype)
    return a, b


def _scalar_with(scalar: Any, x: Any) -> tuple[Any, Any]:
    """``(scalar as a tensor, x)``, both of one dtype."""
    if isinstance(scalar, float) and not x.dtype.is_floating and not x.dtype.is_complex:
        x = tf.cast(x, tf.float32)
    elif not isinstance(scalar, builtins.bool) and x.dtype == tf.bool:
        x = tf.cast(x, tf.int64 if isinstance(scalar, int) else tf.float32)
    return _scalar(scalar, x.dtype), x


def _device_scope(device: Any) -> Any:
    """A ``tf.device`` scope for ``device`` (a device string), or a no-op one."""
    import contextlib

    if not device:
        return contextlib.nullcontext()
    return tf.device(device)


def asarray(
    obj: Any, /, *, dtype: Any = None, device: Any = None, copy: builtins.bool | None = None
) -> Any:
    """``obj`` (tensor, array, list or scalar) as a tensor of ``dtype`` on ``device``."""
    with _device_scope(device):
        if _is_tensor(obj):
            out = tf.convert_to_tensor(obj) if isinstance(obj, tf.Variable) else obj
            out = _tensor(out, dtype)
            return tf.identity(out) if copy and out is obj else out
        return _tensor(obj, dtype)


def astype(x: Any, dtype: Any, /, *, copy: builtins.bool = True, device: Any = None) -> Any:
    """``x`` cast to ``dtype`` (floats to bool: ``x != 0``)."""
    x = _tensor(x)
    if x.dtype == dtype:
        return tf.identity(x) if copy else x
    if dtype == tf.bool:
        return tf.not_equal(x, tf.zeros((), x.dtype))
    return tf.cast(x, dtype)


# --- creation ------------------------------------------------------------------------------------


def _shape(shape: Any) -> Any:
    """A shape argument: an int or a sequence of ints and 0-d integer tensors (an unknown size
    inside ``tf.function``; ``backend.dynamic_shape`` gives them). ``None`` is refused."""
    shape = (shape,) if not isinstance(shape, (tuple, list)) else shape
    if builtins.any(d is None for d in shape):
        msg = (
            f"Shape {tuple(shape)} has an unknown size (None): inside tf.function, build shapes "
            "from anyloss.backend.dynamic_shape(x), which gives unknown sizes as tensors."
        )
        raise ValueError(msg)
    return shape


def zeros(shape: Any, *, dtype: Any = None, device: Any = None) -> Any:
    with _device_scope(device):
        return tf.zeros(_shape(shape), dtype=dtype or tf.float32)


def ones(shape: Any, *, dtype: Any = None, device: Any = None) -> Any:
    with _device_scope(device):
        return tf.ones(_shape(shape), dtype=dtype or tf.float32)


def full(shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Any:
    with _device_scope(device):
        dtype = dtype or _default_dtype(fill_value)
        return tf.fill(_shape(shape), _scalar(fill_value, dtype))


def zeros_like(x: Any, /, *, dtype: Any = None, device: Any = None) -> Any:
    return tf.zeros_like(x, dtype=dtype)


def ones_like(x: Any, /, *, dtype: Any = None, device: Any = None) -> Any:
    return tf.ones_like(x, dtype=dtype)


def full_like(x: Any, /, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Any:
    x = _tensor(x)
    return tf.fill(tf.shape(x), _scalar(fill_value, dtype or x.dtype))


def arange(
    start: Any,
    /,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
) -> Any:
    """``[start, stop)`` by ``step``; integers give int64, floats float32 (unless ``dtype``)."""
    if stop is None:
        start, stop = 0, start
    _shape((start, stop))  # refuses None
    if dtype is None:
        floats = builtins.any(isinstance(v, float) for v in (start, stop, step))
        dtype = tf.float32 if floats else tf.int64
    with _device_scope(device):
        return tf.range(start, stop, step, dtype=dtype)


def eye(
    n_rows: Any,
    n_cols: Any = None,
    /,
    *,
    k: int = 0,
    dtype: Any = None,
    device: Any = None,
) -> Any:
    """The ``n_rows x n_cols`` identity (ones on diagonal ``k``); sizes may be 0-d tensors."""
    n_cols = n_rows if n_cols is None else n_cols
    _shape((n_rows, n_cols))  # refuses None
    with _device_scope(device):
        rows = tf.range(n_rows, dtype=tf.int64)[:, None]
        cols = tf.range(n_cols, dtype=tf.int64)[None, :]
        out = tf.equal(rows + k, cols)
    return out if dtype == tf.bool else tf.cast(out, dtype or tf.float32)


# --- elementwise ---------------------------------------------------------------------------------


def _unary(fn: Any, name: str, doc: str) -> Any:
    def op(x: Any, /) -> Any:
        return fn(_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _binary(fn: Any, name: str, doc: str) -> Any:
    def op(x1: Any, x2: Any, /) -> Any:
        return fn(*_pair(x1, x2))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


abs = _unary(tf.math.abs, "abs", "``|x|``.")
negative = _unary(tf.math.negative, "negative", "``-x``.")
positive = _unary(tf.identity, "positive", "``+x``.")
exp = _unary(tf.math.exp, "exp", "``e**x``.")
expm1 = _unary(tf.math.expm1, "expm1", "``e**x - 1``.")
log = _unary(tf.math.log, "log", "Natural logarithm.")
log1p = _unary(tf.math.log1p, "log1p", "``log(1 + x)``.")
log2 = _unary(lambda x: tf.math.log(x) / math.log(2.0), "log2", "Base-2 logarithm.")
log10 = _unary(lambda x: tf.math.log(x) / math.log(10.0), "log10", "Base-10 logarithm.")
sqrt = _unary(tf.math.sqrt, "sqrt", "Square root.")
square = _unary(tf.math.square, "square", "``x**2``.")
sign = _unary(tf.math.sign, "sign", "-1, 0 or 1.")
sin, cos, tan = (_unary(f, f.__name__, f"``{f.__name__}``.") for f in (tf.sin, tf.cos, tf.tan))
sinh = _unary(tf.math.sinh, "sinh", "Hyperbolic sine.")
cosh = _unary(tf.math.cosh, "cosh", "Hyperbolic cosine.")
tanh = _unary(tf.math.tanh, "tanh", "Hyperbolic tangent.")
asin = _unary(tf.math.asin, "asin", "Inverse sine.")
acos = _unary(tf.math.acos, "acos", "Inverse cosine.")
atan = _unary(tf.math.atan, "atan", "Inverse tangent.")
sigmoid = _unary(tf.math.sigmoid, "sigmoid", "``1 / (1 + exp(-x))``.")
logical_not = _unary(tf.math.logical_not, "logical_not", "Logical not of a bool array.")


def _int_kept(fn: Any) -> Any:
    """``fn`` on floats; integer and bool arrays are returned as they are."""
    return lambda x: fn(x) if x.dtype.is_floating else x


floor = _unary(_int_kept(tf.math.floor), "floor", "Round down.")
ceil = _unary(_int_kept(tf.math.ceil), "ceil", "Round up.")
trunc = _unary(
    _int_kept(lambda x: tf.math.sign(x) * tf.math.floor(tf.math.abs(x))), "trunc", "Round toward 0."
)
round = _unary(_int_kept(tf.math.round), "round", "Round half to even.")


def _finite(x: Any) -> Any:
    return tf.math.is_finite(x) if x.dtype.is_floating else tf.ones_like(x, dtype=tf.bool)


def _nan(x: Any) -> Any:
    return tf.math.is_nan(x) if x.dtype.is_floating else tf.zeros_like(x, dtype=tf.bool)


def _inf(x: Any) -> Any:
    return tf.math.is_inf(x) if x.dtype.is_floating else tf.zeros_like(x, dtype=tf.bool)


isfinite = _unary(_finite, "isfinite", "Neither NaN nor infinite.")
isnan = _unary(_nan, "isnan", "NaN.")
isinf = _unary(_inf, "isinf", "Infinite.")

add = _binary(tf.math.add, "add", "``x1 + x2``.")
subtract = _binary(tf.math.subtract, "subtract", "``x1 - x2``.")
multiply = _binary(tf.math.multiply, "multiply", "``x1 * x2``.")
divide = _binary(
    lambda a, b: tf.math.truediv(
        *((tf.cast(a, tf.float32), tf.cast(b, tf.float32)) if not a.dtype.is_floating else (a, b))
    ),
    "divide",
    "``x1 / x2`` (integers divide as float32).",
)
floor_divide = _binary(tf.math.floordiv, "floor_divide", "``x1 // x2``.")
remainder = _binary(tf.math.floormod, "remainder", "``x1 % x2`` (sign of ``x2``).")
pow = _binary(tf.math.pow, "pow", "``x1 ** x2``.")


def _split_ties(fn: Any) -> Any:
    """``fn`` (``tf.maximum`` or ``tf.minimum``) with the gradient split in half between equal
    operands, as torch and JAX do (TensorFlow gives it all to the first): "TensorFlow: the
    gradient at ties of maximum and minimum is split" in ``docs/keras-differences.md``."""

    @tf.custom_gradient
    def same_shape(a: Any, b: Any) -> Any:
        def grad(g: Any) -> Any:
            to_a = tf.where(
                tf.equal(a, b), tf.constant(0.5, g.dtype), tf.cast(tf.equal(fn(a, b), a), g.dtype)
            )
            return g * to_a, g * (1 - to_a)

        return fn(a, b), grad

    def op(a: Any, b: Any) -> Any:
        if not a.dtype.is_floating:
            return fn(a, b)
        if not (a.shape.is_fully_defined() and a.shape == b.shape):
            a, b = broadcast_arrays(a, b)  # broadcast_to's gradient sums back
        return same_shape(a, b)

    return op


maximum = _binary(_split_ties(tf.math.maximum), "maximum", "Elementwise maximum.")
minimum = _binary(_split_ties(tf.math.minimum), "minimum", "Elementwise minimum.")
atan2 = _binary(tf.math.atan2, "atan2", "``atan(x1 / x2)`` in the right quadrant.")
equal = _binary(tf.math.equal, "equal", "``x1 == x2``.")
not_equal = _binary(tf.math.not_equal, "not_equal", "``x1 != x2``.")
less = _binary(tf.math.less, "less", "``x1 < x2``.")
less_equal = _binary(tf.math.less_equal, "less_equal", "``x1 <= x2``.")
greater = _binary(tf.math.greater, "greater", "``x1 > x2``.")
greater_equal = _binary(tf.math.greater_equal, "greater_equal", "``x1 >= x2``.")
logical_and = _binary(tf.math.logical_and, "logical_and", "Logical and of bool arrays.")
logical_or = _binary(tf.math.logical_or, "logical_or", "Logical or of bool arrays.")
logical_xor = _binary(tf.math.logical_xor, "logical_xor", "Logical xor of bool arrays.")


def _logaddexp(a: Any, b: Any) -> Any:
    # a + softplus(b - a) has the exact gradient everywhere (1/2 each at a == b, as torch and
    # JAX); the branch is chosen so the softplus argument is <= 0, and equal infinities are
    # their own answer (inf - inf is NaN).
    d = b - a
    out = tf.where(d <= 0, a + tf.math.softplus(d), b + tf.math.softplus(-d))
    return tf.where(tf.math.is_inf(a) & tf.equal(a, b), a, out)


logaddexp = _binary(_logaddexp, "logaddexp", "``log(exp(x1) + exp(x2))`` without overflow.")


def clip(x: Any, /, min: Any = None, max: Any = None) -> Any:
    """``x`` clipped to ``[min, max]`` (either may be ``None``); the result has ``x``'s dtype."""
    x = _tensor(x)
    low = None if min is None else _tensor(min, x.dtype)
    high = None if max is None else _tensor(max, x.dtype)
    if low is not None and high is not None:
        # Keras' own op on TensorFlow: its gradient passes inside [min, max], edges included.
        return tf.clip_by_value(x, low, high)
    if low is not None:
        return tf.math.maximum(x, low)
    if high is not None:
        return tf.math.minimum(x, high)
    return x


def where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """``x1`` where ``condition`` holds, else ``x2`` (broadcasting; scalars take the other's
    dtype)."""
    a, b = _pair(x1, x2)
    cond = _tensor(condition)
    if cond.dtype != tf.bool:
        cond = tf.not_equal(cond, tf.zeros((), cond.dtype))
    return tf.where(cond, a, b)


# --- reductions ----------------------------------------------------------------------------------


def _axes(axis: Any) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


def _numeric(x: Any) -> Any:
    x = _tensor(x)
    return tf.cast(x, tf.int64) if x.dtype == tf.bool else x


def sum(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: builtins.bool = False) -> Any:
    """Sum over ``axis`` (all axes when ``None``); bool sums count (int64)."""
    x = _numeric(x)
    if dtype is not None and x.dtype != dtype:
        x = tf.cast(x, dtype)
    return tf.math.reduce_sum(x, axis=_axes(axis), keepdims=keepdims)


def prod(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: builtins.bool = False) -> Any:
    """Product over ``axis``."""
    x = _numeric(x)
    if dtype is not None and x.dtype != dtype:
        x = tf.cast(x, dtype)
    return tf.math.reduce_prod(x, axis=_axes(axis), keepdims=keepdims)


def mean(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Mean over ``axis``."""
    return tf.math.reduce_mean(_tensor(x), axis=_axes(axis), keepdims=keepdims)


def max(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Maximum over ``axis``."""
    return tf.math.reduce_max(_tensor(x), axis=_axes(axis), keepdims=keepdims)


def min(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Minimum over ``axis``."""
    return tf.math.reduce_min(_tensor(x), axis=_axes(axis), keepdims=keepdims)


def _as_bool(x: Any) -> Any:
    x = _tensor(x)
    return x if x.dtype == tf.bool else tf.not_equal(x, tf.zeros((), x.dtype))


def any(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Whether any entry over ``axis`` is nonzero."""
    return tf.math.reduce_any(_as_bool(x), axis=_axes(axis), keepdims=keepdims)


def all(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Whether every entry over ``axis`` is nonzero."""
    return tf.math.reduce_all(_as_bool(x), axis=_axes(axis), keepdims=keepdims)


def var(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: builtins.bool = False,
) -> Any:
    """Variance over ``axis``, dividing by ``n - correction``."""
    x = _tensor(x)
    centred = x - tf.math.reduce_mean(x, axis=_axes(axis), keepdims=True)
    total = tf.math.reduce_sum(tf.math.square(centred), axis=_axes(axis), keepdims=keepdims)
    # Entries per reduced slice (known or not when tracing).
    n = tf.cast(tf.size(x), x.dtype) / tf.cast(tf.size(total), x.dtype)
    return total / (n - correction)


def std(
    x: Any,
    /,
    *,
    axis: Any = None,
    correction: float = 0.0,
    keepdims: builtins.bool = False,
) -> Any:
    """Standard deviation over ``axis``, dividing by ``n - correction``."""
    return tf.math.sqrt(var(x, axis=axis, correction=correction, keepdims=keepdims))


def argmax(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Index (int64) of the first maximum along ``axis`` (of the flattened array if ``None``)."""
    return _arg(tf.math.argmax, x, axis, keepdims)


def argmin(x: Any, /, *, axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Index (int64) of the first minimum along ``axis`` (of the flattened array if ``None``)."""
    return _arg(tf.math.argmin, x, axis, keepdims)


def _arg(fn: Any, x: Any, axis: Any, keepdims: builtins.bool) -> Any:
    x = _tensor(x)
    if axis is None:
        out = fn(tf.reshape(x, (-1,)), axis=0, output_type=tf.int64)
        return tf.reshape(out, (1,) * x.shape.rank) if keepdims else out
    out = fn(x, axis=axis, output_type=tf.int64)
    return tf.expand_dims(out, axis) if keepdims else out


def cumulative_sum(
    x: Any,
    /,
    *,
    axis: Any = None,
    dtype: Any = None,
    include_initial: builtins.bool = False,
) -> Any:
    """Running sum along ``axis`` (required above rank 1)."""
    x = _numeric(x)
    if axis is None:
        axis = 0
    if dtype is not None and x.dtype != dtype:
        x = tf.cast(x, dtype)
    out = tf.math.cumsum(x, axis=axis)
    if include_initial:
        pad = [[0, 0]] * x.shape.rank
        pad[axis] = [1, 0]
        out = tf.pad(out, pad)
    return out


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """NumPy's name of :func:`cumulative_sum` (a flattened ``x`` when ``axis`` is ``None``)."""
    if axis is None:
        x, axis = tf.reshape(_tensor(x), (-1,)), 0
    return cumulative_sum(x, axis=axis, dtype=dtype)


# --- shapes --------------------------------------------------------------------------------------


def reshape(x: Any, /, shape: Any, *, copy: builtins.bool | None = None) -> Any:
    return tf.reshape(x, _shape(shape))


def squeeze(x: Any, /, axis: Any) -> Any:
    return tf.squeeze(x, axis=_axes(axis) if isinstance(axis, tuple) else [axis])


def expand_dims(x: Any, /, *, axis: int = 0) -> Any:
    return tf.expand_dims(x, axis)


def broadcast_to(x: Any, /, shape: Any) -> Any:
    return tf.broadcast_to(x, _shape(shape))


def broadcast_arrays(*arrays: Any) -> list[Any]:
    shape = tf.shape(arrays[0])
    for a in arrays[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(a))
    return [tf.broadcast_to(a, shape) for a in arrays]


def permute_dims(x: Any, /, axes: Sequence[int]) -> Any:
    return tf.transpose(x, perm=list(axes))


def matrix_transpose(x: Any, /) -> Any:
    return tf.linalg.matrix_transpose(x)


def moveaxis(x: Any, source: Any, destination: Any, /) -> Any:
    """``x`` with the axes ``source`` (int or tuple) moved to ``destination``."""
    x = _tensor(x)
    rank = x.shape.rank
    src = [s % rank for s in (source if isinstance(source, tuple) else (source,))]
    dst = [d % rank for d in (destination if isinstance(destination, tuple) else (destination,))]
    order = [i for i in range(rank) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return tf.transpose(x, perm=order)


def flip(x: Any, /, *, axis: Any = None) -> Any:
    x = _tensor(x)
    axes = list(range(x.shape.rank)) if axis is None else _axes(axis)
    return tf.reverse(x, axes if isinstance(axes, list) else [axes])


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Any:
    """``arrays`` joined along ``axis`` (flattened when ``None``); dtypes promote."""
    arrays = _common(arrays)
    if axis is None:
        return tf.concat([tf.reshape(a, (-1,)) for a in arrays], axis=0)
    return tf.concat(arrays, axis=axis)


def stack(arrays: Sequence[Any], /, *, axis: int = 0) -> Any:
    """``arrays`` stacked along a new ``axis``; dtypes promote."""
    return tf.stack(_common(arrays), axis=axis)


def _common(arrays: Sequence[Any]) -> list[Any]:
    tensors = [_tensor(a) for a in arrays]
    dtype = result_type(*tensors)
    return [_tensor(t, dtype) for t in tensors]


def tile(x: Any, repetitions: Sequence[int], /) -> Any:
    """``x`` repeated ``repetitions[i]`` times along axis ``i`` (the shorter is padded with
    leading ones)."""
    x = _tensor(x)
    reps = list(repetitions)
    rank = x.shape.rank
    if len(reps) > rank:
        x = tf.reshape(x, tf.concat([tf.ones(len(reps) - rank, tf.int32), tf.shape(x)], 0))
    reps = [1] * (x.shape.rank - len(reps)) + reps
    return tf.tile(x, reps)


def repeat(x: Any, repeats: Any, /, *, axis: int | None = None) -> Any:
    """Each entry repeated ``repeats`` times along ``axis`` (flattened when ``None``)."""
    x = _tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, (-1,)), 0
    return tf.repeat(x, repeats, axis=axis)


# --- indexing, sorting, linear algebra -----------------------------------------------------------


def take(x: Any, indices: Any, /, *, axis: int | None = None) -> Any:
    """Entries of ``x`` at ``indices`` along ``axis`` (flattened when ``None``)."""
    x = _tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, (-1,)), 0
    return tf.gather(x, _tensor(indices), axis=axis)


def take_along_axis(x: Any, indices: Any, /, *, axis: int = -1) -> Any:
    """``x`` gathered along ``axis`` at ``indices`` (same rank; other axes broadcast)."""
    x, indices = _tensor(x), _tensor(indices)
    rank = x.shape.rank
    axis = axis % rank
    if axis != rank - 1:
        x, indices = moveaxis(x, axis, -1), moveaxis(indices, axis, -1)
    batch = tf.broadcast_dynamic_shape(tf.shape(x)[:-1], tf.shape(indices)[:-1])
    x = tf.broadcast_to(x, tf.concat([batch, tf.shape(x)[-1:]], 0))
    indices = tf.broadcast_to(indices, tf.concat([batch, tf.shape(indices)[-1:]], 0))
    out = tf.gather(x, indices, axis=rank - 1, batch_dims=rank - 1)
    return moveaxis(out, -1, axis) if axis != rank - 1 else out


def sort(
    x: Any, /, *, axis: int = -1, descending: builtins.bool = False, stable: builtins.bool = True
) -> Any:
    """``x`` sorted along ``axis``."""
    return tf.sort(x, axis=axis, direction="DESCENDING" if descending else "ASCENDING")


def argsort(
    x: Any, /, *, axis: int = -1, descending: builtins.bool = False, stable: builtins.bool = True
) -> Any:
    """Indices (int64) that sort ``x`` along ``axis``; ties keep their order."""
    order = tf.argsort(
        x, axis=axis, direction="DESCENDING" if descending else "ASCENDING", stable=True
    )
    return tf.cast(order, tf.int64)


def matmul(x1: Any, x2: Any, /) -> Any:
    """Matrix product, batched and broadcast over leading axes; 1-d operands as vectors."""
    a, b = _pair(x1, x2)
    if a.shape.rank == 1 and b.shape.rank == 1:
        return tf.reduce_sum(a * b, axis=-1)
    if a.shape.rank == 1:
        return tf.linalg.matmul(a[None, :], b)[..., 0, :]
    if b.shape.rank == 1:
        return tf.linalg.matmul(a, b[:, None])[..., 0]
    return tf.linalg.matmul(a, b)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """Sum of products over ``axes`` (an int, or two sequences of axes)."""
    a, b = _pair(x1, x2)
    if not isinstance(axes, int):
        axes = [list(axes[0]), list(axes[1])]
    return tf.tensordot(a, b, axes=axes)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot product along ``axis``."""
    a, b = _pair(x1, x2)
    return tf.reduce_sum(a * b, axis=axis)


# --- fused kernels -------------------------------------------------------------------------------


def sparse_softmax_crossentropy(logits: Any, labels: Any) -> Any:
    """``logsumexp(logits) - logits[labels]`` along the last axis, in one fused kernel (labels
    must be in range: the caller checks them, D13)."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def ctc_loss(logits: Any, labels: Any) -> Any:
    """CTC per sample from eager float32 ``(batch, time, classes)`` logits on the CPU in
    TensorFlow's CTC kernel (``CTCLoss``, which ``tf.nn.ctc_loss`` calls for sparse labels).

    ``labels`` must be checked already: classes ``1..classes-1``, the blank 0 only padding the end
    of a row. ``None`` where the kernel's numbers differ from the formula's: a row that is empty
    or needs more frames than ``time`` (the kernel raises), or a frame whose logits spread so far
    that a softmax probability underflows float32 (the kernel takes probabilities, not their
    logs: a path through it is dropped, giving inf or a larger loss)."""
    if ":CPU:" not in logits.device.upper():
        return None
    host = labels.numpy()
    present = host != 0
    lengths = present.sum(axis=1)
    repeats = present[:, 1:] & (host[:, 1:] == host[:, :-1])  # need a blank between them
    if np.any(lengths == 0) or np.any(lengths + repeats.sum(axis=1) > logits.shape[1]):
        return None
    # p >= exp(min - max) / classes stays a normal float32 (> exp(-87.3)), with a margin.
    spread = tf.reduce_max(tf.reduce_max(logits, axis=-1) - tf.reduce_min(logits, axis=-1))
    if not float(spread) < 86.0 - math.log(logits.shape[-1]):  # NaN fails too
        return None
    # The kernel's blank is the last class: class 0 moves there, the labels shift down by one.
    sparse = tf.SparseTensor(np.argwhere(present), (host[present] - 1).astype(np.int32), host.shape)
    rotated = tf.concat([logits[..., 1:], logits[..., :1]], axis=-1)
    time = tf.fill([logits.shape[0]], logits.shape[1])
    return tf.compat.v1.nn.ctc_loss(sparse, rotated, time, time_major=False)
