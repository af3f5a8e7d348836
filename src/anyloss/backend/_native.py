"""Native fast paths: a library's own fused kernels for built-in losses.

A built-in loss first asks :func:`native` for a kernel of ``y_pred``'s library. A kernel
computes the loss only where its semantics are exactly those of the array-API code (dtype
policy, shapes, arguments, label checks and error messages) and returns ``None`` otherwise, so
anything unusual takes the array-API path, which raises the errors. Kernels also take the
reduction, so an unweighted ``Loss`` call is one fused kernel (e.g. ``F.cross_entropy`` with
``reduction="mean"``) instead of per-sample values plus a separate sum and division.

Only torch has kernels (``_torch_kernels``): JAX's jitted array-API code already matches optax
(``shared/BACKENDS.md`` section 3), and NumPy has no fused kernels to call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from anyloss.backend._checks import is_torch_array

_KERNELS: dict[type, Any] = {}
_generic_only = False


@contextlib.contextmanager
def generic_only() -> Iterator[None]:
    """Inside the block every loss takes the array-API path (tests compare the two paths)."""
    global _generic_only
    old, _generic_only = _generic_only, True
    try:
        yield
    finally:
        _generic_only = old


def kernels(x: Any) -> Any:
    """The kernel module for ``x``'s library, or ``None`` (decided once per array type)."""
    if _generic_only:
        return None
    kind = type(x)
    try:
        return _KERNELS[kind]
    except KeyError:
        pass
    module = None
    if is_torch_array(x):
        from anyloss.backend import _torch_kernels as module
    _KERNELS[kind] = module
    return module


def native(name: str, y_true: Any, y_pred: Any, reduction: str = "none", dtype: Any = None,
           **kwargs: Any) -> Any:
    """The loss ``name`` from ``y_pred``'s native kernel, or ``None`` where there is none or it
    does not cover these arguments.

    ``reduction`` is a canonical reduction name (``"none"`` for per-sample values), ``dtype``
    the ``Loss``' compute dtype name (``None``: ``y_pred``'s, at least float32).
    """
    module = kernels(y_pred)
    kernel = None if module is None else getattr(module, name, None)
    return None if kernel is None else kernel(y_true, y_pred, reduction, dtype, **kwargs)
