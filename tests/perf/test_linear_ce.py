"""``linear_cross_entropy``: sparse CE of ``hidden @ weight.T + bias`` without the logits.

References: ``F.cross_entropy`` of the explicit logits (values and gradients for hidden, weight
and bias; independent of anyloss) and, for the reductions and weights, anyloss'
``SparseCategoricalCrossentropy`` on those logits (its contract).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.perf._autograd import chunked_node

torch = pytest.importorskip("torch")
F = torch.nn.functional

ROWS, HIDDEN, VOCAB = 11, 4, 9


def _inputs(ignore: bool = False, dtype: Any = torch.float64) -> tuple[Any, ...]:
    gen = torch.Generator().manual_seed(0)
    hidden = torch.randn(ROWS, HIDDEN, generator=gen, dtype=torch.float64).to(dtype)
    weight = torch.randn(VOCAB, HIDDEN, generator=gen, dtype=torch.float64).to(dtype)
    bias = torch.randn(VOCAB, generator=gen, dtype=torch.float64).to(dtype)
    labels = torch.randint(0, VOCAB, (ROWS,), generator=gen)
    if ignore:
        labels[::3] = -1
    return (hidden.requires_grad_(True), weight.requires_grad_(True), bias.requires_grad_(True),
            labels)


def _grads(out: Any, *inputs: Any) -> tuple[Any, ...]:
    return torch.autograd.grad(out, inputs)


@pytest.mark.parametrize("chunk_size", [None, 1, 4, 11, 50])  # 4: uneven last chunk
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("with_bias", [True, False])
def test_equals_f_cross_entropy_of_the_logits(chunk_size, label_smoothing, with_bias):
    hidden, weight, bias, labels = _inputs(ignore=True)
    bias = bias if with_bias else None
    out = al.linear_cross_entropy(hidden, weight, labels, bias, ignore_class=-1,
                                  label_smoothing=label_smoothing, chunk_size=chunk_size)
    logits = hidden @ weight.T + (0 if bias is None else bias)
    expected = F.cross_entropy(logits, labels, ignore_index=-1, label_smoothing=label_smoothing)
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    params = (hidden, weight) if bias is None else (hidden, weight, bias)
    for got, want in zip(_grads(out, *params), _grads(expected, *params), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["sum", "none", "mean_with_sample_weight"])
def test_reductions_and_weights_are_the_sparse_loss(reduction):
    hidden, weight, bias, labels = _inputs(ignore=True)
    weights = torch.linspace(0.5, 2.0, ROWS, dtype=torch.float64)
    out = al.linear_cross_entropy(hidden, weight, labels, bias, sample_weight=weights,
                                  ignore_class=-1, reduction=reduction, chunk_size=3)
    expected = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                reduction=reduction)(
        labels, hidden @ weight.T + bias, sample_weight=weights)
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    for got, want in zip(_grads(out.sum(), hidden, weight),
                         _grads(expected.sum(), hidden, weight), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_half_inputs_compute_in_float32():
    hidden, weight, bias, labels = _inputs(dtype=torch.bfloat16)
    out = al.linear_cross_entropy(hidden, weight, labels, bias, chunk_size=4)
    assert out.dtype == torch.float32
    grad_hidden, grad_weight = _grads(out, hidden, weight)
    assert grad_hidden.dtype == grad_weight.dtype == torch.bfloat16
    logits = hidden.float() @ weight.float().T + bias.float()
    torch.testing.assert_close(out, F.cross_entropy(logits, labels), rtol=1e-6, atol=1e-6)


def test_no_logits_sized_tensor_is_saved():
    hidden, weight, bias, labels = _inputs(dtype=torch.float32)
    out = al.linear_cross_entropy(hidden, weight, labels, bias, chunk_size=4)
    node = chunked_node(out)
    assert node is not None, "the chunked function is in the graph"
    saved = [t for t in node.saved_tensors if t is not None]
    assert saved
    assert all(t.numel() < ROWS * VOCAB for t in saved)


def test_other_backends_compute_the_same_number():
    hidden, weight, bias, labels = _inputs()
    expected = float(F.cross_entropy(hidden @ weight.T + bias, labels).detach())
    args = [t.detach().numpy() for t in (hidden, weight)] + [labels.numpy()]
    np.testing.assert_allclose(float(al.linear_cross_entropy(*args, bias.detach().numpy(),
                                                             chunk_size=4)), expected, rtol=1e-6)
    jnp = pytest.importorskip("jax.numpy")
    out = al.linear_cross_entropy(*map(jnp.asarray, args), jnp.asarray(bias.detach().numpy()))
    np.testing.assert_allclose(float(out), expected, rtol=1e-5)


def test_errors_name_the_argument():
    hidden, weight, bias, labels = _inputs()
    with pytest.raises(ValueError, match="`weight` must have shape"):
        al.linear_cross_entropy(hidden, weight.T, labels)
    with pytest.raises(ValueError, match="`bias` must have shape"):
        al.linear_cross_entropy(hidden, weight, labels, bias[:3])
    with pytest.raises(ValueError, match="`labels` must have shape"):
        al.linear_cross_entropy(hidden, weight, labels[:3])
    with pytest.raises(ValueError, match="holds the label 9, outside"):
        al.linear_cross_entropy(hidden, weight, torch.full((ROWS,), VOCAB), chunk_size=4)
    with pytest.raises(ValueError, match="chunk_size"):
        al.linear_cross_entropy(hidden, weight, labels, chunk_size=0)
