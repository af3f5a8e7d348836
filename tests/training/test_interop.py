"""anyloss losses inside Keras 3's own training (torch and jax backends, in subprocesses,
since this process runs Keras on numpy) and inside an optax loop under jax.jit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import anyloss as al

ROOT = Path(__file__).resolve().parents[2]

KERAS_SCRIPT = r"""
import json, numpy as np, keras, anyloss as al
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
labels = (x[:, 0] + x[:, 1] > 0).astype("int64")

def run(loss):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    return model.fit(x, labels, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]

ours = run(al.SparseCategoricalCrossentropy(from_logits=True))
theirs = run(keras.losses.SparseCategoricalCrossentropy(from_logits=True))
print(json.dumps({"ours": ours, "theirs": theirs}))
"""


# Only JAX here: the torch backend (and JAX and TensorFlow again) trains anyloss losses inside
# Keras 3, through anyloss.keras, in tests/keras_integration/ (every backend, against Keras' own
# losses, saved and loaded). This is the plain path: a loss object Keras wraps as a callable.
@pytest.mark.parametrize("backend", ["jax"])
def test_anyloss_loss_trains_in_keras3(backend):
    pytest.importorskip("keras")
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", KERAS_SCRIPT], capture_output=True, text=True,
                          env=env, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(result["ours"], result["theirs"], rtol=1e-5)
    assert result["ours"][-1] < result["ours"][0]


def test_optax_loop_under_jit_matches_optax_loss():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    optax = pytest.importorskip("optax")
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(32, 3)).astype("float32"))
    labels = jnp.asarray((np.asarray(x[:, 0]) > 0).astype("int32"))
    params = {"w": jnp.zeros((3, 2)), "b": jnp.zeros(2)}
    loss_obj = al.SparseCategoricalCrossentropy(from_logits=True)

    def train(loss_fn):
        p, opt = params, optax.adam(0.1)
        state = opt.init(p)

        @jax.jit
        def step(p, state):
            loss, grads = jax.value_and_grad(lambda q: loss_fn(x @ q["w"] + q["b"]))(p)
            updates, state = opt.update(grads, state, p)
            return optax.apply_updates(p, updates), state, loss

        losses = []
        for _ in range(5):
            p, state, loss = step(p, state)
            losses.append(float(loss))
        return p, losses

    ours, our_losses = train(lambda logits: loss_obj(labels, logits))
    ref, ref_losses = train(lambda logits: optax.softmax_cross_entropy_with_integer_labels(
        logits, labels).mean())
    np.testing.assert_allclose(our_losses, ref_losses, rtol=1e-5)
    np.testing.assert_allclose(ours["w"], ref["w"], rtol=1e-5, atol=1e-7)
    assert our_losses[-1] < our_losses[0]
