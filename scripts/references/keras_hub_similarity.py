"""Reference values of keras-hub's ``SigLIPLoss``, for tests/catalogue/test_similarity.py.

keras-hub 0.32 pulls TensorFlow 2.21 and tensorflow-text, which the dev set does not hold, but
its loss is one small file over ``keras.ops``. This script reads that file,
``keras_hub/src/models/siglip/siglip_loss.py``, from the keras-hub wheel (nothing else of
keras-hub is imported), runs ``SigLIPLoss`` on Keras 3 with the JAX backend, on inputs seeded
here with NumPy (seeds 0, 1, 2), and writes the per-row values (``reduction=None``), the
default (``sum_over_batch_size``) value and its gradient with respect to the logits
(``jax.grad``) to ``tests/catalogue/references/keras_hub_similarity.json``, with the inputs and
provenance. Computed in float64 (``jax_enable_x64`` and Keras' floatx).

Environment: the dev virtualenv (Keras 3.15.1 and JAX) and the wheel::

    .venv/bin/python -m pip download keras-hub==0.32.0 --no-deps -d /tmp/kh

Run from the repository root::

    KERAS_BACKEND=jax .venv/bin/python scripts/references/keras_hub_similarity.py \\
        /tmp/kh/keras_hub-0.32.0-py3-none-any.whl
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import types
import zipfile
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

keras.config.set_floatx("float64")  # keras casts inputs to floatx

OUT = Path(__file__).resolve().parents[2] / "tests/catalogue/references/keras_hub_similarity.json"
SEEDS = (0, 1, 2)
MEMBER = "keras_hub/src/models/siglip/siglip_loss.py"


def load_siglip_loss(wheel: str) -> type:
    """keras-hub's ``SigLIPLoss`` class, executed from the wheel's source file."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MEMBER).decode()
    module = types.ModuleType("siglip_loss")
    exec(compile(source, MEMBER, "exec"), module.__dict__)  # the peer's own file
    return module.SigLIPLoss


def main() -> None:
    wheel = sys.argv[1]
    siglip_loss = load_siglip_loss(wheel)
    cases = []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        batch = 5 + seed
        # SigLIP's logits: t * cos + b with t = 10, b = -10 (the paper's initialisation).
        cos = np.clip(rng.normal(0.0, 0.4, (batch, batch)) + 0.5 * np.eye(batch), -1.0, 1.0)
        logits = 10.0 * cos - 10.0
        y_true = 2.0 * np.eye(batch) - 1.0
        per_row = siglip_loss(reduction=None)(jnp.asarray(y_true), jnp.asarray(logits))
        mean = siglip_loss()
        value = mean(jnp.asarray(y_true), jnp.asarray(logits))
        grad = jax.grad(lambda x, m=mean, y=y_true: m(jnp.asarray(y), x))(jnp.asarray(logits))
        cases.append(
            {
                "seed": seed,
                "y_true": y_true.tolist(),
                "y_pred": logits.tolist(),
                "per_row": np.asarray(per_row).tolist(),
                "value": float(value),
                "grad": np.asarray(grad).tolist(),
            }
        )
    payload = {
        "provenance": {
            "peer": "keras-hub SigLIPLoss (keras_hub/src/models/siglip/siglip_loss.py)",
            "version": f"keras-hub {Path(wheel).name.split('-')[1]}, keras {keras.__version__}, "
            f"backend jax {jax.__version__}, float64",
            "script": "scripts/references/keras_hub_similarity.py",
            "seeds": list(SEEDS),
            "date": datetime.date.today().isoformat(),
        },
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
