"""Valid-input specs of the margin losses added to ``anyloss.losses.hinge`` (multi_margin,
soft_margin; the Keras hinge losses are in ``families.py``)."""

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


SPECS: dict[str, Spec] = {
    # "sparse": integer labels, one per row (the batch-mismatch message names them).
    "multi_margin": Spec("sparse", class_scores, integer_labels=True,
                         example=_multi_margin_example, extremes=_multi_margin_extremes),
    "soft_margin": Spec("signed", signed_labels),
}
