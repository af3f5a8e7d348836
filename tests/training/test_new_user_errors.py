"""What a new user hits in the training front end (issue 14): each raw library error becomes
one that says what is wrong and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import anyloss as al
from anyloss import ops as K
from anyloss.layers import Dense, Dropout
from anyloss.models import Model, ModelCheckpoint, Sequential, load_model

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 5)).astype("float32")
Y = RNG.normal(size=(16, 2)).astype("float32")


def keras_style_weighted_mse(y_true, y_pred):
    return K.mean(K.square(y_true - y_pred) * [0.3, 0.7], axis=-1)


def dense_model(loss="mse") -> Sequential:
    model = Sequential([Dense(2, input_shape=(5,))])
    model.compile(optimizer="sgd", loss=loss)
    return model


# --- 1a: a custom loss that raises inside fit/evaluate ----------------------------------------


def test_custom_loss_error_in_fit_carries_the_checkers_diagnosis_and_fix():
    model = dense_model(keras_style_weighted_mse)
    with pytest.raises(TypeError, match="list-arithmetic") as info:
        model.fit(X, Y, verbose=0)
    message = str(info.value)
    assert "keras_style_weighted_mse" in message and "fit()" in message
    assert "ops.multiply(x, [0.3, 0.7])" in message  # the fix
    assert "y_true (16, 2)" in message  # the failing batch's shapes
    cause = info.value.__cause__
    assert isinstance(cause, TypeError)
    assert "only integer tensors of a single element" in str(cause)


def test_custom_loss_error_in_evaluate_is_explained_too():
    model = dense_model(keras_style_weighted_mse)
    with pytest.raises(TypeError, match="list-arithmetic") as info:
        model.evaluate(X, Y, verbose=0)
    assert "evaluate()" in str(info.value)
    assert info.value.__cause__ is not None


def test_errors_of_built_in_losses_are_left_as_they_are():
    model = dense_model("mse")
    with pytest.raises(ValueError, match="must have the same shape") as info:
        model.fit(X, np.zeros((16, 3), "float32"), verbose=0)
    assert "check_loss" not in str(info.value)
    assert info.value.__cause__ is None


# --- 1b: Keras-style subclassing --------------------------------------------------------------


class TwoLayers(Model):
    def __init__(self):
        super().__init__()
        self.hidden = Dense(8, activation="relu")
        self.drop = Dropout(0.5)
        self.out = Dense(2)
        self.training_flags = []

    def call(self, inputs, training=False):
        self.training_flags.append(training)
        return self.out(self.drop(self.hidden(inputs)))


def test_keras_style_subclass_compiles_trains_and_predicts():
    model = TwoLayers()
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(X, Y, verbose=0)
    model.fit(X, Y, epochs=20, verbose=0)
    assert model.evaluate(X, Y, verbose=0) < before
    assert sorted(model.state_dict()) == ["hidden.bias", "hidden.weight", "out.bias",
                                          "out.weight"]
    assert {True, False} <= set(model.training_flags)  # fit trains, evaluate does not
    assert model.predict(X[:3]).shape == (3, 2)


def test_subclass_without_call_or_module_says_what_is_supported():
    class Empty(Model):
        pass

    with pytest.raises(TypeError, match=r"call\(self, inputs, training=False\)"):
        Empty().compile(optimizer="adam", loss="mse")


# --- 1c, 1d: shapes ---------------------------------------------------------------------------


def test_wrong_input_shape_names_the_layer_and_both_feature_sizes():
    model = dense_model()
    with pytest.raises(ValueError, match=r"Dense\(2\) expects inputs with 5 features") as info:
        model.fit(X[:, :3], Y, verbose=0)
    assert "input_shape=(5,)" in str(info.value)
    assert "shape (16, 3), with 3 features" in str(info.value)
    with pytest.raises(ValueError, match="with 3 features"):
        model.predict(X[:, :3])


@pytest.mark.parametrize("scalar", [5.0, np.float32(5.0), np.array(5.0), torch.tensor(5.0)])
def test_scalar_inputs_are_refused_clearly(scalar):
    model = dense_model()
    with pytest.raises(ValueError, match=r"Argument `x` is a scalar"):
        model.fit(scalar, Y, verbose=0)
    with pytest.raises(ValueError, match=r"Argument `x` is a scalar"):
        model.evaluate(scalar, Y, verbose=0)
    with pytest.raises(ValueError, match=r"Argument `x` is a scalar"):
        model.predict(scalar)
    with pytest.raises(ValueError, match=r"Argument `y` is a scalar"):
        model.fit(X, scalar, verbose=0)


# --- 1e: without torch ------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["anyloss.models", "anyloss.layers"])
def test_import_without_torch_says_how_to_install_it(tmp_path, module):
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.modules['torch'] = None\n")
    src = Path(al.__file__).resolve().parents[1]
    code = (f"try:\n    import {module}\nexcept ImportError as e:\n"
            "    print(type(e).__name__, e.name, e)")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{src}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert "pip install anyloss[torch]" in out.stdout, out.stdout + out.stderr
    assert out.stdout.startswith("ImportError torch")


# --- 1f: file formats -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["m.h5", "m.keras", "m.hdf5", "m.weights.h5", "m.pb", "M.H5"])
def test_save_refuses_extensions_of_other_formats(tmp_path, name):
    model = dense_model()
    with pytest.raises(ValueError, match=r"'\.anyloss'") as info:
        model.save(tmp_path / name)
    assert "writes anyloss' own format" in str(info.value)
    assert not list(tmp_path.iterdir())  # nothing written
    with pytest.raises(ValueError, match=r"'\.anyloss'"):
        ModelCheckpoint(str(tmp_path / ("ckpt-{epoch}" + Path(name).suffix)))


@pytest.mark.parametrize("name", ["m.anyloss", "m.pt", "m.pth", "model"])
def test_save_writes_the_native_format_under_its_extensions(tmp_path, name):
    model = dense_model()
    model.save(tmp_path / name)
    restored = load_model(tmp_path / name)
    np.testing.assert_allclose(restored.predict(X), model.predict(X))
