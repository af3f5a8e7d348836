"""When a library's own fused kernels may stand in for the array-API formula of a built-in loss.

Each built-in names its kernel in its declaration (``torch_kernel=`` in
``anyloss.losses._builtin.builtin``); :func:`torch_kernels_apply` decides whether it is tried for
a given ``y_pred``. PyTorch has kernels for whole losses (``backend/_torch_kernels.py``);
TensorFlow has two, called from the formulas: sparse CE from logits
(``tf.nn.sparse_softmax_cross_entropy_with_logits``, ``backend.sparse_softmax_crossentropy``) and
CTC on eager float32 tensors (``backend.ctc_loss``). Its fused softmax CE and its sigmoid CE are
slower than the formulas on the CPU, and the first has the gradient of normalised labels only.
Jitted JAX runs the array-API formulas at optax' speed (``benchmarks/RESULTS.md``), and NumPy has
no fused kernels to call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from anyloss.backend._checks import is_tensorflow_array, is_torch_array

_generic_only = False


@contextlib.contextmanager
def generic_only() -> Iterator[None]:
    """Inside the block every loss takes the array-API path (tests compare the two paths)."""
    global _generic_only
    old, _generic_only = _generic_only, True
    try:
        yield
    finally:
        _generic_only = old


def torch_kernels_apply(y_pred: Any) -> bool:
    """Whether a built-in's torch kernel is tried for ``y_pred``: a torch tensor, outside
    :func:`generic_only`."""
    return not _generic_only and is_torch_array(y_pred)


def native_kernels_apply(y_pred: Any) -> bool:
    """Whether a library's fused kernel inside a formula is tried for ``y_pred``: a TensorFlow
    tensor, outside :func:`generic_only`."""
    return not _generic_only and is_tensorflow_array(y_pred)
