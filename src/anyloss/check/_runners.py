"""Run a loss on one library, with that library's autodiff, and record what came back.

The checker is about user code, so this module calls torch, JAX and TensorFlow directly (imported
lazily, only when that backend is checked); the losses themselves never do.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss.check._inputs import Case

#: Backends the checker knows, in the order it runs them.
BACKENDS = ("numpy", "torch", "jax", "tensorflow")
#: Backends checked when none are named: TensorFlow only when named (importing it takes
#: seconds, and the other three run the same array-API code paths).
DEFAULT_BACKENDS = ("numpy", "torch", "jax")


@dataclass
class Run:
    """What one call ``fn(y_true, y_pred)`` on one backend gave.

    ``grad`` is the gradient of ``sum(output)`` with respect to ``y_pred`` (``None`` on NumPy,
    or when there was none to take: see ``detached`` and ``grad_error``).
    """

    backend: str
    case: Case
    error: BaseException | None = None
    output_type: str = ""
    native: bool = True
    values: np.ndarray | None = None
    grad: np.ndarray | None = None
    detached: bool = False
    grad_error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def finite(self) -> bool:
        return self.values is not None and bool(np.all(np.isfinite(self.values.astype(np.float64))))

    @property
    def float_output(self) -> bool:
        return self.values is not None and self.values.dtype.kind == "f"


def installed(names: tuple[str, ...] = BACKENDS) -> tuple[str, ...]:
    """The backends among ``names`` importable here (found without importing them; each
    backend is the module of the same name)."""
    return tuple(b for b in names if importlib.util.find_spec(b) is not None)


def select(backends: str | Sequence[str] | None) -> tuple[str, ...]:
    """The backends to run, validated: every installed one when ``backends`` is ``None``."""
    available = installed()
    if backends is None:
        return installed(DEFAULT_BACKENDS)
    try:
        names = (backends,) if isinstance(backends, str) else tuple(backends)
    except TypeError:
        msg = (
            f"Argument `backends` must be a backend name or a list of them. Expected names "
            f"from {BACKENDS}. Received: backends={backends!r}"
        )
        raise TypeError(msg) from None
    for name in names:
        if name not in BACKENDS:
            msg = (
                f"Invalid value for argument `backends`: unknown backend {name!r}. Expected "
                f"names from {BACKENDS}. Received: backends={backends!r}"
            )
            raise ValueError(msg)
        if name not in available:
            msg = (
                f"Argument `backends` names {name!r}, which is not installed here "
                f"(installed: {', '.join(available)}). Install it or leave it out."
            )
            raise ValueError(msg)
    if not names:
        msg = "Argument `backends` is empty: name at least one of " + ", ".join(available)
        raise ValueError(msg)
    return tuple(b for b in BACKENDS if b in names)


def _type_name(x: Any) -> str:
    kind = type(x)
    module = kind.__module__.split(".")[0]
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def run(backend: str, fn: Callable[..., Any], case: Case, grad: bool = True) -> Run:
    """Call ``fn`` on ``case`` converted to ``backend``'s arrays (gradients where it has them).

    Exceptions raised by ``fn`` are recorded, never propagated: they are what the checker reads.
    """
    result = Run(backend, case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _RUNNERS[backend](fn, case, result, grad)
        except Exception as err:  # the user's code may raise anything
            result.error = err
    return result


def _run_numpy(fn: Callable[..., Any], case: Case, result: Run, grad: bool) -> None:
    out = fn(case.y_true.copy(), case.y_pred.copy())
    result.output_type = _type_name(out)
    result.values = B.to_numpy(out)


def _run_torch(fn: Callable[..., Any], case: Case, result: Run, grad: bool) -> None:
    import torch

    y_true = torch.from_numpy(case.y_true.copy())
    y_pred = torch.from_numpy(case.y_pred.copy()).requires_grad_(True)
    out = fn(y_true, y_pred)
    result.output_type = _type_name(out)
    result.native = isinstance(out, torch.Tensor)
    result.values = B.to_numpy(out)
    if not (grad and result.native and out.is_floating_point()):
        return
    if out.grad_fn is None:
        result.detached = True
        return
    try:
        (g,) = torch.autograd.grad(out.float().sum(), y_pred, allow_unused=True)
    except Exception as err:  # recorded for the report
        result.grad_error = err
        return
    result.grad = np.zeros(case.y_pred.shape) if g is None else g.numpy()


def _run_jax(fn: Callable[..., Any], case: Case, result: Run, grad: bool) -> None:
    import jax
    import jax.numpy as jnp

    y_true, y_pred = jnp.asarray(case.y_true), jnp.asarray(case.y_pred)
    out = fn(y_true, y_pred)
    result.output_type = _type_name(out)
    result.native = isinstance(out, jax.Array)
    result.values = B.to_numpy(out)
    if not (grad and result.native and result.float_output):
        return

    def total(p: Any) -> Any:
        return jnp.sum(jnp.asarray(fn(y_true, p), dtype=jnp.float32))

    try:
        result.grad = np.asarray(jax.grad(total)(y_pred))
    except Exception as err:  # recorded for the report
        result.grad_error = err


def _run_tensorflow(fn: Callable[..., Any], case: Case, result: Run, grad: bool) -> None:
    import tensorflow as tf

    y_true = tf.constant(case.y_true)
    y_pred = tf.constant(case.y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        out = fn(y_true, y_pred)
        native = isinstance(out, tf.Tensor)
        total = (
            tf.reduce_sum(tf.cast(out, tf.float32)) if native and out.dtype.is_floating else None
        )
    result.output_type = _type_name(out)
    result.native = native
    result.values = B.to_numpy(out)
    if not (grad and total is not None):
        return
    try:
        g = tape.gradient(total, y_pred)
    except Exception as err:  # recorded for the report
        result.grad_error = err
        return
    if g is None:  # no path from y_pred to the output: .numpy(), tf.stop_gradient, ...
        result.detached = True
        return
    result.grad = g.numpy()


_RUNNERS = {
    "numpy": _run_numpy,
    "torch": _run_torch,
    "jax": _run_jax,
    "tensorflow": _run_tensorflow,
}


def jit_error(fn: Callable[..., Any], case: Case) -> BaseException | None:
    """What ``jax.jit(fn)`` raises on ``case`` (``None`` when it compiles and runs)."""
    import jax
    import jax.numpy as jnp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            jax.block_until_ready(jax.jit(fn)(jnp.asarray(case.y_true), jnp.asarray(case.y_pred)))
        except Exception as err:  # the user's code may raise anything
            return err
    return None


def tf_function_error(fn: Callable[..., Any], case: Case) -> BaseException | None:
    """What ``tf.function(fn)`` raises on ``case`` with an unknown batch size, as Keras' ``fit``
    traces a loss on TensorFlow (``None`` when it traces and runs)."""
    import tensorflow as tf

    arrays = [np.asarray(case.y_true), np.asarray(case.y_pred)]
    specs = [tf.TensorSpec([None, *a.shape[1:]], tf.as_dtype(a.dtype)) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tf.function(fn, input_signature=specs)(*(tf.constant(a) for a in arrays))
        except Exception as err:  # the user's code may raise anything
            return err
    return None
