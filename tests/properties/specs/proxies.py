"""Valid-input specs of ``anyloss.losses.proxies``: integer labels, embeddings (hidden states)
and the arrays the function takes (the class holds them): ArcFace's class weights
``(embedding_size, num_classes)``, a linear layer's weight ``(num_classes, in_features)`` and
bias."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, _reals

CLASSES, DIM = 3, 4


@st.composite
def arcface_inputs(draw: Any) -> Inputs:
    batch = draw(st.sampled_from(BATCHES))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, CLASSES - 1)))
    y_pred = draw(hnp.arrays(np.float64, (batch, DIM), elements=_reals(-5, 5)))
    weights = draw(hnp.arrays(np.float64, (DIM, CLASSES), elements=_reals(-2, 2)))
    # At an angle of 0 or pi to its class' weights, sin(theta) = sqrt(1 - cos^2) turns float32's
    # rounding of the cosine into ~1e-3 of the loss (s sin(m) / sin(theta) amplifies it), so
    # libraries agree only to that: generated inputs stay 0.05 rad away; the extremes test
    # both angles for finite values and gradients.
    norms = np.linalg.norm(y_pred, axis=1) * np.linalg.norm(weights[:, labels], axis=0)
    cos = np.einsum("bd,db->b", y_pred, weights[:, labels]) / np.where(norms > 0, norms, 1.0)
    assume(bool(np.all(np.abs(cos) < np.cos(0.05))))
    kwargs = {"class_weights": weights, **draw(st.sampled_from(
        [{}, {"margin": 10.0, "scale": 4.0}, {"margin": 0.0, "scale": 1.0}]))}
    return labels, y_pred, kwargs


def _weights() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(DIM, CLASSES))


def _example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.arange(batch) % CLASSES, rng.normal(size=(batch, DIM)), {"class_weights": _weights()}


def _extremes() -> dict[str, Inputs]:
    y, x, kw = _example(3)
    w = kw["class_weights"]
    on_class = (w / np.linalg.norm(w, axis=0)).T[y]  # each embedding on its class' weights
    return {
        "embedding on its class weight (angle 0)": (y, on_class, kw),
        "embedding opposite its class weight (angle pi)": (y, -on_class, kw),
        "a zero embedding": (y, np.concatenate([np.zeros((1, DIM)), x[1:]]), kw),
        "embeddings +-1e4": (y, np.sign(x) * 1e4, kw),
        "a zero class weight": (y, x, {"class_weights": np.concatenate(
            [np.zeros((DIM, 1)), w[:, 1:]], axis=1)}),
        "margin 180 degrees": (y, x, {**kw, "margin": 180.0}),
    }


@st.composite
def linear_ce_inputs(draw: Any) -> Inputs:
    batch = draw(st.sampled_from(BATCHES))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, CLASSES - 1)))
    y_pred = draw(hnp.arrays(np.float64, (batch, DIM), elements=_reals(-5, 5)))
    weight = draw(hnp.arrays(np.float64, (CLASSES, DIM), elements=_reals(-2, 2)))
    bias = draw(st.one_of(st.none(), hnp.arrays(np.float64, (CLASSES,),
                                                elements=_reals(-2, 2))))
    extra = draw(st.sampled_from([{}, {"label_smoothing": 0.3}, {"ignore_class": 1},
                                  {"chunk_size": 2, "label_smoothing": 0.1}]))
    return labels, y_pred, {"weight": weight, "bias": bias, **extra}


def _linear_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    kwargs = {"weight": rng.normal(size=(CLASSES, DIM)), "bias": rng.normal(size=CLASSES)}
    return np.arange(batch) % CLASSES, rng.normal(size=(batch, DIM)), kwargs


def _linear_extremes() -> dict[str, Inputs]:
    y, x, kw = _linear_example(3)
    return {
        "hidden states +-1e4": (y, np.sign(x) * 1e4, kw),
        "a zero hidden state": (y, np.concatenate([np.zeros((1, DIM)), x[1:]]), kw),
        "a zero weight": (y, x, {**kw, "weight": np.zeros((CLASSES, DIM))}),
        "every label ignored": (np.zeros_like(y), x, {**kw, "ignore_class": 0}),
        "label smoothing 1": (y, x, {**kw, "label_smoothing": 1.0}),
        "bias +-1e4": (y, x, {**kw, "bias": np.array([1e4, -1e4, 0.0])}),
    }


SPECS: dict[str, Spec] = {
    "arcface": Spec("embedding", arcface_inputs, integer_labels=True, example=_example,
                    extremes=_extremes),
    "sparse_linear_cross_entropy": Spec("embedding", linear_ce_inputs, integer_labels=True,
                                        example=_linear_example, extremes=_linear_extremes),
}
