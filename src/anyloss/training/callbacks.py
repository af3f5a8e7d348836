"""Keras callbacks: ``Callback``, ``CallbackList``, ``History``, ``EarlyStopping``,
``ModelCheckpoint``, ``ReduceLROnPlateau``, ``LearningRateScheduler``, ``CSVLogger``,
``TerminateOnNaN`` and ``LambdaCallback``.

Epochs are 0-based in hooks, as in Keras. Batch hooks get a lazy ``logs`` mapping: reading a
value syncs with the device, not reading it costs nothing, so the loop never waits on the host.
"""

from __future__ import annotations

import collections
import csv
import inspect
import math
import os
import re
import string
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from anyloss.training import optimizers
from anyloss.training.saving import check_extension

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LazyLogs",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


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
    def on_train_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self.on_batch_begin(batch, logs)  # Keras' older name, as Keras calls it

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_begin(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_end(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_begin(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_end(self, logs: Mapping[str, float] | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None: ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]
#: A callback that overrides the older name (``on_batch_end``) is called by the new one.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(callback: Callback, hook: str) -> bool:
    """``callback`` defines ``hook``: in its class, or as an attribute (``LambdaCallback``)."""
    return hook in getattr(callback, "__dict__", {}) or getattr(type(callback), hook) is not (
        getattr(Callback, hook)
    )


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
                if _overrides(c, hook) or (hook in _ALIASES and _overrides(c, _ALIASES[hook]))
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
            # A metric with several thresholds (Precision(thresholds=[...])) logs a list.
            logged = list(value) if isinstance(value, (list, tuple)) else float(value)
            self.history.setdefault(key, []).append(logged)

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
    # Keras reads the metric's direction; these are the names of the metrics that go up.
    return "max" if name.endswith(("acc", "accuracy", "auc", "precision", "recall")) else "min"


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
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, AUC, precision and
            recall, min otherwise).
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


def _optimizer_of(callback: Callback, owner: str) -> torch.optim.Optimizer:
    optimizer = getattr(callback.model, "optimizer", None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        msg = (
            f"{owner} needs the model's torch optimizer, which is {optimizer!r}: use it in "
            "model.fit(..., callbacks=[...]) after model.compile(optimizer=...)."
        )
        raise ValueError(msg)
    return optimizer


def _check_int(value: Any, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{owner}: argument `{name}` must be an integer >= 0. Received: {name}={value!r}"
        raise ValueError(msg)
    return value


def _check_float(value: Any, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        msg = f"{owner}: argument `{name}` must be a finite number. Received: {name}={value!r}"
        raise ValueError(msg)
    return float(value)


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when ``monitor`` has stopped improving (Keras' rule).

    At each epoch's end: during a cooldown the counter goes down and the patience count is
    reset; an improvement (by more than ``min_delta``) resets the patience count; otherwise,
    outside a cooldown, after ``patience`` epochs without improvement every param group's
    learning rate becomes ``max(lr * factor, min_lr)`` (when it is above ``min_lr``) and a
    cooldown of ``cooldown`` epochs starts. The learning rate before the change is logged as
    ``learning_rate``.

    Args:
        monitor: the log key to watch, e.g. ``"val_loss"``.
        factor: the multiplier of the learning rate (< 1).
        patience: epochs without improvement before a reduction.
        verbose: 1 prints a line at each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, AUC, precision and
            recall, min otherwise).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lower bound of the learning rate.

    Example:
        >>> import torch
        >>> from anyloss.callbacks import ReduceLROnPlateau
        >>> from anyloss.models import Model
        >>> model = Model(torch.nn.Linear(2, 1))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> x, y = torch.zeros(4, 2), torch.zeros(4, 1)
        >>> # An improvement must be > 1.0: none after the first epoch.
        >>> reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1.0)
        >>> history = model.fit(x, y, epochs=3, callbacks=[reduce], verbose=0)
        >>> history.history["learning_rate"]  # each epoch's rate, logged before reducing
        [0.01, 0.01, 0.005]
        >>> model.optimizer.param_groups[0]["lr"]
        0.0025
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        owner = "ReduceLROnPlateau"
        self.factor = _check_float(factor, "factor", owner)
        if not 0 <= factor < 1.0:
            msg = (
                f"{owner} does not support a factor >= 1.0 (it would not reduce) or < 0. "
                f"Received: factor={factor}. Use e.g. factor=0.1."
            )
            raise ValueError(msg)
        self.monitor = monitor
        self.patience = _check_int(patience, "patience", owner)
        self.verbose = verbose
        self.cooldown = _check_int(cooldown, "cooldown", owner)
        self.min_lr = _check_float(min_lr, "min_lr", owner)
        if self.min_lr < 0:
            msg = f"{owner}: argument `min_lr` must be >= 0. Received: min_lr={min_lr!r}"
            raise ValueError(msg)
        self._monitor = _Monitor(monitor, mode, _check_float(min_delta, "min_delta", owner))
        self.cooldown_counter = 0
        self.wait = 0

    @property
    def best(self) -> float:
        return self._monitor.best

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self._monitor.best = math.inf if self._monitor.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        optimizer = _optimizer_of(self, "ReduceLROnPlateau")
        if isinstance(logs, dict):
            logs["learning_rate"] = optimizers.get_learning_rate(optimizer)
        current = self._monitor.value(logs, "ReduceLROnPlateau")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor.improved(current):
            self._monitor.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = optimizers.get_learning_rate(optimizer)
                # Keras keeps the rate in float32: "above min_lr" compares float32 values.
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizers.set_learning_rate(optimizer, new_lr)
                    if self.verbose > 0:
                        print(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from ``schedule``.

    Args:
        schedule: ``schedule(epoch, lr) -> new lr`` (``epoch`` 0-based, ``lr`` the current
            rate), or ``schedule(epoch) -> lr``.
        verbose: 1 prints the rate set at each epoch.

    The rate at the end of each epoch is logged as ``learning_rate``.

    Example:
        >>> import torch
        >>> from anyloss.callbacks import LearningRateScheduler
        >>> from anyloss.models import Model
        >>> model = Model(torch.nn.Linear(2, 1))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> halve = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr / 2)
        >>> history = model.fit(torch.zeros(4, 2), torch.zeros(4, 1), epochs=3,
        ...                     callbacks=[halve], verbose=0)
        >>> history.history["learning_rate"]
        [0.01, 0.005, 0.0025]
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            msg = (
                "LearningRateScheduler: argument `schedule` must be a function "
                f"schedule(epoch, lr) or schedule(epoch). Received: schedule={schedule!r}"
            )
            raise ValueError(msg)
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _takes_two_arguments(schedule)

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        optimizer = _optimizer_of(self, "LearningRateScheduler")
        lr = optimizers.get_learning_rate(optimizer)
        if self._takes_lr is None:  # unknown signature: Keras' way
            try:
                value = self.schedule(epoch, lr)
            except TypeError:
                value = self.schedule(epoch)
        else:
            value = self.schedule(epoch, lr) if self._takes_lr else self.schedule(epoch)
        if isinstance(value, (torch.Tensor, np.ndarray, np.generic)) and np.ndim(value) == 0:
            value = float(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (math.isfinite(value) and value >= 0)
        ):
            msg = (
                f"LearningRateScheduler: the `schedule` function must return a non-negative "
                f"float learning rate. Got {value!r} at epoch {epoch}."
            )
            raise ValueError(msg)
        optimizers.set_learning_rate(optimizer, float(value))
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{float(value)}."
            )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        if isinstance(logs, dict):
            logs["learning_rate"] = optimizers.get_learning_rate(
                _optimizer_of(self, "LearningRateScheduler")
            )


def _takes_two_arguments(fn: Callable[..., Any]) -> bool | None:
    """Whether ``fn`` accepts two positional arguments (``None`` when it cannot be told)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


class CSVLogger(Callback):
    """Write every epoch's logs as a row of a CSV file (Keras' format: an ``epoch`` column
    (0-based) then the log keys sorted; without validation data, ``val_*`` columns of
    ``NA``).

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: add to an existing file (without repeating the header) instead of
            overwriting it.

    Example:
        >>> import tempfile, os, torch
        >>> from anyloss.callbacks import CSVLogger
        >>> from anyloss.models import Model
        >>> model = Model(torch.nn.Linear(2, 1, bias=False))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> history = model.fit(torch.zeros(4, 2), torch.zeros(4, 1), epochs=2,
        ...                     callbacks=[CSVLogger(path)], verbose=0)
        >>> print(open(path).read().replace("\\r", ""), end="")
        epoch,loss,val_loss
        0,0.0,NA
        1,0.0,NA
    """

    def __init__(
        self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            msg = f"CSVLogger: argument `filename` must be a path. Received: {filename!r}"
            raise ValueError(msg)
        if not isinstance(separator, str) or len(separator) != 1:
            msg = (
                "CSVLogger: argument `separator` must be a one-character string such as ',' "
                f"or '\\t'. Received: separator={separator!r}"
            )
            raise ValueError(msg)
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: Any = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)  # noqa: SIM115  (closed in on_train_end)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        logs = logs or {}

        def handle_value(value: Any) -> Any:
            if isinstance(value, str):
                return value
            if isinstance(value, Iterable) and not (
                isinstance(value, np.ndarray) and value.ndim == 0
            ):
                return f'"[{", ".join(map(str, value))}]"'
            return value

        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            if self.csv_file is None:  # used without fit's on_train_begin
                self.on_train_begin()
                self.keys = sorted(logs)
                if self.keys and not any(k.startswith("val_") for k in self.keys):
                    self.keys.extend([f"val_{k}" for k in self.keys])

            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], dialect=Dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stop training when the loss logged after a batch is NaN or infinite.

    The batch logs' ``loss`` is the epoch's running mean, so one NaN batch stops the epoch. Reading
    it costs one host read per batch.

    Args:
        raise_error: raise ``RuntimeError`` at once instead of stopping gracefully (which
            still runs every callback's ``on_train_end``).

    Example:
        >>> import torch
        >>> from anyloss.callbacks import TerminateOnNaN
        >>> from anyloss.models import Model
        >>> model = Model(torch.nn.Linear(1, 1))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> x = torch.tensor([[1.0], [float("nan")], [1.0], [1.0]])
        >>> history = model.fit(x, torch.ones(4, 1), batch_size=1, epochs=3, shuffle=False,
        ...                     callbacks=[TerminateOnNaN()], verbose=0)
        Batch 1: Invalid loss, terminating training
        >>> len(history.history["loss"])  # the first epoch ends, the next ones never start
        1
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        loss = logs.get("loss") if logs is not None else None
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            msg = (
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                "Terminating training immediately."
            )
            raise RuntimeError(msg)
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


#: The hooks a LambdaCallback takes, and whether each gets an index (batch or epoch) first.
_LAMBDA_HOOKS = {
    hook: hook
    not in (
        "on_train_begin",
        "on_train_end",
        "on_test_begin",
        "on_test_end",
        "on_predict_begin",
        "on_predict_end",
    )
    for hook in _HOOKS
}


class LambdaCallback(Callback):
    """A callback from plain functions, called with positional arguments as in Keras:
    ``(epoch, logs)`` for epoch hooks, ``(batch, logs)`` for batch hooks, ``(logs)`` for the
    others.

    Args:
        on_epoch_begin, on_epoch_end: ``fn(epoch, logs)``.
        on_train_begin, on_train_end: ``fn(logs)``.
        on_train_batch_begin, on_train_batch_end: ``fn(batch, logs)``.
        **kwargs: any other hook by name: ``on_batch_begin``/``on_batch_end`` (Keras' older
            names of the training batch hooks), ``on_test_*``, ``on_predict_*``.

    Example:
        >>> import torch
        >>> from anyloss.callbacks import LambdaCallback
        >>> from anyloss.models import Model
        >>> model = Model(torch.nn.Linear(2, 1))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> seen = []
        >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch),
        ...                           on_batch_end=lambda batch, logs: seen.append("batch"))
        >>> history = model.fit(torch.zeros(4, 2), torch.zeros(4, 1), batch_size=2, epochs=2,
        ...                     callbacks=[callback], verbose=0)
        >>> seen
        ['batch', 'batch', 0, 'batch', 'batch', 1]
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Callable[..., Any] | None,
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, fn in hooks.items():
            if name not in _LAMBDA_HOOKS:
                msg = (
                    f"LambdaCallback got an unknown hook {name!r}. Hooks: {sorted(_LAMBDA_HOOKS)}."
                )
                raise ValueError(msg)
            if fn is None:
                continue
            if not callable(fn):
                msg = f"LambdaCallback: argument `{name}` must be a function. Received: {fn!r}"
                raise ValueError(msg)
            setattr(self, name, _positional(fn, _LAMBDA_HOOKS[name]))


def _positional(fn: Callable[..., Any], indexed: bool) -> Callable[..., Any]:
    """``fn`` called with ``logs`` always passed positionally (``None`` when the loop has none),
    as Keras' callback lists call hooks."""
    if indexed:
        return lambda index, logs=None: fn(index, logs)
    return lambda logs=None: fn(logs)
