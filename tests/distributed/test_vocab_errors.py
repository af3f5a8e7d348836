"""Vocabulary-parallel cross-entropy in one process: argument errors name the argument and the
fix, other libraries are refused, and a one-rank gloo group (an in-process HashStore) gives
the unsharded loss. The multi-rank cases are in ``cases_vocab.py``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import anyloss as al
from anyloss.distributed._vocab import (
    vocab_parallel_linear_cross_entropy,
    vocab_parallel_sparse_categorical_crossentropy,
)

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

SCCE = vocab_parallel_sparse_categorical_crossentropy
LINEAR = vocab_parallel_linear_cross_entropy


@pytest.fixture(scope="module")
def group() -> Iterator[None]:
    """A one-rank gloo group for this module (skipped if the process already has one)."""
    if not dist.is_available() or dist.is_initialized():
        pytest.skip("needs torch.distributed and no process group in this process")
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _logits(rows: int = 4, vocab: int = 6) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn(rows, vocab, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("y_pred", [np.zeros((2, 3)), [[0.0, 1.0]]], ids=["numpy", "list"])
def test_other_libraries_are_refused(y_pred) -> None:
    with pytest.raises(TypeError, match=r"needs torch tensors in a torch.distributed") as err:
        SCCE([0, 1], y_pred)
    assert "anyloss.sparse_categorical_crossentropy(from_logits=True)" in str(err.value)
    with pytest.raises(TypeError, match=r"`hidden` is a (numpy ndarray|list)"):
        LINEAR(np.zeros((2, 3)) if isinstance(y_pred, list) else [[1.0]], np.zeros((4, 3)), [0])


@pytest.mark.parametrize(
    ("kwargs", "kind", "pattern"),
    [
        ({"reduction": "avg"}, ValueError, r"`reduction`.*Received: reduction='avg'"),
        ({"label_smoothing": 1.5}, ValueError, r"`label_smoothing` must be a number in \[0, 1\]"),
        ({"ignore_class": 0.5}, TypeError, r"`ignore_class` must be an integer label"),
        ({"axis_name": "tp"}, ValueError, r"`axis_name` \(a JAX mesh axis\) must be None.*group="),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, kind, pattern) -> None:
    with pytest.raises(kind, match=pattern):
        SCCE(torch.tensor([0, 1]), _logits(2), **kwargs)


def test_bad_chunk_size() -> None:
    with pytest.raises(ValueError, match=r"`chunk_size` must be a positive int.*chunk_size=0"):
        LINEAR(torch.zeros(2, 3), torch.zeros(4, 3), torch.tensor([0, 1]), chunk_size=0)


def test_no_process_group() -> None:
    if dist.is_initialized():
        pytest.skip("this process has a process group")
    with pytest.raises(ValueError, match=r"no process group.*init_process_group"):
        SCCE(torch.tensor([0, 1]), _logits(2))


def test_jax_needs_axis_name_and_no_group() -> None:
    jnp = pytest.importorskip("jax.numpy")
    logits, labels = jnp.zeros((2, 3)), jnp.array([0, 1])
    with pytest.raises(ValueError, match=r"pass `axis_name=`.*inside jax.shard_map"):
        SCCE(labels, logits)
    with pytest.raises(ValueError, match=r"`group` \(a torch process group\) must be None"):
        SCCE(labels, logits, group="tp", axis_name="tp")


@pytest.mark.usefixtures("group")
@pytest.mark.parametrize(
    ("call", "kind", "pattern"),
    [
        (
            lambda: SCCE(torch.tensor([0, 1, 2]), _logits(2)),
            ValueError,
            r"`y_true` must have the shape of `y_pred` without its class axis: expected "
            r"\(2,\), got \(3,\)",
        ),
        (
            lambda: SCCE(torch.tensor([0, 1]), _logits(2), vocab_start=1),
            ValueError,
            r"`vocab_start` must be in \[0, 0\].*Leave it None",
        ),
        (
            lambda: SCCE(torch.tensor([0, 1]), _logits(2), vocab_start=0.0),
            TypeError,
            r"`vocab_start` must be an int",
        ),
        (
            lambda: SCCE(torch.tensor([0, 6]), _logits(2)),
            ValueError,
            r"`y_true` holds the label 6, outside the global vocabulary \[0, 6\)",
        ),
        (
            lambda: SCCE(torch.tensor([0, 1]), torch.zeros(2, 0)),
            ValueError,
            r"V_local >= 1",
        ),
        (
            lambda: LINEAR(torch.zeros(2, 3), torch.zeros(4, 2), torch.tensor([0, 1])),
            ValueError,
            r"`weight` must be this rank's rows.*\(V_local, 3\).*weight.shape=\(4, 2\)",
        ),
        (
            lambda: LINEAR(
                torch.zeros(2, 3), torch.zeros(4, 3), torch.tensor([0, 1]), torch.zeros(3)
            ),
            ValueError,
            r"`bias` must have shape \(4,\), one entry per row of `weight`",
        ),
        (
            lambda: LINEAR(torch.zeros(2, 3), torch.zeros(4, 3), torch.tensor([0])),
            ValueError,
            r"`labels` must have shape \(2,\)",
        ),
    ],
    ids=[
        "labels-shape",
        "vocab-start-range",
        "vocab-start-type",
        "label-range",
        "empty-shard",
        "weight-shape",
        "bias-shape",
        "linear-labels-shape",
    ],
)
def test_errors_in_a_group(call, kind, pattern) -> None:
    with pytest.raises(kind, match=pattern):
        call()


@pytest.mark.usefixtures("group")
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean_with_sample_weight", "none"])
def test_one_rank_equals_unsharded(reduction) -> None:
    logits = _logits().requires_grad_()
    labels = torch.tensor([5, -1, 0, 3])
    weights = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    kwargs = {"ignore_class": -1, "label_smoothing": 0.2}
    loss = SCCE(labels[:, None], logits, sample_weight=weights, reduction=reduction, **kwargs)
    (grad,) = torch.autograd.grad(loss.sum(), logits)
    want = al.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction, **kwargs)(
        labels, logits, weights
    )
    (want_grad,) = torch.autograd.grad(want.sum(), logits)
    np.testing.assert_allclose(loss.detach(), want.detach(), rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-15)


@pytest.mark.usefixtures("group")
@pytest.mark.parametrize("chunk_size", [None, 3])
def test_one_rank_linear_equals_unsharded(chunk_size) -> None:
    generator = torch.Generator().manual_seed(1)
    tensors = [
        torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=True)
        for shape in ((2, 4, 3), (5, 3), (5,))
    ]
    labels = torch.tensor([[0, 4, -1, 2], [1, 1, 3, -1]])
    kwargs = {"ignore_class": -1, "label_smoothing": 0.1}
    loss = LINEAR(*tensors[:2], labels, tensors[2], chunk_size=chunk_size, **kwargs)
    grads = torch.autograd.grad(loss, tensors)
    want = al.linear_cross_entropy(*tensors[:2], labels, tensors[2], **kwargs)
    want_grads = torch.autograd.grad(want, tensors)
    np.testing.assert_allclose(loss.item(), want.item(), rtol=1e-12)
    for got, expected in zip(grads, want_grads, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-15)


@pytest.mark.usefixtures("group")
def test_low_precision_logits_compute_in_float32() -> None:
    logits = _logits().to(torch.bfloat16).requires_grad_()
    labels = torch.tensor([5, 1, 0, 3])
    loss = SCCE(labels, logits, label_smoothing=0.1)
    loss.backward()
    want = al.sparse_categorical_crossentropy(
        labels, logits.detach(), from_logits=True, label_smoothing=0.1
    ).mean()
    assert loss.dtype == torch.float32
    assert logits.grad is not None and logits.grad.dtype == torch.bfloat16
    np.testing.assert_allclose(loss.item(), want.item(), rtol=1e-6)


@pytest.mark.usefixtures("group")
def test_second_backward_fails_loudly() -> None:
    # The saved softmax becomes the gradient in place (Megatron-LM's memory saving): autograd
    # must refuse a second backward rather than give a wrong gradient.
    logits = _logits().requires_grad_()
    loss = SCCE(torch.tensor([5, 1, 0, 3]), logits)
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
