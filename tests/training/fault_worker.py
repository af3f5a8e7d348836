"""Run by test_distributed_faults under `torchrun --nproc_per_node=2`: the documented pattern
for `torchrun --max-restarts`, a script that resumes from `ModelCheckpoint.latest()`.

`crash DIR` (with `--max-restarts=1`): the first attempt trains 3 epochs with a checkpoint
after each, and rank 1 SIGKILLs itself in the middle of epoch 2 (writing the time to
DIR/killed_at). The restarted attempt (writing its start time to DIR/restarted_at) resumes from
the latest checkpoint, then trains a fresh model for all 3 epochs without interruption; rank 0
writes both final weights to DIR/weights.json. `hang DIR`: rank 1 sleeps instead of dying (the
test sets a short ANYLOSS_DISTRIBUTED_TIMEOUT). The test sets ANYLOSS_SEED.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

RESTARTED = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")) > 0
if RESTARTED and os.environ.get("RANK") == "0":  # before the imports: the earliest moment
    (Path(sys.argv[2]) / "restarted_at").write_text(repr(time.time()))

import json  # noqa: E402
import signal  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from anyloss.layers import Dense  # noqa: E402
from anyloss.models import Callback, ModelCheckpoint, Sequential, load_model  # noqa: E402

EPOCHS = 3


class FailRank1MidEpoch2(Callback):
    def __init__(self, directory: Path, hang: bool) -> None:
        super().__init__()
        self.directory = directory
        self.hang = hang
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 1 and batch == 3 and torch.distributed.get_rank() == 1:
            (self.directory / "killed_at").write_text(repr(time.time()))
            if self.hang:
                time.sleep(120)  # until torchrun stops it, once rank 0 has failed
            os.kill(os.getpid(), signal.SIGKILL)


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    return x, np.stack([x.sum(axis=1), x[:, 0] * x[:, 1]], axis=1)


def build() -> Sequential:
    torch.manual_seed(0)
    model = Sequential([Dense(8, input_shape=(3,), activation="tanh"), Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def fit(model: Sequential, callbacks: list, initial_epoch: int = 0) -> None:
    x, y = data()
    # 64 samples in global batches of 8: 8 steps per epoch, 4 samples per process and step.
    model.fit(x, y, batch_size=8, epochs=EPOCHS, shuffle=True, verbose=0,
              callbacks=callbacks, initial_epoch=initial_epoch)


def weights(model: Sequential) -> dict:
    return {k: v.tolist() for k, v in model.state_dict().items()}


def main(mode: str, directory: Path) -> None:
    torch.set_num_threads(1)
    if not RESTARTED and os.environ["RANK"] == "0":
        # torchrun SIGTERMs the survivors as soon as it sees rank 1 gone, which can cut rank
        # 0's error short: the test wants to see what rank 0 does by itself, and how soon.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    checkpoint = ModelCheckpoint(str(directory / "epoch-{epoch}.anyloss"))
    found = checkpoint.latest()
    if found is None:
        assert not RESTARTED, "restarted, but found no checkpoint"
        fit(build(), [checkpoint, FailRank1MidEpoch2(directory, hang=mode == "hang")])
        return
    path, epoch = found
    torch.manual_seed(123)  # the global generator differs from the first attempt's here
    resumed = load_model(path)
    fit(resumed, [checkpoint], initial_epoch=epoch)
    uninterrupted = build()
    fit(uninterrupted, [])
    if torch.distributed.get_rank() == 0:
        result = {"resumed_from": [Path(path).name, epoch], "resumed": weights(resumed),
                  "uninterrupted": weights(uninterrupted)}
        (directory / "weights.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
