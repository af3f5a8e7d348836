"""Fixtures for the fast-path tests: a spy on the torch kernels, one torch thread."""

from __future__ import annotations

from typing import Any

import pytest

# Not pytest.importorskip: a skip raised while a conftest loads aborts the whole run when the
# directory is named (`pytest tests/perf`). Without torch, the root conftest skips each module.
try:
    import torch
except ModuleNotFoundError:  # the core install
    torch = None


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
    from anyloss.losses._builtin import BUILTINS

    record = KernelSpy()
    for spec in BUILTINS.values():
        kernel, name = spec.torch_kernel, spec.name
        if kernel is None:
            continue

        def wrapped(y_true: Any, y_pred: Any, reduction: str, dtype: Any, *args: Any,
                    _kernel: Any = kernel, _name: str = name, **kwargs: Any) -> Any:
            out = _kernel(y_true, y_pred, reduction, dtype, *args, **kwargs)
            (record.declined if out is None else record.taken).append((_name, reduction))
            return out

        # The declaration holds the kernel for function calls, the class for fused calls.
        monkeypatch.setattr(spec, "torch_kernel", wrapped)
        monkeypatch.setattr(spec.loss_class, "_kernel", wrapped)
    return record


@pytest.fixture(autouse=True)
def _one_thread():
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
