"""The losses over in-batch similarity matrices (``similarity.py``) against their peers.

NT-Xent against pytorch-metric-learning's ``NTXentLoss``, ``optax.ntxent`` and MONAI's
``ContrastiveLoss`` (its two views stacked, each row's other view its positive); SupCon and
multi-similarity against pytorch-metric-learning's ``SupConLoss`` and ``MultiSimilarityLoss``
(all run in the suite); SigLIP against keras-hub's ``SigLIPLoss``, from the reference file that
``scripts/references/keras_hub_similarity.py`` writes by running keras-hub's own loss file.

Per anchor, the peers' unreduced losses (``compute_loss``: per positive pair for NT-Xent,
averaged here per anchor in torch; per element for SupCon and multi-similarity) give the
function's values; their reduced loss gives the classes' (``al.get`` of the peer spelling,
keywords and config). Values and gradients with respect to ``y_pred`` in float64, seeds 0-2, on
NumPy, torch and JAX inputs; every reduction with and without sample weights; ``jax.jit``; lazy
Dask; ``torch.compile(fullgraph=True)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
pml = pytest.importorskip("pytorch_metric_learning.losses")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

LIBS = ["numpy", "torch", "jax", "tensorflow"]
SEEDS = [0, 1, 2]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
KERAS_HUB = json.loads(
    (Path(__file__).parent / "references" / "keras_hub_similarity.json").read_text())

#: loss -> (anyloss function, the peer spelling, its constructor arguments in the test).
PEERS = {
    "ntxent": (al.ntxent, "pytorch_metric_learning.losses.NTXentLoss", {"temperature": 0.2}),
    "supcon": (al.supcon, "pytorch_metric_learning.losses.SupConLoss", {"temperature": 0.3}),
    "multi_similarity": (al.multi_similarity,
                         "pytorch_metric_learning.losses.MultiSimilarityLoss",
                         {"alpha": 2.5, "beta": 20.0, "base": 0.4}),
}
PML_CLASSES = {"ntxent": "NTXentLoss", "supcon": "SupConLoss",
               "multi_similarity": "MultiSimilarityLoss"}


def _close(actual: Any, expected: Any, what: str = "", rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=1e-12,
                               err_msg=what)


def _batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """10 labels of 4 classes with unequal counts plus one seen once (an anchor without a
    positive); unnormalised embeddings."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 10)
    labels[rng.integers(0, 10)] = 9
    return labels, rng.normal(size=(10, 5))


def _pml(name: str, kwargs: dict[str, Any]) -> Any:
    return getattr(pml, PML_CLASSES[name])(**kwargs)


def _pml_per_anchor(name: str, kwargs: dict[str, Any], labels: np.ndarray,
                    x: Any) -> tuple[Any, np.ndarray]:
    """pytorch-metric-learning's unreduced losses as one torch value per anchor, and the mask
    of the anchors its reducer counts."""
    loss = _pml(name, kwargs)
    t = torch.from_numpy(labels)
    out = loss.compute_loss(x, t, None, x, t)["loss"]
    if name == "ntxent":  # per positive pair (a, p): the mean over each anchor's pairs
        anchors = out["indices"][0]
        total = torch.zeros(len(labels), dtype=x.dtype).index_add(0, anchors, out["losses"])
        count = torch.zeros(len(labels), dtype=x.dtype).index_add(
            0, anchors, torch.ones_like(out["losses"]))
        valid = count.numpy() > 0
        return total / count.clamp(min=1), valid
    values = out["losses"].reshape(-1)
    if name == "supcon":  # AvgNonZeroReducer: the anchors with a positive loss
        return values, values.detach().numpy() > 0
    return values, np.ones(len(labels), bool)  # MeanReducer over every element


def _ours(lib: str, fn: Any, labels: np.ndarray,
          x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(labels, x)`` on ``lib`` (an array per anchor or a scalar), and the gradient of its
    sum with respect to ``x`` (None on NumPy)."""
    backend = Backend.load(lib)
    if lib == "numpy":
        return np.asarray(fn(labels, x)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, labels, x)
    t = backend.asarray(labels)
    if lib == "torch":
        p = torch.from_numpy(x).requires_grad_(True)
        out = fn(t, p)
        (grad,) = torch.autograd.grad(out.sum(), p)
        return out.detach().numpy(), grad.numpy()
    (_, value), grad = _jitted(fn)(jnp.asarray(x), t)
    return np.asarray(value), np.asarray(grad)


_JITTED: dict[int, tuple[Any, Any]] = {}


def _jitted(fn: Any) -> Any:
    """``jit(value_and_grad)`` of ``sum(fn(t, p))`` with respect to ``p``, compiled once per
    function (the seeds share one shape)."""
    if id(fn) not in _JITTED:
        def total(p: Any, t: Any) -> tuple[Any, Any]:
            out = fn(t, p)
            return jnp.sum(out), out

        _JITTED[id(fn)] = (fn, jax.jit(jax.value_and_grad(total, has_aux=True)))
    return _JITTED[id(fn)][1]


_CALLS_WITH_ARGUMENTS = {
    name: (lambda t, q, fn=fn, kwargs=kwargs: fn(t, q, **kwargs))
    for name, (fn, _, kwargs) in PEERS.items()
}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", sorted(PEERS))
def test_function_per_anchor_equals_pml(name, lib):
    _, _, kwargs = PEERS[name]
    call = _CALLS_WITH_ARGUMENTS[name]
    for seed in SEEDS:
        labels, x = _batch(seed)
        p = torch.from_numpy(x).requires_grad_(True)
        expected, valid = _pml_per_anchor(name, kwargs, labels, p)
        # The function gives 0 to the anchors its mask drops; they carry no gradient.
        (expected_grad,) = torch.autograd.grad(expected[torch.from_numpy(valid)].sum(), p)
        values, grad = _ours(lib, call, labels, x)
        _close(values[valid], expected.detach().numpy()[valid], f"{name} seed {seed}")
        _close(values[~valid], 0.0, f"{name} seed {seed}: masked anchors")
        if grad is not None:
            _close(grad, expected_grad.numpy(), f"{name} gradient, seed {seed}")


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", sorted(PEERS))
def test_peer_spelling_equals_the_peers_scalar(name, lib):
    _, spelling, kwargs = PEERS[name]
    by_keywords = al.get(spelling, **kwargs)
    by_config = al.get({"class_name": spelling, "config": kwargs})
    assert by_keywords.get_config() == by_config.get_config()
    for seed in SEEDS:
        labels, x = _batch(seed)
        p = torch.from_numpy(x).requires_grad_(True)
        expected = _pml(name, kwargs)(p, torch.from_numpy(labels))
        (expected_grad,) = torch.autograd.grad(expected, p)
        # Both spellings on NumPy; the keywords' on the libraries that differentiate.
        for loss in (by_keywords, by_config) if lib == "numpy" else (by_keywords,):
            value, grad = _ours(lib, loss, labels, x)
            _close(value, expected.item(), f"{spelling} seed {seed}")
            if grad is not None:
                _close(grad, expected_grad.numpy(), f"{spelling} gradient, seed {seed}")


_OPTAX_NTXENT = jax.jit(jax.value_and_grad(lambda e, y: optax.ntxent(e, y, temperature=0.2)))


@pytest.mark.parametrize("lib", LIBS)
def test_ntxent_equals_optax(lib):
    loss = al.get("optax.ntxent", temperature=0.2)
    assert al.get({"class_name": "optax.losses.ntxent", "config": {"temperature": 0.2}}
                  ).get_config() == loss.get_config()
    for seed in SEEDS:
        labels, x = _batch(seed)
        expected, expected_grad = _OPTAX_NTXENT(jnp.asarray(x), jnp.asarray(labels))
        value, grad = _ours(lib, loss, labels, x)
        _close(value, expected, f"seed {seed}")
        if grad is not None:
            _close(grad, expected_grad, f"gradient, seed {seed}")


@pytest.mark.parametrize("lib", LIBS)
def test_ntxent_on_stacked_views_equals_monai_contrastive_loss(lib):
    monai = pytest.importorskip("monai.losses")
    # 0.25: MONAI makes its temperature a float32 tensor, exact only for such numbers.
    loss = al.get("monai.losses.ContrastiveLoss", temperature=0.25)
    assert al.get({"class_name": "monai.losses.ContrastiveLoss",
                   "config": {"temperature": 0.25, "batch_size": -1}}).get_config() \
        == loss.get_config()
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        views = rng.normal(size=(2, 6, 5))
        v = torch.from_numpy(views).requires_grad_(True)
        expected = monai.ContrastiveLoss(temperature=0.25)(v[0], v[1])
        (expected_grad,) = torch.autograd.grad(expected, v)
        labels = np.concatenate([np.arange(6), np.arange(6)])
        value, grad = _ours(lib, loss, labels, views.reshape(12, 5))
        _close(value, expected.item(), f"seed {seed}")
        if grad is not None:
            _close(grad, expected_grad.numpy().reshape(12, 5), f"gradient, seed {seed}")


def test_ntxent_anchor_mean_equals_the_pair_mean_on_p_by_k_batches():
    # Every anchor with as many positives: the mean over anchors is optax's mean over pairs.
    rng = np.random.default_rng(0)
    labels, x = np.repeat(np.arange(4), 3), rng.normal(size=(12, 5))
    expected = jax.jit(optax.ntxent, static_argnames="temperature")(
        jnp.asarray(x), jnp.asarray(labels), temperature=0.1)
    _close(al.NTXent(temperature=0.1)(labels, x), expected)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("name", sorted(PEERS))
def test_class_reductions_and_sample_weight(name, lib):
    _, _, kwargs = PEERS[name]
    cls = al.losses.CLASSES[al.CLASS_OF_FUNCTION[name]]
    backend = Backend.load(lib)
    for seed in SEEDS:
        labels, x = _batch(seed)
        per_anchor, valid = _pml_per_anchor(name, kwargs, labels, torch.from_numpy(x))
        v = np.where(valid, per_anchor.numpy(), 0.0)
        for weights in (None, np.random.default_rng(seed).uniform(0.0, 2.0, len(labels))):
            w = np.ones(len(labels)) if weights is None else weights
            expected = {
                "sum": np.sum(v * w), "none": v * w,
                "sum_over_batch_size": np.sum(v * w) / valid.sum(),
                "mean": np.sum(v * w) / valid.sum(),
                "mean_with_sample_weight": np.sum(v * w) / np.sum(w[valid]),
            }
            sw = None if weights is None else backend.asarray(weights)
            for reduction in REDUCTIONS:
                out = cls(reduction=reduction, **kwargs)(
                    backend.asarray(labels), backend.asarray(x), sample_weight=sw)
                _close(backend.to_numpy(out), expected[reduction],
                       f"{name} {reduction} seed {seed} weights {weights is not None}")


def test_pairs_aggregation_gives_the_scalar_to_every_anchor():
    labels, x = _batch(0)
    expected = float(pml.NTXentLoss()(torch.from_numpy(x), torch.from_numpy(labels)))
    values = al.ntxent(labels, x, aggregation="pairs")
    _close(values, np.full(len(labels), expected))
    # A batch without a positive pair: 0, where optax divides 0 by 0.
    assert float(al.NTXent(aggregation="pairs")(np.arange(4), x[:4])) == 0.0


def test_supcon_and_ntxent_mask_anchors_without_a_positive():
    labels, x = np.array([0, 0, 1, 2]), np.random.default_rng(0).normal(size=(4, 3))
    for loss in (al.NTXent(reduction="none"), al.SupCon(reduction="none")):
        out = loss(labels, x)
        assert out[2] == 0.0 and out[3] == 0.0 and out[0] > 0
        _close(type(loss)()(labels, x), out[:2].mean())


def test_embeddings_need_not_be_normalised():
    labels, x = _batch(1)
    scaled = x * np.random.default_rng(2).uniform(0.1, 10.0, (len(labels), 1))
    for fn in (al.ntxent, al.supcon, al.multi_similarity):
        _close(fn(labels, scaled), fn(labels, x))


# --- SigLIP -------------------------------------------------------------------------------------

def _siglip_numpy(y_true: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """keras-hub's math, transcribed: -sum(log_sigmoid(y_true * logits), axis=-1)."""
    z = y_true * logits
    return -np.sum(np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z))), axis=-1)


@pytest.mark.parametrize("lib", LIBS)
def test_siglip_equals_keras_hub(lib):
    for case in KERAS_HUB["cases"]:
        y, x = np.array(case["y_true"]), np.array(case["y_pred"])
        values, _ = _ours(lib, al.siglip, y, x)
        _close(values, case["per_row"], f"seed {case['seed']}")
        value, grad = _ours(lib, al.SigLIP(), y, x)
        _close(value, case["value"], f"seed {case['seed']}")
        if grad is not None:
            _close(grad, case["grad"], f"gradient, seed {case['seed']}")


def test_siglip_reductions_sample_weight_scale_bias_and_zero_labels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 6))
    y = 2.0 * np.eye(6) - 1.0
    rows = _siglip_numpy(y, 10.0 * x - 10.0)
    w = rng.uniform(0.0, 2.0, 6)
    expected = {"sum": np.sum(rows * w), "none": rows * w, "sum_over_batch_size": np.mean(rows * w),
                "mean": np.mean(rows * w), "mean_with_sample_weight": np.sum(rows * w) / w.sum()}
    for reduction in REDUCTIONS:
        loss = al.SigLIP(logit_scale=10.0, logit_bias=-10.0, reduction=reduction)
        _close(loss(y, x, sample_weight=w), expected[reduction], reduction)
    # 0/1 labels (an identity matrix) read as -1/1.
    _close(al.siglip(np.eye(6), x), _siglip_numpy(y, x))


# --- jit, lazy Dask, torch.compile --------------------------------------------------------------

CALLS = {
    "ntxent": lambda t, p: al.ntxent(t, p, temperature=0.2),
    "ntxent_pairs": lambda t, p: al.NTXent(aggregation="pairs")(t, p),
    "supcon": lambda t, p: al.SupCon()(t, p),
    "multi_similarity": lambda t, p: al.multi_similarity(t, p),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_jax_jit(name):
    labels, x = _batch(0)
    jitted = jax.jit(CALLS[name])(jnp.asarray(labels), jnp.asarray(x))
    _close(jitted, CALLS[name](labels, x))
    y = 2.0 * np.eye(4) - 1.0
    _close(jax.jit(al.SigLIP())(jnp.asarray(y), jnp.asarray(x[:4, :4])), al.SigLIP()(y, x[:4, :4]))


def test_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    labels, x = _batch(0)
    t, p = da.from_array(labels, chunks=5), da.from_array(x, chunks=(5, 5))
    y, s = 2.0 * np.eye(10) - 1.0, x @ x.T
    for name, call in {**CALLS, "siglip": None}.items():
        out = (al.siglip(da.from_array(y, chunks=5), da.from_array(s, chunks=5)) if call is None
               else call(t, p))
        assert isinstance(out, da.Array), name
        expected = al.siglip(y, s) if call is None else call(labels, x)
        _close(out.compute(), expected, name)


def test_torch_compile_fullgraph():
    labels, x = _batch(0)
    t, p = torch.from_numpy(labels), torch.from_numpy(x)
    y = 2.0 * torch.eye(10, dtype=torch.float64) - 1.0
    # Each compile costs seconds: NT-Xent (whose primitives SupCon and multi-similarity share)
    # and SigLIP.
    calls = {"ntxent": CALLS["ntxent"], "siglip": lambda _, q: al.SigLIP()(y, q @ q.T)}
    for name, call in calls.items():
        compiled = torch.compile(call, fullgraph=True, backend="aot_eager")
        _close(compiled(t, p).numpy(), call(t, p).numpy(), name)
