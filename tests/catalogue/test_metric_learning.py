"""The distance-based batch losses of ``metric_learning.py`` against their peers.

TF Addons (``triplet_semihard_loss``, ``triplet_hard_loss``, ``lifted_struct_loss``,
``npairs_loss``, ``contrastive_loss``) from the reference file that
``scripts/references/tfa_metric_learning.py`` writes by running TF Addons itself (float32: TF
Addons computes these in float32 only; anyloss runs in float64 on the same numbers, so the
tolerance is float32 rounding); pytorch-metric-learning (``ContrastiveLoss``,
``LiftedStructureLoss``, ``NPairsLoss``) directly. Each peer spelling is resolved with
``al.get`` (keywords and config dict) and compared on NumPy, torch and JAX inputs, values and
gradients with respect to ``y_pred``.

Per anchor, no peer has per-anchor values: the functions' values and masks are compared with
loop-by-loop references written from the definitions in torch (autograd gives their
gradients), on batches with unequal class counts and an anchor without a positive; every
reduction with and without sample weights; ``jax.jit``; lazy Dask;
``torch.compile(fullgraph=True)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
pml = pytest.importorskip("pytorch_metric_learning.losses")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

LIBS = ["numpy", "torch", "jax", "tensorflow"]
SEEDS = [0, 1, 2]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
TFA = json.loads(
    (Path(__file__).parent / "references" / "tfa_metric_learning.json").read_text())
#: float32 rounding of TF Addons against float64 anyloss on the same (float32) inputs.
TFA_RTOL, TFA_ATOL = 2e-5, 2e-6


def _close(actual: Any, expected: Any, what: str = "", rtol: float = 1e-10,
           atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol,
                               err_msg=what)


def _batch(seed: int, p_by_k: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Unequal class counts with one label seen once (an anchor without a positive), or P x K
    (4 labels x 3); unnormalised embeddings."""
    rng = np.random.default_rng(seed)
    if p_by_k:
        labels = np.repeat(rng.permutation(4), 3)
    else:
        labels = rng.integers(0, 4, 10)
        labels[rng.integers(0, 10)] = 9
    return labels, rng.normal(size=(len(labels), 5))


def _ours(lib: str, fn: Any, labels: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, Any]:
    """``fn(labels, x)`` on ``lib``, and the gradient of its sum with respect to ``x`` (None on
    NumPy)."""
    if lib == "numpy":
        return np.asarray(fn(labels, x)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, labels, x)
    t = Backend.load(lib).asarray(labels)
    if lib == "torch":
        p = torch.from_numpy(np.array(x)).requires_grad_(True)
        out = fn(t, p)
        (grad,) = torch.autograd.grad(out.sum(), p)
        return out.detach().numpy(), grad.numpy()

    def total(p: Any) -> tuple[Any, Any]:
        out = fn(t, p)
        return jnp.sum(out), out

    # Jitted: one compile per call site and shape (eager JAX compiles every primitive).
    (_, value), grad = jax.jit(jax.value_and_grad(total, has_aux=True))(jnp.asarray(x))
    return np.asarray(value), np.asarray(grad)


# --- loop-by-loop references (torch, float64), written from the definitions ----------------------

def _distance(x: Any, i: int, j: int, distance: str) -> Any:
    if distance == "cosine":
        return 1.0 - torch.dot(x[i], x[j]) / (x[i].norm() * x[j].norm())
    squared = ((x[i] - x[j]) ** 2).sum()
    return squared if distance == "squared_l2" else squared.sqrt()


def _relu(v: Any) -> Any:
    return torch.clamp(v, min=0.0)


def _reference(name: str, labels: np.ndarray, x: Any, kw: dict[str, Any]) -> tuple[Any, list]:
    """Per-anchor values (a torch vector) and the validity mask, one anchor at a time."""
    kw = {"distance": "l2", "margin": 1.0, "pos_margin": 0.0, **kw}
    if kw.get("normalize"):
        x = x / x.norm(dim=1, keepdim=True)
    n = len(labels)

    def d(i: int, j: int) -> Any:
        return _distance(x, i, j, kw["distance"])

    values, valid = [], []
    for a in range(n):
        pos = [j for j in range(n) if j != a and labels[j] == labels[a]]
        neg = [j for j in range(n) if labels[j] != labels[a]]
        zero = x.sum() * 0.0
        if name == "contrastive":
            power = 2 if kw.get("squared", True) else 1
            terms = [_relu(d(a, j) - kw["pos_margin"]) ** power for j in pos]
            terms += [_relu(kw["margin"] - d(a, j)) ** power for j in neg]
            values.append(torch.stack(terms).mean())
            valid.append(True)
            continue
        if name == "npairs":
            continue
        if not pos or not neg:
            values.append(zero)
            valid.append(False)
            continue
        valid.append(True)
        if name == "triplet_hard":
            hardest = torch.stack([d(a, p) for p in pos]).max() - torch.stack(
                [d(a, q) for q in neg]).min()
            values.append(torch.nn.functional.softplus(hardest) if kw.get("soft")
                          else _relu(hardest + kw["margin"]))
        elif name == "triplet_semihard":
            terms = []
            for p in pos:
                farther = [d(a, q) for q in neg if d(a, q) > d(a, p)]
                chosen = (torch.stack(farther).min() if farther
                          else torch.stack([d(a, q) for q in neg]).max())
                terms.append(_relu(kw["margin"] + d(a, p) - chosen))
            values.append(torch.stack(terms).mean())
        elif name == "lifted_structure":
            terms = []
            for j in pos:
                neg_j = [k for k in range(n) if labels[k] != labels[j]]
                lse = torch.logsumexp(torch.stack(
                    [kw["margin"] - d(a, k) for k in neg] + [kw["margin"] - d(j, k)
                                                              for k in neg_j]), 0)
                terms.append(0.5 * _relu(lse + d(a, j) - kw["pos_margin"]) ** 2)
            values.append(torch.stack(terms).mean())
    if name == "npairs":
        seen: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            seen.setdefault(int(label), []).append(i)
        pairs = [(m[0], m[1]) for m in seen.values() if len(m) >= 2]
        values, valid = [x.sum() * 0.0] * n, [False] * n
        for a, p in pairs:
            logits = torch.stack([torch.dot(x[a], x[q]) for _, q in pairs])
            values[a] = torch.logsumexp(logits, 0) - torch.dot(x[a], x[p])
            valid[a] = True
    return torch.stack(values), valid


#: (loss, its options) compared with the reference, one anyloss call each.
CONFIGS = [
    ("contrastive", {}),
    ("contrastive", {"squared": False, "distance": "cosine", "margin": 0.6, "pos_margin": 0.1}),
    ("triplet_semihard", {}),
    ("triplet_semihard", {"distance": "squared_l2", "margin": 3.0, "normalize": True}),
    ("triplet_hard", {}),
    ("triplet_hard", {"soft": True, "distance": "cosine"}),
    ("lifted_structure", {}),
    ("lifted_structure", {"distance": "squared_l2", "margin": 0.5, "pos_margin": 0.2}),
    ("npairs", {}),
    ("npairs", {"normalize": True}),
]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=lambda v: str(v) if v else "default")
def test_function_per_anchor_equals_the_definition(name, kwargs, lib):
    fn = al.losses.FUNCTIONS[name]
    # Eager JAX compiles every primitive per shape and option: one seed, the default options.
    if lib == "jax" and kwargs and name != "npairs":
        pytest.skip("JAX runs the first configuration of each loss (time)")
    for seed in SEEDS[:1] if lib == "jax" else SEEDS:
        labels, x = _batch(seed)
        p = torch.from_numpy(x).requires_grad_(True)
        expected, valid = _reference(name, labels, p, kwargs)
        (grad,) = torch.autograd.grad(expected.sum(), p)
        value, ours_grad = _ours(lib, lambda t, q: fn(t, q, **kwargs), labels, x)
        _close(value, expected.detach().numpy(), f"{name} {kwargs} seed {seed}")
        if ours_grad is not None:
            _close(ours_grad, grad.numpy(), f"{name} {kwargs} seed {seed} gradient")
        if lib == "torch":
            mask = al.losses._builtin.BUILTINS[name].per_sample(
                torch.from_numpy(labels), torch.from_numpy(x), {
                    **al.losses._builtin.BUILTINS[name].defaults, **kwargs}).mask
            assert np.asarray(mask).tolist() == valid, (name, seed)


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[::2], ids=lambda v: str(v) or "default")
def test_class_reductions_and_sample_weight(name, kwargs, lib):
    labels, x = _batch(1)
    expected, valid = _reference(name, labels, torch.from_numpy(x), kwargs)
    values, mask = expected.numpy(), np.array(valid, float)
    weights = np.random.default_rng(5).uniform(0.2, 2.0, len(labels))
    backend = Backend.load(lib)
    t, p, w = backend.asarray(labels), backend.asarray(x), backend.asarray(weights)
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[name]]
    for sw in (None, weights):
        ws = np.ones(len(labels)) if sw is None else sw
        expected_by = {
            "sum": np.sum(values * ws * mask),
            "sum_over_batch_size": np.sum(values * ws * mask) / mask.sum(),
            "mean": np.sum(values * ws * mask) / mask.sum(),
            "mean_with_sample_weight": np.sum(values * ws * mask) / (
                np.sum(ws * mask) if sw is not None else mask.sum()),
            "none": values * ws * mask,
        }
        for reduction in REDUCTIONS:
            out = cls(reduction=reduction, **kwargs)(t, p, sample_weight=None if sw is None
                                                     else w)
            _close(backend.to_numpy(out), expected_by[reduction], f"{reduction} {sw is None}")


# --- TF Addons (reference file) -----------------------------------------------------------------

#: The TF Addons function in the reference file -> its class spelling.
TFA_SPELLINGS = {
    "triplet_semihard_loss": "tfa.losses.TripletSemiHardLoss",
    "triplet_hard_loss": "tfa.losses.TripletHardLoss",
    "lifted_struct_loss": "tfa.losses.LiftedStructLoss",
    "npairs_loss": "tfa.losses.NpairsLoss",
    "contrastive_loss": "tfa.losses.ContrastiveLoss",
}


def _tfa_cases(*losses: str) -> list[dict[str, Any]]:
    return [c for c in TFA["cases"] if c["loss"] in losses]


def _f32(x: Any) -> np.ndarray:
    # The stored decimals are float32 numbers: read them back exactly.
    return np.asarray(x, np.float32).astype(np.float64)


def test_reference_file_provenance():
    prov = TFA["provenance"]
    assert prov["peer"] == "tensorflow-addons" and prov["version"] == "0.23.0"
    assert prov["seeds"] == SEEDS
    assert {c["batch"] for c in TFA["cases"]} == {"unequal", "p_by_k"}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("loss", sorted(TFA_SPELLINGS))
def test_tfa_spelling_equals_tfa(loss, lib):
    cases = _tfa_cases(loss)
    assert len(cases) >= 6
    if lib == "jax":  # eager JAX compiles per shape and option: two cases (both batches)
        cases = [c for c in cases if c["seed"] == 0 and c["kwargs"] == cases[0]["kwargs"]]
    for i, case in enumerate(cases):
        kwargs = case["kwargs"]
        # Keywords and a config alternate: both resolve the same arguments.
        loss_object = (al.get(TFA_SPELLINGS[loss], **kwargs) if i % 2 else
                       al.get({"class_name": TFA_SPELLINGS[loss], "config": kwargs}))
        labels, x = np.asarray(case["y_true"]), _f32(case["y_pred"])
        if loss == "contrastive_loss":  # per pair: the function's values and the class' mean
            value, grad = _ours(lib, lambda t, p, o=loss_object: al.contrastive(
                t, p, **o.arguments()), labels, x)
            _close(loss_object(labels, x), np.mean(case["value"]), str(case["kwargs"]),
                   TFA_RTOL, TFA_ATOL)
        else:
            value, grad = _ours(lib, loss_object, labels, x)
        what = f"{loss} {kwargs} {case['batch']} seed {case['seed']}"
        _close(value, case["value"], what, TFA_RTOL, TFA_ATOL)
        if grad is not None:
            _close(grad, case["grad"], what + " gradient", TFA_RTOL, TFA_ATOL)


@pytest.mark.parametrize("loss", ["triplet_semihard_loss", "triplet_hard_loss",
                                  "lifted_struct_loss"])
def test_per_anchor_mean_equals_tfa_on_p_by_k_batches(loss):
    """Every anchor has as many positives: the default per-anchor mean is TF Addons' number."""
    name = {"triplet_semihard_loss": "triplet_semihard", "triplet_hard_loss": "triplet_hard",
            "lifted_struct_loss": "lifted_structure"}[loss]
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[name]]
    for case in [c for c in _tfa_cases(loss) if c["batch"] == "p_by_k"]:
        kwargs = dict(al.get(TFA_SPELLINGS[loss], **case["kwargs"]).arguments())
        kwargs["aggregation"] = "anchors"
        t, p = torch.tensor(case["y_true"]), torch.from_numpy(_f32(case["y_pred"]))
        p.requires_grad_(True)
        out = cls(**kwargs)(t, p)
        (grad,) = torch.autograd.grad(out, p)
        _close(out.detach(), case["value"], str(case["kwargs"]), TFA_RTOL, TFA_ATOL)
        _close(grad, case["grad"], str(case["kwargs"]), TFA_RTOL, TFA_ATOL)


def test_contrastive_anchor_mean_equals_tfa_on_every_ordered_pair():
    for case in _tfa_cases("contrastive_loss_all_pairs"):
        t, p = torch.tensor(case["y_true"]), torch.from_numpy(_f32(case["y_pred"]))
        p.requires_grad_(True)
        out = al.Contrastive(**case["kwargs"])(t, p)
        (grad,) = torch.autograd.grad(out, p)
        _close(out.detach(), case["value"], str(case["kwargs"]), TFA_RTOL, TFA_ATOL)
        _close(grad, case["grad"], str(case["kwargs"]), TFA_RTOL, TFA_ATOL)


def test_tfa_pairs_aggregation_broadcasts_the_scalar_and_weights_only_rescale():
    case = _tfa_cases("triplet_semihard_loss")[0]
    labels, x = np.asarray(case["y_true"]), _f32(case["y_pred"])
    values = al.triplet_semihard(labels, x, aggregation="pairs")
    _close(values, np.full(len(labels), case["value"]), rtol=TFA_RTOL)
    w = np.linspace(0.5, 2.0, len(labels))
    _close(al.TripletSemiHard(aggregation="pairs")(labels, x, sample_weight=w),
           case["value"] * w.mean(), rtol=TFA_RTOL)


def test_tfa_spellings_refuse_what_anyloss_cannot_reproduce():
    with pytest.raises(ValueError, match="distance_metric"):
        al.get("tfa.losses.TripletSemiHardLoss", distance_metric="cosine")
    with pytest.raises(ValueError, match="distance_metric"):
        al.get("tfa.losses.TripletHardLoss", distance_metric=lambda x: x)
    # TF Addons ignores `reduction` on its batch losses: so does the spelling.
    loss = al.get({"class_name": "tfa.losses.TripletSemiHardLoss",
                   "config": {"reduction": "none", "name": "t", "margin": 0.5}})
    assert loss.reduction == "sum_over_batch_size" and loss.margin == 0.5 and loss.name == "t"


# --- pytorch-metric-learning (runs here) -----------------------------------------------------------

#: spelling -> (peer constructor arguments tried); anyloss' numbers must equal the peer's.
PML_CASES = {
    "pytorch_metric_learning.losses.ContrastiveLoss": [{}, {"pos_margin": 0.2,
                                                           "neg_margin": 1.4}],
    "pytorch_metric_learning.losses.LiftedStructureLoss": [{}, {"neg_margin": 0.7,
                                                               "pos_margin": 0.1}],
    "pytorch_metric_learning.losses.NPairsLoss": [{}],
}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("spelling", sorted(PML_CASES))
def test_pml_spelling_equals_pml(spelling, lib):
    peer_class = getattr(pml, spelling.rsplit(".", 1)[1])
    for kwargs in PML_CASES[spelling]:
        for i, (seed, p_by_k) in enumerate([(s, k) for s in SEEDS for k in (False, True)]):
            labels, x = _batch(seed, p_by_k)
            if lib == "jax" and (seed or p_by_k or kwargs):
                continue  # eager JAX compiles per shape and option: one case
            p = torch.from_numpy(x).requires_grad_(True)
            expected = peer_class(**kwargs)(p, torch.from_numpy(labels))
            (grad,) = torch.autograd.grad(expected, p)
            loss = (al.get(spelling, **kwargs) if i % 2 else
                    al.get({"class_name": spelling, "config": kwargs}))
            value, ours_grad = _ours(lib, loss, labels, x)
            what = f"{spelling} {kwargs} seed {seed} P x K {p_by_k}"
            _close(value, expected.detach().numpy(), what)
            if ours_grad is not None:
                _close(ours_grad, grad.numpy(), what + " gradient")


def test_pml_spellings_refuse_a_distance_or_reducer():
    for spelling in PML_CASES:
        with pytest.raises(TypeError, match="not support"):
            al.get(spelling, distance=None)


def test_npairs_embeddings_equal_tfa_similarities_on_pairs():
    """Labels twice each: the embedding form is TF Addons' loss on anchors @ positives.T."""
    rng = np.random.default_rng(0)
    labels = np.array([3, 1, 0, 1, 3, 0])
    x = rng.normal(size=(6, 4))
    anchors, positives = x[[0, 1, 2]], x[[4, 3, 5]]
    from_similarities = al.npairs(labels[[0, 1, 2]], anchors @ positives.T,
                                  inputs="similarities")
    values = al.npairs(labels, x)
    _close(values[[0, 1, 2]], from_similarities)
    _close(values[[3, 4, 5]], 0.0)
    _close(al.NPairs()(labels, x), al.get("tfa.losses.NpairsLoss")(
        labels[[0, 1, 2]], anchors @ positives.T))


def test_edge_batches_give_finite_masked_results():
    x = np.random.default_rng(0).normal(size=(4, 3))
    for name in ("triplet_semihard", "triplet_hard", "lifted_structure", "npairs"):
        cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[name]]
        for labels in (np.zeros(4, int), np.arange(4)):  # no negative / no positive
            assert float(cls()(labels, x)) == 0.0, (name, labels)
    # TF Addons' fallbacks: every anchor counts.
    assert float(al.TripletHard(aggregation="all_anchors")(np.arange(4), x)) > 0.0
    _close(al.contrastive(np.arange(1), x[:1]), [0.0])
    assert math.isfinite(float(al.Contrastive()(np.arange(1), x[:1])))


# --- jit, lazy Dask, torch.compile --------------------------------------------------------------

CALLS = {
    "contrastive": lambda t, p: al.contrastive(t, p),
    "contrastive_nonzero": lambda t, p: al.Contrastive(
        aggregation="nonzero_pairs", squared=False, normalize=True)(t, p),
    "triplet_semihard": lambda t, p: al.triplet_semihard(t, p, distance="cosine"),
    "triplet_semihard_pairs": lambda t, p: al.TripletSemiHard(aggregation="pairs")(t, p),
    "triplet_hard": lambda t, p: al.TripletHard(soft=True)(t, p),
    "lifted_structure": lambda t, p: al.lifted_structure(t, p, distance="squared_l2"),
    "npairs": lambda t, p: al.NPairs(normalize=True)(t, p),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_jax_jit(name):
    labels, x = _batch(0)
    jitted = jax.jit(CALLS[name])(jnp.asarray(labels), jnp.asarray(x))
    _close(jitted, CALLS[name](labels, x))


def test_jax_jit_of_the_precomputed_forms():
    labels, x = _batch(0)
    s = x @ x.T
    _close(jax.jit(lambda t, q: al.npairs(t, q, inputs="similarities"))(labels, s),
           al.npairs(labels, s, inputs="similarities"))
    d = np.abs(x[:, 0])
    _close(jax.jit(lambda t, q: al.contrastive(t, q, inputs="distances"))(labels % 2, d),
           al.contrastive(labels % 2, d, inputs="distances"))


def test_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    labels, x = _batch(0)
    t, p = da.from_array(labels, chunks=5), da.from_array(x, chunks=(5, 5))
    for name, call in CALLS.items():
        out = call(t, p)
        assert isinstance(out, da.Array), name
        _close(out.compute(), call(labels, x), name)


def test_torch_compile_fullgraph():
    labels, x = _batch(0)
    t, p = torch.from_numpy(labels), torch.from_numpy(x)
    names = ("contrastive", "triplet_semihard", "triplet_hard", "lifted_structure", "npairs")

    def every_loss(t: Any, p: Any) -> Any:  # one compile for the five formulas (seconds each)
        return torch.stack([CALLS[name](t, p).sum() for name in names])

    compiled = torch.compile(every_loss, fullgraph=True, backend="aot_eager")
    _close(compiled(t, p).numpy(), every_loss(t, p).numpy())


# --- argument and shape errors ------------------------------------------------------------------

@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda t, x: al.triplet_semihard(t, x, distance="L2"), ValueError,
     ["`distance`", "'L2'", "'squared_l2'"]),
    (lambda t, x: al.triplet_hard(t, x, aggregation="pairs"), ValueError,
     ["`aggregation`", "'pairs'", "'all_anchors'"]),
    (lambda t, x: al.contrastive(t, x, inputs="pairs"), ValueError,
     ["`inputs`", "'pairs'", "'distances'"]),
    (lambda t, x: al.lifted_structure(t, x, margin=float("nan")), ValueError,
     ["`margin`", "nan", "finite number"]),
    (lambda t, x: al.contrastive(t, x, squared="yes"), TypeError, ["`squared`", "'yes'"]),
    (lambda t, x: al.npairs(t, x, normalize=1), TypeError, ["`normalize`", "1"]),
    (lambda t, x: al.triplet_hard(t, x[:, 0]), ValueError, ["y_pred", "(4,)", "(batch, dim)"]),
    (lambda t, x: al.npairs(t, x, inputs="similarities"), ValueError,
     ["y_pred", "(4, 3)", "(batch, batch)"]),
    (lambda t, x: al.contrastive(t, x, inputs="distances"), ValueError,
     ["y_pred", "(4, 3)", "(batch,)"]),
    (lambda t, x: al.triplet_semihard(t[:3], x), ValueError,
     ["y_true", "(3,)", "one label per embedding"]),
])
def test_argument_and_shape_errors_name_the_argument_and_the_fix(call, error, words):
    t, x = np.array([0, 0, 1, 1]), np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(error) as info:
        call(t, x)
    for word in words:
        assert word in str(info.value), str(info.value)
