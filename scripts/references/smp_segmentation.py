"""Reference values of segmentation_models_pytorch's losses, for tests/catalogue.

Runs smp's ``DiceLoss``, ``JaccardLoss``, ``TverskyLoss``, ``LovaszLoss``, ``MCCLoss`` and
``FocalLoss`` on inputs seeded here (NumPy, seeds 0, 1, 2; float64) in the binary, multiclass and multilabel
modes, and writes ``tests/catalogue/references/smp_segmentation.json``: the inputs, the loss
values and the gradients with respect to ``y_pred``, with provenance. For ``FocalLoss``, whose
number is a mean over every pixel, also smp's value on each sample alone (``per_sample``) and
the gradient of their sum (``per_sample_grad``).

smp cannot be installed beside anyloss' pinned dev set (it pulls its own torch build), so it
runs in its own environment::

    python3 -m venv /tmp/venv-peers
    /tmp/venv-peers/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/venv-peers/bin/pip install --no-deps segmentation-models-pytorch==0.6.0 timm==1.0.31 \\
        torchvision==0.28.0
    /tmp/venv-peers/bin/pip install numpy huggingface-hub safetensors pyyaml tqdm pillow

Then, from the repository root::

    /tmp/venv-peers/bin/python scripts/references/smp_segmentation.py
"""

from __future__ import annotations

import datetime
import json
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import _torchvision_stub  # noqa: F401  (before smp, which imports torchvision)
import segmentation_models_pytorch as smp

SEEDS = (0, 1, 2)
BATCH, HEIGHT, WIDTH, CLASSES = 2, 3, 4, 3
OUT = (
    pathlib.Path(__file__).resolve().parents[2] / "tests/catalogue/references/smp_segmentation.json"
)

#: (peer class, its constructor arguments, modes it runs in, whether y_pred holds probabilities)
CASES = [
    ("DiceLoss", {}, ("binary", "multiclass", "multilabel"), False),
    ("DiceLoss", {"from_logits": False, "smooth": 0.5}, ("multilabel",), True),
    ("JaccardLoss", {}, ("binary", "multiclass", "multilabel"), False),
    ("JaccardLoss", {"log_loss": True}, ("multiclass",), False),
    (
        "TverskyLoss",
        {"alpha": 0.3, "beta": 0.7, "gamma": 1.5},
        ("binary", "multiclass", "multilabel"),
        False,
    ),
    ("LovaszLoss", {}, ("binary", "multiclass", "multilabel"), False),
    ("LovaszLoss", {"per_image": True}, ("binary", "multiclass", "multilabel"), False),
    ("LovaszLoss", {"ignore_index": 2}, ("multiclass",), False),
    ("MCCLoss", {}, ("binary",), True),
    ("FocalLoss", {}, ("binary", "multiclass", "multilabel"), False),
    ("FocalLoss", {"alpha": 0.25, "gamma": 1.5}, ("binary", "multiclass", "multilabel"), False),
    ("FocalLoss", {"alpha": 0.7, "gamma": 0.0}, ("multiclass",), False),
]


def inputs(seed: int, mode: str, probabilities: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` channels-first: binary (N,1,H,W) masks, multiclass (N,H,W) labels
    (class 2 absent from the batch for seed 1), multilabel (N,C,H,W) masks."""
    rng = np.random.default_rng(seed)
    channels = 1 if mode == "binary" else CLASSES
    y_pred = rng.normal(scale=2.0, size=(BATCH, channels, HEIGHT, WIDTH))
    if probabilities:
        y_pred = rng.uniform(0.02, 0.98, size=y_pred.shape)
    if mode == "multiclass":
        high = 2 if seed == 1 else CLASSES
        y_true = rng.integers(0, high, size=(BATCH, HEIGHT, WIDTH)).astype(np.int64)
    else:
        y_true = (rng.uniform(size=(BATCH, channels, HEIGHT, WIDTH)) < 0.4).astype(np.float64)
    return y_true, y_pred


def main() -> None:
    records = []
    for name, kwargs, modes, probabilities in CASES:
        for mode in modes:
            for seed in SEEDS:
                y_true, y_pred = inputs(seed, mode, probabilities)
                loss = (
                    getattr(smp.losses, name)(**kwargs)
                    if name == "MCCLoss"
                    else getattr(smp.losses, name)(mode=mode, **kwargs)
                )
                # smp's Lovasz computes its Jaccard increments in float32 (``.float()``) and
                # refuses float64 scores: it runs in float32.
                dtype = torch.float32 if name == "LovaszLoss" else torch.float64
                pred = torch.tensor(y_pred, dtype=dtype, requires_grad=True)
                true = torch.tensor(y_true)
                value = loss(pred, true)
                (grad,) = torch.autograd.grad(value, pred)
                extra = {}
                if name == "FocalLoss":
                    alone = [loss(pred[b : b + 1], true[b : b + 1]) for b in range(BATCH)]
                    (alone_grad,) = torch.autograd.grad(sum(alone), pred)
                    extra = {
                        "per_sample": [float(v.detach()) for v in alone],
                        "per_sample_grad": alone_grad.numpy().tolist(),
                    }
                records.append(
                    {
                        "loss": f"smp.losses.{name}",
                        "kwargs": kwargs if name == "MCCLoss" else {"mode": mode, **kwargs},
                        "mode": mode,
                        "seed": seed,
                        "y_true": y_true.tolist(),
                        "y_pred": y_pred.tolist(),
                        "dtype": str(dtype).removeprefix("torch."),
                        "value": float(value.detach()),
                        "grad": grad.numpy().tolist(),
                        **extra,
                    }
                )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "provenance": {
                    "peer": "segmentation-models-pytorch",
                    "version": smp.__version__,
                    "torch": torch.__version__,
                    "script": "scripts/references/smp_segmentation.py",
                    "seeds": list(SEEDS),
                    "dtype": "float64 (LovaszLoss: float32, smp's own dtype)",
                    "layout": "channels-first; forward(y_pred, y_true)",
                    "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
                },
                "cases": records,
            },
            separators=(",", ":"),
        )
    )
    print(f"wrote {OUT} ({len(records)} cases)")


if __name__ == "__main__":
    main()
