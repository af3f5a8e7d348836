"""Valid-input specs of ``anyloss.losses.ranking``: graded relevance labels ``(batch,
list_size)`` (-1: padding, some lists wholly padded) and real scores."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, _reals


@st.composite
def lists(draw: Any, temperature: bool = False, normalization: bool = False) -> Inputs:
    batch, size = draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 4)))
    labels = draw(hnp.arrays(np.float64, (batch, size), elements=st.sampled_from(
        [-1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 0.5])))
    scores = draw(hnp.arrays(np.float64, (batch, size), elements=_reals(-30.0, 30.0)))
    kwargs: dict[str, Any] = {}
    if temperature:
        kwargs["temperature"] = draw(st.sampled_from([1.0, 0.5, 3.0]))
    if normalization:
        kwargs["normalization"] = draw(st.sampled_from(["sum", "pairs", "list_size"]))
    return labels, scores, kwargs


def example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (batch, 4)).astype(np.float64)
    labels[:, -1] = -1.0  # padding
    return labels, rng.normal(size=(batch, 4)), {}


def extremes() -> dict[str, Inputs]:
    labels, scores, _ = example(3)
    padded = labels.copy()
    padded[1] = -1.0
    return {
        "scores +-1e4": (labels, np.where(scores > 0, 1e4, -1e4), {}),
        "equal scores": (labels, np.zeros_like(scores), {}),
        "all labels equal": (np.ones_like(labels), scores, {}),
        "all-zero labels": (np.zeros_like(labels), scores, {}),
        "a wholly padded list": (padded, scores, {}),
        "every list padded": (np.full_like(labels, -1.0), scores, {}),
        "lists of one item": (labels[:, :1], scores[:, :1], {}),
    }


SPECS: dict[str, Spec] = {
    "ranking_softmax": Spec("lists", lists, example=example, extremes=extremes),
    "pairwise_logistic": Spec("lists", lambda: lists(True, True), example=example,
                              extremes=extremes),
    "listmle": Spec("lists", lambda: lists(True), example=example, extremes=extremes),
}
