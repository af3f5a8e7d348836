"""Chunked sparse cross-entropy (``chunk_size=``): the same numbers as unchunked, a bounded
backward pass on torch, the normal path elsewhere.

References: ``torch.nn.functional.cross_entropy`` (values and gradients, independent of
anyloss), the unchunked anyloss loss, and Keras 3 (numpy backend) for values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from tests.helpers import assert_close
from tests.perf._autograd import chunked_node

torch = pytest.importorskip("torch")
F = torch.nn.functional

ROWS, CLASSES = 13, 7


def _inputs(dtype: Any = torch.float64, ignore: bool = False) -> tuple[Any, Any]:
    gen = torch.Generator().manual_seed(0)
    logits = (3 * torch.randn(ROWS, CLASSES, generator=gen, dtype=torch.float64)).to(dtype)
    labels = torch.randint(0, CLASSES, (ROWS,), generator=gen)
    if ignore:
        labels[::4] = -1
    return labels, logits.requires_grad_(True)


def _grad(out: Any, x: Any) -> Any:
    (grad,) = torch.autograd.grad(out.sum(), x)
    return grad


@pytest.mark.parametrize("chunk_size", [1, 4, 12, 13, 100])  # 4 and 12: uneven last chunk
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_chunked_equals_f_cross_entropy(chunk_size, label_smoothing):
    labels, x = _inputs(ignore=True)
    loss = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                            label_smoothing=label_smoothing,
                                            chunk_size=chunk_size, reduction="none")
    out = loss(labels, x)
    expected = F.cross_entropy(x, labels, ignore_index=-1, label_smoothing=label_smoothing,
                               reduction="none")
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(_grad(out, x), _grad(expected, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_chunked_equals_unchunked_through_the_loss_machinery(reduction, weighted):
    labels, x = _inputs(ignore=True)
    weights = torch.linspace(0.2, 2.0, ROWS, dtype=torch.float64) if weighted else None
    kwargs = {"from_logits": True, "ignore_class": -1, "label_smoothing": 0.1,
              "reduction": reduction}
    chunked = al.SparseCategoricalCrossentropy(chunk_size=5, **kwargs)(labels, x, weights)
    plain = al.SparseCategoricalCrossentropy(**kwargs)(labels, x, weights)
    torch.testing.assert_close(chunked, plain, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(_grad(chunked, x), _grad(plain, x), rtol=1e-12, atol=1e-12)


def test_chunked_matches_keras_values():
    import keras

    labels, x = _inputs(ignore=True)
    ours = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, chunk_size=3)(
        labels, x)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
        labels.numpy(), x.detach().numpy())
    assert_close(ours.detach(), np.asarray(theirs), rtol=1e-6)  # Keras computes in float32


def test_chunked_class_axis_and_rank_3():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, CLASSES, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, CLASSES, (2, 5), generator=gen)
    out = al.sparse_categorical_crossentropy(labels, x, from_logits=True, axis=1, chunk_size=3)
    expected = F.cross_entropy(x, labels, reduction="none")  # F's class axis is 1
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(_grad(out, x), _grad(expected, x))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_chunked_half_logits_compute_in_float32(dtype):
    labels, x = _inputs(dtype)
    out = al.sparse_categorical_crossentropy(labels, x, from_logits=True, chunk_size=4)
    grad = _grad(out, x)
    assert out.dtype == torch.float32 and grad.dtype == dtype
    x32 = x.detach().float().requires_grad_(True)
    expected = F.cross_entropy(x32, labels, reduction="none")
    torch.testing.assert_close(out, expected, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(grad.float(), _grad(expected, x32).to(dtype).float())


@pytest.mark.parametrize("labels_from", ["torch", "numpy", "generic"])
def test_backward_keeps_only_the_logits_and_one_value_per_row(labels_from):
    # The memory design: the autograd node saves the input logits themselves (no copy, no
    # softmax) and per-row log-sum-exps, nothing else of the logits' size; on the fast path,
    # with NumPy labels (converted on the array-API path), and with that path forced.
    labels, x = _inputs(torch.float32)
    if labels_from == "numpy":
        labels = labels.numpy()
    with B.generic_only() if labels_from == "generic" else B.value_checks("auto"):
        out = al.SparseCategoricalCrossentropy(from_logits=True, chunk_size=4)(labels, x)
    saved = chunked_node(out).saved_tensors
    big = [t for t in saved if t.numel() == x.numel()]
    assert len(big) == 1 and big[0].data_ptr() == x.data_ptr()
    assert sorted(t.numel() for t in saved if t.numel() != x.numel()) == [ROWS, ROWS]


@pytest.mark.parametrize("grad_backend", ["numpy", "jax"])
def test_other_backends_give_the_same_numbers(grad_backend):
    labels, x = _inputs()
    xp = pytest.importorskip("jax.numpy") if grad_backend == "jax" else np
    out = al.SparseCategoricalCrossentropy(from_logits=True, chunk_size=4)(
        xp.asarray(labels.numpy()), xp.asarray(x.detach().numpy()))
    expected = F.cross_entropy(x.detach(), labels)
    assert_close(np.asarray(out), float(expected), rtol=1e-6)


def test_chunk_size_in_config_and_round_trip():
    loss = al.SparseCategoricalCrossentropy(from_logits=True, chunk_size=256)
    config = loss.get_config()
    assert config["chunk_size"] == 256
    again = al.deserialize(al.serialize(loss))
    assert isinstance(again, al.SparseCategoricalCrossentropy) and again.chunk_size == 256
    assert al.SparseCategoricalCrossentropy().get_config()["chunk_size"] is None


@pytest.mark.parametrize("chunk_size", [0, -3, 2.5, True, "64"])
def test_invalid_chunk_size_raises(chunk_size):
    with pytest.raises(ValueError, match="`chunk_size` must be a positive int"):
        al.SparseCategoricalCrossentropy(from_logits=True, chunk_size=chunk_size)
    labels, x = _inputs()
    with pytest.raises(ValueError, match="`chunk_size` must be a positive int"):
        al.sparse_categorical_crossentropy(labels, x, from_logits=True, chunk_size=chunk_size)


def test_chunk_size_needs_logits():
    with pytest.raises(ValueError, match="needs from_logits=True"):
        al.SparseCategoricalCrossentropy(chunk_size=8)
    labels, x = _inputs()
    with pytest.raises(ValueError, match="needs from_logits=True"):
        al.sparse_categorical_crossentropy(labels, torch.softmax(x, -1), chunk_size=8)


def test_chunked_compiles_without_graph_breaks():
    labels, x = _inputs(torch.float32)
    loss = al.SparseCategoricalCrossentropy(from_logits=True, chunk_size=4)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(_grad(compiled(labels, x), x), _grad(loss(labels, x), x))
