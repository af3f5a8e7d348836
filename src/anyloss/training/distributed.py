"""Data-parallel training with ``torch.distributed``: process group, DDP wrapping, reductions.

``fit`` trains distributed when launched by ``torchrun`` (``RANK``/``WORLD_SIZE`` set, more than
one process) or with ``fit(..., distributed=True)`` in a process group the caller initialised.
Backends: NCCL on GPU, gloo on CPU. Running means are reduced as (sum, count) pairs, so logged
values are means over the global batch, not means of per-process means. A process group that
``fit`` creates is destroyed at interpreter exit.

Faults: a process group that ``fit`` creates gives up on a collective after
``ANYLOSS_DISTRIBUTED_TIMEOUT`` seconds (default :data:`DEFAULT_TIMEOUT`), not torch's 30
minutes; when another process dies or stops responding, ``fit`` raises a ``RuntimeError`` that
names the last checkpoint and how to resume (:func:`raise_group_failure`). With
``ANYLOSS_SEED`` set, the shuffled order of epoch ``e`` depends only on ``(ANYLOSS_SEED, e)``,
so ``fit(..., initial_epoch=e)`` from the epoch-``e`` checkpoint repeats the uninterrupted run.
"""

from __future__ import annotations

import atexit
import gc
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from anyloss.training.data_adapter import SEED_VARIABLE, seed_from_env

__all__ = [
    "DEFAULT_TIMEOUT",
    "TIMEOUT_VARIABLE",
    "DistributedState",
    "collective_timeout",
    "is_launched",
    "raise_group_failure",
    "reduce_means",
    "setup",
    "wrap",
]

#: Seconds a collective of a process group that ``fit`` creates waits for the other processes.
#: Longer than any legitimate wait inside the loop (a step, validation, rank 0 writing a
#: checkpoint of a few GB), far shorter than torch's 30 minutes for a peer that hangs. A peer
#: that dies is usually seen at once: its connections close.
DEFAULT_TIMEOUT = 120.0
TIMEOUT_VARIABLE = "ANYLOSS_DISTRIBUTED_TIMEOUT"


@dataclass(frozen=True)
class DistributedState:
    """This process' place in the group and the device it trains on."""

    rank: int
    world_size: int
    device: torch.device
    #: The collective timeout in seconds of a group ``fit`` created; ``None`` for the caller's.
    timeout: float | None = None


def is_launched() -> bool:
    """True under ``torchrun`` (or any launcher that sets ``RANK`` and ``WORLD_SIZE`` > 1)."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def collective_timeout() -> float:
    """Seconds from ``ANYLOSS_DISTRIBUTED_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`.

    Raises ``ValueError`` naming the variable when it is not a positive number.
    """
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        msg = (
            f"{TIMEOUT_VARIABLE}={raw!r} is not a positive number of seconds. Set it to the "
            f"seconds a collective may wait for the other processes, e.g. "
            f"{TIMEOUT_VARIABLE}=300, or unset it for the default of {DEFAULT_TIMEOUT:g} s."
        )
        raise ValueError(msg)
    return seconds


def setup(requested: bool | None) -> DistributedState | None:
    """Join (or reuse) the process group when distributed training applies, else ``None``.

    A group created here (under ``torchrun``) times out collectives after
    :func:`collective_timeout` seconds; a group the caller initialised keeps the ``timeout``
    it was given (torch's default: 30 minutes on gloo, 10 on NCCL).

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
        timeout = collective_timeout()
        try:
            dist.init_process_group(
                "nccl" if torch.cuda.is_available() else "gloo",
                timeout=timedelta(seconds=timeout),
            )
        except RuntimeError as err:  # dist.DistError included
            raise RuntimeError(_init_failure(err, timeout)) from err
        _own_group[:] = [dist.group.WORLD, timeout]
        # A group left alive at exit aborts the process ("terminate called without an active
        # exception": gloo's threads outlive the interpreter). The group is ours: end it.
        atexit.register(_destroy_own_group)
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", dist.get_rank())))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    ours = bool(_own_group) and _own_group[0] is dist.group.WORLD
    own_timeout = float(_own_group[1]) if ours else None
    return DistributedState(dist.get_rank(), dist.get_world_size(), device, own_timeout)


def _init_failure(err: BaseException, timeout: float) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    msg = (
        f"fit() could not form the process group on rank {os.environ.get('RANK')} of "
        f"{os.environ.get('WORLD_SIZE')}: another process did not reach fit() within "
        f"{timeout:g} s ({TIMEOUT_VARIABLE}), or could not be reached. If the processes reach "
        f"fit() far apart (one prepares the data first), raise {TIMEOUT_VARIABLE}. Seen: "
        f"{type(err).__name__}: {first[:300]}"
    )
    restarted = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0) > 0
    if restarted and os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True":
        msg += (
            " This is a torchrun restart: torchrun's agent shares its store with the "
            "processes, and it may still hold the failed attempt's addresses. Launch with "
            "TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 set in torchrun's environment."
        )
    return msg


#: ``[group, timeout]`` of the process group ``setup`` created (empty: none yet).
_own_group: list[Any] = []


def _destroy_own_group() -> None:
    _own_group.clear()
    if dist.is_initialized():
        # A DistributedDataParallel left in a reference cycle still holds the group's gloo
        # threads after destroy_process_group, and the process aborts at exit ("terminate
        # called without an active exception", 1 run in 5 of tests/distributed): free it first.
        gc.collect()
        dist.destroy_process_group()


def wrap(module: nn.Module, state: DistributedState) -> nn.Module:
    """``module`` (already on ``state.device``) in ``DistributedDataParallel``."""
    device_ids = [state.device] if state.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=device_ids)


def shared_seed(state: DistributedState) -> int:
    """Rank 0's shuffling seed, broadcast so that every process draws the same order:
    ``ANYLOSS_SEED`` when set (then a resumed run shuffles as the uninterrupted one did),
    else a draw from torch's global generator."""
    fixed = seed_from_env()
    drawn = torch.randint(0, 2**31 - 1, (1,), dtype=torch.int64) if fixed is None else None
    seed = (torch.tensor([fixed], dtype=torch.int64) if drawn is None else drawn).to(state.device)
    dist.broadcast(seed, src=0)
    return int(seed.item())


def reduce_means(means: Sequence[Any], state: DistributedState) -> list[Any]:
    """Each running mean over every process: all-reduce the sums and the counts, then divide.

    A metric without ``total`` and ``count`` (``anyloss.metrics.AUC``, ``Precision``...) has
    its state tensors (confusion counts) summed in the same all-reduce, then its result
    computed from the sums."""
    if not means:
        return []
    plain = [m for m in means if hasattr(m, "total") and hasattr(m, "count")]
    stateful = [m for m in means if not (hasattr(m, "total") and hasattr(m, "count"))]
    totals = [
        m.total if isinstance(m.total, torch.Tensor) else torch.tensor(float(m.total))
        for m in plain
    ]
    pieces = (
        [t.detach().to(state.device, torch.float64).reshape(1) for t in totals]
        + [torch.tensor([float(m.count)], dtype=torch.float64, device=state.device) for m in plain]
        + [
            v.detach().to(state.device, torch.float64).reshape(-1)
            for m in stateful
            for v in _state_tensors(m)
        ]
    )
    packed = torch.cat(pieces)
    dist.all_reduce(packed, op=dist.ReduceOp.SUM)
    n = len(plain)
    results = {
        id(m): float(packed[i] / packed[n + i]) if packed[n + i] else 0.0
        for i, m in enumerate(plain)
    }
    offset = 2 * n
    for m in stateful:
        reduced = []
        for v in _state_tensors(m):
            reduced.append(packed[offset : offset + v.numel()].reshape(v.shape).to(v.dtype))
            offset += v.numel()
        results[id(m)] = m.result_from(reduced) if reduced else 0.0
    return [results[id(m)] for m in means]


def _state_tensors(metric: Any) -> list[torch.Tensor]:
    """A stateful metric's state tensors; every process must send the same shapes, so a
    metric that saw no batch here (empty shard) sends zeros shaped like ``state_shapes()``."""
    found = list(metric.variables())
    if not found and hasattr(metric, "state_shapes"):
        found = [torch.zeros(shape, dtype=torch.float32) for shape in metric.state_shapes()]
    return found


#: Words of gloo's errors when a peer's connection closes or a collective times out: gloo
#: raises a plain ``RuntimeError``; NCCL and the store raise ``dist.DistError`` subclasses.
_FAILURE_MARKERS = (
    "connection closed by peer",
    "connection reset by peer",
    "connection refused",
    "broken pipe",
    "timed out waiting",
    "timed out connecting",
    "connection timed out",
)


def _is_group_failure(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, dist.DistError):
            return True
        if isinstance(current, RuntimeError) and any(
            marker in str(current).lower() for marker in _FAILURE_MARKERS
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _last_checkpoint(callbacks: Iterable[Any]) -> tuple[str, int] | None:
    """``(path, epoch)`` of the latest file a ``ModelCheckpoint`` among ``callbacks`` saved."""
    saved = [getattr(c, "last_saved", None) for c in callbacks]
    found = [s for s in saved if s is not None]
    return max(found, key=lambda s: s[1]) if found else None


def raise_group_failure(
    err: BaseException, state: DistributedState | None, callbacks: Iterable[Any]
) -> None:
    """Raise a ``RuntimeError`` from ``err`` when ``err`` says that another process of the
    group died or stopped responding (a closed connection, a collective timeout); return
    otherwise, so ``fit`` re-raises any other error as itself.

    The message names this process' rank, the last checkpoint a ``ModelCheckpoint`` in
    ``callbacks`` saved, and how to resume from it.
    """
    if state is None or not _is_group_failure(err):
        return
    seen = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if "timed out" in seen.lower() or "timeout" in seen.lower():
        if state.timeout is not None:
            within = f"{state.timeout:g} s ({TIMEOUT_VARIABLE}, default {DEFAULT_TIMEOUT:g})"
        else:
            within = "the timeout given to init_process_group()"
        what = f"did not respond within {within}"
    else:
        what = "failed: it exited or was killed, closing its connections"
    lines = [
        f"Distributed fit stopped on rank {state.rank} of {state.world_size}: another process "
        f"of the group {what}. Its own log (torchrun names the rank that failed first) has "
        f"the cause. Seen here: {type(err).__name__}: {seen[:300]}"
    ]
    callbacks = list(callbacks)
    last = _last_checkpoint(callbacks)
    if last is None and any(hasattr(c, "last_saved") for c in callbacks):
        lines.append(
            "No ModelCheckpoint has saved in this fit yet: start again from the checkpoint "
            "this fit started from, if any, or from the beginning."
        )
    elif last is None:
        lines.append(
            "No ModelCheckpoint saves this fit: training restarts from the beginning. Pass "
            "callbacks=[ModelCheckpoint('ckpt/epoch-{epoch:03d}.anyloss')] to be able to "
            "resume."
        )
    else:
        path, epoch = last
        by = "" if state.rank == 0 else " (by rank 0)"
        lines.append(
            f"Last checkpoint: {path!r}, saved{by} after epoch {epoch}. To resume, start all "
            f"processes again with model = anyloss.models.load_model({path!r}) and "
            f"model.fit(..., initial_epoch={epoch}), with the same {SEED_VARIABLE} as this run "
            "for the same shuffling; or launch with `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 "
            "torchrun --max-restarts=3 ...` and have the script resume from "
            "ModelCheckpoint(...).latest()."
        )
    if "did not respond" in what and state.timeout is not None:
        lines.append(
            f"If a process was only slow (preparing data, writing a large checkpoint), raise "
            f"{TIMEOUT_VARIABLE} (seconds)."
        )
    raise RuntimeError("\n".join(lines)) from err
