"""What a new user hits (issue 14): dtypes and policies as Keras takes them, TensorFlow tensors
refused, PyTorch's ``criterion.to(device)``, and warnings for the classic cross-entropy
mistakes."""

from __future__ import annotations

import re

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


class RaggedTensor:
    """Stands for tf.RaggedTensor: NumPy converts it silently through ``__array__``."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.values


RaggedTensor.__module__ = "tensorflow.python.ops.ragged.ragged_tensor"


@pytest.mark.parametrize("which", ["y_true", "y_pred", "sample_weight"])
def test_tensorflow_ragged_tensors_are_refused(which):
    """Dense TensorFlow tensors are arrays of anyloss (tests/test_tensorflow.py); a ragged one
    is refused by name, without importing TensorFlow, with the fix."""
    args = {"y_true": np.ones((2, 3)), "y_pred": np.zeros((2, 3)),
            "sample_weight": np.ones(2)}
    args[which] = RaggedTensor(args[which])
    with pytest.raises(TypeError, match=rf"`{which}` is a TensorFlow RaggedTensor.*\.to_tensor\(\)"):
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


# --- classic cross-entropy mistakes ---------------------------------------------------------

import warnings  # noqa: E402

_RNG = np.random.default_rng(0)
LOGITS = _RNG.normal(size=(6, 4)) * 3
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = np.array([0, 1, 2, 3, 0, 1])
ONE_HOT = np.eye(4)[LABELS]


def _seen(call):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in seen if issubclass(w.category, al.LossInputWarning)]


def _lib(x, lib):
    return torch.tensor(x) if lib == "torch" else x


MISTAKES = {
    "cce-logits": (lambda: al.CategoricalCrossentropy(), ONE_HOT, LOGITS, "look like logits"),
    "cce-focal-logits": (lambda: al.CategoricalFocalCrossentropy(), ONE_HOT, LOGITS,
                         "look like logits"),
    "scce-logits": (lambda: al.SparseCategoricalCrossentropy(), LABELS, LOGITS,
                    "look like logits"),
    "bce-logits": (lambda: al.BinaryCrossentropy(), (LOGITS > 0) * 1.0, LOGITS,
                   "look like logits"),
    "bce-focal-logits": (lambda: al.BinaryFocalCrossentropy(), (LOGITS > 0) * 1.0, LOGITS,
                         "look like logits"),
    "cce-probabilities": (lambda: al.CategoricalCrossentropy(from_logits=True), ONE_HOT, PROBS,
                          "look like probabilities"),
    "scce-probabilities": (lambda: al.SparseCategoricalCrossentropy(from_logits=True), LABELS,
                           PROBS, "look like probabilities"),
    "bce-probabilities": (lambda: al.BinaryCrossentropy(from_logits=True), ONE_HOT, PROBS,
                          "look like probabilities"),
    "bce-minus-one": (lambda: al.BinaryCrossentropy(), ONE_HOT * 2 - 1, PROBS, r"-1/1 labels"),
    "cce-swapped": (lambda: al.CategoricalCrossentropy(), PROBS, ONE_HOT, "look swapped"),
}


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("case", list(MISTAKES))
def test_classic_mistakes_warn_once_per_loss_object(case, lib):
    make, y_true, y_pred, expected = MISTAKES[case]
    loss = make()
    y_true, y_pred = _lib(y_true, lib), _lib(y_pred, lib)  # torch: the fused kernel's path
    messages = _seen(lambda: [loss(y_true, y_pred) for _ in range(3)])
    assert len(messages) == 1, messages
    assert messages[0].startswith(f"In loss {loss.builtin.name}, ")
    assert re.search(expected, messages[0]), messages[0]


@pytest.mark.parametrize("case", list(MISTAKES))
def test_classic_mistakes_warn_from_functions_at_the_call_site(case):
    make, y_true, y_pred, expected = MISTAKES[case]
    fn, kwargs = make().fn, make().arguments()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        for _ in range(3):
            fn(y_true, y_pred, **kwargs)  # one call site: Python's filter shows it once
    ours = [w for w in seen if issubclass(w.category, al.LossInputWarning)]
    assert len(ours) == 1
    assert ours[0].filename == __file__  # points at the user's line, not inside anyloss
    assert re.search(expected, str(ours[0].message))


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize(("make", "y_true", "y_pred"), [
    (lambda: al.CategoricalCrossentropy(), ONE_HOT, PROBS),
    (lambda: al.CategoricalCrossentropy(from_logits=True), ONE_HOT, LOGITS),
    (lambda: al.CategoricalCrossentropy(), ONE_HOT, ONE_HOT),  # a perfect prediction
    (lambda: al.SparseCategoricalCrossentropy(), LABELS, PROBS),
    (lambda: al.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS),
    (lambda: al.SparseCategoricalCrossentropy(from_logits=True), LABELS, np.zeros((6, 4))),
    (lambda: al.BinaryCrossentropy(), ONE_HOT, PROBS),
    (lambda: al.BinaryCrossentropy(from_logits=True), ONE_HOT, LOGITS),
    (lambda: al.BinaryCrossentropy(from_logits=True), ONE_HOT, np.zeros((6, 4))),
    (lambda: al.BinaryCrossentropy(label_smoothing=0.1), ONE_HOT * 0.9, PROBS),
])
def test_correct_inputs_do_not_warn(make, y_true, y_pred, lib):
    loss = make()
    assert _seen(lambda: loss(_lib(y_true, lib), _lib(y_pred, lib))) == []


def test_no_value_is_read_where_checks_do_not_apply():
    loss = al.CategoricalCrossentropy()
    with al.backend.value_checks("never"):
        assert _seen(lambda: loss(ONE_HOT, LOGITS)) == []
    compiled = torch.compile(lambda t, p: al.CategoricalCrossentropy()(t, p), fullgraph=True,
                             backend="aot_eager")
    assert _seen(lambda: compiled(torch.tensor(ONE_HOT), torch.tensor(LOGITS))) == []


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_sparse_in_pytorch_order_says_the_arguments_look_swapped(lib):
    logits, labels = _lib(LOGITS, lib), _lib(LABELS, lib)
    with pytest.raises(ValueError, match="arguments look swapped"):
        al.SparseCategoricalCrossentropy(from_logits=True)(logits, labels)
    with pytest.raises(ValueError, match="arguments look swapped"):
        al.sparse_categorical_crossentropy(logits, labels, from_logits=True)


def test_single_class_warning_reads_like_keras():
    with pytest.warns(SyntaxWarning, match=r"^In loss categorical_crossentropy, expected "
                                          r"y_pred\.shape to be \(batch_size, num_classes\)"):
        al.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_a_loss_object_inspects_only_its_first_calls():
    loss = al.CategoricalCrossentropy()
    assert _seen(lambda: [loss(ONE_HOT, PROBS) for _ in range(8)]) == []
    assert _seen(lambda: loss(ONE_HOT, LOGITS)) == []  # step 9: no value is read any more


@pytest.mark.parametrize("loss", ["categorical", "sparse"])
def test_unnormalised_probabilities_are_not_called_logits(loss):
    # Keras renormalises non-negative scores that do not sum to 1: valid input, no warning.
    import warnings

    scores = np.array([[2.0, 1.0, 1.0], [0.5, 3.0, 0.5]])
    y_true = np.eye(3)[[0, 1]] if loss == "categorical" else np.array([0, 1])
    cls = al.CategoricalCrossentropy if loss == "categorical" else al.SparseCategoricalCrossentropy
    with warnings.catch_warnings():
        warnings.simplefilter("error", al.LossInputWarning)
        cls()(y_true, scores)
    with pytest.warns(al.LossInputWarning, match="look like logits"):
        cls()(y_true, scores - 2.5)  # negative scores are no probabilities
