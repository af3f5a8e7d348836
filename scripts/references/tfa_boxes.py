"""Reference numbers of TensorFlow Addons' GIoU/IoU loss, for ``tests/catalogue/test_boxes.py``.

``tfa.losses.giou_loss(y_true, y_pred, mode)`` for ``mode="giou"`` and ``mode="iou"`` per box,
with the gradient of their sum with respect to ``y_pred``, and ``tfa.losses.GIoULoss`` for each
reduction, on yxyx boxes (TF Addons' layout), float64. TensorFlow Addons needs TensorFlow
2.13-2.15, which cannot be installed beside the pinned dev set, so this script runs in its own
environment and writes ``tests/catalogue/references/tfa_boxes.json``; the tests never import
TensorFlow.

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-tfa
    /tmp/venv-tfa/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0

Run from the repository root::

    /tmp/venv-tfa/bin/python scripts/references/tfa_boxes.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (written to the file
with the results), so a rerun writes the same numbers.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
import tensorflow_addons as tfa

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "catalogue" / "references" / "tfa_boxes.json"
SEEDS = (0, 1, 2)
REDUCTIONS = ("auto", "sum_over_batch_size", "sum", "none")


def _boxes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Valid yxyx target boxes and predictions near them (some disjoint)."""
    corner = rng.uniform(0.0, 10.0, (n, 2))
    size = rng.uniform(0.5, 5.0, (n, 2))
    true = np.concatenate([corner, corner + size], axis=-1)
    pred_corner = corner + rng.normal(0.0, 2.0, (n, 2))
    pred = np.concatenate(
        [pred_corner, pred_corner + size * np.exp(rng.normal(0, 0.4, (n, 2)))], -1
    )
    return true, pred


def _degenerate() -> tuple[np.ndarray, np.ndarray]:
    """Identical, disjoint, touching, zero-area and identical point boxes (yxyx)."""
    true = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],
            [0.0, 0.0, 1.0, 1.0],
            [0.0, 0.0, 2.0, 2.0],
            [1.0, 1.0, 3.0, 1.0],
            [0.0, 0.0, 4.0, 4.0],
            [2.0, 2.0, 2.0, 2.0],
        ]
    )
    pred = np.array(
        [
            [0.0, 0.0, 2.0, 2.0],
            [5.0, 5.0, 7.0, 6.0],
            [0.0, 2.0, 2.0, 4.0],
            [0.0, 0.0, 2.0, 2.0],
            [1.0, 1.0, 2.0, 1.0],
            [2.0, 2.0, 2.0, 2.0],
        ]
    )
    return true, pred


def _function(y_true: np.ndarray, y_pred: np.ndarray, mode: str) -> dict[str, object]:
    pred = tf.Variable(y_pred, dtype=tf.float64)
    with tf.GradientTape() as tape:
        values = tfa.losses.giou_loss(tf.constant(y_true), pred, mode=mode)
        total = tf.reduce_sum(values)
    return {"values": values.numpy().tolist(), "grad": tape.gradient(total, pred).numpy().tolist()}


def _class(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> dict[str, object]:
    out: dict[str, object] = {}
    for reduction in REDUCTIONS:
        loss = tfa.losses.GIoULoss(reduction=reduction)
        plain = loss(tf.constant(y_true), tf.constant(y_pred)).numpy().tolist()
        weighted = (
            loss(tf.constant(y_true), tf.constant(y_pred), sample_weight=tf.constant(weights))
            .numpy()
            .tolist()
        )
        out[reduction] = {"value": plain, "weighted": weighted}
    return out


def _case(name: str, y_true: np.ndarray, y_pred: np.ndarray, seed: int | None) -> dict[str, object]:
    weights = np.linspace(0.0, 2.0, len(y_true))
    return {
        "name": name,
        "seed": seed,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "sample_weight": weights.tolist(),
        "giou": _function(y_true, y_pred, "giou"),
        "iou": _function(y_true, y_pred, "iou"),
        "class": _class(y_true, y_pred, weights),
    }


def main() -> None:
    cases = [_case(f"seed{s}", *_boxes(np.random.default_rng(s), 8), s) for s in SEEDS]
    cases.append(_case("degenerate", *_degenerate(), None))
    data = {
        "provenance": {
            "peer": "tensorflow-addons",
            "peer_version": tfa.__version__,
            "tensorflow_version": tf.__version__,
            "functions": ["tfa.losses.giou_loss", "tfa.losses.GIoULoss"],
            "box_format": "yxyx",
            "script": "scripts/references/tfa_boxes.py",
            "seeds": list(SEEDS),
            "dtype": "float64",
            "date": datetime.date.today().isoformat(),
            "gradients": "d sum(values) / d y_pred, by tf.GradientTape",
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
