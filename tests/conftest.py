"""Shared fixtures: the `backend` fixture runs a test on every installed array library."""

from __future__ import annotations

import os

# Keras 3 needs a backend before import; the numpy backend is the parity reference.
os.environ.setdefault("KERAS_BACKEND", "numpy")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import BACKENDS, Backend

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=BACKENDS, ids=lambda name: name)
def backend(request: pytest.FixtureRequest) -> Backend:
    """One `Backend` per installed library: numpy, torch, jax, array_api_strict, dask."""
    return Backend.load(request.param)


@pytest.fixture(params=["numpy", "torch", "jax"], ids=lambda name: name)
def grad_backend(request: pytest.FixtureRequest) -> Backend:
    """Backends with autodiff (numpy stands in via finite differences only where noted)."""
    return Backend.load(request.param)


# Counts of bad inputs tried and fuzz examples run, printed in pytest's terminal summary.
pytest_plugins = ["tests.reliability_summary"]
