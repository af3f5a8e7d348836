"""Run the bad-input table (table.py): every row on NumPy, PyTorch, JAX and TensorFlow inputs
where it takes arrays. Each row must raise exactly its error, with a message naming the argument,
what was seen and the fix. NaN rows: NaN in a float input gives NaN in the loss, without an
exception."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.bad_inputs.table import ARRAY_ROWS, NAN_ROWS, PLAIN_ROWS, Bad
from tests.helpers import Backend
from tests.properties import _run
from tests.properties.families import example

LIBS = ["numpy", "torch", "jax", "tensorflow"]


def maker(backend: Backend):
    """``A(x)``: NumPy numeric arrays become ``backend`` arrays; everything else (None, strings,
    objects, Python values) is passed as given, as a user would."""

    def A(x):
        if not isinstance(x, (np.ndarray, np.generic)) or x.dtype.kind in "USO":
            return x
        if backend.name == "torch":
            import torch

            return torch.as_tensor(np.asarray(x))
        return backend.asarray(x)

    return A


def check(row: Bad, A) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(row.error) as info:
            row.call(A)
    err = info.value
    assert type(err) is row.error, f"{type(err).__name__}: {err}"
    message = str(err).lower()
    for part in ("arg", "seen", "fix"):
        words = getattr(row, part)
        assert words.lower() in message, f"the message lacks the {part} {words!r}: {err}"


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("row", ARRAY_ROWS, ids=lambda r: r.id)
def test_bad_array_input(row, lib):
    check(row, maker(Backend.load(lib)))


@pytest.mark.parametrize("row", PLAIN_ROWS, ids=lambda r: r.id)
def test_bad_argument(row):
    check(row, maker(Backend.load("numpy")))


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(("name", "where", "from_logits"), NAN_ROWS,
                         ids=lambda v: {True: "logits", False: ""}.get(v, str(v)))
def test_nan_in_gives_nan_out(name, where, from_logits, lib):
    y_true, y_pred, kwargs = example(name)
    if from_logits:
        kwargs = {**kwargs, "from_logits": True}
    target = y_pred if where == "y_pred" else y_true
    target = target.copy()
    target[(0,) * target.ndim] = np.nan
    args = (y_true, target) if where == "y_pred" else (target, y_pred)
    out = _run.call(name, Backend.load(lib), *args, kwargs)
    # The sample (or the whole-batch value) that saw the NaN is NaN; nothing became a number.
    assert np.isnan(out.reshape(-1)[0]), out
