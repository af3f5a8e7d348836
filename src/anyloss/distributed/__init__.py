"""Losses across processes and devices: global normalisation and sharded vocabularies.

- :func:`global_loss` reduces a loss over the **global** batch when each process (or device)
  holds a shard of it: the denominators of ``"sum_over_batch_size"``, masked means and
  ``"mean_with_sample_weight"`` are summed over all shards, so N shards give the loss and the
  gradients of one process on the concatenated batch.
- :class:`GradientAccumulation` does the same over the micro-batches of one optimiser step.
- :func:`batch_parts` lets a batch-level loss (circle, contrastive, NT-Xent, ...) compare each
  shard's anchors with the rows of every shard.
- :func:`vocab_parallel_sparse_categorical_crossentropy` and
  :func:`vocab_parallel_linear_cross_entropy`: cross-entropy over logits (or an output layer)
  split along the vocabulary across ranks or devices, as tensor-parallel training does.

See ``docs/scaling-out.md`` for the ``torchrun`` and JAX mesh recipes.
"""

from __future__ import annotations

from anyloss.distributed._batch import batch_parts
from anyloss.distributed._normalize import GradientAccumulation, global_loss
from anyloss.distributed._vocab import (
    vocab_parallel_linear_cross_entropy,
    vocab_parallel_sparse_categorical_crossentropy,
)

__all__ = [
    "GradientAccumulation",
    "batch_parts",
    "global_loss",
    "vocab_parallel_linear_cross_entropy",
    "vocab_parallel_sparse_categorical_crossentropy",
]
