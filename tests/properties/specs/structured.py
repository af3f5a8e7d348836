"""Valid-input specs of ``anyloss.losses.structured`` (sparsemax: one-hot or soft targets,
real class scores; with ``binary=True`` 0/1 labels or probabilities, one real score each)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import Inputs, Spec, _one_hot, _reals, _rows, _shape2


@st.composite
def targets_and_scores(draw: Any) -> Inputs:
    batch, classes = draw(_shape2(min_d=2))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    y_true = draw(_rows((batch, classes))) if draw(st.booleans()) else _one_hot(labels, classes)
    y_pred = draw(hnp.arrays(np.float64, (batch, classes), elements=_reals()))
    if draw(st.booleans()):  # binary: every entry its own two-class problem
        labels = draw(hnp.arrays(np.float64, (batch, classes), elements=st.one_of(
            st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))))
        return labels, y_pred, {"binary": True}
    return y_true, y_pred, {}


def _example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return _one_hot(np.arange(batch) % 3, 3), rng.normal(size=(batch, 3)), {}


def _extremes() -> dict[str, Inputs]:
    one_hot = _one_hot(np.array([0, 1, 2]), 3)
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
    return {
        "scores +-1e4": (one_hot, logits, {}),
        "scores +-1e4, wrong classes": (one_hot[[1, 2, 0]], logits, {}),
        "tied scores": (one_hot, np.zeros((3, 3)), {}),
        "soft targets": (np.full((3, 3), 1.0 / 3.0), np.array([[1.0, 2.0, 3.0]] * 3), {}),
        "one class": (np.ones((3, 1)), np.array([[0.5], [-2.0], [1e4]]), {}),
        "binary, scores +-1e4 and the kinks +-1": (
            np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [0.0, 1.0, 0.0]]),
            np.array([[1e4, -1e4, 1.0], [-1.0, 1e4, -1e4], [1.0, -1.0, 0.0]]), {"binary": True}),
    }


SPECS: dict[str, Spec] = {
    "sparsemax": Spec("categorical_scores", targets_and_scores, example=_example,
                      extremes=_extremes),
}
