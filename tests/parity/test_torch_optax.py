"""Cross-checks with torch.nn.functional and optax where their math is anyloss' (Keras') math.

Values and gradients w.r.t. ``y_pred`` (of ``sum(c * loss)`` with a fixed random ``c``) are
compared in float64 on the reference's own library (JAX ones under ``jax.jit``, compiled once
per function; eager JAX gradients are covered in ``test_gradients``). Constant differences,
where any, are stated at the entry; inputs are those of ``cases.py`` (seed 0), away from every
clip edge, so eps never matters unless said.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend
from tests.parity.cases import CASES_BY_ID, Inputs, bce_inputs, inputs_for, sparse_inputs

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")
optax = pytest.importorskip("optax")
jnp = pytest.importorskip("jax.numpy")


def _smooth_labels_axis_1(t: Any) -> Any:
    import inspect

    import optax

    if "axis" not in inspect.signature(optax.smooth_labels).parameters:
        # optax < 0.2.7 (the newest for jax < 0.5.3, so at the floors) smooths the last axis only
        pytest.skip("optax.smooth_labels has no axis argument before optax 0.2.7")
    return optax.smooth_labels(t, 0.1, axis=1)


@dataclass(frozen=True)
class Cross:
    """``ours(y_true, y_pred)`` and ``theirs(y_true, y_pred)`` on ``library``, same values."""

    id: str
    library: str  # "torch" or "jax"
    inputs: str | Callable[[np.random.Generator], Inputs]  # a case id, or a generator
    ours: Callable[[Any, Any], Any]
    theirs: Callable[[Any, Any], Any]


def _ctc_lengths(labels: Any) -> Any:
    return (labels != 0).sum(-1)


def _torch_ctc(labels: Any, logits: Any) -> Any:
    # F.ctc_loss takes (time, batch, classes) log-probabilities; every frame counts.
    batch, time, _ = logits.shape
    return F.ctc_loss(F.log_softmax(logits, -1).transpose(0, 1), labels,
                      torch.full((batch,), time, dtype=torch.long), _ctc_lengths(labels),
                      blank=0, reduction="none", zero_infinity=False)


def _optax_ctc(labels: Any, logits: Any) -> Any:
    paddings = jnp.zeros(logits.shape[:2], logits.dtype)
    return optax.ctc_loss(logits, paddings, labels, (labels == 0).astype(logits.dtype),
                          blank_id=0)


def _large_logits(rng: np.random.Generator) -> Inputs:
    """|logits| up to ~40: the stable form is needed (Keras' numpy backend saturates there)."""
    return {"y_true": rng.integers(0, 2, (4, 5)).astype(np.float32),
            "y_pred": (15.0 * rng.standard_normal((4, 5))).astype(np.float32)}


def _optax_sparse_ignoring(ignore: int):
    def theirs(labels: Any, logits: Any) -> Any:
        valid = labels != ignore
        values = optax.softmax_cross_entropy_with_integer_labels(
            logits, jnp.where(valid, labels, 0))
        return jnp.where(valid, values, 0.0)
    return theirs


CROSS = [
    # torch.nn.functional
    Cross("mse-F.mse_loss", "torch", "mean_squared_error-3d",
          al.mean_squared_error, lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1)),
    Cross("mae-F.l1_loss", "torch", "mean_absolute_error-2d",
          al.mean_absolute_error, lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1)),
    Cross("huber_delta_0.5-F.huber_loss", "torch", "huber-delta_0.5",
          lambda t, p: al.huber(t, p, delta=0.5),
          lambda t, p: F.huber_loss(p, t, reduction="none", delta=0.5).mean(-1)),
    Cross("bce_logits-F.binary_cross_entropy_with_logits", "torch", "binary_crossentropy-logits",
          lambda t, p: al.binary_crossentropy(t, p, from_logits=True),
          lambda t, p: F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1)),
    Cross("bce_large_logits-F.binary_cross_entropy_with_logits", "torch", _large_logits,
          lambda t, p: al.binary_crossentropy(t, p, from_logits=True),
          lambda t, p: F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1)),
    # torch clamps log(p) at -100, anyloss clips p to [1e-7, 1 - 1e-7]: both inactive here.
    Cross("bce_probs-F.binary_cross_entropy", "torch", "binary_crossentropy-probs",
          al.binary_crossentropy,
          lambda t, p: F.binary_cross_entropy(p, t, reduction="none").mean(-1)),
    Cross("ce_logits_smoothing-F.cross_entropy", "torch", "categorical_crossentropy-logits",
          lambda t, p: al.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1),
          lambda t, p: F.cross_entropy(p, t, label_smoothing=0.1, reduction="none")),
    Cross("ce_soft_targets_smoothing-F.cross_entropy", "torch",
          "categorical_crossentropy-logits_smoothing_soft_targets",
          lambda t, p: al.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.2),
          lambda t, p: F.cross_entropy(p, t, label_smoothing=0.2, reduction="none")),
    # torch's class axis is 1 and it counts classes there: the D2 decision, independently.
    Cross("ce_axis_1_3d_smoothing_D2-F.cross_entropy", "torch",
          "categorical_crossentropy-axis_1_3d_logits_smoothing_D2",
          lambda t, p: al.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1,
                                                   axis=1),
          lambda t, p: F.cross_entropy(p, t, label_smoothing=0.1, reduction="none")),
    Cross("sparse_ce_ignore_-1-F.cross_entropy", "torch", sparse_inputs(logits=True, ignore=-1),
          lambda t, p: al.sparse_categorical_crossentropy(t, p, from_logits=True,
                                                          ignore_class=-1),
          lambda t, p: F.cross_entropy(p, t, ignore_index=-1, reduction="none")),
    Cross("sparse_ce_ignore_2_3d-F.cross_entropy", "torch",
          "sparse_categorical_crossentropy-ignore_class_2_logits_3d",
          lambda t, p: al.sparse_categorical_crossentropy(t, p, from_logits=True,
                                                          ignore_class=2),
          lambda t, p: F.cross_entropy(p.permute(0, 2, 1), t, ignore_index=2, reduction="none")),
    Cross("sparse_ce_axis_1-F.cross_entropy", "torch",
          "sparse_categorical_crossentropy-axis_1_3d_logits",
          lambda t, p: al.sparse_categorical_crossentropy(t, p, from_logits=True, axis=1),
          lambda t, p: F.cross_entropy(p, t, reduction="none")),
    # Targets > 0 here, so Keras' clip of y_true to [eps, 1] is inactive.
    Cross("kl-F.kl_div", "torch", "kl_divergence-probs",
          al.kl_divergence, lambda t, p: F.kl_div(p.log(), t, reduction="none").sum(-1)),
    # torch's default eps is 1e-8; Keras' (and anyloss') 1e-7 is passed so the match is exact.
    Cross("poisson-F.poisson_nll_loss", "torch", "poisson-counts",
          al.poisson, lambda t, p: F.poisson_nll_loss(p, t, log_input=False, eps=1e-7,
                                                      reduction="none").mean(-1)),
    Cross("cosine-F.cosine_similarity", "torch", "cosine_similarity-axis_last",
          al.cosine_similarity, lambda t, p: -F.cosine_similarity(t, p, dim=-1)),
    Cross("cosine_axis_1-F.cosine_similarity", "torch", "cosine_similarity-axis_1_3d",
          lambda t, p: al.cosine_similarity(t, p, axis=1),
          lambda t, p: -F.cosine_similarity(t, p, dim=1)),
    *(Cross(f"ctc_{case.split('-', 1)[1]}-F.ctc_loss", "torch", case, al.ctc, _torch_ctc)
      for case in ("ctc-lengths_4_2_3", "ctc-lengths_1_4_1", "ctc-empty_label_row")),
    # optax
    Cross("mse-optax.squared_error", "jax", "mean_squared_error-2d",
          al.mean_squared_error, lambda t, p: optax.squared_error(p, t).mean(-1)),
    Cross("huber_delta_0.5-optax.huber_loss", "jax", "huber-delta_0.5",
          lambda t, p: al.huber(t, p, delta=0.5),
          lambda t, p: optax.huber_loss(p, t, delta=0.5).mean(-1)),
    *(Cross(f"log_cosh_{case.split('-', 1)[1]}-optax.log_cosh", "jax", case,
            al.log_cosh, lambda t, p: optax.log_cosh(p, t).mean(-1))
      for case in ("log_cosh-2d", "log_cosh-large_errors")),
    Cross("bce_logits-optax.sigmoid_binary_cross_entropy", "jax", "binary_crossentropy-logits",
          lambda t, p: al.binary_crossentropy(t, p, from_logits=True),
          lambda t, p: optax.sigmoid_binary_cross_entropy(p, t).mean(-1)),
    Cross("ce_logits_smoothing-optax.softmax_cross_entropy", "jax",
          "categorical_crossentropy-logits",
          lambda t, p: al.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1),
          lambda t, p: optax.softmax_cross_entropy(p, optax.smooth_labels(t, 0.1))),
    Cross("ce_axis_1_3d_smoothing_D2-optax.softmax_cross_entropy", "jax",
          "categorical_crossentropy-axis_1_3d_logits_smoothing_D2",
          lambda t, p: al.categorical_crossentropy(t, p, from_logits=True, label_smoothing=0.1,
                                                   axis=1),
          lambda t, p: optax.softmax_cross_entropy(p, _smooth_labels_axis_1(t), axis=1)),
    Cross("sparse_ce-optax.softmax_cross_entropy_with_integer_labels", "jax",
          "sparse_categorical_crossentropy-logits",
          lambda t, p: al.sparse_categorical_crossentropy(t, p, from_logits=True),
          lambda t, p: optax.softmax_cross_entropy_with_integer_labels(p, t)),
    Cross("sparse_ce_ignore_2_3d-optax.softmax_cross_entropy_with_integer_labels", "jax",
          "sparse_categorical_crossentropy-ignore_class_2_logits_3d",
          lambda t, p: al.sparse_categorical_crossentropy(t, p, from_logits=True,
                                                          ignore_class=2),
          _optax_sparse_ignoring(2)),
    Cross("hinge-optax.hinge_loss", "jax", "hinge-signed_labels",
          al.hinge, lambda t, p: optax.hinge_loss(p, t).mean(-1)),
    # optax's alpha=None is Keras' apply_class_balancing=False; both weigh positives by alpha.
    Cross("binary_focal-optax.sigmoid_focal_loss", "jax", bce_inputs(logits=True),
          lambda t, p: al.binary_focal_crossentropy(t, p, from_logits=True, gamma=2.0),
          lambda t, p: optax.sigmoid_focal_loss(p, t, gamma=2.0).mean(-1)),
    Cross("binary_focal_balanced-optax.sigmoid_focal_loss", "jax", bce_inputs(logits=True),
          lambda t, p: al.binary_focal_crossentropy(t, p, from_logits=True, gamma=1.5,
                                                    apply_class_balancing=True, alpha=0.4),
          lambda t, p: optax.sigmoid_focal_loss(p, t, alpha=0.4, gamma=1.5).mean(-1)),
    *(Cross(f"ctc_{case.split('-', 1)[1]}-optax.ctc_loss", "jax", case, al.ctc, _optax_ctc)
      for case in ("ctc-lengths_4_2_3", "ctc-lengths_1_4_1", "ctc-empty_label_row")),
]


def _float64_inputs(cross: Cross) -> Inputs:
    if isinstance(cross.inputs, str):
        inputs = inputs_for(CASES_BY_ID[cross.inputs], 0)
    else:
        inputs = cross.inputs(np.random.default_rng(0))
    return {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in inputs.items()}


def test_cross_check_ids_are_unique():
    assert len({c.id for c in CROSS}) == len(CROSS)


def _values_and_gradient(fn, backend: Backend, y_true: Any, y_pred: np.ndarray,
                         c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample ``fn(y_true, y_pred)`` and the gradient of ``sum(c * fn)`` w.r.t. ``y_pred``."""
    if backend.name == "jax":
        values, grad = _jax_values_and_gradient(fn)(backend.asarray(y_pred), y_true,
                                                    backend.asarray(c))
        return np.asarray(values), np.asarray(grad)
    values = backend.to_numpy(fn(y_true, backend.asarray(y_pred)))
    _, grad = backend.value_and_grad(lambda x: (backend.asarray(c) * fn(y_true, x)).sum(),
                                     y_pred)
    return values, grad


@functools.cache
def _jax_values_and_gradient(fn):
    """Jitted once per function: eager optax CTC (a ``lax.scan``) recompiles on every call."""
    import jax

    def weighted_sum(y_pred, y_true, c):
        values = fn(y_true, y_pred)
        return (c * values).sum(), values

    grad = jax.grad(weighted_sum, has_aux=True)
    return jax.jit(lambda y_pred, y_true, c: grad(y_pred, y_true, c)[::-1])


@pytest.mark.parametrize("cross", [pytest.param(c, id=c.id) for c in CROSS])
def test_values_and_gradients_match(cross):
    backend = Backend.load(cross.library)
    inputs = _float64_inputs(cross)
    y_true = backend.asarray(inputs["y_true"])
    y_pred = backend.asarray(inputs["y_pred"])
    if backend.name == "jax":  # the shape without running (eager optax CTC compiles a scan)
        import jax

        shape = jax.eval_shape(cross.theirs, y_true, y_pred).shape
    else:
        shape = tuple(cross.theirs(y_true, y_pred).shape)
    c = np.random.default_rng(1).uniform(0.5, 1.5, shape)
    ours, grad_ours = _values_and_gradient(cross.ours, backend, y_true, inputs["y_pred"], c)
    theirs, grad_theirs = _values_and_gradient(cross.theirs, backend, y_true, inputs["y_pred"],
                                               c)
    assert ours.shape == theirs.shape == shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert np.abs(grad_theirs).max() > 0
    np.testing.assert_allclose(grad_ours, grad_theirs, rtol=1e-8, atol=1e-12)


def test_sparse_ce_ignore_class_mean_is_torch_mean_over_valid_entries():
    """Reduced: Keras' SCCE ``ignore_class`` divides by the valid count, as torch's
    ``ignore_index`` with ``reduction="mean"`` does."""
    inputs = sparse_inputs((6, 4), logits=True, ignore=-1)(np.random.default_rng(3))
    labels, logits = torch.from_numpy(inputs["y_true"]), torch.from_numpy(
        inputs["y_pred"].astype(np.float64))
    ours = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, logits)
    theirs = F.cross_entropy(logits, labels, ignore_index=-1)
    assert (labels == -1).sum() == 2
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
