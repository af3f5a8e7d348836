"""Layers (Keras initialisers, lazy build, activations) and optimizers (Keras defaults)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from anyloss.layers import Activation, Dense, Dropout, Flatten
from anyloss.models import Sequential
from anyloss.training import optimizers


def test_dense_glorot_uniform_kernel_and_zero_bias():
    layer = Dense(300, input_shape=(200,))
    limit = math.sqrt(6 / (200 + 300))
    w = layer.weight.detach()
    assert w.shape == (300, 200) and w.abs().max() <= limit
    assert w.abs().max() > 0.95 * limit  # uniform over the whole range, not torch's default
    assert abs(w.var().item() - limit**2 / 3) < 0.05 * limit**2 / 3
    assert torch.all(layer.bias == 0)


def test_dense_he_normal_is_truncated_with_keras_variance():
    layer = Dense(400, input_shape=(300,), kernel_initializer="he_normal", use_bias=False)
    std = math.sqrt(2 / 300)
    w = layer.weight.detach()
    assert layer.bias is None
    assert w.abs().max() <= 2 * std / 0.87962566103423978 + 1e-6
    assert abs(w.std().item() - std) < 0.03 * std


def test_dense_lazy_build_and_higher_rank_inputs():
    layer = Dense(3, activation="relu")
    assert not layer.built and list(layer.parameters()) == []
    out = layer(torch.randn(2, 5, 7))
    assert out.shape == (2, 5, 3) and layer.weight.shape == (3, 7) and torch.all(out >= 0)


@pytest.mark.parametrize(("name", "reference"), [
    ("relu", F.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("elu", F.elu),
    ("selu", F.selu), ("softplus", F.softplus), ("gelu", F.gelu), ("swish", F.silu),
    ("softmax", lambda x: torch.softmax(x, -1)), ("linear", lambda x: x),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
    ("hard_sigmoid", lambda x: torch.clamp(x / 6 + 0.5, 0, 1)),
])
def test_activations_by_keras_name(name, reference):
    x = torch.linspace(-4, 4, 17).reshape(1, 17)
    torch.testing.assert_close(Activation(name)(x), reference(x))


def test_layer_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"Unknown activation 'rleu'.*'relu'"):
        Dense(2, activation="rleu")
    with pytest.raises(ValueError, match=r"units.*Received: units=0"):
        Dense(0)
    with pytest.raises(ValueError, match=r"rate.*Received: rate=1\.5"):
        Dropout(1.5)
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        Dense(2, input_shape=(3,), kernel_initializer="glorot")
    with pytest.raises(TypeError, match=r"Sequential\.add.*torch\.nn\.Module"):
        Sequential().add("dense")


def test_flatten_and_dropout_modes():
    model = Sequential([Flatten(), Dropout(0.5)])
    x = torch.ones(4, 2, 3)
    assert model.module.eval()(x).shape == (4, 6)
    assert torch.all(model.module.eval()(x) == 1)
    kept = model.module.train()(torch.ones(1000, 10))
    assert set(kept.unique().tolist()) == {0.0, 2.0}


@pytest.mark.parametrize(("name", "cls", "expected"), [
    ("adam", torch.optim.Adam, {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
    ("adamw", torch.optim.AdamW, {"lr": 1e-3, "eps": 1e-7, "weight_decay": 0.004}),
    ("rmsprop", torch.optim.RMSprop, {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0}),
    ("sgd", torch.optim.SGD, {"lr": 1e-2, "momentum": 0.0}),
    ("adagrad", torch.optim.Adagrad, {"lr": 1e-3, "initial_accumulator_value": 0.1,
                                      "eps": 1e-7}),
    ("adadelta", torch.optim.Adadelta, {"lr": 1e-3, "rho": 0.95, "eps": 1e-7}),
    ("adamax", torch.optim.Adamax, {"lr": 1e-3, "eps": 1e-7}),
    ("nadam", torch.optim.NAdam, {"lr": 1e-3, "eps": 1e-7}),
])
def test_optimizer_names_use_keras_defaults(name, cls, expected):
    opt = optimizers.get(name, [torch.nn.Parameter(torch.zeros(2))])
    assert type(opt) is cls
    for key, value in expected.items():
        assert opt.defaults[key] == value, key


def test_optimizer_config_with_keras_argument_names():
    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = optimizers.get({"class_name": "adam", "config": {"learning_rate": 0.1, "beta_1": 0.5,
                                                          "epsilon": 1e-3}}, params)
    assert opt.defaults["lr"] == 0.1 and opt.defaults["betas"] == (0.5, 0.999)
    rms = optimizers.get({"class_name": "rmsprop", "config": {"rho": 0.8}}, params)
    assert rms.defaults["alpha"] == 0.8
    sgd = torch.optim.SGD(params, lr=0.3)
    assert optimizers.get(sgd, params) is sgd
    assert optimizers.get(lambda p: torch.optim.SGD(p, lr=0.2), params).defaults["lr"] == 0.2
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3, params)
    with pytest.raises(ValueError, match=r"Invalid optimizer config.*bogus"):
        optimizers.get({"class_name": "sgd", "config": {"bogus": 1}}, params)
