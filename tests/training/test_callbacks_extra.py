"""ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN and LambdaCallback,
against Keras 3's callbacks driven with the same logs."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from anyloss.callbacks import (  # noqa: E402
    Callback,
    CSVLogger,
    LambdaCallback,
    LearningRateScheduler,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from anyloss.models import Model  # noqa: E402
from anyloss.optimizers import Adam, get, schedules  # noqa: E402

X = np.random.default_rng(1).normal(size=(12, 3)).astype("float32")
Y = X[:, :1] * 2.0


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


class FakeModel:
    """What a callback reads: ``optimizer`` and ``stop_training``."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.stop_training = False


def compiled(optimizer="sgd"):
    model = Model(torch.nn.Linear(3, 1))
    model.compile(optimizer=optimizer, loss="mse")
    return model


MONITORED = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.5, 0.5, 0.49999, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7,
             0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("kwargs", [
    {"monitor": "val_loss", "factor": 0.5, "patience": 2},
    {"monitor": "val_loss", "factor": 0.5, "patience": 1, "cooldown": 2, "min_lr": 0.02},
    {"monitor": "val_loss", "factor": 0.2, "patience": 0, "min_delta": 0.05, "min_lr": 0.001},
    {"monitor": "val_auc", "factor": 0.5, "patience": 2, "mode": "max"},
])
def test_reduce_lr_on_plateau_follows_keras(keras, kwargs):
    keras_model = FakeModel(keras.optimizers.SGD(learning_rate=0.1))
    theirs = keras.callbacks.ReduceLROnPlateau(**kwargs)
    theirs.set_model(keras_model)
    ours = ReduceLROnPlateau(**kwargs)
    ours.set_model(FakeModel(get("sgd", [torch.nn.Parameter(torch.zeros(1))])))
    ours.model.optimizer.learning_rate.assign(0.1)
    theirs.on_train_begin()
    ours.on_train_begin()
    logged_ours, logged_theirs, rates_ours, rates_theirs = [], [], [], []
    for epoch, value in enumerate(MONITORED):
        logs_ours, logs_theirs = {kwargs["monitor"]: value}, {kwargs["monitor"]: value}
        theirs.on_epoch_end(epoch, logs_theirs)
        ours.on_epoch_end(epoch, logs_ours)
        logged_ours.append(logs_ours["learning_rate"])
        logged_theirs.append(logs_theirs["learning_rate"])
        rates_ours.append(ours.model.optimizer.param_groups[0]["lr"])
        rates_theirs.append(float(keras_model.optimizer.learning_rate))
    assert len(set(rates_theirs)) > 2  # the sequence exercises reductions
    np.testing.assert_allclose(rates_ours, rates_theirs, rtol=1e-6)
    np.testing.assert_allclose(logged_ours, logged_theirs, rtol=1e-6)


def test_reduce_lr_on_plateau_in_fit_logs_the_rate_into_history(capsys):
    model = compiled()
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, verbose=1)
    zeros = np.zeros((4, 3), dtype="float32"), np.zeros((4, 1), dtype="float32")
    torch.nn.init.zeros_(model.module.weight)
    torch.nn.init.zeros_(model.module.bias)
    history = model.fit(*zeros, epochs=4, callbacks=[reduce], verbose=0)
    # The loss stays 0: no improvement after the first epoch, a reduction every epoch after;
    # each epoch logs the rate it trained with (Keras logs it before reducing).
    assert history.history["learning_rate"] == [0.01, 0.01, 0.005, 0.0025]
    assert model.optimizer.param_groups[0]["lr"] == 0.00125
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.005." in capsys.readouterr().out


def test_reduce_lr_on_plateau_warns_when_the_key_is_missing():
    model = compiled()
    with pytest.warns(UserWarning, match="monitors 'val_loss', which is not in the logs"):
        model.fit(X, Y, epochs=1, callbacks=[ReduceLROnPlateau()], verbose=0)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: ReduceLROnPlateau(factor=1.0), r"factor >= 1.0.*Received: factor=1.0"),
    (lambda: ReduceLROnPlateau(patience=-1), r"`patience`.*Received: patience=-1"),
    (lambda: ReduceLROnPlateau(min_lr=-0.1), r"`min_lr` must be >= 0"),
    (lambda: ReduceLROnPlateau(mode="up"), r"`mode` must be 'auto', 'min' or 'max'"),
    (lambda: LearningRateScheduler(0.1), r"`schedule` must be a function"),
    (lambda: CSVLogger("log.csv", separator=", "), r"`separator` must be a one-character"),
    (lambda: LambdaCallback(on_epoch_end=3), r"`on_epoch_end` must be a function"),
    (lambda: LambdaCallback(on_epoch_ends=print), r"unknown hook 'on_epoch_ends'"),
])
def test_bad_arguments_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_reduce_lr_on_a_schedule_raises_like_keras():
    model = compiled(Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        model.fit(X, Y, epochs=3, verbose=0,
                  callbacks=[ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0)])


@pytest.mark.parametrize("schedule", [
    lambda epoch, lr: lr if epoch < 2 else lr * 0.5,
    lambda epoch: 0.1 / (epoch + 1),
])
def test_learning_rate_scheduler_follows_keras(keras, schedule):
    keras_model = FakeModel(keras.optimizers.SGD(learning_rate=0.1))
    theirs = keras.callbacks.LearningRateScheduler(schedule)
    theirs.set_model(keras_model)
    model = compiled(get("sgd", [torch.nn.Parameter(torch.zeros(1))]))
    model.optimizer.learning_rate.assign(0.1)
    seen = []
    record = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(
        model.optimizer.param_groups[0]["lr"]))
    history = model.fit(X, Y, epochs=5, verbose=0,
                        callbacks=[LearningRateScheduler(schedule), record])
    expected = []
    for epoch in range(5):
        theirs.on_epoch_begin(epoch)
        expected.append(float(keras_model.optimizer.learning_rate))
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)


def test_learning_rate_scheduler_rejects_a_bad_value():
    model = compiled()
    with pytest.raises(ValueError, match=r"must return a non-negative float.*Got 'x' at epoch 0"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e: "x")])


EPOCH_LOGS = [
    {"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75, "val_accuracy": 0.125},
    {"loss": 0.1234567891234, "accuracy": 0.5, "val_loss": 0.6, "val_accuracy": 1 / 3},
]


@pytest.mark.parametrize(("kwargs", "logs"), [
    ({}, EPOCH_LOGS),
    ({"separator": ";"}, EPOCH_LOGS),
    ({}, [{"loss": 0.5, "mae": 0.1}, {"loss": 0.25, "mae": 0.05}]),  # val_* columns of NA
])
def test_csv_logger_writes_what_keras_writes(keras, tmp_path, kwargs, logs):
    def run(callback, path, append=False):
        logger = callback(str(path), append=append, **kwargs)
        logger.on_train_begin()
        for epoch, entry in enumerate(logs):
            logger.on_epoch_end(epoch, dict(entry))
        logger.on_train_end()

    for append in (False, True):  # appending adds rows without a second header
        run(CSVLogger, tmp_path / "ours.csv", append)
        run(keras.callbacks.CSVLogger, tmp_path / "theirs.csv", append)
        ours = (tmp_path / "ours.csv").read_bytes()
        assert ours == (tmp_path / "theirs.csv").read_bytes()
    assert ours.count(b"epoch") == 1 and ours.count(b"\n") == 5


def test_csv_logger_in_fit(tmp_path):
    model = compiled()
    model.fit(X, Y, epochs=2, validation_data=(X, Y), verbose=0,
              callbacks=[CSVLogger(tmp_path / "log.csv")])
    history = model.history.history
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,val_loss"
    assert [float(v) for v in rows[2].split(",")] == [1, history["loss"][1], history["val_loss"][1]]


class CountBatches(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.batches = 0

    def on_batch_end(self, batch, logs=None):  # Keras' older name: called for training batches
        self.batches += 1


def test_terminate_on_nan_stops_after_the_batch(keras, capsys):
    x = X.copy()
    x[5] = np.nan
    model = compiled()
    count = CountBatches()
    history = model.fit(x, Y, batch_size=2, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(), count])
    assert count.batches == 3  # the batch with row 5 is the third
    assert len(history.history["loss"]) == 1 and math.isnan(history.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    # Keras' callback decides the same from the same logs.
    fake = FakeModel(None)
    theirs = keras.callbacks.TerminateOnNaN()
    theirs.set_model(fake)
    theirs.on_batch_end(2, {"loss": float("nan")})
    assert fake.stop_training


def test_terminate_on_nan_can_raise():
    x = X.copy()
    x[0] = np.inf
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        compiled().fit(x, Y, batch_size=4, shuffle=False, verbose=0,
                       callbacks=[TerminateOnNaN(raise_error=True)])


def test_lambda_callback_calls_every_hook_with_keras_arguments():
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, "loss" in logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        on_test_begin=lambda logs: calls.append(("test_begin",)),
    )
    compiled().fit(X, Y, batch_size=6, epochs=2, validation_data=(X, Y), verbose=0,
                   callbacks=[callback])
    epoch = [("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, True), ("batch_begin", 1),
             ("batch_end", 1, True), ("test_begin",), ("epoch_end", 0, ["loss", "val_loss"])]
    assert calls[0] == ("train_begin", None)
    assert calls[1:8] == epoch
    assert calls[8:15] == [(c[0], 1, *c[2:]) if c[0].startswith("epoch") else c for c in epoch]
    assert calls[15] == ("train_end", ["loss", "val_loss"])


@pytest.mark.parametrize(("monitor", "mode"), [
    ("val_loss", "min"), ("val_auc", "max"), ("precision", "max"), ("val_recall", "max"),
    ("top_k_categorical_accuracy", "max"), ("mae", "min"),
])
def test_auto_mode_maximises_the_metrics_keras_marks_as_going_up(monitor, mode):
    assert ReduceLROnPlateau(monitor=monitor)._monitor.mode == mode
