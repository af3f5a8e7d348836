"""Reference numbers of timm's ``AsymmetricLossMultiLabel``, for
``tests/catalogue/test_probabilistic.py``.

timm imports torchvision, which requires torch==2.13.0 and pulls another torch build, so this
script runs in its own environment and writes
``tests/catalogue/references/timm_probabilistic.json`` (inputs, values and gradients with
respect to the logits); the tests never import timm. timm computes this loss in float32
(``x.float()`` in its ``forward``), so the inputs are float32 numbers and the results float32
(stored as floats). ``_torchvision_stub`` lets ``import torchvision`` finish beside the CPU torch.

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/venv-peers/bin/pip install --no-deps torchvision==0.28.0 timm==1.0.31
    /tmp/venv-peers/bin/pip install numpy pillow pyyaml huggingface_hub safetensors

Run from the repository root::

    /tmp/venv-peers/bin/python scripts/references/timm_probabilistic.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (stored with each
case), so a rerun writes the same numbers.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _torchvision_stub  # noqa: F401  (before torchvision, which timm imports)
import numpy as np
import timm
import torch
from timm.loss import AsymmetricLossMultiLabel

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "catalogue" / "references" / "timm_probabilistic.json"
SEEDS = (0, 1, 2)

#: (case name, constructor arguments, soft targets)
CONFIGS = (
    ("defaults", {}, False),
    ("reduction-none", {"reduction": "none"}, False),
    ("reduction-mean", {"reduction": "mean"}, False),
    ("reduction-sum", {"reduction": "sum"}, False),
    ("no-clip-gamma-pos-0", {"gamma_neg": 2.0, "gamma_pos": 0.0, "clip": None}, False),
    ("clip-eps-smoothing", {"clip": 0.1, "eps": 1e-6, "smoothing": 0.1}, False),
    ("no-focusing", {"gamma_neg": 0.0, "gamma_pos": 0.0, "clip": 0.0}, False),
    ("soft-targets", {}, True),
)


def _inputs(seed: int, soft: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (4, 5)
    logits = (rng.normal(0.0, 2.5, shape)).astype(np.float32)
    if soft:
        targets = rng.uniform(0.0, 1.0, shape).astype(np.float32)
    else:
        targets = (rng.uniform(0.0, 1.0, shape) < 0.3).astype(np.float32)
    return targets, logits


def _run(kwargs: dict[str, object], y: np.ndarray, x: np.ndarray) -> dict[str, object]:
    loss = AsymmetricLossMultiLabel(**kwargs)
    logits = torch.tensor(x, requires_grad=True)
    value = loss(logits, torch.tensor(y))
    value.sum().backward()
    return {
        "value": value.detach().double().numpy().tolist(),
        "grad": logits.grad.double().numpy().tolist(),
    }


def main() -> None:
    cases = []
    for name, kwargs, soft in CONFIGS:
        for seed in SEEDS if name == "defaults" else (SEEDS[len(cases) % len(SEEDS)],):
            y, x = _inputs(seed, soft)
            cases.append(
                {
                    "name": name,
                    "seed": seed,
                    "kwargs": kwargs,
                    "y_true": y.astype(np.float64).tolist(),
                    "y_pred": x.astype(np.float64).tolist(),
                    **_run(kwargs, y, x),
                }
            )
    data = {
        "provenance": {
            "peer": "timm",
            "peer_version": timm.__version__,
            "torch_version": torch.__version__,
            "class": "timm.loss.AsymmetricLossMultiLabel",
            "call": "loss(logits=y_pred, targets=y_true)",
            "script": "scripts/references/timm_probabilistic.py",
            "seeds": list(SEEDS),
            "dtype": "float32 (timm's forward casts to float32); inputs float32-exact",
            "date": datetime.date.today().isoformat(),
            "gradients": "d sum(value) / d logits, by torch.autograd",
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
