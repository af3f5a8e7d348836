"""``B.softplus_one_exp``: the values and gradient of ``jax.nn.softplus``, one ``exp`` less."""

from __future__ import annotations

import numpy as np
import pytest

from anyloss import backend as B

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

X = np.array([-1e4, -100.0, -20.0, -1.5, -1e-8, 0.0, 1e-8, 0.7, 20.0, 100.0, 1e4], np.float32)


def test_values_and_gradient_match_jax_nn_softplus() -> None:
    x = jnp.asarray(X)
    ours = B.softplus_one_exp(jnp, x)
    np.testing.assert_allclose(ours, jax.nn.softplus(x), rtol=1e-6, atol=0)
    grad = jax.grad(lambda v: jnp.sum(B.softplus_one_exp(jnp, v)))(x)
    np.testing.assert_allclose(grad, jax.nn.sigmoid(x), rtol=1e-6, atol=1e-30)


def test_infinities_and_nan() -> None:
    x = jnp.asarray([-np.inf, np.inf, np.nan], jnp.float32)
    value, grad = jax.vmap(jax.value_and_grad(lambda v: B.softplus_one_exp(jnp, v)))(x)
    np.testing.assert_array_equal(value[:2], [0.0, np.inf])
    np.testing.assert_array_equal(grad[:2], [0.0, 1.0])
    assert np.isnan(value[2]) and np.isnan(grad[2])


def test_other_libraries_use_softplus() -> None:
    x = np.asarray(X, np.float64)
    np.testing.assert_array_equal(B.softplus_one_exp(np, x), B.softplus(np, x))
