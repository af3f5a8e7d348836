"""Value checks on labels (D13), and when they may run.

Reading a value back to Python (``bool(xp.any(bad))``) is free on the host but is a device sync
on an accelerator, a graph break under ``torch.compile`` and impossible under ``jax.jit`` or on a
lazy Dask graph. The policy, set with :func:`value_checks`:

- ``"auto"`` (default): check arrays whose values live in host memory (NumPy, torch on CPU, JAX
  on CPU, array_api_strict) outside tracing; skip them on accelerators, inside
  ``torch.compile``/``jax.jit`` and on lazy arrays. A training step on a GPU thus never waits
  for the device because of a check.
- ``"always"``: also check on accelerators (one sync per call: for debugging).
- ``"never"``: skip every value check (labels are trusted).

Each check is one fused reduction on the happy path; the work of finding the offending value
for the error message is done only when a check fails.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import array_api_compat as aac
import numpy as np

_MODES = ("auto", "always", "never")
_mode = "auto"


def set_value_checks(mode: str) -> str:
    """Set the label-check policy (``"auto"``, ``"always"``, ``"never"``); returns the old one."""
    global _mode
    if mode not in _MODES:
        msg = f"Invalid value checks mode: expected one of {list(_MODES)}. Received: {mode!r}"
        raise ValueError(msg)
    old, _mode = _mode, mode
    return old


@contextlib.contextmanager
def value_checks(mode: str) -> Iterator[None]:
    """``with value_checks("always"): ...`` sets the label-check policy inside the block."""
    old = set_value_checks(mode)
    try:
        yield
    finally:
        set_value_checks(old)


def is_torch_array(x: Any) -> bool:
    """``array_api_compat.is_torch_array`` without its ``lru_cache`` (which ``torch.compile``
    warns about), and safe where torch is blocked from import."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def is_tensorflow_array(x: Any) -> bool:
    """Whether ``x`` is a TensorFlow tensor or variable (eager or symbolic), without importing
    TensorFlow: none exists before it is imported."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(x, (tf.Tensor, tf.Variable))


def checks_apply(x: Any) -> bool:
    """Whether value checks run on ``x`` under the current policy."""
    if _mode == "never":
        return False
    if isinstance(x, np.ndarray):
        return True
    if is_torch_array(x):
        if sys.modules["torch"].compiler.is_compiling():
            return False
        return x.is_cpu or (_mode == "always" and not x.is_meta)
    if not is_concrete(x):  # JAX tracers, Dask graphs, symbolic TensorFlow tensors
        return False
    if _mode == "always":
        return True
    if is_tensorflow_array(x):
        return ":CPU:" in x.device.upper()
    if sys.modules.get("jax") is not None and aac.is_jax_array(x):
        return all(d.platform == "cpu" for d in x.devices())
    return not (sys.modules.get("cupy") is not None and aac.is_cupy_array(x))


def is_concrete(x: Any) -> bool:
    """True when ``x``'s values can be read now: not a JAX tracer, not a lazy Dask graph, not
    a symbolic TensorFlow tensor (inside ``tf.function``, where even an eager tensor's value is
    out of reach of the traced code).

    (array-api-compat's ``is_lazy_array`` counts every JAX array as lazy, concrete ones too.)
    """
    if is_tensorflow_array(x):
        tf = sys.modules["tensorflow"]
        return tf.executing_eagerly() and not tf.is_symbolic_tensor(x)
    jax = sys.modules.get("jax")
    if jax is not None and aac.is_jax_array(x):
        return not isinstance(x, jax.core.Tracer)
    return not aac.is_lazy_array(x)


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy of a foreign array (labels and weights only: never on ``y_pred``)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch
        return x.detach().cpu().numpy()
    return np.asarray(x)


def first_where(x: Any, bad: Any) -> Any:
    """The first element of ``x`` where ``bad`` holds (for error messages only)."""
    return to_numpy(x).reshape(-1)[to_numpy(bad).reshape(-1)][0].item()


def check_whole_numbers(xp: Any, labels: Any, arg: str = "y_true") -> None:
    """``ValueError`` unless float ``labels`` hold whole numbers: ``1.5`` is a bug, not a class."""
    if not checks_apply(labels):
        return
    # NaN and inf are not whole numbers (inf == floor(inf), but casts to garbage).
    bad = ~xp.isfinite(labels) | (labels != xp.floor(labels))
    if bool(xp.any(bad)):
        msg = (
            f"`{arg}` must hold integer class indices, got non-integer values (e.g. "
            f"{first_where(labels, bad)}). Round or cast your labels, or use "
            "categorical_crossentropy for soft (one-hot) targets."
        )
        raise ValueError(msg)


def min_max(xp: Any, x: Any) -> tuple[Any, Any]:
    """The smallest and largest value of ``x`` as 0-d arrays (on torch one ``aminmax`` pass,
    outside autograd: a check reads values, it is no part of the graph)."""
    if is_torch_array(x):
        low, high = x.detach().aminmax()
        return low, high
    return xp.min(x), xp.max(x)


def check_label_range(
    xp: Any,
    labels: Any,
    num_classes: int,
    loss: str,
    ignore: Any = None,
    ignore_arg: str | None = None,
) -> None:
    """D13: ``ValueError`` naming a label outside ``[0, num_classes)`` (entries equal to
    ``ignore`` excepted), where :func:`checks_apply`; inside ``jax.jit``, ``torch.compile`` or on
    accelerators (policy ``"auto"``) the values are not read. ``ignore_arg`` names the loss'
    argument for a padding label, if it has one."""
    if not checks_apply(labels) or 0 in labels.shape:
        return
    # Operators, not xp.equal: the torch kernels pass torch itself, whose `equal` compares whole
    # tensors. Checks read values, so they never run where `==` is no tensor op (TF1 graphs).
    checked = (
        labels if ignore is None else xp.where(labels == ignore, xp.zeros_like(labels), labels)
    )
    low, high = (int(v) for v in min_max(xp, checked))
    if low < 0 or high >= num_classes:
        bad = (checked < 0) | (checked >= num_classes)
        msg = (
            f"{loss}: `y_true` holds the label {first_where(labels, bad)}, outside "
            f"[0, {num_classes}) for y_pred with {num_classes} classes. Labels must be class "
            "indices 0..num_classes-1"
            + (f"; use `{ignore_arg}=` for a padding label." if ignore_arg else ".")
        )
        raise ValueError(msg)
