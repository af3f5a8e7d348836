"""Keras' ``keras.utils`` helpers that the classic example programs call:
``set_random_seed``, ``to_categorical`` and ``pad_sequences``. NumPy only (torch is seeded when
it is installed).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pad_sequences", "set_random_seed", "to_categorical"]


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and (when installed) torch.

    Args:
        seed: a non-negative int.

    Example:
        >>> from anyloss.utils import set_random_seed
        >>> set_random_seed(1)
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"Argument `seed` must be a non-negative int. Received: seed={seed!r}"
        raise ValueError(msg)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Class indices to one-hot rows (Keras' ``to_categorical``).

    Args:
        x: integer class indices, any shape; a trailing axis of size 1 is dropped.
        num_classes: the number of classes (default: ``max(x) + 1``).

    Returns:
        A float32 array of shape ``x.shape + (num_classes,)``.

    Example:
        >>> from anyloss.utils import to_categorical
        >>> to_categorical([0, 2], num_classes=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    labels = np.asarray(x)
    fractional = not np.issubdtype(labels.dtype, np.integer) and labels.size
    if fractional and not np.all(np.equal(np.mod(labels, 1), 0)):
        msg = (
            "Argument `x` of to_categorical must hold integer class indices. Received "
            f"values such as {labels.ravel()[:3].tolist()}: round or argmax them first."
        )
        raise ValueError(msg)
    labels = labels.astype("int64")
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        msg = (
            f"to_categorical: class indices must lie in [0, num_classes={num_classes}); "
            f"received values in [{labels.min()}, {labels.max()}]. Pass a larger num_classes."
        )
        raise ValueError(msg)
    return np.eye(num_classes, dtype="float32")[labels]


def pad_sequences(
    sequences: Sequence[Sequence[Any]],
    maxlen: int | None = None,
    dtype: str = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: float = 0.0,
) -> np.ndarray:
    """Lists of token ids to one ``(samples, maxlen)`` array (Keras' ``pad_sequences``).

    Args:
        sequences: a list of sequences (lists or 1-D arrays).
        maxlen: the length kept (default: the longest sequence).
        dtype: the array's dtype.
        padding: ``"pre"`` (Keras' default) or ``"post"``: where the padding goes.
        truncating: ``"pre"`` or ``"post"``: which end of a longer sequence is cut.
        value: the padding value (0, which ``Embedding(mask_zero=True)`` masks).

    Returns:
        The padded array.

    Example:
        >>> from anyloss.utils import pad_sequences
        >>> pad_sequences([[1, 2], [3, 4, 5]]).tolist()
        [[0, 1, 2], [3, 4, 5]]
    """
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            msg = f"Argument `{name}` must be 'pre' or 'post'. Received: {name}={choice!r}"
            raise ValueError(msg)
    lengths = [len(s) for s in sequences]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 0:
        msg = f"Argument `maxlen` must be a non-negative int or None. Received: maxlen={maxlen!r}"
        raise ValueError(msg)
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or not maxlen:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, -len(kept) :] = kept
    return out
