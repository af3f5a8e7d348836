"""The five Keras example programs of ``examples/keras/``: anyloss vs Keras 3 (torch backend).

Each program runs as written under anyloss, and under Keras with only its import lines changed
(``from anyloss import`` -> ``from keras import``), on the same data, once per seed (the
``set_random_seed(1)`` line takes the seed). Each run is a fresh subprocess; runs alternate
(anyloss, Keras, anyloss, ...) so machine noise hits both alike. Reported per program: the
final test metric (median over seeds, with the range) and the epoch time (median over seeds of
each run's median epoch, the first epoch excepted: it builds the model).

Run: ``python benchmarks/keras_examples.py [--seeds 1 2 3] [--only mnist_convnet] [--threads 2]``.
Writes Markdown to ``benchmarks/RESULTS-keras-examples.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples" / "keras"
sys.path.insert(0, str(HERE))

#: program -> (the metric the table compares, higher is better?)
PROGRAMS: dict[str, tuple[str, bool]] = {
    "mnist_convnet": ("accuracy", True),
    "text_classification": ("accuracy", True),
    "timeseries_lstm": ("loss", False),
    "subclassed_model": ("accuracy", True),
    "multi_input_output": ("priority_accuracy", True),
}


def keras_source(source: str) -> str:
    """The Keras program: the import lines name ``keras`` where they name ``anyloss``."""
    return re.sub(r"^from anyloss import ", "from keras import ", source, flags=re.MULTILINE)


def child(framework: str, program: str, seed: int, threads: int) -> None:
    """Run one program in this process and print one JSON line with its results."""
    if framework == "keras":
        os.environ["KERAS_BACKEND"] = "torch"
    import torch

    torch.set_num_threads(threads)
    source = (EXAMPLES / f"{program}.py").read_text()
    source = source.replace("set_random_seed(1)", f"set_random_seed({seed})")
    if framework == "keras":
        import keras

        source = keras_source(source)
        model_class: Any = keras.Model
        base: Any = keras.callbacks.Callback
    else:
        from anyloss.models import Callback, Model

        model_class, base = Model, Callback
    epoch_times: list[float] = []
    scores: list[Any] = []

    class EpochTimer(base):  # type: ignore[misc,valid-type]
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            epoch_times.append(time.perf_counter() - self.start)

    fit, evaluate = model_class.fit, model_class.evaluate

    in_fit: list[bool] = []

    def timed_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), EpochTimer()]
        in_fit.append(True)
        try:
            return fit(self, *args, **kwargs)
        finally:
            in_fit.pop()

    def recorded_evaluate(self: Any, *args: Any, **kwargs: Any) -> Any:
        wanted = kwargs.get("return_dict", False)
        kwargs["return_dict"] = True
        logs = evaluate(self, *args, **kwargs)
        if not in_fit:  # the program's own evaluate, not fit's validation
            scores.append(logs)
        if wanted:
            return logs
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    model_class.fit, model_class.evaluate = timed_fit, recorded_evaluate
    stdout = sys.stdout
    with open(os.devnull, "w") as quiet:
        sys.stdout = quiet
        try:
            exec(compile(source, f"{program}.py", "exec"), {"__name__": "__main__"})
        finally:
            sys.stdout = stdout
    score = {k: float(v) for k, v in scores[-1].items()}
    print(json.dumps({"epoch_times": epoch_times, "score": score}))


def run_child(framework: str, program: str, seed: int, threads: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", framework, program, str(seed),
               "--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{framework} {program} seed {seed} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list[dict[str, Any]], metric: str) -> tuple[float, float, float, float]:
    values = [r["score"][metric] for r in runs]
    epochs = [statistics.median(r["epoch_times"][1:] or r["epoch_times"]) for r in runs]
    return statistics.median(values), min(values), max(values), statistics.median(epochs)


def report(results: dict[str, dict[str, list[dict[str, Any]]]], seeds: list[int],
           threads: int, wall: float) -> str:
    import run as R

    lines = [
        "# Keras example programs: anyloss vs Keras 3 (torch backend)",
        "",
        f"Generated by `benchmarks/keras_examples.py` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {wall:.0f} s.",
        "",
        f"- Machine: {R.machine()['cpu']}; torch threads: {threads}.",
        f"- Versions: {versions()}.",
        f"- Seeds {seeds}: each program once per seed per library, in fresh alternating "
        "processes, on the same data. Metric: the program's test score from `evaluate` "
        "(median over seeds [min, max]). Epoch: median over seeds of each run's median epoch "
        "time, the first epoch excepted, validation included.",
        "",
        "| program | metric | anyloss | Keras 3 (torch) | difference | epoch anyloss | "
        "epoch Keras | time ratio |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for program, by_framework in results.items():
        metric, _ = PROGRAMS[program]
        ours, theirs = summary(by_framework["anyloss"], metric), summary(
            by_framework["keras"], metric)
        lines.append(
            f"| {program} | {metric} | {ours[0]:.4f} [{ours[1]:.4f}, {ours[2]:.4f}] | "
            f"{theirs[0]:.4f} [{theirs[1]:.4f}, {theirs[2]:.4f}] | {ours[0] - theirs[0]:+.4f} | "
            f"{ours[3] * 1e3:.0f} ms | {theirs[3] * 1e3:.0f} ms | {ours[3] / theirs[3]:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def versions() -> str:
    import platform

    import keras
    import torch

    import anyloss

    return (f"Python {platform.python_version()}, anyloss {anyloss.__version__}, "
            f"keras {keras.__version__}, torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("FRAMEWORK", "PROGRAM", "SEED"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--only", nargs="+", choices=sorted(PROGRAMS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-keras-examples.md")
    args = parser.parse_args()
    if args.child:
        framework, program, seed = args.child
        child(framework, program, int(seed), args.threads)
        return
    start = time.perf_counter()
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for program in args.only or PROGRAMS:
        results[program] = {"anyloss": [], "keras": []}
        for seed in args.seeds:
            for framework in ("anyloss", "keras"):
                results[program][framework].append(
                    run_child(framework, program, seed, args.threads))
                print(f"{program} seed {seed} {framework}: "
                      f"{results[program][framework][-1]['score']}", flush=True)
    text = report(results, args.seeds, args.threads, time.perf_counter() - start)
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
