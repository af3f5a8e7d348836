"""Every loss builds lazily on Dask arrays and then computes Keras' numbers.

While a loss is called, the Dask scheduler is one that raises: any ``compute`` (an implicit
``bool(...)``, ``float(...)``, a value check on a lazy array) fails the test. The result is then
computed and compared with the same references as the NumPy/torch/JAX parity tests. Value checks
(label ranges, whole-number labels) are skipped on lazy arrays by design (``is_concrete``).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import Backend
from tests.parity.cases import (
    CASES,
    CLASS_CASES,
    REDUCTIONS,
    call_anyloss,
    call_anyloss_class,
    class_inputs,
    class_reference_for,
    inputs_for,
    reference_for,
)

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

SEED = 0
RTOL, ATOL = 1e-4, 1e-6


class ComputeWhileBuilding(AssertionError):
    pass


def _refuse_to_compute(dsk, keys, **kwargs):
    msg = f"the loss computed a Dask graph while being built (keys {keys!r:.200})"
    raise ComputeWhileBuilding(msg)


class BatchChunkedDask(Backend):
    """Dask arrays in two chunks along the batch axis (several chunks, few tasks: CTC's
    time loop on the helpers' every-axis chunking builds graphs of thousands of tasks)."""

    def asarray(self, x, dtype=None):
        arr = np.asarray(x) if dtype is None else np.asarray(x).astype(dtype)
        chunks = (max(1, -(-arr.shape[0] // 2)), *arr.shape[1:]) if arr.ndim else ()
        return self.module.from_array(arr, chunks=chunks)


@pytest.fixture
def dask_backend() -> Backend:
    return BatchChunkedDask("dask", Backend.load("dask").module)


def test_the_refusing_scheduler_refuses(dask_backend):
    """The guard works: a graph that is computed while it is active raises."""
    x = dask_backend.asarray(np.ones((4, 2)))
    with dask.config.set(scheduler=_refuse_to_compute), pytest.raises(ComputeWhileBuilding):
        bool(x.sum() > 0)


def _lazy(build):
    with dask.config.set(scheduler=_refuse_to_compute):
        out = build()
    assert isinstance(out, da.Array), type(out)
    return np.asarray(out.compute(scheduler="synchronous"))


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.id}-dask") for c in CASES])
def test_function_builds_lazily_and_matches_keras(case, dask_backend):
    inputs = inputs_for(case, SEED)
    value = _lazy(lambda: call_anyloss(case, inputs, dask_backend))
    expected = reference_for(case, SEED)
    assert value.shape == expected.shape
    np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.id}") for c in CLASS_CASES])
def test_class_builds_lazily_and_matches_keras(case, reduction, dask_backend):
    inputs, w = class_inputs(case, SEED, weighted=True)
    value = _lazy(lambda: call_anyloss_class(case, inputs, dask_backend, reduction, w))
    expected = class_reference_for(case, reduction, SEED, True)
    assert value.shape == expected.shape
    np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL)
