"""The benchmark cases: one per built-in loss, with inputs and the reference implementations.

Each case names the anyloss/Keras class and its arguments, how to make inputs (NumPy, seeded,
so every process builds the same arrays), and the reference implementations timed against
anyloss, each computing the same number as anyloss' default ``sum_over_batch_size`` call:

- ``torch_ref(y_true, y_pred)``: the ``torch.nn.functional`` kernel where torch has one, else
  the formula written by hand in torch (also the function given to ``torch.compile``);
- ``optax_ref(y_true, y_pred)``: optax's loss where optax has it.

This module imports only NumPy at import time: the Keras workers import it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPS = 1e-7

# Shapes: (small, large). Elementwise losses 4096x1000; the two big-vocabulary
# cross-entropies 4096x32000 (a 32000-token vocabulary: where logits memory and the softmax
# dominate); CTC (batch, time, classes).
ELEMENTWISE = ((32, 10), (4096, 1000))
VOCAB = ((32, 10), (4096, 32000))
CTC_SHAPES = ((4, 20, 8), (64, 100, 32))
CIRCLE_SHAPES = ((32, 16), (1024, 128))


@dataclass
class Case:
    name: str  # anyloss function name
    cls: str  # class name in anyloss and keras.losses
    inputs: str  # kind of inputs, see make_inputs
    kwargs: dict[str, Any] = field(default_factory=dict)
    shapes: tuple[tuple[int, ...], tuple[int, ...]] = ELEMENTWISE
    native: str = "hand-written torch"  # what torch_ref is
    has_optax: bool = False
    compile_row: bool = False  # time torch.compile(anyloss) vs torch.compile(torch_ref)
    label: str = ""  # extra text after the name (e.g. the chunk size)
    chunk_size: int | None = None

    @property
    def title(self) -> str:
        return self.name + (f" ({self.label})" if self.label else "")


def shapes(case: Case, quick: bool = False) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The (small, large) shapes; ``--quick`` shrinks the 4096x32000 rows to 1024x32000."""
    if quick and case.shapes == VOCAB:
        return VOCAB[0], (1024, VOCAB[1][1])
    return case.shapes


def make_inputs(kind: str, shape: tuple[int, ...], seed: int = 0) -> dict[str, np.ndarray]:
    """``{"y_true": ..., "y_pred": ...}`` as NumPy arrays (float32 predictions)."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    if kind == "regression":
        return {"y_true": rng.normal(size=shape).astype(f32),
                "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "percentage":  # targets away from 0
        return {"y_true": rng.uniform(0.5, 2.0, shape).astype(f32),
                "y_pred": rng.normal(1.0, 0.5, shape).astype(f32)}
    if kind == "positive":
        return {"y_true": rng.poisson(2.0, shape).astype(f32),
                "y_pred": rng.uniform(0.1, 4.0, shape).astype(f32)}
    if kind == "distribution":
        return {"y_true": _softmax(rng.normal(size=shape)).astype(f32),
                "y_pred": _softmax(rng.normal(size=shape)).astype(f32)}
    if kind == "signed":
        return {"y_true": rng.choice([-1.0, 1.0], shape).astype(f32),
                "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "binary_logits":
        return {"y_true": rng.integers(0, 2, shape).astype(f32),
                "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "onehot_logits":
        labels = rng.integers(0, shape[-1], shape[:-1])
        return {"y_true": np.eye(shape[-1], dtype=f32)[labels],
                "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "sparse_logits":
        return {"y_true": rng.integers(0, shape[-1], shape[:-1]),
                "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "sparse_probs":
        return {"y_true": rng.integers(0, shape[-1], shape[:-1]),
                "y_pred": _softmax(rng.normal(size=shape)).astype(f32)}
    if kind == "segmentation":
        return {"y_true": rng.integers(0, 2, shape).astype(f32),
                "y_pred": rng.uniform(0.0, 1.0, shape).astype(f32)}
    if kind == "ctc":
        batch, time, classes = shape
        max_len = time // 5
        labels = rng.integers(1, classes, (batch, max_len))
        lengths = rng.integers(1, max_len + 1, batch)
        labels[np.arange(max_len)[None, :] >= lengths[:, None]] = 0  # 0 pads the end
        return {"y_true": labels, "y_pred": rng.normal(size=shape).astype(f32)}
    if kind == "circle":
        emb = rng.normal(size=shape)
        return {"y_true": rng.integers(0, 8, shape[0]),
                "y_pred": (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(f32)}
    msg = f"unknown input kind {kind!r}"
    raise ValueError(msg)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


CASES = [
    Case("mean_squared_error", "MeanSquaredError", "regression", native="F.mse_loss",
         has_optax=True),
    Case("mean_absolute_error", "MeanAbsoluteError", "regression", native="F.l1_loss"),
    Case("mean_absolute_percentage_error", "MeanAbsolutePercentageError", "percentage",
         compile_row=True),
    Case("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "positive",
         compile_row=True),
    Case("huber", "Huber", "regression", native="F.huber_loss", has_optax=True),
    Case("log_cosh", "LogCosh", "regression", has_optax=True, compile_row=True),
    Case("poisson", "Poisson", "positive", native="F.poisson_nll_loss"),
    Case("cosine_similarity", "CosineSimilarity", "regression", native="F.cosine_similarity",
         has_optax=True),
    Case("kl_divergence", "KLDivergence", "distribution", native="F.kl_div", has_optax=True),
    Case("hinge", "Hinge", "signed", has_optax=True, compile_row=True),
    Case("squared_hinge", "SquaredHinge", "signed", compile_row=True),
    Case("categorical_hinge", "CategoricalHinge", "onehot_logits", compile_row=True),
    Case("binary_crossentropy", "BinaryCrossentropy", "binary_logits",
         {"from_logits": True}, native="F.binary_cross_entropy_with_logits", has_optax=True),
    Case("binary_focal_crossentropy", "BinaryFocalCrossentropy", "binary_logits",
         {"from_logits": True}, has_optax=True, compile_row=True),
    Case("categorical_crossentropy", "CategoricalCrossentropy", "onehot_logits",
         {"from_logits": True}, shapes=VOCAB, native="F.cross_entropy", has_optax=True),
    Case("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", "onehot_logits",
         {"from_logits": True}, compile_row=True),
    Case("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "sparse_logits",
         {"from_logits": True}, shapes=VOCAB, native="F.cross_entropy", has_optax=True,
         compile_row=True),
    Case("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "sparse_logits",
         {"from_logits": True}, shapes=VOCAB, native="F.cross_entropy", label="chunk_size=256",
         chunk_size=256),
    Case("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy",
         "sparse_probs", compile_row=True),
    Case("dice", "Dice", "segmentation", compile_row=True),
    Case("tversky", "Tversky", "segmentation", {"alpha": 0.3, "beta": 0.7}, compile_row=True),
    Case("ctc", "CTC", "ctc", shapes=CTC_SHAPES, native="F.ctc_loss", has_optax=True),
    Case("circle", "Circle", "circle", shapes=CIRCLE_SHAPES, compile_row=True),
]

QUICK = ("mean_squared_error", "huber", "log_cosh", "binary_crossentropy",
         "sparse_categorical_crossentropy")


# --- torch references (same number as anyloss' sum_over_batch_size) -------------------------

def torch_ref(case: Case) -> Any:
    """``fn(y_true, y_pred) -> scalar`` in torch for ``case``."""
    import torch
    import torch.nn.functional as F

    name, kw = case.name, case.kwargs

    def mape(t, p):
        return 100.0 * ((t - p) / t.abs().clamp(min=EPS)).abs().mean()

    def msle(t, p):
        return (torch.log1p(p.clamp(min=EPS)) - torch.log1p(t.clamp(min=EPS))).square().mean()

    def log_cosh(t, p):
        d = p - t
        return (d + F.softplus(-2.0 * d) - math.log(2.0)).mean()

    def signed(t):  # Keras: 0/1 labels become -1/1 when every label is 0 or 1
        return torch.where((t * (t - 1.0)).abs().max() == 0, 2.0 * t - 1.0, t)

    def hinge(t, p):
        return (1.0 - signed(t) * p).clamp(min=0.0).mean()

    def squared_hinge(t, p):
        return (1.0 - signed(t) * p).clamp(min=0.0).square().mean()

    def categorical_hinge(t, p):
        pos = (t * p).sum(-1)
        neg = ((1.0 - t) * p).amax(-1)
        return (neg - pos + 1.0).clamp(min=0.0).mean()

    def binary_focal(t, p):
        prob = torch.sigmoid(p)
        bce = F.binary_cross_entropy_with_logits(p, t, reduction="none")
        p_t = t * prob + (1.0 - t) * (1.0 - prob)
        return ((1.0 - p_t).square() * bce).mean()

    def categorical_focal(t, p):
        prob = torch.softmax(p, -1)
        prob = (prob / prob.sum(-1, keepdim=True)).clamp(EPS, 1.0 - EPS)  # Keras renormalises
        return (0.25 * (1.0 - prob).square() * (-t * prob.log())).sum(-1).mean()

    def gce(t, p):
        picked = p.gather(1, t[:, None])[:, 0].clamp(min=EPS)
        return ((1.0 - picked.sqrt()) / 0.5).mean()

    def dice(t, p):
        return 1.0 - 2.0 * (t * p).sum() / (t.sum() + p.sum() + EPS)

    def tversky(t, p):
        tp = (p * t).sum()
        fp = (p * (1.0 - t)).sum()
        fn = ((1.0 - p) * t).sum()
        return 1.0 - tp / (tp + kw["alpha"] * fp + kw["beta"] * fn + EPS)

    def ctc(t, p):
        batch, time, _ = p.shape
        lengths = (t != 0).sum(1)
        return F.ctc_loss(p.log_softmax(-1).transpose(0, 1), t,
                          torch.full((batch,), time, dtype=torch.int64, device=p.device),
                          lengths, reduction="none").mean()

    def circle(t, p, gamma=80.0, margin=0.4):
        distance = (1.0 - p @ p.T).clamp(min=0.0)
        positive = t[:, None] == t[None, :]
        negative = ~positive
        positive = positive & ~torch.eye(len(t), dtype=torch.bool, device=p.device)
        w_pos = ((margin + distance) * positive).clamp(min=0.0)
        w_neg = ((1.0 + margin - distance) * negative).clamp(min=0.0)
        inf = torch.tensor(-math.inf, device=p.device)
        pos = torch.where(positive, -gamma * w_pos * (margin - distance), inf)
        neg = torch.where(negative, gamma * w_neg * (1.0 - margin - distance), inf)
        values = F.softplus(torch.logsumexp(pos, 1) + torch.logsumexp(neg, 1))
        kept = values > 0  # Keras' mask: the mean is over rows with a positive loss
        return values.sum() / kept.sum().clamp(min=1)

    refs = {
        "mean_squared_error": lambda t, p: F.mse_loss(p, t),
        "mean_absolute_error": lambda t, p: F.l1_loss(p, t),
        "mean_absolute_percentage_error": mape,
        "mean_squared_logarithmic_error": msle,
        "huber": lambda t, p: F.huber_loss(p, t, delta=1.0),
        "log_cosh": log_cosh,
        "poisson": lambda t, p: F.poisson_nll_loss(p, t, log_input=False, eps=EPS),
        "cosine_similarity": lambda t, p: -F.cosine_similarity(t, p, dim=-1, eps=EPS).mean(),
        "kl_divergence": lambda t, p: F.kl_div(p.clamp(EPS, 1.0).log(), t.clamp(EPS, 1.0),
                                               reduction="sum") / p.shape[0],
        "hinge": hinge,
        "squared_hinge": squared_hinge,
        "categorical_hinge": categorical_hinge,
        "binary_crossentropy": lambda t, p: F.binary_cross_entropy_with_logits(p, t),
        "binary_focal_crossentropy": binary_focal,
        "categorical_crossentropy": lambda t, p: F.cross_entropy(p, t),
        "categorical_focal_crossentropy": categorical_focal,
        "sparse_categorical_crossentropy": lambda t, p: F.cross_entropy(p, t),
        "categorical_generalized_cross_entropy": gce,
        "dice": dice,
        "tversky": tversky,
        "ctc": ctc,
        "circle": circle,
    }
    return refs[name]


def optax_ref(case: Case) -> Any:
    """``fn(y_true, y_pred) -> scalar`` with optax, or ``None`` where optax lacks the loss."""
    if not case.has_optax:
        return None
    import jax.numpy as jnp
    import optax

    def kl(t, p):
        return optax.kl_divergence(jnp.log(jnp.clip(p, EPS, 1.0)), jnp.clip(t, EPS, 1.0)).mean()

    def ctc(t, p):
        return optax.ctc_loss(p, jnp.zeros(p.shape[:2], p.dtype), t,
                              (t == 0).astype(p.dtype), blank_id=0).mean()

    refs = {
        "mean_squared_error": lambda t, p: optax.squared_error(p, t).mean(),
        "huber": lambda t, p: optax.huber_loss(p, t, delta=1.0).mean(),
        "log_cosh": lambda t, p: optax.log_cosh(p, t).mean(),
        "cosine_similarity": lambda t, p: -optax.cosine_similarity(p, t, epsilon=EPS).mean(),
        "kl_divergence": kl,
        # optax takes -1/1 labels; Keras' conversion of 0/1 labels is added.
        "hinge": lambda t, p: optax.hinge_loss(
            p, jnp.where(jnp.max(jnp.abs(t * (t - 1.0))) == 0, 2.0 * t - 1.0, t)).mean(),
        "binary_crossentropy": lambda t, p: optax.sigmoid_binary_cross_entropy(p, t).mean(),
        "binary_focal_crossentropy": lambda t, p: optax.sigmoid_focal_loss(p, t, gamma=2.0)
        .mean(),
        "categorical_crossentropy": lambda t, p: optax.softmax_cross_entropy(p, t).mean(),
        "sparse_categorical_crossentropy": lambda t, p:
            optax.softmax_cross_entropy_with_integer_labels(p, t).mean(),
        "ctc": ctc,
    }
    return refs[case.name]


def loss_kwargs(case: Case) -> dict[str, Any]:
    """Constructor arguments of the anyloss class (Keras' plus ``chunk_size``)."""
    kw = dict(case.kwargs)
    if case.chunk_size is not None:
        kw["chunk_size"] = case.chunk_size
    return kw
