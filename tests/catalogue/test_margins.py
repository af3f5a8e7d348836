"""Margin losses (``hinge.py``: multi_margin, soft_margin; hinge's optax spelling) and explicit
pairs and triplets (``pairs.py``) against their peers: torch.nn (and optax), values and
gradients with respect to ``y_pred`` in float64, three seeds, on NumPy, torch and JAX inputs;
the classes for every reduction, with and without sample weights; every peer spelling through
``al.get`` (keywords and config); ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.

torch's forward takes the items of a pair (triplet) as separate tensors; anyloss takes them
stacked on axis 1 (``np.stack([x1, x2], 1)``), which is how the peer's inputs are built here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import anyloss as al
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


def _torch_cosine_embedding(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.CosineEmbeddingLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], t)


def _torch_margin_ranking(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.MarginRankingLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], t)


def _torch_triplet(t: Any, x: Any, reduction: str = "none", **kw: Any) -> Any:
    return torch.nn.TripletMarginLoss(reduction=reduction, **kw)(x[:, 0], x[:, 1], x[:, 2])


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _multi_margin_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, 4, BATCH), rng.normal(size=(BATCH, 4))


def _signed_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _signs(rng, (BATCH, 3)), 3.0 * rng.normal(size=(BATCH, 3))


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
        x = _t(y_pred).requires_grad_(True)
        t = _t(y_true)
        if weights is None:
            out = self.peer(t, x, reduction, **dict(self.peer_kwargs))
        else:  # anyloss' weighted sum_over_batch_size: sum(w * values) / batch
            out = (self.peer(t, x, "none", **dict(self.peer_kwargs)) * _t(weights)).sum()
            out = out / len(weights)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()


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
]


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
]


@pytest.mark.parametrize(("spelling", "kwargs", "peer", "inputs"), SPELLINGS,
                         ids=[s[0] for s in SPELLINGS])
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


@pytest.mark.parametrize("case", [CASES[1], CASES[4], CASES[8]], ids=lambda c: c.id)
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
