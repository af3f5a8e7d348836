"""The one place that knows about array libraries.

Every loss starts with ``xp = namespace(y_pred)``: ``y_pred`` carries the gradient, so it
decides the library, the device and the dtype. ``y_true`` and sample weights are converted to
match with :func:`like`. Everything else in anyloss is written against the Python array API.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import array_api_compat as aac
import numpy as np

from anyloss.backend._checks import (
    check_label_range,
    check_whole_numbers,
    checks_apply,
    is_concrete,
    is_tensorflow_array,
    is_torch_array,
    min_max,
    set_value_checks,
    to_numpy,
    value_checks,
)
from anyloss.backend._dtypes import compute_dtype
from anyloss.backend._extras import (
    cond,
    converted,
    cumulative_sum,
    floor_finite,
    gather_classes,
    is_dask,
    is_jax,
    is_numpy_backed,
    is_tensorflow,
    is_torch,
    log_cosh,
    log_sigmoid,
    log_softmax,
    logsumexp,
    one_hot,
    scan,
    sigmoid,
    softmax,
    softplus,
    softplus_one_exp,
    stop_gradient,
    suffix_logsumexp,
    take_along_last,
)
from anyloss.backend._native import generic_only, native_kernels_apply, torch_kernels_apply

__all__ = [
    "EPSILON",
    "as_float",
    "check_label_range",
    "check_whole_numbers",
    "checks_apply",
    "chunked_linear_crossentropy",
    "chunked_sparse_crossentropy",
    "compute_dtype",
    "cond",
    "converted",
    "ctc_loss",
    "cumulative_sum",
    "device_of",
    "divide_no_nan",
    "dynamic_shape",
    "float_dtype",
    "floor_finite",
    "gather_classes",
    "generic_only",
    "host_bfloat16",
    "is_array",
    "is_concrete",
    "is_dask",
    "is_float_dtype",
    "is_int_dtype",
    "is_jax",
    "is_numpy_backed",
    "is_tensorflow",
    "is_torch",
    "like",
    "log_cosh",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "min_max",
    "namespace",
    "ndim",
    "one_hot",
    "prediction",
    "scan",
    "set_value_checks",
    "shape",
    "sigmoid",
    "softmax",
    "softplus",
    "softplus_one_exp",
    "sparse_softmax_crossentropy",
    "stop_gradient",
    "suffix_logsumexp",
    "take_along_last",
    "to_numpy",
    "torch_kernels_apply",
    "value_checks",
]

#: Keras' fuzz factor (``keras.config.epsilon()``), used wherever Keras clips.
EPSILON = 1e-7

_NAMESPACES: dict[type, Any] = {}


def is_array(x: Any) -> bool:
    """True for arrays of any array-API library (not Python scalars, lists or tuples)."""
    if is_torch_array(x):  # the common case first, without array-api-compat's lru_cache
        return True
    if is_tensorflow_array(x):
        return True
    return aac.is_array_api_obj(x) and not isinstance(x, (int, float, complex, bool))


def namespace(x: Any) -> Any:
    """The array-API namespace of ``x``; NumPy for lists, tuples and Python scalars.

    The decision is cached per type: resolving it costs microseconds, and a loss pays it on
    every call.
    """
    kind = type(x)
    xp = _NAMESPACES.get(kind)
    if xp is None:
        if is_torch_array(x):
            # What array_namespace returns, without its lru_cache: a first call inside
            # torch.compile would warn about tracing through it.
            import array_api_compat.torch as xp
        elif is_tensorflow_array(x):
            # TensorFlow has no array-API namespace: anyloss' adapter is one (imported only
            # now, so `import anyloss` never imports TensorFlow).
            from anyloss.backend import _tensorflow as xp
        elif is_array(x):
            xp = aac.array_namespace(x)
        else:
            xp = aac.array_namespace(np.empty(0))
            # Lists and scalars are not cached: their namespace is always NumPy's.
            return xp
        _NAMESPACES[kind] = xp
    return xp


def prediction(y_pred: Any, dtype: Any = None) -> tuple[Any, Any]:
    """``(xp, y_pred)`` with ``y_pred`` as a float array of its library, in ``dtype`` or its
    compute dtype. Lists and scalars become float32 NumPy arrays, as in Keras."""
    if not is_array(y_pred):
        _refuse_tensorflow(y_pred, "y_pred")
        arr = np.asarray(y_pred)
        if arr.dtype.kind not in "biuf":
            msg = (
                f"`y_pred` must be numeric, got {type(y_pred).__name__} of dtype {arr.dtype}. "
                "Pass the model's output as a float array."
            )
            raise TypeError(msg)
        y_pred = np.asarray(arr, dtype=np.float32)
    xp = namespace(y_pred)
    if not _is_real(xp, y_pred.dtype):
        msg = (
            f"`y_pred` must have a real float dtype, got {y_pred.dtype}. Cast it to float32 "
            "(complex, string and object arrays have no loss)."
        )
        raise TypeError(msg)
    if is_tensorflow(xp):
        _refuse_unknown_rank(y_pred, "y_pred")
        y_pred = xp.asarray(y_pred)  # a tf.Variable is read (the tape records the read)
    return xp, as_float(xp, y_pred, dtype)


#: Keyed by ``(namespace, type, dtype)``. The namespace is part of the key because libraries
#: share dtype objects: JAX's bfloat16 *is* NumPy's ``ml_dtypes.bfloat16`` dtype, yet the two
#: namespaces may judge it differently, so a cache keyed by the dtype alone let whichever library
#: was seen first decide for both (issue 18). The type is there because dtypes of different
#: libraries may hash alike, and comparing them warns (array_api_strict) or is undefined.
_REAL_DTYPES: dict[tuple[str | None, type, Any], bool] = {}


def _is_real(xp: Any, dtype: Any) -> bool:
    """Real float, integer or bool (decided once per namespace and dtype: every loss call
    asks). The namespace enters the key by name: ``torch.compile`` traces the lookup, and a
    string key keeps it traceable."""
    if is_tensorflow(xp):
        # Not cached here: TensorFlow's DType hashes in C, which torch.compile cannot trace
        # through (a cache holding one breaks torch.compile later in the same process).
        return xp.isdtype(dtype, ("real floating", "integral", "bool"))
    key = (getattr(xp, "__name__", None), type(dtype), dtype)
    known = _REAL_DTYPES.get(key)
    if known is not None:
        return known
    try:
        real = bool(xp.isdtype(dtype, ("real floating", "integral", "bool")))
    except (TypeError, ValueError, AttributeError):  # strings, objects, ml_dtypes on NumPy 2
        real = False
    # ml_dtypes' bfloat16, float8 and int4 on NumPy: NumPy 2's isdtype raises on them, NumPy
    # 1.26's says False; both are real numbers that a loss computes in float32.
    real = real or _is_ml_dtype(dtype)
    _REAL_DTYPES[key] = real
    return real


def _is_ml_dtype(dtype: Any) -> bool:
    """A NumPy dtype defined by ml_dtypes (bfloat16, float8_*, int4, ...)."""
    scalar = getattr(dtype, "type", None)
    return getattr(dtype, "kind", None) == "V" and getattr(scalar, "__module__", "") == "ml_dtypes"


def device_of(x: Any) -> Any:
    """The device of ``x`` (``None`` for JAX tracers, which ``asarray`` accepts; TensorFlow's
    device string, empty for symbolic tensors, whose placement TensorFlow decides)."""
    if is_torch_array(x):
        return x.device  # what aac.device returns, without its dispatch
    if is_tensorflow_array(x):
        return x.device
    return aac.device(x)


def shape(x: Any) -> tuple[Any, ...]:
    """The shape, with unknown sizes (Dask's ``nan``, TensorFlow's unknown dimensions inside
    ``tf.function``) as ``None``."""
    if isinstance(x, np.ndarray) or is_torch_array(x):  # sizes always known: no scan
        return tuple(x.shape)
    if is_tensorflow_array(x):
        _refuse_unknown_rank(x)
    return tuple(
        None if (d is None or (isinstance(d, float) and math.isnan(d))) else d for d in x.shape
    )


def dynamic_shape(x: Any) -> tuple[Any, ...]:
    """The shape to build arrays with (``xp.eye``, ``xp.zeros``, ``xp.reshape``): known sizes as
    ints, unknown ones as 0-d integer tensors where the library has them (TensorFlow's
    ``tf.shape(x)[i]`` inside ``tf.function``), else as in :func:`shape`."""
    dims = shape(x)
    if None in dims and is_tensorflow_array(x):
        sizes = sys.modules["tensorflow"].shape(x)
        return tuple(sizes[i] if d is None else d for i, d in enumerate(dims))
    return dims


def ndim(x: Any) -> int:
    return len(x.shape)


def is_float_dtype(xp: Any, dtype: Any) -> bool:
    return xp.isdtype(dtype, "real floating")


def is_int_dtype(xp: Any, dtype: Any) -> bool:
    return xp.isdtype(dtype, "integral")


def float_dtype(xp: Any, name: str) -> Any:
    """The dtype called ``name`` in ``xp`` (Dask's namespace lacks ``float16``: NumPy's serves)."""
    dtype = getattr(xp, name, None)
    if dtype is None and is_dask(xp):
        dtype = np.dtype(name)
    if dtype is None:
        msg = f"dtype={name!r} is not supported by {xp.__name__}. Use 'float32' or 'float64'."
        raise ValueError(msg)
    return dtype


def host_bfloat16(xp: Any) -> Any:
    """ml_dtypes' bfloat16 for a NumPy-backed ``xp``, else ``None``. NumPy has no bfloat16
    arithmetic: a ``dtype="bfloat16"`` loss computes there in float32 and returns bfloat16
    ("bfloat16 on NumPy" in ``docs/keras-differences.md``)."""
    if not is_numpy_backed(xp):
        return None
    try:
        import ml_dtypes
    except ImportError:
        msg = "dtype='bfloat16' on NumPy arrays needs ml_dtypes: pip install ml_dtypes."
        raise ValueError(msg) from None
    return np.dtype(ml_dtypes.bfloat16)


def as_float(xp: Any, x: Any, dtype: Any = None) -> Any:
    """``x`` cast to ``dtype`` (default: its compute dtype); no copy when it already is."""
    if dtype is None:
        dtype = compute_dtype(xp, x.dtype)
    if x.dtype == dtype:
        return x
    return xp.astype(x, dtype)


def like(x: Any, ref: Any, xp: Any, dtype: Any = None, arg: str = "y_true") -> Any:
    """``x`` (array of any library, list or scalar) as an array of ``ref``'s library and device.

    With ``dtype=None`` the dtype of an array is kept (integer labels stay integer); lists and
    scalars get ``ref``'s dtype. Foreign arrays go through NumPy: they are labels or weights,
    which carry no gradient. Strings, objects and complex numbers raise ``TypeError`` naming
    ``arg`` (a complex array would silently lose its imaginary part).
    """
    if is_torch_array(x) and is_torch_array(ref):  # the common case, without dispatch
        if not _is_real(xp, x.dtype):
            raise _not_numeric(arg, x, x.dtype)
        x = x if x.device == ref.device else x.to(ref.device)
        return x if dtype is None or x.dtype == dtype else x.to(dtype)
    device = device_of(ref)
    if is_array(x):
        if not _is_real(namespace(x), x.dtype):
            raise _not_numeric(arg, x, x.dtype)
        if is_tensorflow_array(x):
            _refuse_unknown_rank(x, arg)
        if namespace(x) is not xp:
            if is_tensorflow_array(x) and not is_concrete(x):
                msg = (
                    f"`{arg}` is a symbolic TensorFlow tensor (inside tf.function or a TF1 "
                    f"graph) and `y_pred` a {type(ref).__module__.split('.')[0]} array: anyloss "
                    "computes in y_pred's library, which cannot read a symbolic tensor's "
                    "values. Pass `y_pred` as a TensorFlow tensor too."
                )
                raise TypeError(msg)
            x = xp.asarray(to_numpy(x), device=device)
        elif is_tensorflow(xp):
            # TensorFlow copies between devices itself; a tf.Variable is read.
            x = xp.asarray(x)
        elif device_of(x) != device:
            x = aac.to_device(x, device)
    else:
        _refuse_tensorflow(x, arg)
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise _not_numeric(arg, x, arr.dtype)
        if dtype is None and arr.dtype.kind == "f":
            dtype = ref.dtype
        x = xp.asarray(arr, device=device)
    if dtype is not None and x.dtype != dtype:
        x = xp.astype(x, dtype)
    return x


def _refuse_tensorflow(x: Any, arg: str) -> None:
    """``TypeError`` for a TensorFlow object that is no dense tensor (ragged, sparse) and for a
    Keras 3 or tf_keras symbolic input: ``np.asarray`` would take it silently, as a NumPy copy
    with no gradient, or fail obscurely. Detected by module name, without importing either."""
    kind = type(x)
    if kind.__name__ == "KerasTensor" and kind.__module__.startswith(("keras.", "tf_keras.")):
        msg = (
            f"`{arg}` is a KerasTensor: a symbolic placeholder (keras.Input, or a layer's output "
            f"while a functional model is built) with a shape {getattr(x, 'shape', '?')} but no "
            "values, so no loss can be computed from it. Give the loss to "
            "model.compile(loss=...) (after `import anyloss.keras`, or `anyloss.tf_keras`, "
            "anyloss losses work there), or call it on real tensors in a custom train_step."
        )
        raise TypeError(msg)
    if not kind.__module__.startswith(("tensorflow.", "tf_keras.")):
        return
    if kind.__name__ == "RaggedTensor":
        fix = (
            "Pad it with .to_tensor() and leave the padding out of the loss with a mask "
            "(`mask=` of a Loss call, or a sample weight of 0 on padded entries)"
        )
    elif kind.__name__ == "SparseTensor":
        fix = "Convert it with tf.sparse.to_dense()"
    else:
        fix = "Pass a dense tf.Tensor (or a tf.Variable)"
    msg = (
        f"`{arg}` is a TensorFlow {kind.__name__}, which anyloss does not take: losses compute "
        f"on dense tensors. {fix}."
    )
    raise TypeError(msg)


def _refuse_unknown_rank(x: Any, arg: str | None = None) -> None:
    """``ValueError`` for a TensorFlow tensor of unknown rank (``tf.TensorSpec(None)``, a TF1
    ``placeholder()`` without a shape): losses need the number of axes (the class axis, the
    alignment of ``y_true`` with ``y_pred``), though not their sizes. Keras 3 fails on such
    tensors too, with an error from deep inside the loss."""
    if x.shape.rank is None:
        msg = (
            f"{f'`{arg}`' if arg else 'An input'} is a TensorFlow tensor of unknown rank: "
            "anyloss needs the number of axes of its inputs (their sizes may be unknown). Give "
            "it a rank, e.g. tf.TensorSpec([None, None]) or tf.ensure_shape(x, [None, None])."
        )
        raise ValueError(msg)


def _not_numeric(arg: str, x: Any, dtype: Any) -> TypeError:
    msg = (
        f"`{arg}` must be numeric, got {type(x).__name__} of dtype {dtype}. Pass a real float "
        "or int array (strings, objects and complex numbers have no loss)."
    )
    return TypeError(msg)


def divide_no_nan(xp: Any, num: Any, den: Any) -> Any:
    """``num / den``, with 0 where ``den == 0`` (Keras' ``divide_no_nan``), gradient-safe.

    ``num`` may be a Python number."""
    zero = xp.equal(den, 0)
    out = num / xp.where(zero, xp.ones_like(den), den)
    return xp.where(zero, xp.zeros_like(out), out)


def chunked_sparse_crossentropy(
    xp: Any, logits: Any, labels: Any, chunk_size: int, label_smoothing: float = 0.0
) -> Any:
    """Sparse CE from logits (classes last) computed ``chunk_size`` rows at a time, with a
    gradient that never needs the full softmax; ``None`` off torch (the caller then computes it
    directly: XLA fuses that to the gradient alone)."""
    if not is_torch(xp):
        return None
    from anyloss.backend._torch_chunked import chunked_sparse_crossentropy as chunked

    return chunked(logits, labels, chunk_size, label_smoothing)


def chunked_linear_crossentropy(
    xp: Any,
    hidden: Any,
    weight: Any,
    bias: Any,
    labels: Any,
    chunk_size: int,
    label_smoothing: float = 0.0,
) -> Any:
    """Sparse CE of ``hidden @ weight.T + bias`` computed ``chunk_size`` rows at a time, never
    holding all logits; ``None`` off torch."""
    if not is_torch(xp):
        return None
    from anyloss.backend._torch_chunked import chunked_linear_crossentropy as chunked

    return chunked(hidden, weight, bias, labels, chunk_size, label_smoothing)


def sparse_softmax_crossentropy(xp: Any, logits: Any, labels: Any) -> Any:
    """``logsumexp(logits) - logits[labels]`` (classes last, labels in range) in TensorFlow's
    fused kernel, which Keras' own TensorFlow backend calls; ``None`` off TensorFlow and inside
    :func:`generic_only` (the caller then computes the array-API formula: the same numbers)."""
    if not is_tensorflow(xp) or not native_kernels_apply(logits):
        return None
    return xp.sparse_softmax_crossentropy(logits, labels)


def ctc_loss(xp: Any, logits: Any, labels: Any) -> Any:
    """CTC per sample from float32 ``(batch, time, classes)`` logits and checked labels (blank 0,
    rows padded at the end) in TensorFlow's CTC kernel. ``None`` (the caller then computes the
    array-API recursion: the same numbers) off TensorFlow, inside :func:`generic_only`, for
    float64 (the kernel keeps float32 precision), where labels are not read (``tf.function``,
    XLA, TF1 graphs, accelerators: the kernel needs their layout and has no XLA form), for empty
    inputs, and where the kernel would differ (``_tensorflow.ctc_loss``)."""
    if (
        not is_tensorflow(xp)
        or not native_kernels_apply(logits)
        or logits.dtype != xp.float32
        or not checks_apply(labels)
        or 0 in shape(logits)
        or 0 in shape(labels)
    ):
        return None
    return xp.ctc_loss(logits, labels)
