"""Hinge's 0/1 -> -1/1 label conversion, now decided by a float max (XLA's boolean all is slow):
the same decisions as Keras' ``all((y == 0) | (y == 1))``."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from tests.helpers import needs


@pytest.mark.parametrize(("y_true", "expected"), [
    ([[0.0, 1.0]], [0.95]),  # Keras' numbers: 0/1 labels converted to -1/1
    ([[0.0, 1.0, -1.0]], [1.0333333]),  # a mix is left as is
    ([[1.0, 1.0]], [0.65]),  # all ones: converted to ones (hand: mean(1 - .3, 1 - .4))
    ([[0.5, 1.0]], [0.725]),  # not binary: mean(1 - .15, 1 - .4)
])
@needs("keras")
def test_conversion_decision_matches_keras(y_true, expected):
    import keras

    y_pred = [[0.3, 0.4, 0.5][:len(y_true[0])]]
    np.testing.assert_allclose(al.hinge(y_true, y_pred), expected, rtol=1e-6)
    np.testing.assert_allclose(keras.losses.hinge(np.array(y_true), np.array(y_pred)), expected,
                               rtol=1e-6)


def test_nan_and_empty_labels():
    assert np.isnan(al.hinge([[np.nan, 1.0]], [[0.3, 0.4]])).all()  # NaN is not "binary"
    assert al.squared_hinge(np.zeros((0, 2)), np.zeros((0, 2))).shape == (0,)


def test_conversion_under_jit():
    jax = pytest.importorskip("jax")
    out = jax.jit(al.hinge)(jax.numpy.array([[0.0, 1.0]]), jax.numpy.array([[0.3, 0.4]]))
    np.testing.assert_allclose(np.asarray(out), [0.95], rtol=1e-6)
