"""Distributed fit in one process: the launch advice and the group's clean-up. The multi-process
runs (2 and 4 gloo processes against one process) are in tests/distributed/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import ddp_worker

ROOT = Path(__file__).resolve().parents[2]


def test_distributed_without_a_process_group_says_how_to_launch():
    from anyloss.layers import Dense
    from anyloss.models import Sequential

    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = ddp_worker.data()
    env = {k: os.environ.pop(k) for k in ("RANK", "WORLD_SIZE") if k in os.environ}
    try:
        with pytest.raises(ValueError, match="torchrun --nproc_per_node=N"):
            model.fit(x, y[:, :1], distributed=True, verbose=0)
    finally:
        os.environ.update(env)


def test_a_process_group_fit_creates_is_destroyed_at_exit():
    # A gloo group alive at interpreter exit can abort the process ("terminate called without an
    # active exception"), which made the two-process test flaky.
    script = (
        "import atexit, socket, torch.distributed as dist\n"
        "from anyloss.training import distributed\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "import os; os.environ.update(RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',"
        " MASTER_PORT=str(port))\n"
        "distributed.setup(True)\n"
        "assert dist.is_initialized()\n"
        "atexit._run_exitfuncs()\n"
        "print('destroyed' if not dist.is_initialized() else 'alive')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "destroyed"
