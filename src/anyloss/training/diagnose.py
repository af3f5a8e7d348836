"""Explain an exception a custom loss raised inside ``fit``/``evaluate`` with ``check_loss``.

Only on the error path: the loop never pays for it. The checker runs the user's loss on the
failing batch (its shapes and values, on torch) and its diagnosis and fix replace the raw
library message; the original exception stays the ``__cause__``.
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss.check import check_loss
from anyloss.container import LossesContainer
from anyloss.losses import Loss, LossFunctionWrapper
from anyloss.losses._builtin import declaration_of

__all__ = ["custom_loss_of", "explain_loss_error"]


def custom_loss_of(loss: Loss) -> Any:
    """What the user wrote, when ``loss`` is not an anyloss built-in: the function a plain
    ``LossFunctionWrapper`` wraps, or the (user-defined) ``Loss`` itself; else ``None``."""
    if type(loss) is LossFunctionWrapper:
        return loss.fn if declaration_of(loss.fn) is None else None
    if type(loss).__module__.split(".")[0] == "anyloss":
        return None
    return loss


def explain_loss_error(
    err: Exception, container: LossesContainer, y_true: Any, y_pred: Any, where: str
) -> Exception | None:
    """A new exception carrying ``check_loss``'s errors for the custom loss that ``err`` most
    likely came from; ``None`` when no custom loss is involved or the checker finds nothing."""
    if not container.built:
        return None
    try:
        flat = container.flat_outputs(y_true, y_pred)
    except Exception:  # the structure itself is what failed: nothing to add
        return None
    losses = container.losses
    for name, target, prediction in flat:
        loss = losses.get(name)
        fn = custom_loss_of(loss) if loss is not None else None
        if fn is None or target is None:
            continue
        try:
            report = check_loss(
                fn,
                y_true=B.to_numpy(target),
                y_pred=B.to_numpy(prediction.detach()),
                backends=["torch"],
            )
        except Exception:  # the checker must never hide the user's error
            continue
        if not report.errors:
            continue
        lines = [
            f"The custom loss {report.name} raised {type(err).__name__} in {where}: "
            f"{_first_line(err)}",
            f"check_loss on this batch (output {name!r}: y_true {tuple(target.shape)}, "
            f"y_pred {tuple(prediction.shape)}) says:",
        ]
        for problem in report.errors:
            lines.append(f"  {problem.code}: {problem.message}")
            lines.append(f"  fix: {problem.fix}")
        message = "\n".join(lines)
        try:
            return type(err)(message)
        except Exception:  # an exception type with another constructor
            return ValueError(message)
    return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else "(no message)"
