"""Valid inputs of the regression family's catalogue losses: smooth_l1, poisson_nll,
gaussian_nll, pinball, half_squared_error, cosine_distance.

Where a number is valid follows the math: smooth L1, pinball and the half squared error take any
reals; poisson_nll takes counts >= 0 with log-rates (``log_input=True``, kept within exp's
float32 range) or rates >= 0; gaussian_nll takes predicted means and variances >= 0
concatenated on the last axis (variances exactly 0 included: they are clamped at ``eps``);
cosine_distance takes vectors with a direction (a norm of at least 1e-3: optax' default
``epsilon=0`` makes a zero vector 0 / 0), and zero vectors only with ``epsilon > 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.properties.families import BATCHES, Inputs, Spec, regression

_TAUS = (0.0, 0.1, 0.5, 0.9, 1.0)


def _reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32)


def _shape(draw: Any) -> tuple[int, int]:
    return draw(st.sampled_from(BATCHES)), draw(st.sampled_from((1, 3)))


# --- smooth_l1 ------------------------------------------------------------------------------------


@st.composite
def smooth_l1(draw: Any) -> Inputs:
    y_true, y_pred, _ = draw(regression())
    return y_true, y_pred, {"beta": draw(st.sampled_from((0.0, 0.5, 1.0, 2.0)))}


def _smooth_l1_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return rng.uniform(-2.0, 2.0, (batch, 3)), rng.uniform(-2.0, 2.0, (batch, 3)), {"beta": 1.0}


def _smooth_l1_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = _smooth_l1_example(3)
    return {
        "predictions +-1e4": (y_true, np.array([[1e4, -1e4, 0.0]] * 3), kw),
        "prediction equals target": (y_true, y_true.copy(), kw),
        "beta 0 (the absolute error), error 0": (y_true, y_true.copy(), {"beta": 0.0}),
        "error exactly beta": (y_true, y_true + 1.0, kw),
        "tiny beta": (y_true, y_pred, {"beta": 1e-30}),
    }


# --- poisson_nll ------------------------------------------------------------------------------------


@st.composite
def poisson_nll(draw: Any) -> Inputs:
    shape = _shape(draw)
    log_input = draw(st.booleans())
    y_true = draw(hnp.arrays(np.float64, shape, elements=st.one_of(
        st.sampled_from([0.0, 1.0, 2.0]), _reals(0.0, 50.0))))
    # Log-rates within [-20, 20]: exp stays far from float32's overflow at 88.
    rates = _reals(-20.0, 20.0) if log_input else st.one_of(st.just(0.0), _reals(0.0, 50.0))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=rates))
    return y_true, y_pred, {"log_input": log_input, "full": draw(st.booleans())}


def _poisson_nll_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return (rng.integers(0, 6, (batch, 3)).astype(float), rng.uniform(-1.0, 1.5, (batch, 3)),
            {"log_input": True, "full": True})


def _poisson_nll_extremes() -> dict[str, Inputs]:
    y_true, y_pred, _ = _poisson_nll_example(3)
    counts = np.array([[0.0, 1.0, 2.0], [1e4, 0.5, 3.0], [0.0, 0.0, 0.0]])
    return {
        "log-rates +-80": (y_true, np.array([[80.0, -80.0, 0.0]] * 3),
                           {"log_input": True, "full": False}),
        "rates exactly 0": (y_true, np.zeros_like(y_pred), {"log_input": False, "full": False}),
        "rates 1e4": (y_true, np.full_like(y_pred, 1e4), {"log_input": False, "full": True}),
        "Stirling term at 0, 1, 2 and 1e4": (counts, y_pred, {"log_input": True, "full": True}),
        "all-zero targets": (np.zeros_like(y_true), y_pred, {"log_input": True, "full": True}),
    }


# --- gaussian_nll ------------------------------------------------------------------------------------


@st.composite
def gaussian_nll(draw: Any) -> Inputs:
    batch, d = _shape(draw)
    y_true = draw(hnp.arrays(np.float64, (batch, d), elements=_reals(-50.0, 50.0)))
    means = draw(hnp.arrays(np.float64, (batch, d), elements=_reals(-50.0, 50.0)))
    variances = draw(hnp.arrays(np.float64, (batch, d), elements=st.one_of(
        st.sampled_from([0.0, 1e-6, 1.0]), _reals(0.0, 50.0))))
    return (y_true, np.concatenate([means, variances], axis=-1),
            {"full": draw(st.booleans())})


def _gaussian_nll_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(batch, 2))
    y_pred = np.concatenate([rng.normal(size=(batch, 2)), rng.uniform(0.5, 2.0, (batch, 2))], -1)
    return y_true, y_pred, {}


def _gaussian_nll_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = _gaussian_nll_example(3)
    means = y_pred[:, :2]
    return {
        "variances exactly 0": (y_true, np.concatenate([means, np.zeros((3, 2))], -1), kw),
        "variances 1e-30 (below eps)": (y_true, np.concatenate([means, np.full((3, 2), 1e-30)],
                                                               -1), kw),
        "variances 1e4": (y_true, np.concatenate([means, np.full((3, 2), 1e4)], -1), kw),
        "means +-1e4": (y_true, np.concatenate([np.array([[1e4, -1e4]] * 3), y_pred[:, 2:]], -1),
                        kw),
        "mean equals target": (y_true, np.concatenate([y_true, y_pred[:, 2:]], -1),
                               {"full": True}),
        "one target per row (N,) with (N, 2)": (y_true[:, 0], y_pred[:, [0, 2]], kw),
    }


# --- pinball ------------------------------------------------------------------------------------


@st.composite
def pinball(draw: Any) -> Inputs:
    y_true, y_pred, _ = draw(regression())
    d = y_pred.shape[-1]
    tau: Any = draw(st.one_of(
        st.sampled_from(_TAUS), st.floats(0.0, 1.0),
        st.lists(st.sampled_from(_TAUS), min_size=d, max_size=d).map(tuple)))
    return y_true, y_pred, {"tau": tau}


def _pinball_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return (rng.normal(size=(batch, 3)), rng.normal(size=(batch, 3)),
            {"tau": (0.1, 0.5, 0.9)})


def _pinball_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = _pinball_example(3)
    return {
        "predictions +-1e4": (y_true, np.array([[1e4, -1e4, 0.0]] * 3), kw),
        "prediction equals target": (y_true, y_true.copy(), kw),
        "tau 0 and 1": (y_true, y_pred, {"tau": (0.0, 1.0, 1.0)}),
        "one target per row, broadcast over the quantiles": (y_true[:, :1], y_pred, kw),
        "scalar tau": (y_true, y_pred, {"tau": 0.25}),
    }


# --- cosine_distance ------------------------------------------------------------------------------


@st.composite
def cosine_distance(draw: Any) -> Inputs:
    shape = _shape(draw)
    vectors = []
    for _ in range(2):
        raw = draw(hnp.arrays(np.float64, shape, elements=_reals(-50.0, 50.0)))
        # A direction: rows shorter than 1e-3 (all-zero ones included) become all-ones.
        short = np.linalg.norm(raw, axis=-1, keepdims=True) < 1e-3
        vectors.append(np.where(short, 1.0, raw))
    return vectors[0], vectors[1], {"epsilon": draw(st.sampled_from((0.0, 1e-12)))}


def _cosine_distance_example(batch: int) -> Inputs:
    rng = np.random.default_rng(0)
    return rng.normal(size=(batch, 3)), rng.normal(size=(batch, 3)), {}


def _cosine_distance_extremes() -> dict[str, Inputs]:
    y_true, y_pred, kw = _cosine_distance_example(3)
    return {
        "predictions +-1e4": (y_true, np.array([[1e4, -1e4, 0.0]] * 3), kw),
        "prediction equals target": (y_true, y_true.copy(), kw),
        "opposite directions": (y_true, -3.0 * y_true, kw),
        "zero vectors, epsilon 1e-12": (np.zeros_like(y_true), np.zeros_like(y_pred),
                                        {"epsilon": 1e-12}),
        "vectors shorter than sqrt(epsilon)": (1e-8 * y_true, y_pred, {"epsilon": 1e-12}),
        "one entry per vector": (y_true[:, :1], y_pred[:, :1], kw),
    }


SPECS: dict[str, Spec] = {
    "smooth_l1": Spec("regression", smooth_l1, zero_at_equal=True,
                      example=_smooth_l1_example, extremes=_smooth_l1_extremes),
    # exp(y) - t y dips below 0 for t > e (the negative log-likelihood drops a log t! term).
    "poisson_nll": Spec("counts", poisson_nll, non_negative=False,
                        example=_poisson_nll_example, extremes=_poisson_nll_extremes),
    # log(var) < 0 for variances below 1.
    "gaussian_nll": Spec("mean_variance", gaussian_nll, non_negative=False,
                         example=_gaussian_nll_example, extremes=_gaussian_nll_extremes),
    "pinball": Spec("regression", pinball, zero_at_equal=True, example=_pinball_example,
                    extremes=_pinball_extremes),
    "half_squared_error": Spec("regression", regression, zero_at_equal=True),
    "cosine_distance": Spec("regression", cosine_distance, zero_at_equal=True,
                            example=_cosine_distance_example,
                            extremes=_cosine_distance_extremes),
}
