"""A rank of a distributed `fit` dies or hangs: the others stop soon with an error naming the last
checkpoint, the checkpoint is intact, and resuming from it ends with the uninterrupted weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")  # the core install (make test-core) has no torch

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("fault_worker.py")


def torchrun(mode: str, directory: Path, *options: str, **env: str) -> tuple[str, int, float]:
    """torchrun's output and exit status, and the time it ended."""
    environ = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
               "OMP_NUM_THREADS": "1", "ANYLOSS_SEED": "7", **env}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", *options, str(WORKER), mode, str(directory)]
    proc = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120,
                          check=False)
    return proc.stdout + proc.stderr, proc.returncode, time.time()


def seconds_after(path: Path, moment: float) -> float:
    return moment - float(path.read_text())


@pytest.mark.slow
def test_a_killed_rank_stops_the_group_and_a_torchrun_restart_resumes_exactly(tmp_path):
    from anyloss.models import load_model

    # torch 2.13's agent keeps the first attempt's gloo addresses in the store it shares with
    # the workers: without TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1 the restart cannot connect.
    output, returncode, _ = torchrun("crash", tmp_path, "--max-restarts=1",
                                     TORCH_DISABLE_SHARE_RDZV_TCP_STORE="1")
    assert returncode == 0, output[-4000:]
    # The first attempt: rank 1 was killed in epoch 2; rank 0 said so and named the checkpoint.
    checkpoint = tmp_path / "epoch-1.anyloss"
    assert "Distributed fit stopped on rank 0 of 2: another process of the group failed" in (
        output
    ), output[-4000:]
    assert f"Last checkpoint: {str(checkpoint)!r}, saved after epoch 1" in output
    assert "initial_epoch=1" in output and "--max-restarts" in output
    # torchrun restarts the group once every process of the first attempt has ended; there,
    # rank 0 ignored torchrun's SIGTERM, so it saw the failure and exited by itself. (~1 s)
    stopped_within = seconds_after(tmp_path / "killed_at", float(
        (tmp_path / "restarted_at").read_text()))
    assert stopped_within < 15, f"the group took {stopped_within:.1f} s to stop"
    # The restart found the epoch-1 checkpoint (epoch 2 never finished), complete: weights and
    # optimizer state; no temporary file was left behind.
    result = json.loads((tmp_path / "weights.json").read_text())
    assert result["resumed_from"] == ["epoch-1.anyloss", 1]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    model = load_model(checkpoint)
    assert model.optimizer is not None and model.optimizer.state_dict()["state"]
    # Resumed with initial_epoch=1 (after other draws from torch's global generator): the same
    # final weights as the uninterrupted run, since ANYLOSS_SEED fixes each epoch's order.
    for name, value in result["uninterrupted"].items():
        np.testing.assert_allclose(result["resumed"][name], value, rtol=1e-6, err_msg=name)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ANYLOSS_TEST_HANG") != "1",
                    reason="three more process start-ups (10-20 s); set ANYLOSS_TEST_HANG=1")
def test_a_hung_rank_times_out_after_anyloss_distributed_timeout(tmp_path):
    # 4 s, not less: the timeout also bounds how far apart the processes form the group.
    output, returncode, ended = torchrun("hang", tmp_path, ANYLOSS_DISTRIBUTED_TIMEOUT="4")
    assert returncode != 0, output[-4000:]
    time_to_exit = seconds_after(tmp_path / "killed_at", ended)
    assert 4 <= time_to_exit < 15, f"torchrun ended {time_to_exit:.1f} s after rank 1 hung"
    assert "Distributed fit stopped on rank 0 of 2" in output, output[-4000:]
    assert "did not respond within 4 s (ANYLOSS_DISTRIBUTED_TIMEOUT" in output
    assert "epoch-1.anyloss" in output
    assert "local_rank: 0 (pid" in output and "exitcode  : 1 " in output  # rank 0 raised


def test_the_group_fit_creates_gets_the_timeout(monkeypatch):
    from datetime import timedelta

    from anyloss.training import distributed

    calls = []
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: False)
    monkeypatch.setattr(distributed.dist, "init_process_group",
                        lambda backend, timeout: calls.append((backend, timeout)))
    monkeypatch.setattr(distributed.dist, "get_backend", lambda: "gloo")
    monkeypatch.setattr(distributed.dist, "get_rank", lambda: 1)
    monkeypatch.setattr(distributed.dist, "get_world_size", lambda: 2)
    monkeypatch.setattr(distributed.atexit, "register", lambda fn: None)
    monkeypatch.setattr(distributed, "_own_group", [])
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("ANYLOSS_DISTRIBUTED_TIMEOUT", "7.5")
    state = distributed.setup(None)
    assert calls[0][1] == timedelta(seconds=7.5) and state.timeout == 7.5

    def refused(backend, timeout):
        raise distributed.dist.DistNetworkError("Connection refused")

    monkeypatch.setattr(distributed.dist, "init_process_group", refused)
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "1")
    monkeypatch.setenv("TORCHELASTIC_USE_AGENT_STORE", "True")
    with pytest.raises(RuntimeError, match=r"could not form the process group on rank 1 of 2"
                       r".*within 7.5 s.*TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1"):
        distributed.setup(None)


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan", "inf"])
def test_a_bad_timeout_names_the_variable_and_the_fix(monkeypatch, value):
    from anyloss.training import distributed

    monkeypatch.setenv("ANYLOSS_DISTRIBUTED_TIMEOUT", value)
    with pytest.raises(ValueError, match=rf"ANYLOSS_DISTRIBUTED_TIMEOUT='{value}' is not a "
                       r"positive number of seconds.*ANYLOSS_DISTRIBUTED_TIMEOUT=300"):
        distributed.collective_timeout()


def test_the_timeout_defaults_to_120_seconds_and_reads_the_variable(monkeypatch):
    from anyloss.training import distributed

    monkeypatch.delenv("ANYLOSS_DISTRIBUTED_TIMEOUT", raising=False)
    assert distributed.collective_timeout() == distributed.DEFAULT_TIMEOUT == 120.0
    monkeypatch.setenv("ANYLOSS_DISTRIBUTED_TIMEOUT", "7.5")
    assert distributed.collective_timeout() == 7.5


@pytest.mark.parametrize("value", ["seven", "-1", "1.5", str(2**62)])
def test_a_bad_seed_names_the_variable_and_the_fix(monkeypatch, value):
    from anyloss.training import data_adapter

    monkeypatch.setenv("ANYLOSS_SEED", value)
    with pytest.raises(ValueError, match=rf"ANYLOSS_SEED='{value}' is not a seed.*ANYLOSS_SEED=0"):
        data_adapter.seed_from_env()


def test_anyloss_seed_makes_the_order_of_an_epoch_independent_of_the_global_generator(
    monkeypatch,
):
    import torch

    from anyloss.training import data_adapter

    x = torch.arange(10.0).reshape(10, 1)

    def order(epoch: int) -> list[float]:
        torch.manual_seed(epoch * 1000 + 1)  # whatever else the script drew before
        batches = data_adapter.make_batches(x, x, None, 10, shuffle=True)
        batches.set_epoch(epoch)
        return next(iter(batches))[0].flatten().tolist()

    monkeypatch.setenv("ANYLOSS_SEED", "3")
    first, second = order(1), order(1)
    assert first == second and first != order(2)
    monkeypatch.delenv("ANYLOSS_SEED")
    assert order(1) != first or order(2) != order(1)  # the global generator decides again


def test_group_failures_are_explained_and_other_errors_pass_through():
    import torch

    from anyloss.models import ModelCheckpoint
    from anyloss.training import distributed

    state = distributed.DistributedState(1, 4, torch.device("cpu"), timeout=120.0)
    checkpoint = ModelCheckpoint("ckpt/epoch-{epoch}.anyloss")
    checkpoint.last_saved = ("ckpt/epoch-3.anyloss", 3)
    closed = RuntimeError("[gloo/transport/tcp/pair.cc:553] Connection closed by peer [::1]:1")
    with pytest.raises(RuntimeError) as info:
        distributed.raise_group_failure(closed, state, [checkpoint])
    message = str(info.value)
    assert info.value.__cause__ is closed
    assert message.startswith("Distributed fit stopped on rank 1 of 4: another process")
    assert "'ckpt/epoch-3.anyloss', saved (by rank 0) after epoch 3" in message
    assert "load_model('ckpt/epoch-3.anyloss')" in message and "initial_epoch=3" in message
    with pytest.raises(RuntimeError, match="No ModelCheckpoint saves this fit"):
        distributed.raise_group_failure(torch.distributed.DistBackendError("x"), state, [])
    with pytest.raises(RuntimeError, match="No ModelCheckpoint has saved in this fit yet"):
        distributed.raise_group_failure(closed, state, [ModelCheckpoint("e{epoch}.pt")])
    timed_out = RuntimeError("[unbound_buffer.cc:78] Timed out waiting 120000ms for recv")
    with pytest.raises(RuntimeError, match=r"did not respond within 120 s \(ANYLOSS_DIS"):
        distributed.raise_group_failure(timed_out, state, [])
    # A user's bug, or any error outside distributed training, is not rewritten.
    for err in (RuntimeError("mat1 and mat2 shapes cannot be multiplied"), ValueError("x")):
        distributed.raise_group_failure(err, state, [checkpoint])
    distributed.raise_group_failure(closed, None, [checkpoint])


def test_latest_finds_the_highest_epoch_of_the_pattern(tmp_path):
    from anyloss.models import ModelCheckpoint

    checkpoint = ModelCheckpoint(str(tmp_path / "ckpt-{epoch:03d}-{loss:.2f}.anyloss"))
    assert checkpoint.latest() is None
    for name in ("ckpt-002-0.50.anyloss", "ckpt-010-0.40.anyloss", "ckpt-009-0.45.anyloss",
                 ".anyloss-tmp123.tmp", "ckpt-011.anyloss", "other-012-0.1.anyloss"):
        (tmp_path / name).write_text("")
    assert checkpoint.latest() == (str(tmp_path / "ckpt-010-0.40.anyloss"), 10)
    assert ModelCheckpoint(str(tmp_path / "missing" / "e{epoch}.pt")).latest() is None
    with pytest.raises(ValueError, match=r"needs \{epoch\} in the file name"):
        ModelCheckpoint(str(tmp_path / "best.anyloss")).latest()


def test_one_process_resumes_exactly_with_anyloss_seed(monkeypatch, tmp_path):
    import torch

    from anyloss.layers import Dense
    from anyloss.models import ModelCheckpoint, Sequential, load_model

    monkeypatch.setenv("ANYLOSS_SEED", "7")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def fit(model, initial_epoch=0, callbacks=()):
        model.fit(x, y, batch_size=5, epochs=3, verbose=0, initial_epoch=initial_epoch,
                  callbacks=list(callbacks))
        return model

    torch.manual_seed(0)
    model = Sequential([Dense(4, input_shape=(3,), activation="tanh"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    checkpoint = ModelCheckpoint(str(tmp_path / "e{epoch}.anyloss"))
    uninterrupted = fit(model, callbacks=[checkpoint])
    assert checkpoint.last_saved == (str(tmp_path / "e3.anyloss"), 3)
    torch.randn(100)  # the resuming script draws differently from torch's generator
    resumed = fit(load_model(tmp_path / "e1.anyloss"), initial_epoch=1)
    for name, value in uninterrupted.state_dict().items():
        np.testing.assert_allclose(resumed.state_dict()[name], value, rtol=1e-6, err_msg=name)
