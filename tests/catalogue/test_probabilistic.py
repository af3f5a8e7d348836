"""Classification losses of ``probabilistic.py`` against their peers: nll and
multilabel_soft_margin (torch.nn), sigmoid_focal (torchvision, optax, TF Addons), poly-1
(optax), asymmetric (timm), jensen_shannon (its definition over torch's and optax's KL), kl_div
(torch.nn's KLDivLoss, optax's KL divergences), and the peer spellings of the Keras losses there
(torch.nn's CrossEntropyLoss, BCELoss, BCEWithLogitsLoss; optax's softmax, safe softmax and
sigmoid cross-entropies).

Values and gradients with respect to ``y_pred`` in float64, three seeds, on NumPy, torch and JAX
inputs; the classes for every reduction, with and without sample weights; every peer spelling
through ``al.get`` (keywords and config); ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``
on the torch kernels. torchvision, TF Addons and timm cannot be installed beside the dev set:
their numbers come from ``tests/catalogue/references/*_probabilistic.json``, written by
``scripts/references/*_probabilistic.py`` (timm computes in float32: compared at 1e-5).

Jensen-Shannon's defining implementation, Liger-Kernel's ``LigerJSD``, runs on GPUs only; the
tests compare with its definition, ``beta KL(P || M) + (1 - beta) KL(Q || M)`` with the KL terms
computed by ``torch.nn.functional.kl_div`` and ``optax.kl_divergence`` (and, at ``beta`` 0 and
1, Liger's forward and reverse KL).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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
F = torch.nn.functional

SEEDS = [0, 1, 2]
LIBS = ["numpy", "torch", "jax", "tensorflow"]
TORCH_REDUCTIONS = {"mean": "sum_over_batch_size", "sum": "sum", "none": "none"}
REFERENCES = Path(__file__).parent / "references"


def _t(x: Any) -> Any:
    return torch.from_numpy(np.ascontiguousarray(x))


def _anyloss(fn: Callable[..., Any], lib: str, y_true: np.ndarray, y_pred: np.ndarray,
             **kw: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn``'s per-sample values on ``lib`` arrays, and the gradient of their sum with respect
    to ``y_pred`` (``None`` on NumPy). JAX runs jitted, compiled once per ``fn`` and arguments."""
    backend = Backend.load(lib)
    t = backend.asarray(y_true)
    if lib == "numpy":
        return np.asarray(fn(t, backend.asarray(y_pred), **kw)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred, **kw)
    if lib == "torch":
        p = torch.tensor(y_pred, requires_grad=True)
        out = fn(t, p, **kw)
        (grad,) = torch.autograd.grad(out.sum(), p)
        return out.detach().numpy(), grad.numpy()
    values, grad = _jitted(fn, json.dumps(kw, sort_keys=True))(t, jnp.asarray(y_pred))
    return np.asarray(values), np.asarray(grad)


@functools.cache
def _jitted(fn: Callable[..., Any], kw: str) -> Callable[..., Any]:
    arguments = json.loads(kw)
    return _jax_vjp(lambda t, q: fn(t, q, **arguments))


def _jax_vjp(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``(t, p) -> (fn(t, p), d sum(fn(t, p)) / d p)``, jitted (eager JAX compiles every
    primitive once per shape: seconds per loss)."""

    def run(t: Any, p: Any) -> Any:
        values, vjp = jax.vjp(lambda q: fn(t, q), p)
        return values, vjp(jnp.ones_like(values))[0]

    return jax.jit(run)


def _torch_peer(fn: Callable[..., Any], y_true: Any, y_pred: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """A torch peer's values ``fn(x, target)`` and the gradient of their sum w.r.t. ``x``."""
    x = torch.tensor(y_pred, requires_grad=True)
    out = fn(x, _t(np.asarray(y_true)))
    (grad,) = torch.autograd.grad(out.sum(), x)
    return out.detach().numpy(), grad.numpy()


def _jax_peer(fn: Callable[..., Any], y_true: Any, y_pred: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """A JAX peer's values ``fn(x, labels)`` and the gradient of their sum w.r.t. ``x``."""
    values, grad = _jitted_peer(fn)(jnp.asarray(y_true), jnp.asarray(y_pred))
    return np.asarray(values), np.asarray(grad)


@functools.cache
def _jitted_peer(fn: Callable[..., Any]) -> Callable[..., Any]:
    return _jax_vjp(lambda t, x: fn(x, t))


def _assert_equal(actual: tuple[Any, Any], expected: tuple[Any, Any], rtol: float = 1e-10,
                  atol: float = 1e-12) -> None:
    np.testing.assert_allclose(actual[0], expected[0], rtol=rtol, atol=atol)
    assert np.shape(actual[0]) == np.shape(expected[0])
    if actual[1] is not None:
        np.testing.assert_allclose(actual[1], expected[1], rtol=rtol, atol=atol)


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(F.log_softmax(_t(x), dim=axis))


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(F.softmax(_t(x), dim=axis))


# --- inputs ----------------------------------------------------------------------------------------


def _labels(rng: np.random.Generator, shape: tuple[int, ...], classes: int,
            ignored: bool = True) -> np.ndarray:
    labels = rng.integers(0, classes, shape)
    if ignored:
        labels[rng.random(shape) < 0.3] = -100
    return labels


def _multi_hot(rng: np.random.Generator, shape: tuple[int, ...], soft: bool = False
               ) -> np.ndarray:
    return rng.random(shape) if soft else (rng.random(shape) < 0.4).astype(float)


def _distribution(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    p = rng.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


# --- per-sample functions against their peers ------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A loss with fixed arguments, its inputs per seed, and its peer on the same inputs."""

    fn: Callable[..., Any]
    kw: dict[str, Any]
    inputs: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    #: ``peer(x, target)``: torch (``run=_torch_peer``) or JAX (``run=_jax_peer``).
    peer: Callable[[Any, Any], Any]
    run: Callable[..., tuple[np.ndarray, np.ndarray]] = _torch_peer


def _nll_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _labels(rng, (6,), 4), _log_softmax(rng.normal(0, 2, (6, 4)))


def _nll_axis1_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _labels(rng, (3, 5), 4), _log_softmax(rng.normal(0, 2, (3, 4, 5)), axis=1)


def _torch_nll(x: Any, t: Any) -> Any:
    return F.nll_loss(x, t, reduction="none")


_CLASS_WEIGHT = [0.5, 1.5, 0.0, 2.0, 1.0]


def _torch_mlsm(x: Any, t: Any) -> Any:
    return F.multilabel_soft_margin_loss(x, t, reduction="none")


def _torch_mlsm_weighted(x: Any, t: Any) -> Any:
    weight = torch.tensor(_CLASS_WEIGHT, dtype=x.dtype)
    return F.multilabel_soft_margin_loss(x, t, weight=weight, reduction="none")


def _multilabel_inputs(rng: np.random.Generator, soft: bool = False
                       ) -> tuple[np.ndarray, np.ndarray]:
    return _multi_hot(rng, (6, 5), soft), rng.normal(0, 3, (6, 5))


def _one_hot_logits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return np.eye(4)[rng.integers(0, 4, 6)], rng.normal(0, 3, (6, 4))


def _soft_probabilities(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # Probabilities within (1e-7, 1 - 1e-7), where anyloss' clip changes nothing.
    return _distribution(rng, (6, 4)), _distribution(rng, (6, 4))


def _soft_logits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _distribution(rng, (6, 4)), rng.normal(0, 2, (6, 4))


def _optax_poly(x: Any, t: Any) -> Any:
    return optax.losses.poly_loss_cross_entropy(x, t, epsilon=4.5)


def _optax_poly_of_probabilities(x: Any, t: Any) -> Any:
    # optax takes logits: the log of probabilities gives them back through its softmax.
    return optax.losses.poly_loss_cross_entropy(jnp.log(x), t, epsilon=-1.0)


def _optax_focal(x: Any, t: Any) -> Any:
    return optax.losses.sigmoid_focal_loss(x, t, gamma=1.5)


def _optax_focal_alpha(x: Any, t: Any) -> Any:
    return optax.losses.sigmoid_focal_loss(x, t, alpha=0.3, gamma=3.0)


def _kl(log_target_dist: Any, p: Any) -> Any:
    """KL(p || target) per row, by ``F.kl_div`` (input = log of the second distribution)."""
    return F.kl_div(log_target_dist, p, reduction="none").sum(-1)


def _jsd_peer(beta: float, from_logits: bool) -> Callable[[Any, Any], Any]:
    def jsd(x: Any, p: Any) -> Any:
        q = F.softmax(x, -1) if from_logits else x
        if beta == 0.0:
            return _kl(q.log(), p)  # forward KL(P || Q), Liger's beta = 0
        if beta == 1.0:
            return _kl(p.log(), q)  # reverse KL(Q || P), Liger's beta = 1
        log_m = (beta * p + (1.0 - beta) * q).log()
        return beta * _kl(log_m, p) + (1.0 - beta) * _kl(log_m, q)

    return jsd


def _kl_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target probabilities with exact zeros (0 log 0 = 0) and predicted log-probabilities."""
    targets = _distribution(rng, (6, 4))
    zeros = rng.random((6, 4)) < 0.25
    zeros[np.arange(6), rng.integers(0, 4, 6)] = False  # every row keeps a positive target
    targets[zeros] = 0.0
    return targets / targets.sum(-1, keepdims=True), _log_softmax(rng.normal(0, 2, (6, 4)))


def _kl_log_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _log_softmax(rng.normal(0, 2, (6, 4))), _log_softmax(rng.normal(0, 2, (6, 4)))


def _kl_measures(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised positive targets and log-predictions (the generalized KL)."""
    return rng.uniform(0.0, 2.0, (6, 4)), rng.normal(0, 1, (6, 4))


def _kl_3d(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    targets = _distribution(rng, (3, 5, 4))
    return targets, _log_softmax(rng.normal(0, 2, (3, 5, 4)))


def _torch_kl_div(log_target: bool = False, rows: bool = True) -> Callable[[Any, Any], Any]:
    def peer(x: Any, t: Any) -> Any:
        out = F.kl_div(x, t, reduction="none", log_target=log_target)
        return out.sum(-1) if rows else out

    return peer


def _optax_kl_axis0(x: Any, t: Any) -> Any:
    return optax.losses.kl_divergence(x, t, axis=0)


def _optax_kl_every_axis(x: Any, t: Any) -> Any:
    return optax.losses.kl_divergence(x, t, axis=None)


def _optax_kl_axes_12(x: Any, t: Any) -> Any:
    return optax.losses.kl_divergence(x, t, axis=(1, 2))


FUNCTION_CASES: dict[str, Case] = {
    "kl_div": Case(al.kl_div, {}, _kl_inputs, _torch_kl_div()),
    "kl_div-elements": Case(al.kl_div, {"axis": ()}, _kl_inputs, _torch_kl_div(rows=False)),
    "kl_div-log_target": Case(al.kl_div, {"log_target": True}, _kl_log_inputs,
                              _torch_kl_div(log_target=True)),
    "kl_div-log_target-elements": Case(al.kl_div, {"log_target": True, "axis": ()},
                                       _kl_log_inputs, _torch_kl_div(True, rows=False)),
    "kl_div-optax": Case(al.kl_div, {}, _kl_inputs, optax.losses.kl_divergence, _jax_peer),
    "kl_div-optax-axis0": Case(al.kl_div, {"axis": 0}, _kl_inputs, _optax_kl_axis0, _jax_peer),
    "kl_div-optax-every-axis": Case(al.kl_div, {"axis": None}, _kl_3d, _optax_kl_every_axis,
                                    _jax_peer),
    "kl_div-optax-axes12": Case(al.kl_div, {"axis": (1, 2)}, _kl_3d, _optax_kl_axes_12,
                                _jax_peer),
    "kl_div-optax-log_target": Case(al.kl_div, {"log_target": True}, _kl_log_inputs,
                                    optax.losses.kl_divergence_with_log_targets, _jax_peer),
    "kl_div-optax-generalized": Case(al.kl_div, {"generalized": True}, _kl_measures,
                                     optax.losses.generalized_kl_divergence, _jax_peer),
    "nll": Case(al.nll, {"ignore_class": -100}, _nll_inputs, _torch_nll),
    "nll-axis1": Case(al.nll, {"ignore_class": -100, "axis": 1}, _nll_axis1_inputs, _torch_nll),
    "multilabel_soft_margin": Case(al.multilabel_soft_margin, {}, _multilabel_inputs,
                                   _torch_mlsm),
    "multilabel_soft_margin-weight": Case(
        al.multilabel_soft_margin, {"weight": _CLASS_WEIGHT},
        lambda rng: _multilabel_inputs(rng, True), _torch_mlsm_weighted),
    "poly1-logits": Case(al.poly1_cross_entropy, {"epsilon": 4.5, "from_logits": True},
                         _one_hot_logits, _optax_poly, _jax_peer),
    "poly1-probabilities": Case(al.poly1_cross_entropy, {"epsilon": -1.0}, _soft_probabilities,
                                _optax_poly_of_probabilities, _jax_peer),
    "sigmoid_focal-optax": Case(
        al.sigmoid_focal, {"alpha": None, "gamma": 1.5, "class_reduction": "none"},
        lambda rng: _multilabel_inputs(rng, True), _optax_focal, _jax_peer),
    "sigmoid_focal-optax-alpha": Case(
        al.sigmoid_focal, {"alpha": 0.3, "gamma": 3.0, "class_reduction": "none"},
        _multilabel_inputs, _optax_focal_alpha, _jax_peer),
    "jensen_shannon": Case(al.jensen_shannon, {"beta": 0.5}, _soft_probabilities,
                           _jsd_peer(0.5, False)),
    "jensen_shannon-beta0.2-logits": Case(al.jensen_shannon, {"beta": 0.2, "from_logits": True},
                                          _soft_logits, _jsd_peer(0.2, True)),
    "jensen_shannon-beta0": Case(al.jensen_shannon, {"beta": 0.0}, _soft_probabilities,
                                 _jsd_peer(0.0, False)),
    "jensen_shannon-beta1-logits": Case(al.jensen_shannon, {"beta": 1.0, "from_logits": True},
                                        _soft_logits, _jsd_peer(1.0, True)),
}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_function_equals_its_peer(case, lib):
    c = FUNCTION_CASES[case]
    for seed in SEEDS:
        y_true, y_pred = c.inputs(np.random.default_rng(seed))
        _assert_equal(_anyloss(c.fn, lib, y_true, y_pred, **c.kw), c.run(c.peer, y_true, y_pred))


def test_jensen_shannon_kl_terms_agree_with_optax():
    # The forward and reverse KL of beta 0 and 1 by optax (log-predictions first).
    rng = np.random.default_rng(0)
    p, q = _distribution(rng, (5, 3)), _distribution(rng, (5, 3))
    forward = optax.losses.kl_divergence(jnp.log(q), jnp.asarray(p))
    reverse = optax.losses.kl_divergence(jnp.log(p), jnp.asarray(q))
    np.testing.assert_allclose(al.jensen_shannon(p, q, beta=0.0), forward, rtol=1e-12)
    np.testing.assert_allclose(al.jensen_shannon(p, q, beta=1.0), reverse, rtol=1e-12)
    mid = 0.5 * optax.losses.kl_divergence(jnp.log((p + q) / 2), jnp.asarray(p)) + 0.5 * (
        optax.losses.kl_divergence(jnp.log((p + q) / 2), jnp.asarray(q)))
    np.testing.assert_allclose(al.jensen_shannon(p, q), mid, rtol=1e-12)
    assert np.all(al.jensen_shannon(p, q) <= np.log(2.0))


# --- classes: every reduction, with and without sample weights ------------------------------------


def _expected_reduction(values: np.ndarray, reduction: str, weight: np.ndarray | None,
                        valid: np.ndarray | None = None) -> np.ndarray:
    """anyloss' reductions of the peer's per-sample ``values`` (masked entries are 0)."""
    w = np.ones_like(values) if weight is None else np.broadcast_to(weight, values.shape)
    valid = np.ones(values.shape, bool) if valid is None else valid
    total = np.sum(values * w)
    if reduction == "none":
        return values * w
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight":
        return total / np.sum(w * valid)
    return total / max(int(valid.sum()), 1)


CLASS_CASES = {
    "NLL": (al.NLL, "nll"),
    "MultiLabelSoftMargin": (al.MultiLabelSoftMargin, "multilabel_soft_margin-weight"),
    "Poly1CrossEntropy": (al.Poly1CrossEntropy, "poly1-logits"),
    "SigmoidFocal": (al.SigmoidFocal, "sigmoid_focal-optax-alpha"),
    "JensenShannon": (al.JensenShannon, "jensen_shannon-beta0.2-logits"),
    "KLDiv": (al.KLDiv, "kl_div"),
    "KLDiv-elements": (al.KLDiv, "kl_div-elements"),
    "KLDiv-log_target": (al.KLDiv, "kl_div-log_target"),
    "KLDiv-generalized": (al.KLDiv, "kl_div-optax-generalized"),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(CLASS_CASES))
def test_class_reductions_equal_the_peers_values_reduced(name, lib, weighted):
    cls, case = CLASS_CASES[name]
    c = FUNCTION_CASES[case]
    rng = np.random.default_rng(7)
    y_true, y_pred = c.inputs(rng)
    values, _ = c.run(c.peer, y_true, y_pred)
    valid = (y_true != -100) if name == "NLL" else None
    weight = rng.uniform(0.0, 2.0, values.shape[:1]) if weighted else None
    if weight is not None and values.ndim == 2:
        weight = weight[:, None]
    backend = Backend.load(lib)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", "none"):
        out = cls(reduction=reduction, **c.kw)(
            backend.asarray(y_true), backend.asarray(y_pred),
            sample_weight=None if weight is None else backend.asarray(weight))
        expected = _expected_reduction(values, reduction, weight, valid)
        np.testing.assert_allclose(backend.to_numpy(out), expected, rtol=1e-10, atol=1e-12,
                                   err_msg=reduction)


def test_nll_class_weight_is_sample_weight_with_mean_with_sample_weight():
    # torch's NLLLoss(weight) 'mean' divides by the summed weights of the (non-ignored)
    # targets: sample_weight=weight[target] with reduction="mean_with_sample_weight", as the
    # spelling's note says; the spelling refuses `weight`, naming the way.
    rng = np.random.default_rng(3)
    labels, log_p = _nll_inputs(rng)
    weight = rng.uniform(0.1, 2.0, 4)
    expected = torch.nn.NLLLoss(weight=_t(weight))(_t(log_p), _t(labels))
    loss = al.get("torch.nn.NLLLoss", reduction="mean")
    loss.reduction = "mean_with_sample_weight"
    sample_weight = np.where(labels == -100, 0.0, weight[np.clip(labels, 0, None)])
    np.testing.assert_allclose(loss(_t(labels), _t(log_p), sample_weight=_t(sample_weight)),
                               expected, rtol=1e-12)
    with pytest.raises(TypeError, match=r"mean_with_sample_weight"):
        al.get("torch.nn.NLLLoss", weight=_t(weight))


# --- peer spellings through al.get -----------------------------------------------------------------


def _via_get(spelling: str, config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray,
             lib: str = "torch") -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The loss ``al.get`` resolves for ``spelling`` from keywords and from a config dict (the
    same config): its value and the gradient of its sum with respect to ``y_pred``, on ``lib``
    (JAX: the keywords' loss, jitted once per spelling and config)."""
    by_keywords = al.get(spelling, **config)
    by_config = al.get({"class_name": spelling, "config": config})
    assert type(by_config) is type(by_keywords)
    assert by_config.get_config() == by_keywords.get_config()
    if lib == "jax":
        values, grad = _jitted_spelling(spelling, json.dumps(config))(
            jnp.asarray(y_true), jnp.asarray(y_pred))
        return [(np.asarray(values), np.asarray(grad))]
    return [_anyloss(lambda t, p, loss=loss: loss(t, p), lib, y_true, y_pred)
            for loss in (by_keywords, by_config)]


@functools.cache
def _jitted_spelling(spelling: str, config: str) -> Callable[..., Any]:
    loss = al.get(spelling, **json.loads(config))
    return _jax_vjp(lambda t, p: loss(t, p))


def _torch_cases(rng: np.random.Generator) -> list[tuple[str, dict[str, Any], Any, Any, Any]]:
    """(spelling, config, y_true, y_pred, torch module) on torch's own layout."""
    labels = _labels(rng, (6,), 4)
    dense_labels = _labels(rng, (2, 3, 3), 4)
    logits = rng.normal(0, 2, (6, 4))
    probs = 1 / (1 + np.exp(-rng.normal(0, 2, (5, 3))))
    targets = _multi_hot(rng, (5, 3), soft=True)
    weight = rng.uniform(0.1, 2.0, 3)
    cases = []
    for reduction in ("mean", "sum", "none"):
        r = {"reduction": reduction}
        cases += [
            ("torch.nn.NLLLoss", r, labels, _log_softmax(logits), torch.nn.NLLLoss(**r)),
            ("torch.nn.NLLLoss2d", {**r, "ignore_index": 1}, dense_labels.clip(0),
             _log_softmax(rng.normal(0, 2, (2, 4, 3, 3)), axis=1),
             torch.nn.NLLLoss(ignore_index=1, **r)),
            ("torch.nn.CrossEntropyLoss", r, labels, logits, torch.nn.CrossEntropyLoss(**r)),
            ("torch.nn.CrossEntropyLoss", {**r, "label_smoothing": 0.2}, dense_labels,
             rng.normal(0, 2, (2, 4, 3, 3)), torch.nn.CrossEntropyLoss(label_smoothing=0.2, **r)),
            ("torch.nn.BCELoss", r, targets, probs, torch.nn.BCELoss(**r)),
            ("torch.nn.BCEWithLogitsLoss", r, targets, logits[:5, :3],
             torch.nn.BCEWithLogitsLoss(**r)),
            ("torch.nn.MultiLabelSoftMarginLoss", {**r, "weight": weight.tolist()}, targets,
             logits[:5, :3], torch.nn.MultiLabelSoftMarginLoss(weight=_t(weight), **r)),
        ]
    for reduction in ("mean", "batchmean", "sum", "none"):
        r = {"reduction": reduction}
        cases += [
            ("torch.nn.KLDivLoss", r, *_kl_inputs(rng), torch.nn.KLDivLoss(**r)),
            ("torch.nn.KLDivLoss", {**r, "log_target": True}, *_kl_log_inputs(rng),
             torch.nn.KLDivLoss(log_target=True, **r)),
        ]
    cases.append(("torch.nn.KLDivLoss", {}, *_kl_3d(rng), torch.nn.KLDivLoss()))
    return cases


@pytest.mark.parametrize("seed", SEEDS)
def test_torch_spellings_equal_torch(seed):
    for spelling, config, y_true, y_pred, module in _torch_cases(np.random.default_rng(seed)):
        expected = _torch_peer(module, y_true, y_pred)
        for got in _via_get(spelling, config, y_true, y_pred):
            _assert_equal(got, expected)


def test_torch_cross_entropy_with_probability_targets_is_categorical_crossentropy():
    # The spelling's note: soft targets are CategoricalCrossentropy(from_logits=True, axis=1).
    rng = np.random.default_rng(4)
    targets = _distribution(rng, (2, 3, 4)).transpose(0, 2, 1)  # classes on axis 1
    logits = rng.normal(0, 2, (2, 4, 3))
    expected = _torch_peer(torch.nn.CrossEntropyLoss(label_smoothing=0.1), targets, logits)
    loss = al.CategoricalCrossentropy(from_logits=True, axis=1, label_smoothing=0.1)
    _assert_equal(_anyloss(lambda t, p: loss(t, p), "torch", targets, logits), expected)


def _optax_focal_07(x: Any, t: Any) -> Any:
    return optax.losses.sigmoid_focal_loss(x, t, alpha=0.7, gamma=1.5)


def _optax_poly_minus_1(x: Any, t: Any) -> Any:
    return optax.losses.poly_loss_cross_entropy(x, t, epsilon=-1.0)


def _optax_softmax_axis0(x: Any, t: Any) -> Any:
    return optax.losses.softmax_cross_entropy(x, t, axis=0)


def _masked_logits(rng: np.random.Generator, shape: tuple[int, ...] = (6, 5)
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Soft labels and logits that are -inf (masked classes) wherever the label is 0, and in
    one row every class but one."""
    labels = _distribution(rng, shape)
    masked = rng.random(shape) < 0.4
    masked[0] = [False] + [True] * (shape[-1] - 1)
    labels[masked] = 0.0
    labels /= labels.sum(-1, keepdims=True)
    return labels, np.where(masked, -np.inf, rng.normal(0, 2, shape))


def _integer_logits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, 4, 6), rng.normal(0, 3, (6, 4))


def _multilabel_logits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _multi_hot(rng, (6, 4), soft=True), rng.normal(0, 3, (6, 4))


OPTAX_CASES = [
    ("optax.softmax_cross_entropy", {}, _soft_logits, optax.losses.softmax_cross_entropy),
    ("optax.softmax_cross_entropy", {"axis": 0}, _soft_logits, _optax_softmax_axis0),
    ("optax.softmax_cross_entropy_with_integer_labels", {}, _integer_logits,
     optax.losses.softmax_cross_entropy_with_integer_labels),
    ("optax.sigmoid_binary_cross_entropy", {}, _multilabel_logits,
     optax.losses.sigmoid_binary_cross_entropy),
    ("optax.sigmoid_focal_loss", {}, _multilabel_logits, optax.losses.sigmoid_focal_loss),
    ("optax.sigmoid_focal_loss", {"alpha": 0.7, "gamma": 1.5}, _multilabel_logits,
     _optax_focal_07),
    ("optax.poly_loss_cross_entropy", {}, _soft_logits, optax.losses.poly_loss_cross_entropy),
    ("optax.poly_loss_cross_entropy", {"epsilon": -1.0}, _soft_logits, _optax_poly_minus_1),
    ("optax.safe_softmax_cross_entropy", {}, _soft_logits, optax.losses.safe_softmax_cross_entropy),
    ("optax.safe_softmax_cross_entropy", {}, lambda rng: _masked_logits(rng),
     optax.losses.safe_softmax_cross_entropy),
    ("optax.kl_divergence", {}, _kl_inputs, optax.losses.kl_divergence),
    ("optax.kl_divergence", {"axis": 0}, _kl_inputs, _optax_kl_axis0),
    ("optax.kl_divergence", {"axis": None}, _kl_3d, _optax_kl_every_axis),
    ("optax.kl_divergence_with_log_targets", {}, _kl_log_inputs,
     optax.losses.kl_divergence_with_log_targets),
    ("optax.generalized_kl_divergence", {}, _kl_measures, optax.losses.generalized_kl_divergence),
    ("optax.convex_kl_divergence", {}, _kl_measures, optax.losses.convex_kl_divergence),
]


@pytest.mark.parametrize("lib", ["torch", "jax"])
@pytest.mark.parametrize("case", range(len(OPTAX_CASES)),
                         ids=lambda i: f"{OPTAX_CASES[i][0]}-{OPTAX_CASES[i][1]}")
def test_optax_spellings_equal_optax(case, lib):
    spelling, config, inputs, fn = OPTAX_CASES[case]
    for seed in SEEDS:
        y_true, y_pred = inputs(np.random.default_rng(seed))
        expected = _jax_peer(fn, y_true, y_pred)
        for got in _via_get(spelling, config, y_true, y_pred, lib):
            _assert_equal(got, expected)


def test_kl_div_batchmean_of_more_axes_is_torchs_with_the_axes_summed():
    # The spelling's note: 'batchmean' sums the last axis and averages the rest (torch divides
    # by the batch size alone); summing every axis but the batch gives torch's number.
    y_true, y_pred = _kl_3d(np.random.default_rng(5))
    expected = torch.nn.KLDivLoss(reduction="batchmean")(_t(y_pred), _t(y_true))
    rows = al.get("torch.nn.KLDivLoss", reduction="batchmean")(_t(y_true), _t(y_pred))
    np.testing.assert_allclose(rows * y_true.shape[1], expected, rtol=1e-12)
    loss = al.KLDiv(axis=(1, 2))
    for lib in LIBS:
        b = Backend.load(lib)
        got = b.to_numpy(loss(b.asarray(y_true), b.asarray(y_pred)))
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=lib)


@pytest.mark.parametrize("lib", LIBS)
def test_categorical_crossentropy_of_masked_logits_is_optax_safe_softmax_cross_entropy(lib):
    # -inf logits where the labels are 0: optax's safe_softmax_cross_entropy gives numbers and
    # zero gradients there, softmax_cross_entropy (and a plain 0 * -inf) NaN. Both paths: the
    # plain formula checked after the fact (values readable now) and the floored logits
    # (value checks off, as inside jit or on an accelerator); the class' torch kernel too.
    for seed in SEEDS:
        y_true, y_pred = _masked_logits(np.random.default_rng(seed))
        expected = _jax_peer(optax.losses.safe_softmax_cross_entropy, y_true, y_pred)
        assert np.isnan(optax.losses.softmax_cross_entropy(y_pred, y_true)).any()
        for mode in ("auto", "never"):
            with al.backend.value_checks(mode):
                got = _anyloss(al.categorical_crossentropy, lib, y_true, y_pred,
                               from_logits=True)
                _assert_equal(got, expected)
                if lib in ("numpy", "torch"):
                    loss = al.CategoricalCrossentropy(from_logits=True, reduction="none")
                    _assert_equal(_anyloss(lambda t, p, loss=loss: loss(t, p), lib, y_true,
                                           y_pred), expected)
                    b = Backend.load(lib)
                    mean = al.CategoricalCrossentropy(from_logits=True)
                    np.testing.assert_allclose(
                        b.to_numpy(mean(b.asarray(y_true), b.asarray(y_pred))),
                        expected[0].mean(), rtol=1e-12)


def test_torch_kernel_floors_masked_logits_off_the_host(monkeypatch):
    # Off the host (an accelerator, torch.compile) the kernel cannot look at its value: it
    # floors the logits first. Simulated on the CPU.
    from anyloss.backend import _torch_kernels

    monkeypatch.setattr(_torch_kernels, "_on_host", lambda x: False)
    y_true, y_pred = _masked_logits(np.random.default_rng(3))
    expected = _jax_peer(optax.losses.safe_softmax_cross_entropy, y_true, y_pred)
    loss = al.CategoricalCrossentropy(from_logits=True, reduction="none")
    _assert_equal(_anyloss(lambda t, p: loss(t, p), "torch", y_true, y_pred), expected)


def test_masked_logits_under_torch_compile_and_jax_jit():
    y_true, y_pred = _masked_logits(np.random.default_rng(4))
    expected = _jax_peer(optax.losses.safe_softmax_cross_entropy, y_true, y_pred)
    loss = al.CategoricalCrossentropy(from_logits=True, reduction="none")
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    _assert_equal(_anyloss(compiled, "torch", y_true, y_pred), expected)
    jitted = jax.jit(lambda t, p: al.categorical_crossentropy(t, p, from_logits=True))
    np.testing.assert_allclose(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), expected[0],
                               rtol=1e-12)


@pytest.mark.parametrize("mode", ["auto", "never"])
def test_masked_logit_with_a_positive_label_is_a_huge_finite_loss(mode):
    # The spelling's note: an infinite loss (a positive label on a -inf logit) is floored to
    # a huge finite one (optax: inf); the gradient is optax's (the floor passes it through).
    y_true, y_pred = np.array([[0.5, 0.5, 0.0]]), np.array([[1.0, -np.inf, 0.0]])
    values, grad = _jax_peer(optax.losses.safe_softmax_cross_entropy, y_true, y_pred)
    assert np.isinf(values).all() and np.isfinite(grad).all() and grad[0, 1] == -0.5
    with al.backend.value_checks(mode):
        for lib in LIBS:
            got, got_grad = _anyloss(al.categorical_crossentropy, lib, y_true, y_pred,
                                     from_logits=True)
            assert np.isfinite(got).all() and got[0] > 1e300, (lib, got)
            if got_grad is not None:
                np.testing.assert_allclose(got_grad, grad, rtol=1e-12, err_msg=lib)


# --- torchvision, TF Addons, timm: reference numbers written by their scripts ----------------------


def _reference(name: str) -> list[dict[str, Any]]:
    data = json.loads((REFERENCES / name).read_text())
    assert data["provenance"]["script"].startswith("scripts/references/")
    return data["cases"]


TORCHVISION = _reference("torchvision_probabilistic.json")
TFA = _reference("tfa_probabilistic.json")
TIMM = _reference("timm_probabilistic.json")


@pytest.mark.parametrize("case", TORCHVISION, ids=lambda c: f"{c['name']}-{c['seed']}")
def test_torchvision_sigmoid_focal_loss(case):
    y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
    spelling = "torchvision.ops.sigmoid_focal_loss"
    expected = (np.array(case["values"]), np.array(case["grad"]))
    for lib in LIBS:
        _assert_equal(_via_get(spelling, case["kwargs"], y_true, y_pred, lib)[0], expected)
    for reduction in ("mean", "sum"):
        got = _via_get(spelling, {**case["kwargs"], "reduction": reduction}, y_true, y_pred)
        for value, _ in got:
            np.testing.assert_allclose(value, case[reduction], rtol=1e-12)
    kw = {"class_reduction": "none", **case["kwargs"]}
    _assert_equal(_anyloss(al.sigmoid_focal, "torch", y_true, y_pred, **kw), expected)


@pytest.mark.parametrize("case", TFA, ids=lambda c: f"{c['name']}-{c['seed']}")
def test_tfa_sigmoid_focal_crossentropy(case):
    y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
    # Probabilities: TF takes log(p + 1e-7) of the clipped p, anyloss log(p) (Keras 3); the
    # relative difference is below 1e-7 / p (p >= 0.02 here). Logits: the same formula.
    rtol = 1e-10 if case["kwargs"].get("from_logits") else 1e-5
    expected = (np.array(case["values"]), np.array(case["grad"]))
    for lib in LIBS:
        got = _via_get("tfa.losses.sigmoid_focal_crossentropy", case["kwargs"], y_true, y_pred,
                       lib)
        for pair in got:
            _assert_equal(pair, expected, rtol=rtol, atol=1e-9 if rtol > 1e-10 else 1e-12)
    for reduction in ("none", "sum", "sum_over_batch_size", "auto"):
        got = _via_get("tfa.losses.SigmoidFocalCrossEntropy",
                       {**case["kwargs"], "reduction": reduction}, y_true, y_pred, "torch")
        for value, _ in got:
            np.testing.assert_allclose(value, case[f"class_{reduction}"], rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("case", TIMM, ids=lambda c: f"{c['name']}-{c['seed']}")
def test_timm_asymmetric_loss_multilabel(case):
    # timm computes in float32 (inputs are float32 numbers): compared at float32 precision.
    y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
    expected = (np.array(case["value"]), np.array(case["grad"]))
    for lib in LIBS:
        for value, grad in _via_get("timm.loss.AsymmetricLossMultiLabel", case["kwargs"],
                                    y_true, y_pred, lib):
            np.testing.assert_allclose(value, expected[0], rtol=1e-5, atol=1e-6)
            if grad is not None:
                np.testing.assert_allclose(grad, expected[1], rtol=1e-4, atol=1e-6)


def test_timm_defaults_are_the_class_defaults():
    # timm's default reduction 'batchmean' (sum over classes, mean over the batch) is
    # Asymmetric()'s default; its value is positive, as anyloss'.
    case = next(c for c in TIMM if c["name"] == "defaults")
    y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
    assert case["value"] > 0
    np.testing.assert_allclose(al.Asymmetric()(y_true, y_pred), case["value"], rtol=1e-5)
    assert al.get("timm.loss.AsymmetricLossMultiLabel").get_config() == {
        **al.Asymmetric().get_config()}


# --- jit, laziness, compile ----------------------------------------------------------------------

JIT_CASES = ["nll", "multilabel_soft_margin-weight", "poly1-logits", "sigmoid_focal-optax",
             "jensen_shannon-beta0.2-logits", "asymmetric", "kl_div", "kl_div-elements"]


@pytest.mark.parametrize("name", JIT_CASES)
def test_jax_jit_and_lazy_dask(name):
    if name == "asymmetric":
        case = TIMM[0]
        y_true, y_pred, kw = np.array(case["y_true"]), np.array(case["y_pred"]), {}
        fn = al.asymmetric
    else:
        c = FUNCTION_CASES[name]
        (y_true, y_pred), fn, kw = c.inputs(np.random.default_rng(0)), c.fn, c.kw
    eager = np.asarray(fn(y_true, y_pred, **kw))
    jitted = jax.jit(lambda t, p: fn(t, p, **kw))(jnp.asarray(y_true), jnp.asarray(y_pred))
    np.testing.assert_allclose(jitted, eager, rtol=1e-12)
    da = pytest.importorskip("dask.array")
    lazy = fn(da.from_array(y_true, chunks=2), da.from_array(y_pred, chunks=2), **kw)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12)


@pytest.mark.parametrize("name", ["NLL", "MultiLabelSoftMargin", "KLDiv", "KLDiv-elements"])
def test_torch_kernels_compile_fullgraph(name):
    cls, case = CLASS_CASES[name]
    c = FUNCTION_CASES[case]
    y_true, y_pred = c.inputs(np.random.default_rng(0))
    loss = cls(**c.kw)
    t, p = _t(y_true), _t(y_pred)
    compiled = torch.compile(lambda a, b: loss(a, b), fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(t, p), loss(t, p))


# --- focal factors at a saturated probability ----------------------------------------------------

FOCAL_FACTORS = [
    ("asymmetric", {"gamma_pos": 0.5, "gamma_neg": 0.5, "clip": None}),
    ("asymmetric", {"gamma_pos": 1.0, "gamma_neg": 0.0, "clip": None}),
    ("sigmoid_focal", {"gamma": 0.5}),
    ("sigmoid_focal", {"gamma": 1.0}),
    ("binary_focal_crossentropy", {"gamma": 0.5, "from_logits": True}),
    ("binary_focal_crossentropy", {"gamma": 0.0, "from_logits": True}),
]


@pytest.mark.parametrize("lib", ["torch", "jax"])
@pytest.mark.parametrize(("name", "kw"), FOCAL_FACTORS, ids=lambda v: str(v))
def test_focal_factor_gradient_is_finite_where_the_sigmoid_saturates(name, kw, lib):
    # float32 sigmoid(40) is exactly 1, so 1 - p_t is exactly 0 for the right answers: a plain
    # (1 - p_t) ** gamma has gradient inf (gamma < 1) or NaN (JAX, gamma = 0) there, which
    # asymmetric's property test met as a rare NaN. The values keep the plain formula's.
    y_true = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]], np.float32)
    y_pred = np.array([[40.0, -40.0, -40.0, 40.0], [2.0, -1.0, 0.5, 40.0]], np.float32)
    fn = getattr(al, name)
    values, grad = _anyloss(fn, lib, y_true, y_pred, **kw)
    assert np.isfinite(grad).all(), grad
    p = 1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))
    p_t = y_true * p + (1 - y_true) * (1 - p)
    if name == "binary_focal_crossentropy":
        x = y_pred.astype(np.float64)
        bce = np.logaddexp(0.0, x) - y_true * x
        expected = np.mean(np.power(1 - p_t, kw["gamma"]) * bce, axis=-1)
        np.testing.assert_allclose(values, expected, rtol=1e-4, atol=1e-6)
    else:
        # Their values are compared with timm, torchvision and optax above; here only finite.
        assert np.isfinite(values).all() and (values >= 0).all()
