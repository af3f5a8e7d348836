"""``anyloss plot``: a loss and its gradient along one prediction, as a two-panel PNG.

Regression losses are drawn against ``y_pred``; classification losses against the predicted
probability of the true class (the other classes share the rest), or against its logit/score
for margin losses and ``--from-logits``. The gradient is ``d loss / d x`` along the drawn
variable, by central differences in float64.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

CLASSES = 3
AXIS_LABELS = {
    "value": "y_pred",
    "probability": "predicted probability of the true class",
    "logit": "logit (score) of the true class",
    "distance": "y_pred (a distance, the same for both labels)",
}
DEFAULT_RANGES = {"probability": (0.02, 0.98), "logit": (-6.0, 6.0), "distance": (0.0, 3.0)}


CATEGORICAL_KINDS = ("categorical", "categorical-margin", "sparse", "label-lists")
BINARY_KINDS = ("binary", "margin")


class Entry(Protocol):
    """What a plot needs of a loss: a catalogue entry, or a user's function."""

    @property
    def name(self) -> str: ...
    @property
    def function(self) -> Callable[..., Any]: ...
    @property
    def inputs(self) -> str: ...
    @property
    def plot_axis(self) -> str | None: ...


@dataclass(frozen=True)
class CustomEntry:
    """A user's loss function (``module:function``) with the input kind to draw it on."""

    name: str
    function: Callable[..., Any]
    inputs: str = "regression"
    plot_axis: str | None = None  # the input kind's axis


class PlotError(ValueError):
    """A plot request that cannot be drawn (the message says why and what to do)."""


@dataclass(frozen=True)
class Curve:
    label: str
    x: np.ndarray
    loss: np.ndarray
    grad: np.ndarray


#: Input kinds without a one-dimensional plot, and why.
_NOT_PLOTTABLE = {
    "sequence": "a label sequence against per-frame class scores",
    "embedding": "its value depends on the whole batch of embeddings",
    "pairs": "two items per sample",
    "triplets": "an anchor, a positive and a negative per sample",
    "boxes": "four coordinates per box",
    "lists": "its value depends on the order of a whole list of scores",
}


def axis_of(entry: Entry, from_logits: bool) -> str:
    """What the x-axis is for ``entry``: ``value``, ``probability``, ``logit`` or the one it
    declares (``distance``)."""
    kind = entry.inputs
    if kind in _NOT_PLOTTABLE:
        msg = (
            f"{entry.name} is not plottable against one prediction: it takes {kind} inputs "
            f"({_NOT_PLOTTABLE[kind]}). Plot a regression or classification loss (see "
            "`anyloss list`), or call it on your own arrays."
        )
        raise PlotError(msg)
    if entry.plot_axis is not None:
        return entry.plot_axis
    if kind in ("regression", "mean-variance"):
        return "value"
    if kind in ("margin", "categorical-margin", "label-lists"):
        return "logit"
    return "logit" if from_logits and _takes_logits(entry) else "probability"


def _takes_logits(entry: Entry) -> bool:
    return "from_logits" in inspect.signature(entry.function).parameters


def accepts(entry: Entry, argument: str) -> bool:
    """Whether ``entry``'s function takes the keyword ``argument``."""
    try:
        parameters = inspect.signature(entry.function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == argument or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def arguments_for(entries: Sequence[Entry], loss_args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per entry, the ``--arg`` values it takes; ``PlotError`` for one that none takes."""
    if "from_logits" in loss_args:
        msg = "pass --from-logits instead of --arg from_logits=...: it also changes the x-axis"
        raise PlotError(msg)
    for argument in loss_args:
        if not any(accepts(e, argument) for e in entries):
            names = ", ".join(e.name for e in entries)
            msg = (
                f"--arg {argument}=...: no plotted loss ({names}) takes an argument "
                f"{argument!r}. See `anyloss describe NAME` for each loss' arguments."
            )
            raise PlotError(msg)
    return [{k: v for k, v in loss_args.items() if accepts(e, k)} for e in entries]


def check_y_true(entries: Sequence[Entry], y_true: float) -> None:
    for entry in entries:
        if entry.inputs in ("binary", "margin") and y_true not in (0.0, 1.0):
            msg = (
                f"--y-true must be 0 or 1 for {entry.name} (binary targets). "
                f"Received: --y-true {y_true:g}"
            )
            raise PlotError(msg)
        if entry.inputs in CATEGORICAL_KINDS and (y_true not in range(CLASSES)):
            msg = (
                f"--y-true is the true class for {entry.name}: an integer in "
                f"0..{CLASSES - 1} ({CLASSES} classes are drawn). Received: --y-true {y_true:g}"
            )
            raise PlotError(msg)


def _inputs(entry: Entry, axis: str, y_true: float, x: float) -> tuple[np.ndarray, np.ndarray]:
    """One sample's ``(y_true, y_pred)`` at position ``x`` on the axis."""
    kind = entry.inputs
    if kind == "regression" or axis == "distance":  # a distance: y_pred, whatever the label
        return np.array([[y_true]]), np.array([[x]])
    if kind == "mean-variance":  # the predicted mean moves; the predicted variance is 1
        return np.array([[y_true]]), np.array([[x, 1.0]])
    if kind in ("binary", "margin"):
        # The true class' probability (or score) is x: y_pred is x for label 1, else 1-x (-x).
        other = (1.0 - x) if axis == "probability" else -x
        return np.array([[y_true]]), np.array([[x if y_true == 1.0 else other]])
    label = int(y_true)
    fill = (1.0 - x) / (CLASSES - 1) if axis == "probability" else 0.0
    y_pred = np.full((1, CLASSES), fill)
    y_pred[0, label] = x
    if kind == "label-lists":  # the true class alone, padded with -1
        return np.array([[label] + [-1] * (CLASSES - 1)]), y_pred
    target = np.array([label]) if kind == "sparse" else np.eye(CLASSES)[[label]]
    return target, y_pred


def curve(
    entry: Entry,
    y_true: float,
    from_logits: bool,
    lo: float,
    hi: float,
    points: int,
    loss_args: Mapping[str, Any] | None = None,
) -> Curve:
    """``entry``'s loss and gradient at ``points`` positions in ``[lo, hi]``."""
    axis = axis_of(entry, from_logits)
    logits = axis == "logit" and _takes_logits(entry)
    kwargs = {**(loss_args or {}), **({"from_logits": True} if logits else {})}

    def loss_at(x: float) -> float:
        target, y_pred = _inputs(entry, axis, y_true, x)
        return float(np.sum(np.asarray(entry.function(target, y_pred, **kwargs))))

    xs = np.linspace(lo, hi, points)
    step = 1e-6 * max(1.0, hi - lo)
    # Sweeping x crosses values that look like a misuse (logits in [0, 1]): no warnings.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = np.array([loss_at(x) for x in xs])
        grad = np.array([(loss_at(x + step) - loss_at(x - step)) / (2 * step) for x in xs])
    shown = ", ".join(f"{k}={v!r}" for k, v in (loss_args or {}).items())
    label = entry.name + (f"({shown})" if shown else "")
    label += " (from logits)" if logits else ""
    if entry.inputs in CATEGORICAL_KINDS:
        label += f", {CLASSES} classes"
    return Curve(label, xs, loss, grad)


def plot(
    entries: Sequence[Entry],
    y_true: float,
    out: str,
    *,
    from_logits: bool = False,
    x_range: tuple[float, float] | None = None,
    points: int = 301,
    loss_args: Mapping[str, Any] | None = None,
) -> str:
    """Draw the losses and their gradients side by side into ``out`` (a PNG); returns ``out``.

    ``loss_args`` are keyword arguments (``{"delta": 2.0}``) for every loss that takes them.
    """
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        msg = (
            f"--out {out!r}: the directory {folder!r} does not exist. Create it first "
            f"(mkdir -p {folder}) or write elsewhere."
        )
        raise PlotError(msg)
    per_entry = arguments_for(entries, loss_args or {})
    axes = {axis_of(e, from_logits) for e in entries}
    if len(axes) > 1:
        kinds = ", ".join(f"{e.name}: {AXIS_LABELS[axis_of(e, from_logits)]}" for e in entries)
        msg = (
            f"These losses cannot share an x-axis ({kinds}). Plot them separately, or add "
            "--from-logits to draw cross-entropies against the logit."
        )
        raise PlotError(msg)
    check_y_true(entries, y_true)
    axis = axes.pop()
    lo, hi = x_range or DEFAULT_RANGES.get(axis, (y_true - 3.0, y_true + 3.0))
    if not lo < hi:
        msg = f"--range needs LO < HI. Received: --range {lo:g} {hi:g}"
        raise PlotError(msg)
    curves = [
        curve(e, y_true, from_logits, lo, hi, points, args)
        for e, args in zip(entries, per_entry, strict=True)
    ]
    try:
        import matplotlib
    except ImportError:
        msg = "`anyloss plot` needs matplotlib, an optional dependency: pip install anyloss[plot]"
        raise PlotError(msg) from None
    matplotlib.use("Agg")
    draw(
        curves,
        out,
        f"x = {AXIS_LABELS[axis]}",
        f" ({_target(entries, y_true)})",
        _note(entries, axis, y_true),
    )
    return out


def draw(curves: Sequence[Curve], out: Any, xlabel: str, titled: str, suptitle: str) -> None:
    """The curves' losses (left) and gradients (right) into the PNG ``out``: panel titles
    ``"Loss" + titled`` and ``"Gradient" + titled``, one legend below both (it never covers a
    curve). Needs matplotlib with a non-interactive backend selected."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    for i, c in enumerate(curves):
        # Dashes keep coinciding curves (bce and cce of the true class) both visible.
        style = {"label": c.label, "linewidth": 2, "linestyle": ("-", "--", "-.", ":")[i % 4]}
        left.plot(c.x, c.loss, **style)
        right.plot(c.x, c.grad, **style)
    for ax, ylabel, title in ((left, "loss", "Loss"), (right, "d loss / d x", "Gradient")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title + titled)
        ax.grid(True, alpha=0.3)
        ax.axhline(0.0, color="0.6", linewidth=0.8)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(curves), 3))
    fig.suptitle(suptitle)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _target(entries: Sequence[Entry], y_true: float) -> str:
    """What the target is, per kind of loss drawn: a binary label is not a class index."""
    parts = []
    if any(e.inputs in BINARY_KINDS for e in entries):
        parts.append(f"binary y_true = {y_true:g}")
    if any(e.inputs in CATEGORICAL_KINDS for e in entries):
        parts.append(f"true class {int(y_true)} of {CLASSES}")
    if any(e.inputs not in (*BINARY_KINDS, *CATEGORICAL_KINDS) for e in entries):
        parts.append(f"y_true = {y_true:g}")
    return "; ".join(dict.fromkeys(parts))


def _note(entries: Sequence[Entry], axis: str, y_true: float) -> str:
    """The figure title: what the curves are and how the other inputs are set."""
    notes = []
    if any(e.inputs in CATEGORICAL_KINDS for e in entries):
        share = (
            "the other classes share the rest"
            if axis == "probability"
            else "the other classes' logits are 0"
        )
        notes.append(f"{CLASSES}-class cross-entropies: {share}")
    if axis == "distance":
        notes.append("y_true = 1: a similar pair; y_true = 0 (read as -1): a dissimilar one")
    elif y_true == 0.0 and any(e.inputs in BINARY_KINDS for e in entries):
        model = "1 - x" if axis == "probability" else "-x"
        notes.append(f"binary losses at y_true = 0: the model outputs {model}")
    return "\n".join(["Loss and gradient along one prediction", *notes])
