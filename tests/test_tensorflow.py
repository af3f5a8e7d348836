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


def _ctc_value_and_grad(y_true: np.ndarray, logits: np.ndarray, dtype: Any = None,
                        call: Any = None) -> Any:
    p = tf.constant(logits, dtype or tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(p)
        out = (call or al.ctc)(tf.constant(y_true), p)
        total = tf.reduce_sum(out)
    return out.numpy(), tape.gradient(total, p).numpy()


def _spy_ctc_kernel(monkeypatch: Any) -> list[Any]:
    """Records every result of the TensorFlow CTC kernel's wrapper (None: not applicable)."""
    from anyloss.backend import _tensorflow

    kernel, results = _tensorflow.ctc_loss, []

    def spy(logits: Any, labels: Any) -> Any:
        results.append(kernel(logits, labels))
        return results[-1]

    monkeypatch.setattr(_tensorflow, "ctc_loss", spy)
    return results


#: Padded rows, repeats (which need a blank between them), a row that needs every frame.
CTC_LABELS = np.array([[1, 2, 2, 0], [3, 0, 0, 0], [1, 1, 2, 4], [4, 3, 0, 0]])


@pytest.mark.parametrize("classes_time", [(5, 6), (5, 12)], ids=["tight", "long"])
def test_native_ctc_equals_the_formula(monkeypatch, classes_time):
    """TensorFlow's CTC kernel (CTCLoss, ``tf.nn.ctc_loss`` with sparse labels) stands in for
    the alpha recursion on eager float32 tensors: the same values and gradients, to float32's
    rounding (the kernel's gradient is as far from float64's as torch's F.ctc_loss')."""
    classes, time = classes_time
    logits = np.random.default_rng(0).normal(scale=2.0, size=(4, time, classes))
    results = _spy_ctc_kernel(monkeypatch)
    native = _ctc_value_and_grad(CTC_LABELS, logits)
    assert len(results) == 1 and results[0] is not None  # the kernel gave the values
    with B.generic_only():
        formula = _ctc_value_and_grad(CTC_LABELS, logits)
    assert len(results) == 1
    np.testing.assert_allclose(native[0], formula[0], rtol=2e-6)
    np.testing.assert_allclose(native[1], formula[1], atol=5e-5)


@pytest.mark.parametrize("case", ["float64", "empty_row", "too_long", "underflow", "unchecked",
                                  "tf_function"])
def test_ctc_takes_the_formula_where_the_kernel_does_not_apply(monkeypatch, case):
    """float64 (the kernel keeps float32 precision), an empty row (the kernel raises), a row
    longer than time allows (the kernel raises, the formula gives inf), a softmax probability
    below float32's range (the kernel drops the paths through it: inf, or a larger loss),
    unread labels (the kernel needs their layout) and traced code: the formula, its numbers."""
    labels = CTC_LABELS.copy()
    logits = np.random.default_rng(1).normal(size=(4, 6, 5))
    dtype, call = (tf.float64 if case == "float64" else None), None
    if case == "empty_row":
        labels[1] = 0
    if case == "too_long":
        labels[0] = [1, 1, 1, 2]  # needs 6 frames, with the blanks between the 1s: 5 given
        logits = logits[:, :5]
    if case == "underflow":
        logits[:, 0, 0] = 100.0  # every label's probability at frame 0 is below 1e-38
    if case == "tf_function":
        call = tf.function(al.ctc)
    results = _spy_ctc_kernel(monkeypatch)
    if case == "unchecked":
        with B.value_checks("never"):
            out = _ctc_value_and_grad(labels, logits)
    else:
        out = _ctc_value_and_grad(labels, logits, dtype, call)
    assert results in ([], [None])
    expected = al.ctc(labels, logits.astype(np.float64 if dtype else np.float32))
    np.testing.assert_allclose(out[0], expected, rtol=1e-5)
    assert np.isinf(out[0][0]) == (case == "too_long")
    assert np.all(np.isfinite(out[1]))


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


# --- TF1 graphs, AutoGraph and unknown ranks (tf-keras' own loss tests, issue 15) ---------------


def _in_tf1_graph(build: Any) -> Any:
    """``build()`` in a TF1 graph (``tf.compat.v1``: symbolic tensors outside any function),
    run in a session; the values come back as NumPy."""
    with tf.Graph().as_default():
        out = build()
        with tf.compat.v1.Session() as session:
            return session.run(out)


def _tf_tensors(*arrays: np.ndarray) -> list[Any]:
    return [tf.constant(x.astype(np.float32) if x.dtype.kind == "f" else x) for x in arrays]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_loss_in_a_tf1_graph_equals_eager(name):
    """In a TF1 graph ``tensor == x`` is Python's identity test (a bool), not an elementwise
    comparison, so a formula written with ``==`` took one branch of its ``where`` for every
    entry: 13 losses gave wrong values (contrastive, circle, hinge's 0/1 conversion, ...) or
    failed. Formulas compare with ``xp.equal``/``xp.not_equal``."""
    y_true, y_pred, kwargs = example(name)
    fn = al.losses.FUNCTIONS[name]
    eager = fn(*_tf_tensors(y_true, y_pred), **kwargs).numpy()
    graph = _in_tf1_graph(lambda: fn(*_tf_tensors(y_true, y_pred), **kwargs))
    np.testing.assert_allclose(graph, eager, rtol=1e-5, atol=1e-6)


def _assert_same_wherever_values_are_unread(loss: Any, y_true: np.ndarray, y_pred: np.ndarray,
                                            expected: float, rel: float) -> None:
    """``loss`` gives ``expected`` on eager tensors, in a TF1 graph, in ``tf.function`` and
    under ``jax.jit`` (the last three never read values)."""
    t, p = _tf_tensors(y_true, y_pred)
    assert float(loss(t, p)) == pytest.approx(expected, rel=rel)
    assert _in_tf1_graph(lambda: loss(*_tf_tensors(y_true, y_pred))) == pytest.approx(
        expected, rel=rel)
    assert float(tf.function(loss)(t, p)) == pytest.approx(expected, rel=rel)
    jax = pytest.importorskip("jax")
    assert float(jax.jit(lambda a, b: loss(a, b))(y_true, y_pred)) == pytest.approx(
        expected, rel=rel)


HINGE_TRUE = np.array([[0, 1, 0, 1], [0, 0, 1, 1]], np.int32)
HINGE_PRED = np.array([[-0.3, 0.2, -0.1, 1.6], [-0.25, -1.0, 0.5, 0.6]], np.float32)


@pytest.mark.parametrize("cls", [al.Hinge, al.SquaredHinge])
def test_hinge_reads_0_1_labels_as_signed_wherever_values_are_unread(cls):
    """Keras' 0/1 -> -1/1 conversion is a value-dependent choice: made with tensor ops, it
    gives the same number eagerly, in a TF1 graph, in tf.function and under jax.jit (tf-keras'
    HingeTest gave 0.7125, unconverted, in graph mode instead of 0.50625)."""
    signed = 2.0 * HINGE_TRUE - 1.0
    per_sample = np.maximum(1.0 - signed * HINGE_PRED, 0.0)
    expected = np.mean(per_sample if cls is al.Hinge else per_sample**2)
    _assert_same_wherever_values_are_unread(cls(), HINGE_TRUE, HINGE_PRED, expected, rel=1e-6)


@pytest.mark.parametrize("from_logits", [True, False], ids=["native_kernel", "formula"])
def test_ignored_labels_are_replaced_before_the_gather_in_graphs(from_logits):
    """An ignored label (-1) is out of range for the gather and for TensorFlow's fused kernel:
    it is replaced on every path, also where `!=` is no tensor op (TF1 graphs), in tf.function
    and under jax.jit, and the ignored entries count as 0 and leave the mean."""
    labels = np.array([0, 1, 2, -1], np.int32)
    scores = np.array([[2.0, 0.1, 0.3], [0.2, 1.5, 0.1], [0.3, 0.1, 0.9], [0.5, 0.5, 0.5]],
                      np.float32)
    probs = scores / scores.sum(1, keepdims=True)
    y_pred = scores if from_logits else probs
    loss = al.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
    log_p = np.log(np.exp(scores) / np.exp(scores).sum(1, keepdims=True)) if from_logits \
        else np.log(probs)
    expected = -np.mean(log_p[np.arange(3), labels[:3]])
    _assert_same_wherever_values_are_unread(loss, labels, y_pred, expected, rel=1e-5)


def test_gradient_split_at_ties_holds_in_tf1_graphs():
    """The tie test of maximum's gradient uses tf.equal: with `==` a TF1 graph sent the whole
    gradient to the second operand, ties or not."""
    from anyloss.backend import _tensorflow as xp

    with tf.Graph().as_default():
        a, b = tf.constant([1.0, 2.0, 0.0]), tf.constant([1.0, 0.0, 3.0])
        grads = tf.gradients(tf.reduce_sum(xp.maximum(a, b)), [a, b])
        with tf.compat.v1.Session() as session:
            grad_a, grad_b = session.run(grads)
    np.testing.assert_array_equal(grad_a, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(grad_b, [0.5, 0.0, 1.0])


class _TruePositivesViaControlFlow(al.Loss):
    """A custom loss written with Python control flow on tensors (tf-keras' CustomLossTest)."""

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true = tf.cast(y_true, tf.bool)
        y_pred = tf.cast(y_pred, tf.bool)
        total = tf.constant(0.0)
        for i in tf.range(tf.shape(y_true)[0]):
            for j in tf.range(tf.shape(y_true)[1]):
                if y_true[i][j] and y_true[i][j] == y_pred[i][j]:
                    total += 1.0
        return total


def test_custom_loss_with_python_control_flow_is_converted_by_autograph():
    """anyloss keeps its own code from AutoGraph; user code it calls (a subclass' `call`, a
    wrapped function) is converted as tf-keras converts it, so Python `if`/`for` on tensors
    works in tf.function."""
    y_true = tf.constant([[0, 0.9, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1.5]])
    y_pred = tf.constant([[0, 0, 1, 5, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 10, 1, 1, 1.0]])
    assert float(tf.function(lambda t, p: _TruePositivesViaControlFlow()(t, p))(
        y_true, y_pred)) == 7.0

    def squared_or_absolute(t: Any, p: Any) -> Any:
        if tf.reduce_mean(t) > 0:
            return tf.reduce_mean(tf.square(t - p), axis=-1)
        return tf.reduce_mean(tf.abs(t - p), axis=-1)

    loss = al.LossFunctionWrapper(squared_or_absolute)
    t, p = tf.constant([[1.0, 9.0], [2.0, 5.0]]), tf.constant([[4.0, 8.0], [12.0, 3.0]])
    assert float(tf.function(loss)(t, p)) == pytest.approx(float(loss(t, p)))
    assert float(tf.function(loss)(-t, p)) == pytest.approx(float(loss(-t, p)))
    # With AutoGraph off the user's code runs as written, and fails as TensorFlow says.
    with pytest.raises(TypeError, match="symbolic"):
        tf.function(loss, autograph=False)(t, p)


@pytest.mark.parametrize("call", ["function", "class"])
def test_unknown_rank_is_refused_naming_the_fix(call):
    """Keras 3 fails deep inside the loss on tensors of unknown rank; anyloss says what is
    missing (the rank; sizes may be unknown) and how to give it."""
    fn = (al.categorical_crossentropy if call == "function"
          else al.CategoricalCrossentropy())
    traced = tf.function(fn, input_signature=[tf.TensorSpec(None), tf.TensorSpec(None)])
    with pytest.raises(ValueError, match=r"unknown rank.*ensure_shape"):
        traced(tf.constant(Y_TRUE), tf.constant(Y_PRED))
    with tf.Graph().as_default(), pytest.raises(ValueError, match="unknown rank"):
        fn(tf.compat.v1.placeholder(tf.float32), tf.compat.v1.placeholder(tf.float32))
    with tf.Graph().as_default(), pytest.raises(ValueError, match="unknown rank"):
        al.sparse_categorical_crossentropy(tf.compat.v1.placeholder(tf.int32),
                                           tf.compat.v1.placeholder(tf.float32))


def test_symbolic_weights_with_numpy_predictions_are_refused():
    """y_pred decides the library; a NumPy y_pred cannot take a graph tensor's values."""
    with tf.Graph().as_default(), pytest.raises(TypeError, match="symbolic TensorFlow tensor"):
        al.BinaryCrossentropy()(Y_TRUE, Y_PRED, sample_weight=tf.constant([1.0, 2.0]))


def test_cond_computes_only_the_branch_taken_in_eager_and_in_graphs():
    """B.cond (hinge's 0/1 conversion): one branch runs eagerly and in a tf.function graph (a
    tf.cond, as tf-keras' smart_cond), so the full-size other branch costs nothing."""
    xp = B.namespace(tf.constant(1.0))
    calls: list[str] = []

    def branch(name: str, value: float):
        def run():
            calls.append(name)
            return tf.fill([4], value)
        return run

    out = B.cond(xp, tf.constant(True), branch("true", 1.0), branch("false", 2.0))
    assert calls == ["true"] and out.numpy().tolist() == [1.0] * 4

    @tf.function
    def graph(flag):
        return B.cond(xp, flag, lambda: tf.fill([4], 1.0), lambda: tf.fill([4], 2.0))

    assert graph(tf.constant(False)).numpy().tolist() == [2.0] * 4
    ops = {op.type for op in graph.get_concrete_function(tf.constant(True)).graph.get_operations()}
    assert ops & {"If", "StatelessIf"}
