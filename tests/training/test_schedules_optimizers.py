"""Learning-rate schedules and Keras-style optimizer classes, against Keras 3."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from anyloss.callbacks import Callback  # noqa: E402
from anyloss.layers import Dense  # noqa: E402
from anyloss.models import Model, Sequential, load_model  # noqa: E402
from anyloss.optimizers import (  # noqa: E402
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Nadam,
    RMSprop,
    get,
    iterations,
    schedules,
)
from anyloss.training import optimizers as training_optimizers  # noqa: E402

X = np.random.default_rng(3).normal(size=(24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")

SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.8}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                          "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 20, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 20, "warmup_target": 0.1,
                     "warmup_steps": 5}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 10, "alpha": 0.2,
                     "warmup_target": 0.05, "warmup_steps": 4}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 10, 12], "values": [0.1, 0.05, 0.01, 0.001]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                         "end_learning_rate": 0.01, "power": 0.5}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 6, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.3}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.3,
                          "staircase": True}),
]


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize(("name", "config"), SCHEDULES)
def test_schedules_equal_keras_for_40_steps(keras, name, config):
    ours = getattr(schedules, name)(**config)
    theirs = getattr(keras.optimizers.schedules, name)(**config)
    got = [ours(step) for step in range(41)]
    expected = [float(theirs(step)) for step in range(41)]
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-9)
    # Keras' config (ours has every key Keras writes, with the same values) loads both ways.
    assert ours.get_config() == {**theirs.get_config(), **ours.get_config()}
    assert set(ours.get_config()) == set(theirs.get_config())
    again = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert [again(s) for s in range(41)] == got
    back = keras.optimizers.schedules.deserialize(
        {"class_name": name, "config": ours.get_config()})
    np.testing.assert_allclose([float(back(s)) for s in range(41)], expected, rtol=1e-7)
    # A Keras optimizer config holding the schedule builds a torch optimizer that follows it.
    built = get(keras.optimizers.serialize(keras.optimizers.SGD(learning_rate=theirs)),
                [torch.nn.Parameter(torch.zeros(1))])
    assert built.keras_extras.schedule.get_config() == ours.get_config()


class RecordLR(Callback):
    """Reads the torch optimizer's learning rate before every training batch."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        self.seen.append(self.model.optimizer.param_groups[0]["lr"])


def test_fit_applies_the_scheduled_rate_at_every_update(keras):
    config = {"initial_learning_rate": 0.05, "decay_steps": 2, "decay_rate": 0.7}
    model = Model(torch.nn.Linear(3, 1))
    initial = [p.detach().clone() for p in model.module.parameters()]
    model.compile(optimizer=Adam(learning_rate=schedules.ExponentialDecay(**config)), loss="mse")
    record = RecordLR()
    model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[record])
    keras_schedule = keras.optimizers.schedules.ExponentialDecay(**config)
    expected = [float(keras_schedule(step)) for step in range(9)]
    np.testing.assert_allclose(record.seen, expected, rtol=1e-6)
    assert iterations(model.optimizer) == 9
    np.testing.assert_allclose(float(model.optimizer.learning_rate), float(keras_schedule(9)),
                               rtol=1e-6)
    # The same updates by hand: torch.optim.Adam with the rate set before each step.
    reference = torch.nn.Linear(3, 1)
    with torch.no_grad():
        for p, q in zip(reference.parameters(), initial, strict=True):
            p.copy_(q)
    adam = torch.optim.Adam(reference.parameters(), lr=0.05, eps=1e-7)
    for step in range(9):
        start = (step % 3) * 8
        adam.param_groups[0]["lr"] = expected[step]
        adam.zero_grad()
        xb, yb = torch.from_numpy(X[start:start + 8]), torch.from_numpy(Y[start:start + 8])
        torch.mean((reference(xb) - yb) ** 2).backward()
        adam.step()
    for p, q in zip(model.module.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def test_schedule_counts_updates_under_gradient_accumulation():
    schedule = schedules.PiecewiseConstantDecay([1, 2], [0.3, 0.2, 0.1])
    model = Model(torch.nn.Linear(3, 1))
    model.compile(optimizer=SGD(learning_rate=schedule, gradient_accumulation_steps=2),
                  loss="mse")
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)  # 6 batches, 3 updates
    assert iterations(model.optimizer) == 3
    assert model.optimizer.param_groups[0]["lr"] == schedule(3) == 0.1


def test_schedule_round_trips_through_save_and_load(tmp_path):
    schedule = schedules.CosineDecay(0.02, decay_steps=10, warmup_target=0.1, warmup_steps=3)
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=Adam(learning_rate=schedule, clipnorm=1.0), loss="mse")
    before_build = model.get_compile_config()["optimizer"]
    assert before_build["keras"]["learning_rate"]["config"] == schedule.get_config()
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    config = model.get_compile_config()["optimizer"]
    assert config["keras"] == {**before_build["keras"]}
    model.save(tmp_path / "m.anyloss")
    loaded = load_model(tmp_path / "m.anyloss")
    extras = loaded.optimizer.keras_extras
    assert extras.schedule.get_config() == schedule.get_config() and extras.clipnorm == 1.0
    assert iterations(loaded.optimizer) == 3
    assert loaded.optimizer.param_groups[0]["lr"] == pytest.approx(schedule(3))
    # Both continue identically.
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.module.parameters(), loaded.module.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    assert loaded.optimizer.param_groups[0]["lr"] == pytest.approx(schedule(6))


CLASSES = [(SGD, "SGD", torch.optim.SGD), (Adam, "Adam", torch.optim.Adam),
           (AdamW, "AdamW", torch.optim.AdamW), (RMSprop, "RMSprop", torch.optim.RMSprop),
           (Adagrad, "Adagrad", torch.optim.Adagrad), (Adadelta, "Adadelta", torch.optim.Adadelta),
           (Adamax, "Adamax", torch.optim.Adamax), (Nadam, "Nadam", torch.optim.NAdam)]


@pytest.mark.parametrize(("cls", "keras_name", "torch_cls"), CLASSES)
def test_optimizer_classes_have_keras_defaults(keras, cls, keras_name, torch_cls):
    ours = cls().get_config()
    theirs = getattr(keras.optimizers, keras_name)().get_config()
    theirs.pop("name")
    ours.pop("name")
    assert ours == pytest.approx(theirs)
    built = get(cls(), [torch.nn.Parameter(torch.zeros(2))])
    assert type(built) is torch_cls
    assert built.defaults["lr"] == pytest.approx(theirs["learning_rate"])
    # Keras' own serialized config builds the same optimizer.
    from_keras = get(keras.optimizers.serialize(getattr(keras.optimizers, keras_name)()),
                     [torch.nn.Parameter(torch.zeros(2))])
    assert type(from_keras) is torch_cls
    assert from_keras.defaults.keys() == built.defaults.keys()
    for key, value in built.defaults.items():  # Keras' config holds float32 values
        expected = pytest.approx(value, rel=1e-6) if isinstance(value, (float, tuple)) else value
        assert from_keras.defaults[key] == expected, key


@pytest.mark.parametrize(("name", "kwargs"), [
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.05}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.2}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.2, "clipnorm": 2.0}),
    # Keras' decoupled decay, not torch's L2 term in the gradient (which Adam would normalise).
    ("Adam", {"learning_rate": 0.1, "weight_decay": 0.2}),
])
def test_clipping_and_weight_decay_equal_keras(keras, name, kwargs):
    rng = np.random.default_rng(0)
    start = rng.normal(size=(4, 3)).astype("float32")
    grads = [rng.normal(size=(4, 3)).astype("float32") for _ in range(3)]
    variable = keras.Variable(start)
    keras_optimizer = getattr(keras.optimizers, name)(**kwargs)
    param = torch.nn.Parameter(torch.from_numpy(start.copy()))
    optimizer = get(globals()[name](**kwargs), [param])
    for grad in grads:
        keras_optimizer.apply_gradients([(grad, variable)])
        param.grad = torch.from_numpy(grad.copy())
        optimizer.step()
    # SGD's rule is the same in both; Adam's epsilon sits differently (1e-7 vs ~3e-6 here).
    tolerance = {"rtol": 1e-6, "atol": 1e-7} if name == "SGD" else {"rtol": 1e-5, "atol": 1e-5}
    np.testing.assert_allclose(param.detach().numpy(), variable.numpy(), **tolerance)


def test_learning_rate_reads_and_writes_like_keras():
    model = Model(torch.nn.Linear(3, 1))
    model.compile(optimizer=RMSprop(learning_rate=0.01), loss="mse")
    assert float(model.optimizer.learning_rate) == 0.01
    assert round(model.optimizer.learning_rate, 3) == 0.01 and model.optimizer.learning_rate < 1
    model.optimizer.learning_rate.assign(0.002)
    assert model.optimizer.param_groups[0]["lr"] == 0.002
    model.optimizer.learning_rate = 0.003  # Keras' setter: applied before the next update
    model.fit(X, Y, epochs=1, verbose=0)
    assert model.optimizer.param_groups[0]["lr"] == 0.003
    assert float(model.optimizer.learning_rate) == 0.003
    scheduled = get(Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5)),
                    [torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate.assign(0.1)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: Adam(learning_rate="fast"), r"`learning_rate` of Adam.*Received: learning_rate='fast'"),
    (lambda: SGD(learning_rate=-0.1), r"`learning_rate` of SGD must be a non-negative"),
    (lambda: Adam(learning_rate=lambda step: 0.1), r"LearningRateSchedule"),
    (lambda: SGD(clipnorm=-1.0), r"`clipnorm` of SGD.*Received: clipnorm=-1.0"),
    (lambda: Adam(clipnorm=1.0, clipvalue=1.0), r"Only one of `clipnorm`, `clipvalue`"),
    (lambda: Adam(use_ema=True), r"`use_ema=True` of Adam is not supported"),
    (lambda: Adam(loss_scale_factor=128.0), r"`loss_scale_factor` of Adam"),
    (lambda: Adam(gradient_accumulation_steps=0), r"`gradient_accumulation_steps` of Adam"),
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), r"`decay_steps` must be > 0.*decay_steps=0"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-2), r"`warmup_steps` must be >= 0"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), r"one more entry"),
    (lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), r"strictly increasing"),
    (lambda: schedules.ExponentialDecay("0.1", 10, 0.5), r"`initial_learning_rate`"),
])
def test_bad_arguments_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_schedule_config_says_what_is_known():
    with pytest.raises(ValueError, match=r"Unknown learning-rate schedule 'Warmup'.*custom_objects"):
        get({"class_name": "adam", "config": {"learning_rate": {"class_name": "Warmup",
                                                                 "config": {}}}},
            [torch.nn.Parameter(torch.zeros(1))])


def test_name_and_dict_paths_keep_working_with_extras():
    params = [torch.nn.Parameter(torch.zeros(2))]
    adam = get("adam", params)
    assert type(adam) is torch.optim.Adam and adam.defaults["eps"] == 1e-7
    config = training_optimizers.optimizer_config(adam)
    assert "keras" not in config  # nothing beyond torch's config to save
    rebuilt = training_optimizers.from_config(config, params)
    assert rebuilt.defaults == adam.defaults
