"""Reference values of TensorFlow Addons' metric-learning losses, for tests/catalogue.

Runs TF Addons' own functions (``triplet_semihard_loss``, ``triplet_hard_loss``,
``lifted_struct_loss``, ``npairs_loss``, ``contrastive_loss``) on inputs seeded here with NumPy
(seeds 0, 1, 2), and writes their values and gradients (``tf.GradientTape``, with respect to
``y_pred``: embeddings, similarity matrices or distances) to
``tests/catalogue/references/tfa_metric_learning.json``, with the inputs and provenance.

Batches: unequal class counts (some labels once, so anchors without a positive) and P x K
batches (P labels, K embeddings each). TF Addons computes these losses in float32 only (its
pairwise distance adds a float32 1e-16), so the inputs are float32 numbers, stored exactly; the
tests compute anyloss in float64 on the same numbers and compare within float32 rounding.

Environment (TF Addons needs TensorFlow 2.13-2.15; not installable beside the dev set)::

    python3 -m venv /tmp/venv-tfa
    /tmp/venv-tfa/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0

Run from the repository root::

    /tmp/venv-tfa/bin/python scripts/references/tfa_metric_learning.py
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

OUT = Path(__file__).resolve().parents[2] / "tests/catalogue/references/tfa_metric_learning.json"
SEEDS = (0, 1, 2)


def _batches(rng: np.random.Generator) -> dict[str, np.ndarray]:
    unequal = rng.integers(0, 4, size=10)
    unequal[rng.integers(0, 10)] = 7  # a label seen once: an anchor without a positive
    return {
        "unequal": unequal,
        "p_by_k": np.repeat(rng.permutation(4), 3),  # 4 labels x 3 embeddings, shuffled labels
    }


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _value_and_grad(fn, y_true, y_pred):
    x = tf.constant(y_pred, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(tf.constant(y_true), x)
    grad = tape.gradient(value, x)
    return _short(value.numpy()), _short(grad.numpy())


def _short(x: np.ndarray) -> object:
    """float32 numbers as their shortest decimals (read back exactly as float32)."""
    x = np.asarray(x, np.float32)
    return float(str(x)) if x.ndim == 0 else [_short(v) for v in x]


def _case(loss, kwargs, batch, seed, y_true, y_pred, fn):
    y_pred = np.asarray(y_pred, np.float32)
    value, grad = _value_and_grad(fn, y_true, y_pred)
    return {
        "loss": loss,
        "kwargs": kwargs,
        "batch": batch,
        "seed": seed,
        "y_true": np.asarray(y_true).tolist(),
        "y_pred": _short(y_pred),
        "value": value,
        "grad": grad,
    }


def main() -> None:
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for batch, labels in _batches(rng).items():
            n = len(labels)
            unit = _unit(rng.normal(size=(n, 4)))
            raw = rng.normal(size=(n, 4))
            for metric in ("L2", "squared-L2", "angular"):
                first = metric == "L2"  # every option on TF Addons' default distance only
                for margin in (1.0, 0.25) if first else (1.0,):
                    kw = {"margin": margin, "distance_metric": metric}
                    cases.append(
                        _case(
                            "triplet_semihard_loss",
                            kw,
                            batch,
                            seed,
                            labels,
                            unit,
                            lambda t, p, kw=kw: tfa.losses.triplet_semihard_loss(t, p, **kw),
                        )
                    )
                for soft in (False, True) if first else (False,):
                    kw = {"margin": 1.0, "soft": soft, "distance_metric": metric}
                    cases.append(
                        _case(
                            "triplet_hard_loss",
                            kw,
                            batch,
                            seed,
                            labels,
                            unit,
                            lambda t, p, kw=kw: tfa.losses.triplet_hard_loss(t, p, **kw),
                        )
                    )
            for margin in (1.0, 0.5):
                kw = {"margin": margin}
                cases.append(
                    _case(
                        "lifted_struct_loss",
                        kw,
                        batch,
                        seed,
                        labels,
                        raw,
                        lambda t, p, kw=kw: tfa.losses.lifted_struct_loss(t, p, **kw),
                    )
                )
            # N-pairs: y_pred is the similarity matrix between anchors and positives.
            anchors, positives = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
            cases.append(
                _case(
                    "npairs_loss",
                    {},
                    batch,
                    seed,
                    labels,
                    anchors @ positives.T,
                    lambda t, p: tfa.losses.npairs_loss(t, p),
                )
            )
            # Contrastive on every ordered pair (i, j), i != j, of the batch: y_pred is their
            # Euclidean distances (as TF Addons computes them), y_true whether labels match.
            rows, cols = np.nonzero(~np.eye(n, dtype=bool))
            for margin in (1.0, 2.0):
                kw = {"margin": margin}

                def all_pairs(t, p, kw=kw, rows=rows, cols=cols):
                    d = tfa.losses.metric_learning.pairwise_distance(p)
                    same = tf.cast(tf.equal(t[:, None], t[None, :]), tf.float32)
                    pairs = tfa.losses.contrastive_loss(
                        tf.gather_nd(same, np.stack([rows, cols], 1)),
                        tf.gather_nd(d, np.stack([rows, cols], 1)),
                        **kw,
                    )
                    return tf.reduce_mean(pairs)

                cases.append(
                    _case("contrastive_loss_all_pairs", kw, batch, seed, labels, raw, all_pairs)
                )
                pair_labels = rng.integers(0, 2, size=n)
                distances = rng.uniform(0.0, 2.5, size=n)
                cases.append(
                    _case(
                        "contrastive_loss",
                        kw,
                        batch,
                        seed,
                        pair_labels,
                        distances,
                        lambda t, p, kw=kw: tfa.losses.contrastive_loss(t, p, **kw),
                    )
                )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "provenance": {
                    "peer": "tensorflow-addons",
                    "version": tfa.__version__,
                    "tensorflow": tf.__version__,
                    "script": "scripts/references/tfa_metric_learning.py",
                    "seeds": list(SEEDS),
                    "dtype": "float32",
                    "date": datetime.date.today().isoformat(),
                },
                "cases": cases,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
