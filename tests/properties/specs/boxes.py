"""Valid-input specs of ``anyloss.losses.boxes``: target and predicted boxes ``(batch, 4)``,
valid (max >= min) and drawn in xyxy, then written in the ``box_format`` the case names."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec


def to_format(xyxy: np.ndarray, box_format: str) -> np.ndarray:
    """xyxy boxes written in ``box_format``."""
    x1, y1, x2, y2 = np.moveaxis(xyxy, -1, 0)
    columns = {
        "xyxy": (x1, y1, x2, y2),
        "yxyx": (y1, x1, y2, x2),
        "xywh": (x1, y1, x2 - x1, y2 - y1),
        "cxcywh": ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1),
    }[box_format]
    return np.stack(columns, axis=-1)


def _side() -> st.SearchStrategy[float]:
    # Exact 0 often: zero-width and zero-height boxes are where ratios bite.
    return st.one_of(st.just(0.0), st.floats(0.0, 20.0, width=32))


@st.composite
def _xyxy(draw: Any, batch: int) -> np.ndarray:
    corner = draw(hnp.arrays(np.float64, (batch, 2), elements=st.floats(-20.0, 20.0, width=32)))
    size = draw(hnp.arrays(np.float64, (batch, 2), elements=_side()))
    return np.concatenate([corner, corner + size], axis=-1)


@st.composite
def boxes(draw: Any, modes: bool = False) -> Inputs:
    batch = draw(st.sampled_from(BATCHES))
    y_true = draw(_xyxy(batch))
    y_pred = y_true.copy() if draw(st.integers(0, 4)) == 0 else draw(_xyxy(batch))
    # Two layouts (corners, and centre-size with its halving) keep JAX's compilations per
    # shape and argument few; tests/catalogue/test_boxes.py checks every layout's conversion.
    box_format = "xyxy" if modes else draw(st.sampled_from(("xyxy", "cxcywh")))
    kwargs: dict[str, Any] = {"box_format": box_format}
    if modes:
        kwargs["mode"] = draw(st.sampled_from(["linear", "square", "log"]))
    return to_format(y_true, box_format), to_format(y_pred, box_format), kwargs


def example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    corner = rng.uniform(0.0, 5.0, (batch, 2))
    y_true = np.concatenate([corner, corner + rng.uniform(1.0, 3.0, (batch, 2))], axis=-1)
    y_pred = y_true + rng.normal(0.0, 0.5, (batch, 4))
    y_pred[:, 2:] = np.maximum(y_pred[:, 2:], y_pred[:, :2])
    return y_true, y_pred, {}


def extremes() -> dict[str, Inputs]:
    y_true, y_pred, _ = example(3)
    point = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
    line = np.array([[0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    return {
        "identical boxes": (y_true, y_true.copy(), {}),
        "disjoint boxes": (y_true, y_true + 100.0, {}),
        "touching boxes": (y_true, y_true + np.array([1, 0, 1, 0]) * (y_true[:, 2:3] - y_true[:, :1]), {}),
        "zero-area predictions": (y_true, point, {}),
        "zero-area targets": (line, y_pred, {}),
        "identical points and lines": (line, line.copy(), {}),
        "coordinates 1e4": (y_true * 1e4, y_pred * 1e4, {}),
        "cxcywh with zero sizes": (to_format(line, "cxcywh"), to_format(point, "cxcywh"),
                                   {"box_format": "cxcywh"}),
    }


def _iou_extremes() -> dict[str, Inputs]:
    out = extremes()
    for case in ("disjoint boxes", "zero-area predictions", "identical points and lines"):
        t, p, kw = out[case]
        out[f"{case}, log mode"] = (t, p, {**kw, "mode": "log"})
    return out


SPECS: dict[str, Spec] = {
    "iou": Spec("boxes", lambda: boxes(modes=True), example=example, extremes=_iou_extremes),
    "giou": Spec("boxes", boxes, example=example, extremes=extremes),
    "diou": Spec("boxes", boxes, example=example, extremes=extremes),
    "ciou": Spec("boxes", boxes, example=example, extremes=extremes),
}
