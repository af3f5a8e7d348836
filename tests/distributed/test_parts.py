"""Loss parts (total, count) and their reduction over shards, in one process: against Keras'
numbers, added up over uneven shards, gradient accumulation, and the errors. The multi-process
and multi-device cases are in cases_normalisation.py (run by test_cases.py)."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al
from anyloss.distributed import GradientAccumulation, batch_parts, global_loss
from tests.helpers import needs

try:  # Keras' numbers: the core install (make test-core) has no Keras
    from tests.parity.cases import CLASS_CASES, class_inputs, class_reference_for
except ImportError:
    CLASS_CASES = []

REDUCED = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight")
BATCH_LEVEL = {"Circle"}  # anchors compared with the whole batch: see batch_parts


def _loss(case, reduction):
    return al.losses.CLASSES[case.cls](reduction=reduction, **case.kwargs)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCED)
@pytest.mark.parametrize("case", CLASS_CASES, ids=lambda c: c.id)
def test_parts_of_every_class_give_keras_value_whole_and_over_uneven_shards(
    case, reduction, weighted
):
    inputs, w = class_inputs(case, 0, weighted)
    expected = class_reference_for(case, reduction, 0, weighted)
    loss = _loss(case, reduction)
    y_true, y_pred = inputs["y_true"], inputs["y_pred"]
    whole = loss.parts(y_true, y_pred, w)
    np.testing.assert_allclose(whole.value(), expected, rtol=2e-5, atol=1e-6)
    if case.cls in BATCH_LEVEL:
        return
    # Shards of 1 and n - 1 rows: the totals and counts add up to the whole batch's loss.
    shards = [slice(0, 1), slice(1, None)]
    parts = [loss.parts(y_true[s], y_pred[s], None if w is None else w[s]) for s in shards]
    total = sum(float(p.total) for p in parts)
    if reduction == "sum":
        assert all(p.count is None for p in parts)
        np.testing.assert_allclose(total, expected, rtol=2e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(total / sum(float(p.count) for p in parts), expected,
                                   rtol=2e-5, atol=1e-6)


@needs("torch")
@pytest.mark.parametrize("reduction", REDUCED)
@pytest.mark.parametrize("case", CLASS_CASES, ids=lambda c: c.id)
def test_parts_on_torch_native_kernels_give_keras_value(case, reduction):
    # Unweighted torch calls take the native kernels' per-sample values (fused_values).
    import torch

    inputs, _ = class_inputs(case, 0, False)
    loss = _loss(case, reduction)
    parts = loss.parts(torch.as_tensor(inputs["y_true"]), torch.as_tensor(inputs["y_pred"]))
    np.testing.assert_allclose(parts.value().numpy(),
                               class_reference_for(case, reduction, 0, False),
                               rtol=2e-5, atol=1e-6)


def test_counts_are_ints_when_shapes_decide_them_and_arrays_when_data_do():
    y, p = np.zeros((4, 3)), np.ones((4, 3))
    assert al.MeanSquaredError().parts(y, p).count == 4
    assert al.MeanSquaredError().parts(y, p, [1, 2, 0, 1]).count == 4  # zero weights count
    weighted = al.MeanSquaredError(reduction="mean_with_sample_weight").parts(y, p, [1, 2, 0, 1])
    assert float(weighted.count) == 4.0 and not isinstance(weighted.count, int)
    assert float(al.MeanSquaredError().parts(y, p, mask=[1, 0, 0, 1]).count) == 2.0
    assert al.MeanSquaredError(reduction="sum").parts(y, p).count is None


def test_parts_add_up_and_refuse_mixing_a_sum_with_a_mean():
    a = al.reduction_parts(np.array([1.0, 2.0]))
    b = al.reduction_parts(np.array([4.0]), mask=np.array([True]))
    np.testing.assert_allclose(sum([a, b]).value(), 7.0 / 3.0)
    with pytest.raises(ValueError, match="must share the reduction"):
        a + al.reduction_parts(np.array([1.0]), reduction="sum")


def test_reduction_parts_value_equals_reduce_weighted_values():
    rng = np.random.default_rng(0)
    values = rng.random((5, 3))
    weights, mask = rng.random(5), rng.random((5, 3)) > 0.3
    for reduction in REDUCED:
        for sw, m in ((None, None), (weights, None), (None, mask), (weights, mask)):
            np.testing.assert_allclose(
                al.reduction_parts(values, sw, m, reduction).value(),
                al.reduce_weighted_values(values, sw, m, reduction), rtol=1e-12)


def test_the_naive_mean_of_shard_means_is_what_global_normalisation_avoids():
    loss = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(size=(8, 4)), np.array([0, -1, -1, -1, 1, 2, 3, 0])
    a, b = loss.parts(labels[:4], logits[:4]), loss.parts(labels[4:], logits[4:])
    exact = (float(a.total) + float(b.total)) / (float(a.count) + float(b.count))
    np.testing.assert_allclose(exact, loss(labels, logits), rtol=1e-12)
    assert not np.isclose((float(a.value()) + float(b.value())) / 2, exact, rtol=1e-3)


@needs("torch")
def test_gradient_accumulation_equals_the_concatenated_batch():
    import torch

    loss = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    rng = np.random.default_rng(2)
    x = torch.as_tensor(rng.normal(size=(10, 3)))
    labels = torch.as_tensor([0, -1, -1, -1, -1, 1, 2, 1, 0, 2])
    w = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(loss(labels, x @ w), w)
    acc = GradientAccumulation([w])
    for rows in (slice(0, 5), slice(5, 7), slice(7, 10)):  # 1, 2 and 3 valid labels
        acc.backward(loss.parts(labels[rows], x[rows] @ w))
    value = acc.step()
    np.testing.assert_allclose(float(value), float(loss(labels, x @ w).detach()),
                               rtol=1e-12)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)
    # Dividing each micro-batch by its own count (the usual recipe) gives another gradient.
    w.grad = None
    for rows in (slice(0, 5), slice(5, 7), slice(7, 10)):
        (loss(labels[rows], x[rows] @ w) / 3).backward()
    assert not torch.allclose(w.grad, expected, rtol=1e-3)


@needs("torch")
def test_fit_with_accumulation_trains_like_one_big_batch_and_reads_the_optimizer_config():
    import torch

    from anyloss.models import Model

    rng = np.random.default_rng(3)
    x = torch.as_tensor(rng.normal(size=(24, 4)))
    labels = torch.as_tensor(rng.integers(0, 3, 24))
    labels[:10] = -1  # the first micro-batches are mostly padding

    def train(batch_size, steps=None, optimizer="sgd"):
        torch.manual_seed(0)
        model = Model(torch.nn.Linear(4, 3, dtype=torch.float64))
        model.compile(optimizer=optimizer,
                      loss=al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1))
        history = model.fit(x, labels, batch_size=batch_size, epochs=2, shuffle=False,
                            verbose=0, gradient_accumulation_steps=steps)
        return model.module.weight.detach(), history.history["loss"]

    big, big_loss = train(12)
    accumulated, acc_loss = train(3, steps=4)
    np.testing.assert_allclose(accumulated, big, rtol=1e-12)
    np.testing.assert_allclose(acc_loss, big_loss, rtol=1e-12)
    from_config, _ = train(
        3, optimizer={"class_name": "sgd", "config": {"gradient_accumulation_steps": 4}})
    np.testing.assert_allclose(from_config, big, rtol=1e-12)
    assert not np.allclose(train(3)[0], big, rtol=1e-3)  # one step per micro-batch differs


@needs("torch")
@pytest.mark.parametrize("steps", [0, -2, 1.5, True, "4"])
def test_bad_accumulation_steps_name_the_argument(steps):
    import torch

    from anyloss.models import Model

    model = Model(torch.nn.Linear(2, 1))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"`gradient_accumulation_steps` must be a positive"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), gradient_accumulation_steps=steps,
                  verbose=0)
    # The module is built, so compile() creates the optimizer and checks its config.
    config = {"class_name": "sgd", "config": {"gradient_accumulation_steps": steps}}
    with pytest.raises(ValueError, match=r"`gradient_accumulation_steps` of the optimizer config"):
        model.compile(optimizer=config, loss="mse")


def test_global_loss_in_one_process_is_the_loss():
    loss = al.MeanSquaredError(reduction="mean_with_sample_weight")
    y, p, w = np.zeros((3, 2)), np.ones((3, 2)) * [[1], [2], [3]], np.array([1.0, 0.0, 2.0])
    np.testing.assert_allclose(global_loss(loss.parts(y, p, w)), loss(y, p, w), rtol=1e-12)
    two = [loss.parts(y, p, w), al.MeanAbsoluteError().parts(y, p)]
    np.testing.assert_allclose(global_loss(two, weights=[1.0, 0.5]),
                               loss(y, p, w) + 0.5 * al.MeanAbsoluteError()(y, p), rtol=1e-12)
    labels, emb = np.array([0, 0, 1, 1]), np.eye(4)[:, :3] + 0.1
    np.testing.assert_allclose(global_loss(batch_parts(al.Circle(), labels, emb)),
                               al.Circle()(labels, emb), rtol=1e-12)


def test_bad_arguments_say_what_to_do():
    parts = al.MeanSquaredError().parts(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r"`group` is a torch\.distributed process group"):
        global_loss(parts, group=object())
    with pytest.raises(ValueError, match="`axis_name` names a JAX mesh axis"):
        global_loss(parts, axis_name="data")
    with pytest.raises(ValueError, match="one weight per LossParts"):
        global_loss([parts, parts], weights=[1.0])
    with pytest.raises(TypeError, match="must be a LossParts"):
        global_loss(np.float64(1.0))
    weighted = al.MeanSquaredError(reduction="mean_with_sample_weight").parts(
        np.zeros(3), np.ones(3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="count depends on the data"):
        global_loss(weighted, global_count=12)
    with pytest.raises(ValueError, match="reduction='none' keeps one value per sample"):
        al.MeanSquaredError(reduction="none").parts(np.zeros(3), np.ones(3))


@needs("torch")
def test_group_without_a_process_group_says_how_to_start_one():
    import torch

    parts = al.MeanSquaredError().parts(torch.zeros(3), torch.ones(3))
    with pytest.raises(ValueError, match="init_process_group"):
        global_loss(parts, group=object())


@needs("jax")
def test_axis_name_outside_shard_map_says_where_it_works():
    import jax.numpy as jnp

    parts = al.MeanSquaredError().parts(jnp.zeros(3), jnp.ones(3))
    with pytest.raises(ValueError, match=r"inside jax\.shard_map"):
        global_loss(parts, axis_name="data")
