"""anyloss.ops against Keras' own ops (issue 14): the keras.backend / keras.ops names that
custom losses use give Keras' values, in the input's library.

The reference is Keras 3 on its NumPy backend (``keras.ops``); ``keras.backend``-only names
(``flatten``, ``switch``, ``l2_normalize``, ``gather``, ...) are compared with the ``keras.ops``
composition that ``keras.src.legacy.backend`` itself uses (it needs TensorFlow to run).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from anyloss import ops
from tests.helpers import Backend

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")
K = keras.ops

RNG = np.random.default_rng(14)
X = RNG.normal(size=(4, 5)).astype("float32")
Y = RNG.normal(size=(5, 3)).astype("float32")
X3 = RNG.normal(size=(2, 4, 5)).astype("float32")
POS = (np.abs(X) + 0.1).astype("float32")
PROBS = np.asarray(K.softmax(X)).astype("float32")
TARGET = np.eye(5, dtype="float32")[RNG.integers(0, 5, size=4)]
LABELS = RNG.integers(0, 5, size=4).astype("int32")
BINARY_TARGET = RNG.integers(0, 2, size=(4, 5)).astype("float32")
SIGMOID = np.asarray(K.sigmoid(X)).astype("float32")
with np.errstate(divide="ignore", invalid="ignore"):
    NANS, INFS = np.log(X), 1 / np.round(X)
HALVES = np.array([[0.5, 1.5, 2.5, -0.5, -1.5], [0.25, 1.126, -2.7, 3.0, 0.0]], "float32")


@pytest.fixture(params=["numpy", "torch", "jax", "array_api_strict"], ids=lambda n: n)
def lib(request: pytest.FixtureRequest) -> Backend:
    return Backend.load(request.param)


def _library(x):
    return type(x).__module__.partition(".")[0].replace("jaxlib", "jax")


def check(lib: Backend, actual, expected, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Same values and shape as Keras, and an array of ``lib``'s library."""
    expected = np.asarray(expected)
    assert _library(actual) == _library(lib.asarray(np.zeros(1))), type(actual)
    got = lib.to_numpy(actual)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# name -> (call on anyloss.ops with arrays of the library, the same call of Keras on NumPy)
CASES = {
    "flatten": (lambda a: ops.flatten(a(X3)), lambda: K.reshape(X3, (-1,))),
    "batch_flatten": (lambda a: ops.batch_flatten(a(X3)), lambda: K.reshape(X3, (2, -1))),
    "pow": (lambda a: ops.pow(a(POS), 1.5), lambda: K.power(POS, 1.5)),
    "switch": (lambda a: ops.switch(ops.greater(a(X), 0.0), a(X), a(POS)),
               lambda: K.where(X > 0, X, POS)),
    "switch_low_rank_condition": (
        lambda a: ops.switch(a(X[:, 0] > 0), a(X), ops.negative(a(X))),
        lambda: K.where((X[:, 0] > 0)[:, None], X, -X)),
    "switch_callables": (lambda a: ops.switch(a(X > 0), lambda: a(X), lambda: 0.0),
                         lambda: K.where(X > 0, X, 0.0)),
    "round": (lambda a: ops.round(a(HALVES)), lambda: K.round(HALVES)),
    "round_decimals": (lambda a: ops.round(a(HALVES), 1), lambda: K.round(HALVES, 1)),
    "floor": (lambda a: ops.floor(a(X)), lambda: K.floor(X)),
    "ceil": (lambda a: ops.ceil(a(X)), lambda: K.ceil(X)),
    "trunc": (lambda a: ops.trunc(a(X)), lambda: K.trunc(X)),
    "std": (lambda a: ops.std(a(X)), lambda: K.std(X)),
    "std_axis": (lambda a: ops.std(a(X), axis=-1, keepdims=True),
                 lambda: K.std(X, axis=-1, keepdims=True)),
    "var": (lambda a: ops.var(a(X), axis=0), lambda: K.var(X, axis=0)),
    "var_axes": (lambda a: ops.var(a(X3), axis=[0, 2]), lambda: K.var(X3, axis=(0, 2))),
    "dot_2d": (lambda a: ops.dot(a(X), a(Y)), lambda: K.dot(X, Y)),
    "dot_3d_2d": (lambda a: ops.dot(a(X3), a(Y)), lambda: K.dot(X3, Y)),
    "dot_1d": (lambda a: ops.dot(a(X[0]), a(Y[:, 0])), lambda: K.dot(X[0], Y[:, 0])),
    "dot_2d_1d": (lambda a: ops.dot(a(X), a(Y[:, 0])), lambda: K.dot(X, Y[:, 0])),
    "l2_normalize": (lambda a: ops.l2_normalize(a(X), axis=-1),
                     lambda: K.normalize(X, axis=-1)),
    "l2_normalize_all": (lambda a: ops.l2_normalize(a(X)),
                         lambda: K.reshape(K.normalize(K.reshape(X, (-1,))), X.shape)),
    "normalize": (lambda a: ops.normalize(a(X), axis=0), lambda: K.normalize(X, axis=0)),
    "normalize_l1": (lambda a: ops.normalize(a(X), order=1), lambda: K.normalize(X, order=1)),
    "cumsum": (lambda a: ops.cumsum(a(X)), lambda: K.cumsum(X)),
    "cumsum_axis": (lambda a: ops.cumsum(a(X), axis=1), lambda: K.cumsum(X, axis=1)),
    "prod": (lambda a: ops.prod(a(POS), axis=-1), lambda: K.prod(POS, axis=-1)),
    "prod_all": (lambda a: ops.prod(a(POS[:2]), keepdims=True),
                 lambda: K.prod(POS[:2], keepdims=True)),
    "count_nonzero": (lambda a: ops.count_nonzero(a(np.round(X))),
                      lambda: K.count_nonzero(np.round(X))),
    "count_nonzero_axis": (lambda a: ops.count_nonzero(a(np.round(X)), axis=0),
                           lambda: K.count_nonzero(np.round(X), axis=0)),
    "norm": (lambda a: ops.norm(a(X)), lambda: K.norm(X)),
    "norm_axis": (lambda a: ops.norm(a(X), axis=-1, keepdims=True),
                  lambda: K.norm(X, axis=-1, keepdims=True)),
    "norm_1": (lambda a: ops.norm(a(X), ord=1, axis=1), lambda: K.norm(X, ord=1, axis=1)),
    "norm_3": (lambda a: ops.norm(a(X), ord=3, axis=1), lambda: K.norm(X, ord=3, axis=1)),
    "norm_inf": (lambda a: ops.norm(a(X), ord=np.inf, axis=0),
                 lambda: K.norm(X, ord=np.inf, axis=0)),
    "norm_neg_inf": (lambda a: ops.norm(a(X), ord=-np.inf, axis=0),
                     lambda: K.norm(X, ord=-np.inf, axis=0)),
    "norm_fro": (lambda a: ops.norm(a(X3), ord="fro", axis=(1, 2)),
                 lambda: K.norm(X3, ord="fro", axis=(1, 2))),
    "take": (lambda a: ops.take(a(X), a(np.array([[0, -1], [2, 3]])), axis=1),
             lambda: K.take(X, np.array([[0, -1], [2, 3]]), axis=1)),
    "take_flat": (lambda a: ops.take(a(X), [3, 7, -2]), lambda: K.take(X, [3, 7, -2])),
    "gather": (lambda a: ops.gather(a(X), a(np.array([3, 0, 0]))),
               lambda: K.take(X, np.array([3, 0, 0]), axis=0)),
    "isnan": (lambda a: ops.isnan(a(NANS)), lambda: K.isnan(NANS)),
    "isinf": (lambda a: ops.isinf(a(INFS)), lambda: K.isinf(INFS)),
    "isfinite": (lambda a: ops.isfinite(a(NANS)), lambda: K.isfinite(NANS)),
    "logical_xor": (lambda a: ops.logical_xor(a(X > 0), a(X > 0.5)),
                    lambda: K.logical_xor(X > 0, X > 0.5)),
    "mod": (lambda a: ops.mod(a(X), 0.7), lambda: K.mod(X, 0.7)),
    "floor_divide": (lambda a: ops.floor_divide(a(X), 0.3), lambda: K.floor_divide(X, 0.3)),
    "reciprocal": (lambda a: ops.reciprocal(a(POS)), lambda: K.reciprocal(POS)),
    "rsqrt": (lambda a: ops.rsqrt(a(POS)), lambda: K.rsqrt(POS)),
    "tile": (lambda a: ops.tile(a(X), (2, 1)), lambda: K.tile(X, (2, 1))),
    "repeat": (lambda a: ops.repeat(a(X), 2, axis=1), lambda: K.repeat(X, 2, axis=1)),
    "repeat_flat": (lambda a: ops.repeat(a(X), 2), lambda: K.repeat(X, 2)),
    "full_like": (lambda a: ops.full_like(a(X), 0.25), lambda: K.full_like(X, 0.25)),
    "permute_dimensions": (lambda a: ops.permute_dimensions(a(X3), (2, 0, 1)),
                           lambda: K.transpose(X3, (2, 0, 1))),
    "binary_crossentropy": (lambda a: ops.binary_crossentropy(a(BINARY_TARGET), a(SIGMOID)),
                            lambda: K.binary_crossentropy(BINARY_TARGET, SIGMOID)),
    "binary_crossentropy_logits": (
        lambda a: ops.binary_crossentropy(a(BINARY_TARGET), a(X), from_logits=True),
        lambda: K.binary_crossentropy(BINARY_TARGET, X, from_logits=True)),
    "categorical_crossentropy": (lambda a: ops.categorical_crossentropy(a(TARGET), a(PROBS)),
                                 lambda: K.categorical_crossentropy(TARGET, PROBS)),
    "categorical_crossentropy_logits_axis0": (
        lambda a: ops.categorical_crossentropy(a(TARGET.T), a(X.T), from_logits=True, axis=0),
        lambda: K.categorical_crossentropy(TARGET.T, X.T, from_logits=True, axis=0)),
    "sparse_categorical_crossentropy": (
        lambda a: ops.sparse_categorical_crossentropy(a(LABELS), a(PROBS)),
        lambda: K.sparse_categorical_crossentropy(LABELS, PROBS)),
    "sparse_categorical_crossentropy_logits": (
        lambda a: ops.sparse_categorical_crossentropy(a(LABELS), a(X), from_logits=True),
        lambda: K.sparse_categorical_crossentropy(LABELS, X, from_logits=True)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(lib, case):
    ours, theirs = CASES[case]
    check(lib, ours(lib.asarray), theirs())


def test_shape_queries_and_floatx(lib):
    x = lib.asarray(X3)
    assert ops.int_shape(x) == tuple(K.shape(X3)) == (2, 4, 5)
    assert ops.ndim(x) == K.ndim(X3) == 3
    assert ops.size(x) == int(K.size(X3)) == 40
    assert ops.floatx() == keras.config.floatx() == "float32"


def test_int_inputs_give_float32_like_keras(lib):
    ints = np.array([[1, 2, 3], [4, 5, 7]], "int32")
    for name in ("std", "var"):
        out = getattr(ops, name)(lib.asarray(ints), axis=-1)
        assert lib.to_numpy(out).dtype == np.float32 == getattr(K, name)(ints, axis=-1).dtype


def test_crossentropies_keep_torch_and_jax_gradients():
    torch = pytest.importorskip("torch")
    logits = torch.tensor(X, requires_grad=True)
    ops.sum(ops.sparse_categorical_crossentropy(torch.tensor(LABELS), logits, from_logits=True)
            ).backward()
    expected = (np.asarray(K.softmax(X)) - np.eye(5)[LABELS])
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-5, atol=1e-6)
    jax = pytest.importorskip("jax")
    g = jax.grad(lambda p: ops.sum(ops.binary_crossentropy(BINARY_TARGET, p, from_logits=True)))(
        jax.numpy.asarray(X))
    np.testing.assert_allclose(np.asarray(g), np.asarray(K.sigmoid(X)) - BINARY_TARGET,
                               rtol=1e-5, atol=1e-6)
