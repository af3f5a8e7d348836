"""Valid inputs of the probabilistic family's catalogue losses: nll, sigmoid_focal,
poly1_cross_entropy, multilabel_soft_margin, jensen_shannon, asymmetric.

Where a number is valid follows the math: nll takes integer labels and log-probabilities (a
log-softmax of reals: finite and <= 0); sigmoid_focal and asymmetric take 0/1 (or soft) targets
with logits or probabilities in [0, 1] (exact 0 and 1 included); poly-1 takes probability rows
(or logits) like categorical cross-entropy; multilabel_soft_margin takes targets in [0, 1] and
real logits; jensen_shannon takes two probability rows (or logits for ``y_pred``); kl_div takes
probability rows (exact zeros included; log-probabilities with ``log_target``) and
log-probabilities (a log-softmax of reals), its sums non-negative (per-element values are not).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import Inputs, Spec, _reals, binary, categorical, sparse


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


# --- nll ------------------------------------------------------------------------------------------


@st.composite
def _nll(draw: Any) -> Inputs:
    # No ignored entries here: the reduction battery counts every entry (ignore_class is in the
    # extremes and in tests/catalogue/test_probabilistic.py).
    labels, logits, _ = draw(sparse(logits=True))
    return labels, _log_softmax(logits), {}


def _nll_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return np.arange(batch) % 3, _log_softmax(rng.normal(size=(batch, 3))), {}


def _nll_extremes() -> dict[str, Inputs]:
    labels = np.array([0, 1, 2])
    return {
        "log-probabilities -1e4 (probability 0)": (
            labels, np.array([[-1e4, 0.0, -1e4], [0.0, -1e4, -1e4], [-1e4, -1e4, 0.0]]), {}),
        "log-probabilities exactly 0 (certain)": (
            labels, np.array([[0.0, -50.0, -50.0], [-50.0, 0.0, -50.0], [-50.0, -50.0, 0.0]]), {}),
        "every entry ignored": (np.full(3, -100), _nll_example(3)[1], {"ignore_class": -100}),
        "some entries ignored": (np.array([0, -100, 2]), _nll_example(3)[1],
                                 {"ignore_class": -100}),
    }


# --- sigmoid_focal --------------------------------------------------------------------------------


def _focal_kwargs(draw: Any) -> dict[str, Any]:
    return {
        "alpha": draw(st.sampled_from([None, 0.0, 0.25, 0.9])),
        "gamma": draw(st.sampled_from([0.0, 1.0, 2.0, 3.5])),
        "class_reduction": draw(st.sampled_from(["sum", "mean", "none"])),
    }


@st.composite
def _sigmoid_focal(draw: Any, logits: bool = False) -> Inputs:
    y_true, y_pred, kwargs = draw(binary(logits))
    return y_true, y_pred, {**kwargs, **_focal_kwargs(draw)}


def _binary_example(batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.uniform(size=(batch, 3)) < 0.4).astype(float), rng.normal(0.0, 2.0, (batch, 3))


def _sigmoid_focal_example(batch: int) -> Inputs:
    return (*_binary_example(batch), {})


def _binary_extremes(kw: dict[str, Any]) -> dict[str, Inputs]:
    targets = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    logits = np.array([[1e4, -1e4, 1e4], [-1e4, 1e4, -1e4], [0.0, 1e4, 1e4]])
    probabilities = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.5, 1.0, 0.0]])
    return {
        "logits +-1e4": (targets, logits, {**kw, "from_logits": True}),
        "probabilities exactly 0 and 1": (targets, probabilities, {**kw, "from_logits": False}),
        "all-zero targets": (np.zeros_like(targets), _binary_example(3)[1], kw),
    }


def _sigmoid_focal_extremes() -> dict[str, Inputs]:
    return {
        **_binary_extremes({}),
        **{f"{case}, gamma 0, no alpha": (t, p, {**kw, "gamma": 0.0, "alpha": None})
           for case, (t, p, kw) in _binary_extremes({}).items() if case != "all-zero targets"},
    }


# --- poly1_cross_entropy --------------------------------------------------------------------------


@st.composite
def _poly1(draw: Any, logits: bool = False) -> Inputs:
    y_true, y_pred, kwargs = draw(categorical(logits))
    return y_true, y_pred, {**kwargs, "epsilon": draw(st.sampled_from([-1.0, 0.0, 2.0, 5.0]))}


def _categorical_example(batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 1.0, (batch, 3))
    return _one_hot(np.arange(batch) % 3, 3), p / p.sum(1, keepdims=True)


def _categorical_extremes() -> dict[str, Inputs]:
    one_hot = _one_hot(np.array([0, 1, 2]), 3)
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
    return {
        "probabilities exactly 0 and 1": (one_hot, _one_hot(np.array([0, 2, 1]), 3), {}),
        "all-zero targets": (np.zeros_like(one_hot), _categorical_example(3)[1], {}),
        "logits +-1e4": (one_hot, logits, {"from_logits": True}),
    }


# --- multilabel_soft_margin -----------------------------------------------------------------------


@st.composite
def _multilabel_soft_margin(draw: Any) -> Inputs:
    y_true, y_pred, _ = draw(binary(logits=True))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        classes = y_pred.shape[-1]
        kwargs["weight"] = draw(st.lists(st.floats(0.0, 3.0), min_size=classes,
                                         max_size=classes))
    return y_true, y_pred, kwargs


def _multilabel_soft_margin_extremes() -> dict[str, Inputs]:
    cases = _binary_extremes({})
    del cases["probabilities exactly 0 and 1"]  # logits only
    cases["logits +-1e4"] = (*cases["logits +-1e4"][:2], {})
    cases["class weights with a zero"] = (*_binary_example(3), {"weight": [0.0, 1.0, 2.5]})
    return cases


# --- jensen_shannon -------------------------------------------------------------------------------


@st.composite
def _jensen_shannon(draw: Any, logits: bool = False) -> Inputs:
    y_true, y_pred, kwargs = draw(categorical(logits))
    return y_true, y_pred, {**kwargs, "beta": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))}


def _jensen_shannon_example(batch: int) -> Inputs:
    rng = np.random.default_rng(1)
    p = rng.uniform(0.1, 1.0, (batch, 3))
    return p / p.sum(1, keepdims=True), _categorical_example(batch)[1], {}


def _jensen_shannon_extremes() -> dict[str, Inputs]:
    cases = _categorical_extremes()
    for beta in (0.0, 1.0):
        for case in ("probabilities exactly 0 and 1", "logits +-1e4"):
            t, p, kw = cases[case]
            cases[f"{case}, beta {beta:g}"] = (t, p, {**kw, "beta": beta})
    return cases


# --- asymmetric -----------------------------------------------------------------------------------


@st.composite
def _asymmetric(draw: Any, logits: bool = False) -> Inputs:
    y_true, y_pred, kwargs = draw(binary(logits))
    return y_true, y_pred, {
        **kwargs,
        "gamma_neg": draw(st.sampled_from([0.0, 2.0, 4.0])),
        "gamma_pos": draw(st.sampled_from([0.0, 1.0])),
        "clip": draw(st.sampled_from([None, 0.0, 0.05, 0.2])),
        "class_reduction": draw(st.sampled_from(["sum", "mean", "none"])),
    }


def _asymmetric_extremes() -> dict[str, Inputs]:
    return {
        **_binary_extremes({}),
        **{f"{case}, gamma_pos 0, no clip": (t, p, {**kw, "gamma_pos": 0.0, "clip": None})
           for case, (t, p, kw) in _binary_extremes({}).items() if case != "all-zero targets"},
    }


# --- kl_div ---------------------------------------------------------------------------------------


@st.composite
def _kl_div(draw: Any) -> Inputs:
    y_true, logits, _ = draw(categorical(logits=True))
    kwargs = {
        "log_target": draw(st.booleans()),
        "generalized": draw(st.booleans()),
        "axis": draw(st.sampled_from([-1, None])),
    }
    if kwargs["log_target"]:
        y_true = _log_softmax(draw(hnp.arrays(np.float64, logits.shape, elements=_reals(-30, 30))))
    return y_true, _log_softmax(logits), kwargs


def _kl_div_example(batch: int) -> Inputs:
    y_true, p = _categorical_example(batch)
    return y_true, np.log(p), {}


def _kl_div_extremes() -> dict[str, Inputs]:
    one_hot = _one_hot(np.array([0, 1, 2]), 3)
    certain = np.array([[-1e4, 0.0, -1e4], [0.0, -1e4, -1e4], [-1e4, -1e4, 0.0]])
    return {
        "log-probabilities -1e4 (probability 0), one-hot targets": (one_hot, certain, {}),
        "all-zero targets": (np.zeros_like(one_hot), _kl_div_example(3)[1], {}),
        "log targets -1e4": (certain, certain[[1, 2, 0]], {"log_target": True}),
        "generalized, log-probabilities -1e4": (one_hot, certain, {"generalized": True}),
        "per element (axis=())": (one_hot, certain, {"axis": ()}),
    }


SPECS: dict[str, Spec] = {
    "kl_div": Spec("categorical", _kl_div, example=_kl_div_example, extremes=_kl_div_extremes),
    "nll": Spec("sparse", _nll, integer_labels=True, example=_nll_example,
                extremes=_nll_extremes),
    "sigmoid_focal": Spec("binary", _sigmoid_focal, logits=lambda: _sigmoid_focal(True),
                          example=_sigmoid_focal_example, extremes=_sigmoid_focal_extremes),
    "poly1_cross_entropy": Spec("categorical", _poly1, logits=lambda: _poly1(True),
                                example=lambda b: (*_categorical_example(b), {}),
                                extremes=_categorical_extremes),
    "multilabel_soft_margin": Spec("binary", _multilabel_soft_margin,
                                   example=_sigmoid_focal_example,
                                   extremes=_multilabel_soft_margin_extremes),
    "jensen_shannon": Spec("categorical", _jensen_shannon, logits=lambda: _jensen_shannon(True),
                           example=_jensen_shannon_example, extremes=_jensen_shannon_extremes),
    "asymmetric": Spec("binary", _asymmetric, logits=lambda: _asymmetric(True),
                       example=_sigmoid_focal_example, extremes=_asymmetric_extremes),
}
