"""Keras callbacks: ``Callback``, ``CallbackList``, ``History``, ``EarlyStopping``,
``ModelCheckpoint``.

Epochs are 0-based in hooks, as in Keras. Batch hooks get a lazy ``logs`` mapping: reading a
value syncs with the device, not reading it costs nothing, so the loop never waits on the host.
"""

from __future__ import annotations

import math
import os
import re
import string
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch.distributed as dist

from anyloss.training.saving import check_extension

__all__ = ["Callback", "CallbackList", "EarlyStopping", "History", "LazyLogs", "ModelCheckpoint"]


class LazyLogs(Mapping[str, float]):
    """Read-only logs whose values are computed (one host read each) only when accessed."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def _values(self) -> dict[str, float]:
        return {k: float(v) for k, v in self._read().items()}

    def __getitem__(self, key: str) -> float:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class Callback:
    """Base class: override any hook. ``self.model`` and ``self.params`` are set by ``fit``,
    ``evaluate`` and ``predict``, which call the ``on_train_*``/``on_epoch_*``, ``on_test_*``
    (also for ``fit``'s validation data) and ``on_predict_*`` hooks, as in Keras."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_begin(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_end(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_begin(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_end(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None: ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls a hook on every callback; a hook nobody overrides costs one attribute lookup."""

    def __init__(self, callbacks: Iterable[Callback], model: Any, params: dict[str, Any]) -> None:
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                msg = (
                    f"Argument `callbacks` must hold anyloss Callback instances; got "
                    f"{callback!r}. Subclass anyloss.models.Callback."
                )
                raise ValueError(msg)
            callback.set_model(model)
            callback.set_params(params)
        self._active = {
            hook: [
                getattr(c, hook)
                for c in self.callbacks
                if getattr(type(c), hook) is not getattr(Callback, hook)
            ]
            for hook in _HOOKS
        }

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if hook not in _HOOKS:
            raise AttributeError(hook)
        methods = self._active[hook]

        def call(*args: Any) -> None:
            for method in methods:
                method(*args)

        return call


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is a list of floats."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def plot(self, path: str | os.PathLike[str], title: str = "Training history") -> None:
        """Write a PNG: one panel per metric, training and validation curves per epoch."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        if not self.history:
            msg = "History.plot() needs at least one finished epoch; call fit() first."
            raise ValueError(msg)
        bases = [k for k in self.history if not k.startswith("val_")]
        bases += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in bases]
        fig, axes = plt.subplots(1, len(bases), figsize=(4.5 * len(bases), 3.8), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, base in zip(axes[0], bases, strict=True):
            for key, style in ((base, "-o"), (f"val_{base}", "--s")):
                if key in self.history:
                    ax.plot(epochs, self.history[key], style, label=key, markersize=4)
            ax.set_xlabel("Epoch")
            ax.set_ylabel(base)
            ax.set_title(base)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)


def _monitor_mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        msg = f"Argument `mode` must be 'auto', 'min' or 'max'. Received: mode={mode!r}"
        raise ValueError(msg)
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if name.endswith(("acc", "accuracy", "auc")) else "min"


class _Monitor:
    """Tracks the best value of a logged quantity (shared by EarlyStopping and checkpoints)."""

    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        self.monitor = monitor
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def value(self, logs: Mapping[str, float] | None, owner: str) -> float | None:
        if not logs or self.monitor not in logs:
            warnings.warn(
                f"{owner} monitors {self.monitor!r}, which is not in the logs "
                f"(available: {sorted(logs or {})}).",
                stacklevel=3,
            )
            return None
        return float(logs[self.monitor])

    def improved(self, current: float) -> bool:
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: a log key such as ``"val_loss"`` or ``"val_accuracy"``.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, min otherwise).
        restore_best_weights: when training ends, load the weights of the best epoch.
        start_from_epoch: epochs to wait before monitoring.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.monitor = monitor
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self._monitor.best = math.inf if self._monitor.mode == "min" else -math.inf
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights: dict[str, Any] | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        current = self._monitor.value(logs, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self._monitor.improved(current):
            self._monitor.best = current
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = {
                    k: v.detach().clone() for k, v in self.model.state_dict().items()
                }
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (``model.save``) after every epoch, or only when ``monitor`` improves.

    Args:
        filepath: where to save; may contain ``{epoch}`` (1-based) and log keys, e.g.
            ``"ckpt-{epoch:02d}-{val_loss:.3f}.pt"``.
        monitor, mode: the quantity that decides "best" (see ``EarlyStopping``).
        save_best_only: save only when ``monitor`` improves.

    In distributed training only rank 0 writes (atomically: a crash leaves the previous file
    intact) and the others wait for it. ``last_saved`` is ``(path, epoch)`` of this fit's
    latest complete save; :meth:`latest` finds the latest file on disk, to resume from after a
    crash or a ``torchrun`` restart (``epoch`` is the ``initial_epoch`` to pass)::

        checkpoint = ModelCheckpoint("ckpt/epoch-{epoch:03d}.anyloss")
        found = checkpoint.latest()
        model = load_model(found[0]) if found else build_model()
        model.fit(x, y, epochs=10, callbacks=[checkpoint], initial_epoch=found[1] if found else 0)
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        super().__init__()
        check_extension(filepath)  # at construction, not after the first epoch
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self._monitor = _Monitor(monitor, mode)
        self.last_saved: tuple[str, int] | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        logs = dict(logs or {})
        if self.save_best_only:
            current = self._monitor.value(logs, "ModelCheckpoint")
            if current is None or not self._monitor.improved(current):
                return
            self._monitor.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as err:
            msg = (
                f"ModelCheckpoint filepath {self.filepath!r} names {err}, which is not in the "
                f"logs {sorted(logs)}. Use {{epoch}} or one of those keys."
            )
            raise ValueError(msg) from err
        self.model.save(path)  # only rank 0 writes in distributed training
        if getattr(self.model, "_ddp", None) is not None:  # fit is training with DDP
            # The other ranks wait for rank 0's write, so that ``last_saved`` names a complete
            # file on every rank. A rank that died makes the barrier fail (or time out, see
            # ANYLOSS_DISTRIBUTED_TIMEOUT): it cannot hang for longer than any collective.
            if dist.get_rank() == 0:
                self.last_saved = (path, epoch + 1)
            dist.barrier()
        self.last_saved = (path, epoch + 1)

    def latest(self) -> tuple[str, int] | None:
        """``(path, epoch)`` of the existing file of ``filepath``'s pattern with the highest
        ``{epoch}``, or ``None``: resume with ``load_model(path)`` and
        ``fit(..., initial_epoch=epoch)``. ``filepath`` must contain ``{epoch}``."""
        directory, name = os.path.split(self.filepath)
        fields = [field for _, field, _, _ in string.Formatter().parse(name) if field]
        if "{" in directory or "epoch" not in fields:
            msg = (
                f"ModelCheckpoint({self.filepath!r}).latest() needs {{epoch}} in the file "
                "name (not in a directory) to tell the epochs apart, e.g. "
                "'ckpt/epoch-{epoch:03d}.anyloss'."
            )
            raise ValueError(msg)
        pattern = ""
        for literal, field, _, _ in string.Formatter().parse(name):
            pattern += re.escape(literal)
            if field == "epoch":
                pattern += r"(?P=epoch)" if "(?P<epoch>" in pattern else r"(?P<epoch>\d+)"
            elif field is not None:
                pattern += ".+?"
        matcher = re.compile(pattern + r"\Z")
        if not os.path.isdir(directory or "."):
            return None
        found = []
        for entry in os.listdir(directory or "."):
            match = matcher.match(entry)
            if match and os.path.isfile(os.path.join(directory, entry)):
                found.append((int(match["epoch"]), os.path.join(directory, entry)))
        if not found:
            return None
        epoch, path = max(found)
        return path, epoch
