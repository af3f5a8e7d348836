"""Epoch time of ``fit``: anyloss vs a hand-written PyTorch loop vs Keras 3 (torch backend).

MLP 784-256-128-10, sparse categorical crossentropy from logits, Adam, batch 128, 60k x 784
synthetic samples. Repetitions are interleaved (anyloss, torch, Keras, anyloss, ...) so machine
noise hits all three alike; Keras runs in a subprocess (its backend is fixed at import) that
trains one epoch per request. Prints medians and ratios as a Markdown table.

Run: ``python benchmarks/fit_bench.py [--reps 5] [--samples 60000] [--threads 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

import anyloss as al
from anyloss.layers import Dense
from anyloss.models import Sequential

BATCH = 128

KERAS_WORKER = r"""
import json, sys, time, numpy as np, keras
n, threads = int(sys.argv[1]), int(sys.argv[2])
import torch
torch.set_num_threads(threads)
rng = np.random.default_rng(0)
x = rng.random((n, 784), dtype=np.float32)
y = rng.integers(0, 10, n)
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
print("ready", flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    print(json.dumps(time.perf_counter() - start), flush=True)
""".replace("BATCH", str(BATCH))


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def anyloss_runner(x: np.ndarray, y: np.ndarray):
    model = Sequential([Dense(256, activation="relu", input_shape=(784,)),
                        Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer="adam", loss=al.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, verbose=0)  # warm-up

    def run() -> float:
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        return time.perf_counter() - start

    return run


def torch_runner(x: np.ndarray, y: np.ndarray):
    """The loop a PyTorch user writes: shuffle, slice, forward, loss, backward, step."""
    module = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                           nn.Linear(128, 10))
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run() -> float:
        start = time.perf_counter()
        module.train()
        order = torch.randperm(len(xt))
        total = torch.zeros(())
        for i in range(0, len(xt), BATCH):
            index = order[i:i + BATCH]
            xb, yb = xt[index], yt[index]
            loss = nn.functional.cross_entropy(module(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(index)
        float(total / len(xt))  # one read per epoch, as fit's logs
        return time.perf_counter() - start

    return run


def keras_runner(n: int, threads: int):
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": str(Path(__file__).parents[1]
                                                                     / "src")}
    proc = subprocess.Popen([sys.executable, "-c", KERAS_WORKER, str(n), str(threads)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"

    def run() -> float:
        proc.stdin.write("go\n")
        proc.stdin.flush()
        return float(json.loads(proc.stdout.readline()))

    return run, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = data(args.samples)
    keras_run, keras_proc = keras_runner(args.samples, args.threads)
    runners = {"anyloss fit": anyloss_runner(x, y), "hand-written torch loop": torch_runner(x, y),
               "Keras 3 fit (torch backend)": keras_run}
    times: dict[str, list[float]] = {name: [] for name in runners}
    try:
        for _ in range(args.reps):
            for name, run in runners.items():
                times[name].append(run())
    finally:
        keras_proc.stdin.close()
        keras_proc.wait()
    baseline = statistics.median(times["hand-written torch loop"])
    print(f"\nMLP 784-256-128-10, adam, sparse CE, batch {BATCH}, {args.samples} samples, "
          f"{args.threads} torch threads, {args.reps} interleaved reps, torch {torch.__version__}"
          "\n")
    print("| implementation | median epoch (s) | min (s) | vs torch loop |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.3f} | {min(values):.3f} | {median / baseline:.2f}x |")


if __name__ == "__main__":
    main()
