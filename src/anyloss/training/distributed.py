"""Data-parallel training with ``torch.distributed``: process group, DDP wrapping, reductions.

``fit`` trains distributed when launched by ``torchrun`` (``RANK``/``WORLD_SIZE`` set, more than
one process) or with ``fit(..., distributed=True)`` in a process group the caller initialised.
Backends: NCCL on GPU, gloo on CPU. Running means are reduced as (sum, count) pairs, so logged
values are means over the global batch, not means of per-process means. A process group that
``fit`` creates is destroyed at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from anyloss.container import Mean

__all__ = ["DistributedState", "is_launched", "reduce_means", "setup", "wrap"]


@dataclass(frozen=True)
class DistributedState:
    """This process' place in the group and the device it trains on."""

    rank: int
    world_size: int
    device: torch.device


def is_launched() -> bool:
    """True under ``torchrun`` (or any launcher that sets ``RANK`` and ``WORLD_SIZE`` > 1)."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(requested: bool | None) -> DistributedState | None:
    """Join (or reuse) the process group when distributed training applies, else ``None``.

    Args:
        requested: ``fit``'s ``distributed`` argument; ``None`` means "when launched by
            torchrun", ``False`` forces single-process training.
    """
    if requested is False or (requested is None and not is_launched()):
        return None
    if not dist.is_available():
        msg = "fit(distributed=True) needs a PyTorch build with torch.distributed."
        raise ValueError(msg)
    if not dist.is_initialized():
        if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
            msg = (
                "fit(distributed=True) found no process group: launch the script with "
                "`torchrun --nproc_per_node=N script.py`, or call "
                "torch.distributed.init_process_group(...) in every process first."
            )
            raise ValueError(msg)
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        # A group left alive at exit aborts the process ("terminate called without an active
        # exception": gloo's threads outlive the interpreter). The group is ours: end it.
        atexit.register(_destroy_own_group)
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", dist.get_rank())))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    return DistributedState(dist.get_rank(), dist.get_world_size(), device)


def _destroy_own_group() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: nn.Module, state: DistributedState) -> nn.Module:
    """``module`` (already on ``state.device``) in ``DistributedDataParallel``."""
    device_ids = [state.device] if state.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=device_ids)


def shared_seed(state: DistributedState) -> int:
    """A shuffling seed drawn on rank 0 and broadcast, so every process draws the same order."""
    seed = torch.randint(0, 2**31 - 1, (1,), dtype=torch.int64).to(state.device)
    dist.broadcast(seed, src=0)
    return int(seed.item())


def reduce_means(means: Sequence[Mean], state: DistributedState) -> list[float]:
    """Each running mean over every process: all-reduce the sums and the counts, then divide."""
    if not means:
        return []
    totals = [
        m.total if isinstance(m.total, torch.Tensor) else torch.tensor(float(m.total))
        for m in means
    ]
    packed = torch.stack(
        [t.detach().to(state.device, torch.float64).reshape(()) for t in totals]
        + [torch.tensor(float(m.count), dtype=torch.float64, device=state.device) for m in means]
    )
    dist.all_reduce(packed, op=dist.ReduceOp.SUM)
    n = len(means)
    return [float(packed[i] / packed[n + i]) if packed[n + i] else 0.0 for i in range(n)]
