"""LossesContainer: lazy build, structure matching (D8), names (D9), weights, sample weights,
running means; numbers checked against Keras 3's CompileLoss (numpy backend) and by hand."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "numpy")

import numpy as np
import pytest

import anyloss as al
from anyloss.container import LossesContainer, Mean
from tests.helpers import needs

RNG = np.random.default_rng(0)
Y1, P1 = RNG.normal(size=(6, 3)).astype("float32"), RNG.normal(size=(6, 3)).astype("float32")
Y2, P2 = RNG.normal(size=(6, 2)).astype("float32"), RNG.normal(size=(6, 2)).astype("float32")


def keras_compile_loss(loss, loss_weights, output_names, y_true, y_pred, sample_weight=None):
    from keras.src.trainers.compile_utils import CompileLoss

    compile_loss = CompileLoss(loss, loss_weights, output_names=output_names)
    value = float(compile_loss(y_true, y_pred, sample_weight))
    return value, {m.name: float(m.result()) for m in compile_loss.metrics}


def test_nothing_resolved_until_first_call():
    container = LossesContainer("no_such_loss")
    assert container.built is False
    with pytest.raises(ValueError, match="no_such_loss"):
        container(Y1, P1)


@needs("keras")
def test_single_output_matches_keras_and_returns_numpy_0d():
    container = LossesContainer("mae", loss_weights=0.5)
    value = container(Y1, P1)
    expected, _ = keras_compile_loss("mae", 0.5, None, Y1, P1)
    assert isinstance(value, np.ndarray) and value.shape == ()
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    assert container.built and list(container.metrics) == ["loss"]


@pytest.mark.parametrize(("loss", "weights"), [
    (["mse", "mae"], [0.3, 2.0]),
    ({"a": "mse", "b": "huber"}, {"a": 1.5, "b": 0.25}),
    ("mse", None),
])
@needs("keras")
def test_two_outputs_match_keras_compile_loss(loss, weights):
    container = LossesContainer(loss, weights, output_names=["a", "b"])
    value = container([Y1, Y2], [P1, P2])
    expected, keras_metrics = keras_compile_loss(loss, weights, ["a", "b"], [Y1, Y2], [P1, P2])
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    ours = {k: m.result() for k, m in container.metrics.items()}
    assert set(ours) == {"loss", "a_loss", "b_loss"}
    for name in ("a_loss", "b_loss"):
        np.testing.assert_allclose(ours[name], keras_metrics[name], rtol=1e-6)


def test_list_loss_with_dict_weights_pairs_by_output_name_not_sorted_key():
    # D8: Keras pairs {"z": 1, "a": 0} with outputs ["z", "a"] by sorted key (z->0, a->1).
    container = LossesContainer(["mse", "mse"], {"z": 1.0, "a": 0.0}, output_names=["z", "a"])
    value = container([Y1, Y2], [P1, P2])
    np.testing.assert_allclose(value, np.mean((Y1 - P1) ** 2), rtol=1e-6)


def test_dict_outputs_names_and_partial_loss():
    container = LossesContainer({"p": "mse"})
    value = container({"p": Y1, "q": Y2}, {"p": P1, "q": P2})
    np.testing.assert_allclose(value, np.mean((Y1 - P1) ** 2), rtol=1e-6)
    assert set(container.metrics) == {"loss", "p_loss"}


def test_same_loss_on_two_outputs_gets_two_metric_names():
    # D9: Keras 3 names both "mse_loss" (collision); anyloss names them after the outputs.
    container = LossesContainer(["mse", "mse"])
    container([Y1, Y2], [P1, P2])
    assert list(container.metrics) == ["loss", "output_1_loss", "output_2_loss"]


def test_none_entry_is_skipped():
    container = LossesContainer([None, "mae"])
    value = container([Y1, Y2], [P1, P2])
    np.testing.assert_allclose(value, np.mean(np.abs(Y2 - P2)), rtol=1e-6)
    assert set(container.metrics) == {"loss", "output_2_loss"}


def test_nested_outputs():
    container = LossesContainer({"a": ["mse", "mae"], "b": "mse"})
    y_pred = {"a": [P1, P2], "b": P1}
    value = container({"a": [Y1, Y2], "b": Y1}, y_pred)
    expected = 2 * np.mean((Y1 - P1) ** 2) + np.mean(np.abs(Y2 - P2))
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    assert set(container.metrics) == {"loss", "a_output_1_loss", "a_output_2_loss", "b_loss"}


def test_sample_weights_shared_and_per_output():
    sw = np.array([1, 1, 1, 0, 0, 0], dtype="float32")
    shared = LossesContainer(["mse", "mse"])([Y1, Y2], [P1, P2], sample_weight=sw)
    by_hand = sum(float(np.sum(np.mean((y - p) ** 2, -1) * sw)) / 6
                  for y, p in ((Y1, P1), (Y2, P2)))
    np.testing.assert_allclose(shared, by_hand, rtol=1e-6)
    per_output = LossesContainer(["mse", "mse"], output_names=["a", "b"])(
        [Y1, Y2], [P1, P2], sample_weight={"b": sw})
    expected = np.mean((Y1 - P1) ** 2) + float(np.sum(np.mean((Y2 - P2) ** 2, -1) * sw)) / 6
    np.testing.assert_allclose(per_output, expected, rtol=1e-6)


def test_running_means_are_weighted_by_batch_size():
    container = LossesContainer("mae")
    container(Y1[:4], P1[:4])
    container(Y1[4:], P1[4:])
    np.testing.assert_allclose(container.metrics["loss"].result(), np.mean(np.abs(Y1 - P1)),
                               rtol=1e-6)
    container.reset_state()
    assert container.metrics["loss"].result() == 0.0


def test_torch_and_jax_totals_keep_their_library():
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    container = LossesContainer(["mse", "mae"])
    pred = [torch.tensor(P1, requires_grad=True), torch.tensor(P2)]
    value = container([Y1, Y2], pred)
    assert isinstance(value, torch.Tensor) and value.shape == () and value.requires_grad
    value.backward()
    assert pred[0].grad is not None
    jax_value = LossesContainer("mse")(Y1, jnp.asarray(P1))
    assert type(jax_value).__module__.startswith("jax") and jax_value.shape == ()


def test_jit_traced_values_do_not_leak_into_metrics():
    jax = pytest.importorskip("jax")
    container = LossesContainer("mse")
    container(Y1, P1)
    value = jax.jit(lambda p: container(Y1, p))(P1)
    np.testing.assert_allclose(value, np.mean((Y1 - P1) ** 2), rtol=1e-6)
    assert container.metrics["loss"].count == 6


def test_function_identifiers_are_wrapped_and_named():
    def my_loss(y_true, y_pred):
        return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)

    container = LossesContainer(["mse", my_loss])
    container([Y1, Y2], [P1, P2])
    names = {k: v.name for k, v in container.losses.items()}
    assert names == {"output_1": "mse", "output_2": "my_loss"}
    assert all(isinstance(v, al.LossFunctionWrapper) for v in container.losses.values())


def test_crossentropy_alias_picks_from_shapes():
    labels = np.array([0, 2, 1])
    probs = np.full((3, 3), 1 / 3, dtype="float32")
    container = LossesContainer("crossentropy")
    np.testing.assert_allclose(container(labels, probs), np.log(3), rtol=1e-5)
    assert container.losses["output_1"].fn is al.sparse_categorical_crossentropy


@pytest.mark.parametrize(("loss", "match"), [
    (["mse"], r"Expected structure: \[\*, \*\]; given: \[\*\]"),
    (["mse", "mse", "mse"], r"Expected structure: \[\*, \*\]; given: \[\*, \*, \*\]"),
    ({"zz": "mse"}, r"keys \['zz'\] that match no output.*\['a', 'b'\]"),
])
def test_structure_mismatch_names_expected_and_given(loss, match):
    with pytest.raises(ValueError, match=match):
        LossesContainer(loss, output_names=["a", "b"])([Y1, Y2], [P1, P2])


def test_list_loss_on_single_output_raises():
    with pytest.raises(ValueError, match=r"single output.*Pass a single value"):
        LossesContainer(["mse", "mae"])(Y1, P1)


def test_weight_errors_name_argument_and_fix():
    with pytest.raises(ValueError, match=r"loss_weights.*Received: loss_weights='x'"):
        LossesContainer("mse", loss_weights="x")
    with pytest.raises(ValueError, match=r"`loss_weights` does not match"):
        LossesContainer(["mse", "mse"], loss_weights=[1.0])([Y1, Y2], [P1, P2])
    with pytest.raises(ValueError, match=r"must hold numbers.*loss_weights="):
        LossesContainer(["mse", "mse"], loss_weights=[1.0, "a"])([Y1, Y2], [P1, P2])


def test_missing_target_and_all_none_losses():
    with pytest.raises(ValueError, match="Target data is missing for output 'b'"):
        LossesContainer(["mse", "mse"], output_names=["a", "b"])({"a": Y1}, [P1, P2])
    with pytest.raises(ValueError, match=r"No loss to compute.*loss='mse'"):
        LossesContainer([None, None])([Y1, Y2], [P1, P2])


def test_output_names_count_mismatch():
    with pytest.raises(ValueError, match=r"`output_names` has 1 names.*one name per output"):
        LossesContainer("mse", output_names=["a"])([Y1, Y2], [P1, P2])


def test_torch_loss_module_is_refused_with_the_fix():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"PyTorch loss module.*torch_loss\(y_pred, y_true\)"):
        LossesContainer(torch.nn.CrossEntropyLoss())(Y1, torch.tensor(P1))


def test_mean_reads_as_float():
    mean = Mean("m")
    mean.update_state(np.asarray(2.0), 3)
    mean.update_state(np.asarray(4.0), 1)
    assert float(mean) == pytest.approx(2.5)


def test_running_means_track_eager_jax_values():
    """Eager JAX losses are concrete and count in the metrics (only jit tracers are skipped);
    before the is_concrete fix the metric stayed 0.0 on eager JAX."""
    jnp = pytest.importorskip("jax.numpy")
    container = LossesContainer("mse")
    container(jnp.asarray([[1.0, 2.0]]), jnp.asarray([[0.0, 0.0]]))
    assert float(container.metrics["loss"]) == pytest.approx(2.5)  # (1 + 4) / 2, by hand
