"""Keras 3 on its torch backend as a reference: values and gradients (torch autograd).

Keras' backend is fixed per process and the test session uses the numpy backend, which has no
gradients, so this runs as a subprocess: it reads a JSON list of requests
``{"cls", "kwargs", "y_true", "y_pred", "reduction", "sample_weight"}`` on stdin and writes a
JSON list of ``{"value", "grad"}`` (the gradient of the summed output with respect to
``y_pred``), computed in float32 as Keras does.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def run_shared(requests: list[dict[str, Any]], shared_dir: Path) -> list[dict[str, Any]]:
    """:func:`run`, once for all pytest-xdist workers: the first worker to take the lock in
    ``shared_dir`` computes the answers, the others read them."""
    key = hashlib.sha256(json.dumps(requests, sort_keys=True).encode()).hexdigest()[:16]
    result, lock = shared_dir / f"keras-torch-{key}.json", shared_dir / f"keras-torch-{key}.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        deadline = time.monotonic() + 300
        while not result.exists():
            if time.monotonic() > deadline:
                msg = f"timed out waiting for {result}"
                raise TimeoutError(msg) from None
            time.sleep(0.2)
        return json.loads(result.read_text())
    os.close(fd)
    answers = run(requests)
    partial = result.with_suffix(".partial")
    partial.write_text(json.dumps(answers))
    partial.replace(result)  # atomic: readers never see half a file
    return answers


def run(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer ``requests`` in a fresh process with ``KERAS_BACKEND=torch``."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "KERAS_BACKEND": "torch",
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-m", "tests.perf._keras_torch"], cwd=root, env=env,
                         input=json.dumps(requests), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    import keras
    import torch

    reduction = request["reduction"]
    loss = getattr(keras.losses, request["cls"])(
        reduction=None if reduction == "none" else reduction, **request["kwargs"])
    y_true = torch.tensor(np.asarray(request["y_true"]))
    if y_true.is_floating_point():
        y_true = y_true.float()
    y_pred = torch.tensor(np.asarray(request["y_pred"], dtype=np.float32), requires_grad=True)
    weight = request.get("sample_weight")
    value = loss(y_true, y_pred, sample_weight=None if weight is None else torch.tensor(
        np.asarray(weight, dtype=np.float32)))
    (grad,) = torch.autograd.grad(value.sum(), y_pred)
    return {"value": value.detach().numpy().tolist(), "grad": grad.numpy().tolist()}


if __name__ == "__main__":
    sys.stdout.write(json.dumps([_answer(r) for r in json.loads(sys.stdin.read())]))
