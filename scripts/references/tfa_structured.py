"""Reference numbers of TensorFlow Addons' sparsemax loss, for ``tests/catalogue/test_structured.py``.

TensorFlow Addons needs TensorFlow 2.13-2.15, which cannot be installed beside the pinned dev
set, so this script runs in its own environment and writes
``tests/catalogue/references/tfa_structured.json`` (inputs, values and gradients, float64):
``tfa.losses.SparsemaxLoss(from_logits=True)`` for each reduction, with and without
``sample_weight``, and ``tfa.losses.sparsemax_loss(logits, sparsemax, labels)`` per sample.
The tests read that file; they never import TensorFlow.

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-tfa
    /tmp/venv-tfa/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0

Run from the repository root::

    /tmp/venv-tfa/bin/python scripts/references/tfa_structured.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds listed in ``SEEDS`` (and written to
the file with the results), so a rerun writes the same numbers.
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
OUT = ROOT / "tests" / "catalogue" / "references" / "tfa_structured.json"
SEEDS = (0, 1, 2)
REDUCTIONS = ("auto", "sum_over_batch_size", "sum", "none")


def _function(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, object]:
    """``tfa.losses.sparsemax_loss`` per sample (given ``tfa.activations.sparsemax``), and the
    gradient of their sum with respect to the logits (through both arguments)."""
    pred = tf.Variable(y_pred, dtype=tf.float64)
    with tf.GradientTape() as tape:
        values = tfa.losses.sparsemax_loss(
            pred, tfa.activations.sparsemax(pred), tf.constant(y_true)
        )
        total = tf.reduce_sum(values)
    return {"values": values.numpy().tolist(), "grad": tape.gradient(total, pred).numpy().tolist()}


def _class(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None) -> dict[str, object]:
    """``tfa.losses.SparsemaxLoss(from_logits=True, reduction)`` for each reduction."""
    out: dict[str, object] = {}
    for reduction in REDUCTIONS:
        loss = tfa.losses.SparsemaxLoss(from_logits=True, reduction=reduction)
        pred = tf.Variable(y_pred, dtype=tf.float64)
        with tf.GradientTape() as tape:
            kwargs = {} if weights is None else {"sample_weight": tf.constant(weights)}
            value = loss(tf.constant(y_true), pred, **kwargs)
            total = tf.reduce_sum(value)
        out[reduction] = {
            "value": value.numpy().tolist(),
            "grad": tape.gradient(total, pred).numpy().tolist(),
        }
    return out


def _case(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, seed: int, weights: np.ndarray | None
) -> dict[str, object]:
    return {
        "name": name,
        "seed": seed,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "sample_weight": None if weights is None else weights.tolist(),
        "function": _function(y_true, y_pred),
        "class": _class(y_true, y_pred, weights),
    }


def main() -> None:
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        # Scores spread enough that sparsemax has supports of every size, one-hot targets.
        y_pred = 1.5 * rng.normal(size=(6, 4))
        y_true = np.eye(4)[rng.integers(0, 4, size=6)]
        weights = rng.uniform(0.0, 2.0, size=(6,))
        cases.append(_case(f"seed{seed}-one-hot", y_true, y_pred, seed, None))
        cases.append(_case(f"seed{seed}-one-hot-weighted", y_true, y_pred, seed, weights))
        # Soft targets (rows summing to 1): TF Addons' formula takes them as they are.
        soft = rng.dirichlet(np.ones(4), size=6)
        cases.append(_case(f"seed{seed}-soft", soft, y_pred, seed, None))
    data = {
        "provenance": {
            "peer": "tensorflow-addons",
            "peer_version": tfa.__version__,
            "tensorflow_version": tf.__version__,
            "functions": ["tfa.losses.SparsemaxLoss", "tfa.losses.sparsemax_loss"],
            "script": "scripts/references/tfa_structured.py",
            "seeds": list(SEEDS),
            "dtype": "float64",
            "date": datetime.date.today().isoformat(),
            "gradients": "d sum(value) / d y_pred, by tf.GradientTape",
        },
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One line per case: small, and a rerun's diff shows which case changed.
    lines = ",\n  ".join(json.dumps(case) for case in cases)
    provenance = json.dumps(data["provenance"], indent=2).replace("\n", "\n  ")
    OUT.write_text(f'{{\n "provenance": {provenance},\n "cases": [\n  {lines}\n ]\n}}\n')
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
