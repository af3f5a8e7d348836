"""Runs every ``torch_case_*`` of ``tests/distributed/cases_*.py`` in one gloo process group.

Launched by test_cases.py as ``python -m torch.distributed.run --standalone
--nproc_per_node=W _torch_worker.py OUT``: one group per world size serves every case, so the
process start-ups are paid once. Each case asserts on its own rank; rank 0 writes every rank's
outcome (ok, or the traceback) as JSON to OUT.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import traceback
from datetime import timedelta

import torch
import torch.distributed as dist

from tests.distributed._cases import case_functions


def main(out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", timeout=timedelta(seconds=90))
    rank, world = dist.get_rank(), dist.get_world_size()
    results: dict[str, dict] = {}
    for name, fn in case_functions("torch_case_"):
        start = time.perf_counter()
        try:
            info = fn(rank, world)
            results[name] = {"ok": True, "info": info}
        except Exception:
            results[name] = {"ok": False, "error": traceback.format_exc()[-4000:]}
        results[name]["seconds"] = round(time.perf_counter() - start, 2)
        dist.barrier()
    gathered: list = [None] * world
    dist.all_gather_object(gathered, results)
    if rank == 0:
        with open(out, "w") as f:
            json.dump(gathered, f)
    # fit's DistributedDataParallel can sit in a reference cycle that keeps gloo's threads
    # alive past destroy_process_group; the process then aborts at exit (about 1 run in 5).
    gc.collect()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
