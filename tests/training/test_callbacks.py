"""Callbacks, History.plot and progress output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyloss.layers import Dense
from anyloss.models import Callback, EarlyStopping, ModelCheckpoint, Sequential, load_model

X = np.random.default_rng(1).normal(size=(12, 3)).astype("float32")
Y = X[:, :2] * 2.0


def model(lr: float = 0.05) -> Sequential:
    m = Sequential([Dense(2, input_shape=(3,))])
    m.compile(optimizer=lambda p: torch.optim.SGD(p, lr=lr), loss="mse")
    return m


class Recording(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, round(logs["loss"], 6)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def test_hook_order_and_lazy_batch_logs():
    rec = Recording()
    m = model()
    m.fit(X, Y, batch_size=8, epochs=2, validation_data=(X, Y), callbacks=[rec], verbose=0)
    kinds = [c[0] for c in rec.calls]
    assert kinds == ["train_begin", "epoch_begin", "batch_end", "batch_end", "epoch_end",
                     "epoch_begin", "batch_end", "batch_end", "epoch_end", "train_end"]
    assert rec.calls[4] == ("epoch_end", 0, ["loss", "val_loss"])
    assert rec.calls[2][2] > 0 and rec.model is m


class EvalRecording(Callback):
    """Records the on_test_* and on_predict_* hooks."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def on_test_begin(self, logs=None):
        self.calls.append(("test_begin",))

    def on_test_batch_begin(self, batch, logs=None):
        self.calls.append(("test_batch_begin", batch))

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(("test_batch_end", batch, round(logs["loss"], 6)))

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", sorted(logs)))

    def on_predict_begin(self, logs=None):
        self.calls.append(("predict_begin",))

    def on_predict_batch_begin(self, batch, logs=None):
        self.calls.append(("predict_batch_begin", batch))

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(("predict_batch_end", batch, logs["outputs"].shape))

    def on_predict_end(self, logs=None):
        self.calls.append(("predict_end",))


def test_evaluate_and_predict_call_the_test_and_predict_hooks():
    rec = EvalRecording()
    m = model()
    loss = m.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[rec])
    assert [c[:2] for c in rec.calls] == [("test_begin",), ("test_batch_begin", 0),
                                          ("test_batch_end", 0), ("test_batch_begin", 1),
                                          ("test_batch_end", 1), ("test_end", ["loss"])]
    assert rec.calls[2][2] > 0 and rec.model is m
    rec.calls.clear()
    out = m.predict(X, batch_size=8, callbacks=[rec])
    assert rec.calls == [("predict_begin",), ("predict_batch_begin", 0),
                         ("predict_batch_end", 0, (8, 2)), ("predict_batch_begin", 1),
                         ("predict_batch_end", 1, (4, 2)), ("predict_end",)]
    assert out.shape == (12, 2) and loss > 0


def test_fit_calls_the_test_hooks_for_validation_data():
    rec = EvalRecording()
    model().fit(X, Y, batch_size=8, epochs=2, validation_data=(X, Y), callbacks=[rec],
                verbose=0)
    assert [c[0] for c in rec.calls].count("test_begin") == 2
    assert rec.calls[-1] == ("test_end", ["loss"])


def scripted(callback, values, monitor="val_loss"):
    """Feed `values` as the monitored log to `callback` on a real model; returns stop epoch."""
    m = model()
    callback.set_model(m)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        with torch.no_grad():
            m.layers[0].bias.fill_(float(epoch))  # the weights tell which epoch they are from
        callback.on_epoch_end(epoch, {monitor: value})
        if m.stop_training:
            break
    callback.on_train_end()
    return epoch, m


def test_early_stopping_patience_min_delta_and_restore():
    stop, m = scripted(EarlyStopping(patience=2, restore_best_weights=True),
                       [1.0, 0.5, 0.6, 0.55, 0.1])
    assert stop == 3 and torch.all(m.layers[0].bias == 1.0)  # best epoch 1 restored
    stop, _ = scripted(EarlyStopping(patience=1, min_delta=0.2), [1.0, 0.85, 0.5])
    assert stop == 1  # 0.85 is not an improvement of at least 0.2
    stop, _ = scripted(EarlyStopping(monitor="val_accuracy", patience=1), [0.5, 0.6, 0.7, 0.6],
                       monitor="val_accuracy")
    assert stop == 3  # "auto" mode maximises accuracies


def test_early_stopping_in_fit_stops_training():
    m = model(lr=0.0)  # val_loss never improves after epoch 0
    h = m.fit(X, Y, epochs=10, validation_split=0.25, verbose=0,
              callbacks=[EarlyStopping(patience=1)])
    assert len(h.history["loss"]) == 2


def test_early_stopping_warns_on_missing_monitor():
    with pytest.warns(UserWarning, match="'val_loss', which is not in the logs"):
        model().fit(X, Y, verbose=0, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match=r"mode.*Received: mode='up'"):
        EarlyStopping(mode="up")


def test_model_checkpoint_save_best_only(tmp_path):
    path = tmp_path / "best-{epoch}.pt"
    checkpoint = ModelCheckpoint(str(path), save_best_only=True)
    scripted(checkpoint, [1.0, 0.5, 0.7])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.pt", "best-2.pt"]
    restored = load_model(tmp_path / "best-2.pt")
    assert torch.all(restored.layers[0].bias == 1.0)
    with pytest.raises(ValueError, match=r"names 'nope'.*Use \{epoch\}"):
        scripted(ModelCheckpoint(str(tmp_path / "{nope}.pt")), [1.0])


def test_history_plot_writes_a_png(tmp_path):
    h = model().fit(X, Y, epochs=3, validation_split=0.25, verbose=0)
    out = tmp_path / "history.png"
    h.plot(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def test_verbose_two_prints_one_line_per_epoch(capsys):
    model().fit(X, Y, epochs=2, batch_size=4, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - ") and "ms/step - loss: " in lines[0]


def test_verbose_one_draws_a_bar_and_auto_is_two_off_a_terminal(capsys):
    model().fit(X, Y, epochs=1, batch_size=4, verbose=1)
    assert "Epoch 1/1" in capsys.readouterr().out
    model().fit(X, Y, epochs=1, batch_size=4)
    assert capsys.readouterr().out.count("Epoch 1/1 - ") == 1
    with pytest.raises(ValueError, match=r"callbacks.*Subclass"):
        model().fit(X, Y, verbose=0, callbacks=[object()])
