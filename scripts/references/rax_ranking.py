"""Reference numbers of rax's and keras-rs' ranking losses, for ``tests/catalogue/test_ranking.py``.

Writes ``tests/catalogue/references/rax_ranking.json`` (``rax.pairwise_logistic_loss`` and
``rax.listmle_loss``: per list through ``jax.vmap`` with ``reduce_fn=jnp.sum`` / ``jnp.mean`` /
``None``, and rax's default batch mean) and ``tests/catalogue/references/keras_rs_ranking.json``
(``keras_rs.losses.PairwiseLogisticLoss`` and ``keras_rs.losses.ListMLELoss`` for each
reduction, with and without ``sample_weight``, and ``temperature``), float64 on JAX, with the
gradients with respect to the scores. Labels < 0 are padding (rax: ``where=labels >= 0``).
Neither package is in the pinned dev set, so this script runs in its own environment (both
install beside the pinned jax and keras without changing them); the tests never import them.

Environment (Python 3.11), from the repository root::

    python3 -m venv /tmp/venv-ranking
    /tmp/venv-ranking/bin/pip install -c constraints/dev.txt jax jaxlib keras keras-rs rax

Run from the repository root::

    /tmp/venv-ranking/bin/python scripts/references/rax_ranking.py

Inputs are drawn with NumPy's ``default_rng`` from the seeds in ``SEEDS`` (written to the files
with the results), so a rerun writes the same numbers.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import keras_rs  # noqa: E402
import numpy as np  # noqa: E402
import rax  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "tests" / "catalogue" / "references"
SEEDS = (0, 1, 2)
RAX = {"pairwise_logistic": rax.pairwise_logistic_loss, "listmle": rax.listmle_loss}
KERAS_RS = {
    "pairwise_logistic": keras_rs.losses.PairwiseLogisticLoss,
    "listmle": keras_rs.losses.ListMLELoss,
}
REDUCTIONS = ("sum_over_batch_size", "sum", "none")


def _lists(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0..3 with ties, some padding (-1), one list fully padded; normal scores."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, (5, 6)).astype(np.float64)
    labels[rng.uniform(size=labels.shape) < 0.2] = -1.0
    labels[3] = -1.0
    scores = rng.normal(0.0, 2.0, labels.shape)
    return labels, scores


def _rax(name: str, labels: np.ndarray, scores: np.ndarray) -> dict[str, object]:
    fn = RAX[name]
    where = jnp.asarray(labels >= 0)
    out: dict[str, object] = {}
    per_list = {"sum": jnp.sum, "mean": jnp.mean} if name == "pairwise_logistic" else {"none": None}
    for key, reduce_fn in per_list.items():

        def total(s, reduce_fn=reduce_fn):
            one = lambda s1, l1, w1: fn(s1, l1, where=w1, reduce_fn=reduce_fn)  # noqa: E731
            return jax.vmap(one)(s, jnp.asarray(labels), where)

        values = total(jnp.asarray(scores))
        grad = jax.grad(lambda s: jnp.sum(total(s)))(jnp.asarray(scores))
        out[f"per_list_{key}"] = {
            "values": np.asarray(values).tolist(),
            "grad": np.asarray(grad).tolist(),
        }
    batch = lambda s: fn(s, jnp.asarray(labels), where=where)  # noqa: E731  default reduce_fn=mean
    out["batch_mean"] = {
        "value": float(batch(jnp.asarray(scores))),
        "grad": np.asarray(jax.grad(batch)(jnp.asarray(scores))).tolist(),
    }
    return out


def _keras_rs(
    name: str, labels: np.ndarray, scores: np.ndarray, weights: np.ndarray
) -> dict[str, object]:
    out: dict[str, object] = {}
    for temperature in (1.0, 0.5):
        for reduction in REDUCTIONS:
            loss = KERAS_RS[name](temperature=temperature, reduction=reduction, dtype="float64")
            for weighted in (False, True):
                # keras-rs' pairwise losses return one value per item: weights (batch, 1).
                w = weights[:, None] if name == "pairwise_logistic" else weights
                kw = {"sample_weight": jnp.asarray(w)} if weighted else {}
                fn = lambda s: loss(jnp.asarray(labels), s, **kw)  # noqa: E731, B023
                value = fn(jnp.asarray(scores))
                grad = jax.grad(lambda s: jnp.sum(fn(s)))(jnp.asarray(scores))  # noqa: B023
                key = f"t{temperature}-{reduction}{'-weighted' if weighted else ''}"
                out[key] = {"value": np.asarray(value).tolist(), "grad": np.asarray(grad).tolist()}
    return out


def _write(path: Path, provenance: dict[str, object], cases: list[dict[str, object]]) -> None:
    lines = ",\n  ".join(json.dumps(case) for case in cases)
    text = json.dumps(provenance, indent=2).replace("\n", "\n  ")
    path.write_text(f'{{\n "provenance": {text},\n "cases": [\n  {lines}\n ]\n}}\n')
    print(f"wrote {path.relative_to(ROOT)}: {len(cases)} cases")


def main() -> None:
    rax_cases, keras_cases = [], []
    for seed in SEEDS:
        labels, scores = _lists(seed)
        weights = np.random.default_rng(100 + seed).uniform(0.0, 2.0, labels.shape[0])
        base = {
            "name": f"seed{seed}",
            "seed": seed,
            "y_true": labels.tolist(),
            "y_pred": scores.tolist(),
        }
        rax_cases.append({**base, **{n: _rax(n, labels, scores) for n in RAX}})
        keras_cases.append(
            {
                **base,
                "sample_weight": weights.tolist(),
                **{n: _keras_rs(n, labels, scores, weights) for n in KERAS_RS},
            }
        )
    common = {
        "script": "scripts/references/rax_ranking.py",
        "seeds": list(SEEDS),
        "sample_weight_seeds": [100 + s for s in SEEDS],
        "dtype": "float64",
        "jax_version": jax.__version__,
        "date": datetime.date.today().isoformat(),
        "gradients": "d sum(values) / d y_pred (the scores), by jax.grad",
    }
    REFERENCES.mkdir(parents=True, exist_ok=True)
    _write(
        REFERENCES / "rax_ranking.json",
        {
            "peer": "rax",
            "peer_version": rax.__version__,
            "functions": ["rax.pairwise_logistic_loss", "rax.listmle_loss"],
            **common,
        },
        rax_cases,
    )
    _write(
        REFERENCES / "keras_rs_ranking.json",
        {
            "peer": "keras-rs",
            "peer_version": keras_rs.__version__,
            "keras_version": keras.__version__,
            "functions": ["keras_rs.losses.PairwiseLogisticLoss", "keras_rs.losses.ListMLELoss"],
            **common,
        },
        keras_cases,
    )


if __name__ == "__main__":
    main()
