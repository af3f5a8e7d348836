"""Label value checks (D13) and when they run: host memory in eager mode, never a device sync.

The rule (backend/_checks.py): under the default policy "auto" a check reads values only where
they live in host memory outside tracing, so a training step on an accelerator never waits for
the device; "always" checks everywhere, "never" nowhere.
"""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from anyloss.losses import reduce_weighted_values

torch = pytest.importorskip("torch")


def test_where_checks_apply():
    assert B.checks_apply(np.zeros(3))
    assert B.checks_apply(torch.zeros(3))
    meta = torch.zeros(3, device="meta")  # values that cannot be read: the accelerator stand-in
    assert not B.checks_apply(meta)
    with B.value_checks("always"):
        assert B.checks_apply(torch.zeros(3))
        assert not B.checks_apply(meta)  # meta tensors have no values at all
    with B.value_checks("never"):
        assert not B.checks_apply(np.zeros(3))
        assert not B.checks_apply(torch.zeros(3))
    assert B.checks_apply(torch.zeros(3))  # restored


def test_lazy_and_traced_arrays_are_not_checked():
    da = pytest.importorskip("dask.array")
    assert not B.checks_apply(da.zeros(3, chunks=2))
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    assert B.checks_apply(jnp.zeros(3))  # concrete, on the CPU
    seen = []
    jax.jit(lambda x: seen.append(B.checks_apply(x)) or x)(jnp.zeros(3))
    assert seen == [False]


def test_invalid_mode():
    with pytest.raises(ValueError, match="expected one of"):
        B.set_value_checks("sometimes")


def test_device_without_values_runs_without_reading_them():
    # On the meta device (no values, as far as the host is concerned like a busy GPU) both
    # the fast path and the array-API path compute shapes without a check.
    logits = torch.zeros(4, 3, device="meta", requires_grad=True)
    labels = torch.zeros(4, dtype=torch.int64, device="meta")
    for generic in (False, True):
        with B.generic_only() if generic else B.value_checks("auto"):
            out = al.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
        assert out.device.type == "meta" and out.shape == ()


def test_never_trusts_the_labels():
    labels, logits = torch.tensor([0.0, 1.5]), torch.zeros(2, 3)
    with pytest.raises(ValueError, match="non-integer"):
        al.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    with B.value_checks("never"):
        out = al.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(out.numpy(), np.log([3.0, 3.0]), rtol=1e-6)  # 1.5 read as 1


def test_label_check_names_the_first_bad_label_with_ignore_class():
    loss = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    with pytest.raises(ValueError, match="holds the label 9, outside"):
        loss(np.array([255, 1, 9, 255]), np.zeros((4, 3), np.float32))
    assert float(loss(np.array([255, 1, 2, 255]), np.zeros((4, 3), np.float32))) == \
        pytest.approx(np.log(3.0))


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum"])
def test_empty_values_reduce_to_zero(reduction):
    # The element count is a Python number now; no elements still give 0, not NaN (D5).
    out = reduce_weighted_values(np.zeros((0, 3), np.float32), reduction=reduction)
    assert float(out) == 0.0
    out = reduce_weighted_values(np.zeros((0, 3), np.float32), mask=np.zeros((0, 3), bool),
                                 reduction=reduction)
    assert float(out) == 0.0


def test_count_division_keeps_dtype_and_stays_lazy():
    values = np.array([1.0, 2.0, 4.0], np.float32)
    out = reduce_weighted_values(values)
    assert out.dtype == np.float32 and float(out) == pytest.approx(7 / 3)
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(values, chunks=2)
    unknown = lazy[lazy > 0]  # unknown (nan) length: the count is a lazy sum
    out = reduce_weighted_values(unknown)
    assert hasattr(out, "compute") and float(out.compute()) == pytest.approx(7 / 3)


def test_jax_eager_labels_are_checked_and_jit_is_not():
    # array-api-compat counts every JAX array as lazy; concrete ones are checked (D13).
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    with pytest.raises(ValueError, match="holds the label 7"):
        al.sparse_categorical_crossentropy(jnp.array([0, 7]), jnp.zeros((2, 3)))
    out = jax.jit(al.sparse_categorical_crossentropy)(jnp.array([0, 7]), jnp.zeros((2, 3)))
    assert out.shape == (2,)  # unchecked under jit, as documented


def test_container_metrics_update_with_concrete_jax_values():
    jnp = pytest.importorskip("jax.numpy")
    container = al.LossesContainer("mse")
    container(jnp.zeros((2, 2)), jnp.ones((2, 2)))
    assert container.metrics["loss"].result() == 1.0  # MSE of ones against zeros
