"""Vocabulary-parallel sparse cross-entropy from logits: the collectives and the gradients.

Each rank holds the columns ``[start, start + V_local)`` of the logits (or the rows of the
output projection); the full ``(N, V)`` logits never exist on one rank. Three row statistics
are combined across ranks: the max (a shift with no gradient), the sum of exponentials and the
target logit (plus the sum of logits for label smoothing)::

    m    = max_ranks(max(x_local))                           (all-reduce MAX / pmax)
    S    = sum_ranks(sum(exp(x_local - m)))                  (all-reduce SUM / psum)
    t    = sum_ranks(x_local[y - start] - m if y in shard)   (the same SUM)
    loss = (1 - ls) (log S - t) + ls (log S - sum_ranks(sum(x_local - m)) / V)

torch: a ``torch.autograd.Function`` whose forward runs one all-reduce MAX and one stacked
all-reduce SUM and saves this rank's softmax shard; its backward is local,
``(softmax_local - (1 - ls) onehot_local - ls / V) * g``, with no collective (as in Megatron-LM).
JAX: plain ``jnp`` and ``lax.pmax``/``lax.psum`` inside the caller's ``shard_map``, differentiated
by JAX (with ``shard_map``'s default ``check_vma=True`` the transpose of ``psum`` is local too).

torch and JAX are imported inside the functions: ``import anyloss`` imports neither.

Reference: Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models Using
Model Parallelism" (2019), https://arxiv.org/abs/1909.08053
"""

from __future__ import annotations

import functools
from typing import Any

from anyloss.backend._dtypes import compute_dtype

__all__ = [
    "jax_axis_position",
    "jax_vocab_parallel_crossentropy",
    "torch_group_position",
    "torch_vocab_parallel_crossentropy",
    "torch_vocab_parallel_linear_crossentropy",
]


# --- torch ----------------------------------------------------------------------------------


def torch_group_position(group: Any, loss: str) -> tuple[int, int]:
    """``(rank, world_size)`` of this process in ``group`` (``None``: the default group);
    ``ValueError`` when torch.distributed is unavailable, not initialised, or this process is
    not in ``group``."""
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_initialized():
        msg = (
            f"{loss}: torch.distributed has no process group in this process. Call "
            "torch.distributed.init_process_group(...) in every rank first (or launch with "
            "torchrun), and pass the tensor-parallel group as `group=` (None: the default group)."
        )
        raise ValueError(msg)
    rank = dist.get_rank(group)
    if rank < 0:
        msg = (
            f"{loss}: this process is not a member of `group` (get_rank(group) == {rank}). "
            "Call the loss only in the ranks of the tensor-parallel group that holds the shards."
        )
        raise ValueError(msg)
    return rank, dist.get_world_size(group)


@functools.cache
def _torch_functions() -> tuple[Any, Any]:
    """The two ``torch.autograd.Function`` classes, built on first use (torch imported then)."""
    import torch
    import torch.distributed as dist
    from torch.autograd.function import once_differentiable

    from anyloss.backend._torch_chunked import LinearGradients

    MAX, SUM = dist.ReduceOp.MAX, dist.ReduceOp.SUM

    def shard_labels(labels: Any, start: int, width: int) -> tuple[Any, Any]:
        """``(in_shard, local)``: whether each label is in ``[start, start + width)``, and its
        column in this shard (0 elsewhere)."""
        in_shard = (labels >= start) & (labels < start + width)
        local = torch.where(in_shard, labels - start, torch.zeros_like(labels))
        return in_shard, local

    def combine(stats: Any, vocab: int, smoothing: float, group: Any) -> tuple[Any, Any]:
        """All-reduce the stacked row statistics ``[S, t(, sum x)]`` (shifted by the global
        max) in place; ``(loss, log S)``."""
        dist.all_reduce(stats, op=SUM, group=group)
        log_sum = stats[0].log()
        loss = log_sum - stats[1]
        if smoothing:
            loss = (1.0 - smoothing) * loss + smoothing * (log_sum - stats[2] / vocab)
        return loss, log_sum

    def softmax_gradient(
        probs: Any, in_shard: Any, local: Any, grad: Any, vocab: int, smoothing: float
    ) -> Any:
        """``(probs - (1 - ls) onehot - ls / V) * grad``, in place in ``probs``."""
        if smoothing:
            probs.sub_(smoothing / vocab)
        hit = torch.where(
            in_shard,
            torch.full_like(grad, smoothing - 1.0),
            torch.zeros_like(grad),
        )
        probs.scatter_add_(1, local[:, None], hit[:, None])
        return probs.mul_(grad[:, None])

    class VocabParallelCrossentropy(torch.autograd.Function):
        """Per-row sparse CE of ``(N, V_local)`` logit shards; ``(N,)`` int64 global labels
        (in range: ignored rows are given a valid label by the caller and masked after)."""

        @staticmethod
        def forward(
            ctx: Any,
            logits: Any,
            labels: Any,
            start: int,
            vocab: int,
            group: Any,
            smoothing: float,
        ) -> Any:
            compute = compute_dtype(torch, logits.dtype)
            rows, width = logits.shape
            row_max = logits.detach().amax(1).to(compute)
            dist.all_reduce(row_max, op=MAX, group=group)
            # The one (N, V_local) buffer: shifted logits, then exp, then this shard's softmax.
            probs = logits.detach().to(compute, copy=True).sub_(row_max[:, None])
            in_shard, local = shard_labels(labels, start, width)
            stats = torch.empty((3 if smoothing else 2, rows), dtype=compute, device=probs.device)
            target = probs.gather(1, local[:, None])[:, 0]
            stats[1] = torch.where(in_shard, target, torch.zeros_like(target))
            if smoothing:
                stats[2] = probs.sum(1)
            probs.exp_()
            stats[0] = probs.sum(1)
            loss, _ = combine(stats, vocab, smoothing, group)
            probs.div_(stats[0][:, None])
            ctx.save_for_backward(probs, in_shard, local)
            ctx.vocab, ctx.smoothing, ctx.dtype = vocab, smoothing, logits.dtype
            return loss

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad_loss: Any) -> tuple[Any, ...]:
            probs, in_shard, local = ctx.saved_tensors
            # In place, as in Megatron-LM: the softmax is needed once, and the backward pass
            # then allocates nothing of (N, V_local) size. A second backward through the same
            # graph (retain_graph=True) fails loudly: autograd sees the saved tensor modified.
            grad = softmax_gradient(
                probs,
                in_shard,
                local,
                grad_loss.to(probs.dtype),
                ctx.vocab,
                ctx.smoothing,
            )
            return grad.to(ctx.dtype), None, None, None, None, None

    def logits_of(hidden: Any, weight: Any, bias: Any, compute: Any) -> Any:
        logits = hidden @ weight.T if bias is None else torch.addmm(bias, hidden, weight.T)
        return logits.to(compute)

    class VocabParallelLinearCrossentropy(torch.autograd.Function):
        """Per-row sparse CE of ``hidden @ weight_local.T + bias_local``, ``chunk_size`` rows
        at a time: each chunk keeps its local max, sum of exponentials and target; one
        all-reduce MAX and one SUM combine them after the loop. The backward pass rebuilds the
        logits chunk by chunk (no collective); the gradient of ``hidden`` is this rank's part
        of a sum over the ranks."""

        @staticmethod
        def forward(
            ctx: Any,
            hidden: Any,
            weight: Any,
            bias: Any,
            labels: Any,
            start: int,
            vocab: int,
            group: Any,
            smoothing: float,
            chunk_size: int,
        ) -> Any:
            compute = compute_dtype(torch, torch.promote_types(hidden.dtype, weight.dtype))
            rows, width = hidden.shape[0], weight.shape[0]
            device = hidden.device
            local_max = torch.empty(rows, dtype=compute, device=device)
            stats = torch.empty((3 if smoothing else 2, rows), dtype=compute, device=device)
            in_shard, local = shard_labels(labels, start, width)
            for begin in range(0, rows, chunk_size):
                end = begin + chunk_size
                logits = logits_of(hidden[begin:end], weight, bias, compute)
                chunk_max = logits.amax(1)
                # A shard of -inf only (masked padding columns) adds exp(-inf) = 0.
                chunk_max = torch.where(
                    torch.isneginf(chunk_max), torch.zeros_like(chunk_max), chunk_max
                )
                local_max[begin:end] = chunk_max
                logits.sub_(chunk_max[:, None])
                stats[1, begin:end] = logits.gather(1, local[begin:end, None])[:, 0]
                if smoothing:
                    stats[2, begin:end] = logits.sum(1)
                stats[0, begin:end] = logits.exp_().sum(1)
            row_max = local_max.clone()
            dist.all_reduce(row_max, op=MAX, group=group)
            # Re-shift this rank's statistics from its own max to the global one.
            delta = local_max - row_max
            stats[0] *= delta.exp()
            stats[1] = torch.where(in_shard, stats[1] + delta, torch.zeros_like(delta))
            if smoothing:
                stats[2] += width * delta
            loss, log_sum = combine(stats, vocab, smoothing, group)
            ctx.save_for_backward(hidden, weight, bias, in_shard, local, row_max + log_sum)
            ctx.vocab, ctx.smoothing, ctx.chunk_size = vocab, smoothing, chunk_size
            return loss

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad_loss: Any) -> tuple[Any, ...]:
            hidden, weight, bias, in_shard, local, lse = ctx.saved_tensors
            compute = lse.dtype
            grads = LinearGradients(hidden, weight, bias, ctx.needs_input_grad[:3], compute)
            grad_loss = grad_loss.to(compute)
            for begin in range(0, hidden.shape[0], ctx.chunk_size):
                end = begin + ctx.chunk_size
                chunk = hidden[begin:end]
                probs = logits_of(chunk, weight, bias, compute).sub_(lse[begin:end, None]).exp_()
                probs = softmax_gradient(
                    probs,
                    in_shard[begin:end],
                    local[begin:end],
                    grad_loss[begin:end],
                    ctx.vocab,
                    ctx.smoothing,
                )
                grads.add(begin, end, chunk, probs)
            return (*grads.result(), *(None,) * 6)

    return VocabParallelCrossentropy, VocabParallelLinearCrossentropy


def torch_vocab_parallel_crossentropy(
    logits: Any, labels: Any, start: int, vocab: int, group: Any, label_smoothing: float
) -> Any:
    """Sparse CE per entry (``labels.shape``) of this rank's logit shard ``(..., V_local)``;
    labels are global and in ``[0, vocab)``."""
    import torch

    function = _torch_functions()[0]
    flat = logits.reshape(-1, logits.shape[-1])
    values = function.apply(
        flat,
        labels.reshape(-1).to(torch.int64),
        int(start),
        int(vocab),
        group,
        float(label_smoothing),
    )
    return values.reshape(labels.shape)


def torch_vocab_parallel_linear_crossentropy(
    hidden: Any,
    weight: Any,
    bias: Any,
    labels: Any,
    start: int,
    vocab: int,
    group: Any,
    label_smoothing: float,
    chunk_size: int,
) -> Any:
    """Sparse CE per entry of ``hidden @ weight.T + bias`` (this rank's rows of the output
    layer), ``chunk_size`` rows of logits at a time."""
    import torch

    function = _torch_functions()[1]
    flat = hidden.reshape(-1, hidden.shape[-1])
    values = function.apply(
        flat,
        weight,
        bias,
        labels.reshape(-1).to(torch.int64),
        int(start),
        int(vocab),
        group,
        float(label_smoothing),
        int(chunk_size),
    )
    return values.reshape(labels.shape)


# --- JAX ------------------------------------------------------------------------------------


def jax_axis_position(axis_name: Any, loss: str) -> tuple[Any, int]:
    """``(index, size)`` of this device along ``axis_name`` inside ``shard_map`` (the index is
    traced); ``ValueError`` outside a ``shard_map`` that binds the name."""
    from jax import lax

    try:
        return lax.axis_index(axis_name), int(lax.axis_size(axis_name))
    except NameError as err:
        msg = (
            f"{loss}: axis_name={axis_name!r} is not bound here ({err}). Call the loss inside "
            "jax.shard_map(..., mesh=mesh, in_specs=...) whose mesh has that axis, with the "
            "logits sharded along it on their last axis (e.g. P(None, 'tp'))."
        )
        raise ValueError(msg) from None


def jax_vocab_parallel_crossentropy(
    logits: Any, labels: Any, start: Any, vocab: int, axis_name: Any, label_smoothing: float
) -> Any:
    """Sparse CE per entry of this device's logit shard ``(..., V_local)`` inside
    ``shard_map``; the values are the same on every device of ``axis_name``."""
    import jax.numpy as jnp
    from jax import lax

    width = logits.shape[-1]
    row_max = lax.stop_gradient(lax.pmax(lax.stop_gradient(jnp.max(logits, axis=-1)), axis_name))
    shifted = logits - row_max[..., None]
    in_shard = (labels >= start) & (labels < start + width)
    local = jnp.where(in_shard, labels - start, jnp.zeros_like(labels))
    target = jnp.take_along_axis(shifted, local[..., None], axis=-1)[..., 0]
    local_stats = [jnp.sum(jnp.exp(shifted), axis=-1), jnp.where(in_shard, target, 0.0)]
    if label_smoothing:
        local_stats.append(jnp.sum(shifted, axis=-1))
    stats = lax.psum(local_stats, axis_name)
    log_sum = jnp.log(stats[0])
    values = log_sum - stats[1]
    if label_smoothing:
        values = (1.0 - label_smoothing) * values + label_smoothing * (log_sum - stats[2] / vocab)
    return values
