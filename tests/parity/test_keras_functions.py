"""Every built-in loss function equals Keras 3.15.1 on NumPy, PyTorch and JAX inputs.

References come from ``cases.py``: ``keras.losses.<same name>`` on the numpy backend with the
same keyword arguments, or the documented formula where anyloss deliberately differs (D1, D2 in
``docs/keras-differences.md``).
"""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from tests.helpers import keras_losses
from tests.parity.cases import (
    CASES,
    call_anyloss,
    inputs_for,
    is_library_array,
    params,
    reference_for,
)

RTOL, ATOL = 1e-4, 1e-6


def test_table_covers_every_builtin_function():
    covered = {case.loss for case in CASES}
    assert covered == keras_losses(), (
        f"no parity case for {sorted(keras_losses() - covered)}; "
        f"unknown losses {sorted(covered - keras_losses())}")


#: Arguments anyloss adds to a Keras loss, which Keras cannot give reference numbers for (they
#: are tested against their own peers: ctc's against torch.nn.CTCLoss and optax.ctc_loss).
NOT_IN_KERAS = {"ctc": {"divide_by_label_length", "zero_infinity"}}


def test_table_exercises_non_default_arguments():
    """Each loss with Keras hyperparameters has at least one case that sets one of them."""
    import inspect

    for name in sorted(keras_losses()):
        fn = al.losses.FUNCTIONS[name]
        parameters = inspect.signature(fn).parameters
        assert NOT_IN_KERAS.get(name, set()) <= set(parameters), name
        tunable = [p for p in parameters.values()
                   if p.default is not inspect.Parameter.empty
                   and p.name not in NOT_IN_KERAS.get(name, set())]
        if tunable:
            assert any(case.kwargs for case in CASES if case.loss == name), name


@pytest.mark.parametrize(("case", "seed"), params())
def test_function_matches_keras(case, seed, grad_backend):
    out = call_anyloss(case, inputs_for(case, seed), grad_backend)
    expected = reference_for(case, seed)
    assert is_library_array(out, grad_backend)
    assert "float32" in str(out.dtype)
    actual = grad_backend.to_numpy(out)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
