"""Run by test_distributed under `torchrun --nproc_per_node=2`; also imported for the
single-process reference. Rank 0 writes the history and final weights as JSON."""

from __future__ import annotations

import json
import sys

import numpy as np
import torch

from anyloss.layers import Dense
from anyloss.models import Sequential


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    return x, np.stack([x.sum(axis=1), x[:, 0] * x[:, 1]], axis=1)


def train(distributed: bool | None = None) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = Sequential([Dense(4, input_shape=(3,), activation="tanh"), Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = data()
    # 16 training samples in global batches of 5: 5, 5, 5, 1 (ranks get 3+2, ..., 1+0).
    history = model.fit(x, y, batch_size=5, epochs=2, shuffle=False, validation_split=0.2,
                        verbose=0, distributed=distributed)
    return {"history": history.history,
            "weights": {k: v.tolist() for k, v in model.state_dict().items()}}


if __name__ == "__main__":
    result = train()
    if torch.distributed.get_rank() == 0:
        with open(sys.argv[1], "w") as f:
            json.dump(result, f)
