"""TensorFlow tensors as arrays of anyloss: eager tensors and ``tf.Variable`` keep their dtype and
gradient; every built-in loss traces in ``tf.function`` with an unknown batch size and in
``tf.function(jit_compile=True)``; mixed inputs; dtypes; value checks; refusals.

The parity suite runs every Keras case on TensorFlow (``tests/parity``: values against Keras,
``tf.GradientTape`` against finite differences and torch, and one ``tf.function`` per loss),
the catalogue runs its peers' cases on it, and the property batteries include it.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from tests.helpers import Backend
from tests.properties import _run
from tests.properties.families import SPECS, example

tf = pytest.importorskip("tensorflow")
torch = pytest.importorskip("torch")

Y_TRUE = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
Y_PRED = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]], np.float32)


def _torch_value_and_grad(loss: Any, y_true: np.ndarray, y_pred: np.ndarray) -> Any:
    p = torch.tensor(y_pred, requires_grad=True)
    out = loss(torch.tensor(y_true), p)
    (g,) = torch.autograd.grad(out.sum(), p)
    return out.detach().numpy(), g.numpy()


def test_eager_tensor_keeps_float32_and_its_gradient():
    y_pred = tf.constant(Y_PRED)
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        loss = al.CategoricalCrossentropy()(Y_TRUE, y_pred)
    assert isinstance(loss, tf.Tensor) and loss.dtype == tf.float32
    value, grad = _torch_value_and_grad(al.CategoricalCrossentropy(), Y_TRUE, Y_PRED)
    np.testing.assert_allclose(loss.numpy(), value, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, y_pred).numpy(), grad, rtol=1e-6)


def test_variable_is_read_and_differentiated():
    weights = tf.Variable(Y_PRED)
    with tf.GradientTape() as tape:
        loss = al.mean_squared_error(Y_TRUE, weights)
        total = tf.reduce_sum(loss)
    assert isinstance(loss, tf.Tensor) and loss.shape == (2,)
    grad = tape.gradient(total, weights)
    np.testing.assert_allclose(grad.numpy(), 2 * (Y_PRED - Y_TRUE) / 3, rtol=1e-6)


@pytest.mark.parametrize(("dtype", "computed"), [
    ("float16", "float32"), ("bfloat16", "float32"), ("float32", "float32"),
    ("float64", "float64"), ("int32", "float32")])
def test_input_dtypes_compute_in_float32_or_float64(dtype, computed):
    y_pred = tf.cast(tf.constant(Y_PRED * 10), dtype)
    out = al.mean_squared_error(tf.cast(tf.constant(Y_TRUE), dtype), y_pred)
    assert out.dtype == getattr(tf, computed)


@pytest.mark.parametrize("dtype", ["float64", "bfloat16", "float16"])
def test_loss_dtype_sets_the_compute_dtype(dtype):
    out = al.MeanSquaredError(dtype=dtype)(Y_TRUE, tf.constant(Y_PRED))
    assert out.dtype == getattr(tf, dtype)
    np.testing.assert_allclose(float(out), np.mean((Y_TRUE - Y_PRED) ** 2), rtol=1e-2)


def test_mixed_libraries_convert_labels_and_weights():
    """y_true and sample weights of NumPy, lists or torch go to y_pred's library, and a
    TensorFlow y_true goes to a torch y_pred's (labels carry no gradient)."""
    loss = al.SparseCategoricalCrossentropy()
    expected = float(loss(np.array([1, 0]), Y_PRED, sample_weight=np.array([1.0, 0.5])))
    for labels in (np.array([1, 0]), [1, 0], torch.tensor([1, 0]), tf.constant([1, 0])):
        for weights in ([1.0, 0.5], torch.tensor([1.0, 0.5]), tf.constant([1.0, 0.5])):
            out = loss(labels, tf.constant(Y_PRED), sample_weight=weights)
            assert isinstance(out, tf.Tensor)
            assert float(out) == pytest.approx(expected, rel=1e-6)
    out = loss(tf.constant([1, 0], tf.int32), torch.tensor(Y_PRED))
    assert isinstance(out, torch.Tensor)


def test_value_checks_run_eagerly_and_are_skipped_when_tracing():
    """D13 (docs/keras-differences.md): an out-of-range label raises on an eager tensor on the
    CPU; inside tf.function the values are symbolic and are not read."""
    labels = tf.constant([1, 5])
    with pytest.raises(ValueError, match="holds the label 5"):
        al.sparse_categorical_crossentropy(labels, tf.constant(Y_PRED))
    seen = []

    @tf.function
    def traced(t: Any, p: Any) -> Any:
        seen.append((B.is_concrete(t), B.checks_apply(t)))
        return al.sparse_categorical_crossentropy(t, p)

    with B.value_checks("always"):
        assert traced(tf.constant([1, 0]), tf.constant(Y_PRED)).shape == (2,)
    assert seen == [(False, False)]


@pytest.mark.parametrize("kwargs", [
    {}, {"ignore_class": 0}, {"axis": 1}], ids=["plain", "ignore_class", "axis_1"])
def test_native_sparse_crossentropy_equals_the_formula(kwargs):
    """tf.nn.sparse_softmax_cross_entropy_with_logits (Keras' kernel on TensorFlow) stands in
    for the array-API formula from logits: the same values and gradients; label smoothing
    takes the formula."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 5, 3)) if "axis" in kwargs else rng.normal(size=(4, 5))
    labels = rng.integers(0, logits.shape[kwargs.get("axis", -1)], (4, 3) if "axis" in kwargs
                          else (4,))
    loss = al.SparseCategoricalCrossentropy(from_logits=True, **kwargs)

    def value_and_grad() -> Any:
        p = tf.constant(logits)
        with tf.GradientTape() as tape:
            tape.watch(p)
            out = loss(labels, p)
        return out.numpy(), tape.gradient(out, p).numpy()

    native = value_and_grad()
    with B.generic_only():
        formula = value_and_grad()
    np.testing.assert_allclose(native[0], formula[0], rtol=1e-12)
    np.testing.assert_allclose(native[1], formula[1], rtol=1e-12, atol=1e-15)


def test_ragged_and_sparse_tensors_are_refused_with_the_fix():
    ragged = tf.ragged.constant([[0.2, 0.8], [0.6]])
    with pytest.raises(TypeError, match=r"`y_pred` is a TensorFlow RaggedTensor.*to_tensor"):
        al.mean_squared_error(np.ones((2, 2)), ragged)
    sparse = tf.sparse.from_dense(tf.constant(Y_TRUE))
    with pytest.raises(TypeError, match=r"`y_true` is a TensorFlow SparseTensor.*to_dense"):
        al.mean_squared_error(sparse, tf.constant(Y_PRED))


def test_importing_anyloss_does_not_import_tensorflow():
    code = "import sys, anyloss\nprint('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == "False"


# --- every built-in loss in tf.function: unknown batch size, and XLA ---------------------------


def _spec(x: np.ndarray) -> Any:
    """The batch axis (the first) unknown; float64 inputs as float32, as a model gives them."""
    dtype = tf.float32 if x.dtype.kind == "f" else tf.as_dtype(x.dtype)
    return tf.TensorSpec([None, *x.shape[1:]], dtype)


def _traced(name: str, y_true: np.ndarray, y_pred: np.ndarray, kwargs: dict[str, Any],
            jit_compile: bool = False) -> Any:
    fn = al.losses.FUNCTIONS[name]

    @tf.function(input_signature=[_spec(y_true), _spec(y_pred)], jit_compile=jit_compile)
    def values_and_grad(t: Any, p: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(p)
            values = fn(t, p, **kwargs)
            total = tf.reduce_sum(values)
        return values, tape.gradient(total, p)

    return values_and_grad


def _check_traced(name: str, jit_compile: bool) -> None:
    y_true, y_pred, kwargs = example(name)
    graph = _traced(name, y_true, y_pred, kwargs, jit_compile)
    backend = Backend.load("tensorflow")
    t, p = _run.array(backend, y_true, "float32"), _run.array(backend, y_pred, "float32")
    with tf.GradientTape() as tape:
        tape.watch(p)
        eager = al.losses.FUNCTIONS[name](t, p, **kwargs)
        total = tf.reduce_sum(eager)
    eager_grad = tape.gradient(total, p)
    values, grad = graph(t, p)
    reference = _run.call(name, Backend.load("numpy"), y_true, y_pred, kwargs)
    np.testing.assert_allclose(values.numpy(), reference, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(values.numpy(), eager.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad.numpy(), eager_grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_loss_in_tf_function_with_an_unknown_batch_size(name):
    """Traced once for any batch size: its values equal NumPy's and eager TensorFlow's, its
    gradient the eager one."""
    _check_traced(name, jit_compile=False)


#: XLA compiles take about a second each: one loss per family of formulas.
XLA = ["sparse_categorical_crossentropy", "ctc", "circle", "dice_ce", "lovasz", "sparsemax",
       "ciou", "triplet_semihard", "listmle", "huber"]


@pytest.mark.parametrize("name", XLA)
def test_losses_compile_with_xla(name):
    _check_traced(name, jit_compile=True)
