"""Shared fixtures: the `backend` fixture runs a test on every installed array library."""

from __future__ import annotations

import os

# Keras 3 needs a backend before import; the numpy backend is the parity reference.
os.environ.setdefault("KERAS_BACKEND", "numpy")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# `make test` runs two xdist workers on two cores: one compute thread per library per worker, so
# that torch's and TensorFlow's thread pools do not oversubscribe the cores (set before either
# is imported; the tests' subprocesses inherit it).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up notices

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import BACKENDS, Backend

# ``ci`` (make test) draws the same examples on every run: a red run is a regression, not a new
# random draw (one found CIoU's NaN at a height of 1e-38 only on the fourth run). ``thorough``
# (make test-thorough) draws new ones each time, 1000 per property, to find such cases.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=BACKENDS, ids=lambda name: name)
def backend(request: pytest.FixtureRequest) -> Backend:
    """One `Backend` per installed library: numpy, torch, jax, array_api_strict, dask,
    tensorflow."""
    return Backend.load(request.param)


@pytest.fixture(params=["numpy", "torch", "jax", "tensorflow"], ids=lambda name: name)
def grad_backend(request: pytest.FixtureRequest) -> Backend:
    """Backends with autodiff (numpy stands in via finite differences only where noted)."""
    return Backend.load(request.param)


@pytest.fixture
def _registry_restored() -> Any:
    """Leave anyloss' registry of custom losses as it was (for tests and page examples that
    register losses with ``@al.register()``)."""
    from anyloss.losses import _names

    saved = dict(_names._REGISTERED), dict(_names._REGISTERED_NAMES)
    yield
    for table, before in zip((_names._REGISTERED, _names._REGISTERED_NAMES), saved, strict=True):
        table.clear()
        table.update(before)


#: Libraries the core install (`pip install anyloss`) lacks. A test module that imports one at
#: the top is skipped, not failed, where it is not installed (`make test-core`); installed, an
#: import error in it still fails collection.
OPTIONAL_LIBRARIES = frozenset(
    {"torch", "jax", "jaxlib", "keras", "optax", "dask", "array_api_strict", "ml_dtypes",
     "matplotlib", "tensorflow", "tf_keras"}
)


def _missing_optional(error: BaseException | None) -> str | None:
    """The optional library whose absence raised ``error`` (or one of its causes), if any."""
    while error is not None:
        if isinstance(error, ModuleNotFoundError) and error.name:
            top = error.name.partition(".")[0]
            if top in OPTIONAL_LIBRARIES and importlib.util.find_spec(top) is None:
                return top
        error = error.__cause__ or error.__context__
    return None


class _OptionalModule(pytest.Module):
    def _getobj(self) -> Any:
        try:
            return super()._getobj()
        except self.CollectError as error:
            missing = _missing_optional(error)
            if missing is None:
                raise
            pytest.skip(f"{missing} is not installed", allow_module_level=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``slow`` tests (a minute or more each: subprocesses that import Keras or run tf-keras'
    suite) first, so that `-n 2` spreads them over both workers from the start instead of one
    worker finishing them alone at the end. The sort is stable: the same order in every worker,
    as xdist requires."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    if module_path.name == "__init__.py":
        return None
    return _OptionalModule.from_parent(parent, path=module_path)



# Counts of bad inputs tried and fuzz examples run, printed in pytest's terminal summary.
pytest_plugins = ["tests.reliability_summary"]
