"""Valid-input specs of ``anyloss.losses.proxies``: integer labels, embeddings and the class
weights ``(embedding_size, num_classes)`` the function takes (the class holds them)."""

from __future__ import annotations

from typing import Any

import numpy as np
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


SPECS: dict[str, Spec] = {
    "arcface": Spec("embedding", arcface_inputs, integer_labels=True, example=_example,
                    extremes=_extremes),
}
