"""Valid-input specs of the margin losses added to ``anyloss.losses.hinge`` (multi_margin,
soft_margin, hinge_embedding, multilabel_margin, multiclass_hinge, perceptron; the Keras hinge
losses are in ``families.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, _reals, signed_labels


@st.composite
def class_scores(draw: Any) -> Inputs:
    """Integer labels, real scores, and the hyperparameters of multi_margin."""
    batch, classes = draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3)))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    scores = draw(hnp.arrays(np.float64, (batch, classes), elements=_reals()))
    kwargs: dict[str, Any] = {"p": draw(st.sampled_from([1, 2])),
                              "margin": draw(st.sampled_from([1.0, 0.5, 0.0]))}
    if draw(st.booleans()):
        kwargs["weight"] = draw(st.lists(st.floats(0.0, 3.0), min_size=classes,
                                         max_size=classes))
    return labels, scores, kwargs


def _multi_margin_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.arange(batch) % 3, rng.normal(size=(batch, 3)), {}


def _multi_margin_extremes() -> dict[str, Inputs]:
    labels = np.array([0, 1, 2])
    big = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 0.0, -1e4]])
    return {
        "scores +-1e4": (labels, big, {}),
        "scores +-1e4, p=2 and class weights": (labels, big, {"p": 2,
                                                              "weight": [0.0, 1.0, 2.0]}),
        "equal scores": (labels, np.zeros((3, 3)), {}),
        "one class": (np.zeros(3, np.int64), np.ones((3, 1)), {}),
    }


@st.composite
def class_scores_with_margin(draw: Any) -> Inputs:
    """Integer labels, real scores and multiclass_hinge's margin (any finite number)."""
    labels, scores, _ = draw(class_scores())
    return labels, scores, {"margin": draw(st.sampled_from([1.0, 0.5, 0.0, -0.5]))}


def _multiclass_hinge_extremes() -> dict[str, Inputs]:
    cases = _multi_margin_extremes()
    del cases["scores +-1e4, p=2 and class weights"]
    labels, big, _ = cases["scores +-1e4"]
    cases["scores +-1e4, margin 0 (the perceptron)"] = (labels, big, {"margin": 0.0})
    return cases


@st.composite
def labelled_distances(draw: Any) -> Inputs:
    """hinge_embedding: labels -1/1 (or 0/1), distances >= 0, a margin."""
    shape = (draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3))))
    values = draw(st.sampled_from([(-1.0, 1.0), (0.0, 1.0)]))
    y_true = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(values)))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=_reals(0.0, 50.0)))
    return y_true, y_pred, {"margin": draw(st.sampled_from([1.0, 0.5, 0.0, 2.0]))}


def _distances_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.where(np.arange(2 * batch).reshape(batch, 2) % 3 == 0, 1.0, -1.0), rng.uniform(
        0.0, 2.0, (batch, 2)), {}


def _distances_extremes() -> dict[str, Inputs]:
    y_true, y_pred, _ = _distances_example(3)
    return {
        "distances 1e4": (y_true, np.full_like(y_pred, 1e4), {}),
        "distances exactly 0 and at the margin": (
            y_true, np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), {}),
        "all-zero targets (read as -1)": (np.zeros_like(y_true), y_pred, {}),
    }


@st.composite
def label_lists(draw: Any) -> Inputs:
    """multilabel_margin: each row's target classes (distinct, or a class twice) padded with
    -1, entries after the padding anywhere in -1..classes-1; real scores."""
    batch, classes = draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3, 4)))
    labels = np.full((batch, classes), -1, np.int64)
    for row in range(batch):
        count = draw(st.integers(0, classes))
        labels[row, :count] = draw(st.permutations(range(classes)))[:count]
        if count + 1 < classes:
            labels[row, count + 1:] = draw(hnp.arrays(np.int64, (classes - count - 1,),
                                                      elements=st.integers(-1, classes - 1)))
        if count >= 2 and draw(st.booleans()):
            labels[row, 1] = labels[row, 0]  # a class listed twice
    scores = draw(hnp.arrays(np.float64, (batch, classes), elements=_reals()))
    return labels, scores, {}


def _label_lists_example(batch: int) -> Inputs:
    labels = np.full((batch, 4), -1, np.int64)
    for row in range(batch):
        labels[row, : row % 3 + 1] = [(row + k) % 4 for k in range(row % 3 + 1)]
    return labels, np.random.default_rng(0).normal(size=(batch, 4)), {}


def _label_lists_extremes() -> dict[str, Inputs]:
    labels, scores, _ = _label_lists_example(3)
    return {
        "scores +-1e4": (labels, np.where(scores > 0, 1e4, -1e4), {}),
        "equal scores": (labels, np.zeros_like(scores), {}),
        "no target classes": (np.full_like(labels, -1), scores, {}),
        "every class a target": (np.tile(np.arange(4), (3, 1)), scores, {}),
        "one class": (np.zeros((3, 1), np.int64), np.ones((3, 1)), {}),
    }


SPECS: dict[str, Spec] = {
    # "sparse": integer labels, one per row (the batch-mismatch message names them).
    "multi_margin": Spec("sparse", class_scores, integer_labels=True,
                         example=_multi_margin_example, extremes=_multi_margin_extremes),
    "soft_margin": Spec("signed", signed_labels),
    "hinge_embedding": Spec("distances", labelled_distances, example=_distances_example,
                            extremes=_distances_extremes),
    "multilabel_margin": Spec("label_lists", label_lists, integer_labels=True,
                              example=_label_lists_example, extremes=_label_lists_extremes),
    "multiclass_hinge": Spec("sparse", class_scores_with_margin, integer_labels=True,
                             example=_multi_margin_example, extremes=_multiclass_hinge_extremes),
    "perceptron": Spec("signed", signed_labels),
}
