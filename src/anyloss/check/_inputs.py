"""The inputs ``check_loss`` feeds a loss: one regular case per kind, and its edge cases.

Tiny on purpose (4 samples): the checker runs every case on every backend, with gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anyloss.losses._builtin import Inputs

BATCH, FEATURES, CLASSES, TIME = 4, 2, 3, 5
#: Input kinds, in the order they are tried (names of ``Inputs``, the project's one vocabulary).
KINDS: tuple[str, ...] = tuple(
    k.value
    for k in (Inputs.REGRESSION, Inputs.BINARY, Inputs.CATEGORICAL, Inputs.SPARSE, Inputs.SEQUENCE)
)
#: Kinds tried only for a built-in that declares them (a custom loss is tried on ``KINDS``).
DECLARED_ONLY: tuple[str, ...] = tuple(
    k.value
    for k in (
        Inputs.MEAN_VARIANCE,
        Inputs.PAIRS,
        Inputs.TRIPLETS,
        Inputs.BOXES,
        Inputs.LISTS,
        Inputs.LABEL_LISTS,
    )
)
#: Kinds whose ``y_pred`` holds probabilities.
PROBABILITY_KINDS: tuple[str, ...] = tuple(
    k.value for k in (Inputs.BINARY, Inputs.CATEGORICAL, Inputs.SPARSE)
)
LARGE = 1e4


@dataclass(frozen=True)
class Case:
    """One ``(y_true, y_pred)`` pair of a kind, with a note on what is special about it."""

    kind: str
    y_true: np.ndarray
    y_pred: np.ndarray
    note: str = ""

    def describe(self) -> str:
        note = f", {self.note}" if self.note else ""
        return (
            f"{self.kind} inputs{note}: y_true {self.y_true.shape} {self.y_true.dtype}, "
            f"y_pred {self.y_pred.shape} {self.y_pred.dtype}"
        )

    def replace(
        self, y_true: np.ndarray | None = None, y_pred: np.ndarray | None = None, note: str = ""
    ) -> Case:
        return Case(
            self.kind,
            self.y_true if y_true is None else y_true,
            self.y_pred if y_pred is None else y_pred,
            note,
        )


def _probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    logits = rng.normal(size=shape)
    return np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)


def generated(kind: str, seed: int = 0) -> Case:
    """The regular case of ``kind``: random, float32 predictions, nothing at a boundary."""
    rng = np.random.default_rng(seed)
    labels = np.array([0, 2, 1, 0])
    y_true: np.ndarray  # float targets, or int labels (sparse, sequence)
    y_pred: np.ndarray
    if kind == Inputs.REGRESSION:
        y_true = rng.normal(size=(BATCH, FEATURES))
        y_pred = rng.normal(size=(BATCH, FEATURES))
    elif kind == Inputs.BINARY:
        y_true = np.array([[1.0], [0.0], [1.0], [0.0]])
        y_pred = rng.uniform(0.1, 0.9, size=(BATCH, 1))
    elif kind in (Inputs.CATEGORICAL, Inputs.SPARSE):
        y_true = np.eye(CLASSES)[labels] if kind == Inputs.CATEGORICAL else labels
        y_pred = _probabilities(rng, (BATCH, CLASSES))
    elif kind == Inputs.SEQUENCE:
        # CTC-style: (batch, label_length) labels in 1..classes-1, (batch, time, classes) logits.
        y_true = rng.integers(1, CLASSES + 1, size=(BATCH, 2))
        y_pred = rng.normal(size=(BATCH, TIME, CLASSES + 1))
    elif kind == Inputs.MEAN_VARIANCE:  # means, then variances (positive), on the last axis
        y_true = rng.normal(size=(BATCH, FEATURES))
        y_pred = np.concatenate(
            [rng.normal(size=(BATCH, FEATURES)), rng.uniform(0.5, 2.0, (BATCH, FEATURES))], -1
        )
    elif kind in (Inputs.PAIRS, Inputs.PAIRS.value + "-scores"):  # items stacked on axis 1
        y_true = np.array([1.0, -1.0, 1.0, -1.0])
        scores = kind != Inputs.PAIRS
        y_pred = rng.normal(size=(BATCH, 2) if scores else (BATCH, 2, CLASSES))
        kind = Inputs.PAIRS.value
    elif kind == Inputs.TRIPLETS:  # anchor, positive, negative; y_true unused
        y_true = np.zeros(BATCH)
        y_pred = rng.normal(size=(BATCH, 3, CLASSES))
    elif kind == Inputs.BOXES:  # (x1, y1, x2, y2), overlapping in general
        low = rng.uniform(0.0, 1.0, (2, BATCH, 2))
        size = rng.uniform(0.5, 1.5, (2, BATCH, 2))
        y_true = np.concatenate([low[0], low[0] + size[0]], -1)
        y_pred = np.concatenate([low[1], low[1] + size[1]], -1)
    elif kind == Inputs.LISTS:  # graded relevance 0..2, one entry out of the list (-1)
        y_true = rng.integers(0, 3, size=(BATCH, TIME)).astype(np.float64)
        y_true[:, -1] = -1.0
        y_pred = rng.normal(size=(BATCH, TIME))
    elif kind == Inputs.LABEL_LISTS:  # none to all 3 classes as targets, -1 padded
        y_true = np.array([[2, 0, -1], [1, -1, -1], [-1, -1, -1], [0, 1, 2]])
        y_pred = rng.normal(size=(BATCH, CLASSES))
    else:
        msg = f"Unknown input kind {kind!r}; expected one of {KINDS}."
        raise ValueError(msg)
    y_true = y_true.astype(np.int64 if y_true.dtype.kind in "iu" else np.float32)
    return Case(kind, y_true, y_pred.astype(np.float32))


def declared_cases(kind: str) -> list[Case]:
    """The regular cases of a built-in's declared kind (pairs: embeddings and scores)."""
    if kind == Inputs.PAIRS:
        return [generated(kind), generated(Inputs.PAIRS.value + "-scores")]
    return [generated(kind)]


def infer_kind(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """The kind given inputs look like (it decides which edge cases make sense)."""
    integer = y_true.dtype.kind in "iub"
    if integer and y_pred.ndim == 3 and y_true.ndim == 2:
        return Inputs.SEQUENCE.value
    if integer and y_pred.ndim == y_true.ndim + 1:
        return Inputs.SPARSE.value
    in_unit = y_pred.size > 0 and bool(np.all((y_pred >= 0) & (y_pred <= 1)))
    if in_unit and bool(np.all((y_true == 0) | (y_true == 1))):
        one_hot = y_true.shape[-1:] != (1,) and bool(np.all(y_true.sum(axis=-1) == 1))
        return Inputs.CATEGORICAL.value if one_hot else Inputs.BINARY.value
    return Inputs.REGRESSION.value


def perturbed(case: Case, seed: int = 1) -> Case:
    """``case`` with another ``y_pred`` of the same kind (to see whether the loss reads it)."""
    rng = np.random.default_rng(seed)
    if case.kind in PROBABILITY_KINDS:
        other = rng.uniform(0.1, 0.9, size=case.y_pred.shape)
        if case.y_pred.shape[-1] > 1:
            other = other / other.sum(axis=-1, keepdims=True)
        y_pred = 0.5 * case.y_pred + 0.5 * other
    else:
        y_pred = rng.normal(size=case.y_pred.shape) - case.y_pred
    return case.replace(y_pred=y_pred.astype(case.y_pred.dtype), note="another y_pred")


def edges(case: Case) -> list[Case]:
    """Inputs at the boundaries where naive formulas give NaN or Inf.

    Probabilities exactly 0 and 1 (``log(0)``), a perfect prediction with zero targets
    (``sqrt(0)``'s gradient, division by the target), predictions or logits of +-1e4 (``exp``
    overflow).
    """
    dtype = case.y_pred.dtype
    # Magnitudes differ along the last axis, so no row sums to 0 (renormalising losses divide).
    scale = np.linspace(1.0, 2.0, case.y_pred.shape[-1]) if case.y_pred.ndim else 1.0
    large = (np.where(case.y_pred >= 0, LARGE, -LARGE) * scale).astype(dtype)
    if case.kind == Inputs.MEAN_VARIANCE:
        half = case.y_pred.shape[-1] // 2
        far = case.y_pred.copy()
        far[..., :half] = large[..., :half]
        return [case.replace(y_pred=far, note="predicted means of +-1e4")]
    if case.kind == Inputs.BOXES:
        return [
            case.replace(
                y_true=case.y_true * LARGE,
                y_pred=(case.y_pred * LARGE).astype(dtype),
                note="boxes of size 1e4",
            )
        ]
    if case.kind == Inputs.REGRESSION:
        out = [case.replace(y_pred=large, note="predictions of +-1e4")]
        if case.y_true.shape == case.y_pred.shape:
            y_true = case.y_true.copy()
            y_true[:, 0] = 0
            out.append(
                case.replace(
                    y_true=y_true,
                    y_pred=y_true.astype(dtype),
                    note="a perfect prediction, some targets 0",
                )
            )
        return out
    if case.kind in PROBABILITY_KINDS:
        # Samples 0, 1 (mod 4) predicted right with certainty, samples 2, 3 certainly wrong.
        wrong = np.arange(case.y_pred.shape[0]) % 4 >= 2
        wrong = wrong.reshape(-1, *[1] * (case.y_pred.ndim - 1))
        if case.kind == Inputs.BINARY:
            target = (
                case.y_true.reshape(case.y_pred.shape)
                if case.y_true.size == case.y_pred.size
                else np.round(case.y_pred)
            )
            exact = np.where(wrong, 1 - target, target)
        else:
            classes = case.y_pred.shape[-1]
            labels = np.argmax(case.y_pred, axis=-1)
            if case.kind == Inputs.CATEGORICAL and case.y_true.shape == case.y_pred.shape:
                labels = np.argmax(case.y_true, axis=-1)
            elif case.kind == Inputs.SPARSE and case.y_true.size == labels.size:
                labels = case.y_true.reshape(labels.shape)
            exact = np.eye(classes)[np.where(wrong[..., 0], (labels + 1) % classes, labels)]
        return [case.replace(y_pred=exact.astype(dtype), note="probabilities exactly 0 and 1")]
    return [case.replace(y_pred=large, note="logits of +-1e4")]


def float16(case: Case) -> Case:
    """``case`` in float16 (as a mixed-precision model outputs it)."""
    y_true = case.y_true.astype(np.float16) if case.y_true.dtype.kind == "f" else case.y_true
    return case.replace(y_true=y_true, y_pred=case.y_pred.astype(np.float16), note="float16")


def broadcast_pair(case: Case) -> tuple[Case, Case] | None:
    """``(trap, aligned)``: ``y_true`` ``(N,)`` vs ``(N, 1)``, both against ``y_pred`` ``(N, 1)``.

    ``None`` when the kind has no single-column form (classes, sequences).
    """
    if case.kind not in (Inputs.REGRESSION, Inputs.BINARY) or case.y_pred.ndim != 2:
        return None
    if case.y_true.shape != case.y_pred.shape:
        return None
    y_pred = case.y_pred[:, :1]
    aligned = case.y_true[:, :1]
    return (
        case.replace(y_true=aligned[:, 0], y_pred=y_pred, note="y_true (N,)"),
        case.replace(y_true=aligned, y_pred=y_pred, note="y_true (N, 1)"),
    )


def given_trap_pair(case: Case) -> tuple[Case, Case] | None:
    """``(case, aligned)`` when ``case`` itself is the trap: ``y_true`` ``(N,)`` against
    ``y_pred`` ``(N, 1)`` (inputs a user passed); ``aligned`` has ``y_true`` ``(N, 1)``."""
    t, p = case.y_true, case.y_pred
    if not (t.ndim == 1 and p.ndim == 2 and p.shape == (t.shape[0], 1) and t.shape[0] > 1):
        return None
    return case, case.replace(y_true=t[:, None], note="y_true (N, 1)")
