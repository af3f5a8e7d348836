"""What the math promises, on generated valid inputs: zero at a perfect prediction, never
negative, reductions that agree with each other, weights of ones that change nothing, and an
empty batch that neither crashes nor turns into NaN.

Empty batch (decided here): every function returns an empty ``(0,)`` array, and every class
returns the unreduced ``(0,)`` for every reduction, as Keras 3 does (``reduce_values`` passes
``(0,)`` through); ``LossesContainer`` turns it into 0 (see tests/test_container.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import anyloss as al
from tests.helpers import Backend
from tests.properties import _run
from tests.properties.families import CLASS_OF, SPECS, example, scaled

NAMES = sorted(SPECS)
REDUCTIONS = ["sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none"]


@pytest.mark.parametrize("name", sorted(n for n in NAMES if SPECS[n].zero_at_equal))
def test_regression_losses_are_zero_when_prediction_equals_target(name, backend):
    @scaled(0.15)
    @given(inputs=SPECS[name].strategy())
    def check(inputs):
        y_true, _, kwargs = inputs
        out = _run.call(name, backend, y_true, y_true.copy(), kwargs, jit=True)
        np.testing.assert_allclose(out, 0.0, atol=1e-6)

    check()


@pytest.mark.parametrize("name", sorted(n for n in NAMES if SPECS[n].non_negative))
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_losses_are_never_negative(name, lib):
    backend = Backend.load(lib)

    @scaled(0.25)
    @given(inputs=SPECS[name].strategy())
    def check(inputs):
        y_true, y_pred, kwargs = inputs
        out = _run.call(name, backend, y_true, y_pred, kwargs)
        # Rounding only: KL with eps-clipped zeros and log-cosh near 0 dip by ~1e-6.
        assert np.all(out >= -1e-5), (out, inputs)

    check()


def _per_sample_weights(values: np.ndarray) -> np.ndarray:
    return np.ones(values.shape[:1]) if values.ndim else np.asarray(1.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_reductions_agree_and_weights_of_ones_change_nothing(name, lib):
    backend = Backend.load(lib)
    cls = CLASS_OF[name]

    @scaled(0.1)
    @given(inputs=SPECS[name].strategy())
    def check(inputs):
        y_true, y_pred, kwargs = inputs
        t = _run.array(backend, y_true, "float32")
        p = _run.array(backend, y_pred, "float32")
        per_sample = backend.to_numpy(cls(reduction="none", **kwargs)(t, p))
        out = {r: backend.to_numpy(cls(reduction=r, **kwargs)(t, p)) for r in REDUCTIONS}
        # Masked losses (circle, the batch-level losses) average over their valid entries.
        count = _valid_count(name, t, p, kwargs, per_sample)
        total = float(np.sum(per_sample))
        # float32 sums in another order (torch's fused kernels vs per-sample values) differ by
        # rounding relative to the magnitude summed, not to a result that cancels to near 0
        # (Poisson terms of +-120 summing to 0.077).
        tol = {"sum": 1e-6 * (1.0 + float(np.sum(np.abs(per_sample)))),
               "none": 1e-6 * (1.0 + float(np.max(np.abs(per_sample), initial=0.0)))}
        for r in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
            tol[r] = tol["sum"] / max(count, 1)
        np.testing.assert_allclose(out["sum"], total, rtol=1e-5, atol=tol["sum"])
        np.testing.assert_allclose(out["sum"], out["sum_over_batch_size"] * count,
                                   rtol=1e-5, atol=tol["sum"])
        np.testing.assert_allclose(out["mean"], out["sum_over_batch_size"], rtol=1e-6)
        np.testing.assert_allclose(out["mean_with_sample_weight"], out["sum_over_batch_size"],
                                   rtol=1e-6)
        ones = _run.array(backend, _per_sample_weights(per_sample), "float32")
        for r in REDUCTIONS:
            weighted = backend.to_numpy(cls(reduction=r, **kwargs)(t, p, sample_weight=ones))
            np.testing.assert_allclose(weighted, out[r], rtol=1e-6, atol=tol[r], err_msg=r)

    check()


def _valid_count(name: str, y_true, y_pred, kwargs: dict, per_sample: np.ndarray) -> int:
    """How many per-sample values count in ``sum_over_batch_size``: all, or the valid ones of
    a masked loss (its formula returns the mask beside the values)."""
    spec = al.losses._builtin.BUILTINS[name]
    if not spec.masked:
        return per_sample.size
    mask = spec.per_sample(y_true, y_pred, spec.arguments((), kwargs)).mask
    return per_sample.size if mask is None else int(np.sum(np.asarray(mask)))


def _empty(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    y_true, y_pred, kwargs = example(name)
    return y_true[:0], y_pred[:0], kwargs


# Dask's tree reduction of `max` fails on a zero-size chunk (its own ValueError from NumPy).
DASK_EMPTY_MAX = pytest.mark.xfail(raises=ValueError, strict=True,
                                   reason="dask: max over a zero-size batch chunk fails")


@pytest.mark.parametrize("name", NAMES)
def test_empty_batch_gives_an_empty_result(name, backend, request):
    if backend.name == "dask" and name in ("categorical_hinge", "ctc", "dice_ce", "dice_focal",
                                           "generalized_dice", "multiclass_hinge"):
        request.applymarker(DASK_EMPTY_MAX)
    y_true, y_pred, kwargs = _empty(name)
    out = _run.call(name, backend, y_true, y_pred, kwargs)
    assert out.shape == (0,)
    t, p = _run.array(backend, y_true, "float32"), _run.array(backend, y_pred, "float32")
    for reduction in REDUCTIONS:
        reduced = backend.to_numpy(CLASS_OF[name](reduction=reduction, **kwargs)(t, p))
        assert reduced.shape == (0,), reduction


def test_empty_batch_of_dice_over_everything_is_one_number():
    # axis=None reduces the whole (empty) batch: 1 - 0 / (0 + eps) = 1 (no NaN).
    out = al.dice(np.zeros((0, 4)), np.zeros((0, 4)))
    assert np.asarray(out).shape == () and float(out) == 1.0
