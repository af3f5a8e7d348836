"""What a new user hits (issue 14): dtypes and policies as Keras takes them, TensorFlow tensors
refused, PyTorch's ``criterion.to(device)``, and warnings for the classic cross-entropy
mistakes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import anyloss as al

torch = pytest.importorskip("torch")


# --- dtypes -------------------------------------------------------------------------------


def test_dtype_is_read_only_as_in_keras():
    loss = al.MeanSquaredError()
    with pytest.raises(AttributeError):
        loss.dtype = "int8"
    with pytest.raises(AttributeError):
        keras.losses.MeanSquaredError().dtype = "int8"  # Keras refuses it too
    assert loss.dtype is None
    assert al.Huber(dtype="float64").dtype == "float64"


@pytest.mark.parametrize(("policy", "expected"), [
    ("mixed_float16", "float16"),
    ("mixed_bfloat16", "bfloat16"),
    (keras.DTypePolicy("mixed_bfloat16"), "bfloat16"),
    (keras.DTypePolicy("float64"), "float64"),
    ({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}},
     "float16"),
    (np.float64, "float64"),
    (torch.float64, "float64"),
])
def test_constructor_takes_keras_dtype_policies(policy, expected):
    loss = al.CategoricalCrossentropy(dtype=policy)
    assert loss.dtype == expected
    assert loss.get_config()["dtype"] == expected
    assert al.deserialize(al.serialize(loss)).dtype == expected


def test_bfloat16_on_numpy_matches_keras():
    y_true = np.eye(3)[[0, 1]]
    y_pred = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    ours = al.CategoricalCrossentropy(dtype="bfloat16")(y_true, y_pred)
    theirs = keras.losses.CategoricalCrossentropy(dtype="bfloat16")(y_true, y_pred)
    assert ours.dtype == theirs.dtype
    assert float(ours) == pytest.approx(float(theirs), rel=1e-2)


def test_bfloat16_on_numpy_per_sample_and_policy():
    out = al.MeanSquaredError(dtype="mixed_bfloat16", reduction="none")(
        np.ones((2, 3)), np.zeros((2, 3)))
    assert str(out.dtype) == "bfloat16"
    assert out.astype(np.float32).tolist() == [1.0, 1.0]


class EagerTensor:
    """Stands for tf.Tensor: NumPy converts it silently through ``__array__``."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values


EagerTensor.__module__ = "tensorflow.python.framework.ops"


@pytest.mark.parametrize("which", ["y_true", "y_pred", "sample_weight"])
def test_tensorflow_tensors_are_refused(which):
    args = {"y_true": np.ones((2, 3)), "y_pred": np.zeros((2, 3)),
            "sample_weight": np.ones(2)}
    args[which] = EagerTensor(args[which])
    with pytest.raises(TypeError, match=rf"`{which}` is a TensorFlow EagerTensor.*\.numpy\(\)"):
        al.MeanSquaredError()(**args)


# --- PyTorch criterion idioms ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["cpu", torch.device("cpu"), torch.float32])
def test_to_returns_the_loss(target):
    loss = al.SparseCategoricalCrossentropy(from_logits=True)
    assert loss.to(target) is loss
    assert loss.cpu() is loss
    assert loss.cuda() is loss  # nothing to move: it computes on y_pred's device
    out = loss.to(target)(torch.tensor([0, 1]), torch.zeros(2, 3))
    assert float(out) == pytest.approx(np.log(3.0))
