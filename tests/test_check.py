"""check_loss: each planted fault is named (code, message, fix); correct losses pass."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from anyloss import ops
from anyloss.check import Problem
from tests.helpers import needs

FAST = ["numpy", "torch"]


@al.register(package="tests_check")
def weighted_mse(y_true, y_pred):
    return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)


def plain_mse(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def _problem(report, code: str) -> Problem:
    matches = [p for p in report.problems if p.code == code]
    assert matches, f"expected {code!r} in:\n{report}"
    return matches[0]


@needs("torch", "jax")
def test_registered_weighted_mse_passes_on_every_backend():
    report = al.check_loss(weighted_mse)
    assert report.ok, str(report)
    assert report.problems == []
    assert report.backends == ("numpy", "torch", "jax")
    assert "regression" in report.inputs


#: Built-ins whose numbers, defined by a peer, overflow on one of check_loss' edge inputs by
#: design: the one error check_loss must report for each (code, words of the edge case).
EXPECTED_ERRORS = {
    # exp of a log-rate of 1e4 is inf, in torch's PoissonNLLLoss(log_input=True) as well.
    "poisson_nll": ("nan-or-inf", "predictions of +-1e4"),
}


def _checkable(name: str) -> tuple:
    """``(fn,)`` for check_loss; a built-in whose function needs an array argument besides
    y_true and y_pred (arcface's class weights) is bound to its spec's example value and
    checked on the example inputs (check_loss' generated shapes cannot fit such an array)."""
    from tests.properties.families import SPECS, example

    fn = al.FUNCTIONS[name]
    if name not in SPECS:
        return (fn,)
    y_true, y_pred, kwargs = example(name)
    if not any(isinstance(v, np.ndarray) for v in kwargs.values()):
        return (fn,)

    def bound(y_true, y_pred):
        return fn(y_true, y_pred, **kwargs)

    bound.__name__ = name
    return bound, y_true, y_pred.astype("float32")


@needs("torch")
@pytest.mark.parametrize("name", sorted(al.FUNCTIONS))
def test_every_builtin_has_no_errors(name):
    report = al.check_loss(*_checkable(name), backends=FAST)
    if name in EXPECTED_ERRORS:
        code, case = EXPECTED_ERRORS[name]
        assert [(p.code, case in p.message) for p in report.problems] == [(code, True)], report
    else:
        assert report.ok, str(report)
    assert report.inputs


@needs("jax")
@pytest.mark.parametrize("name", ["binary_crossentropy", "sparse_categorical_crossentropy",
                                  "log_cosh"])
def test_builtins_pass_on_jax_grad_and_jit(name):
    assert al.check_loss(al.get(name), backends=["jax"]).ok


def test_builtin_class_instance_and_subclass():
    assert al.check_loss(al.Huber(delta=2.0), backends="numpy").problems == []
    assert al.check_loss(al.CategoricalCrossentropy, backends="numpy").ok


def test_wrong_signature():
    def one_argument(y_pred):
        return y_pred

    p = _problem(al.check_loss(one_argument, backends="numpy"), "bad-signature")
    assert p.severity == "error"
    assert "one_argument(y_pred)" in p.message
    assert "def my_loss(y_true, y_pred)" in p.fix


def test_torch_argument_order_warns():
    def torch_style(input, target):
        return ops.mean(ops.square(input - target), axis=-1)

    p = _problem(al.check_loss(torch_style, backends="numpy"), "argument-order")
    assert p.severity == "warning"
    assert "(input, target)" in p.message and "y_true, y_pred" in p.fix


@needs("torch")
def test_output_ignoring_y_pred():
    def typo(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_true), axis=-1)

    report = al.check_loss(typo, backends=FAST)
    p = _problem(report, "ignores-y-pred")
    assert not report.ok
    assert "does not depend on y_pred" in p.message and "No gradients provided" in p.message
    assert "y_true - y_true" in p.fix


@needs("torch", "jax")
def test_detached_output_on_torch_and_zero_gradient_on_jax():
    def stopped(y_true, y_pred):
        return ops.mean(ops.square(y_true - ops.stop_gradient(y_pred)), axis=-1)

    report = al.check_loss(stopped, backends=["torch", "jax"])
    by_backend = {p.backend: p for p in report.problems if p.code == "no-gradient"}
    assert "requires_grad=False" in by_backend["torch"].message
    assert "zero everywhere" in by_backend["jax"].message
    assert "stop_gradient" in by_backend["jax"].fix


@needs("tensorflow")
def test_tensorflow_when_named():
    """TensorFlow is checked when named (the default leaves it out: it is slow to import), with
    tf.GradientTape; a cut graph is named in its own words."""
    assert "tensorflow" not in al.check_loss(weighted_mse).backends
    assert al.check_loss(al.get("sparse_categorical_crossentropy"), backends=["tensorflow"]).ok

    def stopped(y_true, y_pred):
        return ops.mean(ops.square(y_true - ops.stop_gradient(y_pred)), axis=-1)

    def numpy_mse(y_true, y_pred):
        return np.mean(np.square(y_true - y_pred), axis=-1)

    p = _problem(al.check_loss(stopped, backends="tensorflow"), "no-gradient")
    assert p.backend == "tensorflow" and "tf.GradientTape" in p.message
    p = _problem(al.check_loss(numpy_mse, backends="tensorflow"), "numpy-call")
    assert p.backend == "tensorflow"


@needs("torch")
def test_step_function_has_zero_gradient():
    def thresholded(y_true, y_pred):
        return ops.mean(ops.abs(y_true - ops.sign(y_pred)), axis=-1)

    p = _problem(al.check_loss(thresholded, backends="torch"), "no-gradient")
    assert p.severity == "error" and p.backend == "torch"
    assert "smooth surrogate" in p.fix


def test_scalar_output_warns_about_sample_weights():
    class ScalarMSE(al.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_true - y_pred))

    report = al.check_loss(ScalarMSE(), backends="numpy")
    p = _problem(report, "scalar-output")
    assert p.severity == "warning"
    assert "scalar for a batch of 4 samples" in p.message and "D12" in p.message
    assert "ops.mean(..., axis=-1)" in p.fix


def test_batch_length_mismatch():
    def over_batch(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=0)

    p = _problem(al.check_loss(over_batch, backends="numpy"), "batch-mismatch")
    assert "shape (2,) for a batch of 4 samples" in p.message
    assert "axis=-1" in p.fix


class DirectMSE(al.Loss):
    """The textbook MSE as a Loss subclass: call() gets (N,) and (N, 1) as they are."""

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)


def test_broadcasting_trap_of_a_function_is_a_warning_since_compile_aligns():
    report = al.check_loss(plain_mse, backends="numpy")
    p = _problem(report, "broadcast-trap")
    # compile()/fit() wrap the function in LossFunctionWrapper, which aligns the ranks: the
    # trap exists only in direct calls, so it must not fail the check.
    assert p.severity == "warning" and report.ok
    assert "(4,)" in p.message and "(4, 1)" in p.message and "(4, 4)" in p.message
    assert "called directly" in p.message and "compile()" in p.message
    assert "ops.reshape(y_true, ops.shape(y_pred))" in p.fix
    # Wrapped, the same function is aligned like Keras does it.
    assert al.check_loss(al.LossFunctionWrapper(plain_mse), backends="numpy").ok


def test_broadcasting_trap_of_a_loss_subclass_is_an_error():
    # Loss.__call__ passes the inputs to call() unaligned: fit() trains on the (N, N) mean.
    report = al.check_loss(DirectMSE(), backends="numpy")
    p = _problem(report, "broadcast-trap")
    assert p.severity == "error" and not report.ok
    assert "(4, 4)" in p.message and "compile() and fit() call it this way too" in p.message


def test_broadcasting_trap_on_the_users_own_inputs_names_the_n_by_n_matrix():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(6,)).astype("float32")
    y_pred = rng.normal(size=(6, 1)).astype("float32")
    p = _problem(al.check_loss(plain_mse, y_true=y_true, y_pred=y_pred), "broadcast-trap")
    assert "(6,)" in p.message and "(6, 1)" in p.message and "(6, 6)" in p.message
    assert p.severity == "warning"
    p = _problem(al.check_loss(DirectMSE(), y_true=y_true, y_pred=y_pred), "broadcast-trap")
    assert p.severity == "error" and "(6, 6)" in p.message


def test_zero_gradient_at_a_perfect_prediction_is_not_an_error():
    y = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    report = al.check_loss(weighted_mse, y_true=y, y_pred=y)
    assert "no-gradient" not in report.codes(), str(report)
    assert report.ok, str(report)


def test_broadcasting_trap_on_a_scalar_loss_shows_the_two_numbers():
    def scalar_mse(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred))

    p = _problem(al.check_loss(scalar_mse, backends="numpy"), "broadcast-trap")
    # Both results are 0-d: the message shows the numbers, not "[x] (shape ())".
    assert p.message.count("(a scalar)") == 2, p.message
    assert "shape ()" not in p.message


def test_integer_output():
    def counts(y_true, y_pred):
        return ops.sum(ops.cast(ops.greater(y_pred, y_true), "int32"), axis=-1)

    p = _problem(al.check_loss(counts, backends="numpy"), "integer-output")
    assert "int" in p.message and "float" in p.fix


@needs("torch")
def test_log_of_zero_probability():
    def naive_bce(y_true, y_pred):
        return -ops.mean(y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred), axis=-1)

    p = _problem(al.check_loss(naive_bce, backends=FAST), "nan-or-inf")
    assert "probabilities exactly 0 and 1" in p.message and "inf" in p.message
    assert p.backend == "numpy, torch"
    assert "ops.clip(y_pred, ops.epsilon()" in p.fix


def test_large_logits_overflow():
    def naive_softplus(y_true, y_pred):
        return ops.mean(ops.log(1 + ops.exp(y_pred)) - y_true * y_pred, axis=-1)

    p = _problem(al.check_loss(naive_softplus, backends="numpy"), "nan-or-inf")
    assert "+-1e4" in p.message and "ops.softplus" in p.fix


@needs("torch")
def test_nan_gradient_of_sqrt_at_a_perfect_prediction():
    def rmse(y_true, y_pred):
        return ops.sqrt(ops.mean(ops.square(y_true - y_pred), axis=-1))

    p = _problem(al.check_loss(rmse, backends="torch"), "nan-or-inf")
    assert "perfect prediction" in p.message and "gradient" in p.message


def test_float16_overflow_warns():
    def scaled(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred) * 1e5, axis=-1)

    p = _problem(al.check_loss(scaled, backends="numpy"), "float16")
    assert p.severity == "warning" and "float16" in p.message
    assert "ops.cast(y_pred, 'float32')" in p.fix


@needs("torch", "jax")
def test_numpy_call_breaks_torch_autograd_and_jax():
    def numpy_mse(y_true, y_pred):
        return np.mean(np.square(y_true - y_pred), axis=-1)

    report = al.check_loss(numpy_mse, backends=["numpy", "torch", "jax"])
    by_backend = {p.backend: p for p in report.problems if p.code == "numpy-call"}
    assert "Can't call numpy() on Tensor that requires grad" in by_backend["torch"].message
    assert "returned a numpy.ndarray" in by_backend["jax"].message
    assert "anyloss.ops" in by_backend["torch"].fix


@needs("jax")
def test_python_control_flow_breaks_jit():
    def branchy(y_true, y_pred):
        if ops.mean(y_pred) > 100:
            return ops.mean(y_pred, axis=-1)
        return weighted_mse(y_true, y_pred)

    p = _problem(al.check_loss(branchy, backends="jax"), "not-jittable")
    assert "jax.jit" in p.message and "ops.where" in p.fix


@needs("tensorflow")
def test_reading_tensor_values_breaks_tf_function():
    import numpy as np

    def reads_values(y_true, y_pred):  # works eagerly, not in the graph Keras' fit traces
        return weighted_mse(y_true, y_pred) * float(np.mean(y_pred.numpy()) > -1e9)

    p = _problem(al.check_loss(reads_values, backends="tensorflow"), "not-tf-function")
    assert "tf.function" in p.message and "ops.mean" in p.fix
    assert not [q for q in al.check_loss(weighted_mse, backends="tensorflow").problems
                if q.code == "not-tf-function"]


@needs("torch")
def test_list_arithmetic_on_torch():
    def list_weights(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred) * [0.3, 0.7], axis=-1)

    report = al.check_loss(list_weights, backends=FAST)
    p = _problem(report, "list-arithmetic")
    assert p.backend == "torch" and "Python list" in p.message
    assert "ops.multiply(x, [0.3, 0.7])" in p.fix


def test_not_restorable_by_name():
    def outer():
        def inner(y_true, y_pred):
            return weighted_mse(y_true, y_pred)

        return inner

    cases = {plain_mse: "not registered", outer(): "inside another function",
             lambda y_true, y_pred: weighted_mse(y_true, y_pred): "lambda"}
    for fn, seen in cases.items():
        p = _problem(al.check_loss(fn, backends="numpy"), "not-registered")
        assert p.severity == "warning" and seen in p.message
        assert "@al.register()" in p.fix


def test_given_inputs_are_used():
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=np.float32)
    report = al.check_loss(weighted_mse, y_true=y_true, y_pred=y_pred, backends="numpy")
    assert report.ok and report.inputs == ("categorical",)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"backends.*'mxnet'"):
        al.check_loss(weighted_mse, backends=["mxnet"])
    with pytest.raises(ValueError, match="both `y_true` and `y_pred`"):
        al.check_loss(weighted_mse, y_true=[1.0])
    p = _problem(al.check_loss(42), "not-callable")
    assert "check_loss(my_loss)" in p.fix


def test_report_renders_for_terminal_and_notebooks():
    report = al.check_loss(DirectMSE(), backends="numpy")
    text = str(report)
    assert text.startswith("check_loss(DirectMSE()): FAILED, 1 error(s), 1 warning(s)")
    assert "ERROR   broadcast-trap" in text and "fix: " in text
    assert "| error | `broadcast-trap` |" in report._repr_markdown_()
    html = report._repr_html_()
    assert "<table>" in html and "<code>broadcast-trap</code>" in html
    assert "&lt;" not in str(al.check_loss(weighted_mse, backends="numpy")._repr_html_())


def _example_losses():
    """The correct custom losses of examples/ (loaded by path, without running main())."""
    import runpy
    from pathlib import Path

    pytest.importorskip("torch")  # the examples import anyloss.models
    root = Path(__file__).resolve().parents[1] / "examples"
    classes = runpy.run_path(str(root / "custom_loss_classes.py"))
    weighted = runpy.run_path(str(root / "custom_weighted_mse.py"))
    demo = runpy.run_path(str(root / "demo.py"))
    general = [classes["ScaledAbsoluteError"](scale=2.0), classes["SmoothedBCE"](),
               classes["smoothed_bce"]]
    return general, [weighted["custom_mse"], demo["custom_mse"]]


def _given_inputs():
    rng = np.random.default_rng(3)
    y2 = rng.normal(size=(6, 2)).astype("float32")
    y1 = rng.normal(size=(6, 1)).astype("float32")
    return {
        "perfect (N, 2)": (y2, y2),
        "regression (N, 2)": (y2, rng.normal(size=(6, 2)).astype("float32")),
        "perfect (N, 1)": (y1, y1),
        "(N,) against (N, 1)": (y1[:, 0], rng.normal(size=(6, 1)).astype("float32")),
    }


def test_correct_losses_of_readme_examples_and_seed_patterns_pass_on_every_input_kind():
    def seed_weighted_mse(y_true, y_pred):  # the seed pattern, as users write it
        return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)

    general, two_columns = _example_losses()
    two_columns = [weighted_mse, seed_weighted_mse, *two_columns]  # weights [0.3, 0.7]
    for fn in [plain_mse, *general, *two_columns]:
        report = al.check_loss(fn)  # generated inputs of every kind, every installed backend
        assert report.ok, str(report)
        assert report.inputs, str(report)
        for what, (y_true, y_pred) in _given_inputs().items():
            if y_true.shape[-1:] != (2,) and fn in two_columns:
                continue
            report = al.check_loss(fn, y_true=y_true, y_pred=y_pred)
            assert report.ok, f"{what}:\n{report}"
