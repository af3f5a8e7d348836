"""Incompatibilities found by running the suite at the declared floors (issue 18).

Each test here failed in the environment that showed the bug, before its fix; `make test-oldest`
runs them at the floors, `make test` at the pinned versions. The incompatibilities excluded by a
floor instead (jax < 0.4.33, array-api-compat < 1.11.2) are listed in README's "Supported
versions".
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from anyloss import ops
from tests.helpers import needs

ROOT = Path(__file__).resolve().parents[1]


class _Namespace:
    """An array namespace (named, like a module) whose ``isdtype`` gives one answer."""

    def __init__(self, real: bool) -> None:
        self.real = real
        self.__name__ = f"fake_namespace_{real}"

    def isdtype(self, dtype: Any, kinds: Any) -> bool:
        return self.real


def test_real_dtype_cache_is_keyed_by_namespace():
    # Libraries share dtype objects (JAX's bfloat16 is ml_dtypes' NumPy dtype) and may judge
    # one differently: the first namespace asked must not decide for the others.
    dtype = np.dtype([("shared", np.float32)])
    yes, no = _Namespace(real=True), _Namespace(real=False)
    assert B._is_real(no, dtype) is False
    assert B._is_real(yes, dtype) is True
    assert B._is_real(no, dtype) is False


@needs("jax", "ml_dtypes")
def test_numpy_then_jax_bfloat16_in_one_process():
    # One fresh process, NumPy's bfloat16 first: with numpy 1.26 the cache answered "not real"
    # for JAX's bfloat16 too (22 JAX bfloat16 failures in the suite, none when run alone).
    script = textwrap.dedent("""
        import ml_dtypes, numpy as np, jax.numpy as jnp, anyloss as al
        y = np.array([0.0, 1.0, 0.5], dtype=ml_dtypes.bfloat16)
        p = np.array([0.25, 0.75, 0.5], dtype=ml_dtypes.bfloat16)
        for lib in ("numpy", "jax"):
            yt, yp = (y, p) if lib == "numpy" else (jnp.asarray(y), jnp.asarray(p))
            out = al.mean_squared_error(yt, yp)
            assert str(out.dtype) == "float32", (lib, out.dtype)
            np.testing.assert_allclose(float(out), 0.0625 * 2 / 3, rtol=1e-6)
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, timeout=120, env={"JAX_PLATFORMS": "cpu",
                                                         "PATH": "/usr/bin:/bin",
                                                         "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"


@needs("ml_dtypes")
def test_numpy_bfloat16_is_accepted():
    import ml_dtypes

    y = np.array([0.0, 1.0], dtype=ml_dtypes.bfloat16)
    out = al.mean_absolute_error(y, y)
    assert out.dtype == np.float32 and float(out) == 0.0


@pytest.mark.parametrize("loss", [al.dice, al.tversky])
@pytest.mark.parametrize("axis", [None, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dice_and_tversky_keep_the_compute_dtype(loss, axis, dtype):
    # NumPy 1.26 promotes a float32 scalar (the full sum of axis=None) with a Python float to
    # float64: dice and tversky returned float64 for float32 inputs.
    y_true = np.array([[1.0, 0.0], [1.0, 1.0]], dtype=dtype)
    y_pred = np.array([[0.8, 0.2], [0.6, 0.4]], dtype=dtype)
    out = loss(y_true, y_pred, axis=axis)
    assert out.dtype == np.dtype(dtype)


def test_relu_and_integer_clip_on_floats():
    # array-api-compat 1.11.0 and 1.11.1 fail both ("Invalid integer data type 'f'"): the floor
    # is 1.11.2.
    x = np.array([-1.5, 0.5, 2.0], dtype=np.float32)
    for out, expected in ((ops.relu(x), [0.0, 0.5, 2.0]), (ops.clip(x, 0, 1), [0.0, 0.5, 1.0])):
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected)
