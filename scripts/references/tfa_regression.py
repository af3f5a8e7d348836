"""Reference numbers of TensorFlow Addons' pinball loss, for ``tests/catalogue/test_regression.py``.

TensorFlow Addons needs TensorFlow 2.13-2.15, which cannot be installed beside the pinned dev
set, so this script runs in its own environment and writes
``tests/catalogue/references/tfa_regression.json`` (inputs, values and gradients, float64).
The tests read that file; they never import TensorFlow.

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-tfa
    /tmp/venv-tfa/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0

Run from the repository root::

    /tmp/venv-tfa/bin/python scripts/references/tfa_regression.py

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
OUT = ROOT / "tests" / "catalogue" / "references" / "tfa_regression.json"
SEEDS = (0, 1, 2)
REDUCTIONS = ("auto", "sum_over_batch_size", "sum", "none")


def _float64(tau: object) -> tf.Tensor:
    """``tau`` as a float64 tensor: ``tf.cast`` of a Python float makes it a float32 constant
    first, so TensorFlow Addons' float64 loss would use ``float32(0.1)`` for ``tau=0.1`` (a
    difference of 1e-8 relative, absent in float32, where both round ``tau`` alike)."""
    return tf.constant(tau, dtype=tf.float64)


def _function(y_true: np.ndarray, y_pred: np.ndarray, tau: object) -> dict[str, object]:
    """``tfa.losses.pinball_loss`` per sample, and the gradient of their sum."""
    pred = tf.Variable(y_pred, dtype=tf.float64)
    with tf.GradientTape() as tape:
        values = tfa.losses.pinball_loss(tf.constant(y_true), pred, tau=_float64(tau))
        total = tf.reduce_sum(values)
    return {"values": values.numpy().tolist(), "grad": tape.gradient(total, pred).numpy().tolist()}


def _class(
    y_true: np.ndarray, y_pred: np.ndarray, tau: object, weights: np.ndarray | None
) -> dict[str, object]:
    """``tfa.losses.PinballLoss(tau, reduction)`` for each reduction, with its gradient."""
    out: dict[str, object] = {}
    for reduction in REDUCTIONS:
        loss = tfa.losses.PinballLoss(tau=_float64(tau), reduction=reduction)
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
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    tau: object,
    seed: int | None,
    weights: np.ndarray | None = None,
) -> dict[str, object]:
    return {
        "name": name,
        "seed": seed,
        "tau": tau,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "sample_weight": None if weights is None else weights.tolist(),
        "function": _function(y_true, y_pred, tau),
        "class": _class(y_true, y_pred, tau, weights),
    }


def main() -> None:
    cases = []
    for seed, tau in zip(SEEDS, (0.5, 0.1, 0.9), strict=True):
        rng = np.random.default_rng(seed)
        y_true = rng.normal(size=(5, 3))
        y_pred = rng.normal(size=(5, 3))
        weights = rng.uniform(0.0, 2.0, size=(5,))
        cases.append(_case(f"seed{seed}-tau{tau}", y_true, y_pred, tau, seed))
        cases.append(_case(f"seed{seed}-tau{tau}-weighted", y_true, y_pred, tau, seed, weights))
    for seed in SEEDS:
        # Several quantiles at once: one target per row, one column per quantile.
        rng = np.random.default_rng(100 + seed)
        y_true = rng.normal(size=(6, 1))
        y_pred = np.sort(rng.normal(size=(6, 3)), axis=-1)
        weights = rng.uniform(0.0, 2.0, size=(6,))
        cases.append(
            _case(
                f"multi-quantile-seed{100 + seed}",
                y_true,
                y_pred,
                [0.1, 0.5, 0.9],
                100 + seed,
                weights,
            )
        )
    # TensorFlow Addons' docstring example: rank-1 inputs give one number.
    cases.append(
        _case(
            "docstring-rank-1",
            np.array([0.0, 0.0, 1.0, 1.0]),
            np.array([1.0, 1.0, 1.0, 0.0]),
            0.1,
            None,
        )
    )
    data = {
        "provenance": {
            "peer": "tensorflow-addons",
            "peer_version": tfa.__version__,
            "tensorflow_version": tf.__version__,
            "functions": ["tfa.losses.pinball_loss", "tfa.losses.PinballLoss"],
            "script": "scripts/references/tfa_regression.py",
            "seeds": [*SEEDS, *(100 + s for s in SEEDS)],
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
