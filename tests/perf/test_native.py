"""torch fast paths (backend/_torch_kernels.py): taken where they cover the arguments, equal to
the array-API path and to Keras 3, values and gradients; the array-API path everywhere else.

References: the array-API path (``backend.generic_only()``), Keras 3.15 on its numpy backend in
float64 (values, and gradients by central differences of those values), and
``torch.nn.functional`` where a test says so.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from tests.perf import _keras_torch

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = ("none", "sum", "sum_over_batch_size", "mean_with_sample_weight")


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def make_inputs(kind: str, shape: tuple[int, ...] = (6, 5),
                axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) in float64 (integer labels for the sparse kinds), seeded."""
    rng = np.random.default_rng(sum(map(ord, kind)))
    x = rng.normal(size=shape)
    label_shape = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
    classes = shape[axis]
    if kind == "regression":
        t = rng.normal(size=shape)
        t[1] = x[1] + 0.25  # Huber's quadratic branch; the rest mostly linear at delta 0.5
        return t, x
    if kind == "zero_row":
        t = rng.normal(size=shape)
        t[2] = 0.0  # cosine of a zero vector is 0
        return t, x
    if kind == "positive":
        return rng.poisson(2.0, shape).astype(float), rng.uniform(0.2, 3.0, shape)
    if kind == "distribution":
        return _softmax(rng.normal(size=shape)), _softmax(x)
    if kind == "binary":
        return rng.integers(0, 2, shape).astype(float), x
    if kind == "binary_probs":
        return rng.integers(0, 2, shape).astype(float), 1.0 / (1.0 + np.exp(-x))
    if kind == "soft":
        return _softmax(rng.normal(size=shape), axis), x
    if kind == "soft_probs":
        return _softmax(rng.normal(size=shape)), _softmax(x) * 1.3  # renormalised inside
    if kind == "sparse":
        return rng.integers(0, classes, label_shape), x
    if kind == "sparse_probs":
        return rng.integers(0, classes, label_shape), _softmax(x)
    if kind == "sparse_ignore":
        labels = rng.integers(0, classes, label_shape)
        labels.reshape(-1)[::3] = -1
        return labels, x
    if kind == "ctc":
        labels = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [5, 5, 5, 5]])
        return labels, rng.normal(size=(3, 12, 6))
    if kind == "ctc_no_alignment":  # the last row needs 7 frames, not there in 6
        labels = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [5, 5, 5, 5]])
        return labels, rng.normal(size=(3, 6, 6))
    if kind == "log_distribution":  # probabilities (some exactly 0), log-probabilities
        t = _softmax(rng.normal(size=shape))
        t.reshape(-1)[::4] = 0.0
        return t, np.log(_softmax(x))
    if kind == "log_pair":  # log-probabilities both
        return np.log(_softmax(rng.normal(size=shape))), np.log(_softmax(x))
    if kind == "masked":  # soft targets, logits -inf (masked) where the target is 0
        t = _softmax(rng.normal(size=shape))
        t.reshape(-1)[::3] = 0.0
        return t / t.sum(-1, keepdims=True), np.where(t == 0, -np.inf, x)
    if kind == "pairs":  # -1/1 labels, one per pair; the items stacked on axis 1
        return np.where(rng.random(shape[0]) < 0.5, -1.0, 1.0), x
    if kind == "pairs01":  # 0/1 pair labels, read as -1/1
        return np.where(rng.random(shape[0]) < 0.5, 0.0, 1.0), x
    if kind == "signed":  # -1/1 labels of y_pred's shape
        return np.where(rng.random(shape) < 0.5, -1.0, 1.0), x
    if kind == "label_lists":  # each row's target classes, padded with -1
        labels = np.full(shape, -1, np.int64)
        for row in range(shape[0]):
            count = row % (classes + 1)
            labels[row, :count] = rng.permutation(classes)[:count]
        return labels, x
    if kind == "embedding":  # integer labels, repeated (anchors, positives, negatives)
        return rng.integers(0, 3, shape[0]), x
    if kind == "triplets":  # y_true unused
        return np.zeros(shape[0]), x
    if kind == "counts":  # Poisson counts (0, 1 and more: the Stirling term), log-rates
        return rng.poisson(2.0, shape).astype(float), x
    if kind == "mean_variance":  # y_pred = concat([means, variances], -1), one below eps
        variances = rng.uniform(0.2, 3.0, (*shape[:-1], shape[-1] // 2))
        variances.reshape(-1)[::7] = 1e-8
        mean = x[..., : shape[-1] // 2]
        return rng.normal(size=mean.shape), np.concatenate([mean, variances], axis=-1)
    if kind == "variances":  # every variance above eps: no clamp
        variances = rng.uniform(0.2, 3.0, (*shape[:-1], shape[-1] // 2))
        mean = x[..., : shape[-1] // 2]
        return rng.normal(size=mean.shape), np.concatenate([mean, variances], axis=-1)
    raise ValueError(kind)


@dataclass
class Case:
    cls: str
    kwargs: dict[str, Any]
    inputs: str
    kernel: str
    shape: tuple[int, ...] = (6, 5)
    # Keras 3.15 lacks or differs in a few arguments; the reference is then Keras on inputs
    # rewritten to the same meaning: "moved" = the class axis moved last (Keras does not honour
    # another axis everywhere), "onehot" = sparse label smoothing as CCE on one-hot labels
    # (Keras 3.15 SparseCategoricalCrossentropy has no label_smoothing), "none" = no Keras
    # counterpart (a catalogue loss: tests/catalogue compares it with its peer).
    keras: str = ""
    id: str = field(default="")

    @property
    def axis(self) -> int:
        axis = self.kwargs.get("axis", -1)
        return axis if isinstance(axis, int) else -1  # kl_div's axis=(): classes last

    def inputs_np(self) -> tuple[np.ndarray, np.ndarray]:
        return make_inputs(self.inputs, self.shape, self.axis)

    def keras_request(self, y_true: np.ndarray, y_pred: np.ndarray, reduction: str,
                      weights: np.ndarray | None) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        if self.keras == "moved":
            kwargs.pop("axis")
            if y_true.ndim == y_pred.ndim:
                y_true = np.moveaxis(y_true, self.axis, -1)
            y_pred = np.moveaxis(y_pred, self.axis, -1)
            if weights is not None and weights.ndim == y_pred.ndim - 1 and self.axis == 0:
                weights = weights.T
        cls = self.cls
        if self.keras == "onehot":
            cls = "CategoricalCrossentropy"
            y_true = np.eye(y_pred.shape[-1])[y_true]
        return {"cls": cls, "kwargs": kwargs, "y_true": y_true.tolist(),
                "y_pred": y_pred.tolist(), "reduction": reduction,
                "sample_weight": None if weights is None else weights.tolist()}

    def keras_grad(self, grad: np.ndarray) -> np.ndarray:
        return np.moveaxis(grad, -1, self.axis) if self.keras == "moved" else grad


#: LinearCrossEntropy's layer: weight (5 classes, 5 features) and bias, float64 tensors.
_LAYER = (torch.from_numpy(np.random.default_rng(7).normal(size=(5, 5))),
          torch.from_numpy(np.random.default_rng(8).normal(size=5)))

CASES = [
    Case("MeanSquaredError", {}, "regression", "mean_squared_error"),
    Case("MeanSquaredError", {}, "regression", "mean_squared_error", shape=(2, 3, 4)),
    Case("MeanAbsoluteError", {}, "regression", "mean_absolute_error"),
    Case("Huber", {"delta": 0.5}, "regression", "huber"),
    Case("Poisson", {}, "positive", "poisson"),
    Case("CosineSimilarity", {}, "zero_row", "cosine_similarity"),
    Case("CosineSimilarity", {"axis": 0}, "zero_row", "cosine_similarity", keras="moved"),
    Case("KLDivergence", {}, "distribution", "kl_divergence"),
    Case("BinaryCrossentropy", {"from_logits": True}, "binary", "binary_crossentropy"),
    Case("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2, "axis": 0},
         "binary", "binary_crossentropy"),
    Case("BinaryCrossentropy", {"from_logits": False, "label_smoothing": 0.1}, "binary_probs",
         "binary_crossentropy"),
    Case("CategoricalCrossentropy", {"from_logits": True}, "soft", "categorical_crossentropy"),
    Case("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "soft",
         "categorical_crossentropy", shape=(2, 3, 5)),
    Case("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1, "axis": 1},
         "soft", "categorical_crossentropy", shape=(2, 5, 3), keras="moved"),
    Case("CategoricalCrossentropy", {"from_logits": False, "label_smoothing": 0.1},
         "soft_probs", "categorical_crossentropy"),
    Case("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse",
         "sparse_categorical_crossentropy"),
    Case("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse",
         "sparse_categorical_crossentropy", shape=(2, 3, 5)),
    Case("SparseCategoricalCrossentropy", {"from_logits": True, "axis": 1}, "sparse",
         "sparse_categorical_crossentropy", shape=(2, 5, 3), keras="moved"),
    Case("SparseCategoricalCrossentropy", {"from_logits": False}, "sparse_probs",
         "sparse_categorical_crossentropy"),
    Case("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1},
         "sparse_ignore", "sparse_categorical_crossentropy"),
    Case("SparseCategoricalCrossentropy", {"from_logits": False, "ignore_class": 2}, "sparse",
         "sparse_categorical_crossentropy"),
    Case("SparseCategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
         "sparse", "sparse_categorical_crossentropy", keras="onehot"),
    Case("SparseCategoricalCrossentropy", {"from_logits": False, "label_smoothing": 0.2},
         "sparse_probs", "sparse_categorical_crossentropy", keras="onehot"),
    Case("CTC", {}, "ctc", "ctc"),
    # Margin losses, explicit pairs and triplets (peers: tests/catalogue/test_margins.py).
    Case("MultiMargin", {}, "sparse", "multi_margin", keras="none"),
    Case("MultiMargin", {"p": 2, "margin": 0.5, "weight": [0.5, 1.0, 2.0, 0.0, 1.5]}, "sparse",
         "multi_margin", keras="none"),
    Case("SoftMargin", {}, "binary", "soft_margin", keras="none"),
    Case("SoftMargin", {}, "signed", "soft_margin", keras="none"),
    Case("SoftMargin", {}, "regression", "soft_margin", keras="none"),  # labels left as they are
    Case("CosineEmbedding", {"margin": 0.2}, "pairs", "cosine_embedding", shape=(6, 2, 5),
         keras="none"),
    Case("CosineEmbedding", {"margin": 0.2}, "pairs01", "cosine_embedding", shape=(6, 2, 5),
         keras="none"),
    Case("MarginRanking", {"margin": 0.5}, "pairs", "margin_ranking", shape=(6, 2),
         keras="none"),
    Case("MarginRanking", {"margin": 0.5}, "pairs01", "margin_ranking", shape=(6, 2),
         keras="none"),
    Case("TripletMargin", {"swap": True, "p": 1.5}, "triplets", "triplet_margin",
         shape=(6, 3, 5), keras="none"),
    Case("HingeEmbedding", {}, "signed", "hinge_embedding", keras="none"),
    Case("HingeEmbedding", {"margin": 0.5}, "binary", "hinge_embedding", keras="none"),
    Case("HingeEmbedding", {"margin": 2.0}, "signed", "hinge_embedding", shape=(2, 3, 4),
         keras="none"),
    Case("MultiLabelMargin", {}, "label_lists", "multilabel_margin", keras="none"),
    # torch's regression losses (peers: tests/catalogue/test_regression.py).
    Case("SmoothL1", {"beta": 0.5}, "regression", "smooth_l1", keras="none"),
    Case("SmoothL1", {"beta": 0.0}, "regression", "smooth_l1", shape=(2, 3, 4), keras="none"),
    Case("PoissonNLL", {"full": True}, "counts", "poisson_nll", keras="none"),
    Case("PoissonNLL", {"log_input": False, "full": True}, "positive", "poisson_nll",
         keras="none"),
    Case("GaussianNLL", {"full": True}, "mean_variance", "gaussian_nll", shape=(6, 10),
         keras="none"),
    Case("GaussianNLL", {}, "variances", "gaussian_nll", shape=(6, 10), keras="none"),
    # optax's regression losses (peers: tests/catalogue/test_regression.py).
    Case("HalfSquaredError", {}, "regression", "half_squared_error", keras="none"),
    Case("HalfSquaredError", {}, "regression", "half_squared_error", shape=(2, 3, 4),
         keras="none"),
    Case("CosineDistance", {}, "regression", "cosine_distance", keras="none"),
    Case("CosineDistance", {"axis": 0}, "regression", "cosine_distance", keras="none"),
    # torch's classification losses (peers: tests/catalogue/test_probabilistic.py).
    Case("NLL", {}, "sparse", "nll", keras="none"),
    Case("NLL", {"ignore_class": -1}, "sparse_ignore", "nll", keras="none"),
    # torch's ignore_index=-100 where no label is -100 (F's reduction), and an ignore_class
    # within [0, C) (the mask).
    Case("NLL", {"ignore_class": -100}, "sparse", "nll", keras="none"),
    Case("NLL", {"ignore_class": -100, "axis": 1}, "sparse", "nll", shape=(2, 5, 3),
         keras="none"),
    Case("NLL", {"ignore_class": 2}, "sparse", "nll", keras="none"),
    Case("NLL", {"axis": 1}, "sparse", "nll", shape=(2, 5, 3), keras="none"),
    Case("MultiLabelSoftMargin", {}, "binary", "multilabel_soft_margin", keras="none"),
    Case("MultiLabelSoftMargin", {"weight": [0.5, 1.0, 2.0, 0.0, 1.5]}, "binary",
         "multilabel_soft_margin", keras="none"),
    Case("KLDiv", {}, "log_distribution", "kl_div", keras="none"),
    Case("KLDiv", {"axis": ()}, "log_distribution", "kl_div", keras="none"),
    Case("KLDiv", {"axis": 0}, "log_distribution", "kl_div", keras="none"),
    Case("KLDiv", {"log_target": True}, "log_pair", "kl_div", keras="none"),
    Case("KLDiv", {"log_target": True, "axis": ()}, "log_pair", "kl_div", shape=(2, 3, 4),
         keras="none"),
    Case("KLDiv", {}, "log_distribution", "kl_div", shape=(2, 3, 4), keras="none"),
    # CTC's torch.nn.CTCLoss arguments (peers: tests/catalogue/test_sequence.py).
    Case("CTC", {"divide_by_label_length": True}, "ctc", "ctc", keras="none"),
    Case("CTC", {"divide_by_label_length": True, "zero_infinity": True}, "ctc_no_alignment",
         "ctc", keras="none"),
    # -inf logits (masked classes) with zero targets: optax.safe_softmax_cross_entropy.
    Case("CategoricalCrossentropy", {"from_logits": True}, "masked", "categorical_crossentropy",
         keras="none"),
    # Catalogue losses written with fewer full-size passes (peers: tests/catalogue).
    Case("SigmoidFocal", {}, "binary", "sigmoid_focal", keras="none"),
    Case("SigmoidFocal", {"alpha": None, "gamma": 1.0, "class_reduction": "none"},
         "distribution", "sigmoid_focal", keras="none"),  # soft labels
    Case("Asymmetric", {}, "binary", "asymmetric", keras="none"),
    Case("Asymmetric", {"gamma_neg": 2.0, "clip": None, "label_smoothing": 0.1,
                        "class_reduction": "mean"}, "distribution", "asymmetric", keras="none"),
    Case("Contrastive", {}, "embedding", "contrastive", shape=(8, 5), keras="none"),
    Case("Contrastive", {"squared": False, "normalize": True, "pos_margin": -0.1,
                         "aggregation": "nonzero_pairs"}, "embedding", "contrastive",
         shape=(8, 5), keras="none"),
    Case("NPairs", {}, "embedding", "npairs", shape=(8, 5), keras="none"),
    Case("NPairs", {"normalize": True}, "embedding", "npairs", shape=(8, 5), keras="none"),
    # A loss owning its layer: the kernel takes the weight (peers: test_linear_ce.py).
    Case("LinearCrossEntropy", {"weight": _LAYER[0], "bias": _LAYER[1], "ignore_class": -1,
                                "label_smoothing": 0.1}, "sparse_ignore",
         "sparse_linear_cross_entropy", keras="none"),
    Case("LinearCrossEntropy", {"weight": _LAYER[0]}, "sparse", "sparse_linear_cross_entropy",
         shape=(2, 3, 5), keras="none"),
]
for _case in CASES:
    _case.id = re.sub(r"[^\w.-]", "", "_".join(
        [_case.cls, *(f"{k}{v}" for k, v in _case.kwargs.items()),
         "x".join(map(str, _case.shape)), _case.inputs]))


def _weights(case: Case) -> np.ndarray:
    """One weight per per-sample value (Keras 3.15 cannot broadcast fewer axes: D4)."""
    y_true, y_pred = case.inputs_np()
    with B.generic_only():
        shape = tuple(getattr(al, case.cls)(reduction="none", **case.kwargs)(
            torch.from_numpy(y_true), torch.from_numpy(y_pred)).shape)
    return np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape)


@pytest.fixture(scope="module")
def keras_refs(tmp_path_factory: pytest.TempPathFactory
               ) -> dict[tuple[str, str, bool], dict[str, np.ndarray]]:
    """Keras 3 (torch backend, float32) value and gradient for every case and reduction."""
    keys, requests = [], []
    for case in (c for c in CASES if c.keras != "none"):
        y_true, y_pred = case.inputs_np()
        for reduction, weighted in [*((r, False) for r in REDUCTIONS),
                                    ("sum_over_batch_size", True)]:
            keys.append((case.id, reduction, weighted))
            requests.append(case.keras_request(y_true, y_pred, reduction,
                                               _weights(case) if weighted else None))
    # One Keras process per session: xdist workers share their base temp's parent.
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    answers = _keras_torch.run_shared(requests, shared)
    return {key: {"value": np.asarray(a["value"]),
                  "grad": CASES_BY_ID[key[0]].keras_grad(np.asarray(a["grad"]))}
            for key, a in zip(keys, answers, strict=True)}


CASES_BY_ID = {c.id: c for c in CASES}


def _torch_inputs(case: Case) -> tuple[Any, Any]:
    y_true, y_pred = case.inputs_np()
    return torch.from_numpy(y_true), torch.from_numpy(y_pred).requires_grad_(True)


def _value_and_grad(loss: Any, y_true: Any, x: Any, **kwargs: Any) -> tuple[Any, Any]:
    out = loss(y_true, x, **kwargs)
    (grad,) = torch.autograd.grad(out.sum(), x)
    return out.detach(), grad


def _assert_keras(ref: dict[str, np.ndarray] | None, value: Any, grad: Any) -> None:
    if ref is None:  # keras="none": no Keras counterpart
        return
    # Keras computes in float32: its precision, not ours, sets the tolerance.
    np.testing.assert_allclose(value.numpy(), ref["value"], rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(grad.numpy(), ref["grad"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fast_path_equals_array_api_path_and_keras(case, reduction, spy, keras_refs):
    y_true, x = _torch_inputs(case)
    loss = getattr(al, case.cls)(reduction=reduction, **case.kwargs)
    value, grad = _value_and_grad(loss, y_true, x)
    assert spy.taken == [(case.kernel, reduction)]
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(loss, y_true, x)
    assert len(spy.taken) == 1  # the array-API path called no kernel
    assert value.dtype == generic_value.dtype == torch.float64
    assert value.shape == generic_value.shape
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), generic_grad.numpy(), rtol=1e-10, atol=1e-12)
    _assert_keras(keras_refs.get((case.id, reduction, False)), value, grad)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_weighted_call_uses_per_sample_kernel(case, spy, keras_refs):
    # Sample weights go through the normal reduction; the per-sample values still come from
    # the kernel.
    y_true, x = _torch_inputs(case)
    weights = torch.from_numpy(_weights(case))
    loss = getattr(al, case.cls)(**case.kwargs)
    value, grad = _value_and_grad(loss, y_true, x, sample_weight=weights)
    assert spy.names() == {case.kernel}
    assert {r for _, r in spy.taken} <= {"none"}
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(loss, y_true, x, sample_weight=weights)
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad.numpy(), generic_grad.numpy(), rtol=1e-10, atol=1e-12)
    _assert_keras(keras_refs.get((case.id, "sum_over_batch_size", True)), value, grad)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_function_form_uses_kernel(case, spy, keras_refs):
    y_true, x = _torch_inputs(case)
    fn = getattr(al, case.cls)().fn
    value, grad = _value_and_grad(lambda t, p: fn(t, p, **case.kwargs), y_true, x)
    assert spy.names() == {case.kernel}
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(lambda t, p: fn(t, p, **case.kwargs),
                                                      y_true, x)
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), generic_grad.numpy(), rtol=1e-10, atol=1e-12)
    if "ignore_class" not in case.kwargs:  # the function has no mask: Keras' "none" values
        _assert_keras(keras_refs.get((case.id, "none", False)), value, grad)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("case", [c for c in CASES if c.shape == (6, 5)][::4],
                         ids=lambda c: c.id)
def test_dtype_policy_half_computes_in_float32(case, dtype, spy):
    y_true, x = _torch_inputs(case)
    x = x.detach().to(getattr(torch, dtype)).requires_grad_(True)
    if y_true.is_floating_point():
        y_true = y_true.to(getattr(torch, dtype))
    loss = getattr(al, case.cls)(**case.kwargs)
    value, grad = _value_and_grad(loss, y_true, x)
    assert spy.names() == {case.kernel}
    # Never below float32: float16/bfloat16 compute in float32, like Keras' default dtype policy.
    assert value.dtype == torch.float32
    assert grad.dtype == x.dtype
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(loss, y_true, x)
    assert generic_value.dtype == torch.float32
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad.float().numpy(), generic_grad.float().numpy(), rtol=1e-2,
                               atol=1e-3)


def test_loss_dtype_float64_computes_in_float64(spy):
    y_true, x = make_inputs("sparse")
    x = torch.from_numpy(x).float()
    out = al.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(
        torch.from_numpy(y_true), x)
    assert out.dtype == torch.float64
    assert spy.names() == {"sparse_categorical_crossentropy"}
    expected = F.cross_entropy(x.double(), torch.from_numpy(y_true))  # torch's own kernel
    torch.testing.assert_close(out, expected)


def test_empty_ignore_gives_zero_not_nan(spy):
    # F.cross_entropy's "mean" over no valid entry is NaN; Keras (D5) gives 0.
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    out = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(
        torch.full((4,), -1), x)
    assert spy.taken
    assert float(out.detach()) == 0.0
    (grad,) = torch.autograd.grad(out, x)
    assert torch.all(grad == 0)


# The kernels that read label or score values on the host (to skip a mask, a NaN guard or a
# clamp, or to fuse F's reduction) compute the same numbers without reading them (GPU, compile).
_READING = [c for c in CASES if c.kernel in {
    "nll", "multi_margin", "soft_margin", "cosine_embedding", "margin_ranking", "gaussian_nll",
    "hinge_embedding", "multilabel_margin", "categorical_crossentropy"}]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", _READING, ids=lambda c: c.id)
def test_kernels_that_read_values_equal_the_array_api_path_without_reading(
        case, reduction, spy, monkeypatch):
    from anyloss.backend import _torch_kernels

    monkeypatch.setattr(_torch_kernels, "_on_host", lambda x: False)
    y_true, x = _torch_inputs(case)
    loss = getattr(al, case.cls)(reduction=reduction, **case.kwargs)
    with B.value_checks("never"):
        value, grad = _value_and_grad(loss, y_true, x)
    assert spy.taken == [(case.kernel, reduction)]
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(loss, y_true, x)
    assert value.shape == generic_value.shape
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), generic_grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("make", [
    # A NaN label of a pair, a NaN score of multi_margin (F skips NaN violations), a NaN
    # variance: NaN on both paths, where F's own reduction would give a number.
    lambda: (al.CosineEmbedding(), torch.tensor([1.0, float("nan"), -1.0]),
             torch.randn(3, 2, 4, dtype=torch.float64)),
    lambda: (al.MarginRanking(), torch.tensor([1.0, float("nan"), -1.0]),
             torch.randn(3, 2, dtype=torch.float64)),
    lambda: (al.SoftMargin(), torch.tensor([[1.0, float("nan")], [0.0, 1.0]]),
             torch.randn(2, 2, dtype=torch.float64)),
    lambda: (al.MultiMargin(), torch.tensor([0, 2, 1]),
             torch.tensor([[0.5, float("nan"), 0.1], [0.2, 0.3, 0.4], [1.0, 2.5, 3.0]],
                          dtype=torch.float64)),
    lambda: (al.GaussianNLL(), torch.tensor([[0.5, 1.0]], dtype=torch.float64),
             torch.tensor([[0.1, 0.2, float("nan"), 1.0]], dtype=torch.float64)),
    lambda: (al.HingeEmbedding(), torch.tensor([[1.0, float("nan")], [-1.0, 1.0]]),
             torch.rand(2, 2, dtype=torch.float64)),
    lambda: (al.MultiLabelMargin(), torch.tensor([[0, -1, -1], [2, 1, -1], [1, -1, -1]]),
             torch.tensor([[0.5, float("nan"), 0.1], [0.2, 0.3, 0.4], [1.0, 2.5, 3.0]],
                          dtype=torch.float64)),
    # A NaN logit beside a -inf one: the floored recomputation keeps the NaN.
    lambda: (al.CategoricalCrossentropy(from_logits=True),
             torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], dtype=torch.float64),
             torch.tensor([[-float("inf"), float("nan"), 0.1], [0.2, 0.3, -float("inf")]],
                          dtype=torch.float64)),
], ids=["cosine_embedding", "margin_ranking", "soft_margin", "multi_margin", "gaussian_nll",
        "hinge_embedding", "multilabel_margin", "categorical_crossentropy"])
def test_nan_inputs_give_nan_on_both_paths(make, reduction, spy):
    loss, y_true, y_pred = make()
    loss.reduction = reduction
    x = y_pred.clone().requires_grad_(True)
    value, grad = _value_and_grad(loss, y_true, x)
    assert spy.taken == [(loss.builtin.name, reduction)]
    with B.generic_only():
        generic_value, generic_grad = _value_and_grad(loss, y_true, x)
    assert torch.isnan(value).any()
    np.testing.assert_allclose(value.numpy(), generic_value.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), generic_grad.numpy(), rtol=1e-10, atol=1e-12)


# --- where the kernels step aside ----------------------------------------------------------

def test_numpy_labels_take_the_array_api_path(spy):
    y_true, x = make_inputs("sparse")
    expected = F.cross_entropy(torch.from_numpy(x), torch.from_numpy(y_true))
    out = al.sparse_categorical_crossentropy(y_true, torch.from_numpy(x), from_logits=True)
    assert spy.declined == [("sparse_categorical_crossentropy", "none")] and not spy.taken
    torch.testing.assert_close(out.mean(), expected)
    # A Loss converts the labels first, then the per-sample kernel applies.
    out = al.SparseCategoricalCrossentropy(from_logits=True)(y_true, torch.from_numpy(x))
    assert spy.declined[-1] == ("sparse_categorical_crossentropy", "sum_over_batch_size")
    assert spy.taken == [("sparse_categorical_crossentropy", "none")]
    torch.testing.assert_close(out, expected)


def test_rank_alignment_takes_the_array_api_path(spy):
    # (N,) against (N, 1) needs Keras' squeeze/expand; the kernel wants equal shapes.
    y_true, x = torch.rand(6, dtype=torch.float64), torch.rand(6, 1, dtype=torch.float64)
    out = al.MeanSquaredError()(y_true, x)
    assert spy.declined == [("mean_squared_error", "sum_over_batch_size")]
    assert spy.taken == [("mean_squared_error", "none")]  # after the alignment
    torch.testing.assert_close(out, ((y_true - x[:, 0]) ** 2).mean())


def test_cosine_distance_with_epsilon_takes_the_array_api_path(spy):
    # F.cosine_similarity clamps each norm outside autograd: optax' clip of the squared norm at
    # epsilon > 0 has another gradient below it.
    y_true, x = make_inputs("regression")
    x[0] *= 1e-4
    out = al.CosineDistance(epsilon=1e-4)(torch.from_numpy(y_true), torch.from_numpy(x))
    assert spy.declined[0] == ("cosine_distance", "sum_over_batch_size") and not spy.taken
    norms = np.sqrt(np.maximum((x**2).sum(-1), 1e-4) * np.maximum((y_true**2).sum(-1), 1e-4))
    np.testing.assert_allclose(float(out), np.mean(1.0 - (x * y_true).sum(-1) / norms),
                               rtol=1e-12)


def test_half_loss_dtype_takes_the_array_api_path(spy):
    y_true, x = make_inputs("regression")
    out = al.MeanSquaredError(dtype="float16")(torch.from_numpy(y_true), torch.from_numpy(x))
    assert spy.declined == [("mean_squared_error", "sum_over_batch_size")]
    assert out.dtype == torch.float16  # Keras: the loss' dtype policy
    torch.testing.assert_close(out, ((torch.from_numpy(x) - torch.from_numpy(y_true)) ** 2)
                               .mean().half())


def test_single_class_cce_warns_on_the_array_api_path(spy):
    x = torch.randn(4, 1)
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        al.CategoricalCrossentropy(from_logits=True)(torch.ones(4, 1), x)
    assert not spy.taken and spy.declined


def test_ctc_with_a_zero_between_labels_raises_on_both_paths(spy):
    # Keras would score the first label_length entries, [1, 0], i.e. the blank as a label.
    y_true, x = torch.tensor([[1, 2, 0, 0], [1, 0, 2, 0]]), torch.randn(2, 8, 4)
    for generic in (False, True):
        path = B.generic_only() if generic else contextlib.nullcontext()
        with path, pytest.raises(ValueError, match=r"row 1 of `y_true` has the blank 0 before"):
            al.CTC()(y_true, x)
    assert not spy.taken


def test_ctc_without_value_checks_takes_the_array_api_path(spy):
    # The padding layout is read from the label values; without value checks (e.g. on a GPU)
    # the recursion, which needs no values, is used.
    y_true, x = make_inputs("ctc")
    with B.value_checks("never"):
        out = al.CTC()(torch.from_numpy(y_true), torch.from_numpy(x))
    assert not spy.taken
    with B.generic_only():
        torch.testing.assert_close(out, al.CTC()(torch.from_numpy(y_true), torch.from_numpy(x)))
    assert spy.declined


def test_user_subclass_overriding_call_is_never_bypassed(spy):
    class Doubled(al.MeanSquaredError):
        def call(self, y_true: Any, y_pred: Any) -> Any:
            return 2.0 * super().call(y_true, y_pred)

    y_true, x = torch.zeros(3, 2), torch.ones(3, 2)
    assert float(Doubled()(y_true, x)) == 2.0
    assert spy.taken == [("mean_squared_error", "none")]  # only inside super().call


def test_keras_mask_on_y_pred_takes_the_generic_reduction(spy):
    y_true, x = torch.zeros(3, 2), torch.ones(3, 2)
    x._keras_mask = torch.tensor([True, True, False])
    assert float(al.MeanSquaredError(reduction="sum")(y_true, x)) == 2.0
    assert spy.taken == [("mean_squared_error", "none")]


def test_invalid_arguments_raise_the_array_api_errors(spy):
    loss = al.LossFunctionWrapper(al.binary_crossentropy, label_smoothing=2.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        loss(torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="axis"):
        al.CategoricalCrossentropy(axis=5)(torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="same shape"):
        al.MeanSquaredError()(torch.zeros(2, 3), torch.zeros(2, 2))
    assert not spy.taken


@pytest.mark.parametrize("generic", [False, True])
def test_label_errors_are_the_same_on_both_paths(generic, spy):
    x = torch.randn(3, 4)
    context = B.generic_only() if generic else B.value_checks("auto")
    loss = al.SparseCategoricalCrossentropy(from_logits=True)
    with context:
        with pytest.raises(ValueError, match=r"holds the label 7, outside \[0, 4\)"):
            loss(torch.tensor([0, 7, 1]), x)
        with pytest.raises(ValueError, match=r"holds the label -100, outside"):
            loss(torch.tensor([0, -100, 1]), x)  # F.cross_entropy would ignore -100 silently
        with pytest.raises(ValueError, match=r"non-integer values \(e.g. 1.5\)"):
            loss(torch.tensor([0.0, 1.5, 1.0]), x)
        with pytest.raises(TypeError, match="boolean"):
            al.sparse_categorical_crossentropy(torch.tensor([True, False, True]), x)
        with pytest.raises(ValueError, match="ctc: `y_true` holds the label 9"):
            al.CTC()(torch.tensor([[1, 9]]), torch.randn(1, 5, 4))
        # The multi_margin kernel lets F find bad labels, then names them as the formula does.
        for bad in (4, -1):
            with pytest.raises(ValueError, match=rf"multi_margin.*holds the label {bad}, outside"):
                al.MultiMargin()(torch.tensor([0, bad, 1]), x)
    assert not spy.taken


def test_float_labels_with_whole_values_use_the_kernel(spy):
    x = torch.randn(3, 4, dtype=torch.float64)
    out = al.SparseCategoricalCrossentropy(from_logits=True)(torch.tensor([0.0, 3.0, 1.0]), x)
    assert spy.taken
    torch.testing.assert_close(out, F.cross_entropy(x, torch.tensor([0, 3, 1])))


def test_generic_only_restores_dispatch():
    with B.generic_only():
        with B.generic_only():
            pass
        assert not B.torch_kernels_apply(torch.zeros(2))
    assert B.torch_kernels_apply(torch.zeros(2))


# --- torch.compile -------------------------------------------------------------------------

@pytest.mark.parametrize("make_loss", [
    lambda: al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
    lambda: al.MeanSquaredError(),
    lambda: al.CategoricalGeneralizedCrossEntropy(),  # array-API path with a label check
], ids=["sparse_ce", "mse", "generalized_ce"])
def test_dispatch_compiles_without_graph_breaks(make_loss):
    loss = make_loss()
    x = torch.rand(8, 5, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 3, 4, -1, 0, 1]) if isinstance(
        loss, al.SparseCategoricalCrossentropy) else torch.tensor([0, 1, 2, 3, 4, 0, 1, 2])
    y_true = x.detach() * 0.5 if isinstance(loss, al.MeanSquaredError) else labels
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    (grad,) = torch.autograd.grad(compiled(y_true, x), x)
    (expected,) = torch.autograd.grad(loss(y_true, x), x)
    torch.testing.assert_close(grad, expected)


def test_every_declared_kernel_is_a_torch_kernel_with_a_case():
    from anyloss.backend import _torch_kernels
    from anyloss.losses._builtin import BUILTINS

    declared = {spec.name: spec.torch_kernel for spec in BUILTINS.values() if spec.torch_kernel}
    assert set(declared) == {c.kernel for c in CASES}  # every fast path is tested above
    for name, kernel in declared.items():
        assert kernel is getattr(_torch_kernels, name)
        assert BUILTINS[name].loss_class._kernel is kernel  # the class fuses the same kernel


_FRESH_COMPILES = {
    "squared_hinge": "loss = al.SquaredHinge(); t = torch.sign(torch.randn(8, 5))",
    # The array-API helpers of backend/_extras.py (softplus, one_hot, ...) used to ask
    # array-api-compat's lru_cached is_torch_namespace inside the trace.
    "log_cosh": "loss = al.LogCosh(); t = torch.randn(8, 5)",
    "generalized_ce": "loss = al.CategoricalGeneralizedCrossEntropy(); "
                      "t = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2])",
    "circle": "loss = al.Circle(); t = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])",
}


@pytest.mark.parametrize("setup", list(_FRESH_COMPILES.values()), ids=list(_FRESH_COMPILES))
def test_compiling_in_a_fresh_process_warns_nothing(setup):
    # The first namespace lookup used to happen inside the trace, through array-api-compat's
    # lru_cache: dynamo printed five "lru_cache-wrapped function" warnings to every user.
    script = (
        "import warnings, torch, anyloss as al\n"
        "warnings.simplefilter('always')\n"
        f"{setup}; p = torch.randn(8, 5, requires_grad=True)\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    out = torch.compile(loss, fullgraph=True, backend='aot_eager')(t, p)\n"
        "    out.backward()\n"
        "print([str(w.message)[:120] for w in seen])\n")
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(src)}, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]", proc.stdout
