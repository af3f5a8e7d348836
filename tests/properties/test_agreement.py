"""The same numbers everywhere: NumPy, PyTorch and JAX agree on every loss (float32, within its
rounding), and ``from_logits=True`` on logits equals ``from_logits=False`` on their
sigmoid/softmax away from the clipping region."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given

import anyloss as al
from tests.helpers import Backend, installed
from tests.properties import _run
from tests.properties.families import SPECS, THOROUGH, example, extremes, scaled

NAMES = sorted(SPECS)
LOGIT_NAMES = sorted(n for n in NAMES if SPECS[n].logits is not None)
# float32 agreement: relative, with an absolute floor for values near 0.
RTOL, ATOL = 2e-4, 2e-5
TENSORFLOW = ("tensorflow",) if installed("tensorflow") else ()


@pytest.mark.parametrize("name", NAMES)
def test_numpy_torch_and_jax_agree(name):
    """Generated inputs: NumPy, eager torch and jitted JAX give the same per-sample values, and
    the JAX gradient of their sum (from the same compiled function) is finite. JAX compiles per
    input shape (about a second for the larger losses): it takes about a quarter of the
    examples, chosen by a hash of the input (so that a failing example replays), all under
    ``thorough`` (the parity suite and the extreme cases below run JAX on every case)."""
    libs = [Backend.load(n) for n in ("numpy", "torch")]

    @scaled(0.2)
    @given(inputs=SPECS[name].strategy())
    def check(inputs):
        y_true, y_pred, kwargs = inputs
        ref, out = (_run.call(name, b, y_true, y_pred, kwargs) for b in libs)
        np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL, err_msg="torch")
        if THOROUGH or zlib.crc32(np.ascontiguousarray(y_pred).tobytes()) % 4 == 0:
            _assert_jax_agrees(name, y_true, y_pred, kwargs, ref)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_eager_backends_agree_on_every_extreme_case(name):
    """The fixed and extreme inputs: NumPy and eager torch agree on each, jitted JAX agrees with
    a finite gradient on each, and eager JAX (no jit, the path most users take) agrees on the
    example (on every case under the ``thorough`` profile: eager JAX compiles each primitive
    once per shape, seconds per loss). Eager TensorFlow agrees on each too."""
    libs = [Backend.load(n) for n in ("numpy", "torch", *TENSORFLOW)]
    eager_jax = Backend.load("jax")
    for case, (y_true, y_pred, kwargs) in {"example": example(name), **extremes(name)}.items():
        ref = _run.call(name, libs[0], y_true, y_pred, kwargs)
        for lib in libs[1:]:
            out = _run.call(name, lib, y_true, y_pred, kwargs)
            np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{lib.name}: {case}")
        _assert_jax_agrees(name, y_true, y_pred, kwargs, ref, case)
        if case == "example" or THOROUGH:
            out = _run.call(name, eager_jax, y_true, y_pred, kwargs)
            np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL,
                                       err_msg=f"eager jax: {case}")


def _assert_jax_agrees(name: str, y_true: np.ndarray, y_pred: np.ndarray,
                       kwargs: dict[str, Any], ref: np.ndarray, case: str = "") -> None:
    values, grad = _run.jax_values_and_grad(name, y_true, y_pred, kwargs)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad)), (case, values, grad)
    np.testing.assert_allclose(values, ref, rtol=RTOL, atol=ATOL, err_msg=f"jax: {case}")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("name", LOGIT_NAMES)
@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
def test_from_logits_equals_probabilities_away_from_clipping(name, lib):
    backend = Backend.load(lib)
    binary = SPECS[name].family == "binary"

    @scaled(0.2)
    @given(inputs=SPECS[name].logits())
    def check(inputs):
        y_true, logits, _ = inputs
        # |logit| <= 5 keeps every probability in [4.5e-5, 1 - 4.5e-5], far from the 1e-7 clip.
        logits = np.clip(logits, -5.0, 5.0)
        probs = _sigmoid(logits) if binary else _softmax(logits)
        from_logits = _run.call(name, backend, y_true, logits, {"from_logits": True}, "float64",
                                jit=True)
        from_probs = _run.call(name, backend, y_true, probs, {"from_logits": False}, "float64",
                               jit=True)
        np.testing.assert_allclose(from_logits, from_probs, rtol=1e-9, atol=1e-12)

    check()


def test_logits_table_is_complete():
    # Every loss with a from_logits argument has a logits strategy.
    import inspect

    with_logits = {n for n, fn in al.losses.FUNCTIONS.items()
                   if "from_logits" in inspect.signature(fn).parameters}
    assert with_logits == set(LOGIT_NAMES)
