"""Gradients of every loss w.r.t. ``y_pred``: torch autograd and ``jax.grad`` agree with each
other and with central finite differences in float64, and ``jax.jit(jax.grad(f))`` equals the
eager gradient. Torch runs every seed; JAX runs seed 0, where one test per case checks eager
against differences and torch and jit against eager (eager JAX compiles each op on first use,
once per test process, which is what this file spends most of its time on).

The finite differences are taken on the NumPy path of the same public function, whose values
``test_keras_functions`` checks against Keras (Keras' numpy backend computes in float32 only,
too coarse for differences). Functions are reduced with a fixed random cotangent
(``sum(c * loss)``), which checks the whole vector-Jacobian product, not only its sum; classes
with their default reduction and per-sample weights. The inputs of ``cases.py`` stay away from
kinks and clip edges. Under ``jax.jit`` value checks are skipped by design
(``backend.is_concrete``).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from tests.helpers import Backend, central_difference, keras_losses
from tests.parity.cases import (
    CASES,
    CASES_BY_ID,
    CLASS_CASES,
    CLASS_CASES_BY_ID,
    POSITIONAL,
    SEEDS,
    Case,
    ClassCase,
    class_reference_for,
    inputs_for,
    params,
    reference_for,
    sample_weights,
)

RTOL, ATOL = 1e-5, 1e-8  # finite differences (h = 1e-6, float64)


def _float64(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in inputs.items()}


def _cotangent(case: Case, seed: int) -> np.ndarray:
    """A fixed random weight per output element (output shape from the NumPy call)."""
    inputs = _float64(inputs_for(case, seed))
    shape = np.shape(al.losses.FUNCTIONS[case.loss](inputs["y_true"], inputs["y_pred"], **{
        k: v for k, v in inputs.items() if k not in POSITIONAL}, **case.kwargs))
    return np.random.default_rng([seed, 7]).uniform(0.5, 1.5, shape)


@functools.cache
def _function_objective(loss: str, kwargs_key: str):
    case_kwargs = _KWARGS[kwargs_key]
    fn = al.losses.FUNCTIONS[loss]

    def objective(y_pred: Any, arrays: dict[str, Any]) -> Any:
        extra = {k: v for k, v in arrays.items() if k not in ("y_true", "cotangent")}
        values = fn(arrays["y_true"], y_pred, **extra, **case_kwargs)
        weighted = arrays["cotangent"] * values
        return B.namespace(weighted).sum(weighted)  # TensorFlow tensors have no .sum()

    return objective


@functools.cache
def _class_objective(cls: str, kwargs_key: str):
    loss = al.losses.CLASSES[cls](**_KWARGS[kwargs_key])

    def objective(y_pred: Any, arrays: dict[str, Any]) -> Any:
        return loss(arrays["y_true"], y_pred, sample_weight=arrays["sample_weight"])

    return objective


_KWARGS: dict[str, dict[str, Any]] = {}


def _kwargs_key(kwargs: dict[str, Any]) -> str:
    """A hashable key for ``kwargs``, so one objective (and one ``jax.jit`` compile) serves
    every case with the same loss and arguments (JAX caches compiles per function)."""
    key = repr(sorted(kwargs.items()))
    _KWARGS[key] = kwargs
    return key


def function_objective(case: Case, seed: int):
    """``(objective, y_pred, arrays)``: ``objective(y_pred, arrays) = sum(c * loss(y_true,
    y_pred, **kwargs))`` with the cotangent ``c`` in ``arrays``; inputs float64 NumPy."""
    inputs = _float64(inputs_for(case, seed))
    arrays = {k: v for k, v in inputs.items() if k != "y_pred"}
    arrays["cotangent"] = _cotangent(case, seed)
    return _function_objective(case.loss, _kwargs_key(case.kwargs)), inputs["y_pred"], arrays


def class_objective(case: ClassCase, seed: int):
    """``(objective, y_pred, arrays)``: ``Class(**kwargs)(y_true, y_pred, sample_weight)`` with
    the default reduction; inputs float64 NumPy."""
    inputs = _float64(inputs_for(case.case, seed))
    arrays = {"y_true": inputs["y_true"],
              "sample_weight": sample_weights(len(inputs["y_pred"]), seed).astype(np.float64)}
    return _class_objective(case.cls, _kwargs_key(case.kwargs)), inputs["y_pred"], arrays


def _on(backend: Backend, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    return {k: backend.asarray(v) for k, v in arrays.items()}


def autodiff_gradient(make, case, seed: int, backend_name: str) -> np.ndarray:
    backend = Backend.load(backend_name)
    objective, y_pred, arrays = make(case, seed)
    arrays = _on(backend, arrays)
    _, grad = backend.value_and_grad(lambda x: objective(x, arrays), y_pred)
    return grad


@functools.cache
def finite_difference(kind: str, case_id: str, seed: int) -> np.ndarray:
    if kind == "function":
        objective, y_pred, arrays = function_objective(CASES_BY_ID[case_id], seed)
    else:
        objective, y_pred, arrays = class_objective(CLASS_CASES_BY_ID[case_id], seed)
    return central_difference(lambda x: objective(x, arrays), y_pred)


def _assert_matches_finite_differences(grad: np.ndarray, kind: str, case_id: str,
                                       seed: int) -> None:
    expected = finite_difference(kind, case_id, seed)
    assert np.abs(expected).max() > 0, "a zero gradient checks nothing"
    np.testing.assert_allclose(grad, expected, rtol=RTOL, atol=ATOL * np.abs(expected).max())


@functools.cache
def _jit_grad(objective):
    import jax

    return jax.jit(jax.grad(objective))


def _jit_case(cases: list[Case]) -> Case:
    """The case of a loss with the most arguments (first on ties): its function under jit."""
    return max(cases, key=lambda c: len(c.kwargs) + len(c.make(np.random.default_rng(0))))


#: One function case per loss goes through ``jax.jit`` (each jit compile costs ~0.3 s); every
#: class case does, with its reduction, mask and traced weights.
JIT_CASE_IDS = {_jit_case([c for c in CASES if c.loss == loss]).id for loss in keras_losses()}


def _assert_jax_gradients(make, case, kind: str, jit: bool) -> None:
    """Eager ``jax.grad`` against finite differences and torch; ``jax.jit(jax.grad)`` against
    eager. One test does all three so the eager JAX ops compile once (the main cost here)."""
    jax = pytest.importorskip("jax")
    backend = Backend.load("jax")
    objective, y_pred, arrays = make(case, SEEDS[0])
    y_pred, arrays = backend.asarray(y_pred), _on(backend, arrays)
    eager = np.asarray(jax.grad(objective)(y_pred, arrays))
    _assert_matches_finite_differences(eager, kind, case.id, SEEDS[0])
    torch_grad = autodiff_gradient(make, case, SEEDS[0], "torch")
    np.testing.assert_allclose(eager, torch_grad, rtol=1e-9, atol=1e-12)
    if jit:
        jitted = np.asarray(_jit_grad(objective)(y_pred, arrays))  # labels, weights traced
        np.testing.assert_allclose(jitted, eager, rtol=1e-9, atol=1e-12)


def test_every_loss_has_a_gradient_and_a_jit_case():
    assert {c.loss for c in CASES} == keras_losses()
    assert {CASES_BY_ID[i].loss for i in JIT_CASE_IDS} == keras_losses()


@pytest.mark.parametrize(("case", "seed"), params(CASES))
def test_function_torch_gradient_matches_finite_differences(case, seed):
    grad = autodiff_gradient(function_objective, case, seed, "torch")
    _assert_matches_finite_differences(grad, "function", case.id, seed)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=f"{c.id}-s{SEEDS[0]}{'-jit' if c.id in JIT_CASE_IDS else ''}")
    for c in CASES])
def test_function_jax_gradient_matches_finite_differences_torch_and_jit(case):
    _assert_jax_gradients(function_objective, case, "function", jit=case.id in JIT_CASE_IDS)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CLASS_CASES])
def test_class_torch_gradient_matches_finite_differences(case):
    grad = autodiff_gradient(class_objective, case, SEEDS[0], "torch")
    _assert_matches_finite_differences(grad, "class", case.id, SEEDS[0])


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CLASS_CASES])
def test_class_jax_gradient_matches_finite_differences_torch_and_jit(case):
    _assert_jax_gradients(class_objective, case, "class", jit=True)


# --- TensorFlow: tf.GradientTape eagerly, and inside tf.function with an unknown batch size ------


def _signature(y_pred: np.ndarray, arrays: dict[str, np.ndarray]) -> str:
    """A key for the ``tf.function`` input signature of ``(y_pred, arrays)``: every axis of the
    batch's size that comes first is unknown (``None``)."""
    import tensorflow as tf

    batch = y_pred.shape[0]

    def spec(x: np.ndarray) -> Any:
        shape = [None if i == 0 and n == batch else n for i, n in enumerate(x.shape)]
        return tf.TensorSpec(shape, tf.as_dtype(x.dtype))

    signature = [spec(y_pred), {k: spec(v) for k, v in arrays.items()}]
    key = repr(signature)
    _SIGNATURES[key] = signature
    return key


_SIGNATURES: dict[str, Any] = {}


@functools.cache
def _tf_graph(kind: str, name: str, kwargs_key: str, signature_key: str):
    """One traced ``tf.function`` per loss, arguments and input ranks: ``(values, gradient)``,
    the function's per-sample values (gradient of ``sum(cotangent * values)``) or the class'
    reduced loss with sample weights."""
    import tensorflow as tf

    kwargs = _KWARGS[kwargs_key]
    if kind == "function":
        fn = al.losses.FUNCTIONS[name]

        def values_and_total(y_pred: Any, arrays: dict[str, Any]) -> Any:
            extra = {k: v for k, v in arrays.items() if k not in ("y_true", "cotangent")}
            values = fn(arrays["y_true"], y_pred, **extra, **kwargs)
            return values, tf.reduce_sum(arrays["cotangent"] * values)
    else:
        loss = al.losses.CLASSES[name](**kwargs)

        def values_and_total(y_pred: Any, arrays: dict[str, Any]) -> Any:
            value = loss(arrays["y_true"], y_pred, sample_weight=arrays["sample_weight"])
            return value, value

    @tf.function(input_signature=_SIGNATURES[signature_key])
    def graph(y_pred: Any, arrays: dict[str, Any]) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            values, total = values_and_total(y_pred, arrays)
        return values, tape.gradient(total, y_pred)

    return graph


def _assert_tensorflow_gradients(make, case, kind: str, expected: np.ndarray | None) -> None:
    """Eager ``tf.GradientTape`` against finite differences and torch. With ``expected`` (Keras'
    numbers), also the loss traced in a ``tf.function`` for any batch size: its values against
    Keras, its gradient against the eager one."""
    pytest.importorskip("tensorflow")
    backend = Backend.load("tensorflow")
    objective, y_pred, arrays = make(case, SEEDS[0])
    _, eager = backend.value_and_grad(lambda x: objective(x, _on(backend, arrays)), y_pred)
    _assert_matches_finite_differences(eager, kind, case.id, SEEDS[0])
    torch_grad = autodiff_gradient(make, case, SEEDS[0], "torch")
    np.testing.assert_allclose(eager, torch_grad, rtol=1e-9, atol=1e-12)
    if expected is None:
        return
    name = case.loss if kind == "function" else case.cls
    graph = _tf_graph(kind, name, _kwargs_key(case.kwargs), _signature(y_pred, arrays))
    values, grad = graph(backend.asarray(y_pred), _on(backend, arrays))
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad.numpy(), eager, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=f"{c.id}-s{SEEDS[0]}{'-tf.function' if c.id in JIT_CASE_IDS else ''}")
    for c in CASES])
def test_function_tensorflow_gradient_matches_finite_differences_torch_and_tf_function(case):
    expected = reference_for(case, SEEDS[0]) if case.id in JIT_CASE_IDS else None
    _assert_tensorflow_gradients(function_objective, case, "function", expected)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CLASS_CASES])
def test_class_tensorflow_gradient_matches_finite_differences_torch_and_tf_function(case):
    expected = class_reference_for(case, "sum_over_batch_size", SEEDS[0], weighted=True)
    _assert_tensorflow_gradients(class_objective, case, "class", expected)
