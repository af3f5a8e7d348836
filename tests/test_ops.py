"""anyloss.ops: backend-neutral ops for custom losses."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from anyloss import ops
from tests.helpers import assert_close

X = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], "float32")
Y = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 0.5]], "float32")

UNARY = {
    "negative": np.negative, "square": np.square, "abs": np.abs, "sign": np.sign,
    "exp": np.exp, "expm1": np.expm1, "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "softplus": lambda x: np.log1p(np.exp(x)),
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)), "relu": lambda x: np.maximum(x, 0),
}
POSITIVE = {"sqrt": np.sqrt, "log": np.log, "log1p": np.log1p}
BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
          "divide": np.divide, "maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(backend, name):
    assert_close(getattr(ops, name)(backend.asarray(X)), UNARY[name](X.astype("float64")),
                 backend, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_unary_positive_domain(backend, name):
    assert_close(getattr(ops, name)(backend.asarray(np.abs(X))),
                 POSITIVE[name](np.abs(X).astype("float64")), backend, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_arrays_lists_and_scalars(backend, name):
    fn, ref = getattr(ops, name), BINARY[name]
    assert_close(fn(backend.asarray(X), backend.asarray(Y)), ref(X, Y), backend)
    assert_close(fn(backend.asarray(X), [0.3, 0.7, 1.0]), ref(X, [0.3, 0.7, 1.0]), backend)
    assert_close(fn(backend.asarray(X), 2.0), ref(X, 2.0), backend)
    assert backend.to_numpy(fn(backend.asarray(X), [1, 2, 3])).dtype == np.float32


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(backend, name):
    fn = getattr(ops, name)
    assert_close(fn(backend.asarray(X), axis=-1), getattr(np, name)(X, axis=-1), backend)
    assert_close(fn(backend.asarray(X), axis=0, keepdims=True),
                 getattr(np, name)(X, axis=0, keepdims=True), backend)
    assert_close(fn(backend.asarray(X)), getattr(np, name)(X), backend)


def test_softmax_family(backend):
    x = backend.asarray(X)
    e = np.exp(X - X.max(-1, keepdims=True))
    assert_close(ops.softmax(x), e / e.sum(-1, keepdims=True), backend)
    assert_close(ops.log_softmax(x), np.log(e / e.sum(-1, keepdims=True)), backend, atol=1e-5)
    assert_close(ops.logsumexp(x, axis=-1), np.log(np.exp(X).sum(-1)), backend)
    assert_close(ops.logsumexp(x), np.log(np.exp(X).sum()), backend)


def test_where_clip_one_hot_cast_power(backend):
    x = backend.asarray(X)
    assert_close(ops.where(ops.greater(x, 0.0), x, 0.0), np.where(X > 0, X, 0), backend)
    assert_close(ops.clip(x, -1.0, 1.0), np.clip(X, -1, 1), backend)
    assert_close(ops.one_hot(backend.asarray(np.array([2, 0])), 3), np.eye(3)[[2, 0]], backend)
    assert backend.to_numpy(ops.cast(x, "float64")).dtype == np.float64
    assert_close(ops.power(backend.asarray(np.abs(X)), 0.5), np.abs(X) ** 0.5, backend)
    assert ops.shape(x) == (2, 3)


def test_epsilon_and_convert_to_tensor():
    assert ops.epsilon() == 1e-7
    assert ops.convert_to_tensor([0.5, 1.0]).dtype == np.float32
    torch = pytest.importorskip("torch")
    t = ops.convert_to_tensor([1.0, 2.0], like=torch.zeros(1, dtype=torch.float64))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64


def test_weighted_mse_with_list_weights_keeps_torch_gradients():
    torch = pytest.importorskip("torch")

    def weighted_mse(y_true, y_pred):
        return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)

    y_pred = torch.tensor([[1.0, 2.0], [0.0, 1.0]], requires_grad=True)
    y_true = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    loss = al.LossFunctionWrapper(weighted_mse)(y_true, y_pred)
    loss.backward()
    # Hand-computed: per-sample (0.3*1 + 0.7*4)/2 = 1.55 and (0.3*1 + 0)/2 = 0.15; mean 0.85.
    assert loss.item() == pytest.approx(0.85)
    # d/dp of mean_batch(mean_k w_k (p - t)^2) = w_k (p - t) / 2 (batch 2, 2 features).
    expected = np.array([[0.3, 1.4], [-0.3, 0.0]]) / 2
    np.testing.assert_allclose(y_pred.grad.numpy(), expected, rtol=1e-6)


def test_stop_gradient_blocks_gradients():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = ops.sum(ops.multiply(x, ops.stop_gradient(x)))
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0])  # not 2x


def test_ops_inside_jax_jit_and_grad():
    jax = pytest.importorskip("jax")

    def loss(p):
        return ops.mean(ops.softplus(p)) + ops.mean(ops.log_softmax(p)[..., 0])

    g = jax.jit(jax.grad(loss))(jax.numpy.asarray(X))
    assert np.all(np.isfinite(np.asarray(g)))


def test_dir_lists_only_the_ops():
    assert dir(ops) == sorted(ops.__all__)
    for private in ("Any", "B", "annotations", "math", "np", "normalize_axis"):
        assert private not in dir(ops)


def test_unknown_op_raises_attribute_error_with_a_suggestion():
    with pytest.raises(AttributeError, match=r"has no attribute 'sqaure'\. Did you mean 'square'\?"):
        ops.sqaure  # noqa: B018
    with pytest.raises(AttributeError, match="See dir"):
        ops.zzzzzz  # noqa: B018
    assert not hasattr(ops, "no_such_op")


@pytest.mark.parametrize("name", ["maximum", "minimum", "add", "power", "greater", "equal"])
def test_python_scalar_operand_becomes_an_array_of_the_other_dtype(backend, name):
    # array-api-compat 1.11-1.15 raise TypeError for ops.maximum(torch.ones(2), 0.0): the scalar
    # is converted explicitly, to the other operand's dtype (float32 stays float32).
    fn = getattr(ops, name)
    x = backend.asarray(np.abs(X))  # power: no NaN
    for out in (fn(x, 0.5), fn(0.5, x)):
        assert backend.to_numpy(out).dtype == (np.float32 if name in BINARY or name == "power"
                                               else np.bool_)
    assert_close(fn(x, 0.5), getattr(np, name)(np.abs(X), np.float32(0.5)),
                 backend)
    assert_close(fn(0.5, x), getattr(np, name)(np.float32(0.5), np.abs(X)), backend)
    ints = backend.asarray(np.array([1, 2, 3], "int32"))
    assert backend.to_numpy(fn(ints, 0.5)).dtype in (np.float32, np.bool_)
    assert backend.to_numpy(fn(ints, 2)).dtype in (np.int32, np.bool_)


def test_maximum_minimum_with_python_numbers_on_torch():
    torch = pytest.importorskip("torch")
    assert ops.maximum(torch.ones(2), 0.0).dtype == torch.float32
    assert ops.minimum(0.5, torch.ones(2, dtype=torch.float64)).dtype == torch.float64
    assert torch.equal(ops.maximum(torch.tensor([-1.0, 2.0]), 0), torch.tensor([0.0, 2.0]))
