"""The multi-process cases (``cases_*.py``): 2 and 4 gloo processes, and 8 JAX CPU devices.

One launch per world size runs every case (process start-ups dominate on a small machine);
the test fails listing each case that failed on any rank, with its traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import needs

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "OMP_NUM_THREADS": "1", **extra}


def _check(out: Path, proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0 and out.exists(), (proc.stdout[-3000:], proc.stderr[-5000:])
    ranks = json.loads(out.read_text())
    failures = [
        f"--- {name} (rank {rank}) ---\n{result['error']}"
        for rank, results in enumerate(ranks)
        for name, result in results.items()
        if not result["ok"]
    ]
    assert not failures, "\n".join(failures)
    assert ranks[0], "no case ran"
    return ranks[0]


@needs("torch")
@pytest.mark.slow
@pytest.mark.parametrize("world", [2, 4])
def test_torch_cases(world, tmp_path):
    out = tmp_path / "torch.json"
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc_per_node={world}", str(HERE / "_torch_worker.py"), str(out)],
        capture_output=True, text=True, env=_env(), timeout=300, check=False, cwd=ROOT)
    _check(out, proc)


@needs("jax")
@pytest.mark.slow
def test_jax_cases_on_8_devices(tmp_path):
    out = tmp_path / "jax.json"
    proc = subprocess.run(
        [sys.executable, str(HERE / "_jax_worker.py"), str(out)],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
        env=_env(XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu"))
    _check(out, proc)
