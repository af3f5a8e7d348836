"""anyloss' losses inside Keras 3 (``anyloss.keras``) and tf-keras (``anyloss.tf_keras``).

In this process (Keras' numpy backend, set by tests/conftest.py): ``KerasLoss`` applies
anyloss' weights and Keras' masks, where Keras' own ``LossFunctionWrapper`` around an anyloss
object does not; the ``losses.get`` hook; Keras' serialization of anyloss objects. Training,
saving and loading run in subprocesses, one pair per backend (``keras_run.py``): Keras fixes
its backend when it is imported.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from keras.src import losses as keras_losses
from keras.src.backend.common.masking import set_keras_mask
from keras.src.trainers import compile_utils

import anyloss as al
import anyloss.keras
from anyloss import _keras_bridge
from anyloss.keras import KerasLoss
from anyloss.losses import _names
from tests.keras_integration import custom_losses

ROOT = Path(__file__).resolve().parents[2]

rng = np.random.default_rng(1)
Y_TRUE = rng.normal(size=(6, 3)).astype("float32")
Y_PRED = rng.normal(size=(6, 3)).astype("float32")
WEIGHTS = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 0.25], "float32")
MASK = np.array([True, True, False, True, False, True])


def test_keras_loss_weights_as_anyloss_where_keras_wrapper_does_not():
    loss = al.MeanSquaredError()
    direct = float(loss(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    ours = float(KerasLoss(loss)(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    keras_own = float(keras.losses.MeanSquaredError()(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    wrapped = float(keras_losses.LossFunctionWrapper(loss)(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    assert ours == pytest.approx(direct, rel=1e-6) and ours == pytest.approx(keras_own, rel=1e-6)
    # What compile did before anyloss.keras: the reduced value times the mean weight.
    assert wrapped == pytest.approx(float(loss(Y_TRUE, Y_PRED)) * WEIGHTS.mean(), rel=1e-6)
    assert abs(wrapped - direct) > 0.1


def test_keras_mask_counts_as_keras_counts_it():
    y_pred = Y_PRED.copy()
    set_keras_mask(y_pred, MASK)  # a numpy array: Keras keeps the mask in a side table
    ours = float(KerasLoss(al.MeanSquaredError())(Y_TRUE, y_pred, sample_weight=WEIGHTS))
    keras_own = float(keras.losses.MeanSquaredError()(Y_TRUE, y_pred, sample_weight=WEIGHTS))
    direct = float(al.MeanSquaredError()(Y_TRUE, Y_PRED, sample_weight=WEIGHTS, mask=MASK))
    assert ours == pytest.approx(keras_own, rel=1e-6) and ours == pytest.approx(direct, rel=1e-6)
    unmasked = float(KerasLoss(al.MeanSquaredError())(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    assert abs(unmasked - ours) > 1e-3


def test_per_sample_weights_broadcast_over_time_steps():
    """D4: ``(batch,)`` weights on a ``(batch, time)`` loss weigh each sample's steps (Keras'
    own losses raise there)."""
    y_true, y_pred = Y_TRUE[..., None], Y_PRED[..., None]  # (6, 3, 1): 3 time steps
    ours = float(KerasLoss(al.MeanSquaredError())(y_true, y_pred, sample_weight=WEIGHTS))
    per_entry = np.broadcast_to(WEIGHTS[:, None], (6, 3))
    expected = float(al.MeanSquaredError()(y_true, y_pred, sample_weight=per_entry))
    assert ours == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="broadcast"):
        keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=WEIGHTS)


@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_a_keras_tensor_says_it_has_no_values_and_where_the_loss_goes(arg):
    # Keras' own message ("cannot convert it to a NumPy array") named neither the argument
    # nor what to do.
    symbolic = keras.Input((3,))
    inputs = {"y_true": Y_TRUE, "y_pred": Y_PRED, arg: symbolic}
    with pytest.raises(TypeError, match=rf"`{arg}` is a KerasTensor.*model\.compile\(loss="):
        al.MeanSquaredError()(inputs["y_true"], inputs["y_pred"])


def test_keras_loss_takes_what_anyloss_get_takes():
    huber = KerasLoss(al.Huber(delta=2.0))
    assert huber.name == "huber_loss" and huber.reduction == "sum_over_batch_size"
    assert KerasLoss("mae").loss is al.mean_absolute_error
    peer = KerasLoss("torch.nn.SmoothL1Loss")
    assert type(peer.loss) is al.SmoothL1
    assert KerasLoss(al.Huber).loss.delta == 1.0
    per_sample = KerasLoss(al.MeanSquaredError()).call(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(per_sample, np.mean((Y_TRUE - Y_PRED) ** 2, axis=-1), rtol=1e-6)
    for wrong in (None, keras.losses.MeanSquaredError()):
        with pytest.raises(TypeError, match="KerasLoss wraps an anyloss loss"):
            KerasLoss(wrong)


def test_compile_hook_adapts_anyloss_losses_only():
    loss = al.SparseCategoricalCrossentropy(from_logits=True)
    for given, inner in ((loss, loss), (al.huber, al.huber), (custom_losses.timestep_squared_error,
                                                              custom_losses.timestep_squared_error)):
        resolved = compile_utils.get_loss(given, Y_TRUE, Y_PRED)
        assert type(resolved) is KerasLoss and resolved.loss is inner
    assert type(compile_utils.get_loss(al.Huber, Y_TRUE, Y_PRED).loss) is al.Huber
    assert keras_losses.get("mse") is keras.losses.mean_squared_error
    own = keras.losses.Huber()
    assert keras_losses.get(own) is own

    def plain(y_true, y_pred):
        return y_pred

    assert keras_losses.get(plain) is plain  # not anyloss': Keras' LossFunctionWrapper


def test_the_hook_installs_once_and_fails_loudly_when_keras_moves():
    hooked = keras_losses.get
    anyloss.keras._install()  # a second import
    assert keras_losses.get is hooked
    assert not getattr(hooked.__wrapped__, _keras_bridge.HOOK_MARK, False)

    class Moved:
        get = staticmethod(keras_losses.LossFunctionWrapper)

    def get_loss(identifier):  # resolves losses without Moved.get
        return identifier

    with pytest.raises(ImportError, match="no longer resolves compile's losses"):
        _keras_bridge.install_get_hook(Moved, get_loss, "losses_module", KerasLoss, "here")


def test_keras_serializes_anyloss_objects_as_their_anyloss_config():
    huber = al.Huber(delta=2.0, reduction="sum")
    config = keras.saving.serialize_keras_object(huber)
    ours = al.serialize(huber)
    assert config["config"] == ours["config"] and config["class_name"] == "Huber"
    assert config["registered_name"] == "anyloss>Huber"
    for back in (keras.saving.deserialize_keras_object(config), al.deserialize(config)):
        assert type(back) is al.Huber and al.serialize(back) == ours
    fn_config = keras.saving.serialize_keras_object(al.huber)
    assert keras.saving.deserialize_keras_object(fn_config) is al.huber
    assert al.deserialize(fn_config) is al.huber
    wrapped = KerasLoss(al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    config = keras.saving.serialize_keras_object(wrapped)
    assert config["registered_name"] == "anyloss>KerasLoss"
    assert config["config"] == {"loss": al.serialize(wrapped.loss)}
    back = keras.saving.deserialize_keras_object(config)
    assert type(back) is KerasLoss and al.serialize(back.loss) == al.serialize(wrapped.loss)


@pytest.mark.usefixtures("_registry_restored")
def test_a_loss_registered_after_the_import_saves_and_loads():
    @al.register("later")
    class Later(al.Loss):
        def call(self, y_true, y_pred):
            return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)

    config = keras.saving.serialize_keras_object(Later(name="later_loss"))
    assert config["registered_name"] == "later>Later"
    back = keras.saving.deserialize_keras_object(config)
    assert type(back) is Later and back.name == "later_loss"


@pytest.mark.usefixtures("_registry_restored")
def test_on_register_replays_past_registrations_and_follows_new_ones():
    @al.register("before")
    def before(y_true, y_pred):
        return y_pred

    seen = []
    _names.on_register(lambda key, obj: seen.append((key, obj)))
    listener = _names._LISTENERS[-1]
    try:
        _names.on_register(listener)  # added once

        @al.register("after")
        def after(y_true, y_pred):
            return y_pred

        assert ("before>before", before) in seen
        assert seen.count(("after>after", after)) == 1
    finally:
        _names._LISTENERS.remove(listener)


def test_importing_anyloss_imports_no_keras():
    code = (
        "import sys, anyloss; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'tf_keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --- training, saving and loading, in subprocesses ---------------------------------------------

#: Flavours trained in one process pair: a Keras 3 backend (tensorflow with tf-keras).
GROUPS = {"torch": ["torch"], "jax": ["jax"], "tensorflow": ["tensorflow", "tf_keras"]}
#: What each flavour needs installed.
NEEDS = {
    "torch": ["keras", "torch"],
    "jax": ["keras", "jax"],
    "tensorflow": ["keras", "tensorflow"],
    "tf_keras": ["tf_keras", "tensorflow"],
}


def _run(*args: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
           "JAX_PLATFORMS": "cpu"}
    env.pop("KERAS_BACKEND", None)
    out = subprocess.run([sys.executable, "-m", "tests.keras_integration.keras_run", *args],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    skipped = [line[5:] for line in out.stdout.splitlines() if line.startswith("SKIP ")]
    if skipped:
        pytest.skip(skipped[0])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-6000:]
    return [json.loads(line[7:]) for line in out.stdout.splitlines() if line.startswith("REPORT ")]


def _archive_loss(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]["loss"]


@pytest.mark.slow
@pytest.mark.parametrize("group", list(GROUPS))
def test_compile_fit_save_load(group, tmp_path):
    flavours = [f for f in GROUPS[group]
                if all(importlib.util.find_spec(m) is not None for m in NEEDS[f])]
    if not flavours:
        pytest.skip(f"{group} needs {' and '.join(NEEDS[group])}")
    trained = _run("train", str(tmp_path), *flavours)
    loaded = _run("load", str(tmp_path), *flavours)
    assert [r["backend"] for r in trained] == [r["backend"] for r in loaded] == flavours
    for report, back in zip(trained, loaded, strict=True):
        out = tmp_path / report["backend"]
        assert back["evaluate_loss"] == pytest.approx(report["evaluate_loss"], rel=1e-5)
        # The archive holds anyloss' configs: every argument, resolvable by anyloss itself.
        saved = _archive_loss(out / "model.keras")
        configs = report["configs"]
        assert saved["reg"] == configs["reg"]
        assert saved["cls"]["config"] == configs["cls"]["config"]
        assert saved["cls"]["registered_name"] == "anyloss>SparseCategoricalCrossentropy"
        for key in ("cls", "reg"):
            assert al.serialize(al.deserialize(saved[key])) == configs[key]
        saved_fn = _archive_loss(out / "sequence.keras")
        assert saved_fn["config"] == configs["seq"] == "anyloss_tests>timestep_squared_error"
        assert al.deserialize(saved_fn) is custom_losses.timestep_squared_error
