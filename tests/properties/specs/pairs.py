"""Valid-input specs of ``anyloss.losses.pairs``: explicit pairs (labels -1/1 or 0/1, the two
items stacked on axis 1) and triplets (anchor, positive, negative stacked on axis 1)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, _reals


@st.composite
def _pair_labels(draw: Any, batch: int) -> np.ndarray:
    values = draw(st.sampled_from([(-1.0, 1.0), (0.0, 1.0)]))
    return draw(hnp.arrays(np.float64, (batch,), elements=st.sampled_from(values)))


@st.composite
def embedding_pairs(draw: Any) -> Inputs:
    batch, dim = draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3)))
    y_pred = draw(hnp.arrays(np.float64, (batch, 2, dim), elements=_reals()))
    return draw(_pair_labels(batch)), y_pred, {"margin": draw(st.sampled_from([0.0, 0.5, -0.5]))}


@st.composite
def score_pairs(draw: Any) -> Inputs:
    batch = draw(st.sampled_from(BATCHES))
    y_pred = draw(hnp.arrays(np.float64, (batch, 2), elements=_reals()))
    return draw(_pair_labels(batch)), y_pred, {"margin": draw(st.sampled_from([0.0, 1.0]))}


@st.composite
def triplets(draw: Any) -> Inputs:
    batch, dim = draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3)))
    y_pred = draw(hnp.arrays(np.float64, (batch, 3, dim), elements=_reals()))
    kwargs = {"p": draw(st.sampled_from([2.0, 1.0, 3.0])), "swap": draw(st.booleans()),
              "eps_placement": draw(st.sampled_from(["difference", "sum"])),
              "margin": draw(st.sampled_from([1.0, 0.0]))}
    return np.zeros(batch), y_pred, kwargs


def _labels(batch: int) -> np.ndarray:
    return np.where(np.arange(batch) % 2 == 0, 1.0, -1.0)


def _cosine_example(batch: int) -> Inputs:
    return _labels(batch), np.random.default_rng(0).normal(size=(batch, 2, 4)), {}


def _ranking_example(batch: int) -> Inputs:
    return _labels(batch), np.random.default_rng(0).normal(size=(batch, 2)), {}


def _triplet_example(batch: int) -> Inputs:
    return np.zeros(batch), np.random.default_rng(0).normal(size=(batch, 3, 4)), {}


def _cosine_extremes() -> dict[str, Inputs]:
    y, x = _cosine_example(3)[:2]
    zero = x.copy()
    zero[:, 1] = 0.0
    return {
        "a zero vector in every pair": (y, zero, {}),
        "all-zero vectors": (y, np.zeros_like(x), {}),
        "embeddings +-1e4": (y, np.sign(x) * 1e4, {}),
        "identical embeddings": (y, np.repeat(x[:, :1], 2, axis=1), {}),
        "all-zero labels (read as -1)": (np.zeros(3), x, {}),
    }


def _ranking_extremes() -> dict[str, Inputs]:
    y, x = _ranking_example(3)[:2]
    return {
        "scores +-1e4": (y, np.array([[1e4, -1e4], [1e4, -1e4], [-1e4, 1e4]]), {}),
        "equal scores": (y, np.zeros_like(x), {"margin": 1.0}),
        "all-zero labels (read as -1)": (np.zeros(3), x, {}),
    }


def _triplet_extremes() -> dict[str, Inputs]:
    y, x = _triplet_example(3)[:2]
    same = np.repeat(x[:, :1], 3, axis=1)
    return {
        "identical embeddings": (y, same, {}),
        "identical embeddings, eps under the root, p=3, swap": (
            y, same, {"eps_placement": "sum", "p": 3.0, "swap": True}),
        "identical embeddings, eps=0": (y, same, {"eps": 0.0}),
        "embeddings +-1e4": (y, np.sign(x) * 1e4, {"swap": True}),
    }


SPECS: dict[str, Spec] = {
    "cosine_embedding": Spec("pairs", embedding_pairs, example=_cosine_example,
                             extremes=_cosine_extremes),
    "margin_ranking": Spec("pairs", score_pairs, example=_ranking_example,
                           extremes=_ranking_extremes),
    "triplet_margin": Spec("triplets", triplets, example=_triplet_example,
                           extremes=_triplet_extremes, uses_y_true=False),
}
