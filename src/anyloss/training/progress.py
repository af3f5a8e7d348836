"""``fit``'s progress output with ``rich``: a bar per epoch (verbose=1) or one line per epoch
(verbose=2). ``"auto"`` picks 1 on a terminal and 2 otherwise (logs to a file stay readable).

The bar advances every step without reading any value; the running metrics it shows are read
from the device at most twice a second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from anyloss.training.callbacks import Callback

__all__ = ["ProgressLogger", "format_logs", "resolve_verbose"]

_REFRESH_S = 0.5


def resolve_verbose(verbose: int | str) -> int:
    """``"auto"`` -> 1 when stdout is a terminal, else 2; 0, 1, 2 pass through."""
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2):
        msg = f"Argument `verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}"
        raise ValueError(msg)
    return int(verbose)


def format_logs(logs: Mapping[str, float]) -> str:
    """``"loss: 0.1234 - val_loss: 0.2345"``."""
    return " - ".join(
        f"{k}: {[round(float(x), 4) for x in v] if isinstance(v, (list, tuple)) else f'{float(v):.4f}'}"
        for k, v in logs.items()
    )


class ProgressLogger(Callback):
    """Prints ``Epoch i/N`` with a rich progress bar (verbose=1) or a summary line (verbose=2)."""

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self._progress: Progress | None = None

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.console = Console(file=sys.stdout, highlight=False, soft_wrap=True)

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._epoch_label = f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"
        self._start = time.perf_counter()
        if self.verbose == 1:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[metrics]}"),
                console=self.console,
                transient=True,
            )
            self._task = self._progress.add_task(
                self._epoch_label, total=self.params.get("steps"), metrics=""
            )
            self._progress.start()
            self._last_read = self._start

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        if self._progress is None:
            return
        now = time.perf_counter()
        if logs is not None and now - self._last_read > _REFRESH_S:
            self._last_read = now
            self._progress.update(self._task, advance=1, metrics=format_logs(logs))
        else:
            self._progress.update(self._task, advance=1)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        elapsed = time.perf_counter() - self._start
        steps = self.params.get("steps")
        per_step = f" - {1e3 * elapsed / steps:.0f}ms/step" if steps else ""
        self.console.print(
            f"{self._epoch_label} - {elapsed:.1f}s{per_step} - {format_logs(logs or {})}"
        )

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
