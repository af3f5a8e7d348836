"""Reference numbers of TensorFlow Addons' sigmoid focal cross-entropy, for
``tests/catalogue/test_probabilistic.py``.

TensorFlow Addons needs TensorFlow 2.13-2.15, which cannot be installed beside the pinned dev
set, so this script runs in its own environment and writes
``tests/catalogue/references/tfa_probabilistic.json`` (inputs, values and gradients with respect
to ``y_pred``, float64). The tests read that file; they never import TensorFlow.

Environment (Python 3.11)::

    python3 -m venv /tmp/venv-tfa
    /tmp/venv-tfa/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0

Run from the repository root::

    /tmp/venv-tfa/bin/python scripts/references/tfa_probabilistic.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (stored with each
case), so a rerun writes the same numbers.
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
OUT = ROOT / "tests" / "catalogue" / "references" / "tfa_probabilistic.json"
SEEDS = (0, 1, 2)
REDUCTIONS = ("none", "sum", "sum_over_batch_size", "auto")

#: (case name, constructor arguments, soft targets)
CONFIGS = (
    ("defaults", {}, False),
    ("from-logits", {"from_logits": True}, False),
    # alpha 0.625: TF converts a Python float to a float32 tensor before casting it, so 0.6
    # would become 0.6000000238; 0.625 is exact in float32.
    ("alpha-0.625-gamma-1.5-logits", {"alpha": 0.625, "gamma": 1.5, "from_logits": True}, False),
    ("alpha-none-soft", {"alpha": None, "gamma": 2.0}, True),
)


def _inputs(seed: int, soft: bool, logits: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (4, 3)
    targets = rng.uniform(0.0, 1.0, shape) if soft else (rng.uniform(0, 1, shape) < 0.4) * 1.0
    # Probabilities away from the 1e-7 clip, where TF's log(p + 1e-7) and log(p) differ most.
    pred = rng.normal(0.0, 3.0, shape) if logits else rng.uniform(0.02, 0.98, shape)
    return targets, pred


def _run(kwargs: dict[str, object], y: np.ndarray, p: np.ndarray) -> dict[str, object]:
    y_true = tf.constant(y, tf.float64)
    y_pred = tf.Variable(p, dtype=tf.float64)
    with tf.GradientTape() as tape:
        values = tfa.losses.sigmoid_focal_crossentropy(y_true, y_pred, **kwargs)
        total = tf.reduce_sum(values)
    out = {"values": values.numpy().tolist(), "grad": tape.gradient(total, y_pred).numpy().tolist()}
    for reduction in REDUCTIONS:
        loss = tfa.losses.SigmoidFocalCrossEntropy(reduction=reduction, **kwargs)
        out[f"class_{reduction}"] = np.asarray(loss(y_true, y_pred)).tolist()
    return out


def main() -> None:
    cases = []
    for name, kwargs, soft in CONFIGS:
        for seed in SEEDS:
            y, p = _inputs(seed, soft, bool(kwargs.get("from_logits")))
            cases.append(
                {
                    "name": name,
                    "seed": seed,
                    "kwargs": kwargs,
                    "y_true": y.tolist(),
                    "y_pred": p.tolist(),
                    **_run(kwargs, y, p),
                }
            )
    data = {
        "provenance": {
            "peer": "tensorflow-addons",
            "peer_version": tfa.__version__,
            "tensorflow_version": tf.__version__,
            "functions": [
                "tfa.losses.sigmoid_focal_crossentropy",
                "tfa.losses.SigmoidFocalCrossEntropy",
            ],
            "script": "scripts/references/tfa_probabilistic.py",
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
