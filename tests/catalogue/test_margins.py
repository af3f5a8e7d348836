"""Margin losses (``hinge.py``: multi_margin, soft_margin, hinge_embedding, multilabel_margin,
multiclass_hinge, perceptron; hinge's optax spelling) and explicit pairs and triplets
(``pairs.py``) against their peers: torch.nn (and optax), values and
gradients with respect to ``y_pred`` in float64, three seeds, on NumPy, torch and JAX inputs;
the classes for every reduction, with and without sample weights; every peer spelling through
``al.get`` (keywords and config); ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.

torch's forward takes the items of a pair (triplet) as separate tensors; anyloss takes them
stacked on axis 1 (``np.stack([x1, x2], 1)``), which is how the peer's inputs are built here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

SEEDS = [0, 1, 2]
LIBS = ["numpy", "torch", "jax", "tensorflow"]
REDUCTIONS = {"sum_over_batch_size": "mean", "sum": "sum", "none": "none"}
BATCH = 7


def _t(x: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(x))


# --- the peers, on anyloss' layout ----------------------------------------------------------------
# Each takes (y_true, y_pred) as NumPy (or torch, with gradient) in anyloss' layout and returns
# torch's per-sample values (reduction="none"), or the reduced value with `reduction`.


def _torch_multi_margin(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    weight = kw.pop("weight", None)
    weight = None if weight is None else torch.tensor(weight, dtype=x.dtype)
    return torch.nn.MultiMarginLoss(weight=weight, reduction=reduction, **kw)(x, t)


def _torch_soft_margin(t: Any, x: Any, reduction: str = "none") -> Any:
    # torch's "mean" is anyloss' (every sample has d elements); torch's "sum" and "none" are per
    # element, anyloss' per sample (the mean over the last axis), as the spelling's note says.
    if reduction == "mean":
        return torch.nn.SoftMarginLoss()(x, t)
    values = torch.nn.SoftMarginLoss(reduction="none")(x, t).mean(-1)
    return values.sum() if reduction == "sum" else values


def _torch_hinge_embedding(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    # As soft_margin: torch's "mean" is anyloss'; its "sum" and "none" are per element.
    if reduction == "mean":
        return torch.nn.HingeEmbeddingLoss(**kw)(x, t)
    values = torch.nn.HingeEmbeddingLoss(reduction="none", **kw)(x, t).mean(-1)
    return values.sum() if reduction == "sum" else values


def _torch_multilabel_margin(t: Any, x: Any, reduction: str = "none") -> Any:
    return torch.nn.MultiLabelMarginLoss(reduction=reduction)(x, t)


def _optax_multiclass_hinge(t: Any, x: Any, margin: float = 1.0) -> Any:
    """optax' per-sample values (its losses take JAX arrays, ``(scores, labels)``). optax has
    no margin: ``margin * multiclass_hinge_loss(x / margin)`` is the margin's loss."""
    if margin == 0.0:
        return optax.losses.multiclass_perceptron_loss(x, t)
    return margin * optax.losses.multiclass_hinge_loss(x / margin, t)


def _optax_perceptron(t: Any, x: Any) -> Any:
    # optax is element-wise; anyloss averages the last axis (the spelling's note).
    return jnp.mean(optax.losses.perceptron_loss(x, t), axis=-1)


def _torch_cosine_embedding(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.CosineEmbeddingLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], t)


def _torch_margin_ranking(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.MarginRankingLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], t)


def _torch_triplet(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.TripletMarginLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], x[:, 2])


def _torch_triplet_with_distance(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    loss = torch.nn.TripletMarginWithDistanceLoss(reduction=reduction, **kw)
    return loss(x[:, 0], x[:, 1], x[:, 2])


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _multi_margin_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, 4, BATCH), rng.normal(size=(BATCH, 4))


def _signed_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _signs(rng, (BATCH, 3)), 3.0 * rng.normal(size=(BATCH, 3))


def _distances(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # Below 0, below and beyond the margin.
    return _signs(rng, (BATCH, 3)), rng.uniform(-0.5, 2.5, (BATCH, 3))


def _label_lists(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's target classes padded with -1: none, some, all, a class listed twice
    (torch counts it twice) and valid entries after the first -1 (not read)."""
    classes = 5
    labels = np.full((BATCH, classes), -1, np.int64)
    for row, count in enumerate([0, 1, 2, 3, classes, 2, 1]):
        labels[row, :count] = rng.permutation(classes)[:count]
    labels[5, 2:] = [-1, 3, 0]
    labels[6, :3] = [2, 2, -1]
    return labels, rng.normal(size=(BATCH, classes))


def _embedding_pairs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(BATCH, 2, 5))
    x[1, 1] = x[1, 0] * 2.0  # an aligned pair
    return _signs(rng, (BATCH,)), x


def _score_pairs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _signs(rng, (BATCH,)), rng.normal(size=(BATCH, 2))


def _triplets(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(BATCH, 3, 5))
    x[2, 1] = x[2, 0]  # positive equal to the anchor
    return np.zeros(BATCH), x


@dataclass
class Case:
    """One anyloss configuration and its peer, on seeded inputs."""

    loss: str
    kwargs: dict[str, Any]
    peer: Callable[..., Any]
    inputs: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    peer_kwargs: dict[str, Any] = field(default_factory=dict)
    #: The peer is optax' (JAX arrays, per-sample values), not torch's.
    jax: bool = False

    @property
    def id(self) -> str:
        return "-".join([self.loss, *(f"{k}={v}" for k, v in self.kwargs.items())])

    def data(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return self.inputs(np.random.default_rng([seed, len(self.id)]))

    def seeded(self) -> tuple[np.ndarray, np.ndarray]:
        """The inputs of every seed in one batch (the functions are per sample, so this is
        each seed's case at the cost of one call)."""
        parts = [self.data(seed) for seed in SEEDS]
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]

    def reference(self, y_true: np.ndarray, y_pred: np.ndarray, reduction: str = "none",
                  weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The peer's value and its gradient with respect to y_pred (of the sum)."""
        if self.jax:
            return self._jax_reference(y_true, y_pred, reduction, weights)
        x = _t(y_pred).requires_grad_(True)
        t = _t(y_true)
        if weights is None:
            out = self.peer(t, x, reduction, **dict(self.peer_kwargs))
        else:  # anyloss' weighted sum_over_batch_size: sum(w * values) / batch
            out = (self.peer(t, x, "none", **dict(self.peer_kwargs)) * _t(weights)).sum()
            out = out / len(weights)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()

    def _jax_reference(self, y_true: np.ndarray, y_pred: np.ndarray, reduction: str,
                       weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """optax' per-sample values reduced as anyloss reduces (optax does not reduce)."""
        t = jnp.asarray(y_true)

        def out(x: Any) -> Any:
            values = self.peer(t, x, **self.peer_kwargs)
            if weights is not None:
                return jnp.sum(values * jnp.asarray(weights)) / len(weights)
            return {"none": values, "mean": jnp.mean(values), "sum": jnp.sum(values)}[reduction]

        x = jnp.asarray(y_pred)
        grad = jax.grad(lambda p: jnp.sum(out(p)))(x)
        return np.asarray(out(x)), np.asarray(grad)


CASES = [
    Case("multi_margin", {}, _torch_multi_margin, _multi_margin_inputs),
    Case("multi_margin", {"p": 2, "margin": 0.7, "weight": [0.5, 1.0, 2.0, 0.0]},
         _torch_multi_margin, _multi_margin_inputs,
         {"p": 2, "margin": 0.7, "weight": [0.5, 1.0, 2.0, 0.0]}),
    Case("soft_margin", {}, _torch_soft_margin, _signed_inputs),
    Case("cosine_embedding", {}, _torch_cosine_embedding, _embedding_pairs),
    Case("cosine_embedding", {"margin": 0.3}, _torch_cosine_embedding, _embedding_pairs,
         {"margin": 0.3}),
    Case("margin_ranking", {}, _torch_margin_ranking, _score_pairs),
    Case("margin_ranking", {"margin": 0.5}, _torch_margin_ranking, _score_pairs,
         {"margin": 0.5}),
    Case("triplet_margin", {}, _torch_triplet, _triplets),
    Case("triplet_margin", {"margin": 2.0, "p": 1.0, "swap": True}, _torch_triplet, _triplets,
         {"margin": 2.0, "p": 1.0, "swap": True}),
    Case("triplet_margin", {"p": 3.0, "eps": 1e-3}, _torch_triplet, _triplets,
         {"p": 3.0, "eps": 1e-3}),
    # Appended: the tests above pick cases by index.
    Case("hinge_embedding", {}, _torch_hinge_embedding, _distances),
    Case("hinge_embedding", {"margin": 0.5}, _torch_hinge_embedding, _distances,
         {"margin": 0.5}),
    Case("multilabel_margin", {}, _torch_multilabel_margin, _label_lists),
    Case("multiclass_hinge", {}, _optax_multiclass_hinge, _multi_margin_inputs, jax=True),
    Case("multiclass_hinge", {"margin": 0.0}, _optax_multiclass_hinge, _multi_margin_inputs,
         {"margin": 0.0}, jax=True),
    Case("multiclass_hinge", {"margin": 0.5}, _optax_multiclass_hinge, _multi_margin_inputs,
         {"margin": 0.5}, jax=True),
    Case("perceptron", {}, _optax_perceptron, _signed_inputs, jax=True),
    Case("triplet_margin", {"margin": 0.5, "swap": True}, _torch_triplet_with_distance,
         _triplets, {"margin": 0.5, "swap": True}),
]
#: The cases added with hinge_embedding, multilabel_margin, multiclass_hinge and perceptron.
NEW_CASES = CASES[10:]


def _value_and_grad(lib: str, fn: Callable[[Any, Any], Any], y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(y_true, y_pred)`` on ``lib`` and the gradient of its sum (None on NumPy)."""
    backend = Backend.load(lib)
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    labels = backend.asarray(y_true)
    if lib == "torch":
        x = _t(y_pred).requires_grad_(True)
        out = fn(labels, x)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()
    # One jitted value-and-gradient: eager JAX compiles every primitive once per shape.
    def total(p: Any) -> tuple[Any, Any]:
        out = fn(labels, p)
        return jnp.sum(out), out

    (_, value), grad = jax.jit(jax.value_and_grad(total, has_aux=True))(jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


def _close(actual: Any, expected: Any, what: str = "") -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-10,
                               atol=1e-12, err_msg=what)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_function_equals_peer_values_and_gradients(case, lib):
    fn = al.losses.FUNCTIONS[case.loss]
    y_true, y_pred = case.seeded()
    expected, expected_grad = case.reference(y_true, y_pred)
    value, grad = _value_and_grad(lib, lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    _close(value, expected)
    if grad is not None:
        _close(grad, expected_grad, "gradient")


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_class_equals_peer_for_every_reduction_and_weights(case, lib):
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[case.loss]]
    y_true, y_pred = case.data(0)
    weights = np.linspace(0.0, 2.0, BATCH)
    for reduction, peer_reduction in REDUCTIONS.items():
        loss = cls(reduction=reduction, **case.kwargs)
        expected, expected_grad = case.reference(y_true, y_pred, peer_reduction)
        value, grad = _value_and_grad(lib, loss, y_true, y_pred)
        _close(value, expected, reduction)
        if grad is not None:
            _close(grad, expected_grad, reduction)
    expected, expected_grad = case.reference(y_true, y_pred, weights=weights)
    value, grad = _value_and_grad(
        lib, lambda t, p: cls(**case.kwargs)(t, p, sample_weight=Backend.load(lib).asarray(
            weights)), y_true, y_pred)
    _close(value, expected, "weighted")
    if grad is not None:
        _close(grad, expected_grad, "weighted")


def test_zero_one_labels_are_read_as_minus_one_one():
    rng = np.random.default_rng(3)
    labels01 = (rng.random(BATCH) < 0.5).astype(float)
    signed = 2.0 * labels01 - 1.0
    for case in (CASES[3], CASES[5]):
        _, y_pred = case.data(0)
        _close(al.losses.FUNCTIONS[case.loss](labels01, y_pred), case.reference(signed, y_pred)[0])
    _, scores = _signed_inputs(rng)
    labels01 = (rng.random(scores.shape) < 0.5).astype(float)
    _close(al.soft_margin(labels01, scores),
           _torch_soft_margin(_t(2.0 * labels01 - 1.0), _t(scores)).numpy())


def test_zero_one_labels_of_hinge_embedding_and_perceptron_are_read_as_minus_one_one():
    rng = np.random.default_rng(4)
    _, y_pred = _distances(rng)
    labels01 = (rng.random(y_pred.shape) < 0.5).astype(float)
    signed = 2.0 * labels01 - 1.0
    expected = _torch_hinge_embedding(_t(signed), _t(y_pred)).numpy()
    _close(al.hinge_embedding(labels01, y_pred), expected)
    _close(al.hinge_embedding(_t(labels01), _t(y_pred)).numpy(), expected)  # the torch kernel
    _close(al.perceptron(labels01, y_pred),
           _optax_perceptron(jnp.asarray(signed), jnp.asarray(y_pred)))


def test_hinge_embedding_refuses_other_labels_where_values_are_checked():
    _, y_pred = _distances(np.random.default_rng(0))
    labels = np.where(np.arange(y_pred.size).reshape(y_pred.shape) % 3 == 0, 0.5, 1.0)
    mixed = np.tile([[0.0, 1.0, -1.0]], (BATCH, 1))  # not all 0/1: the 0 stays a 0
    for lib in (np.asarray, _t, jnp.asarray):
        for y_true, seen in ((labels, "0.5"), (mixed, "0")):
            with pytest.raises(ValueError, match=rf"hinge_embedding: `y_true` must hold the "
                               rf"labels 1 .* and -1 .*Received the label {seen}\."):
                al.hinge_embedding(lib(y_true), lib(y_pred))


def test_hinge_embedding_takes_other_labels_as_torch_where_no_check_runs():
    # torch adds both terms for a label other than -1/1; so does anyloss where values are not
    # read (jax.jit, accelerators, value_checks("never")). A NaN label gives NaN (torch: a
    # number).
    rng = np.random.default_rng(1)
    _, y_pred = _distances(rng)
    y_true = rng.choice([-1.0, 0.0, 1.0, 2.5], y_pred.shape)
    expected = _torch_hinge_embedding(_t(y_true), _t(y_pred), margin=0.7).numpy()
    jitted = jax.jit(lambda t, p: al.hinge_embedding(t, p, margin=0.7))
    _close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), expected)
    with B.value_checks("never"):
        for lib in (np.asarray, _t):
            _close(np.asarray(al.hinge_embedding(lib(y_true), lib(y_pred), margin=0.7)),
                   expected)
    y_true = np.sign(y_true - 0.5)  # -1/1
    y_true[0, 0] = np.nan
    for lib in (np.asarray, _t, jnp.asarray):
        out = np.asarray(al.hinge_embedding(lib(y_true), lib(y_pred)))
        assert np.isnan(out[0]) and not np.isnan(out[1:]).any()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_hinge_embedding_spelling_is_per_element_on_one_column(reduction):
    # The note: torch's "sum" and "none" are per element, anyloss' per sample; for inputs of
    # shape (batch, 1) they agree.
    rng = np.random.default_rng(2)
    y_true, y_pred = _signs(rng, (BATCH, 1)), rng.uniform(-0.5, 2.5, (BATCH, 1))
    expected = torch.nn.HingeEmbeddingLoss(margin=0.5, reduction=reduction)(_t(y_pred),
                                                                            _t(y_true))
    loss = al.get("torch.nn.HingeEmbeddingLoss", margin=0.5, reduction=reduction)
    for lib in (np.asarray, _t):
        _close(np.asarray(loss(lib(y_true), lib(y_pred))).reshape(-1),
               expected.numpy().reshape(-1))


def test_multilabel_margin_reads_each_list_up_to_its_first_padding():
    y_true, y_pred = _label_lists(np.random.default_rng(3))
    other = y_true.copy()
    other[5, 3:] = [-1, 4]  # after row 5's first -1: not read
    expected = _torch_multilabel_margin(_t(y_true), _t(y_pred)).numpy()
    for lib in (np.asarray, _t, jnp.asarray):
        _close(np.asarray(al.multilabel_margin(lib(other), lib(y_pred))), expected)
    # One sample, shape (classes,), as torch takes it (its value is 0-d).
    for row in (0, 3, 6):
        value = al.multilabel_margin(_t(y_true[row]), _t(y_pred[row]))
        assert value.shape == ()
        _close(value.numpy(), _torch_multilabel_margin(_t(y_true[row]), _t(y_pred[row])).numpy())
        _close(al.multilabel_margin(y_true[row], y_pred[row]), value.numpy())


def _hard_label_lists(rng: np.random.Generator, rows: int, classes: int, integer: bool):
    """Lists with repeated classes and entries after the first -1, and scores that tie exactly
    (integers: torch's z = 1 - s_k + x_i is 0) or sit far from 0."""
    labels = np.full((rows, classes), -1)
    for row in range(rows):
        size = rng.integers(0, classes + 1)
        labels[row, :size] = rng.integers(0, classes, size)
        if size + 1 < classes:
            labels[row, size + 1:] = rng.integers(-1, classes, classes - size - 1)
    if integer:
        return labels, rng.integers(-3, 3, (rows, classes)).astype(float)
    return labels, rng.normal(size=(rows, classes)) * rng.choice([0.1, 100.0]) + 1000.0


@pytest.mark.parametrize("seed", range(8))
def test_multilabel_margin_sorted_sums_equal_torch_values_and_gradients(seed):
    """Above 2^24 pair entries the formula counts each slot's pairs from sorts: the same
    numbers as torch (its z > 0 test exactly, so ties give no gradient), on every library."""
    hinge = importlib.import_module("anyloss.losses.hinge")

    rng = np.random.default_rng(seed)
    labels, scores = _hard_label_lists(rng, 5, int(rng.integers(1, 30)), seed % 2 == 0)
    x = torch.tensor(scores, requires_grad=True)
    expected = torch.nn.functional.multilabel_margin_loss(x, _t(labels), reduction="none")
    expected.sum().backward()

    def sums(xp: Any, t: Any, p: Any) -> Any:
        listed = xp.equal(B.cumulative_sum(xp, xp.astype(xp.less(t, 0), t.dtype)), 0)
        return hinge._sorted_sums(xp, t, listed, p) / scores.shape[-1]

    _close(sums(B.namespace(scores), labels, scores), expected.detach().numpy())
    grad = jax.grad(lambda p: sums(B.namespace(p), jnp.asarray(labels), p).sum())(
        jnp.asarray(scores))
    _close(grad, x.grad.numpy())
    mine = torch.tensor(scores, requires_grad=True)
    sums(B.namespace(mine), _t(labels), mine).sum().backward()
    _close(mine.grad.numpy(), x.grad.numpy())


def test_multilabel_margin_takes_the_sorted_sums_above_the_pair_limit(monkeypatch):
    hinge = importlib.import_module("anyloss.losses.hinge")

    rng = np.random.default_rng(0)
    labels, scores = _hard_label_lists(rng, 3, 2400, integer=False)  # 3 x 2400^2 > 2^24
    called = []
    sorted_sums = hinge._sorted_sums
    monkeypatch.setattr(hinge, "_sorted_sums", lambda *a: called.append(1) or sorted_sums(*a))
    expected = _torch_multilabel_margin(_t(labels), _t(scores)).numpy()
    for lib in (np.asarray, jnp.asarray):
        _close(al.multilabel_margin(lib(labels), lib(scores)), expected)
    assert len(called) == 2
    al.multilabel_margin(*_hard_label_lists(rng, 3, 100, integer=False))
    assert len(called) == 2  # 3 x 100^2 pairs: the (..., C, C) form


def test_multilabel_margin_refuses_labels_outside_minus_one_to_classes():
    _, y_pred = _label_lists(np.random.default_rng(0))
    for bad, seen in ((5, "5"), (-2, "-2")):
        y_true = np.full(y_pred.shape, -1)
        y_true[:, 0] = 1
        y_true[2, 3] = bad  # after the padding too: torch refuses it as well
        for lib in (np.asarray, _t, jnp.asarray):
            with pytest.raises(ValueError, match=rf"the label {seen}, outside -1\.\.4 for "
                               r"y_pred with 5 classes.*padded with -1"):
                al.multilabel_margin(lib(y_true), lib(y_pred))


def test_multiclass_hinge_gives_nan_for_a_label_out_of_range_under_jit():
    """Under jax.jit the labels cannot be read: a label outside [0, classes) makes its sample
    NaN (the masked sum of the true score would otherwise be a silent 0), and only that one."""
    jax = pytest.importorskip("jax")
    scores = jax.numpy.asarray(np.random.default_rng(0).normal(size=(4, 3)))
    labels = jax.numpy.asarray([0, 3, -1, 2])
    values = np.asarray(jax.jit(al.multiclass_hinge)(labels, scores))
    assert np.isnan(values[1]) and np.isnan(values[2])
    np.testing.assert_allclose(values[[0, 3]], al.multiclass_hinge(
        np.asarray(labels)[[0, 3]], np.asarray(scores)[[0, 3]]), rtol=1e-12)


def test_triplet_y_true_may_be_none_in_the_function():
    _, y_pred = _triplets(np.random.default_rng(0))
    _close(al.triplet_margin(None, y_pred), al.triplet_margin(np.zeros(BATCH), y_pred))
    with pytest.raises(ValueError, match=r"y_true.*batch size 7.*\(3,\)"):
        al.triplet_margin(np.zeros(3), y_pred)


# --- optax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_degree", [2, 4])
def test_triplet_with_eps_under_the_root_equals_optax(norm_degree):
    y_pred = np.concatenate([_triplets(np.random.default_rng(seed))[1] for seed in SEEDS])
    expected, expected_grad = jax.value_and_grad(lambda x: jnp.sum(optax.losses.triplet_margin_loss(
        x[:, 0], x[:, 1], x[:, 2], norm_degree=norm_degree)))(jnp.asarray(y_pred))
    for lib in LIBS:
        value, grad = _value_and_grad(lib, lambda t, x: al.triplet_margin(
            t, x, p=float(norm_degree), eps_placement="sum"), np.zeros(len(y_pred)), y_pred)
        _close(value.sum(), expected, lib)
        if grad is not None:
            _close(grad, expected_grad, lib)


@pytest.mark.parametrize(("spelling", "peer"), [
    ("optax.multiclass_hinge_loss", optax.losses.multiclass_hinge_loss),
    ("optax.multiclass_perceptron_loss", optax.losses.multiclass_perceptron_loss),
])
def test_optax_multiclass_spellings_give_optax_numbers(spelling, peer):
    y_true, y_pred = _multi_margin_inputs(np.random.default_rng(8))
    y_pred[0] = [0.5, 0.5, 0.5, 0.5]  # a tie: every score equal
    expected = peer(jnp.asarray(y_pred), jnp.asarray(y_true))
    for loss in (al.get(spelling), al.get({"class_name": spelling, "config": {}})):
        for lib in LIBS:
            b = Backend.load(lib)
            _close(b.to_numpy(loss(b.asarray(y_true), b.asarray(y_pred))), expected, lib)


def test_perceptron_equals_optax_on_one_score_per_sample():
    rng = np.random.default_rng(0)
    y_true, y_pred = _signs(rng, (BATCH, 1)), rng.normal(size=(BATCH, 1))
    y_pred[0, 0] = 0.0  # optax' gradient there is half the slope
    expected, expected_grad = jax.value_and_grad(lambda x: jnp.sum(
        optax.losses.perceptron_loss(x, jnp.asarray(y_true))))(jnp.asarray(y_pred))
    for loss in (al.get("optax.perceptron_loss"), al.get({"class_name": "optax.perceptron_loss"})):
        for lib in LIBS:
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            _close(value.sum(), expected, lib)
            if grad is not None:
                _close(grad, expected_grad, lib)


def test_perceptron_optax_spelling_takes_labels_as_given_like_optax():
    """optax reads a 0 label as 0 (a zero loss); the spelling sets labels='signed' for that,
    and anyloss' default reads all-0/1 labels as -1/1."""
    rng = np.random.default_rng(1)
    labels01 = rng.integers(0, 2, (BATCH, 3)).astype(np.float64)
    y_pred = rng.normal(size=(BATCH, 3))
    expected = _optax_perceptron(jnp.asarray(labels01), jnp.asarray(y_pred))
    assert al.get("optax.perceptron_loss").get_config()["labels"] == "signed"
    for lib in LIBS:
        b = Backend.load(lib)
        t, x = b.asarray(labels01), b.asarray(y_pred)
        _close(b.to_numpy(al.get("optax.perceptron_loss")(t, x)), expected, lib)
        _close(b.to_numpy(al.perceptron(t, x, labels="signed")), expected, lib)
    assert not np.allclose(al.perceptron(labels01, y_pred), expected)  # "auto" converts


def test_hinge_equals_optax_on_one_score_per_sample():
    rng = np.random.default_rng(0)
    y_true, y_pred = _signs(rng, (BATCH, 1)), rng.normal(size=(BATCH, 1))
    expected = optax.losses.hinge_loss(jnp.asarray(y_pred), jnp.asarray(y_true))[:, 0]
    for loss in (al.get("optax.hinge_loss"), al.get({"class_name": "optax.hinge_loss"})):
        for lib in LIBS:
            b = Backend.load(lib)
            _close(b.to_numpy(loss(b.asarray(y_true), b.asarray(y_pred))), expected, lib)


# --- peer spellings -----------------------------------------------------------------------------

SPELLINGS = [
    ("torch.nn.MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": [1.0, 2.0, 0.5, 1.0],
                                  "reduction": "sum"},
     _torch_multi_margin, _multi_margin_inputs),
    ("torch.nn.SoftMarginLoss", {"reduction": "mean"}, _torch_soft_margin, _signed_inputs),
    ("torch.nn.CosineEmbeddingLoss", {"margin": 0.2, "reduction": "none"},
     _torch_cosine_embedding, _embedding_pairs),
    ("torch.nn.MarginRankingLoss", {"margin": 0.3}, _torch_margin_ranking, _score_pairs),
    ("torch.nn.TripletMarginLoss", {"margin": 0.5, "p": 1.0, "eps": 1e-4, "swap": True,
                                    "reduction": "sum"}, _torch_triplet, _triplets),
    ("torch.nn.HingeEmbeddingLoss", {"margin": 0.5, "reduction": "mean"},
     _torch_hinge_embedding, _distances),
    ("torch.nn.MultiLabelMarginLoss", {"reduction": "sum"}, _torch_multilabel_margin,
     _label_lists),
    ("torch.nn.TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True,
                                                "distance_function": None, "reduction": "none"},
     _torch_triplet_with_distance, _triplets),
    ("torch.nn.TripletMarginWithDistanceLoss", {}, _torch_triplet_with_distance, _triplets),
]


@pytest.mark.parametrize(("spelling", "kwargs", "peer", "inputs"), SPELLINGS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SPELLINGS)])
def test_torch_spellings_give_torch_numbers(spelling, kwargs, peer, inputs):
    y_true, y_pred = inputs(np.random.default_rng(5))
    peer_kwargs = dict(kwargs)
    reduction = peer_kwargs.pop("reduction", "mean")
    expected = peer(_t(y_true), _t(y_pred), reduction, **peer_kwargs).numpy()
    by_keywords = al.get(spelling, **kwargs)
    by_config = al.get({"class_name": spelling, "config": kwargs})
    for loss in (by_keywords, by_config):
        _close(loss(y_true, y_pred), expected, "numpy")
        _close(loss(_t(y_true), _t(y_pred)).numpy(), expected, "torch")


def test_torch_multi_margin_spelling_takes_a_weight_tensor():
    y_true, y_pred = _multi_margin_inputs(np.random.default_rng(6))
    weight = torch.tensor([1.0, 2.0, 0.5, 1.0], dtype=torch.float64)
    expected = torch.nn.MultiMarginLoss(weight=weight)(_t(y_pred), _t(y_true))
    loss = al.get("torch.nn.MultiMarginLoss", weight=weight)
    assert loss.get_config()["weight"] == [1.0, 2.0, 0.5, 1.0]
    _close(loss(_t(y_true), _t(y_pred)).numpy(), expected.numpy())


def test_triplet_with_distance_spelling_refuses_a_distance_function_and_says_what_to_do():
    def manhattan(a, b):
        return torch.pairwise_distance(a, b, p=1.0)

    for call in (lambda: al.get("torch.nn.TripletMarginWithDistanceLoss",
                                distance_function=manhattan),
                 lambda: al.get({"class_name": "torch.nn.TripletMarginWithDistanceLoss",
                                 "config": {"distance_function": "manhattan"}})):
        with pytest.raises(ValueError, match=r"distance_function=.* is not supported.*"
                           r"Supported values: None\. Note: .*A function cannot be saved in a "
                           r"config.*TripletMarginLoss\(p=\.\.\., eps=\.\.\.\)"):
            call()


def test_optax_triplet_spelling_gives_optax_numbers():
    _, y_pred = _triplets(np.random.default_rng(7))
    a, p, n = (jnp.asarray(y_pred[:, i]) for i in range(3))
    expected = optax.losses.triplet_margin_loss(a, p, n, norm_degree=2, margin=0.5, eps=1e-3)
    kwargs = {"norm_degree": 2, "margin": 0.5, "eps": 1e-3}
    for loss in (al.get("optax.triplet_margin_loss", **kwargs),
                 al.get({"class_name": "optax.triplet_margin_loss", "config": kwargs})):
        _close(loss(np.zeros(BATCH), y_pred), expected)
        _close(loss(jnp.zeros(BATCH), jnp.asarray(y_pred)), expected)


# --- jit, lazy Dask, torch.compile -------------------------------------------------------------


@pytest.mark.parametrize("case", CASES[::2], ids=lambda c: c.id)
def test_jax_jit(case):
    fn = al.losses.FUNCTIONS[case.loss]
    y_true, y_pred = case.data(1)
    jitted = jax.jit(lambda t, p: fn(t, p, **case.kwargs))
    _close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), case.reference(y_true, y_pred)[0])


@pytest.mark.parametrize("case", CASES[::2], ids=lambda c: c.id)
def test_dask_stays_lazy(case):
    da = pytest.importorskip("dask.array")
    fn = al.losses.FUNCTIONS[case.loss]
    y_true, y_pred = case.data(1)
    out = fn(da.from_array(y_true, chunks=3), da.from_array(y_pred, chunks=3), **case.kwargs)
    assert isinstance(out, da.Array)
    _close(out.compute(), case.reference(y_true, y_pred)[0])


@pytest.mark.parametrize("case", NEW_CASES, ids=lambda c: c.id)
def test_jax_jit_of_the_added_losses(case):
    test_jax_jit(case)


@pytest.mark.parametrize("case", NEW_CASES, ids=lambda c: c.id)
def test_dask_stays_lazy_for_the_added_losses(case):
    test_dask_stays_lazy(case)


@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[8], CASES[10], CASES[12]],
                         ids=lambda c: c.id)
def test_torch_compile_fullgraph(case):
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[case.loss]]
    loss = cls(**case.kwargs)
    y_true, y_pred = case.data(2)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    x = _t(y_pred).requires_grad_(True)
    (grad,) = torch.autograd.grad(compiled(_t(y_true), x), x)
    expected, expected_grad = case.reference(y_true, y_pred, "mean")
    _close(compiled(_t(y_true), _t(y_pred)).detach().numpy(), expected)
    _close(grad.numpy(), expected_grad)
