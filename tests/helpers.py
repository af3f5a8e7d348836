"""Test helpers: a uniform handle on each array library, and closeness checks."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

BACKENDS = ["numpy", "torch", "jax", "array_api_strict", "dask", "tensorflow"]


def keras_losses() -> set[str]:
    """The built-in losses whose numbers Keras 3 defines (``origin="keras"``); the catalogue's
    losses are tested against their own peers (``tests/catalogue``)."""
    from anyloss.losses._builtin import BUILTINS

    return {name for name, spec in BUILTINS.items() if spec.origin == "keras"}


def installed(name: str) -> bool:
    """Whether the module ``name`` can be imported (without importing it)."""
    return importlib.util.find_spec(name) is not None


def needs(*names: str) -> pytest.MarkDecorator:
    """Skip the test where one of the modules ``names`` is not installed (the core install has
    neither torch, JAX, Keras nor matplotlib: `make test-core`)."""
    missing = [name for name in names if not installed(name)]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}, not installed")


@dataclass
class Backend:
    """One array library: make arrays on it, read them back, differentiate through it."""

    name: str
    module: Any

    @classmethod
    def load(cls, name: str) -> Backend:
        module_name = {"dask": "dask.array", "jax": "jax.numpy"}.get(name, name)
        module = pytest.importorskip(module_name)
        if name == "jax":
            import jax

            jax.config.update("jax_enable_x64", True)
        return cls(name, module)

    def asarray(self, x: Any, dtype: str | None = None) -> Any:
        arr = np.asarray(x)
        if dtype is not None:
            arr = arr.astype(dtype)
        if self.name == "torch":
            return self.module.from_numpy(np.ascontiguousarray(arr))
        if self.name == "dask":
            return self.module.from_array(arr, chunks=tuple(max(1, s // 2) for s in arr.shape))
        if self.name == "tensorflow":
            return self.module.convert_to_tensor(arr)
        return self.module.asarray(arr)

    def to_numpy(self, x: Any) -> np.ndarray:
        if self.name == "torch":
            return x.detach().cpu().numpy()
        if self.name == "dask":
            return np.asarray(x.compute())
        return np.asarray(x)

    def value_and_grad(self, fn: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``fn(x)`` (a scalar) and its gradient, through the library's own autodiff."""
        if self.name == "torch":
            import torch

            t = torch.tensor(x, requires_grad=True)
            out = fn(t)
            (g,) = torch.autograd.grad(out, t)
            return out.detach().numpy(), g.numpy()
        if self.name == "jax":
            import jax

            v, g = jax.value_and_grad(fn)(self.module.asarray(x))
            return np.asarray(v), np.asarray(g)
        if self.name == "tensorflow":
            t = self.module.convert_to_tensor(x)
            with self.module.GradientTape() as tape:
                tape.watch(t)
                out = fn(t)
            return out.numpy(), tape.gradient(out, t).numpy()
        msg = f"{self.name} has no autodiff"
        raise NotImplementedError(msg)


def assert_close(actual: Any, expected: Any, backend: Backend | None = None, *,
                 rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Values (and shape) equal within tolerance; converts from any library."""
    a = backend.to_numpy(actual) if backend is not None else np.asarray(actual)
    np.testing.assert_allclose(a, np.asarray(expected), rtol=rtol, atol=atol)
    assert a.shape == np.asarray(expected).shape


def central_difference(fn: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar NumPy function by central differences (float64)."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        g[idx] = (float(fn(up)) - float(fn(down))) / (2 * h)
    return g


def tf_value_and_grad(fn: Any, y_true: Any, y_pred: np.ndarray,
                      **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """``fn(y_true, y_pred, **kwargs)`` on eager TensorFlow tensors, and the gradient of its sum
    with respect to ``y_pred`` through ``tf.GradientTape`` (the catalogue's TensorFlow runs;
    skipped where TensorFlow is not installed)."""
    tf = pytest.importorskip("tensorflow")

    t = tf.convert_to_tensor(np.asarray(y_true))
    p = tf.convert_to_tensor(np.asarray(y_pred))
    with tf.GradientTape() as tape:
        tape.watch(p)
        out = fn(t, p, **kwargs)
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, p, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return out.numpy(), grad.numpy()
