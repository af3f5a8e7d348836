"""steps_per_epoch (generators), validation_steps/freq and the *_on_batch methods, against
Keras 3's rules (trainers/epoch_iterator.py, Trainer._should_eval, train_on_batch) and
hand-written torch steps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from anyloss.layers import Dense
from anyloss.models import Callback, Sequential

RNG = np.random.default_rng(3)
X = RNG.normal(size=(10, 3)).astype("float32")
Y = RNG.normal(size=(10, 1)).astype("float32")


class Batches(Callback):
    """Records, per epoch, the first column of every training batch's first row."""

    def __init__(self) -> None:
        super().__init__()
        self.per_epoch: list[int] = []
        self.val_batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.per_epoch[-1] += 1

    def on_test_batch_end(self, batch, logs=None):
        self.val_batches += 1


def model(lr: float = 0.0) -> Sequential:
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile(optimizer=lambda p: torch.optim.SGD(p, lr=lr), loss="mse", metrics=["mae"])
    return m


def endless(drawn: list[int]):
    i = 0
    while True:
        drawn.append(i)
        rows = slice(2 * (i % 5), 2 * (i % 5) + 2)
        yield X[rows], Y[rows]
        i += 1


def test_an_endless_generator_gives_steps_per_epoch_batches_and_is_drawn_exactly_that_often():
    drawn: list[int] = []
    seen = Batches()
    history = model().fit(endless(drawn), epochs=3, steps_per_epoch=4, callbacks=[seen],
                          verbose=0)
    assert seen.per_epoch == [4, 4, 4]
    assert drawn == list(range(12))  # the batch drawn to build the model is trained on
    assert len(history.history["loss"]) == 3


def test_a_finite_generator_that_runs_out_stops_training_with_kerass_warning():
    def five():
        for i in range(5):
            yield X[2 * i:2 * i + 2], Y[2 * i:2 * i + 2]

    seen = Batches()
    with pytest.warns(UserWarning, match="ran out of data in epoch 2; interrupting training"):
        history = model().fit(five(), epochs=4, steps_per_epoch=3, callbacks=[seen], verbose=0)
    assert seen.per_epoch == [3, 2]
    assert len(history.history["loss"]) == 2

    seen = Batches()
    with pytest.warns(UserWarning, match="ran out of data in epoch 1"):
        model().fit(five(), epochs=2, callbacks=[seen], verbose=0)
    assert seen.per_epoch == [5]


def test_a_generator_for_one_epoch_trains_without_a_warning():
    def five():
        for i in range(5):
            yield X[2 * i:2 * i + 2], Y[2 * i:2 * i + 2]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model().fit(five(), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_arrays_with_steps_per_epoch_continue_where_the_last_epoch_stopped():
    # Keras' EpochIterator: one iterator lasts across epochs and restarts once the data
    # (5 batches of 2) has been seen whole.
    firsts: list[float] = []
    m = model()
    original = m._optimizer_step

    def spy(micro, *args, **kwargs):
        firsts.append(float(micro[0][0][0, 0]))
        return original(micro, *args, **kwargs)

    m._optimizer_step = spy  # type: ignore[method-assign]
    seen = Batches()
    m.fit(X, Y, batch_size=2, epochs=4, steps_per_epoch=2, shuffle=False, callbacks=[seen],
          verbose=0)
    assert seen.per_epoch == [2, 2, 1, 2]
    starts = [0, 2, 4, 6, 8, 0, 2]
    np.testing.assert_array_equal(firsts, X[starts, 0])


def test_a_dataloader_with_steps_per_epoch():
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=3)
    seen = Batches()
    model().fit(loader, epochs=3, steps_per_epoch=3, callbacks=[seen], verbose=0)
    # 4 batches: 3 | 1 (the data was seen whole: restart) | 3
    assert seen.per_epoch == [3, 1, 3]


def test_validation_freq_and_validation_steps_follow_keras():
    seen = Batches()
    history = model().fit(X, Y, batch_size=4, epochs=4, validation_data=(X, Y),
                          validation_freq=2, validation_steps=1, callbacks=[seen], verbose=0)
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2  # after epochs 2 and 4
    assert seen.val_batches == 2

    seen = Batches()
    history = model().fit(X, Y, batch_size=4, epochs=5, validation_data=(X, Y),
                          validation_freq=[1, 5], validation_batch_size=5, callbacks=[seen],
                          verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert seen.val_batches == 4  # two runs of 10 samples in batches of 5


def test_validation_loss_with_validation_steps_is_the_loss_of_those_batches():
    m = model()
    history = m.fit(X, Y, batch_size=10, epochs=1, validation_data=(X, Y),
                    validation_steps=1, validation_batch_size=4, verbose=0)
    expected = m.evaluate(X[:4], Y[:4], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected[0], rel=1e-6)


def test_evaluate_and_predict_take_steps_from_an_endless_generator():
    m = model()
    drawn: list[int] = []
    loss, _ = m.evaluate(endless(drawn), steps=5, verbose=0)
    assert loss == pytest.approx(m.evaluate(X, Y, verbose=0)[0], rel=1e-6)
    assert len(drawn) == 5

    def inputs():
        while True:
            yield (X[:4],)

    out = m.predict(inputs(), steps=3)
    assert out.shape == (12, 1)


def test_train_on_batch_is_one_sgd_step_and_returns_kerass_structures():
    m = model(lr=0.1)
    m.build(torch.from_numpy(X))
    w = m.layers[0].weight.detach().clone()
    b = m.layers[0].bias.detach().clone()
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    wr, br = w.clone().requires_grad_(), b.clone().requires_grad_()
    before = ((x @ wr.T + br - y) ** 2).mean()
    before.backward()

    logs = m.train_on_batch(X, Y, return_dict=True)
    assert list(logs) == ["loss", "mae"]
    assert logs["loss"] == pytest.approx(before.item(), rel=1e-6)
    torch.testing.assert_close(m.layers[0].weight.detach(), w - 0.1 * wr.grad)
    torch.testing.assert_close(m.layers[0].bias.detach(), b - 0.1 * br.grad)

    # metrics are reset per call (Keras 3): the second call reports its own batch only
    expected = m.test_on_batch(X[:2], Y[:2])
    second = m.train_on_batch(X[:2], Y[:2])
    assert isinstance(second, list) and len(second) == 2
    np.testing.assert_allclose(second, expected, rtol=1e-6)


def test_test_and_predict_on_batch_equal_evaluate_and_predict():
    m = model()
    m.build(torch.from_numpy(X))
    assert m.test_on_batch(X, Y) == pytest.approx(m.evaluate(X, Y, batch_size=10, verbose=0))
    np.testing.assert_allclose(m.predict_on_batch(X), m.predict(X), rtol=1e-6)

    plain = Sequential([Dense(1, input_shape=(3,))])
    plain.compile(optimizer="sgd", loss="mse")
    assert isinstance(plain.test_on_batch(X, Y), float)


def test_train_on_batch_class_weight_equals_the_sample_weights_it_stands_for():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
    a = Sequential([Dense(2, input_shape=(3,), activation="softmax")])
    a.compile(optimizer=lambda p: torch.optim.SGD(p, lr=0.0), loss="sparse_categorical_crossentropy")
    a.build(torch.from_numpy(X))
    by_class = a.train_on_batch(X, y, class_weight={0: 1.0, 1: 3.0})
    by_sample = a.test_on_batch(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    assert by_class == pytest.approx(by_sample, rel=1e-6)
    with pytest.raises(ValueError, match="mutually exclusive"):
        a.train_on_batch(X, y, sample_weight=np.ones(10), class_weight={0: 1.0, 1: 3.0})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps_per_epoch": 0}, r"`steps_per_epoch` must be a positive int.*steps_per_epoch=0"),
        ({"steps_per_epoch": 2.5}, r"`steps_per_epoch` must be a positive int"),
        ({"validation_steps": -1, "validation_data": (X, Y)}, r"`validation_steps`"),
        ({"validation_freq": 0}, r"`validation_freq` must be a positive int.*\[1, 5, 10\]"),
        ({"validation_freq": "2"}, r"validation_freq='2'"),
    ],
)
def test_bad_step_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        model().fit(X, Y, verbose=0, **kwargs)


def test_on_batch_methods_refuse_an_iterable_and_need_compile():
    m = model()
    with pytest.raises(ValueError, match="one batch of arrays"):
        m.train_on_batch(iter([(X, Y)]))
    fresh = Sequential([Dense(1)])
    with pytest.raises(Exception, match="compile"):
        fresh.train_on_batch(X, Y)
