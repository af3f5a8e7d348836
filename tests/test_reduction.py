"""Reductions, sample weights and masks: Keras 3.15.1's numbers, and the decisions D4, D5 and
D14 of docs/keras-differences.md."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from tests.helpers import assert_close

Y_TRUE = [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
Y_PRED = [[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]  # per-sample MSE [0.5, 0.5, 1.0]


@pytest.mark.parametrize(("reduction", "unweighted", "weighted"), [
    # Keras 3.15.1's values, sample_weight=[1, 4, 0].
    ("sum_over_batch_size", 0.6666667, 0.8333333),
    ("mean", 0.6666667, 0.8333333),
    ("auto", 0.6666667, 0.8333333),  # D14
    ("sum", 2.0, 2.5),
    ("mean_with_sample_weight", 0.6666667, 0.5),
    ("none", [0.5, 0.5, 1.0], [0.5, 2.0, 0.0]),
    (None, [0.5, 0.5, 1.0], [0.5, 2.0, 0.0]),
    (al.Reduction.SUM, 2.0, 2.5),
])
def test_reductions_match_keras(backend, reduction, unweighted, weighted):
    loss = al.MeanSquaredError(reduction=reduction)
    y_true, y_pred = backend.asarray(Y_TRUE, "float32"), backend.asarray(Y_PRED, "float32")
    assert_close(loss(y_true, y_pred), unweighted, backend)
    assert_close(loss(y_true, y_pred, sample_weight=backend.asarray([1.0, 4.0, 0.0])),
                 weighted, backend)


@pytest.mark.parametrize(("reduction", "expected"), [
    # Keras 3.15.1's values with the y_pred mask [T, T, F].
    ("sum_over_batch_size", 0.5), ("sum", 1.0), ("none", [0.5, 0.5, 0.0]),
])
def test_mask_excludes_entries_from_value_and_count(reduction, expected):
    loss = al.MeanSquaredError(reduction=reduction)
    assert_close(loss(Y_TRUE, Y_PRED, mask=[True, True, False]), expected)


@pytest.mark.parametrize(("reduction", "expected"), [
    ("sum_over_batch_size", 0.75), ("sum", 1.5), ("mean_with_sample_weight", 0.5),
])
def test_mask_with_sample_weight(reduction, expected):
    loss = al.MeanSquaredError(reduction=reduction)
    out = loss(Y_TRUE, Y_PRED, sample_weight=[1.0, 2.0, 3.0], mask=[True, True, False])
    assert_close(out, expected)  # Keras 3.15.1's values


def test_keras_mask_attribute_on_torch_predictions_is_honoured():
    torch = pytest.importorskip("torch")
    y_pred = torch.tensor(Y_PRED)
    y_pred._keras_mask = torch.tensor([True, True, False])
    assert_close(al.MeanSquaredError()(torch.tensor(Y_TRUE), y_pred).numpy(), 0.5)


def test_fully_masked_batch_gives_zero_not_nan():  # D5
    for reduction in ("sum_over_batch_size", "mean_with_sample_weight", "sum"):
        out = al.MeanSquaredError(reduction=reduction)(Y_TRUE, Y_PRED, mask=[False] * 3)
        assert float(out) == 0.0


def test_per_sample_weights_broadcast_over_time_axis(backend):  # D4
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.random((3, 4, 2)), rng.random((3, 4, 2))  # per-sample loss (3, 4)
    per_step = ((y_true - y_pred) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0])
    loss = al.MeanSquaredError(reduction="none")
    out = loss(backend.asarray(y_true), backend.asarray(y_pred),
               sample_weight=backend.asarray(w))
    assert_close(out, per_step * w[:, None], backend)
    mws = al.MeanSquaredError(reduction="mean_with_sample_weight")(
        backend.asarray(y_true), backend.asarray(y_pred), sample_weight=backend.asarray(w))
    # The weighted mean over all (sample, step) entries: divide by the broadcast weight sum.
    assert_close(mws, (per_step * w[:, None]).sum() / (w.sum() * 4), backend)


def test_square_time_axis_is_not_weighted_by_mistake():
    # Keras 3 silently weights the time axis when T == N (D4).
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.random((3, 3, 2)), rng.random((3, 3, 2))
    w = np.array([1.0, 0.0, 0.0])
    out = al.MeanSquaredError(reduction="none")(y_true, y_pred, sample_weight=w)
    assert np.all(np.asarray(out)[1:] == 0) and np.all(np.asarray(out)[0] > 0)


def test_mismatched_sample_weight_raises_naming_shapes():
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(2,\).*\(3,\)"):
        al.MeanSquaredError()(Y_TRUE, Y_PRED, sample_weight=[1.0, 2.0])


def test_scalar_loss_with_weights_matches_keras():  # D12 numbers
    class ScalarMSE(al.Loss):
        def call(self, y_true, y_pred):
            return al.ops.mean(al.ops.square(y_true - y_pred))

    # Keras: scalar 0.6667 broadcast against w=[1, 4, 0] then averaged -> 0.6667 * 5/3 = 1.1111.
    assert float(ScalarMSE()(Y_TRUE, Y_PRED, sample_weight=[1, 4, 0])) == pytest.approx(
        1.1111111, rel=1e-6)


def test_empty_batch_is_returned_unreduced():  # Keras 3: shape (0,)
    out = al.MeanSquaredError()(np.zeros((0, 2)), np.zeros((0, 2), "float32"))
    assert np.asarray(out).shape == (0,)


def test_unknown_reduction_lists_valid_ones():
    with pytest.raises(ValueError, match=r"`reduction`.*sum_over_batch_size.*Received: "
                                         r"reduction='average'"):
        al.MeanSquaredError(reduction="average")


@pytest.mark.parametrize(("in_dtype", "loss_dtype", "out_dtype"), [
    ("float16", None, "float32"), ("float32", None, "float32"), ("float64", None, "float64"),
    ("float32", "float64", "float64"), ("float32", "float16", "float16"),
])
def test_compute_dtype_policy(backend, in_dtype, loss_dtype, out_dtype):
    if backend.name == "array_api_strict" and "float16" in (in_dtype, loss_dtype):
        pytest.skip("array_api_strict has no float16")
    loss = al.MeanSquaredError(dtype=loss_dtype)
    out = loss(backend.asarray(Y_TRUE, in_dtype), backend.asarray(Y_PRED, in_dtype))
    assert str(backend.to_numpy(out).dtype) == out_dtype
    assert_close(out, 0.6666667, backend, rtol=1e-3)


def test_integer_and_list_inputs_become_float32():
    assert np.asarray(al.mse([[1, 2]], [[0, 0]])).dtype == np.float32
    assert np.asarray(al.MeanSquaredError()([[1, 2]], [[0, 0]])).dtype == np.float32


def test_y_true_from_another_library_is_converted():
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    out = al.MeanSquaredError()(torch.tensor(Y_TRUE), jnp.asarray(Y_PRED, dtype="float32"))
    assert type(out).__module__.startswith("jax")
    assert float(out) == pytest.approx(0.6666667)


def test_loss_subclass_receives_float_labels_like_keras():
    seen = {}

    class Spy(al.Loss):
        def call(self, y_true, y_pred):
            seen["dtype"] = y_true.dtype
            return al.ops.mean(y_pred, axis=-1)

    Spy()(np.array([[1, 0]]), np.array([[0.5, 0.5]], "float32"))
    assert seen["dtype"] == np.float32


def test_wrapper_aligns_ranks_like_keras():
    # (N,) against (N, 1): aligned to (N, 1), per-sample [0.25, 0, 1] (Keras' rank alignment).
    y_true, y_pred = np.array([0.5, 1.0, 0.0]), np.array([[1.0], [1.0], [1.0]])
    out = al.LossFunctionWrapper(lambda t, p: al.ops.mean(al.ops.square(t - p), axis=-1),
                                 reduction="none")(y_true, y_pred)
    assert_close(out, [0.25, 0.0, 1.0])


def test_shape_mismatch_raises_instead_of_broadcasting():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4,\).*\(4, 3\).*Reshape"):
        al.mean_squared_error(np.zeros(4), np.zeros((4, 3)))
