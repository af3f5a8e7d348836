"""compile/fit/evaluate/predict against hand-written PyTorch and hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import anyloss as al
from anyloss.layers import Dense
from anyloss.models import Model, Sequential
from anyloss.training.model import training_mode

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3)).astype("float32")
Y = RNG.normal(size=(10, 2)).astype("float32")


def frozen(lr: float = 0.0):
    """An optimizer factory that never changes the weights (lr=0): logs are pure functions."""
    return lambda params: torch.optim.SGD(params, lr=lr)


def mlp() -> Sequential:
    return Sequential([Dense(4, input_shape=(3,), activation="tanh"), Dense(2)])


def torch_twin(model: Sequential) -> nn.Sequential:
    first, second = model.layers
    twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with torch.no_grad():
        for dst, src in ((twin[0], first), (twin[2], second)):
            dst.weight.copy_(src.weight)
            dst.bias.copy_(src.bias)
    return twin


def test_adam_epochs_match_a_hand_written_torch_loop():
    model = mlp()
    twin = torch_twin(model)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)

    optimizer = torch.optim.Adam(twin.parameters(), lr=1e-3, eps=1e-7)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    epoch_losses = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 10, 4):
            xb, yb = x[start:start + 4], y[start:start + 4]
            loss = ((twin(xb) - yb) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        epoch_losses.append(total / 10)
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-5)
    np.testing.assert_allclose(model.layers[1].weight.detach(), twin[2].weight.detach(),
                               rtol=1e-5, atol=1e-7)


def test_one_sgd_step_uses_keras_default_learning_rate():
    model = mlp()
    twin = torch_twin(model)
    model.compile(optimizer="sgd", loss="mae")
    model.fit(X, Y, batch_size=10, epochs=1, verbose=0)
    loss = (twin(torch.from_numpy(X)) - torch.from_numpy(Y)).abs().mean()
    loss.backward()
    expected = twin[0].weight.detach() - 0.01 * twin[0].weight.grad
    np.testing.assert_allclose(model.layers[0].weight.detach(), expected, rtol=1e-5, atol=1e-7)


def test_epoch_loss_weights_batches_by_size():
    # Batches of 4, 4, 2: the mean of batch means would over-weight the last two samples.
    model = mlp()
    model.compile(optimizer=frozen(), loss="mse")
    history = model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    per_sample = ((model.predict(X) - Y) ** 2).mean(axis=1)
    np.testing.assert_allclose(history.history["loss"][0], per_sample.mean(), rtol=1e-5)


def test_validation_split_is_the_last_fraction_before_shuffling():
    model = mlp()
    model.compile(optimizer=frozen(), loss="mse")
    history = model.fit(X, Y, batch_size=3, epochs=1, validation_split=0.3, verbose=0)
    per_sample = ((model.predict(X) - Y) ** 2).mean(axis=1)
    np.testing.assert_allclose(history.history["val_loss"][0], per_sample[7:].mean(), rtol=1e-5)
    np.testing.assert_allclose(history.history["loss"][0], per_sample[:7].mean(), rtol=1e-5)


def test_sample_weight_and_class_weight():
    model = Sequential([Dense(3, input_shape=(3,), activation="softmax")])
    model.compile(optimizer=frozen(), loss="sparse_categorical_crossentropy")
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    probs = model.predict(X)
    per_sample = -np.log(probs[np.arange(10), labels])
    weights = np.linspace(0.0, 2.0, 10).astype("float32")
    h = model.fit(X, labels, sample_weight=weights, batch_size=4, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], (per_sample * weights).mean(), rtol=1e-5)
    h = model.fit(X, labels, class_weight={0: 2.0, 2: 0.5}, batch_size=4, verbose=0)
    class_w = np.array([2.0, 1.0, 0.5])[labels]
    np.testing.assert_allclose(h.history["loss"][0], (per_sample * class_w).mean(), rtol=1e-5)


def test_class_weight_errors():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="mutually exclusive"):
        model.fit(X, Y, sample_weight=np.ones(10), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"class_weight.*dict of int"):
        model.fit(X, Y, class_weight={"a": 1.0}, verbose=0)


class TwoHeads(nn.Module):
    def __init__(self, as_dict: bool) -> None:
        super().__init__()
        self.as_dict = as_dict
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 1)

    def forward(self, x):
        a, b = self.a(x), torch.sigmoid(self.b(x))
        return {"reg": a, "prob": b} if self.as_dict else (a, b)


def test_multi_output_tuple_and_dict_history_and_values():
    labels = (X[:, :1] > 0).astype("float32")
    tuple_model = Model(TwoHeads(as_dict=False))
    tuple_model.compile(optimizer=frozen(), loss=["mse", "binary_crossentropy"],
                        loss_weights=[0.5, 2.0], metrics=[[], ["accuracy"]])
    h = tuple_model.fit(X, [Y, labels], batch_size=5, verbose=0)
    reg, prob = tuple_model.predict(X)
    mse = ((reg - Y) ** 2).mean()
    p = np.clip(prob, 1e-7, 1 - 1e-7)
    bce = -(labels * np.log(p) + (1 - labels) * np.log(1 - p)).mean()
    assert set(h.history) == {"loss", "output_1_loss", "output_2_loss", "output_2_accuracy"}
    np.testing.assert_allclose(h.history["output_1_loss"][0], mse, rtol=1e-5)
    np.testing.assert_allclose(h.history["loss"][0], 0.5 * mse + 2.0 * bce, rtol=1e-5)
    np.testing.assert_allclose(h.history["output_2_accuracy"][0],
                               ((prob > 0.5) == (labels > 0.5)).mean(), rtol=1e-6)

    dict_model = Model(TwoHeads(as_dict=True))
    dict_model.compile(optimizer="adam", loss={"reg": "mse", "prob": "bce"},
                       loss_weights={"prob": 0.1})
    h = dict_model.fit(X, {"reg": Y, "prob": labels}, epochs=2, verbose=0)
    assert set(h.history) == {"loss", "reg_loss", "prob_loss"}
    out = dict_model.predict(X, batch_size=3)
    assert set(out) == {"reg", "prob"} and out["reg"].shape == (10, 2)


@pytest.mark.parametrize(("activation", "units", "loss", "labels", "expected_fn"), [
    ("sigmoid", 1, "binary_crossentropy", (X[:, 0] > 0).astype("float32")[:, None],
     lambda p, y: ((p[:, 0] > 0.5) == (y[:, 0] > 0.5)).mean()),
    ("softmax", 3, "categorical_crossentropy", np.eye(3, dtype="float32")[np.arange(10) % 3],
     lambda p, y: (p.argmax(1) == y.argmax(1)).mean()),
    ("softmax", 3, "sparse_categorical_crossentropy", np.arange(10) % 3,
     lambda p, y: (p.argmax(1) == y).mean()),
])
def test_accuracy_resolves_like_keras(activation, units, loss, labels, expected_fn):
    model = Sequential([Dense(units, input_shape=(3,), activation=activation)])
    model.compile(optimizer=frozen(), loss=loss, metrics=["accuracy", loss])
    h = model.fit(X, labels, batch_size=4, verbose=0)
    expected = expected_fn(model.predict(X), labels)
    np.testing.assert_allclose(h.history["accuracy"][0], expected, rtol=1e-6)
    assert list(h.history) == ["loss", "accuracy", loss]
    np.testing.assert_allclose(h.history[loss][0], h.history["loss"][0], rtol=1e-5)


def test_logits_binary_accuracy_thresholds_at_zero():
    model = Sequential([Dense(1, input_shape=(3,))])
    labels = (X[:, :1] > 0).astype("float32")
    model.compile(optimizer=frozen(), loss=al.BinaryCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    h = model.fit(X, labels, verbose=0)
    logits = model.predict(X)
    np.testing.assert_allclose(h.history["accuracy"][0], ((logits > 0) == labels).mean())


def test_evaluate_returns_float_or_list_and_predict_numpy():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    loss = model.evaluate(X, Y, verbose=0)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, ((model.predict(X) - Y) ** 2).mean(), rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    values = model.evaluate(X, Y, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    assert set(model.evaluate(X, Y, verbose=0, return_dict=True)) == {"loss", "mae"}
    prediction = model.predict(torch.from_numpy(X), batch_size=3)
    assert isinstance(prediction, np.ndarray) and prediction.shape == (10, 2)


class Recorder(nn.Module):
    """Records train mode and grad mode at every forward."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 2)
        self.dropout = nn.Dropout(0.5)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.linear(x)


def test_modes_are_set_per_phase_and_restored():
    recorder = Recorder()
    recorder.dropout.eval()  # a frozen submodule must stay frozen afterwards
    model = Model(recorder)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, batch_size=10, validation_data=(X, Y), verbose=0)
    assert recorder.seen == [(True, True), (False, False)]
    recorder.seen.clear()
    model.predict(X)
    model.evaluate(X, Y, verbose=0)
    assert recorder.seen == [(False, False), (False, False)]
    assert recorder.training is True and recorder.dropout.training is False
    with training_mode(recorder, False):
        assert not recorder.training and not torch.is_grad_enabled()
    assert recorder.training and torch.is_grad_enabled()


def test_dense_builds_lazily_from_the_first_batch():
    model = Sequential([Dense(8, activation="relu"), Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    assert model.optimizer is None  # no parameters to optimise yet
    model.fit(X, Y, epochs=1, verbose=0)
    assert model.layers[0].weight.shape == (8, 3) and model.optimizer is not None


def test_multi_input_list_and_dict():
    class Adder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, a, b):
            return self.linear(a + b)

    model = Model(Adder())
    model.compile(optimizer="sgd", loss="mse")
    model.fit([X, X], Y, verbose=0)
    model.fit({"a": X, "b": X}, Y, verbose=0)
    assert model.predict([X, X]).shape == (10, 2)


def test_dataloader_input():
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=4)
    model = mlp()
    model.compile(optimizer=frozen(), loss="mse")
    h = model.fit(loader, validation_data=loader, verbose=0)
    np.testing.assert_allclose(h.history["loss"], h.history["val_loss"], rtol=1e-6)
    with pytest.raises(ValueError, match=r"validation_split.*only works with arrays"):
        model.fit(loader, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="must yield the targets"):
        model.fit(loader, Y, verbose=0)


def test_compute_loss_override_adds_a_penalty():
    class L2Model(Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            penalty = sum((p ** 2).sum() for p in self.module.parameters())
            return super().compute_loss(x, y, y_pred, sample_weight) + 0.0 * penalty + 1.0

    model = L2Model(nn.Linear(3, 2))
    model.compile(optimizer=frozen(), loss="mse")
    h = model.fit(X, Y, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], ((model.predict(X) - Y) ** 2).mean() + 1,
                               rtol=1e-5)


def test_compile_errors_name_the_fix():
    model = mlp()
    with pytest.raises(ValueError, match=r"call model.compile\(optimizer=..., loss=...\)"):
        model.fit(X, Y, verbose=0)
    model.compile(optimizer="adam", loss="mse")
    model.compile(optimizer="adam")  # D10: recompiling without a loss drops the old one
    with pytest.raises(ValueError, match=r"No loss to compute.*loss='mse'"):
        model.fit(X, Y, verbose=0)
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="Target data is missing"):
        model.fit(X, verbose=0)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match=r"factory.*must return a torch\.optim\.Optimizer"):
        model.compile(optimizer=lambda params: None, loss="mse")
    model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])  # resolves nothing yet
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(TypeError, match=r"torch.nn.Module.*Sequential\(\[...\]\)"):
        Model([nn.Linear(3, 2)])


def test_data_errors_name_the_argument():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"x: 10, y: 9"):
        model.fit(X, Y[:9], verbose=0)
    with pytest.raises(ValueError, match=r"validation_split.*Received: validation_split=1\.5"):
        model.fit(X, Y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match=r"batch_size.*Received: batch_size=0"):
        model.fit(X, Y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"verbose.*Received: verbose=3"):
        model.fit(X, Y, verbose=3)


def test_loss_without_gradient_is_reported():
    def detached(y_true, y_pred):
        return al.ops.mean(al.ops.square(y_true - y_pred.detach()), axis=-1)

    model = mlp()
    model.compile(optimizer="sgd", loss=detached)
    with pytest.raises(ValueError, match="does not depend on the model's parameters"):
        model.fit(X, Y, verbose=0)
