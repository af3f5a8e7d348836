"""Conv/pooling/normalisation/Reshape layers against Keras 3 (numpy backend): output shapes,
parameter counts and, with Keras' weights copied in, output values; then a small CNN fits,
saves and loads; bad arguments raise errors naming them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from anyloss.training import layers_spatial
from anyloss.training.layer_registry import LAYERS
from anyloss.training.layers import Dense

X1 = (2, 9, 3)  # (batch, steps, channels)
X2 = (2, 7, 9, 4)  # (batch, height, width, channels)

CASES = [
    ("Conv1D", {"filters": 4, "kernel_size": 3}, X1),
    ("Conv1D", {"filters": 4, "kernel_size": 4, "strides": 2, "padding": "same"}, X1),
    ("Conv1D", {"filters": 3, "kernel_size": 2, "padding": "causal", "dilation_rate": 2,
                "activation": "relu"}, X1),
    ("Conv2D", {"filters": 4, "kernel_size": 3}, X2),
    ("Conv2D", {"filters": 4, "kernel_size": (4, 2), "strides": (2, 3), "padding": "same",
                "use_bias": False}, X2),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "padding": "same", "dilation_rate": 2,
                "groups": 2}, X2),
    ("Conv2D", {"filters": 3, "kernel_size": 2, "data_format": "channels_first"}, X2),
    ("MaxPooling1D", {}, X1),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, X1),
    ("MaxPooling2D", {}, X2),
    ("MaxPooling2D", {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}, X2),
    ("AveragePooling1D", {"pool_size": 4, "strides": 3, "padding": "same"}, X1),
    ("AveragePooling2D", {"pool_size": 2}, X2),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, X2),
    ("GlobalAveragePooling1D", {}, X1),
    ("GlobalAveragePooling2D", {"keepdims": True}, X2),
    ("GlobalMaxPooling1D", {"keepdims": True}, X1),
    ("GlobalMaxPooling2D", {}, X2),
    ("BatchNormalization", {}, X2),
    ("BatchNormalization", {"axis": 1, "momentum": 0.9, "epsilon": 1e-5, "center": False}, X2),
    ("LayerNormalization", {}, X1),
    ("LayerNormalization", {"axis": [1, 3], "epsilon": 1e-5}, X2),
    ("LayerNormalization", {"axis": [-2, -1], "scale": False}, X2),
    ("Reshape", {"target_shape": (3, -1)}, X1),
    ("Reshape", {"target_shape": (9, 7, 4)}, X2),
]  # fmt: skip


def _keras():
    return pytest.importorskip("keras")  # only the comparisons need it


def _pair(name, kwargs, shape, seed=0):
    """The Keras layer (built on ``x``, weights randomised) and ours with those weights."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape).astype("float32")
    k_layer = getattr(_keras().layers, name)(**kwargs)
    k_layer.build(shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in k_layer.get_weights()]
    if name == "BatchNormalization":
        weights[-1] = np.abs(weights[-1]) + 0.5  # the moving variance
    k_layer.set_weights(weights)
    layer = getattr(layers_spatial, name)(**kwargs)
    if weights:  # loading builds the lazy layer (as load_model does)
        tensors = [torch.from_numpy(w) for w in weights]
        if name.startswith("Conv"):
            rank = tensors[0].ndim - 2  # Keras (k..., in, out) -> torch (out, in, k...)
            tensors[0] = tensors[0].permute(rank + 1, rank, *range(rank))
        keys = {
            "BatchNormalization": ["weight", "bias", "running_mean", "running_var"],
        }.get(name, ["weight", "bias"])
        if name != "Conv2D" and not kwargs.get("scale", True):
            keys.remove("weight")
        if not kwargs.get("center", True) or not kwargs.get("use_bias", True):
            keys.remove("bias")
        layer.load_state_dict(dict(zip(keys, tensors, strict=True)))
    return k_layer, layer, x


@pytest.mark.parametrize(("name", "kwargs", "shape"), CASES)
def test_matches_keras(name, kwargs, shape):
    k_layer, layer, x = _pair(name, kwargs, shape)
    layer.eval()
    expected = np.asarray(k_layer(x, training=False))
    out = layer(torch.from_numpy(x)).detach().numpy()
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    # Keras counts BatchNorm's moving statistics (our buffers) as parameters.
    counted = sum(p.numel() for p in layer.parameters()) + sum(b.numel() for b in layer.buffers())
    assert counted == k_layer.count_params()
    config = json.loads(json.dumps(layer.get_config()))  # JSON-safe, rebuilds the same layer
    assert type(layer)(**config).get_config() == config
    assert name in repr(layer)


def test_batch_normalization_training_step_matches_keras():
    k_layer, layer, x = _pair("BatchNormalization", {"momentum": 0.8}, X2, seed=1)
    expected = np.asarray(k_layer(x, training=True))
    out = layer.train()(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    _, _, moving_mean, moving_var = k_layer.get_weights()
    np.testing.assert_allclose(layer.running_mean.numpy(), moving_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.running_var.numpy(), moving_var, rtol=1e-5, atol=1e-6)


def test_lazy_build_keras_initialisers_and_regularizer():
    layer = layers_spatial.Conv2D(8, 3, kernel_regularizer="l2", bias_regularizer="l1")
    assert not layer.built and list(layer.parameters()) == []
    assert layer.regularization_loss().item() == 0.0
    layer(torch.zeros(1, 5, 5, 2))
    limit = (6 / (9 * 2 + 9 * 8)) ** 0.5  # Keras' conv fans: kernel area * channels
    assert layer.weight.shape == (8, 2, 3, 3) and layer.weight.abs().max() <= limit
    expected = 0.01 * layer.weight.square().sum()
    torch.testing.assert_close(layer.regularization_loss(), expected)
    layer.regularization_loss().backward()
    assert layer.weight.grad is not None
    keras_l2 = _keras().regularizers.L2(1e-3)
    config = layers_spatial.Conv2D(2, 3, kernel_regularizer=keras_l2).get_config()
    assert config["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 1e-3}}
    assert layers_spatial.get_regularizer(config["kernel_regularizer"]).l2 == 1e-3


def test_small_cnn_fits_saves_and_loads(tmp_path, monkeypatch):
    from anyloss.models import Sequential, load_model

    for name in ("Conv2D", "MaxPooling2D", "BatchNormalization", "GlobalAveragePooling2D"):
        monkeypatch.setitem(LAYERS, name, getattr(layers_spatial, name))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 2, size=32)
    model = Sequential([
        layers_spatial.Conv2D(4, 3, padding="same", activation="relu"),
        layers_spatial.MaxPooling2D(),
        layers_spatial.BatchNormalization(),
        layers_spatial.GlobalAveragePooling2D(),
        Dense(2, activation="softmax"),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.module[0].weight.grad is not None
    assert not torch.all(model.module[2].running_mean == 0)  # moving statistics updated
    model.save(tmp_path / "cnn.anyloss")
    restored = load_model(tmp_path / "cnn.anyloss")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(("make", "match"), [
    (lambda: layers_spatial.Conv2D(4, 3, padding="full"), r"`padding`.*'valid', 'same'.*'full'"),
    (lambda: layers_spatial.Conv2D(0, 3), r"`filters`.*filters=0"),
    (lambda: layers_spatial.Conv2D(4, (3,)), r"`kernel_size`.*tuple of 2.*kernel_size=\(3,\)"),
    (lambda: layers_spatial.Conv1D(4, 3, strides=2, dilation_rate=2), r"strides.*dilation_rate"),
    (lambda: layers_spatial.Conv2D(4, 3, kernel_regularizer="l3"), r"regularizer 'l3'.*'l2'"),
    (lambda: layers_spatial.Conv2D(4, 3, padding="causal"), r"`padding`.*padding='causal'"),
    (lambda: layers_spatial.MaxPooling2D(pool_size=0), r"`pool_size`.*pool_size=0"),
    (lambda: layers_spatial.BatchNormalization(momentum=1.5), r"`momentum`.*momentum=1\.5"),
    (lambda: layers_spatial.LayerNormalization(axis="x"), r"`axis`.*axis='x'"),
    (lambda: layers_spatial.Reshape((-1, -1)), r"`target_shape`.*at most one -1"),
    (lambda: layers_spatial.Reshape((4, 5), input_shape=(3, 3)), r"cannot reshape.*9 values"),
    (lambda: layers_spatial.Conv2D(4, 3)(torch.zeros(2, 8, 8)),
     r"Conv2D expects inputs of shape \(batch, height, width, channels\); received shape "
     r"\(2, 8, 8\)\. Add the channels axis"),
    (lambda: layers_spatial.GlobalMaxPooling1D()(torch.zeros(2, 8, 8, 3)),
     r"\(batch, steps, channels\).*\(2, 8, 8, 3\)"),
    (lambda: layers_spatial.MaxPooling2D(3)(torch.zeros(1, 2, 2, 1)), r"padding='same'"),
])  # fmt: skip
def test_bad_arguments_name_the_argument_and_fix(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_fit_adds_the_kernel_regularizer_once_per_step_and_logs_it():
    # Keras adds the layers' penalties to the loss it minimises and logs; one SGD step on a
    # zero loss with l2(0.5) multiplies the kernel by 1 - lr * 2 * 0.5.
    import anyloss as al
    from anyloss.models import Sequential

    torch.manual_seed(0)
    conv = layers_spatial.Conv1D(2, 3, input_shape=(5, 1), kernel_regularizer=layers_spatial.L2(0.5),
                                 use_bias=False)
    model = Sequential([conv])
    model.compile(optimizer={"class_name": "sgd", "config": {"learning_rate": 0.1}},
                  loss=al.MeanSquaredError())
    kernel = conv.weight.detach().clone()
    x = torch.zeros(4, 5, 1)
    history = model.fit(x, torch.zeros(4, 3, 2), batch_size=2, epochs=1, shuffle=False,
                        verbose=0, gradient_accumulation_steps=2)
    np.testing.assert_allclose(conv.weight.detach(), kernel * (1 - 0.1 * 2 * 0.5), rtol=1e-6)
    np.testing.assert_allclose(history.history["loss"][0], 0.5 * float((kernel**2).sum()),
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, torch.zeros(4, 3, 2), verbose=0),
                               0.5 * float((conv.weight.detach() ** 2).sum()), rtol=1e-5)
