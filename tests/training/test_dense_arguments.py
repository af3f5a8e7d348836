"""Dense's Keras arguments beyond units: input_dim, kernel/bias_regularizer and name, against
Keras 3 (numpy backend) for shapes, penalties, names and configs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyloss.layers import Dense
from anyloss.models import Sequential, load_model
from anyloss.regularizers import L1L2, L2


def _keras():
    return pytest.importorskip("keras")


def test_input_dim_builds_like_kerass_input_shape():
    keras = _keras()
    ours = Sequential([Dense(8, input_dim=5, activation="relu"), Dense(2)])
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(2)])
    assert ours.count_params() == theirs.count_params() == 5 * 8 + 8 + 8 * 2 + 2
    assert ours.layers[0].weight.shape == (8, 5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regularizer_penalties_equal_kerass_model_losses(seed):
    keras = _keras()
    rng = np.random.default_rng(seed)
    kernel, bias = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    layer = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.3),
                               bias_regularizer=keras.regularizers.L2(0.02))
    layer.build((None, 4))
    layer.set_weights([kernel, bias])
    expected = float(sum(np.asarray(loss) for loss in layer.losses))

    ours = Dense(3, input_dim=4, kernel_regularizer=L1L2(l1=0.01, l2=0.3),
                 bias_regularizer=L2(0.02))
    with torch.no_grad():
        ours.weight.copy_(torch.from_numpy(kernel.T))
        ours.bias.copy_(torch.from_numpy(bias))
    assert ours.regularization_loss().item() == pytest.approx(expected, rel=1e-6)


def test_fit_minimises_the_dense_penalty_with_the_loss():
    # A zero loss and l2(0.5) on the kernel: one SGD step scales the kernel by 1 - lr.
    dense = Dense(2, input_dim=3, kernel_regularizer=L2(0.5), use_bias=False)
    model = Sequential([dense])
    model.compile(optimizer={"class_name": "sgd", "config": {"learning_rate": 0.1}}, loss="mse")
    kernel = dense.weight.detach().clone()
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), batch_size=4,
              verbose=0)
    torch.testing.assert_close(dense.weight.detach(), kernel * 0.9)


def test_names_appear_in_summary_and_survive_save_and_load(tmp_path):
    model = Sequential([Dense(4, input_dim=3, name="hidden", kernel_regularizer="l2"),
                        Dense(1, name="score")])
    model.compile(optimizer="sgd", loss="mse")
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "hidden (Dense)" in text and "score (Dense)" in text
    path = tmp_path / "named.keras.pt"
    model.save(path)
    loaded = load_model(path)
    assert [layer.name for layer in loaded.layers] == ["hidden", "score"]
    assert loaded.layers[0].get_config()["kernel_regularizer"] == "l2"
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Dense(2, input_dim=0), r"`input_dim` of Dense must be a positive int.*=0"),
        (lambda: Dense(2, input_dim=3, input_shape=(4,)), r"input_dim=3 and input_shape"),
        (lambda: Dense(2, name=""), r"`name` of Dense must be a non-empty string"),
        (lambda: Dense(2, name="a/b"), r"without '/'.*name='a/b'"),
        (lambda: Dense(2, kernel_regularizer="l3"), r"regularizer 'l3'"),
        (lambda: Sequential([Dense(2, name="x"), Dense(2, name="x")]),
         r"names should be unique.*'x'"),
    ],
)
def test_bad_dense_arguments_name_themselves(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_the_training_call_argument_overrides_the_module_mode_as_in_keras():
    from anyloss.layers import LSTM, BatchNormalization, Dropout

    x = torch.ones(64, 8)
    drop = Dropout(0.5).eval()
    assert (drop(x, training=True) == 0).any()
    assert torch.equal(drop.train()(x, training=False), x)

    bn = BatchNormalization(input_shape=(8,)).train()
    batch = torch.randn(16, 8) * 3 + 5
    # inference: the moving statistics (0 mean, unit variance at start) leave x unchanged
    torch.testing.assert_close(bn(batch, training=False), batch / (1 + 1e-3) ** 0.5)
    assert torch.equal(bn.moving_mean if hasattr(bn, "moving_mean") else bn.running_mean,
                       torch.zeros(8))
    lstm = LSTM(3, dropout=0.9).eval()
    seq = torch.ones(4, 5, 2)
    assert not torch.equal(lstm(seq, training=True), lstm(seq, training=False))


def test_every_layer_takes_kerass_name_argument_and_keeps_it_through_save(tmp_path):
    from anyloss import layers

    model = Sequential([
        layers.Reshape((4, 4, 1), input_shape=(16,), name="to_image"),
        layers.Conv2D(2, 3, padding="same", name="conv"),
        layers.BatchNormalization(name="bn"),
        layers.MaxPooling2D(name="pool"),
        layers.Activation("relu", name="act"),
        layers.Flatten(name="flat"),
        layers.Dropout(0.1, name="drop"),
        layers.Dense(3, name="out"),
    ])
    names = ["to_image", "conv", "bn", "pool", "act", "flat", "drop", "out"]
    assert [layer.name for layer in model.layers] == names
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras.pt")
    assert [layer.name for layer in load_model(tmp_path / "m.keras.pt").layers] == names
    for make in (lambda: layers.LSTM(2, name="rnn"), lambda: layers.GRU(2, name="rnn"),
                 lambda: layers.Embedding(5, 2, name="rnn"), lambda: layers.Add(name="rnn"),
                 lambda: layers.Concatenate(name="rnn"), lambda: layers.Conv1D(2, 3, name="rnn"),
                 lambda: layers.GlobalAveragePooling1D(name="rnn"),
                 lambda: layers.LayerNormalization(name="rnn"),
                 lambda: layers.Bidirectional(layers.LSTM(2), name="rnn")):
        assert make().name == "rnn"
    with pytest.raises(ValueError, match=r"`name` of Conv2D must be a non-empty string"):
        layers.Conv2D(2, 3, name=3)
