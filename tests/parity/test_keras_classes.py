"""Every built-in ``Loss`` class, with every reduction, with and without per-sample weights
(zeros included), equals the Keras 3.15.1 class built with the same constructor arguments.

Keras 3.15.1 gaps respected: its ``SparseCategoricalCrossentropy`` has no ``label_smoothing``
(not used here), and ``(batch,)`` weights on ``(batch, time)`` losses is decision D4 (tested in
``tests/test_reduction.py``), so every class here gives per-sample losses of shape ``(batch,)``.
The Tversky class is compared with Keras' with ``alpha``/``beta`` swapped (D1).
"""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from tests.helpers import keras_losses
from tests.parity.cases import (
    CLASS_CASES,
    REDUCTIONS,
    call_anyloss_class,
    class_inputs,
    class_reference_for,
    is_library_array,
)

RTOL, ATOL = 1e-4, 1e-6
SEED = 0


def test_table_covers_every_builtin_class():
    covered = {case.cls for case in CLASS_CASES}
    keras = {al.losses.CLASS_OF_FUNCTION[name] for name in keras_losses()}
    assert covered == keras, sorted(keras ^ covered)


def test_masked_cases_do_mask():
    """The ignore_class and circle cases really have entries that leave the mean, so the
    valid-count division is exercised (else they would test nothing beyond the others)."""
    for case in CLASS_CASES:
        if case.cls == "SparseCategoricalCrossentropy" and "ignore_class" in case.kwargs:
            inputs, _ = class_inputs(case, SEED, False)
            assert np.any(inputs["y_true"] == case.kwargs["ignore_class"])
        if case.cls == "Circle":
            per_sample = class_reference_for(case, "none", SEED, False)
            mean = class_reference_for(case, "sum_over_batch_size", SEED, False)
            assert np.any(per_sample == 0) and np.all(per_sample >= 0)
            np.testing.assert_allclose(mean, per_sample.sum() / np.count_nonzero(per_sample),
                                       rtol=1e-6)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CLASS_CASES])
def test_class_matches_keras(case, reduction, weighted, grad_backend):
    inputs, w = class_inputs(case, SEED, weighted)
    out = call_anyloss_class(case, inputs, grad_backend, reduction, w)
    expected = class_reference_for(case, reduction, SEED, weighted)
    assert is_library_array(out, grad_backend)
    actual = grad_backend.to_numpy(out)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
