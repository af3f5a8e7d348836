"""Valid-input specs of the distance-based batch losses of ``anyloss.losses.metric_learning``
(contrastive, triplet semi-hard and batch-hard, lifted structure, N-pairs; circle's spec is in
``families.py``): integer labels with embeddings (not normalised: ``normalize=`` is drawn),
and the precomputed forms (pair distances for contrastive, a similarity matrix for N-pairs).

Embeddings come from a drawn seed, not element by element: the semi-hard negative is chosen by
comparing distances, and the exact ties hypothesis likes to build (repeated rows) would make
float32 libraries pick different negatives; ties have their own fixed extreme cases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import Inputs, Spec


@st.composite
def labelled_embeddings(draw: Any, kwargs: st.SearchStrategy[dict[str, Any]]) -> Inputs:
    # One batch size (5): every new shape is a JAX compile; batches of 1 and 4 are extremes.
    batch, dim = 5, 3
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = draw(st.sampled_from([0.3, 1.0, 5.0]))
    return labels, scale * rng.normal(size=(batch, dim)), draw(kwargs)


@st.composite
def pair_distances(draw: Any) -> Inputs:
    """contrastive(inputs="distances"): 0/1 pair labels, distances >= 0 (some exactly 0)."""
    batch = 5
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, 1)))
    distances = draw(hnp.arrays(np.float64, (batch,), elements=st.one_of(
        st.just(0.0), st.floats(0.0, 5.0, width=32))))
    kwargs = draw(st.sampled_from([{}, {"margin": 2.0, "squared": False}]))
    return labels, distances, {**kwargs, "inputs": "distances"}


@st.composite
def similarity_matrices(draw: Any) -> Inputs:
    """npairs(inputs="similarities"): the pairs' labels, a (batch, batch) similarity matrix."""
    batch = 5
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = draw(st.sampled_from([1.0, 30.0]))
    return labels, scale * rng.normal(size=(batch, batch)), {"inputs": "similarities"}


def _example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.arange(batch) % 2, rng.normal(size=(batch, 4)), {}


def _extremes(cosine: dict[str, Any], **special: Inputs) -> Any:
    def cases() -> dict[str, Inputs]:
        y, x, _ = _example(4)
        return {
            "identical embeddings far from the origin": (y, np.tile(x[:1] + 1e3, (4, 1)), {}),
            "all one class": (np.zeros_like(y), x, {}),
            "every label distinct (no positive)": (np.arange(4), x, {}),
            "a zero embedding, normalised": (y, np.concatenate([np.zeros((1, 4)), x[1:]]),
                                              {"normalize": True}),
            "embeddings +-1e4": (y, np.sign(x) * 1e4, {}),
            "opposite pairs, cosine": (y, np.concatenate([x[:2], -x[:2]]), cosine),
            **special,
        }

    return cases


def _spec(kwargs: st.SearchStrategy[dict[str, Any]], other: Any = None,
          cosine: dict[str, Any] | None = None, **special: Inputs) -> Spec:
    embeddings = labelled_embeddings(kwargs)
    strategy = (lambda: st.one_of(embeddings, other())) if other else (lambda: embeddings)
    return Spec("embedding", strategy, integer_labels=True, example=_example,
                extremes=_extremes({"distance": "cosine"} if cosine is None else cosine,
                                   **special))


# A few option sets per loss, not their product: JAX compiles once per loss and options.
SPECS: dict[str, Spec] = {
    "contrastive": _spec(
        st.sampled_from([
            {}, {"squared": False, "normalize": True, "aggregation": "nonzero_pairs"},
            {"distance": "cosine", "margin": 0.5, "pos_margin": 0.2}]),
        pair_distances,
        **{"distances exactly 0 and large": (np.array([1, 0, 1, 0]),
                                             np.array([0.0, 0.0, 1e4, 1e4]),
                                             {"inputs": "distances"})}),
    "triplet_semihard": _spec(st.sampled_from([
        {"aggregation": "pairs"}, {"distance": "cosine", "margin": 0.2},
        {"distance": "squared_l2", "normalize": True}])),
    "triplet_hard": _spec(st.sampled_from([
        {"aggregation": "all_anchors"}, {"soft": True, "distance": "cosine"},
        {"distance": "squared_l2", "normalize": True, "margin": 0.2}])),
    "lifted_structure": _spec(st.sampled_from([
        {"aggregation": "pairs", "normalize": True, "pos_margin": 0.1},
        {"distance": "cosine", "margin": 0.5}, {"distance": "squared_l2"}])),
    "npairs": _spec(
        st.sampled_from([{}, {"normalize": True}]), similarity_matrices,
        cosine={"normalize": True},
        **{"similarities +-1e4": (np.array([0, 1, 0, 1]),
                                  np.where(np.eye(4) > 0, 1e4, -1e4),
                                  {"inputs": "similarities"})}),
}
