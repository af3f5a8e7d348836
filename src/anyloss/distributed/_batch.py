"""Batch-level losses over the global batch: each shard's anchors against every shard's rows."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.backend import _collectives as C
from anyloss.losses._base import Loss
from anyloss.losses._reduction import LossParts, reduction_parts


def batch_parts(
    loss: Loss,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    mask: Any = None,
    *,
    group: Any = None,
    axis_name: Any = None,
) -> LossParts:
    """:meth:`~anyloss.Loss.parts` of a batch-level loss whose pairs span every shard.

    Circle, contrastive, triplet mining, NT-Xent and the other losses that compare the rows of
    a batch with each other see only their shard in data-parallel training, which changes the
    loss (fewer positives and negatives per anchor). Here every process gathers all shards'
    ``y_true`` and ``y_pred`` (differentiably: gradients flow back to the shard that owns each
    row), computes the per-anchor values over the global batch and keeps its own anchors, so
    :func:`global_loss` of the result equals the loss of one process on the concatenated
    batch, value and gradient. Each process computes every anchor (``world_size`` times the
    work of its shard), which is what the small pairwise losses can afford.

    Args:
        loss: an anyloss :class:`~anyloss.Loss` (any reduction but ``"none"``).
        y_true, y_pred: this shard's rows (shards may differ in size on PyTorch; equal under
            ``shard_map``).
        sample_weight, mask: this shard's, as for ``loss.parts``. Default ``None``.
        group: PyTorch process group (default group); ``axis_name``: JAX mesh axis inside
            ``shard_map``. With neither (one process), this is ``loss.parts``.

    Returns:
        The :class:`~anyloss.LossParts` of this shard's anchors; pass it to
        :func:`global_loss` with the same ``group``/``axis_name``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> from anyloss.distributed import batch_parts, global_loss
        >>> loss = al.Circle()
        >>> labels, emb = np.array([0, 0, 1, 1]), np.eye(4)[:, :3] + 0.1
        >>> parts = batch_parts(loss, labels, emb)  # one process
        >>> bool(np.isclose(global_loss(parts), loss(labels, emb)))
        True
    """
    xp = B.namespace(y_pred)
    if group is not None and not B.is_torch(xp):
        msg = "Argument `group` needs PyTorch tensors; use axis_name= inside jax.shard_map."
        raise ValueError(msg)
    if axis_name is not None and not B.is_jax(xp):
        msg = "Argument `axis_name` needs JAX arrays; use group= with torch.distributed."
        raise ValueError(msg)
    n = B.shape(y_pred)[0]
    labels = B.like(y_true, y_pred, xp)
    start: Any = 0
    if B.is_torch(xp):
        y_pred, start = C.torch_gather_rows(y_pred, group)
        labels, _ = C.torch_gather_rows(labels, group)
    elif axis_name is not None:
        y_pred, start = C.jax_gather_rows(y_pred, axis_name)
        labels, _ = C.jax_gather_rows(labels, axis_name)
    _, out, combined, dtype, _ = loss._per_sample(labels, y_pred, None, None)
    out = C.take_rows(out, start, n)
    if combined is not None:
        combined = C.take_rows(combined, start, n)
    if mask is not None:
        local = B.like(mask, out, xp, arg="mask")
        local = local if local.dtype == xp.bool else xp.not_equal(local, 0)
        combined = local if combined is None else combined & local
    return reduction_parts(out, sample_weight, combined, loss.reduction, dtype)
