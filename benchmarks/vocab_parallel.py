"""Benchmark vocabulary-parallel cross-entropy on gloo CPU ranks (torch.distributed).

For world sizes 1, 2 and 4 (one process per rank, spawned here, a gloo group over a file
store), each rank holds its ``(N, V / world)`` float32 logits shard and runs fwd+bwd of
``vocab_parallel_sparse_categorical_crossentropy``; in the world-1 run the unsharded
``anyloss.sparse_categorical_crossentropy(from_logits=True)`` and
``torch.nn.functional.cross_entropy`` run beside it, on the full ``(N, V)`` logits.

- Time: the median over interleaved repetitions of one fwd+bwd step; a repetition starts
  after a barrier and lasts until the slowest rank is done (all-reduce MAX of the ranks'
  times). torch threads per rank: ``max(1, cores // world)``.
- Memory per rank, two measures: (1) the bytes of the storages the autograd graph saves for
  backward, each counted once, the input logits' excepted
  (``torch.autograd.graph.saved_tensors_hooks``), exact; (2) the extra peak RSS of one
  step on top of the live inputs, gradient included (``VmHWM - VmRSS`` around the step after a
  warm-up step and ``/proc/self/clear_refs``, ``MALLOC_MMAP_THRESHOLD_=65536``, as in
  ``benchmarks/run.py``), the largest over the ranks. Both are also given as a fraction of the
  unsharded logits' bytes.

Writes Markdown to ``benchmarks/RESULTS-vocab-parallel.md``.

Run: ``python benchmarks/vocab_parallel.py [--rows 512] [--vocab 32000] [--reps 21]
[--out FILE]`` (under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import run as R  # noqa: E402  (the machine line of every RESULTS file)

WORLDS = (1, 2, 4)
VP = "vocab-parallel"
ANYLOSS = "anyloss SCCE, unsharded"
TORCH = "F.cross_entropy, unsharded"


def _status_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    msg = f"{field_name} not in /proc/self/status"
    raise RuntimeError(msg)


def _extra_peak_mib(step: Callable[[], Any]) -> float:
    """Extra peak RSS (MiB) of one ``step`` after a warm-up step, its result included."""
    result = step()
    del result
    gc.collect()
    before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    result = step()
    extra = (_status_kib("VmHWM") - before) / 1024
    del result  # alive until the peak is read
    return extra


def _saved_bytes(loss: Callable[[], Any], leaf: Any) -> int:
    """Bytes of the storages the autograd graph of ``loss()`` saves for backward, each once,
    the input ``leaf``'s own excepted (it exists anyway)."""
    import torch

    seen = {leaf.untyped_storage().data_ptr()}
    total = 0

    def pack(tensor: Any) -> Any:
        nonlocal total
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in seen:
            seen.add(storage.data_ptr())
            total += storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        value = loss()
    value.backward()
    return total


def rank_main(rank: int, world: int, store: str, args: argparse.Namespace, queue: Any) -> None:
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F

    import anyloss as al
    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    rows, vocab = args.rows, args.vocab
    local = vocab // world
    labels = torch.randint(0, vocab, (rows,), generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(1 + rank)
    shard = torch.randn(rows, local, generator=generator).requires_grad_()

    losses: dict[str, tuple[Callable[[], Any], Any]] = {
        VP: (lambda: vocab_parallel_sparse_categorical_crossentropy(labels, shard), shard)
    }
    if world == 1:  # the unsharded baselines, on the same (full) logits
        losses[ANYLOSS] = (
            lambda: al.sparse_categorical_crossentropy(labels, shard, from_logits=True).mean(),
            shard,
        )
        losses[TORCH] = (lambda: F.cross_entropy(shard, labels), shard)

    def stepper(loss: Callable[[], Any], leaf: Any) -> Callable[[], Any]:
        return lambda: torch.autograd.grad(loss(), leaf)

    results: dict[str, dict[str, Any]] = {}
    for name, (loss, leaf) in losses.items():
        results[name] = {
            "saved_bytes": _saved_bytes(loss, leaf),
            "extra_peak_mib": _extra_peak_mib(stepper(loss, leaf)),
            "times": [],
        }
        shard.grad = None
    names = list(losses)
    for rep in range(args.reps):
        for name in names if rep % 2 == 0 else names[::-1]:
            step = stepper(*losses[name])
            dist.barrier()
            start = time.perf_counter()
            step()
            slowest = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
            dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
            results[name]["times"].append(slowest.item())
    peaks: list[Any] = [None] * world
    dist.all_gather_object(peaks, {n: r["extra_peak_mib"] for n, r in results.items()})
    if rank == 0:
        for name, result in results.items():
            result["extra_peak_mib"] = max(p[name] for p in peaks)
            result["median_s"] = statistics.median(result.pop("times"))
        queue.put({"world": world, "threads": torch.get_num_threads(), "results": results})
    dist.destroy_process_group()


def run_world(world: int, args: argparse.Namespace) -> dict[str, Any]:
    import torch.multiprocessing as mp

    context = mp.get_context("spawn")
    queue = context.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        processes = [
            context.Process(target=rank_main, args=(rank, world, store, args, queue))
            for rank in range(world)
        ]
        for process in processes:
            process.start()
        out = queue.get(timeout=600)
        for process in processes:
            process.join()
    if any(p.exitcode for p in processes):
        msg = f"a rank of world {world} failed: exit codes {[p.exitcode for p in processes]}"
        raise RuntimeError(msg)
    return out


def _fmt_time(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def report(args: argparse.Namespace, runs: list[dict[str, Any]], wall: float) -> str:
    import torch

    import anyloss

    logits_bytes = args.rows * args.vocab * 4
    mib = 2**20
    base = runs[0]["results"]
    lines = [
        "# Vocabulary-parallel cross-entropy",
        "",
        f"Generated by `benchmarks/vocab_parallel.py` on "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {wall:.0f} s.",
        "",
        f"- Machine: {R.machine()['cpu']}; gloo on CPU, one process per rank.",
        f"- Versions: Python {platform.python_version()}, anyloss {anyloss.__version__}, "
        f"torch {torch.__version__}.",
        f"- Shape: N={args.rows} rows, V={args.vocab} classes, float32: the unsharded logits are "
        f"{logits_bytes / mib:.1f} MiB; rank r of W holds columns [r V/W, (r+1) V/W).",
        f"- Method: fwd+bwd (the gradient of the logits), median of {args.reps} interleaved "
        "repetitions, each from a barrier to the slowest rank's end. Memory per rank: "
        "*saved* = bytes of the storages the autograd graph saves for backward, each once, "
        "the input logits' own excepted (`saved_tensors_hooks`, exact); *extra peak* = `VmHWM - VmRSS` around one step after "
        "a warm-up (`MALLOC_MMAP_THRESHOLD_=65536`), the gradient included, largest over the "
        "ranks. Fractions are of the unsharded logits' bytes.",
        f"- This machine has {os.cpu_count()} cores: torch threads per rank are "
        "`max(1, cores // world)`, so world 4 shares 2 cores among 4 processes and its time "
        "shows the cost of the collectives and of oversubscription, not a speed-up.",
        "",
        "| candidate | world | threads/rank | fwd+bwd | vs F.cross_entropy | vs anyloss "
        "unsharded | saved per rank | saved / logits | extra peak per rank | peak / logits |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(TORCH, runs[0]), (ANYLOSS, runs[0])] + [(VP, run) for run in runs]
    for name, run in rows:
        r = run["results"][name]
        lines.append(
            f"| {name} | {run['world']} | {run['threads']} | {_fmt_time(r['median_s'])} | "
            f"{r['median_s'] / base[TORCH]['median_s']:.2f}x | "
            f"{r['median_s'] / base[ANYLOSS]['median_s']:.2f}x | "
            f"{r['saved_bytes'] / mib:.2f} MiB | {r['saved_bytes'] / logits_bytes:.3f} | "
            f"{r['extra_peak_mib']:.1f} MiB | {r['extra_peak_mib'] * mib / logits_bytes:.2f} |"
        )
    lines += [
        "",
        "The vocabulary-parallel loss saves one float32 softmax shard per rank (plus per-row "
        "labels and masks), `1/world` of the logits, and reuses it in place as the gradient, "
        "so its extra peak is about one shard (the gradient) on top of the shard itself; "
        "the unsharded losses keep a full-size log-softmax and build full-size gradients.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=512)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--reps", type=int, default=21)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-vocab-parallel.md")
    args = parser.parse_args()
    if args.vocab % max(WORLDS):
        parser.error(f"--vocab must be a multiple of {max(WORLDS)}")
    # The spawned ranks inherit it: freed buffers go back to the OS, so RSS peaks are honest.
    os.environ["MALLOC_MMAP_THRESHOLD_"] = "65536"
    start = time.perf_counter()
    runs = []
    for world in WORLDS:
        runs.append(run_world(world, args))
        print(f"world {world}: {runs[-1]}", file=sys.stderr, flush=True)
    text = report(args, runs, time.perf_counter() - start)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
