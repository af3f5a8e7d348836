"""``anyloss plot``: a loss and its gradient along one prediction, as a two-panel PNG.

Regression losses are drawn against ``y_pred``; classification losses against the predicted
probability of the true class (the other classes share the rest), or against its logit/score
for margin losses and ``--from-logits``. The gradient is ``d loss / d x`` along the drawn
variable, by central differences in float64.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anyloss._catalog import Entry

CLASSES = 3
AXIS_LABELS = {
    "value": "y_pred",
    "probability": "predicted probability of the true class",
    "logit": "logit (score) of the true class",
}
DEFAULT_RANGES = {"probability": (0.02, 0.98), "logit": (-6.0, 6.0)}


class PlotError(ValueError):
    """A plot request that cannot be drawn (the message says why and what to do)."""


@dataclass(frozen=True)
class Curve:
    label: str
    x: np.ndarray
    loss: np.ndarray
    grad: np.ndarray


def axis_of(entry: Entry, from_logits: bool) -> str:
    """What the x-axis is for ``entry``: ``value``, ``probability`` or ``logit``."""
    kind = entry.inputs
    if kind in ("sequence", "embedding"):
        msg = (
            f"{entry.name} has no one-dimensional plot: it takes {kind} inputs. Plot a "
            "regression or classification loss (see `anyloss list`)."
        )
        raise PlotError(msg)
    if kind == "regression":
        return "value"
    if kind in ("margin", "categorical-margin"):
        return "logit"
    return "logit" if from_logits and _takes_logits(entry) else "probability"


def _takes_logits(entry: Entry) -> bool:
    return "from_logits" in inspect.signature(entry.function).parameters


def check_y_true(entries: Sequence[Entry], y_true: float) -> None:
    for entry in entries:
        if entry.inputs in ("binary", "margin") and y_true not in (0.0, 1.0):
            msg = (
                f"--y-true must be 0 or 1 for {entry.name} (binary targets). "
                f"Received: --y-true {y_true:g}"
            )
            raise PlotError(msg)
        if entry.inputs in ("categorical", "categorical-margin", "sparse") and (
            y_true not in range(CLASSES)
        ):
            msg = (
                f"--y-true is the true class for {entry.name}: an integer in "
                f"0..{CLASSES - 1} ({CLASSES} classes are drawn). Received: --y-true {y_true:g}"
            )
            raise PlotError(msg)


def _inputs(entry: Entry, axis: str, y_true: float, x: float) -> tuple[np.ndarray, np.ndarray]:
    """One sample's ``(y_true, y_pred)`` at position ``x`` on the axis."""
    kind = entry.inputs
    if kind == "regression":
        return np.array([[y_true]]), np.array([[x]])
    if kind in ("binary", "margin"):
        # The true class' probability (or score) is x: y_pred is x for label 1, else 1-x (-x).
        other = (1.0 - x) if axis == "probability" else -x
        return np.array([[y_true]]), np.array([[x if y_true == 1.0 else other]])
    label = int(y_true)
    fill = (1.0 - x) / (CLASSES - 1) if axis == "probability" else 0.0
    y_pred = np.full((1, CLASSES), fill)
    y_pred[0, label] = x
    target = np.array([label]) if kind == "sparse" else np.eye(CLASSES)[[label]]
    return target, y_pred


def curve(
    entry: Entry, y_true: float, from_logits: bool, lo: float, hi: float, points: int
) -> Curve:
    """``entry``'s loss and gradient at ``points`` positions in ``[lo, hi]``."""
    axis = axis_of(entry, from_logits)
    kwargs = {"from_logits": True} if axis == "logit" and _takes_logits(entry) else {}

    def loss_at(x: float) -> float:
        target, y_pred = _inputs(entry, axis, y_true, x)
        return float(np.sum(np.asarray(entry.function(target, y_pred, **kwargs))))

    xs = np.linspace(lo, hi, points)
    step = 1e-6 * max(1.0, hi - lo)
    with np.errstate(all="ignore"):
        loss = np.array([loss_at(x) for x in xs])
        grad = np.array([(loss_at(x + step) - loss_at(x - step)) / (2 * step) for x in xs])
    label = entry.name + (" (from logits)" if kwargs else "")
    return Curve(label, xs, loss, grad)


def plot(
    entries: Sequence[Entry],
    y_true: float,
    out: str,
    *,
    from_logits: bool = False,
    x_range: tuple[float, float] | None = None,
    points: int = 301,
) -> str:
    """Draw the losses and their gradients side by side into ``out`` (a PNG); returns ``out``."""
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
    curves = [curve(e, y_true, from_logits, lo, hi, points) for e in entries]
    try:
        import matplotlib
    except ImportError:
        msg = "`anyloss plot` needs matplotlib, an optional dependency: pip install anyloss[plot]"
        raise PlotError(msg) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    for i, c in enumerate(curves):
        # Dashes keep coinciding curves (bce and cce of the true class) both visible.
        style = {"label": c.label, "linewidth": 2, "linestyle": ("-", "--", "-.", ":")[i % 4]}
        left.plot(c.x, c.loss, **style)
        right.plot(c.x, c.grad, **style)
    target = (
        f"true class {int(y_true)}"
        if any(e.inputs in ("categorical", "categorical-margin", "sparse") for e in entries)
        else (f"y_true = {y_true:g}")
    )
    for ax, ylabel, title in ((left, "loss", "Loss"), (right, "d loss / d x", "Gradient")):
        ax.set_xlabel(f"x = {AXIS_LABELS[axis]}")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title} ({target})")
        ax.grid(True, alpha=0.3)
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        ax.legend()
    fig.suptitle(", ".join(c.label for c in curves))
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
