"""Memory-bounded sparse cross-entropy from logits on torch (torch-only module).

``F.cross_entropy`` on ``(N, C)`` logits keeps the full log-softmax for the backward pass and
builds two more ``(N, C)`` buffers there: three times the logits' size on top of them
(1500 MiB at 4096x32000 float32, measured in ``benchmarks/RESULTS.md``). Here the forward pass keeps
one log-sum-exp per row and the backward pass writes the gradient
``(softmax(x) - (1 - ls) onehot(y) - ls / C) * g`` straight into the gradient buffer, a chunk
of rows at a time; the only full-size allocation is that gradient. float16/bfloat16 logits are
upcast to float32 a chunk at a time (the dtype policy without a float32 copy of all logits).

Reference: the same idea as Liger-Kernel's cross-entropy (linkedin/Liger-Kernel,
``ops/cross_entropy.py``), written with plain torch ops.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from anyloss.backend._dtypes import compute_dtype


class _ChunkedSparseCrossentropy(torch.autograd.Function):
    """Per-row ``logsumexp(x) - x[y]`` (label-smoothed) for ``(N, C)`` logits and ``(N,)``
    int64 labels; a first-order gradient for the logits only."""

    @staticmethod
    def forward(
        ctx: Any, logits: Tensor, labels: Tensor, chunk_size: int, label_smoothing: float
    ) -> Tensor:
        compute = compute_dtype(torch, logits.dtype)
        rows = logits.shape[0]
        lse = torch.empty(rows, dtype=compute, device=logits.device)
        mean = torch.empty(rows, dtype=compute, device=logits.device) if label_smoothing else None
        for start in range(0, rows, chunk_size):
            chunk = logits[start : start + chunk_size].to(compute)
            lse[start : start + chunk_size] = torch.logsumexp(chunk, dim=1)
            if mean is not None:
                mean[start : start + chunk_size] = chunk.mean(1)
        target = logits.gather(1, labels[:, None])[:, 0].to(compute)
        # -log softmax(x)_y = lse - x_y; with smoothing (1 - ls) of it plus ls CE(uniform),
        # CE(uniform) = lse - mean(x).
        loss = lse - target
        if mean is not None:
            loss = (1.0 - label_smoothing) * loss + label_smoothing * (lse - mean)
        ctx.save_for_backward(logits, labels, lse)
        ctx.chunk_size, ctx.label_smoothing = chunk_size, label_smoothing
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_loss: Tensor) -> tuple[Tensor | None, ...]:
        logits, labels, lse = ctx.saved_tensors
        chunk_size, smoothing = ctx.chunk_size, ctx.label_smoothing
        compute = lse.dtype
        num_classes = logits.shape[1]
        grad = torch.empty_like(logits, memory_format=torch.contiguous_format)
        in_place = logits.dtype == compute
        grad_loss = grad_loss.to(compute)
        for start in range(0, logits.shape[0], chunk_size):
            stop = start + chunk_size
            chunk = logits[start:stop].to(compute)
            # softmax(x) = exp(x - lse), written into the gradient buffer itself.
            out = (
                torch.sub(chunk, lse[start:stop, None], out=grad[start:stop])
                if in_place
                else chunk - lse[start:stop, None]
            )
            out.exp_()
            if smoothing:
                out.sub_(smoothing / num_classes)
            out.scatter_add_(
                1, labels[start:stop, None], torch.full_like(out[:, :1], smoothing - 1.0)
            )
            out.mul_(grad_loss[start:stop, None])
            if not in_place:
                grad[start:stop] = out
        return grad, None, None, None


def chunked_sparse_crossentropy(
    logits: Tensor, labels: Tensor, chunk_size: int, label_smoothing: float = 0.0
) -> Tensor:
    """Sparse CE per entry, ``labels.shape``, for ``logits`` with classes on the last axis."""
    num_classes = logits.shape[-1]
    flat = logits.reshape(-1, num_classes)
    values = _ChunkedSparseCrossentropy.apply(
        flat, labels.reshape(-1).to(torch.int64), int(chunk_size), float(label_smoothing)
    )
    return values.reshape(labels.shape)


class _ChunkedLinearCrossentropy(torch.autograd.Function):
    """Per-row sparse CE of ``hidden @ weight.T + bias`` without the ``(N, V)`` logits: each
    chunk of rows builds its logits, keeps one log-sum-exp per row, and the backward pass
    rebuilds them chunk by chunk to accumulate the three gradients."""

    @staticmethod
    def forward(
        ctx: Any,
        hidden: Tensor,
        weight: Tensor,
        bias: Tensor | None,
        labels: Tensor,
        chunk_size: int,
        label_smoothing: float,
    ) -> Tensor:
        compute = compute_dtype(torch, torch.promote_types(hidden.dtype, weight.dtype))
        rows = hidden.shape[0]
        lse = torch.empty(rows, dtype=compute, device=hidden.device)
        target = torch.empty(rows, dtype=compute, device=hidden.device)
        mean = torch.empty(rows, dtype=compute, device=hidden.device) if label_smoothing else None
        for start in range(0, rows, chunk_size):
            stop = start + chunk_size
            logits = _logits(hidden[start:stop], weight, bias, compute)
            lse[start:stop] = torch.logsumexp(logits, dim=1)
            target[start:stop] = logits.gather(1, labels[start:stop, None])[:, 0]
            if mean is not None:
                mean[start:stop] = logits.mean(1)
        loss = lse - target
        if mean is not None:
            loss = (1.0 - label_smoothing) * loss + label_smoothing * (lse - mean)
        ctx.save_for_backward(hidden, weight, bias, labels, lse)
        ctx.chunk_size, ctx.label_smoothing = chunk_size, label_smoothing
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_loss: Tensor) -> tuple[Tensor | None, ...]:
        hidden, weight, bias, labels, lse = ctx.saved_tensors
        chunk_size, smoothing = ctx.chunk_size, ctx.label_smoothing
        compute = lse.dtype
        vocab = weight.shape[0]
        grads = LinearGradients(hidden, weight, bias, ctx.needs_input_grad[:3], compute)
        grad_loss = grad_loss.to(compute)
        for start in range(0, hidden.shape[0], chunk_size):
            stop = start + chunk_size
            chunk = hidden[start:stop]
            # d loss / d logits = (softmax - (1 - ls) onehot - ls / V) * g, built in place.
            probs = _logits(chunk, weight, bias, compute).sub_(lse[start:stop, None]).exp_()
            if smoothing:
                probs.sub_(smoothing / vocab)
            probs.scatter_add_(
                1, labels[start:stop, None], torch.full_like(probs[:, :1], smoothing - 1.0)
            )
            probs.mul_(grad_loss[start:stop, None])
            grads.add(start, stop, chunk, probs)
        return (*grads.result(), None, None, None)


class LinearGradients:
    """The gradients of ``hidden``, ``weight`` and ``bias`` of ``hidden @ weight.T + bias``,
    added a chunk of rows at a time from the gradient of those logits (``None`` for the
    inputs ``needs`` says need none)."""

    def __init__(
        self, hidden: Tensor, weight: Tensor, bias: Tensor | None, needs: Any, compute: Any
    ) -> None:
        need_hidden, need_weight, need_bias = needs
        self.weight, self.bias, self.compute = weight, bias, compute
        self.hidden = torch.empty_like(hidden) if need_hidden else None
        self.weight_grad = (
            torch.zeros(weight.shape, dtype=compute, device=weight.device) if need_weight else None
        )
        self.bias_grad = (
            torch.zeros(weight.shape[0], dtype=compute, device=weight.device)
            if bias is not None and need_bias
            else None
        )

    def add(self, start: int, stop: int, chunk: Tensor, grad_logits: Tensor) -> None:
        """Rows ``start:stop`` (``chunk`` of ``hidden``) with their logits' gradient."""
        if self.hidden is not None:
            self.hidden[start:stop] = grad_logits.to(self.weight.dtype) @ self.weight
        if self.weight_grad is not None:
            self.weight_grad.addmm_(grad_logits.T, chunk.to(self.compute))
        if self.bias_grad is not None:
            self.bias_grad += grad_logits.sum(0)

    def result(self) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        """``(d hidden, d weight, d bias)`` in the inputs' dtypes."""
        weight = None if self.weight_grad is None else self.weight_grad.to(self.weight.dtype)
        bias = None
        if self.bias_grad is not None and self.bias is not None:
            bias = self.bias_grad.to(self.bias.dtype)
        return self.hidden, weight, bias


def _logits(hidden: Tensor, weight: Tensor, bias: Tensor | None, compute: Any) -> Tensor:
    logits = hidden @ weight.T if bias is None else torch.addmm(bias, hidden, weight.T)
    return logits.to(compute)


def chunked_linear_crossentropy(
    hidden: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    labels: Tensor,
    chunk_size: int,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Sparse CE of ``hidden @ weight.T + bias`` per entry (``labels.shape``)."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    values = _ChunkedLinearCrossentropy.apply(
        flat,
        weight,
        bias,
        labels.reshape(-1).to(torch.int64),
        int(chunk_size),
        float(label_smoothing),
    )
    return values.reshape(labels.shape)
