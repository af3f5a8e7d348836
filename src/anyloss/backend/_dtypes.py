"""The compute-dtype policy, without importing any array library (torch-only modules use it)."""

from __future__ import annotations

from typing import Any

__all__ = ["compute_dtype"]


def compute_dtype(xp: Any, dtype: Any) -> Any:
    """The dtype a loss computes in: float64 stays float64, everything else is float32.

    float16/bfloat16 lose whole losses to rounding (CE from logits ``[12, 0, -3]`` is 0.0 in
    float16), so they are computed in float32, like Keras' default policy. Integer and boolean
    inputs compute in float32 too. ``xp`` is an array namespace or any module with ``float32``
    and ``float64`` attributes (``torch`` itself works).
    """
    if dtype == xp.float64:
        return xp.float64
    return xp.float32
