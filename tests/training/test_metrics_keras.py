"""AUC, Precision, Recall, top-k accuracies and weighted_metrics, against Keras 3's metrics on
the same batches (several update_state calls, with and without sample weights)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
# Keras divides by zero inside np.where when a threshold has no positives (its result is 0).
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in divide:RuntimeWarning")

from anyloss import metrics  # noqa: E402
from anyloss.layers import Dense  # noqa: E402
from anyloss.models import Model, Sequential, load_model  # noqa: E402
from anyloss.training import distributed  # noqa: E402
from anyloss.training.metrics import CompileMetrics  # noqa: E402


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


def batches(kind: str, weighted: bool, seed: int = 0, n_batches: int = 3):
    """``(y_true, y_pred, sample_weight)`` batches of a binary, multi-label or class problem."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_batches):
        if kind == "binary":
            y_pred = rng.uniform(size=(16, 1)).astype("float32")
            y_true = (rng.uniform(size=(16, 1)) < 0.3 + 0.5 * y_pred).astype("float32")
        elif kind == "flat":
            y_pred = rng.uniform(size=(16,)).astype("float32")
            y_true = (rng.uniform(size=(16,)) < y_pred).astype("float32")
        else:  # multi-label / multi-class (N, 5)
            y_pred = rng.uniform(size=(16, 5)).astype("float32")
            y_true = (rng.uniform(size=(16, 5)) < y_pred).astype("float32")
        weight = rng.uniform(0.0, 2.0, size=(16,)).astype("float32") if weighted else None
        out.append((y_true, y_pred, weight))
    return out


def run_both(ours, theirs, data):
    for y_true, y_pred, weight in data:
        ours.update_state(torch.from_numpy(y_true), torch.from_numpy(y_pred),
                          None if weight is None else torch.from_numpy(weight))
        theirs.update_state(y_true, y_pred, sample_weight=weight)
    return ours.result(), np.asarray(theirs.result()).tolist()


AUC_CASES = [
    ("binary", {}),
    ("flat", {"num_thresholds": 50}),
    ("binary", {"curve": "PR"}),
    ("multi", {"curve": "PR", "num_thresholds": 30}),
    ("binary", {"curve": "PRGAIN"}),
    ("binary", {"summation_method": "minoring"}),
    ("multi", {"summation_method": "majoring", "curve": "ROC"}),
    ("binary", {"thresholds": [0.1, 0.35, 0.5, 0.8]}),  # not evenly spaced
    ("multi", {"multi_label": True}),
    ("multi", {"multi_label": True, "curve": "PR", "label_weights": [1.0, 0.5, 0.0, 2.0, 1.0]}),
    ("multi", {"label_weights": [1.0, 0.5, 0.0, 2.0, 1.0]}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("kind", "kwargs"), AUC_CASES)
def test_auc_equals_keras(keras, kind, kwargs, weighted):
    data = batches(kind, weighted)
    ours, theirs = run_both(metrics.AUC(**kwargs), keras.metrics.AUC(**kwargs), data)
    assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6)


def test_auc_from_logits_and_reset(keras):
    data = [(t, np.log(p / (1 - p)), w) for t, p, w in batches("binary", True)]
    ours = metrics.AUC(from_logits=True)
    theirs = keras.metrics.AUC(from_logits=True)
    assert run_both(ours, theirs, data)[0] == pytest.approx(run_both(ours, theirs, [])[1], rel=1e-5)
    ours.reset_state()
    theirs.reset_state()
    got, expected = run_both(ours, theirs, data[:1])
    assert got == pytest.approx(expected, rel=1e-5)


PR_CASES = [
    ("binary", {}),
    ("flat", {"thresholds": 0.3}),
    ("binary", {"thresholds": [0.2, 0.5, 0.8]}),
    ("binary", {"thresholds": [0.0, 0.5, 1.0]}),  # evenly spaced: Keras' bucketed path
    ("multi", {"top_k": 2}),
    ("multi", {"class_id": 1}),
    ("multi", {"top_k": 3, "class_id": 4, "thresholds": 0.4}),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", ["Precision", "Recall"])
@pytest.mark.parametrize(("kind", "kwargs"), PR_CASES)
def test_precision_and_recall_equal_keras(keras, name, kind, kwargs, weighted):
    data = batches(kind, weighted, seed=1)
    ours, theirs = run_both(getattr(metrics, name)(**kwargs),
                            getattr(keras.metrics, name)(**kwargs), data)
    assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("k", [1, 3, 7])
def test_top_k_accuracies_equal_keras(keras, k, weighted):
    rng = np.random.default_rng(k)
    ours = metrics.TopKCategoricalAccuracy(k=k)
    theirs = keras.metrics.TopKCategoricalAccuracy(k=k)
    sparse_ours = metrics.SparseTopKCategoricalAccuracy(k=k)
    sparse_theirs = keras.metrics.SparseTopKCategoricalAccuracy(k=k)
    for shape in [(16, 6), (16, 6), (8, 4, 6)]:  # a 3-D batch: per-timestep hits
        y_pred = rng.normal(size=shape).astype("float32")
        labels = rng.integers(0, 6, size=shape[:-1])
        one_hot = np.eye(6, dtype="float32")[labels]
        weight = rng.uniform(size=shape[:1]).astype("float32") if weighted else None
        tw = None if weight is None else torch.from_numpy(weight)
        ours.update_state(torch.from_numpy(one_hot), torch.from_numpy(y_pred), tw)
        theirs.update_state(one_hot, y_pred, sample_weight=weight)
        sparse_ours.update_state(torch.from_numpy(labels), torch.from_numpy(y_pred), tw)
        sparse_theirs.update_state(labels, y_pred, sample_weight=weight)
        np.testing.assert_array_equal(
            metrics.top_k_categorical_accuracy(torch.from_numpy(one_hot), torch.from_numpy(y_pred),
                                               k=k).numpy(),
            keras.metrics.top_k_categorical_accuracy(one_hot, y_pred, k=k))
        np.testing.assert_array_equal(
            metrics.sparse_top_k_categorical_accuracy(torch.from_numpy(labels[..., None]),
                                                      torch.from_numpy(y_pred), k=k).numpy(),
            keras.metrics.sparse_top_k_categorical_accuracy(labels[..., None], y_pred, k=k))
    assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-6)
    assert sparse_ours.result() == pytest.approx(float(sparse_theirs.result()), rel=1e-6)


def _compile_metric_names(keras, metrics_spec, weighted_spec, y_true, y_pred):
    from keras.src.trainers.compile_utils import CompileMetrics as KerasCompileMetrics

    compiled = KerasCompileMetrics(metrics_spec, weighted_spec)
    compiled.update_state(y_true, y_pred, sample_weight=np.ones(len(y_true), "float32"))
    return list(compiled.result())


@pytest.mark.parametrize(("metrics_spec", "weighted_spec"), [
    (["accuracy", "auc"], ["accuracy", "auc"]),
    (["mae", "mae", "precision"], ["mae", "mae", "recall"]),
    (None, ["auc", "binary_accuracy"]),
])
def test_compile_names_equal_keras(keras, metrics_spec, weighted_spec):
    y_true, y_pred, _ = batches("binary", False)[0]
    expected = _compile_metric_names(keras, metrics_spec, weighted_spec, y_true, y_pred)
    compiled = CompileMetrics(metrics_spec, None, weighted_metrics=weighted_spec)
    compiled.update_state(torch.from_numpy(y_true), torch.from_numpy(y_pred))
    assert [m.name for _, m in compiled.metrics] == expected


def test_weighted_metrics_in_evaluate_equal_keras(keras):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(40, 1)) > 0).astype("float32")
    weight = rng.uniform(0.1, 3.0, size=(40,)).astype("float32")
    model = Sequential([torch.nn.Linear(3, 1), torch.nn.Sigmoid()])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", metrics.AUC(), "precision"],
                  weighted_metrics=["accuracy", metrics.AUC(curve="PR", name="pr_auc"), "recall"])
    logs = model.evaluate(x, y, sample_weight=weight, batch_size=16, return_dict=True, verbose=0)
    y_pred = model.predict(x, batch_size=16)
    reference = {
        "accuracy": keras.metrics.BinaryAccuracy(), "auc": keras.metrics.AUC(),
        "precision": keras.metrics.Precision(), "weighted_accuracy": keras.metrics.BinaryAccuracy(),
        "pr_auc": keras.metrics.AUC(curve="PR"), "recall": keras.metrics.Recall(),
    }
    for start in range(0, 40, 16):  # the same batches, so the same float32 sums
        rows = slice(start, start + 16)
        for name, metric in reference.items():
            weighted = name in ("weighted_accuracy", "pr_auc", "recall")
            metric.update_state(y[rows], y_pred[rows],
                                sample_weight=weight[rows] if weighted else None)
    assert sorted(logs) == sorted(["loss", *reference])
    for name, metric in reference.items():
        assert logs[name] == pytest.approx(float(metric.result()), rel=1e-5), name


def test_metric_objects_round_trip_through_save(tmp_path):
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[metrics.AUC(num_thresholds=50, curve="PR"),
                           metrics.Precision(thresholds=[0.3, 0.6], name="p"),
                           metrics.TopKCategoricalAccuracy(k=2)],
                  weighted_metrics=["auc", metrics.Recall(class_id=0)])
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    model.fit(x, (x[:, :1] > 0).astype("float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.anyloss")
    loaded = load_model(tmp_path / "m.anyloss")
    saved, restored = model.compile_args, loaded.compile_args
    for key in ("metrics", "weighted_metrics"):
        for a, b in zip(saved[key], restored[key], strict=True):
            if isinstance(a, str):
                assert a == b
            else:
                assert type(a) is type(b) and a.get_config() == b.get_config()


def test_stateful_metrics_reduce_across_processes(monkeypatch):
    """Two processes' counts are summed before the result: AUC over both shards equals AUC over
    all the data (all_reduce simulated: the other process' packed tensor is added)."""
    data = batches("binary", True, n_batches=4)
    whole = [metrics.AUC(), metrics.Precision(), metrics.TopKCategoricalAccuracy(k=1)]
    shards = ([metrics.AUC(), metrics.Precision(), metrics.TopKCategoricalAccuracy(k=1)],
              [metrics.AUC(), metrics.Precision(), metrics.TopKCategoricalAccuracy(k=1)])
    for i, (t, p, w) in enumerate(data):
        args = (torch.from_numpy(t), torch.from_numpy(p), torch.from_numpy(w))
        for m in whole:
            m.update_state(*args)
        for m in shards[i % 2]:
            m.update_state(*args)
    state = distributed.DistributedState(rank=0, world_size=2, device=torch.device("cpu"))
    sent = []
    monkeypatch.setattr(distributed.dist, "all_reduce", lambda t, op=None: sent.append(t.clone()))
    distributed.reduce_means([m.state for m in shards[1]], state)
    monkeypatch.setattr(distributed.dist, "all_reduce", lambda t, op=None: t.add_(sent[0]))
    reduced = distributed.reduce_means([m.state for m in shards[0]], state)
    assert reduced == pytest.approx([m.result() for m in whole], rel=1e-6)
    # A process that saw no batch sends zeros of the same shapes.
    sent.clear()
    empty = [metrics.AUC(), metrics.Precision(), metrics.TopKCategoricalAccuracy(k=1)]
    monkeypatch.setattr(distributed.dist, "all_reduce", lambda t, op=None: sent.append(t.clone()))
    distributed.reduce_means([m.state for m in empty], state)
    monkeypatch.setattr(distributed.dist, "all_reduce", lambda t, op=None: t.add_(sent[0]))
    assert distributed.reduce_means([m.state for m in whole], state) == pytest.approx(
        [m.result() for m in whole], rel=1e-6)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: metrics.AUC(num_thresholds=1), r"`num_thresholds` must be an integer > 1.*=1"),
    (lambda: metrics.AUC(curve="XY"), r"`curve` must be 'ROC', 'PR' or 'PRGAIN'.*'XY'"),
    (lambda: metrics.AUC(summation_method="trapezoid"), r"`summation_method` must be one of"),
    (lambda: metrics.AUC(num_labels=3), r"`num_labels` is needed only when `multi_label`"),
    (lambda: metrics.Precision(thresholds=1.5), r"`thresholds` must be a number in \[0, 1\]"),
    (lambda: metrics.Recall(top_k=0), r"`top_k` must be a positive integer"),
    (lambda: metrics.Recall(class_id=-1), r"`class_id` must be a non-negative integer"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), r"`k` must be a positive integer.*k=0"),
])
def test_bad_arguments_name_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_compile_arguments_name_the_argument():
    model = Model(torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"`weighted_metrics` must be a list.*='accuracy'"):
        model.compile(optimizer="sgd", loss="mse", weighted_metrics="accuracy")
    model.compile(optimizer="sgd", loss="mse", weighted_metrics=["no_such_metric"])
    with pytest.raises(ValueError, match=r"Unknown metric 'no_such_metric' in `weighted_metrics`"):
        model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
