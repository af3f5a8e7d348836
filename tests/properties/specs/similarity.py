"""Valid-input specs of ``anyloss.losses.similarity``: integer labels with embeddings (NT-Xent,
SupCon, multi-similarity; not normalised: the losses normalise) and ±1 (or 0/1) label matrices
with logits matrices (SigLIP)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, _reals


@st.composite
def labelled_embeddings(draw: Any, kwargs: Any = None) -> Inputs:
    batch, dim = draw(st.sampled_from((2, 5))), 3
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, 2)))
    y_pred = draw(hnp.arrays(np.float64, (batch, dim), elements=_reals(-5, 5)))
    return labels, y_pred, draw(kwargs) if kwargs is not None else {}


def _ntxent_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "temperature": st.sampled_from([0.07, 0.5, 1.0]),
        "aggregation": st.sampled_from(["anchors", "pairs"])})


@st.composite
def logits_matrices(draw: Any) -> Inputs:
    batch = draw(st.sampled_from(BATCHES))
    logits = draw(hnp.arrays(np.float64, (batch, batch), elements=_reals(-30, 30)))
    eye = np.eye(batch)
    y_true = draw(st.sampled_from([2.0 * eye - 1.0, eye]))
    kwargs = draw(st.sampled_from([{}, {"logit_scale": 10.0, "logit_bias": -10.0}]))
    return y_true, logits, kwargs


def _embedding_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.arange(batch) % 2, rng.normal(size=(batch, 4)), {}


def _embedding_extremes() -> dict[str, Inputs]:
    y, x, _ = _embedding_example(4)
    return {
        "identical embeddings": (y, np.tile(x[:1], (4, 1)), {}),
        "all one class": (np.zeros_like(y), x, {}),
        "every label distinct (no positive)": (np.arange(4), x, {}),
        "a zero embedding": (y, np.concatenate([np.zeros((1, 4)), x[1:]]), {}),
        "embeddings +-1e4": (y, np.sign(x) * 1e4, {}),
        "opposite pairs": (y, np.concatenate([x[:2], -x[:2]]), {}),
    }


def _siglip_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return 2.0 * np.eye(batch) - 1.0, rng.normal(size=(batch, batch)), {}


def _siglip_extremes() -> dict[str, Inputs]:
    y, x, _ = _siglip_example(3)
    return {
        "logits +-1e4": (y, np.sign(x) * 1e4, {}),
        "0/1 labels": ((y > 0).astype(float), x, {}),
        "all-zero logits": (y, np.zeros_like(x), {}),
        "large scale and bias": (y, x, {"logit_scale": 100.0, "logit_bias": -50.0}),
    }


def _embedding_spec(kwargs: Any = None) -> Spec:
    return Spec("embedding", lambda: labelled_embeddings(kwargs),
                integer_labels=True, example=_embedding_example, extremes=_embedding_extremes)


SPECS: dict[str, Spec] = {
    "ntxent": _embedding_spec(_ntxent_kwargs()),
    "supcon": _embedding_spec(st.fixed_dictionaries(
        {"temperature": st.sampled_from([0.1, 0.5])})),
    "multi_similarity": _embedding_spec(st.sampled_from(
        [{}, {"alpha": 1.0, "beta": 10.0, "base": 0.0}])),
    "siglip": Spec("similarity_logits", logits_matrices, example=_siglip_example,
                   extremes=_siglip_extremes),
}
