"""CTC's time recursion is a ``lax.scan`` on JAX: jit compiles one step, not an unrolled loop.

Reference: ``optax.ctc_loss`` (values and gradients), an implementation independent of anyloss.
"""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy


def test_jitted_ctc_with_many_steps_equals_optax():
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.normal(size=(4, 60, 6)))
    labels = rng.integers(1, 6, (4, 9))
    labels[:, 6:] = 0
    labels[1, 2:] = 0
    labels = jnp.asarray(labels)
    value, grad = jax.jit(jax.value_and_grad(lambda x: al.CTC()(labels, x)))(logits)

    def reference(x):
        return optax.ctc_loss(x, jnp.zeros(x.shape[:2]), labels,
                              (labels == 0).astype(x.dtype)).mean()

    expected, expected_grad = jax.value_and_grad(reference)(logits)
    np.testing.assert_allclose(float(value), float(expected), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grad), np.asarray(expected_grad), rtol=1e-4,
                               atol=1e-6)
