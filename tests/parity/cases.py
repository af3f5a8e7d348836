"""The parity case table: every built-in loss with representative arguments, valid random
inputs, and the reference each case is checked against.

The reference is Keras 3.15.1 (numpy backend, float32) called with the same arguments, except
where a case says otherwise:

- D1 (``docs/keras-differences.md``): Keras 3.15.1 ``tversky`` applies ``alpha`` to false negatives,
  so the reference is Keras called with ``alpha`` and ``beta`` swapped (``test_keras_decisions``
  also checks the documented formula written out in NumPy).
- D2: with ``label_smoothing`` and ``axis != -1`` Keras 3.15.1 counts classes on ``y_true``'s
  last axis; those cases use the NumPy formulas below, which count ``y_pred.shape[axis]``.
- Keras 3.15.1's numpy backend rejects sparse CE with ``axis != -1`` (its shape check assumes
  the last axis), so those cases call Keras on ``y_pred`` with the class axis moved last, which
  is what ``axis`` means. Likewise cosine similarity with ``axis=0``: on NumPy arrays Keras'
  ``normalize`` reads ``axis or -1`` and normalises the wrong axis (silently wrong numbers on
  square inputs). And GCE with ``(batch, 1)`` labels, which Keras broadcasts to
  ``(batch, batch)``: the reference is Keras on the ``(batch,)`` labels.

Inputs are small, valid for their loss (probabilities that sum to 1, one-hot or 0/1 labels,
positive targets, unit-norm embeddings, feasible CTC alignments) and kept away from kinks and
clip edges (hinge margins, ``|e| = delta``, MAE at 0, probabilities near eps), so the same
inputs serve the finite-difference gradient checks.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

import anyloss as al
from tests.helpers import Backend

Inputs = dict[str, np.ndarray]
#: Keys of ``Inputs`` that are not ``y_true``/``y_pred`` are array keyword arguments.
POSITIONAL = ("y_true", "y_pred")
SEEDS = (0, 1, 2)
EPS = 1e-7  # keras.config.epsilon()


@dataclass(frozen=True)
class Case:
    """One loss with one set of keyword arguments and an input generator."""

    loss: str
    name: str
    make: Callable[[np.random.Generator], Inputs]
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: Keyword arguments for Keras when they differ (D1); default: ``kwargs``.
    keras_kwargs: dict[str, Any] | None = None
    #: A NumPy reference ``fn(inputs, kwargs)`` replacing Keras (D2, axis fix-ups).
    reference: Callable[[Inputs, dict[str, Any]], np.ndarray] | None = None

    @property
    def id(self) -> str:
        return f"{self.loss}-{self.name}"


# ------------------------------------------------------------------------------ generators

def _f32(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _push_from(x: np.ndarray, kinks: tuple[float, ...], margin: float) -> np.ndarray:
    """``x`` with every value closer than ``margin`` to a kink moved ``margin`` away from it."""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < margin
        side = np.where(x >= k, 1.0, -1.0)
        x = np.where(near, k + side * margin, x)
    return x


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _probs(rng: np.random.Generator, shape: tuple[int, ...], axis: int = -1) -> np.ndarray:
    return _f32(_softmax(1.5 * rng.standard_normal(shape), axis))


def _onehot(rng: np.random.Generator, shape: tuple[int, ...], axis: int = -1) -> np.ndarray:
    classes = shape[axis]
    labels = rng.integers(0, classes, size=shape[:axis % len(shape)] +
                          shape[axis % len(shape) + 1:])
    return _f32(np.moveaxis(np.eye(classes)[labels], -1, axis))


def _binary(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return _f32(rng.integers(0, 2, size=shape))


def _regression(rng: np.random.Generator, shape: tuple[int, ...] = (4, 5), *,
                kinks: tuple[float, ...] = (), margin: float = 0.05,
                y_true: np.ndarray | None = None) -> Inputs:
    """``y_true`` normal, ``y_pred = y_true + e`` with the error ``e`` away from ``kinks``."""
    t = 1.5 * rng.standard_normal(shape) if y_true is None else y_true
    e = _push_from(1.2 * rng.standard_normal(shape), kinks, margin)
    return {"y_true": _f32(t), "y_pred": _f32(t + e)}


def _mape_inputs(rng: np.random.Generator, zero_targets: bool = False) -> Inputs:
    sign = np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0)
    t = sign * rng.uniform(0.5, 2.0, (4, 5))
    if zero_targets:
        t[:, 0] = 0.0  # clipped to eps: a huge, finite percentage (Keras)
    return _regression(rng, kinks=(0.0,), y_true=t)


def _msle_inputs(rng: np.random.Generator, negative: bool = False) -> Inputs:
    t = rng.uniform(0.0, 3.0, (4, 5))
    p = _push_from(rng.standard_normal((4, 5)), (0.0,), 0.05) if negative else rng.uniform(
        0.1, 3.0, (4, 5))
    return {"y_true": _f32(t), "y_pred": _f32(p)}


def _poisson_inputs(rng: np.random.Generator) -> Inputs:
    return {"y_true": _f32(rng.integers(0, 5, (4, 5))), "y_pred": _f32(rng.uniform(0.2, 4, (4, 5)))}


def _normal_pair(shape: tuple[int, ...]) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        return {"y_true": _f32(rng.standard_normal(shape)),
                "y_pred": _f32(rng.standard_normal(shape))}
    return make


def _kl_inputs(rng: np.random.Generator, one_hot: bool = False) -> Inputs:
    t = _onehot(rng, (4, 5)) if one_hot else _probs(rng, (4, 5))
    return {"y_true": t, "y_pred": _probs(rng, (4, 5))}


def bce_inputs(shape: tuple[int, ...] = (4, 5), *, logits: bool = False,
                soft: bool = False) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        t = _f32(rng.uniform(0, 1, shape)) if soft else _binary(rng, shape)
        p = 2.0 * rng.standard_normal(shape) if logits else rng.uniform(0.05, 0.95, shape)
        return {"y_true": t, "y_pred": _f32(p)}
    return make


def _ce_inputs(shape: tuple[int, ...] = (4, 5), axis: int = -1, *, logits: bool = False,
               soft: bool = False, unnormalised: bool = False,
               ) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        t = _probs(rng, shape, axis) if soft else _onehot(rng, shape, axis)
        if logits:
            p = _f32(2.0 * rng.standard_normal(shape))
        elif unnormalised:  # Keras renormalises probabilities that do not sum to 1
            p = _f32(rng.uniform(0.1, 2.0, shape))
        else:
            p = _probs(rng, shape, axis)
        return {"y_true": t, "y_pred": p}
    return make


def sparse_inputs(shape: tuple[int, ...] = (4, 5), axis: int = -1, *, logits: bool = False,
                   ignore: int | None = None, column: bool = False,
                   ) -> Callable[[np.random.Generator], Inputs]:
    """Integer labels with ``y_pred``'s shape minus the class ``axis``; ``ignore`` is planted
    in two entries."""
    def make(rng: np.random.Generator) -> Inputs:
        a = axis % len(shape)
        classes = shape[a]
        labels = rng.integers(0, classes, size=shape[:a] + shape[a + 1:])
        if ignore is not None:
            flat = labels.reshape(-1)
            flat[rng.choice(flat.size, 2, replace=False)] = ignore
        p = _f32(2.0 * rng.standard_normal(shape)) if logits else _probs(rng, shape, axis)
        return {"y_true": labels[..., None] if column else labels, "y_pred": p}
    return make


def _gce_inputs(rng: np.random.Generator, column: bool = False) -> Inputs:
    labels = rng.integers(0, 5, 4)
    return {"y_true": labels[:, None] if column else labels, "y_pred": _probs(rng, (4, 5))}


def _signed_hinge_inputs(shape: tuple[int, ...] = (4, 5), *, zero_one: bool = False,
                         ) -> Callable[[np.random.Generator], Inputs]:
    """Labels -1/1 (or 0/1) and predictions with the margin ``y * p`` away from 1."""
    def make(rng: np.random.Generator) -> Inputs:
        signed = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        z = _push_from(1.5 * rng.standard_normal(shape) + 0.5, (1.0,), 0.1)
        labels = (signed + 1.0) / 2.0 if zero_one else signed
        return {"y_true": _f32(labels), "y_pred": _f32(z / signed)}
    return make


def _categorical_hinge_inputs(rng: np.random.Generator) -> Inputs:
    """One-hot labels; the other classes' scores are distinct and away from 0 (the max over
    ``(1 - y) * p`` has no ties) and ``neg - pos + 1`` is away from 0."""
    batch, classes = 4, 5
    t = _onehot(rng, (batch, classes))
    p = np.zeros((batch, classes))
    for i in range(batch):
        others = rng.permutation(np.array([-1.7, -0.6, 0.5, 1.6])) + rng.uniform(-0.2, 0.2)
        true = int(np.argmax(t[i]))
        p[i, [c for c in range(classes) if c != true]] = others
        neg = max(0.0, others.max())
        z = _push_from(np.array(rng.normal(0.0, 1.0)), (0.0,), 0.1)  # z = neg - pos + 1
        p[i, true] = neg + 1.0 - z
    return {"y_true": t, "y_pred": _f32(p)}


def _segmentation_inputs(shape: tuple[int, ...] = (3, 4, 2),
                         ) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        return {"y_true": _binary(rng, shape), "y_pred": _f32(rng.uniform(0.05, 0.95, shape))}
    return make


def _ctc_inputs(lengths: tuple[int, ...], *, batch_time: int = 6, classes: int = 5,
                max_len: int = 4) -> Callable[[np.random.Generator], Inputs]:
    """0-padded labels in ``1..classes-1`` with the given lengths per row (the first row with
    two or more starts with a repeated label), logits of shape ``(batch, time, classes)``;
    every alignment is feasible."""
    def make(rng: np.random.Generator) -> Inputs:
        labels = np.zeros((len(lengths), max_len), dtype=np.int64)
        first_long = next(row for row, n in enumerate(lengths) if n >= 2)
        for row, n in enumerate(lengths):
            for i in range(n):
                if row == first_long and i == 1:  # a repeat needs a blank between the two
                    labels[row, i] = labels[row, 0]
                else:  # no other repeats, so every alignment fits in `batch_time` frames
                    labels[row, i] = rng.choice([c for c in range(1, classes)
                                                 if i == 0 or c != labels[row, i - 1]])
            repeats = int(np.sum(labels[row, 1:n] == labels[row, :n - 1])) if n else 0
            assert n + repeats <= batch_time
        logits = _f32(1.5 * rng.standard_normal((len(lengths), batch_time, classes)))
        return {"y_true": labels, "y_pred": logits}
    return make


def _unit_rows(x: np.ndarray, norm: float = 1.0) -> np.ndarray:
    return _f32(norm * x / np.linalg.norm(x, axis=1, keepdims=True))


def _circle_inputs(*, refs: bool = False, norm: float = 1.0,
                   ) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        out = {"y_true": rng.integers(0, 3, 6),
               "y_pred": _unit_rows(rng.standard_normal((6, 4)), norm)}
        if refs:
            out["ref_labels"] = rng.integers(0, 3, 6)
            out["ref_embeddings"] = _unit_rows(rng.standard_normal((6, 4)), norm)
        return out
    return make


# ------------------------------------------------------------------- independent references

def _log_probabilities(p: np.ndarray, from_logits: bool, axis: int) -> np.ndarray:
    if from_logits:
        m = p.max(axis=axis, keepdims=True)
        return p - m - np.log(np.exp(p - m).sum(axis=axis, keepdims=True))
    q = p / p.sum(axis=axis, keepdims=True)
    return np.log(np.clip(q, EPS, 1 - EPS))


def ce_formula(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """Categorical CE written out; label smoothing counts ``y_pred.shape[axis]`` classes (D2)."""
    y, p = np.float64(inputs["y_true"]), np.float64(inputs["y_pred"])
    axis, ls = kwargs.get("axis", -1), kwargs.get("label_smoothing", 0.0)
    y = y * (1 - ls) + ls / p.shape[axis]
    return -(y * _log_probabilities(p, kwargs.get("from_logits", False), axis)).sum(axis=axis)


def focal_formula(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """Categorical focal CE written out (Lin et al. 2017, Keras' form), D2 class count."""
    y, p = np.float64(inputs["y_true"]), np.float64(inputs["y_pred"])
    axis, ls = kwargs.get("axis", -1), kwargs.get("label_smoothing", 0.0)
    alpha, gamma = kwargs.get("alpha", 0.25), kwargs.get("gamma", 2.0)
    y = y * (1 - ls) + ls / p.shape[axis]
    q = np.exp(_log_probabilities(p, kwargs.get("from_logits", False), axis))
    q = np.clip(q / q.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - q) ** gamma * -y * np.log(q)).sum(axis=axis)


def keras_sparse_class_axis_last(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """Keras' sparse CE with the class ``axis`` moved last (its numpy backend needs that)."""
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis")
    y_pred = np.moveaxis(inputs["y_pred"], axis, -1)
    return np.asarray(keras.losses.sparse_categorical_crossentropy(
        inputs["y_true"], y_pred, axis=-1, **kwargs))


def keras_cosine_axis_last(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """Keras' cosine similarity with ``axis`` moved last: on NumPy arrays Keras 3.15.1's
    ``normalize`` turns ``axis=0`` into ``-1`` (``axis or -1`` in ``numerical_utils``)."""
    axis = kwargs["axis"]
    y_true, y_pred = (np.moveaxis(inputs[k], axis, -1) for k in POSITIONAL)
    return np.asarray(keras.losses.cosine_similarity(y_true, y_pred, axis=-1))


def keras_gce_labels_squeezed(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """Keras' GCE on ``(batch,)`` labels: given ``(batch, 1)`` labels Keras 3.15.1 one-hots them
    to ``(batch, 1, classes)`` and broadcasts against ``y_pred`` to a ``(batch, batch)``
    result; anyloss squeezes the column, as its sparse cross-entropy does."""
    return np.asarray(keras.losses.categorical_generalized_cross_entropy(
        inputs["y_true"][:, 0], inputs["y_pred"], **kwargs))


def tversky_formula(inputs: Inputs, kwargs: dict[str, Any]) -> np.ndarray:
    """The documented Tversky loss: ``1 - TP / (TP + alpha FP + beta FN + eps)`` (D1)."""
    y, p = np.float64(inputs["y_true"]), np.float64(inputs["y_pred"])
    axis = kwargs.get("axis")
    axis = tuple(axis) if isinstance(axis, list) else axis
    tp = (p * y).sum(axis=axis)
    fp = (p * (1 - y)).sum(axis=axis)
    fn = ((1 - p) * y).sum(axis=axis)
    return 1 - tp / (tp + kwargs.get("alpha", 0.5) * fp + kwargs.get("beta", 0.5) * fn + EPS)


# ----------------------------------------------------------------------------- the table
# Few distinct shapes ((4, 5), (3, 2, 4), (3, 4, 2)): eager JAX compiles every op once per
# shape and dtype, which is most of this directory's run time.

CASES: list[Case] = [
    # Regression
    Case("mean_squared_error", "2d", _regression),
    Case("mean_squared_error", "3d", lambda r: _regression(r, (3, 2, 4))),
    Case("mean_squared_error", "labels_rank1_pred_column",
         lambda r: {"y_true": _f32(r.standard_normal(4)),
                    "y_pred": _f32(r.standard_normal((4, 1)))}),
    Case("mean_absolute_error", "2d", lambda r: _regression(r, kinks=(0.0,))),
    Case("mean_absolute_error", "3d", lambda r: _regression(r, (3, 2, 4), kinks=(0.0,))),
    Case("mean_absolute_percentage_error", "2d", _mape_inputs),
    Case("mean_absolute_percentage_error", "zero_targets", lambda r: _mape_inputs(r, True)),
    Case("mean_squared_logarithmic_error", "positive", _msle_inputs),
    Case("mean_squared_logarithmic_error", "negative_pred_clipped",
         lambda r: _msle_inputs(r, True)),
    Case("huber", "delta_default", lambda r: _regression(r, kinks=(-1.0, 1.0))),
    Case("huber", "delta_0.5", lambda r: _regression(r, kinks=(-0.5, 0.5)), {"delta": 0.5}),
    Case("huber", "delta_2_3d", lambda r: _regression(r, (3, 2, 4), kinks=(-2.0, 2.0)),
         {"delta": 2.0}),
    Case("log_cosh", "2d", _regression),
    Case("log_cosh", "large_errors", lambda r: {"y_true": _f32(r.standard_normal((4, 5))),
                                                "y_pred": _f32(30 * r.standard_normal((4, 5)))}),
    Case("poisson", "counts", _poisson_inputs),
    Case("cosine_similarity", "axis_last", _normal_pair((4, 5))),
    Case("cosine_similarity", "axis_1_3d", _normal_pair((3, 4, 2)), {"axis": 1}),
    Case("cosine_similarity", "axis_0", _normal_pair((4, 5)), {"axis": 0},
         reference=keras_cosine_axis_last),
    # Probabilistic
    Case("kl_divergence", "probs", _kl_inputs),
    Case("kl_divergence", "one_hot_targets", lambda r: _kl_inputs(r, True)),
    Case("binary_crossentropy", "probs", bce_inputs()),
    Case("binary_crossentropy", "logits", bce_inputs(logits=True), {"from_logits": True}),
    Case("binary_crossentropy", "smoothing_0.2", bce_inputs(), {"label_smoothing": 0.2}),
    Case("binary_crossentropy", "logits_smoothing_soft_labels",
         bce_inputs(logits=True, soft=True), {"from_logits": True, "label_smoothing": 0.1}),
    Case("binary_crossentropy", "axis_1_3d", bce_inputs((3, 4, 2)), {"axis": 1}),
    Case("binary_crossentropy", "axis_tuple_3d", bce_inputs((3, 4, 2), logits=True),
         {"axis": (1, 2), "from_logits": True}),
    Case("binary_focal_crossentropy", "defaults", bce_inputs()),
    Case("binary_focal_crossentropy", "balanced_alpha_gamma", bce_inputs(),
         {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5}),
    Case("binary_focal_crossentropy", "logits_smoothing", bce_inputs(logits=True),
         {"from_logits": True, "label_smoothing": 0.1, "apply_class_balancing": True}),
    Case("binary_focal_crossentropy", "gamma_0", bce_inputs(), {"gamma": 0.0}),
    Case("binary_focal_crossentropy", "axis_1_3d", bce_inputs((3, 4, 2)), {"axis": 1}),
    Case("categorical_crossentropy", "probs", _ce_inputs()),
    Case("categorical_crossentropy", "unnormalised_probs", _ce_inputs(unnormalised=True)),
    Case("categorical_crossentropy", "logits", _ce_inputs(logits=True), {"from_logits": True}),
    Case("categorical_crossentropy", "smoothing_0.1", _ce_inputs(), {"label_smoothing": 0.1}),
    Case("categorical_crossentropy", "logits_smoothing_soft_targets",
         _ce_inputs(logits=True, soft=True), {"from_logits": True, "label_smoothing": 0.2}),
    Case("categorical_crossentropy", "axis_1_3d", _ce_inputs((3, 4, 2), axis=1),
         {"axis": 1}),
    Case("categorical_crossentropy", "axis_1_3d_logits_smoothing_D2",
         _ce_inputs((3, 4, 2), axis=1, logits=True),
         {"axis": 1, "from_logits": True, "label_smoothing": 0.1}, reference=ce_formula),
    Case("categorical_focal_crossentropy", "defaults", _ce_inputs()),
    Case("categorical_focal_crossentropy", "alpha_per_class", _ce_inputs(),
         {"alpha": [0.1, 0.2, 0.3, 0.4, 0.5], "gamma": 1.0}),
    Case("categorical_focal_crossentropy", "logits_gamma_smoothing", _ce_inputs(logits=True),
         {"from_logits": True, "gamma": 0.5, "alpha": 0.5, "label_smoothing": 0.1}),
    Case("categorical_focal_crossentropy", "axis_1_3d", _ce_inputs((3, 4, 2), axis=1),
         {"axis": 1}),
    Case("categorical_focal_crossentropy", "axis_1_3d_smoothing_D2",
         _ce_inputs((3, 4, 2), axis=1), {"axis": 1, "label_smoothing": 0.2},
         reference=focal_formula),
    Case("sparse_categorical_crossentropy", "probs", sparse_inputs()),
    Case("sparse_categorical_crossentropy", "logits", sparse_inputs(logits=True),
         {"from_logits": True}),
    Case("sparse_categorical_crossentropy", "labels_column", sparse_inputs(column=True)),
    Case("sparse_categorical_crossentropy", "ignore_class_-1", sparse_inputs(ignore=-1),
         {"ignore_class": -1}),
    Case("sparse_categorical_crossentropy", "ignore_class_2_logits_3d",
         sparse_inputs((3, 2, 4), logits=True, ignore=2),
         {"ignore_class": 2, "from_logits": True}),
    Case("sparse_categorical_crossentropy", "axis_1_3d_logits",
         sparse_inputs((3, 4, 2), axis=1, logits=True), {"axis": 1, "from_logits": True},
         reference=keras_sparse_class_axis_last),
    Case("categorical_generalized_cross_entropy", "q_default", _gce_inputs,
         keras_kwargs={"q": 0.5}),
    Case("categorical_generalized_cross_entropy", "q_0.2", _gce_inputs, {"q": 0.2}),
    Case("categorical_generalized_cross_entropy", "q_0.9", _gce_inputs, {"q": 0.9}),
    Case("categorical_generalized_cross_entropy", "labels_column", lambda r: _gce_inputs(r, True),
         {"q": 0.5}, reference=keras_gce_labels_squeezed),
    # Hinge
    Case("hinge", "signed_labels", _signed_hinge_inputs()),
    Case("hinge", "zero_one_labels_3d", _signed_hinge_inputs((3, 2, 4), zero_one=True)),
    Case("squared_hinge", "signed_labels", _signed_hinge_inputs()),
    Case("squared_hinge", "zero_one_labels", _signed_hinge_inputs(zero_one=True)),
    Case("categorical_hinge", "one_hot", _categorical_hinge_inputs),
    # Segmentation
    Case("dice", "axis_none", _segmentation_inputs()),
    Case("dice", "axis_1_2", _segmentation_inputs(), {"axis": (1, 2)}),
    Case("dice", "axis_last_2d", _segmentation_inputs((4, 5)), {"axis": -1}),
    Case("tversky", "defaults", _segmentation_inputs()),
    Case("tversky", "alpha_0.3_beta_0.7_D1", _segmentation_inputs(),
         {"alpha": 0.3, "beta": 0.7}, keras_kwargs={"alpha": 0.7, "beta": 0.3}),
    Case("tversky", "alpha_0.8_beta_0.2_axis_1_2_D1", _segmentation_inputs(),
         {"alpha": 0.8, "beta": 0.2, "axis": (1, 2)},
         keras_kwargs={"alpha": 0.2, "beta": 0.8, "axis": (1, 2)}),
    # Sequence
    # One shape for every CTC case: JAX compiles each eager op once per shape.
    Case("ctc", "lengths_4_2_3", _ctc_inputs((4, 2, 3))),
    Case("ctc", "lengths_1_4_1", _ctc_inputs((1, 4, 1))),
    Case("ctc", "empty_label_row", _ctc_inputs((2, 0, 3))),
    # Metric learning
    Case("circle", "defaults", _circle_inputs()),
    Case("circle", "gamma_10_margin_0.25", _circle_inputs(), {"gamma": 10.0, "margin": 0.25}),
    Case("circle", "keep_diagonal_norm_0.9", _circle_inputs(norm=0.9),
         {"remove_diagonal": False, "gamma": 20.0}),
    Case("circle", "ref_labels_embeddings", _circle_inputs(refs=True),
         {"remove_diagonal": False, "gamma": 30.0, "margin": 0.3}),
]

CASES_BY_ID = {case.id: case for case in CASES}
assert len(CASES_BY_ID) == len(CASES), "duplicate case ids"


# ------------------------------------------------------------------------- cached values

@functools.cache
def _inputs(case_id: str, seed: int) -> Inputs:
    rng = np.random.default_rng([seed, zlib.crc32(case_id.encode())])
    return CASES_BY_ID[case_id].make(rng)


def inputs_for(case: Case, seed: int) -> Inputs:
    """The case's inputs for ``seed`` (fresh copies: tests may hand them to any library)."""
    return {k: np.array(v) for k, v in _inputs(case.id, seed).items()}


def keras_call(case: Case, inputs: Inputs) -> np.ndarray:
    kwargs = case.kwargs if case.keras_kwargs is None else case.keras_kwargs
    arrays = {k: v for k, v in inputs.items() if k not in POSITIONAL}
    fn = getattr(keras.losses, case.loss)
    with np.errstate(invalid="ignore"):  # Keras' ignore_class divides zeroed rows by 0
        return np.asarray(fn(inputs["y_true"], inputs["y_pred"], **arrays, **kwargs))


@functools.cache
def _reference(case_id: str, seed: int) -> np.ndarray:
    case = CASES_BY_ID[case_id]
    inputs = inputs_for(case, seed)
    if case.reference is not None:
        return np.asarray(case.reference(inputs, case.kwargs))
    return keras_call(case, inputs)


def reference_for(case: Case, seed: int) -> np.ndarray:
    """Keras 3.15.1's per-sample values for the case (or the case's NumPy reference)."""
    return _reference(case.id, seed)


def call_anyloss(case: Case, inputs: Inputs, backend: Backend, dtype: str | None = None) -> Any:
    """``anyloss.<loss>`` through the public API, every array on ``backend``; floats as
    ``dtype`` when given."""
    fn = al.losses.FUNCTIONS[case.loss]
    arrays = {k: backend.asarray(v, dtype if v.dtype.kind == "f" else None)
              for k, v in inputs.items()}
    return fn(arrays.pop("y_true"), arrays.pop("y_pred"), **arrays, **case.kwargs)


def is_library_array(x: Any, backend: Backend) -> bool:
    """True when ``x`` is an array of ``backend``'s own library (not NumPy behind its back)."""
    if backend.name == "torch":
        import torch

        return isinstance(x, torch.Tensor)
    if backend.name == "jax":
        import jax

        return isinstance(x, jax.Array)
    if backend.name == "dask":
        import dask.array

        return isinstance(x, dask.array.Array)
    if backend.name == "tensorflow":
        import tensorflow as tf

        return isinstance(x, tf.Tensor)
    # A full reduction on NumPy gives a NumPy scalar (np.float32), as NumPy itself does.
    return isinstance(x, (np.ndarray, np.generic))


def params(cases: list[Case] | None = None, seeds: tuple[int, ...] = SEEDS) -> list[Any]:
    """``pytest.param(case, seed)`` with ids ``<loss>-<case>-s<seed>``."""
    import pytest

    return [pytest.param(c, s, id=f"{c.id}-s{s}") for c in (cases or CASES) for s in seeds]


# ---------------------------------------------------------------------------- the classes

@dataclass(frozen=True)
class ClassCase:
    """A built-in ``Loss`` class with constructor arguments, fed the inputs of a function case
    (all of them give per-sample losses of shape ``(batch,)``)."""

    cls: str
    inputs: str  # id of the function case whose inputs it uses
    kwargs: dict[str, Any] = field(default_factory=dict)
    keras_kwargs: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.cls}-{self.inputs.split('-', 1)[1]}"

    @property
    def case(self) -> Case:
        return CASES_BY_ID[self.inputs]


CLASS_CASES: list[ClassCase] = [
    ClassCase("MeanSquaredError", "mean_squared_error-2d"),
    ClassCase("MeanAbsoluteError", "mean_absolute_error-2d"),
    ClassCase("MeanAbsolutePercentageError", "mean_absolute_percentage_error-2d"),
    ClassCase("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error-positive"),
    ClassCase("Huber", "huber-delta_0.5", {"delta": 0.5}),
    ClassCase("LogCosh", "log_cosh-2d"),
    ClassCase("Poisson", "poisson-counts"),
    ClassCase("CosineSimilarity", "cosine_similarity-axis_last", {"axis": 1}),
    ClassCase("KLDivergence", "kl_divergence-probs"),
    ClassCase("BinaryCrossentropy", "binary_crossentropy-logits_smoothing_soft_labels",
              {"from_logits": True, "label_smoothing": 0.1}),
    ClassCase("BinaryFocalCrossentropy", "binary_focal_crossentropy-balanced_alpha_gamma",
              {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5}),
    ClassCase("CategoricalCrossentropy",
              "categorical_crossentropy-logits_smoothing_soft_targets",
              {"from_logits": True, "label_smoothing": 0.2}),
    ClassCase("CategoricalFocalCrossentropy", "categorical_focal_crossentropy-alpha_per_class",
              {"alpha": [0.1, 0.2, 0.3, 0.4, 0.5], "gamma": 1.0}),
    ClassCase("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy-logits",
              {"from_logits": True}),
    # Masked: ignored entries leave the sum and the sum_over_batch_size count (Keras).
    ClassCase("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy-ignore_class_-1",
              {"ignore_class": -1}),
    ClassCase("CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy-q_0.2",
              {"q": 0.2}),
    ClassCase("Hinge", "hinge-signed_labels"),
    ClassCase("SquaredHinge", "squared_hinge-zero_one_labels"),
    ClassCase("CategoricalHinge", "categorical_hinge-one_hot"),
    ClassCase("Dice", "dice-axis_1_2", {"axis": (1, 2)}),
    ClassCase("Tversky", "tversky-alpha_0.8_beta_0.2_axis_1_2_D1",
              {"alpha": 0.8, "beta": 0.2, "axis": (1, 2)},
              keras_kwargs={"alpha": 0.2, "beta": 0.8, "axis": (1, 2)}),  # D1
    ClassCase("CTC", "ctc-lengths_4_2_3"),
    # Masked: rows with a zero loss leave the mean (Keras sets the mask `loss > 0`).
    ClassCase("Circle", "circle-defaults"),
    ClassCase("Circle", "circle-gamma_10_margin_0.25", {"gamma": 10.0, "margin": 0.25}),
]

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def sample_weights(batch: int, seed: int) -> np.ndarray:
    """Per-sample weights in [0.2, 2] with the first and the last sample weighted 0."""
    w = np.random.default_rng([seed, 99]).uniform(0.2, 2.0, batch)
    w[0] = w[-1] = 0.0
    return _f32(w)


def class_inputs(case: ClassCase, seed: int, weighted: bool) -> tuple[Inputs, np.ndarray | None]:
    inputs = inputs_for(case.case, seed)
    w = sample_weights(len(inputs["y_pred"]), seed) if weighted else None
    return inputs, w


@functools.cache
def _class_reference(case_id: str, reduction: str, seed: int, weighted: bool) -> np.ndarray:
    case = CLASS_CASES_BY_ID[case_id]
    inputs, w = class_inputs(case, seed, weighted)
    kwargs = case.kwargs if case.keras_kwargs is None else case.keras_kwargs
    loss = getattr(keras.losses, case.cls)(reduction=reduction, **kwargs)
    with np.errstate(invalid="ignore"):  # Keras' ignore_class divides zeroed rows by 0
        return np.asarray(loss(inputs["y_true"], inputs["y_pred"], sample_weight=w))


def class_reference_for(case: ClassCase, reduction: str, seed: int,
                        weighted: bool) -> np.ndarray:
    """The Keras 3.15.1 class with the same constructor arguments, reduced."""
    return _class_reference(case.id, reduction, seed, weighted)


def call_anyloss_class(case: ClassCase, inputs: Inputs, backend: Backend,
                       reduction: str = "sum_over_batch_size", weights: Any = None,
                       dtype: str | None = None) -> Any:
    """``anyloss.<Class>(reduction=..., **kwargs)(y_true, y_pred, sample_weight)`` on
    ``backend``."""
    loss = al.losses.CLASSES[case.cls](reduction=reduction, **case.kwargs)
    arrays = {k: backend.asarray(v, dtype if v.dtype.kind == "f" else None)
              for k, v in inputs.items()}
    if isinstance(weights, np.ndarray):
        weights = backend.asarray(weights, dtype)
    return loss(arrays["y_true"], arrays["y_pred"], sample_weight=weights)


CLASS_CASES_BY_ID = {case.id: case for case in CLASS_CASES}
assert len(CLASS_CASES_BY_ID) == len(CLASS_CASES), "duplicate class case ids"
