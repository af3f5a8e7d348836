"""Reference numbers of torchvision's box losses, for ``tests/catalogue/test_boxes.py``.

``torchvision.ops.generalized_box_iou_loss``, ``distance_box_iou_loss`` and
``complete_box_iou_loss`` (xyxy boxes) on random valid boxes and on degenerate ones (zero width
or height, disjoint, identical, touching), float64: values per box and the gradient of their
sum with respect to the predicted boxes (torchvision's ``boxes1``). torchvision 0.28.0 requires
torch==2.13.0 and pulls another torch build, so this script runs in its own environment and
writes ``tests/catalogue/references/torchvision_boxes.json``; the tests never import
torchvision. Its PyPI wheel is a CUDA build whose compiled ops do not load beside the CPU torch;
``_torchvision_stub`` lets ``import torchvision`` finish (the losses are plain torch code).

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/venv-peers/bin/pip install --no-deps torchvision==0.28.0
    /tmp/venv-peers/bin/pip install numpy pillow

Run from the repository root::

    /tmp/venv-peers/bin/python scripts/references/torchvision_boxes.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (written to the file
with the results), so a rerun writes the same numbers.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _torchvision_stub  # noqa: F401  (before torchvision)
import numpy as np
import torch
import torchvision
from torchvision import ops

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "catalogue" / "references" / "torchvision_boxes.json"
SEEDS = (0, 1, 2)
FUNCTIONS = {
    "giou": ops.generalized_box_iou_loss,
    "diou": ops.distance_box_iou_loss,
    "ciou": ops.complete_box_iou_loss,
}


def _boxes(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Valid xyxy target boxes and predictions near them (some disjoint)."""
    corner = rng.uniform(0.0, 10.0, (*shape, 2))
    size = rng.uniform(0.5, 5.0, (*shape, 2))
    true = np.concatenate([corner, corner + size], axis=-1)
    shift = rng.normal(0.0, 2.0, (*shape, 2))
    scale = np.exp(rng.normal(0.0, 0.4, (*shape, 2)))
    pred_corner = corner + shift
    pred = np.concatenate([pred_corner, pred_corner + size * scale], axis=-1)
    return true, pred


def _degenerate() -> tuple[np.ndarray, np.ndarray]:
    """Zero width or height, zero area, disjoint, identical and touching boxes."""
    true = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],  # identical
            [0.0, 0.0, 1.0, 1.0],  # disjoint
            [0.0, 0.0, 2.0, 2.0],  # touching along an edge
            [1.0, 1.0, 1.0, 3.0],  # zero width target
            [0.0, 0.0, 0.0, 0.0],  # a point target, point prediction elsewhere
            [0.0, 0.0, 4.0, 4.0],  # prediction of zero area inside
            [2.0, 2.0, 2.0, 2.0],  # identical points
            [0.0, 0.0, 3.0, 1.0],  # prediction of zero height
        ]
    )
    pred = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],
            [5.0, 5.0, 6.0, 7.0],
            [2.0, 0.0, 4.0, 2.0],
            [0.0, 0.0, 2.0, 2.0],
            [3.0, 4.0, 3.0, 4.0],
            [1.0, 1.0, 1.0, 2.0],
            [2.0, 2.0, 2.0, 2.0],
            [0.0, 0.0, 2.0, 0.0],
        ]
    )
    return true, pred


def _clean(x: np.ndarray) -> list[object]:
    """NaN and infinities as ``null`` (JSON has neither)."""
    return [
        _clean(v) if isinstance(v, np.ndarray) else (float(v) if math.isfinite(v) else None)
        for v in x
    ]


def _run(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, object]:
    fn = FUNCTIONS[name]
    pred = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    values = fn(pred, torch.tensor(y_true, dtype=torch.float64), reduction="none")
    values.sum().backward()
    out = {"values": _clean(values.detach().numpy()), "grad": _clean(pred.grad.numpy())}
    for reduction in ("mean", "sum"):
        out[reduction] = float(fn(pred.detach(), torch.tensor(y_true), reduction=reduction))
    return out


def _case(name: str, y_true: np.ndarray, y_pred: np.ndarray, seed: int | None) -> dict[str, object]:
    return {
        "name": name,
        "seed": seed,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        **{loss: _run(loss, y_true, y_pred) for loss in FUNCTIONS},
    }


def main() -> None:
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        cases.append(_case(f"seed{seed}", *_boxes(rng, (8,)), seed))
    rng = np.random.default_rng(10)
    cases.append(_case("seed10-batch-of-box-sets", *_boxes(rng, (2, 3)), 10))
    cases.append(_case("degenerate", *_degenerate(), None))
    data = {
        "provenance": {
            "peer": "torchvision",
            "peer_version": torchvision.__version__,
            "torch_version": torch.__version__,
            "functions": [f"torchvision.ops.{fn.__name__}" for fn in FUNCTIONS.values()],
            "box_format": "xyxy",
            "script": "scripts/references/torchvision_boxes.py",
            "seeds": [*SEEDS, 10],
            "dtype": "float64",
            "date": datetime.date.today().isoformat(),
            "gradients": "d sum(values) / d y_pred (boxes1), by torch.autograd; null: NaN/inf",
        },
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n  ".join(json.dumps(case) for case in cases)
    provenance = json.dumps(data["provenance"], indent=2).replace("\n", "\n  ")
    OUT.write_text(f'{{\n "provenance": {provenance},\n "cases": [\n  {lines}\n ]\n}}\n')
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
