"""Sums across processes and devices: ``torch.distributed`` groups and JAX mesh axes.

The only collective global normalisation needs is a sum of a few scalars. On PyTorch it is an
``all_reduce`` on a process group (outside autograd: what is summed is detached); on JAX it is
``lax.psum`` over a named axis inside ``shard_map``/``pmap`` (differentiable, as JAX defines
it). Imported lazily: ``import anyloss`` loads neither library.
"""

from __future__ import annotations

from typing import Any


def _torch_dist() -> Any:
    import torch.distributed as dist

    return dist


def torch_world(group: Any) -> tuple[int, int]:
    """``(rank, world size)`` of ``group`` (the default group for ``None``), or ``(0, 1)``
    when no process group is initialised."""
    dist = _torch_dist()
    if not (dist.is_available() and dist.is_initialized()):
        if group is not None:
            msg = (
                "Argument `group` was given but torch.distributed has no initialised process "
                "group. Call torch.distributed.init_process_group(...) first (torchrun sets "
                "up the environment for it), or leave group=None in a single process."
            )
            raise ValueError(msg)
        return 0, 1
    return dist.get_rank(group), dist.get_world_size(group)


def torch_all_reduce_sum(values: Any, group: Any) -> Any:
    """The element-wise sum of the 1-d tensor ``values`` over ``group`` (detached, a new
    tensor). gloo reduces on the CPU, so a CUDA tensor of a gloo group goes through it."""
    dist = _torch_dist()
    out = values.detach().clone()
    if dist.get_backend(group) == "gloo" and out.device.type != "cpu":
        host = out.cpu()
        dist.all_reduce(host, op=dist.ReduceOp.SUM, group=group)
        return host.to(values.device)
    dist.all_reduce(out, op=dist.ReduceOp.SUM, group=group)
    return out


def jax_psum(values: Any, axis_name: Any) -> Any:
    """``lax.psum(values, axis_name)``: inside ``shard_map``/``pmap`` over that axis."""
    from jax import lax

    try:
        return lax.psum(values, axis_name)
    except NameError as err:
        msg = (
            f"axis_name={axis_name!r} is not a mapped axis here: call global_loss inside "
            f"jax.shard_map (or pmap) over a mesh with that axis name. Under plain jax.jit "
            f"with sharded arrays the loss is already global: leave axis_name=None."
        )
        raise ValueError(msg) from err


def jax_axis_size(axis_name: Any) -> int:
    """The number of devices along ``axis_name`` (inside ``shard_map``/``pmap``)."""
    from jax import lax

    try:
        return int(lax.psum(1, axis_name))
    except NameError as err:
        msg = (
            f"axis_name={axis_name!r} is not a mapped axis here: call this inside "
            f"jax.shard_map (or pmap) over a mesh with that axis name."
        )
        raise ValueError(msg) from err


def torch_gather_rows(x: Any, group: Any) -> tuple[Any, int]:
    """Every process' rows of ``x`` concatenated in rank order, and where this process' rows
    start. Differentiable: the backward pass sums each process' gradients over the group
    and keeps this process' rows, so a loss over the gathered batch trains every shard.
    Shards may differ in size (padded for the exchange)."""
    import torch

    dist = _torch_dist()
    rank, world = torch_world(group)
    if world == 1:
        return x, 0
    sizes = torch.tensor([x.shape[0]], dtype=torch.int64)
    gathered_sizes = [torch.zeros_like(sizes) for _ in range(world)]
    dist.all_gather(gathered_sizes, sizes, group=group)
    counts = [int(s) for s in gathered_sizes]
    return _GatherRows.apply(x, group, counts, rank), sum(counts[:rank])


def _gather_rows_function() -> Any:
    import torch

    dist = _torch_dist()

    class GatherRows(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, group: Any, counts: list[int], rank: int) -> Any:
            ctx.group, ctx.counts, ctx.rank = group, counts, rank
            width = max(counts)
            padded = x.new_zeros((width, *x.shape[1:]))
            padded[: x.shape[0]] = x.detach()
            buffers = [torch.empty_like(padded) for _ in counts]
            dist.all_gather(buffers, padded, group=group)
            return torch.cat([b[:n] for b, n in zip(buffers, counts, strict=True)])

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            grad = grad.contiguous().clone()
            dist.all_reduce(grad, op=dist.ReduceOp.SUM, group=ctx.group)
            start = sum(ctx.counts[: ctx.rank])
            return grad[start : start + ctx.counts[ctx.rank]], None, None, None

    return GatherRows


class _LazyFunction:
    """The autograd Function, created on first use (no torch import at module import)."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._fn: Any = None

    def apply(self, *args: Any) -> Any:
        if self._fn is None:
            self._fn = self._factory()
        return self._fn.apply(*args)


_GatherRows = _LazyFunction(_gather_rows_function)


def jax_gather_rows(x: Any, axis_name: Any) -> tuple[Any, Any]:
    """Every device's rows of ``x`` along ``axis_name`` (inside ``shard_map``), and where
    this device's rows start (equal shards; differentiable)."""
    from jax import lax

    try:
        gathered = lax.all_gather(x, axis_name, tiled=True)
    except NameError as err:
        msg = (
            f"axis_name={axis_name!r} is not a mapped axis here: call this inside "
            f"jax.shard_map over a mesh with that axis name."
        )
        raise ValueError(msg) from err
    return gathered, lax.axis_index(axis_name) * x.shape[0]


def take_rows(x: Any, start: Any, n: int) -> Any:
    """Rows ``start:start + n`` of ``x``; ``start`` may be traced (JAX)."""
    if isinstance(start, int):
        return x[start : start + n]
    from jax import lax

    return lax.dynamic_slice_in_dim(x, start, n, axis=0)
