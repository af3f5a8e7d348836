"""Valid-input specs of ``anyloss.losses.segmentation``'s catalogue losses (Dice and Tversky,
the Keras ones, are in ``families.py``): channels-last masks ``(batch, pixels, classes)`` with
0/1 entries (one-hot rows for two classes), probabilities or logits alike; Lovasz' hinge takes
0/1 masks ``(batch, pixels)`` and real scores."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec

PIXELS = 3


def _unit() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0, width=32))


def _reals(bound: float = 30.0) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def _masks(draw: Any, classes: int) -> np.ndarray:
    batch = draw(st.sampled_from(BATCHES))
    if classes == 1:
        return draw(hnp.arrays(np.float64, (batch, PIXELS, 1),
                               elements=st.sampled_from([0.0, 1.0])))
    labels = draw(hnp.arrays(np.int64, (batch, PIXELS), elements=st.integers(0, classes - 1)))
    return np.eye(classes)[labels]


@st.composite
def masks(draw: Any, logits: bool = False, kwargs: dict[str, Any] | None = None) -> Inputs:
    """Masks and probabilities (or logits), one or two classes on the last axis (logits: two,
    so that the "auto" activation is the softmax over the last axis)."""
    y_true = draw(_masks(2 if logits else draw(st.sampled_from([1, 2]))))
    y_pred = draw(hnp.arrays(np.float64, y_true.shape, elements=_reals() if logits else _unit()))
    extra = dict(kwargs or {})
    if logits and "from_logits" not in extra:
        extra["from_logits"] = True
    return y_true, y_pred, extra


@st.composite
def logit_masks(draw: Any) -> Inputs:
    """dice_ce / dice_focal: masks and logits (they always take logits)."""
    y_true, y_pred, _ = draw(masks(logits=True))
    return y_true, y_pred, {"aggregation": draw(st.sampled_from(["sample", "batch"]))}


@st.composite
def lovasz_inputs(draw: Any) -> Inputs:
    if draw(st.booleans()):
        batch = draw(st.sampled_from(BATCHES))
        y_true = draw(hnp.arrays(np.float64, (batch, PIXELS), elements=st.sampled_from([0.0, 1.0])))
        y_pred = draw(hnp.arrays(np.float64, (batch, PIXELS), elements=_reals()))
        return y_true, y_pred, {"per_image": draw(st.booleans())}
    y_true = draw(_masks(2))
    y_pred = draw(hnp.arrays(np.float64, y_true.shape, elements=_reals()))
    return y_true, y_pred, {"variant": "softmax", "per_image": draw(st.booleans())}


def example(batch: int, logits: bool = False) -> Inputs:
    rng = np.random.default_rng(0)
    y_true = np.eye(2)[rng.integers(0, 2, (batch, 4))]
    if logits:
        return y_true, rng.normal(0.0, 2.0, (batch, 4, 2)), {}
    p = rng.uniform(0.05, 1.0, (batch, 4, 2))
    return y_true, p / p.sum(-1, keepdims=True), {}


def lovasz_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return (rng.integers(0, 2, (batch, 4)).astype(float), rng.normal(0.0, 2.0, (batch, 4)), {})


def extremes(logits: bool = False) -> dict[str, Inputs]:
    y_true, y_pred, kw = example(3, logits)
    zeros = np.zeros_like(y_true)
    huge = np.where(y_true > 0, 1e4, -1e4)
    cases: dict[str, Inputs] = {
        "all-zero targets": (zeros, y_pred, kw),
        "one class": (y_true[..., :1], y_pred[..., :1], kw),
        "batch-aggregated": (y_true, y_pred, {**kw, "aggregation": "batch"}),
    }
    if logits:
        cases["logits +-1e4, right"] = (y_true, huge, kw)
        cases["logits +-1e4, wrong"] = (y_true, -huge, kw)
    else:
        cases["probabilities exactly 0 and 1"] = (y_true, y_true.copy(), kw)
        cases["probabilities exactly wrong"] = (y_true, 1.0 - y_true, kw)
        cases["all-zero targets and predictions"] = (zeros, zeros.copy(), kw)
        cases["logits +-1e4"] = (y_true, huge, {**kw, "from_logits": True})
    return cases


def lovasz_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = lovasz_example(3)
    zeros = np.zeros_like(y_true)
    onehot, logits, _ = example(3, logits=True)
    return {
        "all-zero targets": (zeros, y_pred, kw),
        "scores +-1e4": (y_true, np.where(y_true > 0, -1e4, 1e4), kw),
        "scores exactly right": (y_true, 2.0 * y_true - 1.0, kw),
        "batch-aggregated": (y_true, y_pred, {"per_image": False}),
        "softmax, logits +-1e4": (onehot, np.where(onehot > 0, 1e4, -1e4),
                                  {"variant": "softmax"}),
        "softmax, all one class": (np.eye(2)[np.zeros((3, 4), int)], logits,
                                   {"variant": "softmax"}),
    }


@st.composite
def binary_masks(draw: Any, logits: bool = False) -> Inputs:
    """mcc (binary by default, no class axis): 0/1 masks ``(batch, pixels)`` and probabilities
    or logits."""
    batch = draw(st.sampled_from(BATCHES))
    y_true = draw(hnp.arrays(np.float64, (batch, PIXELS), elements=st.sampled_from([0.0, 1.0])))
    y_pred = draw(hnp.arrays(np.float64, y_true.shape, elements=_reals() if logits else _unit()))
    return y_true, y_pred, {"from_logits": True} if logits else {}


def binary_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return rng.integers(0, 2, (batch, 4)).astype(float), rng.uniform(0.05, 0.95, (batch, 4)), {}


def binary_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = binary_example(3)
    zeros = np.zeros_like(y_true)
    return {
        "all-zero targets": (zeros, y_pred, kw),
        "probabilities exactly 0 and 1": (y_true, y_true.copy(), kw),
        "probabilities exactly wrong": (y_true, 1.0 - y_true, kw),
        "all-zero targets and predictions": (zeros, zeros.copy(), kw),
        "logits +-1e4": (y_true, np.where(y_true > 0, 1e4, -1e4), {"from_logits": True}),
        "batch-aggregated": (y_true, y_pred, {"aggregation": "batch"}),
        "channels-last classes": (*example(3)[:2], {"class_axis": -1}),
    }


def _probability_spec(**flags: Any) -> Spec:
    return Spec("segmentation", lambda: masks(), logits=lambda: masks(logits=True),
                example=example, extremes=extremes, **flags)


def _logit_spec() -> Spec:
    return Spec("segmentation-logits", logit_masks, example=lambda b: example(b, logits=True),
                extremes=lambda: extremes(logits=True))


@st.composite
def generalized_dice_masks(draw: Any, logits: bool = False) -> Inputs:
    """Either combine: MONAI's ratio, or optax' class mean with the batch's weights."""
    y_true, y_pred, kw = draw(masks(logits=logits))
    return y_true, y_pred, {**kw, "combine": draw(st.sampled_from(["ratio", "mean"]))}


def generalized_dice_extremes() -> dict[str, Inputs]:
    cases = extremes()
    y_pred = example(3)[1]
    for case in ("all-zero targets", "probabilities exactly 0 and 1", "logits +-1e4"):
        t, p, kw = cases[case]
        cases[f"combine mean, {case}"] = (t, p, {**kw, "combine": "mean"})
    cases["combine mean, one class absent from the batch"] = (
        np.eye(2)[np.zeros((3, 4), int)], y_pred, {"combine": "mean"})
    return cases


@st.composite
def dice_focal_masks(draw: Any) -> Inputs:
    """dice_focal with the Dice term, or the focal term alone (smp's FocalLoss)."""
    y_true, y_pred, kw = draw(logit_masks())
    return y_true, y_pred, {**kw, "lambda_dice": draw(st.sampled_from([0.0, 1.0]))}


def dice_focal_extremes() -> dict[str, Inputs]:
    cases = extremes(logits=True)
    for case in ("logits +-1e4, right", "logits +-1e4, wrong", "all-zero targets"):
        t, p, kw = cases[case]
        cases[f"focal alone, {case}"] = (t, p, {**kw, "lambda_dice": 0.0})
    return cases


SPECS: dict[str, Spec] = {
    "jaccard": _probability_spec(zero_at_equal=True),
    "focal_tversky": _probability_spec(zero_at_equal=True),
    "generalized_dice": Spec("segmentation", generalized_dice_masks,
                             logits=lambda: generalized_dice_masks(logits=True), example=example,
                             extremes=generalized_dice_extremes, zero_at_equal=True),
    "mcc": Spec("binary", lambda: binary_masks(), logits=lambda: binary_masks(True),
                example=binary_example, extremes=binary_extremes, zero_at_equal=True),
    "dice_ce": _logit_spec(),
    "dice_focal": Spec("segmentation-logits", dice_focal_masks,
                       example=lambda b: example(b, logits=True), extremes=dice_focal_extremes),
    "lovasz": Spec("segmentation-scores", lovasz_inputs, example=lovasz_example,
                   extremes=lovasz_extremes),
}
