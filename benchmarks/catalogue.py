"""Benchmark the catalogue's losses against the peer implementation that defines each one.

Each row builds the anyloss loss from the peer's own spelling (``al.get("torch.nn.SmoothL1Loss")``
gives the anyloss class configured with torch's semantics and reduction), so both sides compute
the same number; the value is checked before timing. Torch rows run eager, on small and large
inputs, forward and forward+backward (the gradient w.r.t. the predictions); JAX rows run both
sides under ``jax.jit`` (optax). Repetitions are interleaved (``run.run_row``) and each cell is
a median; ratios come from the same run.

Targets (the same as the Keras rows of ``run.py``): small fwd+bwd <= 1.5x the peer's torch
kernel, large <= 1.15x; jitted JAX <= 1.1x optax.

Run: ``python benchmarks/catalogue.py [--quick] [--only NAME,...] [--out FILE]`` (default
output ``benchmarks/RESULTS-catalogue.md``; ``--quick`` prints to stdout).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import run as R  # noqa: E402

#: (small, large) shapes of element-wise rows.
ELEMENTWISE = ((32, 10), (4096, 1000))
#: (small, large) (batch, dim) of embedding rows (a batch x batch similarity matrix).
EMBEDDINGS = ((32, 16), (1024, 128))
#: (small, large) (batch, classes, height, width) of segmentation rows.
MASKS = ((4, 3, 16, 16), (16, 4, 128, 128))
#: (small, large) number of boxes.
BOXES = ((32,), (100000,))
#: (small, large) (lists, list size).
LISTS = ((32, 10), (4096, 100))

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class PeerCase:
    """One row: the anyloss loss built from ``spelling``, timed against ``theirs``.

    ``make(rng, shape)`` gives NumPy arrays; ``ours(loss, arrays)`` and ``theirs(arrays)`` take
    them converted to the row's library (``pred`` is the differentiated one) and return the
    scalar loss.
    """

    loss: str
    spelling: str
    library: str  # "torch" or "jax"
    shapes: tuple[tuple[int, ...], tuple[int, ...]]
    make: Callable[[np.random.Generator, tuple[int, ...]], Arrays]
    ours: Callable[[Any, Any], Any]
    theirs: Callable[[Any], Any]
    native: str  # what ``theirs`` is


def _f32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _regression(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.normal(size=shape)), "pred": _f32(rng.normal(size=shape))}


def _signed(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.choice([-1.0, 1.0], shape)), "pred": _f32(rng.normal(size=shape))}


def _binary(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.integers(0, 2, shape)), "pred": _f32(rng.normal(size=shape))}


def _counts(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.poisson(2.0, shape)), "pred": _f32(rng.normal(size=shape))}


def _labels(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    logits = rng.normal(size=shape)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return {"true": rng.integers(0, shape[-1], shape[:-1]).astype(np.int64),
            "pred": _f32(log_probs)}


def _pairs(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    batch, dim = shape
    return {"true": _f32(rng.choice([-1.0, 1.0], batch)),
            "pred": _f32(rng.normal(size=(batch, 2, dim)))}


def _triplets(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    batch, dim = shape
    return {"true": np.zeros(batch, np.float32), "pred": _f32(rng.normal(size=(batch, 3, dim)))}


def _scores(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.choice([-1.0, 1.0], shape[0])),
            "pred": _f32(rng.normal(size=(shape[0], 2)))}


def _mean_variance(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.normal(size=shape)),
            "pred": _f32(np.concatenate([rng.normal(size=shape),
                                         rng.uniform(0.1, 2.0, shape)], -1))}


def _torch_fn(name: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """``F.<name>(pred, true, ...)`` (torch's argument order) on the row's arrays."""

    def call(a: Any) -> Any:
        import torch.nn.functional as F

        return getattr(F, name)(a["pred"], a["true"], *args, **kwargs)

    return call


def _ours(loss: Any, a: Any) -> Any:
    return loss(a["true"], a["pred"])


CASES: list[PeerCase] = [
    PeerCase("smooth_l1", "torch.nn.SmoothL1Loss", "torch", ELEMENTWISE, _regression, _ours,
             _torch_fn("smooth_l1_loss"), "F.smooth_l1_loss"),
    PeerCase("poisson_nll", "torch.nn.PoissonNLLLoss", "torch", ELEMENTWISE, _counts, _ours,
             _torch_fn("poisson_nll_loss"), "F.poisson_nll_loss"),
    PeerCase("gaussian_nll", "torch.nn.GaussianNLLLoss", "torch", ELEMENTWISE, _mean_variance,
             _ours,
             lambda a: __import__("torch").nn.functional.gaussian_nll_loss(
                 a["pred"][..., : a["true"].shape[-1]], a["true"],
                 a["pred"][..., a["true"].shape[-1]:]),
             "F.gaussian_nll_loss"),
    PeerCase("nll", "torch.nn.NLLLoss", "torch", ELEMENTWISE, _labels,
             _ours, _torch_fn("nll_loss"), "F.nll_loss"),
    PeerCase("multilabel_soft_margin", "torch.nn.MultiLabelSoftMarginLoss", "torch", ELEMENTWISE,
             _binary, _ours, _torch_fn("multilabel_soft_margin_loss"),
             "F.multilabel_soft_margin_loss"),
    PeerCase("soft_margin", "torch.nn.SoftMarginLoss", "torch", ELEMENTWISE, _signed, _ours,
             _torch_fn("soft_margin_loss"), "F.soft_margin_loss"),
    PeerCase("multi_margin", "torch.nn.MultiMarginLoss", "torch", ELEMENTWISE, _labels, _ours,
             _torch_fn("multi_margin_loss"), "F.multi_margin_loss"),
    PeerCase("cosine_embedding", "torch.nn.CosineEmbeddingLoss", "torch", EMBEDDINGS, _pairs,
             _ours,
             lambda a: __import__("torch").nn.functional.cosine_embedding_loss(
                 a["pred"][:, 0], a["pred"][:, 1], a["true"]),
             "F.cosine_embedding_loss"),
    PeerCase("margin_ranking", "torch.nn.MarginRankingLoss", "torch", ELEMENTWISE, _scores,
             _ours,
             lambda a: __import__("torch").nn.functional.margin_ranking_loss(
                 a["pred"][:, 0], a["pred"][:, 1], a["true"]),
             "F.margin_ranking_loss"),
    PeerCase("triplet_margin", "torch.nn.TripletMarginLoss", "torch", EMBEDDINGS, _triplets,
             _ours,
             lambda a: __import__("torch").nn.functional.triplet_margin_loss(
                 a["pred"][:, 0], a["pred"][:, 1], a["pred"][:, 2]),
             "F.triplet_margin_loss"),
]


def _torch_candidates(case: PeerCase, arrays: Arrays, pass_: str,
                      sync: Callable[[], None]) -> list[R.Candidate]:
    import torch

    import anyloss as al

    loss = al.get(case.spelling)
    data = {k: torch.from_numpy(v) for k, v in arrays.items()}

    def with_grad(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def step() -> Any:
            pred = data["pred"].clone().requires_grad_(pass_ == "fwd+bwd")
            value = fn({**data, "pred": pred})
            if pass_ == "fwd+bwd":
                value.backward()
            return value

        return step

    ours = with_grad(lambda a: case.ours(loss, a))
    theirs = with_grad(case.theirs)
    return [
        R.local_candidate("anyloss", ours, sync, lambda: float(ours())),
        R.local_candidate("peer", theirs, sync, lambda: float(theirs())),
    ]


def _jax_candidates(case: PeerCase, arrays: Arrays, pass_: str,
                    sync: Callable[[], None]) -> list[R.Candidate]:
    import jax
    import jax.numpy as jnp

    import anyloss as al

    loss = al.get(case.spelling)
    data = {k: jnp.asarray(v) for k, v in arrays.items()}

    def jitted(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def scalar(pred: Any, rest: Any) -> Any:
            return fn({**rest, "pred": pred})

        rest = {k: v for k, v in data.items() if k != "pred"}
        compiled = jax.jit(jax.value_and_grad(scalar) if pass_ == "fwd+bwd" else scalar)

        def call() -> Any:
            return jax.block_until_ready(compiled(data["pred"], rest))

        return call

    ours, theirs = jitted(lambda a: case.ours(loss, a)), jitted(case.theirs)

    def value(fn: Callable[[], Any]) -> Callable[[], float]:
        return lambda: float(np.asarray(fn()[0] if pass_ == "fwd+bwd" else fn()))

    return [R.local_candidate("anyloss", ours, sync, value(ours)),
            R.local_candidate("peer", theirs, sync, value(theirs))]


def rows(args: argparse.Namespace, cases: list[PeerCase]) -> list[dict[str, Any]]:
    sync = R.synchronizer("cpu")
    out = []
    for case in cases:
        for size, shape in zip(("small", "large"), case.shapes, strict=True):
            arrays = case.make(np.random.default_rng(0), shape)
            for pass_ in R.PASSES:
                build = _torch_candidates if case.library == "torch" else _jax_candidates
                candidates = build(case, arrays, pass_, sync)
                ours, theirs = candidates[0].value, candidates[1].value
                if ours is not None and theirs is not None and not np.isclose(
                        ours, theirs, rtol=1e-4, atol=1e-5):
                    msg = f"{case.spelling}: anyloss {ours} != peer {theirs} ({size}, {pass_})"
                    raise AssertionError(msg)
                reps = args.reps if size == "small" else args.large_reps
                times = R.run_row(candidates, reps, args.target, args.row_budget)
                row = {"case": case, "size": size, "shape": shape, "pass": pass_, **times}
                print(f"{case.loss:28s} {size:5s} {pass_:8s} {R.fmt_time(times['anyloss'])} "
                      f"vs {R.fmt_time(times['peer'])}", file=sys.stderr)
                out.append(row)
    return out


def _target(row: dict[str, Any]) -> float:
    if row["case"].library == "jax":
        return 1.1
    return 1.5 if row["size"] == "small" else 1.15


def report(args: argparse.Namespace, results: list[dict[str, Any]], wall: float) -> str:
    lines = [
        "# anyloss catalogue benchmarks: each loss against the peer that defines it",
        "",
        f"Generated by `benchmarks/catalogue.py{' --quick' if args.quick else ''}` on "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {wall / 60:.1f} min.",
        "",
        f"- Machine: {R.machine()['cpu']}; torch threads {args.threads}.",
        f"- Versions: {R.versions()}.",
        "- Method: the anyloss loss is `al.get(peer spelling)`, so both sides compute the same "
        "number (checked before timing). Medians of interleaved repetitions; fwd+bwd adds the "
        "gradient w.r.t. the predictions. JAX rows: both sides under `jax.jit`.",
        "- Targets: torch small fwd+bwd <= 1.5x, large <= 1.15x the peer; JAX <= 1.1x.",
        "",
        "| loss | peer | library | size | pass | anyloss | peer | anyloss / peer | target |",
        "|---|---|---|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        case = r["case"]
        met = r["anyloss"] / r["peer"] <= _target(r)
        target = f"<= {_target(r)}x {'met' if met else '**missed**'}"
        lines.append(
            f"| {case.loss} | {case.native} | {case.library} | {R.shape_str(r['shape'])} | "
            f"{r['pass']} | {R.fmt_time(r['anyloss'])} | {R.fmt_time(r['peer'])} | "
            f"{R.ratio(r['anyloss'], r['peer'])} | {target} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="", help="comma-separated loss names")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    args.reps, args.large_reps = (3, 3) if args.quick else (9, 7)
    args.target = 0.01 if args.quick else 0.02
    args.row_budget = 4.0 if args.quick else 15.0
    wanted = set(filter(None, args.only.split(",")))
    cases = [c for c in CASES if not wanted or c.loss in wanted]

    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    text = report(args, rows(args, cases), time.perf_counter() - start)
    out = args.out if args.out is not None else (
        None if args.quick else HERE / "RESULTS-catalogue.md")
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n")
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
