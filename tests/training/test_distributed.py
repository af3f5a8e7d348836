"""Two CPU processes (torchrun, gloo) train exactly like one process on the global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.training import ddp_worker

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_match_single_process_training(tmp_path):
    out = tmp_path / "ddp.json"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(Path(ddp_worker.__file__)), str(out)],
        capture_output=True, text=True, env=env, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    distributed = json.loads(out.read_text())
    single = ddp_worker.train(distributed=False)
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose(distributed["history"][key], single["history"][key],
                                   rtol=1e-5, err_msg=key)
    for name, value in single["weights"].items():
        np.testing.assert_allclose(distributed["weights"][name], value, rtol=1e-5, atol=1e-7,
                                   err_msg=name)


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
