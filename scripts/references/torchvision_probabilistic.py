"""Reference numbers of ``torchvision.ops.sigmoid_focal_loss``, for
``tests/catalogue/test_probabilistic.py``.

torchvision 0.28.0 requires torch==2.13.0 and pulls another torch build, so this script runs in
its own environment and writes ``tests/catalogue/references/torchvision_probabilistic.json``
(inputs, values and gradients with respect to the logits, float64); the tests never import
torchvision. Its PyPI wheel's compiled ops do not load beside the CPU torch;
``_torchvision_stub`` lets ``import torchvision`` finish (the focal loss is plain torch code).

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/venv-peers/bin/pip install --no-deps torchvision==0.28.0
    /tmp/venv-peers/bin/pip install numpy pillow

Run from the repository root::

    /tmp/venv-peers/bin/python scripts/references/torchvision_probabilistic.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (stored with each
case), so a rerun writes the same numbers.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _torchvision_stub  # noqa: F401  (before torchvision)
import numpy as np
import torch
import torchvision
from torchvision.ops import sigmoid_focal_loss

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "catalogue" / "references" / "torchvision_probabilistic.json"
SEEDS = (0, 1, 2)

#: (case name, keyword arguments, soft targets)
CONFIGS = (
    ("defaults", {}, False),
    ("alpha-off-gamma-1.5", {"alpha": -1, "gamma": 1.5}, False),
    ("alpha-0.75-gamma-0", {"alpha": 0.75, "gamma": 0}, False),
    ("soft-targets", {"alpha": 0.4, "gamma": 3}, True),
)


def _inputs(seed: int, soft: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (4, 3)
    logits = rng.normal(0.0, 3.0, shape)
    targets = rng.uniform(0.0, 1.0, shape) if soft else (rng.uniform(0, 1, shape) < 0.4) * 1.0
    return targets, logits


def _run(kwargs: dict[str, object], y: np.ndarray, x: np.ndarray) -> dict[str, object]:
    logits = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(y, dtype=torch.float64)
    values = sigmoid_focal_loss(logits, target, **kwargs)  # reduction="none"
    values.sum().backward()
    out = {"values": values.detach().numpy().tolist(), "grad": logits.grad.numpy().tolist()}
    for reduction in ("mean", "sum"):
        out[reduction] = float(
            sigmoid_focal_loss(logits.detach(), target, reduction=reduction, **kwargs)
        )
    return out


def main() -> None:
    cases = []
    for name, kwargs, soft in CONFIGS:
        for seed in SEEDS:
            y, x = _inputs(seed, soft)
            cases.append(
                {
                    "name": name,
                    "seed": seed,
                    "kwargs": kwargs,
                    "y_true": y.tolist(),
                    "y_pred": x.tolist(),
                    **_run(kwargs, y, x),
                }
            )
    data = {
        "provenance": {
            "peer": "torchvision",
            "peer_version": torchvision.__version__,
            "torch_version": torch.__version__,
            "function": "torchvision.ops.sigmoid_focal_loss",
            "call": "sigmoid_focal_loss(inputs=y_pred, targets=y_true, **kwargs)",
            "script": "scripts/references/torchvision_probabilistic.py",
            "seeds": list(SEEDS),
            "dtype": "float64",
            "date": datetime.date.today().isoformat(),
            "gradients": "d sum(values) / d inputs (reduction='none'), by torch.autograd",
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
