"""``B.suffix_logsumexp`` (ListMLE's normalisers): every library, both of its paths (the
max-shifted cumulative sum, and the cumulative log-sum-exp when a suffix would underflow),
against a float64 log-sum-exp of each suffix; gradients finite and equal to float64's."""

from __future__ import annotations

import numpy as np
import pytest

from anyloss import backend as B

#: Rows within a few units of their max (the fast path), and rows spanning hundreds, where a
#: shift by the row's max underflows to log(0) = -inf (the exact path).
NARROW = np.random.default_rng(0).normal(size=(5, 9))
WIDE = NARROW * np.array([1.0, 30.0, 100.0, 300.0, 1.0])[:, None]
PRESENT = np.random.default_rng(1).random((5, 9)) > 0.3


def _expected(x: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 suffix log-sum-exp over the present entries, and the gradient of its sum over
    the present outputs: d/dx_k sum_i out_i = sum_{i <= k} exp(x_k - out_i)."""
    out = np.zeros_like(x)
    grad = np.zeros_like(x)
    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            if not present[r, i]:
                continue
            keep = present[r, i:]
            suffix = x[r, i:][keep]
            m = suffix.max()
            out[r, i] = m + np.log(np.exp(suffix - m).sum())
            grad[r, i:] += np.where(keep, np.exp(x[r, i:] - out[r, i]), 0.0)
    return out, grad


def _libraries():
    yield "numpy", np, np.asarray, np.asarray
    torch = pytest.importorskip("torch")
    yield "torch", torch, torch.tensor, lambda t: t.detach().numpy()
    jnp = pytest.importorskip("jax.numpy")
    yield "jax", jnp, jnp.asarray, np.asarray


@pytest.mark.parametrize("rows", ["narrow", "wide"])
def test_values_and_gradients_on_every_library(rows):
    x64 = NARROW if rows == "narrow" else WIDE
    expected, expected_grad = _expected(x64, PRESENT)
    for lib, xp, make, back in _libraries():
        x = make(x64.astype(np.float32))
        present = make(PRESENT)
        out = back(B.suffix_logsumexp(B.namespace(x), x, present))
        np.testing.assert_allclose(
            np.where(PRESENT, out, 0.0), expected, rtol=2e-6, atol=2e-5, err_msg=lib
        )
        assert np.isfinite(out).all(), lib
        if lib == "torch":
            xt = x.clone().requires_grad_(True)
            value = B.suffix_logsumexp(B.namespace(xt), xt, present)
            value.where(present, xp.zeros_like(value)).sum().backward()
            grad = xt.grad.numpy()
        elif lib == "jax":
            import jax

            def total(v, present=present, xp=xp):
                value = B.suffix_logsumexp(xp, v, present)
                return xp.sum(xp.where(present, value, 0.0))

            grad = np.asarray(jax.jit(jax.grad(total))(x))
        else:
            continue
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6, err_msg=lib)


def test_the_wide_rows_do_underflow_a_shift_by_the_row_max():
    """The wide case really needs the exact path (else this file tests one path twice)."""
    x = WIDE.astype(np.float32)
    scaled = np.where(PRESENT, np.exp(x - x.max(-1, keepdims=True)), 0.0)
    sums = np.flip(np.cumsum(np.flip(scaled, -1), -1), -1)
    assert (PRESENT & (sums < np.finfo(np.float32).max ** -0.5)).any()
