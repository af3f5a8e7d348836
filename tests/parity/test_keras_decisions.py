"""The places where anyloss deliberately differs from Keras 3.15.1 (D1, D2 and D13 of
``docs/keras-differences.md``): each decision against an independent NumPy formula, and proof
that Keras really differs there.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import anyloss as al
from tests.parity.cases import CASES_BY_ID, ce_formula, focal_formula, inputs_for, tversky_formula

SEED = 0


# D1: Tversky index = TP / (TP + alpha FP + beta FN); Keras 3.15.1 swaps alpha and beta.

TVERSKY = [CASES_BY_ID["tversky-alpha_0.3_beta_0.7_D1"],
           CASES_BY_ID["tversky-alpha_0.8_beta_0.2_axis_1_2_D1"]]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in TVERSKY])
def test_d1_tversky_is_the_documented_formula(case, grad_backend):
    inputs = inputs_for(case, SEED)
    out = al.tversky(grad_backend.asarray(inputs["y_true"]),
                     grad_backend.asarray(inputs["y_pred"]), **case.kwargs)
    np.testing.assert_allclose(grad_backend.to_numpy(out), tversky_formula(inputs, case.kwargs),
                               rtol=1e-5)
    loss = al.Tversky(**case.kwargs, reduction="none")
    out = loss(grad_backend.asarray(inputs["y_true"]), grad_backend.asarray(inputs["y_pred"]))
    np.testing.assert_allclose(grad_backend.to_numpy(out), tversky_formula(inputs, case.kwargs),
                               rtol=1e-5)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in TVERSKY])
def test_d1_keras_3_15_1_swaps_alpha_and_beta(case):
    inputs = inputs_for(case, SEED)
    kwargs = dict(case.kwargs)
    keras_value = np.asarray(keras.losses.tversky(inputs["y_true"], inputs["y_pred"], **kwargs))
    swapped = dict(kwargs, alpha=kwargs["beta"], beta=kwargs["alpha"])
    np.testing.assert_allclose(keras_value, tversky_formula(inputs, swapped), rtol=1e-5)
    assert not np.allclose(keras_value, tversky_formula(inputs, kwargs), rtol=1e-3)


def test_d1_tversky_alpha_weighs_false_positives():
    """Hand example: one false positive and no false negative. Only ``alpha`` may matter."""
    y_true = np.array([[1.0, 0.0]], "float32")
    y_pred = np.array([[1.0, 1.0]], "float32")  # TP = 1, FP = 1, FN = 0
    assert float(al.tversky(y_true, y_pred, alpha=1.0, beta=0.0)) == pytest.approx(0.5)
    assert float(al.tversky(y_true, y_pred, alpha=0.0, beta=1.0)) == pytest.approx(0.0, abs=1e-6)


# D2: label smoothing counts classes along `axis` of y_pred; Keras 3.15.1 reads y_true's last axis.

D2 = [(al.categorical_crossentropy,
       CASES_BY_ID["categorical_crossentropy-axis_1_3d_logits_smoothing_D2"], ce_formula),
      (al.categorical_focal_crossentropy,
       CASES_BY_ID["categorical_focal_crossentropy-axis_1_3d_smoothing_D2"], focal_formula)]


@pytest.mark.parametrize(("fn", "case", "formula"),
                         [pytest.param(*d, id=d[1].id) for d in D2])
def test_d2_smoothing_counts_classes_on_the_class_axis(fn, case, formula, grad_backend):
    inputs = inputs_for(case, SEED)
    assert inputs["y_pred"].shape[case.kwargs["axis"]] != inputs["y_pred"].shape[-1]
    out = fn(grad_backend.asarray(inputs["y_true"]), grad_backend.asarray(inputs["y_pred"]),
             **case.kwargs)
    np.testing.assert_allclose(grad_backend.to_numpy(out), formula(inputs, case.kwargs),
                               rtol=1e-5)


@pytest.mark.parametrize(("fn", "case", "formula"),
                         [pytest.param(*d, id=d[1].id) for d in D2])
def test_d2_keras_3_15_1_counts_y_true_last_axis(fn, case, formula):
    inputs = inputs_for(case, SEED)
    keras_value = np.asarray(getattr(keras.losses, case.loss)(
        inputs["y_true"], inputs["y_pred"], **case.kwargs))
    # Keras' count is y_true.shape[-1]; smoothing by hand with that count reproduces it.
    ls, classes, wrong = case.kwargs["label_smoothing"], inputs["y_pred"].shape[1], \
        inputs["y_true"].shape[-1]
    keras_smoothed = dict(inputs, y_true=inputs["y_true"] * (1 - ls) + ls / wrong)
    np.testing.assert_allclose(keras_value, formula(keras_smoothed, dict(
        case.kwargs, label_smoothing=0.0)), rtol=1e-4)
    assert classes != wrong
    assert not np.allclose(keras_value, formula(inputs, case.kwargs), rtol=1e-3)


# D13: a sparse label outside [0, classes) raises ValueError naming it (eager mode).

def _sparse_probs():
    return np.full((3, 4), 0.25, "float32")


OUT_OF_RANGE = [
    pytest.param(lambda y, p: al.sparse_categorical_crossentropy(y, p), [0, 4, 1], 4,
                 id="sparse_categorical_crossentropy-label_4_of_4"),
    pytest.param(lambda y, p: al.sparse_categorical_crossentropy(y, p), [0, -1, 1], -1,
                 id="sparse_categorical_crossentropy-label_-1"),
    pytest.param(lambda y, p: al.SparseCategoricalCrossentropy()(y, p), [0, 7, 1], 7,
                 id="SparseCategoricalCrossentropy-label_7"),
    pytest.param(lambda y, p: al.sparse_categorical_crossentropy(y, p, ignore_class=-1),
                 [0, -2, -1], -2, id="sparse_categorical_crossentropy-ignore_-1_label_-2"),
    pytest.param(lambda y, p: al.categorical_generalized_cross_entropy(y, p), [0, 1, 5], 5,
                 id="categorical_generalized_cross_entropy-label_5"),
]


@pytest.mark.parametrize(("fn", "labels", "bad"), OUT_OF_RANGE)
def test_d13_out_of_range_labels_raise(fn, labels, bad, grad_backend):
    y_true = grad_backend.asarray(np.array(labels))
    y_pred = grad_backend.asarray(_sparse_probs())
    with pytest.raises(ValueError, match=rf"label {bad}\b.*\[0, 4\)"):
        fn(y_true, y_pred)


def test_d13_ctc_label_outside_classes_raises(grad_backend):
    labels = grad_backend.asarray(np.array([[1, 5], [2, 0]]))
    logits = grad_backend.asarray(np.zeros((2, 6, 5), "float32"))
    with pytest.raises(ValueError, match=r"label 5\b.*\[0, 5\)"):
        al.ctc(labels, logits)


def test_d13_is_unchecked_inside_jax_jit():
    """Documented: traced labels cannot be read, so the check is skipped under jit."""
    jax = pytest.importorskip("jax")
    out = jax.jit(al.sparse_categorical_crossentropy)(jax.numpy.asarray([0, 4, 1]),
                                                      jax.numpy.asarray(_sparse_probs()))
    assert out.shape == (3,)
