"""Training tests: one torch thread (the CI machine has two shared cores), fixed seeds."""

from __future__ import annotations

import pytest

# Not pytest.importorskip: a skip raised while a conftest loads aborts the whole run when the
# directory is named (`pytest tests/perf`). Without torch, the root conftest skips each module.
try:
    import torch
except ModuleNotFoundError:  # the core install
    torch = None


@pytest.fixture(autouse=True)
def _deterministic_torch():
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
