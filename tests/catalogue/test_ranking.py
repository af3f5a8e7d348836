"""Ranking losses (``ranking.py``: ranking_softmax, pairwise_logistic, listmle) against their
peers: optax's ``ranking_softmax_loss`` (runs here), rax's ``pairwise_logistic_loss`` and
``listmle_loss`` and keras-rs' ``PairwiseLogisticLoss`` and ``ListMLELoss``; values and
gradients with respect to the scores in float64, three seeds, on NumPy, torch and JAX inputs;
the classes for every reduction, with and without sample weights; every peer spelling through
``al.get`` (keywords and config); ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.

rax and keras-rs are not in the dev set: their numbers come from
``tests/catalogue/references/rax_ranking.json`` and ``keras_rs_ranking.json``, written by
``scripts/references/rax_ranking.py`` (rax 0.4.0, keras-rs 0.4.0 on the pinned jax and keras).
Labels < 0 are padding (the peers' ``where=labels >= 0``); each case has a wholly padded list.

Known differences, asserted below: keras-rs counts a wholly padded list as 0 in its
``sum_over_batch_size`` mean, where anyloss (like optax and rax) leaves it out, so its mean is
keras-rs' times ``batch / lists with items``; keras-rs' ListMLE adds 1e-10 inside the log of its
normalisers, so it agrees to ~1e-6 (values) and ~1e-5 (gradients), not to float64
rounding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
optax = pytest.importorskip("optax")

REFERENCES = Path(__file__).parent / "references"
RAX = json.loads((REFERENCES / "rax_ranking.json").read_text())
KERAS_RS = json.loads((REFERENCES / "keras_rs_ranking.json").read_text())
LIBS = ["numpy", "torch", "jax", "tensorflow"]
SEEDS = [0, 1, 2]


def _close(actual: Any, expected: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol,
                               atol=atol)


_JITTED: dict[Any, Any] = {}


def _value_and_grad(lib: str, fn: Any, y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(y_true, y_pred)`` on ``lib``'s arrays and the gradient of its sum (None on NumPy)."""
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    if lib == "torch":
        x = torch.tensor(y_pred, requires_grad=True)
        out = fn(torch.tensor(y_true), x)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()
    if fn not in _JITTED:
        _JITTED[fn] = jax.jit(lambda t, p: (fn(t, p), jax.grad(lambda q: jnp.sum(fn(t, q)))(p)))
    value, grad = _JITTED[fn](jnp.asarray(y_true), jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


def _lists(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The inputs of the reference files' case ``seed`` (labels with padding, scores)."""
    case = RAX["cases"][seed]
    assert case["seed"] == seed
    return np.array(case["y_true"]), np.array(case["y_pred"])


# --- optax (runs here) ----------------------------------------------------------------------------


def _optax(labels: np.ndarray, scores: np.ndarray, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    where = jnp.asarray(labels >= 0)

    def loss(s: Any) -> Any:
        return optax.losses.ranking_softmax_loss(s, jnp.asarray(labels), where=where, **kw)

    value = loss(jnp.asarray(scores))
    grad = jax.grad(lambda s: jnp.sum(loss(s)))(jnp.asarray(scores))
    return np.asarray(value), np.asarray(grad)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("seed", SEEDS)
def test_ranking_softmax_equals_optax_per_list(seed, lib):
    labels, scores = _lists(seed)
    expected, expected_grad = _optax(labels, scores, reduce_fn=None)
    values, grad = _value_and_grad(lib, al.ranking_softmax, labels, scores)
    _close(values, expected)
    if grad is not None:
        _close(grad, expected_grad)


@pytest.mark.parametrize("seed", SEEDS)
def test_ranking_softmax_class_and_spellings_equal_optax(seed):
    labels, scores = _lists(seed)
    per_list, _ = _optax(labels, scores, reduce_fn=None)
    mean, mean_grad = _optax(labels, scores)  # optax's default reduce_fn=jnp.mean
    total, _ = _optax(labels, scores, reduce_fn=jnp.sum)
    _close(al.RankingSoftmax()(labels, scores), mean)
    _close(al.RankingSoftmax(reduction="sum")(labels, scores), total)
    _close(al.RankingSoftmax(reduction="none")(labels, scores), per_list)
    weights = np.linspace(0.0, 2.0, labels.shape[0])
    _close(al.RankingSoftmax(reduction="sum")(labels, scores, sample_weight=weights),
           np.sum(weights * per_list))
    for spelling in ("optax.ranking_softmax_loss", "optax.losses.ranking_softmax_loss"):
        loss = al.get(spelling)
        assert loss.get_config() == al.get({"class_name": spelling, "config": {}}).get_config()
        x = torch.tensor(scores, requires_grad=True)
        value = loss(torch.tensor(labels), x)
        value.backward()
        _close(value.detach().numpy(), mean)
        _close(x.grad.numpy(), mean_grad)


# --- rax (reference file) -------------------------------------------------------------------------

RAX_CASES = [
    ("pairwise_logistic", "per_list_sum", {}),
    ("pairwise_logistic", "per_list_mean", {"normalization": "pairs"}),
    ("listmle", "per_list_none", {}),
]


def _pairwise_logistic_pairs(t: Any, p: Any) -> Any:
    return al.pairwise_logistic(t, p, normalization="pairs")


FUNCTIONS = {
    ("pairwise_logistic", "per_list_sum"): al.pairwise_logistic,
    ("pairwise_logistic", "per_list_mean"): _pairwise_logistic_pairs,
    ("listmle", "per_list_none"): al.listmle,
}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("loss", "key", "kwargs"), RAX_CASES, ids=lambda x: str(x))
def test_function_equals_rax_per_list(loss, key, kwargs, seed, lib):
    labels, scores = _lists(seed)
    ref = RAX["cases"][seed][loss][key]
    values, grad = _value_and_grad(lib, FUNCTIONS[loss, key], labels, scores)
    _close(values, np.array(ref["values"]))
    if grad is not None:
        _close(grad, np.array(ref["grad"]))


@pytest.mark.parametrize("seed", SEEDS)
def test_rax_batch_means(seed):
    labels, scores = _lists(seed)
    case = RAX["cases"][seed]
    # rax.listmle_loss' default mean is over the lists with items: ListMLE's default.
    _close(al.ListMLE()(labels, scores), case["listmle"]["batch_mean"]["value"])
    # rax.pairwise_logistic_loss' default mean is over every valid pair of the batch.
    valid = labels >= 0
    pairs = (labels[:, :, None] > labels[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    total = al.PairwiseLogistic(reduction="sum")(labels, scores)
    _close(total / pairs.sum(), case["pairwise_logistic"]["batch_mean"]["value"])


# --- keras-rs (reference file) --------------------------------------------------------------------

KERAS_SPELLINGS = {
    "pairwise_logistic": "keras_rs.losses.PairwiseLogisticLoss",
    "listmle": "keras_rs.losses.ListMLELoss",
}
KERAS_KEYS = list(KERAS_RS["cases"][0]["listmle"])


@pytest.mark.parametrize("key", KERAS_KEYS)
@pytest.mark.parametrize("loss", list(KERAS_SPELLINGS))
def test_keras_rs_spellings_give_keras_rs_numbers(loss, key):
    temperature, reduction = key.split("-", 1)
    weighted = reduction.endswith("-weighted")
    reduction = reduction.removesuffix("-weighted")
    if loss == "pairwise_logistic" and reduction == "none":
        # keras-rs returns one value per item: refused, with the reason.
        with pytest.raises(ValueError, match="reduction='none'"):
            al.get(KERAS_SPELLINGS[loss], reduction="none")
        return
    config = {"temperature": float(temperature[1:]), "reduction": reduction}
    spelling = KERAS_SPELLINGS[loss]
    loss_object = al.get(spelling, **config)
    assert loss_object.get_config() == al.get(
        {"class_name": spelling, "config": config}).get_config()
    # ListMLE: keras-rs' 1e-10 inside the log (module docstring).
    tol = {"rtol": 1e-5, "atol": 1e-6} if loss == "listmle" else {}
    for case in KERAS_RS["cases"]:
        labels, scores = np.array(case["y_true"]), np.array(case["y_pred"])
        weights = np.array(case["sample_weight"]) if weighted else None
        ref = case[loss][key]
        expected = np.array(ref["value"])
        expected_grad = np.array(ref["grad"])
        if reduction == "sum_over_batch_size":
            # keras-rs also counts the wholly padded list in its mean (module docstring).
            scale = labels.shape[0] / np.sum(np.any(labels >= 0, axis=-1))
            expected, expected_grad = expected * scale, expected_grad * scale
        x = torch.tensor(scores, requires_grad=True)
        value = loss_object(torch.tensor(labels), x,
                            sample_weight=None if weights is None else torch.tensor(weights))
        value.sum().backward()
        _close(value.detach().numpy(), expected, **tol)
        # The epsilon's effect on the gradient grows where a list's trailing scores are far
        # below its largest (temperature 0.5 doubles the gaps): up to ~2e-6 here.
        _close(x.grad.numpy(), expected_grad, **({"rtol": 1e-5, "atol": 1e-5} if tol else {}))


# --- masking, shapes, arguments -------------------------------------------------------------------


def test_padding_and_nan_labels():
    labels = np.array([[2.0, 0.0, -1.0], [-1.0, -1.0, -1.0], [1.0, np.nan, 0.0]])
    scores = np.array([[1.0, 2.0, 50.0], [1.0, 2.0, 3.0], [0.0, 1.0, 2.0]])
    for name in ("ranking_softmax", "pairwise_logistic", "listmle"):
        fn = al.losses.FUNCTIONS[name]
        values = fn(labels, scores)
        # A padded item changes nothing; a wholly padded list is 0; a NaN label is NaN.
        _close(values[0], fn(labels[:1, :2], scores[:1, :2])[0])
        assert values[1] == 0.0 and np.isnan(values[2])
        cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[name]]
        _close(cls()(labels[:2], scores[:2]), values[0])  # the padded list is left out


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("pairwise_logistic", {"temperature": 0.0}, ValueError, r"`temperature`.*> 0"),
        ("listmle", {"temperature": -1.0}, ValueError, r"`temperature` of listmle"),
        ("pairwise_logistic", {"normalization": "mean"}, ValueError,
         r"`normalization`.*'sum', 'pairs', 'list_size'.*'mean'"),
    ],
)
def test_bad_arguments_name_the_argument(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        al.losses.FUNCTIONS[name](np.zeros((2, 3)), np.ones((2, 3)), **kwargs)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 4\).*y_pred.shape=\(2, 3\)"):
        al.listmle(np.zeros((2, 4)), np.ones((2, 3)))


COMPILED = [("ranking_softmax", {}), ("pairwise_logistic", {"temperature": 0.5}),
            ("listmle", {})]


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_jax_jit(name, kwargs):
    fn = al.losses.FUNCTIONS[name]
    labels, scores = _lists(1)
    jitted = jax.jit(lambda t, p: fn(t, p, **kwargs))
    _close(jitted(jnp.asarray(labels), jnp.asarray(scores)), fn(labels, scores, **kwargs))


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_dask_stays_lazy(name, kwargs):
    da = pytest.importorskip("dask.array")
    fn = al.losses.FUNCTIONS[name]
    labels, scores = _lists(1)
    out = fn(da.from_array(labels, chunks=2), da.from_array(scores, chunks=2), **kwargs)
    assert isinstance(out, da.Array)
    _close(out.compute(), fn(labels, scores, **kwargs))


def test_torch_compile_fullgraph():
    """ListMLE and the pairwise loss in one compiled graph (plain torch ops; one compilation
    keeps the test short, and the softmax loss uses a subset of their operations)."""
    losses = [al.ListMLE(), al.PairwiseLogistic(temperature=0.5)]
    labels, scores = _lists(2)

    def total(t: Any, p: Any) -> Any:
        return torch.stack([loss(t, p) for loss in losses])

    torch._dynamo.reset()
    compiled = torch.compile(total, fullgraph=True, backend="eager")
    x = torch.tensor(scores, requires_grad=True)
    values = compiled(torch.tensor(labels), x)
    (grad,) = torch.autograd.grad(values.sum(), x)
    x2 = torch.tensor(scores, requires_grad=True)
    expected = total(torch.tensor(labels), x2)
    (expected_grad,) = torch.autograd.grad(expected.sum(), x2)
    _close(values.detach().numpy(), expected.detach().numpy())
    _close(grad.numpy(), expected_grad.numpy())
