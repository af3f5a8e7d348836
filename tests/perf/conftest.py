"""Fixtures for the fast-path tests: a spy on the torch kernels, one torch thread."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")


class KernelSpy:
    """Records what each torch kernel returned: ``taken`` lists (name, reduction) pairs of calls
    that computed the loss, ``declined`` those that returned ``None``."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, str]] = []
        self.declined: list[tuple[str, str]] = []

    def names(self) -> set[str]:
        return {name for name, _ in self.taken}


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> KernelSpy:
    from anyloss.backend import _torch_kernels

    record = KernelSpy()
    for name in ("mean_squared_error", "mean_absolute_error", "huber", "poisson",
                 "cosine_similarity", "kl_divergence", "binary_crossentropy",
                 "categorical_crossentropy", "sparse_categorical_crossentropy", "ctc"):
        kernel = getattr(_torch_kernels, name)

        def wrapped(y_true: Any, y_pred: Any, reduction: str, dtype: Any, *args: Any,
                    _kernel: Any = kernel, _name: str = name, **kwargs: Any) -> Any:
            out = _kernel(y_true, y_pred, reduction, dtype, *args, **kwargs)
            (record.declined if out is None else record.taken).append((_name, reduction))
            return out

        monkeypatch.setattr(_torch_kernels, name, wrapped)
    return record


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
