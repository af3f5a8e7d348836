"""The sparsemax loss (``structured.py``) against its peers: ``optax.multiclass_sparsemax_loss``
(integer labels, given here as one-hot rows) and ``optax.sparsemax_loss`` (binary, element-wise:
``binary=True``, the loss on scores ``[z, 0]`` with targets ``[y, 1 - y]``), run in the suite;
TF Addons' ``SparsemaxLoss`` from the reference file written by
``scripts/references/tfa_structured.py``.
Values and gradients with respect to ``y_pred`` in float64, on NumPy, torch and JAX inputs; the
class for every reduction, with and without sample weights; the peer spellings through
``al.get``; ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.
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
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

LIBS = ["numpy", "torch", "jax", "tensorflow"]
SEEDS = [0, 1, 2]
TFA = json.loads((Path(__file__).parent / "references" / "tfa_structured.json").read_text())
TFA_CASES = TFA["cases"]
#: TF Addons' reductions as anyloss' ("auto" is tf.keras' default, sum_over_batch_size).
TFA_REDUCTIONS = {"auto": "sum_over_batch_size", "sum_over_batch_size": "sum_over_batch_size",
                  "sum": "sum", "none": "none"}


def _close(actual: Any, expected: Any, what: str = "") -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=1e-10, atol=1e-12,
                               err_msg=what)


def _inputs() -> tuple[np.ndarray, np.ndarray]:
    """Integer labels and scores of every seed, stacked (the loss is per sample); scores
    spread so that supports of every size occur, and rows with ties."""
    labels, scores = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        labels.append(rng.integers(0, 5, 8))
        scores.append(1.5 * rng.normal(size=(8, 5)))
    x = np.concatenate(scores)
    x[0] = [1.0, 1.0, 1.0, 0.0, -3.0]  # a tie in the support
    return np.concatenate(labels), x


def _value_and_grad(lib: str, fn: Any, y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    backend = Backend.load(lib)
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    labels = backend.asarray(y_true)
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    if lib == "torch":
        x = torch.from_numpy(y_pred).requires_grad_(True)
        out = fn(labels, x)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()

    def total(p: Any) -> tuple[Any, Any]:
        out = fn(labels, p)
        return jnp.sum(out), out

    (_, value), grad = jax.jit(jax.value_and_grad(total, has_aux=True))(jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


@pytest.mark.parametrize("lib", LIBS)
def test_equals_optax_multiclass_sparsemax_loss(lib):
    labels, scores = _inputs()
    expected, expected_grad = jax.value_and_grad(
        lambda s: jnp.sum(optax.losses.multiclass_sparsemax_loss(s, jnp.asarray(labels))))(
        jnp.asarray(scores))
    per_sample = optax.losses.multiclass_sparsemax_loss(jnp.asarray(scores), jnp.asarray(labels))
    one_hot = np.eye(5)[labels]
    value, grad = _value_and_grad(lib, al.sparsemax, one_hot, scores)
    _close(value, per_sample, lib)
    _close(value.sum(), expected, lib)
    if grad is not None:
        _close(grad, expected_grad, f"{lib} gradient")
    # The spelling: optax's per-sample values, the targets one-hot.
    for loss in (al.get("optax.multiclass_sparsemax_loss"),
                 al.get({"class_name": "optax.multiclass_sparsemax_loss", "config": {}})):
        b = Backend.load(lib)
        _close(b.to_numpy(loss(b.asarray(one_hot), b.asarray(scores))), per_sample, lib)


def _binary_inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels and scores (4, 6): spread over the three pieces of sparse_plus, with its kinks
    -1 and 1, 0 and a large score among them."""
    rng = np.random.default_rng(seed)
    z = 2.0 * rng.normal(size=(4, 6))
    z[0] = [-1.0, 1.0, 0.0, 1e6, -1e6, 0.5]
    return rng.integers(0, 2, (4, 6)), z


def _optax_binary(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    def total(s: Any) -> tuple[Any, Any]:
        out = optax.losses.sparsemax_loss(s, jnp.asarray(labels))
        return jnp.sum(out), out

    (_, values), grad = jax.value_and_grad(total, has_aux=True)(jnp.asarray(scores))
    return np.asarray(values), np.asarray(grad)


@pytest.mark.parametrize("lib", LIBS)
def test_binary_equals_optax_sparsemax_loss(lib):
    for seed in SEEDS:
        labels, scores = _binary_inputs(seed)
        expected, expected_grad = _optax_binary(labels, scores)
        value, grad = _value_and_grad(lib, lambda t, p: al.sparsemax(t, p, binary=True),
                                      labels.astype(float), scores)
        _close(value, expected, f"{lib} seed {seed}")
        if grad is not None:
            _close(grad, expected_grad, f"{lib} seed {seed} gradient")


@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
def test_binary_spelling_equals_optax_sparsemax_loss(lib):
    labels, scores = _binary_inputs(1)
    expected = _optax_binary(labels, scores)
    b = Backend.load(lib)
    for loss in (al.get("optax.sparsemax_loss"),
                 al.get({"class_name": "optax.sparsemax_loss", "config": {}})):
        assert loss.binary and loss.reduction == "none"
        value, grad = _value_and_grad(lib, lambda t, p, loss=loss: loss(t, p),
                                      labels.astype(float), scores)
        _close(value, expected[0], lib)
        if grad is not None:
            _close(grad, expected[1], f"{lib} gradient")
        _close(b.to_numpy(loss(b.asarray(labels), b.asarray(scores))), expected[0], "int labels")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_binary_class_reductions_equal_optax_values_reduced(weighted):
    labels, scores = _binary_inputs(2)
    values, _ = _optax_binary(labels, scores)
    weight = np.random.default_rng(2).uniform(0.0, 2.0, (4, 1)) if weighted else None
    w = np.ones((4, 1)) if weight is None else weight
    expected = {"sum_over_batch_size": np.sum(values * w) / values.size,
                "sum": np.sum(values * w),
                "mean_with_sample_weight": np.sum(values * w) / np.sum(np.broadcast_to(
                    w, values.shape)), "none": values * w}
    for reduction, value in expected.items():
        out = al.Sparsemax(binary=True, reduction=reduction)(labels, scores, sample_weight=weight)
        _close(out, value, reduction)


def test_binary_soft_labels_are_the_loss_on_targets_y_and_1_minus_y():
    # The spelling's note: a soft label y is the two-class target [y, 1 - y] (optax reads any
    # nonzero label as 1; for 0/1 labels the two agree).
    rng = np.random.default_rng(5)
    y, z = rng.uniform(size=(3, 4)), 2.0 * rng.normal(size=(3, 4))
    two_class = al.sparsemax(np.stack([y, 1 - y], -1), np.stack([z, np.zeros_like(z)], -1))
    _close(al.sparsemax(y, z, binary=True), two_class)


def test_binary_optax_sparsemax_loss_is_the_loss_on_scores_z_and_0():
    rng = np.random.default_rng(4)
    z = 2.0 * rng.normal(size=12)
    z[:3] = [-1.0, 1.0, 0.0]  # the kinks of sparse_plus
    y = rng.integers(0, 2, 12)
    expected = optax.losses.sparsemax_loss(jnp.asarray(z), jnp.asarray(y))
    scores = np.stack([z, np.zeros_like(z)], 1)
    targets = np.stack([y, 1 - y], 1).astype(float)
    _close(al.sparsemax(targets, scores), expected)


@pytest.mark.parametrize("lib", LIBS)
def test_function_equals_tfa_sparsemax_loss(lib):
    # Every case in one batch (the function is per sample): one call, one JAX compile.
    y_true = np.concatenate([case["y_true"] for case in TFA_CASES])
    y_pred = np.concatenate([case["y_pred"] for case in TFA_CASES])
    value, grad = _value_and_grad(lib, al.sparsemax, y_true, y_pred)
    _close(value, np.concatenate([case["function"]["values"] for case in TFA_CASES]))
    if grad is not None:
        _close(grad, np.concatenate([case["function"]["grad"] for case in TFA_CASES]), "grad")


@pytest.mark.parametrize("case", TFA_CASES, ids=lambda c: c["name"])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_class_and_spelling_equal_tfa_sparsemax_loss(case, lib):
    y_true, y_pred = np.asarray(case["y_true"]), np.asarray(case["y_pred"])
    weights = None if case["sample_weight"] is None else np.asarray(case["sample_weight"])
    b = Backend.load(lib)
    kwargs = {} if weights is None else {"sample_weight": b.asarray(weights)}
    for reduction, expected in case["class"].items():
        loss = al.Sparsemax(reduction=TFA_REDUCTIONS[reduction])
        value, grad = _value_and_grad(lib, lambda t, p, loss=loss: loss(t, p, **kwargs),
                                      y_true, y_pred)
        _close(value, expected["value"], reduction)
        if grad is not None:
            _close(grad, expected["grad"], f"{reduction} gradient")
        # The spelling, by keywords and by config: TF Addons' numbers.
        config = {"from_logits": True, "reduction": reduction}
        for spelled in (al.get("tfa.losses.SparsemaxLoss", **config),
                        al.get({"class_name": "tfa.losses.SparsemaxLoss", "config": config})):
            out = spelled(b.asarray(y_true), b.asarray(y_pred), **kwargs)
            _close(b.to_numpy(out), expected["value"], f"spelling, {reduction}")


def test_tfa_spelling_refuses_probabilities():
    with pytest.raises(ValueError, match=r"from_logits=False.*True"):
        al.get("tfa.losses.SparsemaxLoss", from_logits=False)


def test_jit_lazy_dask_and_torch_compile():
    labels, scores = _inputs()
    one_hot = np.eye(5)[labels]
    expected = optax.losses.multiclass_sparsemax_loss(jnp.asarray(scores), jnp.asarray(labels))
    _close(jax.jit(al.sparsemax)(jnp.asarray(one_hot), jnp.asarray(scores)), expected, "jit")
    da = pytest.importorskip("dask.array")
    lazy = al.sparsemax(da.from_array(one_hot, chunks=(8, 3)), da.from_array(scores, chunks=(8, 3)))
    assert isinstance(lazy, da.Array)
    _close(lazy.compute(), expected, "dask")
    loss = al.Sparsemax(reduction="none")
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    x = torch.from_numpy(scores).requires_grad_(True)
    out = compiled(torch.from_numpy(one_hot), x)
    (grad,) = torch.autograd.grad(out.sum(), x)
    _close(out.detach().numpy(), expected, "torch.compile")
    expected_grad = jax.grad(lambda s: jnp.sum(optax.losses.multiclass_sparsemax_loss(
        s, jnp.asarray(labels))))(jnp.asarray(scores))
    _close(grad.numpy(), expected_grad, "torch.compile gradient")
