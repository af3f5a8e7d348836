"""Benchmark the catalogue's losses against the peer implementation that defines each one.

Each row builds the anyloss loss from the peer's own spelling and arguments
(``al.get("monai.losses.DiceLoss", softmax=True)`` gives the anyloss class configured with
MONAI's semantics and reduction), so both sides compute the same number; the value is checked
before timing (a mismatch is reported, and the row is not timed). Torch rows (torch.nn,
torchvision, pytorch-metric-learning, MONAI, segmentation-models-pytorch, timm) run eager, on
small and large inputs, forward and forward+backward (the gradient w.r.t. the predictions, and
ArcFace's class weights on both sides); JAX rows (optax, keras-rs on Keras' JAX backend, rax)
run both sides under ``jax.jit``. Repetitions are interleaved (``run.run_row``) and each cell is
a median; ratios come from the same run.

A row whose peer is not installed is reported as skipped, with the import error; the peer
spellings and the catalogue's losses that no row covers are listed with the reason.
``make bench-catalogue`` runs in the dev venv (torch.nn, optax, MONAI,
pytorch-metric-learning); ``make bench-catalogue-peers`` builds ``.venv-bench``, which also holds
torchvision, timm, segmentation-models-pytorch, keras-rs and rax, and runs every row there.
torchvision's compiled ops do not load beside the CPU build of torch: where ``import
torchvision`` fails, ``scripts/references/_torchvision_stub.py`` is imported first.

Targets (the same as the Keras rows of ``run.py``): small fwd+bwd <= 1.5x the peer's torch
kernel, large <= 1.15x; jitted JAX <= 1.1x the peer.

Run: ``python benchmarks/catalogue.py [--quick] [--rounds N] [--only NAME,...] [--list]
[--out FILE]`` (NAME: a loss or a peer spelling; default output
``benchmarks/RESULTS-catalogue.md``; ``--quick`` prints to stdout). Every row is timed in each
of ``--rounds`` passes (3; ``--quick``: 1): on a shared 2-core machine a cell of tens of
microseconds moved by 20-100% between single passes, and each pass missed a different handful
of targets.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import importlib
import importlib.metadata
import importlib.util
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import run as R  # noqa: E402

#: (small, large) shapes of element-wise rows.
ELEMENTWISE = ((32, 10), (4096, 1000))
#: (small, large) number of score pairs: the large one holds as many numbers as the large
#: element-wise row (4096 pairs, the element-wise rows' batch, time per-call overhead only).
SCORE_PAIRS = ((32,), (2_000_000,))
#: (small, large) (batch, dim) of embedding rows (a batch x batch similarity matrix).
EMBEDDINGS = ((32, 16), (1024, 128))
#: pytorch-metric-learning's NTXent and lifted structure losses build a (positive pairs x
#: negative pairs) matrix, about 7 batch^3 numbers here (33 GB at batch 1024, about a second
#: per call at 128): a smaller large.
PML_PAIRS = ((32, 16), (128, 128))
#: MONAI's ContrastiveLoss takes the cosine similarities through a (2 batch, 2 batch, dim)
#: broadcast (40 s a fwd+bwd call at batch 1024 on 2 cores): (views, dim), 2 views each.
MONAI_VIEWS = ((16, 16), (256, 128))
#: (small, large) (batch, dim, classes) of ArcFace rows (class weights dim x classes).
ARCFACE = ((32, 16, 10), (1024, 128, 1000))
#: (small, large) (batch, in_features, classes) of LinearCrossEntropy rows (weight classes x
#: in_features, as torch's linear layer).
LINEAR_CE = ((32, 16, 10), (1024, 128, 4000))
#: (small, large) (batch, classes, height, width) of segmentation rows.
MASKS = ((4, 3, 16, 16), (16, 4, 128, 128))
#: (small, large) (batch, height, width) of binary segmentation rows.
BINARY_MASKS = ((4, 16, 16), (16, 256, 256))
#: (small, large) number of boxes.
BOXES = ((32,), (100000,))
#: (small, large) (lists, list size).
LISTS = ((32, 10), (4096, 100))
#: (small, large) (batch, time, classes) of CTC rows (benchmarks/run.py's).
CTC = ((4, 20, 8), (64, 100, 32))
#: (small, large) (batch, classes) of multilabel rows (1 to 4 target classes each: torch's
#: kernel is O(targets x classes) per sample, the formula O(classes^2)).
LABEL_LISTS = ((32, 10), (4096, 100))

Arrays = dict[str, np.ndarray]
#: The keyword arguments of a row: fixed, or computed from its NumPy arrays (ArcFace's shapes).
Kwargs = Mapping[str, Any] | Callable[[Arrays], Mapping[str, Any]]


def _ours(loss: Any, a: Any) -> Any:
    return loss(a["true"], a["pred"])


def _ours_mean(loss: Any, a: Any) -> Any:
    """The mean of a spelling that returns per-element or per-row values, as its peer does."""
    return loss(a["true"], a["pred"]).mean()


def _ours_labels(loss: Any, a: Any) -> Any:
    """Integer labels as ``y_true`` (smp's multiclass mode)."""
    return loss(a["labels"], a["pred"])


def _ours_labels_mean(loss: Any, a: Any) -> Any:
    """Integer labels as ``y_true``, per-sample values averaged (optax' multiclass losses)."""
    return loss(a["labels"], a["pred"]).mean()


def _pred_true(peer: Any, a: Any) -> Any:
    """The peers' order: ``peer(pred, true)``."""
    return peer(a["pred"], a["true"])


def _pred_true_mean(peer: Any, a: Any) -> Any:
    return peer(a["pred"], a["true"]).mean()


@dataclass(frozen=True)
class PeerCase:
    """One row: the anyloss loss ``al.get(spelling, **kwargs)``, timed against the peer ``path``.

    ``make(rng, shape)`` gives NumPy arrays. For each size and pass both sides are built once,
    outside the timing: the anyloss loss, and the peer (``path(**peer_kwargs)`` for a loss
    class, the function with ``peer_kwargs`` bound otherwise). ``call(peer, arrays)`` and
    ``ours(loss, arrays)`` take the arrays converted to the row's library and return the scalar
    loss (``arrays["pred"]`` is the differentiated one).
    """

    loss: str  # the anyloss loss the spelling resolves to (what --only selects)
    spelling: str  # given to al.get, with kwargs
    library: str  # "torch" or "jax": where both sides run
    shapes: tuple[tuple[int, ...], tuple[int, ...]]
    make: Callable[[np.random.Generator, tuple[int, ...]], Arrays]
    path: str  # the peer: "monai.losses.DiceLoss", "optax.losses.ntxent", ...
    call: Callable[[Any, Any], Any] = _pred_true
    kwargs: Kwargs = field(default_factory=dict)
    #: The peer's arguments where they differ from ``kwargs`` (rax: no spelling of its own).
    peer_kwargs: Kwargs | None = None
    ours: Callable[[Any, Any], Any] = _ours
    #: State the two sides share, set on both before timing (ArcFace's class weights):
    #: ``tie(loss, peer, arrays)``.
    tie: Callable[[Any, Any, Any], None] | None = None
    note: str = ""  # shown after the peer's name in the table

    @property
    def native(self) -> str:
        """The peer as the table shows it: ``F.smooth_l1_loss``, ``pml.NTXentLoss``."""
        name = self.path
        for long, short in (("torch.nn.functional.", "F."), ("optax.losses.", "optax."),
                            ("segmentation_models_pytorch.losses.", "smp."),
                            ("pytorch_metric_learning.losses.", "pml."),
                            ("monai.losses.", "monai."), ("keras_rs.losses.", "keras_rs.")):
            name = name.replace(long, short)
        kwargs = self.peer_kwargs if self.peer_kwargs is not None else self.kwargs
        if isinstance(kwargs, Mapping) and kwargs:
            name += "(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
        return name + (f" {self.note}" if self.note else "")

    def arguments(self, arrays: Arrays) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(kwargs, peer_kwargs)`` for these arrays."""
        ours = self.kwargs(arrays) if callable(self.kwargs) else self.kwargs
        theirs = self.peer_kwargs if self.peer_kwargs is not None else ours
        theirs = theirs(arrays) if callable(theirs) else theirs
        return dict(ours), dict(theirs)


# --- inputs ---------------------------------------------------------------------------------


def _f32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _regression(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.normal(size=shape)), "pred": _f32(rng.normal(size=shape))}


def _signed(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.choice([-1.0, 1.0], shape)), "pred": _f32(rng.normal(size=shape))}


def _binary(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.integers(0, 2, shape)), "pred": _f32(rng.normal(size=shape))}


def _counts(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.poisson(2.0, shape)), "pred": _f32(rng.normal(size=shape))}


def _labels(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    logits = rng.normal(size=shape)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return {"true": rng.integers(0, shape[-1], shape[:-1]).astype(np.int64),
            "pred": _f32(log_probs)}


def _onehot(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """One-hot targets (``true``) and the same classes as integers (``labels``); logits."""
    labels = rng.integers(0, shape[-1], shape[:-1])
    return {"true": _f32(np.eye(shape[-1])[labels]), "labels": labels.astype(np.int64),
            "pred": _f32(rng.normal(size=shape))}


def _pairs(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    batch, dim = shape
    return {"true": _f32(rng.choice([-1.0, 1.0], batch)),
            "pred": _f32(rng.normal(size=(batch, 2, dim)))}


def _triplets(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    batch, dim = shape
    return {"true": np.zeros(batch, np.float32), "pred": _f32(rng.normal(size=(batch, 3, dim)))}


def _scores(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.choice([-1.0, 1.0], shape[0])),
            "pred": _f32(rng.normal(size=(shape[0], 2)))}


def _mean_variance(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    return {"true": _f32(rng.normal(size=shape)),
            "pred": _f32(np.concatenate([rng.normal(size=shape),
                                         rng.uniform(0.1, 2.0, shape)], -1))}


def _embeddings(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Integer labels, about 8 samples per class (every anchor has positives and negatives);
    unnormalised embeddings."""
    batch, _ = shape
    return {"true": rng.integers(0, max(2, batch // 8), batch).astype(np.int64),
            "pred": _f32(rng.normal(size=shape))}


def _views(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Two views of ``batch`` samples stacked, ``(2 batch, dim)``: row i's positive is row
    batch + i (MONAI's ContrastiveLoss(input, target) on the two halves)."""
    batch, dim = shape
    return {"true": np.tile(np.arange(batch), 2).astype(np.int64),
            "pred": _f32(rng.normal(size=(2 * batch, dim)))}


def _arcface(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Labels, embeddings and the class weights ``W`` (dim x classes) both sides are given."""
    batch, dim, classes = shape
    return {"true": rng.integers(0, classes, batch).astype(np.int64),
            "pred": _f32(rng.normal(size=(batch, dim))),
            "W": _f32(rng.normal(size=(dim, classes)))}


def _linear_ce(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Labels, hidden states and the linear layer's weight ``W`` (classes x in_features)."""
    batch, dim, classes = shape
    return {"true": rng.integers(0, classes, batch).astype(np.int64),
            "pred": _f32(rng.normal(size=(batch, dim))),
            "W": _f32(rng.normal(size=(classes, dim)) / np.sqrt(dim))}


def _masks(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Channels-first ``(batch, classes, H, W)``: one-hot masks (``true``), the same classes as
    ``(batch, H, W)`` integers (``labels``), logits (``pred``)."""
    labels = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    return {"true": _f32(np.moveaxis(np.eye(shape[1])[labels], -1, 1)),
            "labels": labels.astype(np.int64), "pred": _f32(2.0 * rng.normal(size=shape))}


def _masks_last(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """:func:`_masks` channels-last, ``(batch, H, W, classes)`` (optax)."""
    a = _masks(rng, shape)
    return {"true": _f32(np.moveaxis(a["true"], 1, -1)),
            "pred": _f32(np.moveaxis(a["pred"], 1, -1))}


def _binary_probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Binary masks and probabilities in (0.02, 0.98) (smp's MCCLoss takes probabilities)."""
    return {"true": _f32(rng.uniform(size=shape) < 0.4),
            "pred": _f32(rng.uniform(0.02, 0.98, shape))}


def _boxes(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """``(n, 4)`` xyxy boxes, 5 to 30 wide; predictions shifted and rescaled from the targets
    (most overlap, some do not)."""
    (n,) = shape
    xy, wh = rng.uniform(0.0, 100.0, (n, 2)), rng.uniform(5.0, 30.0, (n, 2))
    pred_xy, pred_wh = xy + rng.normal(0.0, 5.0, (n, 2)), wh * np.exp(rng.normal(0.0, 0.3, (n, 2)))
    return {"true": _f32(np.concatenate([xy, xy + wh], -1)),
            "pred": _f32(np.concatenate([pred_xy, pred_xy + pred_wh], -1))}


def _label_lists(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Each row's 1 to 4 target classes padded with -1 (torch's MultiLabelMarginLoss); scores."""
    batch, classes = shape
    labels = np.full(shape, -1, np.int64)
    for row, count in enumerate(rng.integers(1, 5, batch)):
        labels[row, :count] = rng.choice(classes, count, replace=False)
    return {"true": labels, "pred": _f32(rng.normal(size=shape))}


def _kl(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Target probabilities and predicted log-probabilities (torch's and optax's KL)."""
    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    return {"true": _f32(softmax(rng.normal(size=shape))),
            "pred": _f32(np.log(softmax(rng.normal(size=shape))))}


def _kl_log(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """:func:`_kl` with log-probability targets."""
    a = _kl(rng, shape)
    return {"true": _f32(np.log(a["true"])), "pred": a["pred"]}


def _ctc(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """0-padded labels (lengths 1..time/5, labels 1..classes-1), logits, and the lengths torch
    takes (every frame counts)."""
    batch, time, classes = shape
    max_len = time // 5
    labels = rng.integers(1, classes, (batch, max_len))
    lengths = rng.integers(1, max_len + 1, batch)
    labels[np.arange(max_len)[None, :] >= lengths[:, None]] = 0
    return {"true": labels.astype(np.int64), "pred": _f32(rng.normal(size=shape)),
            "input_lengths": np.full(batch, time, np.int64), "target_lengths": lengths}


def _lists(rng: np.random.Generator, shape: tuple[int, ...]) -> Arrays:
    """Graded relevance 0..4 (with ties) and scores, one list per row."""
    return {"true": _f32(rng.integers(0, 5, shape)), "pred": _f32(rng.normal(size=shape))}


# --- how the peers are called ---------------------------------------------------------------


def _pred_true_where(peer: Any, a: Any) -> Any:
    """optax's ranking losses with ``where=`` the items anyloss counts (label >= 0)."""
    return peer(a["pred"], a["true"], where=a["true"] >= 0)


def _split_pair(peer: Any, a: Any) -> Any:
    """``peer(x1, x2, target)`` (torch's pair losses) from ``pred`` of shape (batch, 2, ...)."""
    return peer(a["pred"][:, 0], a["pred"][:, 1], a["true"])


def _gaussian_nll(peer: Any, a: Any) -> Any:
    dim = a["true"].shape[-1]
    return peer(a["pred"][..., :dim], a["true"], a["pred"][..., dim:])


def _triplet(peer: Any, a: Any) -> Any:
    return peer(a["pred"][:, 0], a["pred"][:, 1], a["pred"][:, 2])


def _triplet_mean(peer: Any, a: Any) -> Any:
    return _triplet(peer, a).mean()


def _with_labels_mean(peer: Any, a: Any) -> Any:
    """``peer(pred, integer labels)`` averaged (optax' multiclass sparsemax)."""
    return peer(a["pred"], a["labels"]).mean()


def _with_labels(peer: Any, a: Any) -> Any:
    """``peer(pred, integer labels)`` (smp's multiclass mode)."""
    return peer(a["pred"], a["labels"])


def _torch_ctc(peer: Any, a: Any) -> Any:
    """torch.nn.CTCLoss on (time, batch, classes) log-probabilities of the same logits."""
    log_probs = a["pred"].log_softmax(-1).transpose(0, 1)
    return peer(log_probs, a["true"], a["input_lengths"], a["target_lengths"])


def _optax_ctc_mean(peer: Any, a: Any) -> Any:
    """optax.ctc_loss with paddings from the labels (0 pads) and no padded frame, averaged."""
    logits, labels = a["pred"], a["true"]
    zeros = 0.0 * logits[..., 0]
    return peer(logits, zeros, labels, (labels == 0).astype(logits.dtype)).mean()


def _two_views(peer: Any, a: Any) -> Any:
    half = a["pred"].shape[0] // 2
    return peer(a["pred"][:half], a["pred"][half:])


def _keras(peer: Any, a: Any) -> Any:
    """Keras' order: ``loss(y_true, y_pred)``."""
    return peer(a["true"], a["pred"])


def _rax_sum(peer: Any, a: Any) -> Any:
    import jax.numpy as jnp

    return peer(a["pred"], a["true"], reduce_fn=jnp.sum)


def _arcface_kwargs(a: Arrays) -> dict[str, Any]:
    return {"num_classes": a["W"].shape[1], "embedding_size": a["W"].shape[0]}


def _tie_arcface(loss: Any, peer: Any, a: Any) -> None:
    """Both sides get the row's class weights (pml draws its own at construction)."""
    import torch

    with torch.no_grad():
        peer.W.copy_(a["W"])
    loss.load_state_dict({"W": a["W"]})


def _linear_ce_kwargs(a: Arrays) -> dict[str, Any]:
    return {"in_features": a["W"].shape[1], "num_classes": a["W"].shape[0]}


def _tie_linear_ce(loss: Any, peer: Any, a: Any) -> None:
    """Both sides get the row's weight (torch draws its own at construction)."""
    import torch

    with torch.no_grad():
        peer.linear.weight.copy_(a["W"])
    loss.load_state_dict({"linear.weight": a["W"]})


F = "torch.nn.functional."
PML = "pytorch_metric_learning.losses."
SMP = "segmentation_models_pytorch.losses."
TV = "torchvision.ops."

CASES: list[PeerCase] = [
    # --- torch.nn (eager) ---
    PeerCase("smooth_l1", "torch.nn.SmoothL1Loss", "torch", ELEMENTWISE, _regression,
             F + "smooth_l1_loss"),
    PeerCase("poisson_nll", "torch.nn.PoissonNLLLoss", "torch", ELEMENTWISE, _counts,
             F + "poisson_nll_loss"),
    PeerCase("gaussian_nll", "torch.nn.GaussianNLLLoss", "torch", ELEMENTWISE, _mean_variance,
             F + "gaussian_nll_loss", _gaussian_nll),
    PeerCase("nll", "torch.nn.NLLLoss", "torch", ELEMENTWISE, _labels, F + "nll_loss"),
    PeerCase("multilabel_soft_margin", "torch.nn.MultiLabelSoftMarginLoss", "torch", ELEMENTWISE,
             _binary, F + "multilabel_soft_margin_loss"),
    PeerCase("soft_margin", "torch.nn.SoftMarginLoss", "torch", ELEMENTWISE, _signed,
             F + "soft_margin_loss"),
    PeerCase("multi_margin", "torch.nn.MultiMarginLoss", "torch", ELEMENTWISE, _labels,
             F + "multi_margin_loss"),
    PeerCase("cosine_embedding", "torch.nn.CosineEmbeddingLoss", "torch", EMBEDDINGS, _pairs,
             F + "cosine_embedding_loss", _split_pair),
    PeerCase("margin_ranking", "torch.nn.MarginRankingLoss", "torch", SCORE_PAIRS, _scores,
             F + "margin_ranking_loss", _split_pair),
    PeerCase("triplet_margin", "torch.nn.TripletMarginLoss", "torch", EMBEDDINGS, _triplets,
             F + "triplet_margin_loss", _triplet),
    PeerCase("kl_div", "torch.nn.KLDivLoss", "torch", ELEMENTWISE, _kl, F + "kl_div",
             kwargs={"reduction": "batchmean"}),
    PeerCase("ctc", "torch.nn.CTCLoss", "torch", CTC, _ctc, "torch.nn.CTCLoss", _torch_ctc,
             note="(log_softmax, time-major)"),
    PeerCase("triplet_margin", "torch.nn.TripletMarginWithDistanceLoss", "torch", EMBEDDINGS,
             _triplets, F + "triplet_margin_with_distance_loss", _triplet),
    PeerCase("hinge_embedding", "torch.nn.HingeEmbeddingLoss", "torch", ELEMENTWISE, _signed,
             F + "hinge_embedding_loss"),
    PeerCase("multilabel_margin", "torch.nn.MultiLabelMarginLoss", "torch", LABEL_LISTS,
             _label_lists, F + "multilabel_margin_loss"),
    # --- torchvision.ops (eager) ---
    PeerCase("sigmoid_focal", "torchvision.ops.sigmoid_focal_loss", "torch", ELEMENTWISE, _binary,
             TV + "sigmoid_focal_loss", kwargs={"reduction": "mean"}),
    PeerCase("giou", "torchvision.ops.generalized_box_iou_loss", "torch", BOXES, _boxes,
             TV + "generalized_box_iou_loss", kwargs={"reduction": "mean"}),
    PeerCase("diou", "torchvision.ops.distance_box_iou_loss", "torch", BOXES, _boxes,
             TV + "distance_box_iou_loss", kwargs={"reduction": "mean"}),
    PeerCase("ciou", "torchvision.ops.complete_box_iou_loss", "torch", BOXES, _boxes,
             TV + "complete_box_iou_loss", kwargs={"reduction": "mean"}),
    # --- timm (eager) ---
    PeerCase("asymmetric", "timm.loss.AsymmetricLossMultiLabel", "torch", ELEMENTWISE, _binary,
             "timm.loss.AsymmetricLossMultiLabel"),
    # --- pytorch-metric-learning (eager) ---
    PeerCase("contrastive", PML + "ContrastiveLoss", "torch", EMBEDDINGS, _embeddings,
             PML + "ContrastiveLoss"),
    PeerCase("lifted_structure", PML + "LiftedStructureLoss", "torch", PML_PAIRS, _embeddings,
             PML + "LiftedStructureLoss"),
    PeerCase("npairs", PML + "NPairsLoss", "torch", EMBEDDINGS, _embeddings, PML + "NPairsLoss"),
    PeerCase("ntxent", PML + "NTXentLoss", "torch", PML_PAIRS, _embeddings, PML + "NTXentLoss"),
    PeerCase("supcon", PML + "SupConLoss", "torch", EMBEDDINGS, _embeddings, PML + "SupConLoss"),
    PeerCase("multi_similarity", PML + "MultiSimilarityLoss", "torch", EMBEDDINGS, _embeddings,
             PML + "MultiSimilarityLoss"),
    PeerCase("arcface", PML + "ArcFaceLoss", "torch", ARCFACE, _arcface, PML + "ArcFaceLoss",
             kwargs=_arcface_kwargs, tie=_tie_arcface),
    PeerCase("sparse_linear_cross_entropy", "torch.nn.LinearCrossEntropyLoss", "torch",
             LINEAR_CE, _linear_ce, "torch.nn.LinearCrossEntropyLoss", call=_pred_true,
             kwargs=_linear_ce_kwargs, tie=_tie_linear_ce),
    # --- MONAI (eager; channels-first, one-hot masks, softmax over the classes) ---
    PeerCase("focal_tversky", "monai.losses.DiceLoss", "torch", MASKS, _masks,
             "monai.losses.DiceLoss", kwargs={"softmax": True}),
    PeerCase("focal_tversky", "monai.losses.DiceLoss", "torch", MASKS, _masks,
             "monai.losses.DiceLoss", kwargs={"softmax": True, "jaccard": True}),
    PeerCase("focal_tversky", "monai.losses.TverskyLoss", "torch", MASKS, _masks,
             "monai.losses.TverskyLoss", kwargs={"softmax": True, "alpha": 0.3, "beta": 0.7}),
    PeerCase("generalized_dice", "monai.losses.GeneralizedDiceLoss", "torch", MASKS, _masks,
             "monai.losses.GeneralizedDiceLoss", kwargs={"softmax": True}),
    PeerCase("dice_ce", "monai.losses.DiceCELoss", "torch", MASKS, _masks,
             "monai.losses.DiceCELoss", kwargs={"softmax": True}),
    PeerCase("dice_focal", "monai.losses.DiceFocalLoss", "torch", MASKS, _masks,
             "monai.losses.DiceFocalLoss", kwargs={"softmax": True}),
    PeerCase("mcc", "monai.losses.MCCLoss", "torch", MASKS, _masks, "monai.losses.MCCLoss",
             kwargs={"softmax": True}),
    PeerCase("ntxent", "monai.losses.ContrastiveLoss", "torch", MONAI_VIEWS, _views,
             "monai.losses.ContrastiveLoss", _two_views, note="(two views of batch x dim)"),
    PeerCase("giou", "monai.losses.BoxGIoULoss", "torch", BOXES, _boxes,
             "monai.losses.BoxGIoULoss"),
    # --- segmentation-models-pytorch (eager; multiclass: integer labels, logits) ---
    PeerCase("focal_tversky", "smp.losses.DiceLoss", "torch", MASKS, _masks, SMP + "DiceLoss",
             _with_labels, kwargs={"mode": "multiclass"}, ours=_ours_labels),
    PeerCase("focal_tversky", "smp.losses.TverskyLoss", "torch", MASKS, _masks,
             SMP + "TverskyLoss", _with_labels,
             kwargs={"mode": "multiclass", "alpha": 0.3, "beta": 0.7, "gamma": 1.5},
             ours=_ours_labels),
    PeerCase("jaccard", "smp.losses.JaccardLoss", "torch", MASKS, _masks, SMP + "JaccardLoss",
             _with_labels, kwargs={"mode": "multiclass"}, ours=_ours_labels),
    PeerCase("lovasz", "smp.losses.LovaszLoss", "torch", MASKS, _masks, SMP + "LovaszLoss",
             _with_labels, kwargs={"mode": "multiclass"}, ours=_ours_labels),
    PeerCase("mcc", "smp.losses.MCCLoss", "torch", MASKS, _binary_probabilities,
             SMP + "MCCLoss"),
    PeerCase("dice_focal", "smp.losses.FocalLoss", "torch", MASKS, _masks, SMP + "FocalLoss",
             _with_labels, kwargs={"mode": "multiclass"}, ours=_ours_labels),
    # --- optax (jitted) ---
    PeerCase("sigmoid_focal", "optax.sigmoid_focal_loss", "jax", ELEMENTWISE, _binary,
             "optax.losses.sigmoid_focal_loss", _pred_true_mean, ours=_ours_mean),
    PeerCase("poly1_cross_entropy", "optax.poly_loss_cross_entropy", "jax", ELEMENTWISE, _onehot,
             "optax.losses.poly_loss_cross_entropy", _pred_true_mean, ours=_ours_mean),
    PeerCase("sparsemax", "optax.multiclass_sparsemax_loss", "jax", ELEMENTWISE, _onehot,
             "optax.losses.multiclass_sparsemax_loss", _with_labels_mean, ours=_ours_mean),
    PeerCase("sparsemax", "optax.sparsemax_loss", "jax", ELEMENTWISE, _binary,
             "optax.losses.sparsemax_loss", _pred_true_mean, ours=_ours_mean),
    PeerCase("kl_div", "optax.kl_divergence", "jax", ELEMENTWISE, _kl,
             "optax.losses.kl_divergence", _pred_true_mean, ours=_ours_mean),
    PeerCase("kl_div", "optax.kl_divergence_with_log_targets", "jax", ELEMENTWISE, _kl_log,
             "optax.losses.kl_divergence_with_log_targets", _pred_true_mean, ours=_ours_mean),
    PeerCase("kl_div", "optax.generalized_kl_divergence", "jax", ELEMENTWISE, _kl,
             "optax.losses.generalized_kl_divergence", _pred_true_mean, ours=_ours_mean),
    PeerCase("ctc", "optax.ctc_loss", "jax", CTC, _ctc, "optax.losses.ctc_loss", _optax_ctc_mean,
             ours=_ours_mean),
    PeerCase("categorical_crossentropy", "optax.safe_softmax_cross_entropy", "jax", ELEMENTWISE,
             _onehot, "optax.losses.safe_softmax_cross_entropy", _pred_true_mean,
             ours=_ours_mean),
    PeerCase("triplet_margin", "optax.triplet_margin_loss", "jax", EMBEDDINGS, _triplets,
             "optax.losses.triplet_margin_loss", _triplet_mean, ours=_ours_mean),
    PeerCase("multiclass_hinge", "optax.multiclass_hinge_loss", "jax", ELEMENTWISE, _onehot,
             "optax.losses.multiclass_hinge_loss", _with_labels_mean, ours=_ours_labels_mean),
    PeerCase("multiclass_hinge", "optax.multiclass_perceptron_loss", "jax", ELEMENTWISE,
             _onehot, "optax.losses.multiclass_perceptron_loss", _with_labels_mean,
             ours=_ours_labels_mean),
    PeerCase("perceptron", "optax.perceptron_loss", "jax", ELEMENTWISE, _signed,
             "optax.losses.perceptron_loss", _pred_true_mean, ours=_ours_mean),
    PeerCase("ntxent", "optax.ntxent", "jax", EMBEDDINGS, _embeddings, "optax.losses.ntxent"),
    PeerCase("ranking_softmax", "optax.ranking_softmax_loss", "jax", LISTS, _lists,
             "optax.losses.ranking_softmax_loss"),
    # anyloss always masks the items with a label < 0 (optax's where=); the row above times
    # that mask against optax unmasked, this one against optax given the same mask.
    PeerCase("ranking_softmax", "optax.ranking_softmax_loss", "jax", LISTS, _lists,
             "optax.losses.ranking_softmax_loss", _pred_true_where, note="(where=labels >= 0)"),
    PeerCase("focal_tversky", "optax.dice_loss", "jax", MASKS, _masks_last,
             "optax.losses.dice_loss", _pred_true_mean, note="(channels-last)"),
    PeerCase("focal_tversky", "optax.binary_dice_loss", "jax", BINARY_MASKS, _binary,
             "optax.losses.binary_dice_loss", _pred_true_mean),
    PeerCase("generalized_dice", "optax.multiclass_generalized_dice_loss", "jax", MASKS,
             _masks_last, "optax.losses.multiclass_generalized_dice_loss",
             note="(channels-last)"),
    PeerCase("half_squared_error", "optax.l2_loss", "jax", ELEMENTWISE, _regression,
             "optax.losses.l2_loss", _pred_true_mean, ours=_ours_mean),
    PeerCase("cosine_distance", "optax.cosine_distance", "jax", ELEMENTWISE, _regression,
             "optax.losses.cosine_distance", _pred_true_mean, ours=_ours_mean),
    # --- keras-rs (jitted, Keras' JAX backend) and rax (jitted) ---
    PeerCase("pairwise_logistic", "keras_rs.losses.PairwiseLogisticLoss", "jax", LISTS, _lists,
             "keras_rs.losses.PairwiseLogisticLoss", _keras),
    PeerCase("listmle", "keras_rs.losses.ListMLELoss", "jax", LISTS, _lists,
             "keras_rs.losses.ListMLELoss", _keras),
    # rax defines these two but has no declared spelling: anyloss' own class, with rax's
    # reduction (its default mean of the pairwise loss is over the batch's pairs, which no
    # anyloss reduction gives; reduce_fn=jnp.sum is reduction="sum").
    PeerCase("pairwise_logistic", "PairwiseLogistic", "jax", LISTS, _lists,
             "rax.pairwise_logistic_loss", _rax_sum, kwargs={"reduction": "sum"}, peer_kwargs={},
             note="(reduce_fn=jnp.sum)"),
    PeerCase("listmle", "ListMLE", "jax", LISTS, _lists, "rax.listmle_loss"),
]


#: Catalogue losses without a peer spelling (so without a row), and why.
NO_PEER = {
    "iou": "no loss to time against: TF Addons' GIoULoss(mode='iou') runs on TensorFlow, and "
           "torchvision has only box_iou (the N x M matrix of every pair), not a loss",
    "jensen_shannon": "its reference, Liger-Kernel's LigerJSD, is a Triton (GPU) kernel; torch "
                      "has no Jensen-Shannon loss",
    "siglip": "keras-hub's SigLIPLoss: keras-hub pulls TensorFlow and tensorflow-text, which do "
              "not install beside the pinned set (the tests use reference values, "
              "scripts/references/keras_hub_similarity.py)",
}
TFA = ("TF Addons installs only beside TensorFlow <= 2.15, not beside the pinned TensorFlow "
       "2.21 that anyloss' TensorFlow rows use (the tests use reference values, "
       "scripts/references/tfa_*.py)")


def not_covered(cases: list[PeerCase]) -> list[tuple[str, str, str]]:
    """``(peer spelling or "-", anyloss loss, reason)`` for each declared peer spelling and each
    catalogue loss that no row of ``cases`` times."""
    from anyloss.losses._builtin import BUILTINS, PEERS

    timed = {c.spelling for c in cases}
    out = []
    for spelling, (name, _) in sorted(PEERS.items()):
        if spelling in timed:
            continue
        if spelling.startswith("tfa."):
            reason = TFA
        elif BUILTINS[name].origin == "keras":
            reason = ("a Keras loss: benchmarks/run.py times it against torch.nn.functional "
                      "and optax")
        elif spelling == "torch.nn.NLLLoss2d":
            reason = "torch's deprecated alias of NLLLoss (the torch.nn.NLLLoss row)"
        elif spelling == "optax.convex_kl_divergence":
            reason = ("optax's deprecated alias of generalized_kl_divergence (the "
                      "optax.generalized_kl_divergence row)")
        else:
            reason = "no row yet: add one to CASES"
        out.append((spelling, name, reason))
    with_peers = {name for name, _ in PEERS.values()} | {c.loss for c in cases}
    for name, spec in BUILTINS.items():
        if spec.origin != "keras" and name not in with_peers:
            out.append(("-", name, NO_PEER.get(name, "no peer spelling declared")))
    return out


# --- peers ----------------------------------------------------------------------------------

#: Peers that import torchvision, whose compiled ops do not load beside the CPU build of torch.
TORCHVISION_USERS = ("torchvision", "timm", "segmentation_models_pytorch")


@functools.cache
def _torchvision_stub() -> None:
    """Import ``scripts/references/_torchvision_stub.py`` where ``import torchvision`` fails for
    want of its compiled ops (a subprocess tries it); nothing where torchvision loads."""
    if "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is None:
        return
    probe = subprocess.run([sys.executable, "-c", "import torchvision"], capture_output=True,
                           text=True, check=False)
    if probe.returncode != 0 and "torchvision::" in probe.stderr:
        sys.path.insert(0, str(HERE.parent / "scripts" / "references"))
        importlib.import_module("_torchvision_stub")


def load(path: str) -> Any:
    """The peer's loss class or function ``path``; raises what the import raises where the peer
    is not installed."""
    module, _, name = path.rpartition(".")
    top = module.split(".")[0]
    if top in TORCHVISION_USERS:
        _torchvision_stub()
    if top == "keras_rs":
        import keras

        if keras.backend.backend() != "jax":
            msg = (f"keras-rs rows run on Keras' JAX backend; Keras runs on "
                   f"{keras.backend.backend()!r} (KERAS_BACKEND)")
            raise ImportError(msg)
    return getattr(importlib.import_module(module), name)


def _peer(case: PeerCase, kwargs: dict[str, Any]) -> Any:
    """The peer, built once per row: ``cls(**kwargs)``, or the function with ``kwargs`` bound."""
    target = load(case.path)
    if isinstance(target, type):
        return target(**kwargs)
    return functools.partial(target, **kwargs) if kwargs else target


def _torch_candidates(case: PeerCase, arrays: Arrays, pass_: str,
                      sync: Callable[[], None]) -> list[R.Candidate]:
    import torch

    import anyloss as al

    ours_kwargs, peer_kwargs = case.arguments(arrays)
    loss = al.get(case.spelling, **ours_kwargs)
    peer = _peer(case, peer_kwargs)
    data = {k: torch.from_numpy(v) for k, v in arrays.items()}
    if case.tie is not None:
        case.tie(loss, peer, data)

    def with_grad(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def step() -> Any:
            pred = data["pred"].clone().requires_grad_(pass_ == "fwd+bwd")
            value = fn({**data, "pred": pred})
            if pass_ == "fwd+bwd":
                value.backward()
            return value

        return step

    ours = with_grad(lambda a: case.ours(loss, a))
    theirs = with_grad(lambda a: case.call(peer, a))
    return [
        R.local_candidate("anyloss", ours, sync, lambda: float(ours())),
        R.local_candidate("peer", theirs, sync, lambda: float(theirs())),
    ]


def _jax_candidates(case: PeerCase, arrays: Arrays, pass_: str,
                    sync: Callable[[], None]) -> list[R.Candidate]:
    import jax
    import jax.numpy as jnp

    import anyloss as al

    ours_kwargs, peer_kwargs = case.arguments(arrays)
    loss = al.get(case.spelling, **ours_kwargs)
    peer = _peer(case, peer_kwargs)
    data = {k: jnp.asarray(v) for k, v in arrays.items()}
    if case.tie is not None:
        case.tie(loss, peer, data)

    def jitted(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def scalar(pred: Any, rest: Any) -> Any:
            return fn({**rest, "pred": pred})

        rest = {k: v for k, v in data.items() if k != "pred"}
        compiled = jax.jit(jax.value_and_grad(scalar) if pass_ == "fwd+bwd" else scalar)

        def call() -> Any:
            return jax.block_until_ready(compiled(data["pred"], rest))

        return call

    ours = jitted(lambda a: case.ours(loss, a))
    theirs = jitted(lambda a: case.call(peer, a))

    def value(fn: Callable[[], Any]) -> Callable[[], float]:
        return lambda: float(np.asarray(fn()[0] if pass_ == "fwd+bwd" else fn()))

    return [R.local_candidate("anyloss", ours, sync, value(ours)),
            R.local_candidate("peer", theirs, sync, value(theirs))]


@dataclass
class Outcome:
    """What a run gives: timed rows, rows skipped (peer not installed), value mismatches and
    rows that raised (out of memory, say)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[PeerCase, str]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def rows(args: argparse.Namespace, cases: list[PeerCase]) -> Outcome:
    """Every row, ``args.rounds`` times over (a row's inputs and compiled functions are rebuilt
    each round): a cell is the median of its rounds' medians, its ratio the median of its
    rounds' ratios, so a burst of machine noise during one pass moves no cell."""
    sync = R.synchronizer("cpu")
    out = Outcome()
    runs: dict[tuple[int, str, tuple[int, ...], str], list[dict[str, float]]] = {}
    dropped: set[int] = set()  # rows skipped, or whose values mismatched or raised
    for round_ in range(args.rounds):
        for index, case in enumerate(cases):
            if index in dropped:
                continue
            if round_ == 0:
                try:
                    load(case.path)
                except Exception as error:  # not installed (or not importable here): go on
                    reason = (f"{type(error).__name__}: "
                              f"{(str(error).strip().splitlines() or [''])[0]}")
                    out.skipped.append((case, reason[:300]))
                    print(f"{case.loss:28s} skipped ({case.native}): {reason[:300]}",
                          file=sys.stderr)
                    dropped.add(index)
                    continue
            for size, shape in zip(("small", "large"), case.shapes, strict=True):
                arrays = case.make(np.random.default_rng(0), shape)
                for pass_ in R.PASSES:
                    key = (index, size, shape, pass_)
                    if round_ and key not in runs:
                        break  # it mismatched or raised in the first round
                    times = _time_cell(args, case, arrays, size, shape, pass_, sync, out)
                    if times is None:
                        break  # reported; the other size is still checked
                    runs.setdefault(key, []).append(times)
    for (index, size, shape, pass_), cells in runs.items():
        out.rows.append({
            "case": cases[index], "size": size, "shape": shape, "pass": pass_,
            "ratio": statistics.median(c["anyloss"] / c["peer"] for c in cells),
            "anyloss": statistics.median(c["anyloss"] for c in cells),
            "peer": statistics.median(c["peer"] for c in cells),
        })
    return out


def _time_cell(args: argparse.Namespace, case: PeerCase, arrays: Arrays, size: str,
               shape: tuple[int, ...], pass_: str, sync: Callable[[], None],
               out: Outcome) -> dict[str, float] | None:
    """One round of one cell: its values checked, then both sides timed (``None``, reported in
    ``out``, where the values differ or building raised)."""
    build = _torch_candidates if case.library == "torch" else _jax_candidates
    try:
        candidates = build(case, arrays, pass_, sync)
    except Exception as error:  # reported; the run goes on
        msg = (f"{case.spelling} vs {case.native} ({size} {R.shape_str(shape)}, "
               f"{pass_}): {type(error).__name__}: {str(error).strip()[:300]}")
        out.errors.append(msg)
        print(f"ERROR {msg}", file=sys.stderr)
        return None
    ours, theirs = candidates[0].value, candidates[1].value
    if ours is None or theirs is None or not np.isclose(ours, theirs, rtol=1e-4, atol=1e-5):
        msg = (f"{case.spelling} vs {case.native}: anyloss {ours} != peer {theirs} "
               f"({size} {R.shape_str(shape)}, seed 0)")
        out.mismatches.append(msg)
        print(f"VALUE MISMATCH {msg}", file=sys.stderr)
        return None
    reps = args.reps if size == "small" else args.large_reps
    times = R.run_row(candidates, reps, args.target, args.row_budget)
    print(f"{case.loss:28s} {size:5s} {pass_:8s} {R.fmt_time(times['anyloss'])} "
          f"vs {R.fmt_time(times['peer'])} ({case.native})", file=sys.stderr)
    return times


def _target(row: dict[str, Any]) -> float:
    if row["case"].library == "jax":
        return 1.1
    return 1.5 if row["size"] == "small" else 1.15


#: Peer distributions whose versions the report gives (where installed).
PEER_DISTRIBUTIONS = ("monai", "pytorch-metric-learning", "torchvision", "timm",
                      "segmentation-models-pytorch", "keras-rs", "rax")


def peer_versions() -> str:
    found = []
    for dist in PEER_DISTRIBUTIONS:
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{dist} not installed")
    return ", ".join(found)


def report(args: argparse.Namespace, outcome: Outcome, cases: list[PeerCase],
           wall: float) -> str:
    lines = [
        "# anyloss catalogue benchmarks: each loss against the peer that defines it",
        "",
        f"Generated by `benchmarks/catalogue.py{' --quick' if args.quick else ''}` on "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {wall / 60:.1f} min.",
        "",
        f"- Machine: {R.machine()['cpu']}; torch threads {args.threads}.",
        f"- Versions: {R.versions()}.",
        f"- Peers: {peer_versions()}.",
        "- Method: the anyloss loss is `al.get(peer spelling, **peer arguments)`, so both sides "
        "compute the same number (checked before timing). Each round times every row: "
        f"medians of {args.reps} (small) / {args.large_reps} (large) interleaved repetitions "
        f"of about {args.target * 1000:.0f} ms (big rows stop after 3 once a row has run "
        f"{args.row_budget:.0f} s); over {args.rounds} round(s) a cell is the median of its "
        "rounds' medians and its ratio the median of its rounds' ratios; "
        "fwd+bwd adds the gradient w.r.t. the predictions. JAX rows: both sides under "
        "`jax.jit`. A peer that returns one value per element or row is averaged on both sides.",
        "- Targets: torch small fwd+bwd <= 1.5x, large <= 1.15x the peer; JAX <= 1.1x.",
        "",
        "| loss | peer | library | size | pass | anyloss | peer | anyloss / peer | target |",
        "|---|---|---|---|---|---:|---:|---:|---|",
    ]
    for r in outcome.rows:
        case = r["case"]
        met = r["ratio"] <= _target(r)
        target = f"<= {_target(r)}x {'met' if met else '**missed**'}"
        lines.append(
            f"| {case.loss} | {case.native} | {case.library} | {R.shape_str(r['shape'])} | "
            f"{r['pass']} | {R.fmt_time(r['anyloss'])} | {R.fmt_time(r['peer'])} | "
            f"{r['ratio']:.2f}x | {target} |")
    lines += summary(outcome)
    if outcome.mismatches:
        lines += ["", "## Value mismatches (not timed)", ""]
        lines += [f"- {m}" for m in outcome.mismatches]
    if outcome.errors:
        lines += ["", "## Rows that raised (not timed)", ""]
        lines += [f"- {m}" for m in outcome.errors]
    if outcome.skipped:
        lines += ["", "## Skipped: peer not importable here", "",
                  "| loss | peer | reason |", "|---|---|---|"]
        lines += [f"| {c.loss} | {c.native} | {reason.replace('|', '/')} |"
                  for c, reason in outcome.skipped]
    if not args.only:
        lines += ["", "## Not benchmarked", "", "| peer spelling | loss | reason |",
                  "|---|---|---|"]
        lines += [f"| {s} | {n} | {reason} |" for s, n, reason in not_covered(cases)]
    return "\n".join(lines)


def summary(outcome: Outcome) -> list[str]:
    """How many cells of each pass meet their target, and the fwd+bwd cells that miss."""
    lines = ["", "## Targets", ""]
    for pass_ in R.PASSES:
        cells = [r for r in outcome.rows if r["pass"] == pass_]
        met = sum(r["ratio"] <= _target(r) for r in cells)
        lines.append(f"- {pass_}: {met} of {len(cells)} cells meet their target.")
    missed = [r for r in outcome.rows
              if r["pass"] == "fwd+bwd" and r["ratio"] > _target(r)]
    lines += [f"  - missed: {r['case'].loss} vs {r['case'].native} ({r['case'].library} "
              f"{R.shape_str(r['shape'])}), {r['ratio']:.2f}x" for r in missed]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="",
                        help="comma-separated loss names or peer spellings")
    parser.add_argument("--rounds", type=int, default=0,
                        help="passes over every row (default 3, --quick 1)")
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("KERAS_BACKEND", "jax")  # keras-rs rows: jitted on Keras' JAX backend
    # Small rows: many short repetitions (their cells, tens of microseconds, move with the
    # machine's bursts; the median of 21 is steadier than of 9 at the same time).
    args.reps, args.large_reps = (3, 3) if args.quick else (21, 7)
    args.target = 0.01
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.row_budget = 4.0 if args.quick else 15.0
    wanted = set(filter(None, args.only.split(",")))
    cases = [c for c in CASES if not wanted or c.loss in wanted or c.spelling in wanted]
    unknown = wanted - {c.loss for c in CASES} - {c.spelling for c in CASES}
    if unknown:
        parser.error(f"no row for {', '.join(sorted(unknown))}; --list shows the rows")
    if args.list:
        for c in cases:
            print(f"{c.loss:22s} {c.library:5s} {c.spelling:45s} {c.native}")
        return

    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    outcome = rows(args, cases)
    text = report(args, outcome, cases, time.perf_counter() - start)
    out = args.out if args.out is not None else (
        None if args.quick else HERE / "RESULTS-catalogue.md")
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n")
        print(f"wrote {out}", file=sys.stderr)
    if outcome.mismatches or outcome.errors:
        sys.exit(f"{len(outcome.mismatches)} value mismatch(es), {len(outcome.errors)} "
                 "row(s) that raised: see the report")


if __name__ == "__main__":
    main()
