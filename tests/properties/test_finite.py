"""Finite values (and gradients) for every built-in loss on every valid input, extremes included.

Valid inputs come from ``families.py`` (hypothesis strategies per loss family). Extreme but
valid inputs: probabilities exactly 0 and 1, logits +-1e4, all-zero targets, a batch of 1, and
float16/bfloat16 inputs, which are computed in float32 (the compute dtype is never below
float32, like Keras' default dtype policy).

JAX is checked in ``test_agreement.py``: jitted, its per-sample values equal NumPy's and they and
their gradient are finite on the same generated and extreme inputs (one compile per shape serves
both checks; eager JAX compiles every primitive per new shape, seconds per loss).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import anyloss as al
from tests.helpers import BACKENDS, Backend
from tests.properties import _run
from tests.properties.families import SPECS, THOROUGH, example, extremes, scaled

NAMES = sorted(SPECS)
EXTREME_CASES = [(name, case) for name in NAMES for case in extremes(name)]


# JAX's values and gradients on generated and extreme inputs are checked finite (and equal to
# NumPy's) by test_agreement.py, from one compiled function per input shape.
NOT_JAX = [name for name in BACKENDS if name != "jax"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lib", NOT_JAX)
def test_values_are_finite_on_valid_inputs(name, lib):
    backend = Backend.load(lib)
    spec = SPECS[name]

    # Dask builds and computes a graph per example (CTC's time loop makes it large): fewer.
    # Eager TensorFlow runs the same formulas at ~5 ms a call, its extremes all below: fewer.
    @scaled({"dask": 0.05, "tensorflow": 0.1}.get(backend.name, 0.25))
    @given(inputs=spec.strategy())
    def check(inputs):
        y_true, y_pred, kwargs = inputs
        out = _run.call(name, backend, y_true, y_pred, kwargs, jit=True)
        assert np.all(np.isfinite(out)), (out, inputs)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_gradients_are_finite_on_valid_inputs(name):
    grad_backend = Backend.load("torch")
    spec = SPECS[name]

    @scaled(0.25)
    @given(inputs=spec.strategy())
    def check(inputs):
        y_true, y_pred, kwargs = inputs
        value, grad = _run.value_and_grad(name, grad_backend, y_true, y_pred, kwargs)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), (value, grad, inputs)

    check()


@pytest.mark.parametrize(("name", "case"), EXTREME_CASES)
@pytest.mark.parametrize("lib", NOT_JAX)
def test_extreme_inputs_give_finite_values(name, case, lib):
    backend = Backend.load(lib)
    y_true, y_pred, kwargs = extremes(name)[case]
    out = _run.call(name, backend, y_true, y_pred, kwargs, jit=True)
    assert np.all(np.isfinite(out)), out


@pytest.mark.parametrize(("name", "case"), EXTREME_CASES)
def test_extreme_inputs_give_finite_gradients(name, case):
    y_true, y_pred, kwargs = extremes(name)[case]
    value, grad = _run.value_and_grad(name, Backend.load("torch"), y_true, y_pred, kwargs)
    assert np.isfinite(value) and np.all(np.isfinite(grad)), (value, grad)


# Eager JAX compiles every primitive per dtype (about a second a loss): make test checks JAX in
# bfloat16, its accelerators' low precision (the up-cast is the same code for float16), and
# the thorough profile in float16 too.
LOW_PRECISION = [("numpy", "float16"), ("numpy", "bfloat16"), ("torch", "float16"),
                 ("torch", "bfloat16"), *([("jax", "float16")] if THOROUGH else []),
                 ("jax", "bfloat16"), ("dask", "float16"), ("tensorflow", "float16"),
                 ("tensorflow", "bfloat16")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("lib", "dtype"), LOW_PRECISION)
def test_float16_and_bfloat16_compute_in_float32(name, lib, dtype):
    if lib == "numpy" and dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")  # NumPy's bfloat16
    backend = Backend.load(lib)
    y_true, y_pred, kwargs = example(name)
    fn = al.losses.FUNCTIONS[name]
    out = fn(_run.array(backend, y_true, dtype), _run.array(backend, y_pred, dtype), **kwargs)
    assert "float32" in str(out.dtype), out.dtype
    # The reference: the same (already rounded) inputs given as float32.
    rounded_true = _rounded(y_true, dtype)
    rounded_pred = _rounded(y_pred, dtype)
    expected = _run.call(name, backend, rounded_true, rounded_pred, kwargs, "float32")
    np.testing.assert_allclose(backend.to_numpy(out), expected, rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(expected))


def _rounded(x: np.ndarray, dtype: str) -> np.ndarray:
    if x.dtype.kind in "iu":
        return x
    if dtype == "bfloat16":
        import ml_dtypes

        return np.asarray(x, np.float32).astype(ml_dtypes.bfloat16).astype(np.float64)
    return x.astype(dtype).astype(np.float64)
