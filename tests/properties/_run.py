"""Calling a built-in loss on one backend with NumPy inputs, in a chosen dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

import anyloss as al
from tests.helpers import Backend
from tests.properties.families import SPECS


def array(backend: Backend, x: np.ndarray, dtype: str | None = None) -> Any:
    """``x`` on ``backend``; integer arrays keep their dtype, floats become ``dtype``."""
    if x.dtype.kind in "iu" or dtype is None:
        return backend.asarray(x)
    if dtype == "bfloat16":
        if backend.name == "torch":
            import torch

            return torch.tensor(x, dtype=torch.float32).to(torch.bfloat16)
        if backend.name == "jax":
            return backend.module.asarray(x, dtype=backend.module.bfloat16)
        if backend.name == "tensorflow":
            return backend.module.cast(backend.asarray(x, "float32"), "bfloat16")
        import ml_dtypes

        return np.asarray(x, dtype=np.float32).astype(ml_dtypes.bfloat16)
    return backend.asarray(x, dtype)


_JITTED: dict[tuple[str, str, str], Any] = {}


def _jitted(name: str, kwargs: dict[str, Any], what: str) -> Any:
    """``jax.jit`` of the loss (``what="value"``), of ``value_and_grad`` of its sum
    (``"grad"``), or of both its per-sample values and that gradient (``"both"``: one compile
    serves an agreement and a gradient check), cached per loss and keyword arguments (JAX then
    caches per shape)."""
    key = (name, repr(sorted(kwargs.items())), what)
    if key not in _JITTED:
        import jax
        import jax.numpy as jnp

        fn = al.losses.FUNCTIONS[name]
        if what == "value":
            _JITTED[key] = jax.jit(lambda t, p: fn(t, p, **kwargs))
        elif what == "grad":
            _JITTED[key] = jax.jit(jax.value_and_grad(
                lambda p, t: jnp.sum(fn(t, p.astype(jnp.float32), **kwargs))))
        else:
            def both(t: Any, p: Any) -> Any:
                values, pullback = jax.vjp(lambda q: fn(t, q, **kwargs), p)
                return values, pullback(jnp.ones_like(values))[0]

            _JITTED[key] = jax.jit(both)
    return _JITTED[key]


def jax_values_and_grad(name: str, y_true: np.ndarray, y_pred: np.ndarray,
                        kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Jitted JAX in float32: the per-sample values and the gradient of their sum with respect
    to ``y_pred``, from one compiled function."""
    backend = Backend.load("jax")
    t, p = array(backend, y_true, "float32"), array(backend, y_pred, "float32")
    values, grad = _jitted(name, kwargs, "both")(t, p)
    return np.asarray(values), np.asarray(grad)


def call(name: str, backend: Backend, y_true: np.ndarray, y_pred: np.ndarray,
         kwargs: dict[str, Any], dtype: str = "float32", jit: bool = False) -> np.ndarray:
    """``al.<name>(y_true, y_pred, **kwargs)`` on ``backend``, read back as NumPy.

    ``jit=True`` runs JAX under ``jax.jit``: eager JAX compiles every primitive once per new
    shape (seconds per loss), a jitted loss compiles once per shape in a fraction of that.
    """
    t, p = array(backend, y_true, dtype), array(backend, y_pred, dtype)
    if jit and backend.name == "jax":
        return np.asarray(_jitted(name, kwargs, "value")(t, p))
    return backend.to_numpy(al.losses.FUNCTIONS[name](t, p, **kwargs))


def value_and_grad(name: str, backend: Backend, y_true: np.ndarray, y_pred: np.ndarray,
                   kwargs: dict[str, Any], jit: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``sum(loss)`` and its gradient with respect to ``y_pred`` (float32 compute), through
    the backend's own autodiff (``jit=True``: ``jax.jit(jax.value_and_grad(...))`` on JAX)."""
    fn = al.losses.FUNCTIONS[name]
    labels = array(backend, y_true, "float32")
    if jit and backend.name == "jax":
        value, grad = _jitted(name, kwargs, "grad")(backend.module.asarray(y_pred), labels)
        return np.asarray(value), np.asarray(grad)

    def total(p: Any) -> Any:
        if backend.name == "torch":
            p = p.float()
        else:
            p = backend.module.astype(p, backend.module.float32)
        return backend.module.sum(fn(labels, p, **kwargs))

    return backend.value_and_grad(total, np.asarray(y_pred, np.float64))


def is_integer_family(name: str) -> bool:
    return SPECS[name].integer_labels
