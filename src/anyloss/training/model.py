"""``Model(module)`` and ``Sequential``: Keras' compile/fit/evaluate/predict on PyTorch.

``Model`` wraps a ``torch.nn.Module`` instead of subclassing it (``nn.Module.compile`` is
``torch.compile``; wrapping keeps the module's ``state_dict`` keys unprefixed). The loop is
Keras': per epoch reset the metrics, train every batch, read the logs once, validate, call the
callbacks. Per step it does forward, loss, backward and optimizer step, and adds to on-device
(sum, count) trackers: no host sync until the epoch's logs are read.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

import anyloss
from anyloss import backend as B
from anyloss.backend import _collectives as C
from anyloss.container import LossesContainer, Mean, batch_size, flatten_with_path
from anyloss.training import data_adapter, diagnose, functional, optimizers, saving
from anyloss.training import distributed as parallel
from anyloss.training.callbacks import Callback, CallbackList, History, LazyLogs
from anyloss.training.layer_registry import LAYERS
from anyloss.training.layers import Dense  # noqa: F401  (Dense: the doctests use it)
from anyloss.training.metrics import CompileMetrics, deserialize_metrics, serialize_metrics
from anyloss.training.progress import ProgressLogger, format_logs, resolve_verbose

__all__ = ["Model", "Sequential", "load_model", "training_mode"]


@contextlib.contextmanager
def training_mode(module: nn.Module, training: bool) -> Iterator[None]:
    """Set ``module.train(training)`` and grad mode; restore every submodule's mode after."""
    modes = [(m, m.training) for m in module.modules()]
    module.train(training)
    try:
        with torch.set_grad_enabled(training):
            yield
    finally:
        for m, mode in modes:
            m.training = mode


def call_module(module: nn.Module, x: Any) -> Any:
    """``module(x)``; a tuple/list is passed as positional inputs, a dict as keyword inputs."""
    if isinstance(x, (list, tuple)):
        return module(*x)
    if isinstance(x, Mapping):
        return module(**x)
    return module(x)


class Model:
    """Keras' training API around any ``torch.nn.Module``, or Keras' functional model
    ``Model(inputs, outputs)`` of layers called on :func:`~anyloss.layers.Input` tensors.

    Args:
        module: the network. Its ``forward`` may return a tensor, a tuple/list or a dict of
            tensors (multi-output); a tuple/list ``x`` is passed as positional inputs, a dict as
            keyword inputs. Symbolic tensors here are Keras' positional ``inputs``.
        output_names: names of the flat outputs (default: dict keys, else ``output_1``, ...).
            Symbolic tensors here are Keras' positional ``outputs``.
        inputs: a functional model's ``Input`` tensors (one, a list or a dict by name).
        outputs: its outputs (one, a list or a dict); a list's outputs are named after the
            layers that produce them (``Dense(1, name="priority")``), a dict's by its keys.
        name: the model's name (``summary()``'s title; default ``"functional"`` for a
            functional model).

    Example:
        >>> import torch
        >>> from anyloss.models import Model
        >>> x, y = torch.randn(32, 3), torch.randn(32, 1)
        >>> model = Model(torch.nn.Linear(3, 1))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(x, y, epochs=2, verbose=0)
        >>> sorted(history.history)
        ['loss']
        >>> len(history.history["loss"])
        2
    """

    def __init__(
        self,
        module: nn.Module | None = None,
        output_names: Sequence[str] | None = None,
        *,
        inputs: Any = None,
        outputs: Any = None,
        name: str | None = None,
    ) -> None:
        if inputs is not None or outputs is not None or functional.is_symbolic(module):
            graph = functional.model_graph(module, output_names, inputs, outputs)
            module, output_names, name = graph, graph.output_names, name or "functional"
        if name is not None:
            self.name = name
        if module is not None and not isinstance(module, nn.Module):
            msg = (
                f"Model(module) needs a torch.nn.Module; got {type(module).__name__}. For "
                "a list of layers use Sequential([...])."
            )
            raise TypeError(msg)
        if module is None and type(self).call is not Model.call:
            # Keras-style subclassing: layers assigned as attributes become submodules of
            # this module, whose forward is the subclass's call().
            module = _CallModule(self)
            for name, value in list(vars(self).items()):  # layers assigned before __init__
                if isinstance(value, nn.Module):
                    module.add_module(name, value)
        # None only until a subclass's own __init__ assigns its module; every method needs
        # it, so it is typed as set (``_module()`` says what to do when it is missing).
        self.module: nn.Module = module  # type: ignore[assignment]
        self.output_names = list(output_names) if output_names is not None else None
        self.optimizer: torch.optim.Optimizer | None = None
        self.compiled_loss: LossesContainer | None = None
        self.compiled_metrics: CompileMetrics | None = None
        self.compile_args: dict[str, Any] | None = None
        self.stop_training = False
        self.history: History | None = None
        self._loss_tracker = Mean("loss")
        self._ddp: nn.Module | None = None
        self._summary_sample: Any = None

    def call(self, inputs: Any, training: bool = False) -> Any:
        """The forward pass of a Keras-style subclass: override it (``Model(module)`` runs
        ``module`` instead). Layers assigned as attributes in ``__init__`` are trained."""
        msg = (
            f"{type(self).__name__}.call() is not defined: subclass Model with "
            "`def call(self, inputs, training=False):`, or pass a module: Model(module)."
        )
        raise NotImplementedError(msg)

    def __setattr__(self, name: str, value: Any) -> None:
        module = self.__dict__.get("module")
        if isinstance(module, _CallModule) and isinstance(value, nn.Module) and name != "module":
            module.add_module(name, value)
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ torch conveniences
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def parameters(self) -> Iterator[nn.Parameter]:
        return self.module.parameters()

    def state_dict(self) -> dict[str, Any]:
        return self.module.state_dict()

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> Any:
        return self.module.load_state_dict(state_dict)

    @property
    def device(self) -> torch.device:
        """Where the module's parameters live (CPU for a module without any)."""
        for tensor in (*self.module.parameters(), *self.module.buffers()):
            return tensor.device
        return torch.device("cpu")

    def to(self, device: Any) -> Model:
        """Move the module and any optimizer state to ``device``."""
        self.module.to(device)
        if self.optimizer is not None:
            for state in self.optimizer.state.values():
                for key, value in state.items():
                    if isinstance(value, torch.Tensor) and value.ndim:
                        state[key] = value.to(device)
        return self

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: optimizers.OptimizerLike = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
    ) -> None:
        """Set the optimizer, the loss and the metrics. Resolves nothing yet.

        Args:
            optimizer: a Keras name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ... with Keras'
                defaults), a Keras-style optimizer (``anyloss.optimizers.Adam(...)``, a
                learning-rate schedule included), a config dict, a ``torch.optim.Optimizer``,
                or a factory ``fn(parameters) -> Optimizer``.
            loss: anything :func:`anyloss.get` accepts, or a list/dict per output; becomes
                ``self.compiled_loss``, a :class:`~anyloss.LossesContainer` built on the first
                training step. A loss that owns weights (``anyloss.ArcFace``'s class weights, a
                ``torch.nn.Module`` loss with parameters) has them trained with the module's.
            loss_weights: a number, or a list/dict per output (dicts pair by output name).
            metrics: a list such as ``["accuracy", "mae", "auc"]`` (names, functions or
                ``anyloss.metrics`` objects), a dict by output name, or a list of lists per
                output.
            weighted_metrics: the same, weighted by ``fit``'s/``evaluate``'s ``sample_weight``
                (a name already in ``metrics`` is logged as ``weighted_<name>``).

        Recompiling replaces everything, ``loss=None`` included (Keras keeps the old loss).
        """
        if not isinstance(self.module, nn.Module):
            msg = (
                f"{type(self).__name__} has no network: pass a torch.nn.Module, "
                "Model(module), or subclass Model Keras-style: call super().__init__(), "
                "assign the layers as attributes and define `call(self, inputs, "
                "training=False)`."
            )
            raise TypeError(msg)
        self.compile_args = {
            "optimizer": optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        # Without a loss, fit/evaluate raise in compute_loss; the metrics still pair with the
        # outputs by name.
        self.compiled_loss = (
            None if loss is None else LossesContainer(loss, loss_weights, self.output_names)
        )
        self.compiled_metrics = CompileMetrics(
            metrics, self.compiled_loss, self.output_names, weighted_metrics
        )
        self.optimizer = None
        if isinstance(optimizer, torch.optim.Optimizer) or self._materialized():
            self.optimizer = optimizers.get(optimizer, self._trainable_parameters(loss))

    def _trainable_parameters(self, loss: Any = None) -> list[nn.Parameter]:
        """The module's parameters, then those the compiled ``loss`` owns (a loss with learned
        weights, such as ``anyloss.ArcFace``'s class weights, or a ``torch.nn.Module`` loss):
        the optimizer trains both."""
        found = list(self.module.parameters())
        seen = {id(p) for p in found}
        for p in loss_parameters(loss):
            if id(p) not in seen:
                seen.add(id(p))
                found.append(p)
        return found

    def _materialized(self) -> bool:
        # A layer with a ``built`` flag (Dense, LSTM, ...) may build from the first batch.
        return not any(
            getattr(m, "built", True) is False for m in self.module.modules()
        ) and not any(
            isinstance(p, nn.parameter.UninitializedParameter) for p in self.module.parameters()
        )

    def build(self, x: Any) -> None:
        """Create lazily shaped weights from a sample batch ``x``, then the optimizer.

        One row of ``x`` is kept for :meth:`summary`'s output shapes."""
        self._summary_sample = data_adapter.map_structure(
            lambda t: t[:1].detach() if isinstance(t, torch.Tensor) and t.ndim else t,
            data_adapter.to_tensors(x),
        )
        if not self._materialized():
            with training_mode(self.module, False):
                call_module(
                    self.module, data_adapter.to_device(data_adapter.to_tensors(x), self.device)
                )
        if self.optimizer is None and self.compile_args is not None:
            self.optimizer = optimizers.get(
                self.compile_args["optimizer"],
                self._trainable_parameters(self.compile_args["loss"]),
            )

    def _require_compiled(self, what: str) -> None:
        if self.compile_args is None:
            msg = f"You must call model.compile(optimizer=..., loss=...) before model.{what}()."
            raise ValueError(msg)

    def _step_metrics(self, what: str) -> CompileMetrics:
        """The compiled metrics a step updates (``compile`` creates them)."""
        if self.compiled_metrics is None:
            self._require_compiled(what)
        assert self.compiled_metrics is not None  # compile() sets both
        return self.compiled_metrics

    def _step_optimizer(self) -> torch.optim.Optimizer:
        """The optimizer a training step uses (``fit``/``build`` create it after compile)."""
        if self.optimizer is None:
            msg = (
                "model.train_step() needs the optimizer, created when the model is built: "
                "call model.build(x) first (fit() does)."
            )
            raise ValueError(msg)
        return self.optimizer

    # ------------------------------------------------------------------ steps
    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None
    ) -> torch.Tensor:
        """The loss to minimise, with the layers' weight penalties; builds ``compiled_loss`` on
        its first call. Override it for losses that need ``x`` or other tensors."""
        if self.compiled_loss is None:
            msg = (
                "No loss to compute. Provide a `loss` argument in compile(), e.g. "
                "model.compile(optimizer='adam', loss='mse')."
            )
            raise ValueError(msg)
        if y is None:
            msg = (
                f"Target data is missing: the model was compiled with "
                f"loss={self.compiled_loss.loss!r}, so fit() and evaluate() need `y`."
            )
            raise ValueError(msg)
        try:
            loss = self.compiled_loss(y, y_pred, sample_weight)
        except Exception as err:
            explained = diagnose.explain_loss_error(
                err,
                self.compiled_loss,
                y,
                y_pred,
                "fit()" if self.module.training else "evaluate() (or fit()'s validation)",
            )
            if explained is None:
                raise
            raise explained from err
        penalty = self._regularization_loss()  # the layers' weight penalties, as Keras adds
        return loss if penalty is None else loss + penalty

    def _metrics(self) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = [("loss", self._loss_tracker)]
        if self.compiled_loss is not None:
            found += [(k, m) for k, m in self.compiled_loss.metrics.items() if k != "loss"]
        if self.compiled_metrics is not None:
            found += [(m.name, m.state) for _, m in self.compiled_metrics.metrics]
        return found

    def _reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        if self.compiled_loss is not None:
            self.compiled_loss.reset_state()
        if self.compiled_metrics is not None:
            self.compiled_metrics.reset_state()

    def _logs(self, state: parallel.DistributedState | None = None) -> dict[str, float]:
        """The epoch's logs as floats: the one host read per epoch (reduced across processes)."""
        named = self._metrics()
        if state is None:
            return {name: mean.result() for name, mean in named}
        values = parallel.reduce_means([mean for _, mean in named], state)
        return dict(zip([name for name, _ in named], values, strict=True))

    def train_step(
        self, x: Any, y: Any, sample_weight: Any = None, loss_scale: float = 1.0
    ) -> torch.Tensor:
        """One optimisation step on a batch already on the model's device.

        ``loss_scale`` is this process' rows times the world size over the global batch's
        rows (``fit`` passes it in distributed training; 1.0 for equal shards).
        """
        return self._optimizer_step([(x, y, sample_weight, loss_scale)])

    def _loss_parts(self, x: Any, y: Any, y_pred: Any, sample_weight: Any) -> list[Any]:
        """``compiled_loss.parts(...)`` with ``compute_loss``'s checks and error advice."""
        if self.compiled_loss is None or y is None:
            self.compute_loss(x, y, y_pred, sample_weight)  # raises the usual error
        assert self.compiled_loss is not None
        try:
            return self.compiled_loss.parts(y, y_pred, sample_weight)
        except Exception as err:
            explained = diagnose.explain_loss_error(err, self.compiled_loss, y, y_pred, "fit()")
            if explained is None:
                raise
            raise explained from err

    def _optimizer_step(
        self,
        micro: Sequence[tuple[Any, Any, Any, float]],
        state: parallel.DistributedState | None = None,
        on_begin: Any = None,
        on_end: Any = None,
    ) -> torch.Tensor:
        """Forward and backward over the micro-batches ``(x, y, sample_weight, loss_scale)``,
        then one optimizer step.

        The loss is normalised over all the micro-batches and all processes: each output's
        weighted total is divided by its global count (the rows, the unmasked entries or the
        summed weights of the whole step), so the gradient is that of one process on the
        concatenated batch (``docs/scaling-out.md``). Counts that depend on the data cost one
        ``all_reduce`` of a few scalars per step; equal shards of an unweighted, unmasked loss
        cost none. DDP synchronises gradients on the last micro-batch only.
        """
        optimizer, metrics = self._step_optimizer(), self._step_metrics("train_step")
        optimizer.zero_grad(set_to_none=True)
        if type(self).compute_loss is not Model.compute_loss:
            return self._custom_loss_step(micro, optimizer, metrics, on_begin, on_end)
        world = state.world_size if state is not None else 1
        even = all(scale == 1.0 for *_, scale in micro)
        net = self._ddp or self.module
        container = self.compiled_loss
        denominators = None
        if len(micro) > 1 and (
            container is None or not container.built or len(container.losses) > 1
        ):
            denominators = self._counted_before(micro, even, world)
        shares: list[Any] = []
        deferred: list[list[Any]] = []
        names: list[Any] = []
        for j, last, (x, y, sw, _) in self._micro_batches(micro, on_begin):
            y_pred = call_module(net, x)
            terms = self._loss_parts(x, y, y_pred, sw)
            if denominators is None and len(micro) == 1:
                denominators = _global_denominators(
                    [[t.parts.count] for t in terms], even, world, y_pred
                )
            objective = None
            for i, t in enumerate(terms):
                # One multiplication by a Python float per output (a step's few kernels count
                # on small models): weight / global count, times world_size for DDP's average.
                scale = t.weight * world
                if denominators is not None and t.parts.count is not None:
                    den = denominators[i]
                    scale = scale / den if den else 0.0
                value = t.parts.total * scale if scale != 1.0 else t.parts.total
                objective = value if objective is None else objective + value
            _require_gradient(objective).backward()
            names = [(t.weight, t.metric) for t in terms]
            shares.append([t.parts.total.detach() for t in terms])
            deferred.append([t.parts.count for t in terms])
            metrics.update_state(y, y_pred, sw)
            if on_end is not None and not last:
                on_end(j)  # the last one runs once the step's loss is logged
        if denominators is None:  # several micro-batches, one loss: divide the gradients now
            denominators = _global_denominators(
                [[row[0] for row in deferred]], even, world, shares[0][0]
            )
            den = denominators[0]
            if deferred[0][0] is not None:
                factor = 1.0 / den if den else 0.0
                for group in optimizer.param_groups:
                    for param in group["params"]:
                        if param.grad is not None:
                            param.grad.mul_(factor)
        penalty = self._add_regularization_gradients(optimizer)
        optimizer.step()
        value = self._log_step(micro, shares, deferred, names, denominators, world, penalty)
        if on_end is not None:
            on_end(len(micro) - 1)
        return value

    def _regularization_loss(self) -> torch.Tensor | None:
        """The layers' weight penalties (``kernel_regularizer=`` ...): Keras' ``sum(model.losses)``,
        or ``None`` when no layer has one."""
        found = [getattr(m, "regularization_loss", None) for m in self.module.modules()]
        terms = [t for t in (f() for f in found if callable(f)) if isinstance(t, torch.Tensor)]
        return torch.stack([t.reshape(()) for t in terms]).sum() if terms else None

    def _add_regularization_gradients(
        self, optimizer: torch.optim.Optimizer
    ) -> torch.Tensor | None:
        """Add the weight penalties' gradients once per step, after the loss' normalisation
        (they do not depend on the batch); ``torch.autograd.grad`` leaves DDP's gradient hooks
        out, and every process adds the same. Returns the penalty (detached) for the logs."""
        penalty = self._regularization_loss()
        if penalty is None or not penalty.requires_grad:  # none, or every penalty is 0
            return penalty
        params = [p for group in optimizer.param_groups for p in group["params"] if p.requires_grad]
        grads = torch.autograd.grad(penalty, params, allow_unused=True)
        for param, grad in zip(params, grads, strict=True):
            if grad is not None:
                param.grad = grad if param.grad is None else param.grad + grad
        return penalty.detach()

    def _micro_batches(
        self, micro: Sequence[tuple[Any, Any, Any, float]], on_begin: Any
    ) -> Iterator[tuple[int, bool, tuple[Any, Any, Any, float]]]:
        """``(index, is last, batch)`` of each micro-batch, after its ``on_begin`` callback,
        inside DDP's ``no_sync()`` for all but the last (gradients sync once per step)."""
        for j, batch in enumerate(micro):
            if on_begin is not None:
                on_begin(j)
            last = j == len(micro) - 1
            with _sync_unless(self._ddp, last):
                yield j, last, batch

    def _counted_before(
        self, micro: Sequence[tuple[Any, Any, Any, float]], even: bool, world: int
    ) -> list[Any]:
        """The global count of every output over the micro-batches, from a gradient-free
        forward pass in inference mode (several outputs need them before the backward)."""
        counts: list[list[Any]] = []
        with torch.no_grad(), training_mode(self.module, False):
            for x, y, sw, _ in micro:
                y_pred = call_module(self.module, x)
                counts.append([t.parts.count for t in self._loss_parts(x, y, y_pred, sw)])
        columns = [list(column) for column in zip(*counts, strict=True)]
        return _global_denominators(columns, even, world, y_pred)

    def _log_step(
        self,
        micro: Sequence[tuple[Any, Any, Any, float]],
        shares: list[list[Any]],
        counts: list[list[Any]],
        names: list[tuple[float, Any]],
        denominators: list[Any],
        world: int,
        penalty: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Add the step's loss to the running means as this process' share (shares add up
        over processes to the global value, so the epoch's reduced logs are global means).
        The weight ``penalty``, the same on every process, is in the loss as Keras logs it."""
        local_rows = [len_rows(y) for _, y, _, _ in micro]
        n_local = sum(local_rows)
        n_global = sum(
            n * world / scale for n, (*_, scale) in zip(local_rows, micro, strict=True) if scale
        )
        step_value = None
        for i, (weight, metric) in enumerate(names):
            total = shares[0][i] if len(shares) == 1 else sum(row[i] for row in shares)
            den = denominators[i]
            factor = 1.0 if counts[0][i] is None else (1.0 / den if den else 0.0)
            if metric is not None:
                metric.add(total * (factor * n_global), n_local)
            share = total * (factor * weight)
            step_value = share if step_value is None else step_value + share
        assert step_value is not None
        if penalty is not None:
            step_value = step_value + penalty / world
        self._loss_tracker.add(step_value * n_global, n_local)
        return step_value * world

    def _custom_loss_step(
        self,
        micro: Sequence[tuple[Any, Any, Any, float]],
        optimizer: torch.optim.Optimizer,
        metrics: CompileMetrics,
        on_begin: Any,
        on_end: Any,
    ) -> torch.Tensor:
        """The step for an overridden ``compute_loss``: its value is taken as each
        micro-batch's mean, and the micro-batches are averaged (no global counts)."""
        net = self._ddp or self.module
        loss = None
        for j, _, (x, y, sw, scale) in self._micro_batches(micro, on_begin):
            y_pred = call_module(net, x)
            loss = self.compute_loss(x, y, y_pred, sw)
            _require_gradient(loss, "compute_loss() returned a value that")
            self._loss_tracker.update_state(loss, batch_size(y_pred))
            (loss * (scale / len(micro))).backward()
            metrics.update_state(y, y_pred, sw)
            if on_end is not None:
                on_end(j)
        optimizer.step()
        assert loss is not None
        return loss

    def test_step(self, x: Any, y: Any, sample_weight: Any = None) -> torch.Tensor:
        """Loss and metrics on a batch, without gradients."""
        y_pred = call_module(self.module, x)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._loss_tracker.update_state(loss, batch_size(y_pred))
        self._step_metrics("test_step").update_state(y, y_pred, sample_weight)
        return loss

    # ------------------------------------------------------------------ fit / evaluate
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = 32,
        epochs: int = 1,
        verbose: int | str = "auto",
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        sample_weight: Any = None,
        class_weight: Mapping[int, float] | None = None,
        callbacks: Iterable[Callback] | None = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int | Sequence[int] = 1,
        distributed: bool | None = None,
        gradient_accumulation_steps: int | None = None,
    ) -> History:
        """Train for ``epochs`` epochs; returns a :class:`History` (also ``self.history``).

        Args:
            x, y: arrays/tensors (or lists/dicts of them for several inputs/outputs), or ``x``
                a ``DataLoader``/iterable yielding ``(x, y)`` or ``(x, y, sample_weight)``.
            batch_size: samples per step (the global batch in distributed training).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; ``"auto"``: 1 on a
                terminal, else 2.
            validation_split: the **last** fraction of the arrays, taken before shuffling.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)`` or an
                iterable; overrides ``validation_split``.
            shuffle: reshuffle the training arrays every epoch.
            sample_weight: per-sample weights (one array, or a list/dict per output).
            class_weight: ``{class index: weight}`` turned into sample weights
                (single-output only, not with ``sample_weight``).
            callbacks: e.g. ``[EarlyStopping(patience=2), ModelCheckpoint("best.pt")]``.
            initial_epoch: epoch to start from (to resume training).
            steps_per_epoch: batches per epoch (default: the whole data). An epoch then takes
                the next batches of one iterator that lasts across epochs, so ``x`` may be an
                endless Python generator; a generator that runs out stops training with a
                warning.
            validation_steps: batches per validation run (default: the whole validation data).
            validation_batch_size: batch size of array validation data (default:
                ``batch_size``).
            validation_freq: validate every ``validation_freq`` epochs (an int), or after the
                epochs listed (1-based, e.g. ``[1, 5, 10]``).
            distributed: ``True`` trains with DDP in the current process group, ``None``
                (default) does when launched by ``torchrun``. If another process dies or
                hangs (``ANYLOSS_DISTRIBUTED_TIMEOUT``, default 120 s), ``fit`` raises a
                ``RuntimeError`` naming the last ``ModelCheckpoint`` file to resume from.

        The ``loss`` logged per epoch is the batch-size-weighted mean over the epoch while the
        weights change (with dropout active), so it differs from ``evaluate`` on the same data.
        """
        self._require_compiled("fit")
        functional.reject_symbolic("fit", x=x, y=y, sample_weight=sample_weight)
        data_adapter.reject_scalars(x=x, y=y, sample_weight=sample_weight)
        _check_validation_freq(validation_freq)
        if gradient_accumulation_steps is not None:
            optimizers.check_accumulation_steps(gradient_accumulation_steps)
        state = parallel.setup(distributed)
        x, y, sample_weight = (
            data_adapter.to_tensors(v) if data_adapter.is_array_data(x) else v
            for v in (x, y, sample_weight)
        )
        sample_weight = data_adapter.with_class_weight(y, sample_weight, class_weight)
        if validation_data is None and validation_split:
            if not data_adapter.is_array_data(x):
                msg = (
                    "Argument `validation_split` only works with arrays; with a DataLoader "
                    "pass `validation_data` instead."
                )
                raise ValueError(msg)
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split
            )
        rank, world = (state.rank, state.world_size) if state else (0, 1)
        if state is not None:
            self.module.to(state.device)
        train_batches = data_adapter.EpochIterator(
            data_adapter.make_batches(
                x,
                y,
                sample_weight,
                batch_size,
                shuffle,
                rank,
                world,
                parallel.shared_seed(state) if shuffle and state is not None else None,
            ),
            steps_per_epoch,
            "steps_per_epoch",
        )
        val_batches = _validation_batches(
            validation_data,
            batch_size if validation_batch_size is None else validation_batch_size,
            rank,
            world,
            validation_steps,
        )
        verbose = resolve_verbose(verbose) if rank == 0 else 0
        self.history = History()
        extra = [ProgressLogger(verbose)] if verbose else []
        callback_list = CallbackList(
            # History last, as in Keras: it records what other callbacks add to the epoch's
            # logs (ReduceLROnPlateau's learning_rate).
            [*extra, *(callbacks or []), self.history],
            self,
            {"epochs": epochs, "steps": _steps(train_batches), "verbose": verbose},
        )
        device = self.device
        self._prepare(train_batches, device)
        steps = optimizers.accumulation_steps(self.optimizer, gradient_accumulation_steps)
        if steps > 1 and type(self).train_step is not Model.train_step:
            msg = (
                f"gradient_accumulation_steps={steps} needs fit's own step, but "
                f"{type(self).__name__} overrides train_step(): accumulate inside your "
                f"train_step, or leave gradient_accumulation_steps=None."
            )
            raise ValueError(msg)
        if state is not None:
            self._ddp = parallel.wrap(self.module, state)
        lazy_logs = self._lazy_logs()
        self.stop_training = False
        logs: dict[str, float] = {}
        callback_list.on_train_begin()
        try:
            for epoch in range(initial_epoch, epochs):
                train_batches.set_epoch(epoch)
                self._reset_metrics()
                callback_list.on_epoch_begin(epoch)
                with training_mode(self.module, True):
                    self._train_epoch(train_batches, steps, state, callback_list, lazy_logs)
                logs = self._logs(state)
                if val_batches is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._run_evaluation(val_batches, device, state, callback_list)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if train_batches.ran_out and epoch + 1 < epochs:
                    _warn_ran_out(epoch, steps_per_epoch, epochs)
                    self.stop_training = True
                if self.stop_training:
                    break
            callback_list.on_train_end(logs)
        except Exception as err:  # another process died or hung: say so, name the checkpoint
            parallel.raise_group_failure(err, state, callback_list.callbacks)
            raise
        finally:
            self._ddp = None
        return self.history

    def _train_epoch(
        self,
        batches: Any,
        steps: int,
        state: parallel.DistributedState | None,
        callback_list: CallbackList,
        lazy_logs: LazyLogs,
    ) -> None:
        """One epoch: groups of ``steps`` micro-batches, one optimizer step per group (the
        epoch's last group may be shorter). Batch callbacks run for every micro-batch."""
        device = self.device
        custom_step = type(self).train_step is not Model.train_step
        group: list[tuple[int, tuple[Any, Any, Any, float]]] = []

        def run(group: list[tuple[int, tuple[Any, Any, Any, float]]]) -> None:
            first = group[0][0]
            if custom_step:  # a Keras-style override: one batch per call
                callback_list.on_train_batch_begin(first)
                self.train_step(*group[0][1])
                callback_list.on_train_batch_end(first, lazy_logs)
                return
            self._optimizer_step(
                [batch for _, batch in group],
                state,
                lambda j: callback_list.on_train_batch_begin(first + j),
                lambda j: callback_list.on_train_batch_end(first + j, lazy_logs),
            )

        for step, (bx, by, bsw, scale) in enumerate(batches):
            bx, by, bsw = (data_adapter.to_device(v, device) for v in (bx, by, bsw))
            group.append((step, (bx, by, bsw, scale)))
            if len(group) == steps:
                run(group)
                group = []
                if self.stop_training:
                    return
        if group:
            run(group)

    def _prepare(self, batches: Any, device: torch.device) -> None:
        """Build lazy layers and the optimizer from the first batch before the loop."""
        if self.optimizer is None or not self._materialized():
            bx = batches.peek()[0]
            self.build(data_adapter.to_device(bx, device))

    def _lazy_logs(self) -> LazyLogs:
        return LazyLogs(lambda: {name: m.result() for name, m in self._metrics()})

    def _run_evaluation(
        self,
        batches: Any,
        device: torch.device,
        state: parallel.DistributedState | None = None,
        callbacks: CallbackList | None = None,
    ) -> dict[str, float]:
        """Loss and metrics over ``batches``, calling the ``on_test_*`` hooks (as Keras does
        from ``evaluate``, and from ``fit`` for the validation data)."""
        self._reset_metrics()
        lazy_logs = self._lazy_logs()
        if callbacks is not None:
            callbacks.on_test_begin()
        with training_mode(self.module, False):
            for step, (bx, by, bsw, _) in enumerate(batches):
                bx, by, bsw = (data_adapter.to_device(v, device) for v in (bx, by, bsw))
                if callbacks is not None:
                    callbacks.on_test_batch_begin(step)
                self.test_step(bx, by, bsw)
                if callbacks is not None:
                    callbacks.on_test_batch_end(step, lazy_logs)
        logs = self._logs(state)
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = 32,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Iterable[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss (and metrics) on the data, without training.

        ``steps`` limits the batches drawn (needed for an endless generator). ``callbacks``
        get ``on_test_begin``, ``on_test_batch_begin``/``on_test_batch_end`` per batch and
        ``on_test_end`` with the logs.

        Returns:
            The loss as a float when there is nothing else to report; otherwise a list in the
            order ``loss``, per-output losses, metrics (or a dict with ``return_dict=True``).
        """
        self._require_compiled("evaluate")
        functional.reject_symbolic("evaluate", x=x, y=y, sample_weight=sample_weight)
        batches = data_adapter.EpochIterator(
            data_adapter.make_batches(x, y, sample_weight, batch_size), steps, "steps"
        )
        self._prepare(batches, self.device)
        show = resolve_verbose(verbose)
        callback_list = CallbackList(
            callbacks or [], self, {"epochs": 1, "steps": _steps(batches), "verbose": show}
        )
        logs = self._run_evaluation(batches, self.device, callbacks=callback_list)
        if show:
            print(format_logs(logs))
        return logs if return_dict else _flat_logs(logs)

    def predict(
        self,
        x: Any,
        batch_size: int | None = 32,
        verbose: int | str = 0,
        steps: int | None = None,
        callbacks: Iterable[Callback] | None = None,
    ) -> Any:
        """The module's outputs as NumPy arrays (same structure), computed batch by batch
        (``steps`` of them at most: needed for an endless generator).

        ``callbacks`` get ``on_predict_begin``, ``on_predict_batch_begin`` and
        ``on_predict_batch_end`` per batch (logs ``{"outputs": the batch's outputs}``, as in
        Keras) and ``on_predict_end``.
        """
        functional.reject_symbolic("predict", x=x)
        batches = data_adapter.EpochIterator(
            data_adapter.make_batches(x, batch_size=batch_size), steps, "steps"
        )
        device = self.device
        show = resolve_verbose(verbose)
        callback_list = CallbackList(
            callbacks or [], self, {"epochs": 1, "steps": _steps(batches), "verbose": show}
        )
        outputs: list[Any] = []
        callback_list.on_predict_begin()
        with training_mode(self.module, False):
            for step, (bx, _, _, _) in enumerate(batches):
                callback_list.on_predict_batch_begin(step)
                y_pred = call_module(self.module, data_adapter.to_device(bx, device))
                outputs.append(data_adapter.map_structure(B.to_numpy, y_pred))
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        if show:
            print(f"predict: {len(outputs)} batches")
        if not outputs:
            msg = "predict() got no batch: the data is empty or its generator ran out."
            raise ValueError(msg)
        return _concatenate(outputs)

    # ------------------------------------------------------------------ one batch at a time
    def _one_batch(self, x: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
        functional.reject_symbolic("*_on_batch", x=x, y=y, sample_weight=sample_weight)
        data_adapter.reject_scalars(x=x, y=y, sample_weight=sample_weight)
        if not data_adapter.is_array_data(x):
            msg = (
                f"The *_on_batch methods take one batch of arrays as `x`; received a "
                f"{type(x).__name__}. Iterate it yourself, or use fit/evaluate/predict."
            )
            raise ValueError(msg)
        device = self.device
        batch = tuple(
            data_adapter.to_device(data_adapter.to_tensors(v), device)
            for v in (x, y, sample_weight)
        )
        if self.optimizer is None or not self._materialized():
            self.build(batch[0])
        return batch

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Mapping[int, float] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """One optimizer step on one batch (Keras' ``train_on_batch``).

        The metrics are reset first, so the returned logs describe this batch only. The
        batch's loss is the one computed before the update, as in ``fit``.

        Returns:
            The loss as a float when there is nothing else to report; otherwise a list in the
            order ``loss``, per-output losses, metrics (or a dict with ``return_dict=True``).

        Example:
            >>> import torch
            >>> from anyloss.models import Sequential
            >>> model = Sequential([Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> loss = model.train_on_batch(torch.ones(4, 2), torch.zeros(4, 1))
            >>> isinstance(loss, float)
            True
        """
        self._require_compiled("train_on_batch")
        sample_weight = data_adapter.with_class_weight(
            data_adapter.to_tensors(y), sample_weight, class_weight
        )
        bx, by, bsw = self._one_batch(x, y, sample_weight)
        self._reset_metrics()
        with training_mode(self.module, True):
            if type(self).train_step is not Model.train_step:
                self.train_step(bx, by, bsw)
            else:
                self._optimizer_step([(bx, by, bsw, 1.0)], None)
        logs = self._logs()
        return logs if return_dict else _flat_logs(logs)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> float | list[float] | dict[str, float]:
        """Loss (and metrics) on one batch, without training (Keras' ``test_on_batch``);
        returns as :meth:`train_on_batch` does."""
        self._require_compiled("test_on_batch")
        bx, by, bsw = self._one_batch(x, y, sample_weight)
        self._reset_metrics()
        with training_mode(self.module, False):
            self.test_step(bx, by, bsw)
        logs = self._logs()
        return logs if return_dict else _flat_logs(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """The outputs on one batch as NumPy arrays (Keras' ``predict_on_batch``)."""
        bx, _, _ = self._one_batch(x, None, None)
        with training_mode(self.module, False), torch.no_grad():
            y_pred = call_module(self.module, bx)
        return data_adapter.map_structure(B.to_numpy, y_pred)

    # ------------------------------------------------------------------ configs and saving
    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-safe data (Keras' ``get_config``): a ``Model(module)``'s
        module is Python code, so only its class name and ``output_names`` are recorded. A
        functional model of anyloss layers records its layers' configs and graph."""
        if isinstance(self.module, functional.FunctionalModule):
            config = self.module.get_config(LAYERS)
            if config is not None:
                return {**config, "name": getattr(self, "name", None)}
        return {
            "class_name": "Model",
            "module": type(self.module).__name__,
            "output_names": self.output_names,
        }

    @classmethod
    def from_config(cls, config: Any, module: nn.Module | None = None) -> Model:
        """The model that :meth:`get_config` described: a ``Sequential`` or functional model
        of anyloss layers is rebuilt from its config; a ``Model(module)`` needs ``module``
        again.

        Raises :class:`~anyloss.training.saving.InvalidConfig` (a ``ValueError``) for a config
        that describes no model.
        """
        kinds = ("Sequential", "Model", "Functional")
        if not isinstance(config, dict) or config.get("class_name") not in kinds:
            raise saving.InvalidConfig("its architecture is not a Sequential or Model description")
        if module is not None:
            return Model(module, output_names=config.get("output_names"))
        if config.get("class_name") == "Functional":
            try:
                inputs, outputs = functional.graph_from_config(config, LAYERS)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
                raise saving.InvalidConfig(
                    f"its functional architecture cannot be rebuilt ({type(err).__name__}: {err})"
                ) from None
            return Model(inputs, outputs, name=config.get("name"))
        if config.get("class_name") != "Sequential":
            msg = (
                f"This file holds a Model({config.get('module')}) whose architecture is "
                "Python code, which loading never executes. Build the module again and pass "
                f"it: load_model(path, module={config.get('module')}(...))."
            )
            raise ValueError(msg)
        entries = config.get("layers")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict)
            and e.get("class_name") in LAYERS
            and isinstance(e.get("config"), dict)
            for e in entries
        ):
            raise saving.InvalidConfig(
                "its Sequential architecture names unknown layers or configs"
            )
        try:
            layers: list[Any] = [
                LAYERS[entry["class_name"]](**entry["config"]) for entry in entries
            ]
            if isinstance(config.get("input"), dict):  # Sequential([Input(...), ...])
                layers.insert(0, functional.input_from_config(config["input"]))
        except (KeyError, TypeError, ValueError) as err:
            raise saving.InvalidConfig(
                f"a layer cannot be rebuilt ({type(err).__name__}: {err})"
            ) from None
        return Sequential(layers)

    def get_compile_config(self) -> dict[str, Any] | None:
        """What :meth:`compile` was given, as JSON-safe data (``None`` before ``compile``):
        the optimizer's class and hyperparameters, and losses and metrics through
        :func:`anyloss.serialize`."""
        if self.compile_args is None:
            return None
        args = self.compile_args
        return {
            "optimizer": optimizers.optimizer_config(self.optimizer)
            if self.optimizer is not None
            else optimizers.name_config(args["optimizer"]),
            "loss": _serialize_structure(args["loss"]),
            "loss_weights": args["loss_weights"],
            "metrics": serialize_metrics(args["metrics"]),
            "weighted_metrics": serialize_metrics(args.get("weighted_metrics")),
        }

    def compile_from_config(
        self, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> None:
        """``compile`` again from :meth:`get_compile_config`'s description."""
        _check_compile_config(config)
        loss = _deserialize_structure(config["loss"], custom_objects)
        metrics = deserialize_metrics(config["metrics"], custom_objects)
        weighted_metrics = deserialize_metrics(config.get("weighted_metrics"), custom_objects)
        try:
            optimizer = optimizers.from_config(
                config["optimizer"], self._trainable_parameters(loss)
            )
        except ValueError as err:
            msg = (
                f"{err} The saved optimizer is not a torch.optim class, so it cannot be "
                "rebuilt by name: load with compile=False and call compile() again."
            )
            raise ValueError(msg) from None
        except (AttributeError, KeyError, TypeError) as err:
            raise saving.InvalidConfig(
                f"its optimizer config cannot be rebuilt ({type(err).__name__})"
            ) from None
        self.compile(
            optimizer=optimizer,
            loss=loss,
            loss_weights=config["loss_weights"],
            metrics=metrics,
            weighted_metrics=weighted_metrics,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write weights, optimizer state and compile config to ``path`` (atomically).

        Load with ``anyloss.models.load_model(path)``; for ``Model(module)`` pass
        ``module=`` again, since architectures defined in code are never stored. Weights that
        the compiled loss owns (``anyloss.ArcFace``'s class weights) are stored too.

        The format is anyloss' own (a ``torch.save`` archive that loading never runs code
        from); its extension is ``.anyloss`` (``.pt``/``.pth`` work too). Extensions of other
        formats (``.h5``, ``.hdf5``, ``.keras``, ``.pb``, ``.onnx``, ...) raise ``ValueError``
        rather than write a file that other tools would misread.
        """
        saving.write_model_file(
            path,
            self.get_config(),
            self.get_compile_config(),
            self.module.state_dict(),
            self.optimizer.state_dict() if self.optimizer is not None else None,
            loss_parameters((self.compile_args or {}).get("loss")),
        )

    # ------------------------------------------------------------------ weights and summary
    def _require_built(self, what: str) -> None:
        if not self._materialized():
            msg = (
                f"model.{what}() needs the weights, which lazily built layers create from the "
                "first batch: call model.build(x) (or fit) first, or give the first layer "
                "input_shape=."
            )
            raise ValueError(msg)

    def count_params(self) -> int:
        """The number of weights (Keras' ``count_params``): parameters and persistent
        floating-point buffers (such as BatchNormalization's moving statistics)."""
        self._require_built("count_params")
        return sum(_weight_counts(self.module))

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays, in the module's ``state_dict`` order (parameters and
        persistent buffers as torch registers them, layer by layer); :meth:`set_weights`
        takes the same list."""
        self._require_built("get_weights")
        return [v.detach().cpu().numpy().copy() for v in self.module.state_dict().values()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Copy ``weights`` (arrays in :meth:`get_weights`' order and shapes) into the model."""
        self._require_built("set_weights")
        state = self.module.state_dict()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(state):
            count = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            msg = (
                f"set_weights() needs a list of {len(state)} arrays (as get_weights() returns); "
                f"received {count}."
            )
            raise ValueError(msg)
        for (name, target), value in zip(state.items(), weights, strict=True):
            if tuple(np.shape(value)) != tuple(target.shape):
                msg = (
                    f"set_weights(): weight {name!r} has shape {tuple(target.shape)}, but the "
                    f"array given for it has shape {tuple(np.shape(value))}."
                )
                raise ValueError(msg)
        with torch.no_grad():
            for target, value in zip(state.values(), weights, strict=True):
                target.copy_(torch.as_tensor(np.asarray(value)).to(target.dtype))

    def save_weights(self, path: str | os.PathLike[str], overwrite: bool = True) -> None:
        """Write the weights alone to ``path``, which must end in ``.weights.pt`` (Keras:
        ``.weights.h5``).

        The file is anyloss' model format (:mod:`~anyloss.training.saving`: atomic,
        checksummed, loaded without unpickling code) without optimizer state or compile
        config; read it with :meth:`load_weights`.
        """
        name = os.fspath(path)
        if not name.endswith(".weights.pt"):
            stem = name.split(".weights.")[0] if ".weights." in name else os.path.splitext(name)[0]
            msg = (
                f"save_weights() writes a '.weights.pt' file; received path={name!r}. Use "
                f"{stem + '.weights.pt'!r}."
            )
            raise ValueError(msg)
        if not overwrite and os.path.exists(name):
            msg = f"{name!r} exists and overwrite=False: pass overwrite=True to replace it."
            raise FileExistsError(msg)
        self._require_built("save_weights")
        saving.write_model_file(name, Model.get_config(self), None, self.module.state_dict(), None)

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Load weights written by :meth:`save_weights` (or :meth:`save`) into this model,
        which must have the same architecture; lazily built layers are built from them."""
        name = os.fspath(path)
        payload = saving.read_model_file(name)
        weights = payload["weights"]
        if not isinstance(weights, Mapping):
            raise saving.damaged(name, "its weights are not a state_dict")
        try:
            self.module.load_state_dict(weights)
        except RuntimeError as err:
            msg = (
                f"The weights in {name!r} do not fit this model: {str(err).splitlines()[0]} "
                "Build the same architecture that saved them."
            )
            raise ValueError(msg) from None

    def summary(self, line_length: int | None = None, print_fn: Any = None) -> None:
        """Print a table of the layers (name and type, output shape, parameter count) and
        Keras' totals lines.

        Output shapes come from a forward pass, under ``no_grad`` in inference mode, of one
        row of the batch the model was built with (``build(x)``, the first batch of ``fit``,
        or ``input_shape`` on a ``Sequential``'s first layer); before that they show ``?``.
        A ``Sequential`` lists its layers; a ``Model`` its module's direct submodules. A
        functional model lists its inputs and layers in Keras' order, with the shapes of its
        symbolic tensors and Keras' "Connected to" column.

        Args:
            line_length: the table's width (default: the terminal's, at most 100).
            print_fn: called with the rendered text instead of printing it.
        """
        from rich import box
        from rich.console import Console
        from rich.table import Table

        graph = self.module if isinstance(self.module, functional.FunctionalModule) else None
        rows: list[tuple[str, str, str, str]] = []
        if graph is not None:
            for name, kind, shape, layer, connected in graph.summary_rows():
                count = sum(_weight_counts(layer)) if layer is not None else 0
                rows.append((f"{name} ({kind})", shape, f"{count:,}", connected))
        else:
            layers = list(self.module.named_children())
            if not layers:
                layers = [("module", self.module)]
            shapes = self._output_shapes([layer for _, layer in layers])
            names = _layer_names([layer for _, layer in layers])
            for (_, layer), name, shape in zip(layers, names, shapes, strict=True):
                built = getattr(layer, "built", True)
                count = sum(_weight_counts(layer))
                params = f"{count:,}" if built is not False else "0 (unbuilt)"
                rows.append((f"{name} ({type(layer).__name__})", shape, params, ""))
        title = getattr(self, "name", None) or _snake_case(type(self).__name__)
        table = Table(title=f'Model: "{title}"', box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column("Layer (type)")
        table.add_column("Output Shape")
        table.add_column("Param #", justify="right")
        if graph is not None:
            table.add_column("Connected to")
        for row in rows:
            table.add_row(*(row if graph is not None else row[:3]))
        trainable, frozen = _weight_counts(self.module)
        sizes = _weight_bytes(self.module)
        lines = [
            f"Total params: {trainable + frozen:,} ({_human_bytes(sizes[0] + sizes[1])})",
            f"Trainable params: {trainable:,} ({_human_bytes(sizes[0])})",
            f"Non-trainable params: {frozen:,} ({_human_bytes(sizes[1])})",
        ]
        width = line_length or min(Console().width, 100)
        if print_fn is None:
            console = Console(width=width)
            console.print(table)
            for line in lines:
                console.print(line, highlight=False)
            return
        console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        with console.file:
            console.print(table)
            for line in lines:
                console.print(line, highlight=False)
        print_fn(console.export_text())

    def _output_shapes(self, layers: list[nn.Module]) -> list[str]:
        """Each layer's output shape (batch axis ``None``) from a forward pass of the kept
        sample row; ``?`` where none ran."""
        found: dict[int, str] = {}
        sample = getattr(self, "_summary_sample", None)
        if sample is not None and self._materialized():

            def hook(layer: nn.Module, _: Any, output: Any) -> None:
                found[id(layer)] = _shape_text(output)

            handles = [layer.register_forward_hook(hook) for layer in layers]
            try:
                with training_mode(self.module, False):
                    call_module(self.module, data_adapter.to_device(sample, self.device))
            except Exception:  # a summary never fails for a forward pass it adds
                found.clear()
            finally:
                for handle in handles:
                    handle.remove()
        return [found.get(id(layer), "?") for layer in layers]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.module!r})"


class _CallModule(nn.Module):
    """The module of a Keras-style ``Model`` subclass: its submodules are the layers assigned
    to the model, its forward the model's ``call`` (with ``training`` when it takes it)."""

    _model: Model
    _takes_training: bool

    def __init__(self, model: Model) -> None:
        super().__init__()
        try:
            takes_training = "training" in inspect.signature(model.call).parameters
        except (TypeError, ValueError):
            takes_training = False
        # Plain attributes (object.__setattr__): the model is not a submodule.
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_takes_training", takes_training)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self._takes_training and "training" not in kwargs:
            kwargs["training"] = self.training
        return self._model.call(*args, **kwargs)


class Sequential(Model):
    """A stack of layers (any ``torch.nn.Module``), Keras' ``Sequential``.

    Example:
        >>> model = Sequential([Dense(50, input_shape=(5,), activation="relu")])
        >>> model.add(Dense(2))
    """

    module: nn.Sequential

    def __init__(self, layers: Iterable[nn.Module | functional.KerasTensor] | None = None) -> None:
        # An Input(...) first fixes the input shape (Keras' InputLayer): the layers are built
        # as they are added, and their symbolic outputs give summary() its shapes.
        self._input: functional.KerasTensor | None = None
        self._symbolic: list[Any] = []
        super().__init__(nn.Sequential())
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: nn.Module | functional.KerasTensor) -> None:
        """Append ``layer``; compile again afterwards (as in Keras) to train its weights.

        An ``Input(shape=...)`` may come first: it fixes the input shape, so each layer is
        built when added (``summary()`` works before ``fit``)."""
        if isinstance(layer, functional.KerasTensor):
            self._set_input(layer)
            return
        if not isinstance(layer, nn.Module):
            msg = (
                f"Sequential.add() needs a layer (a torch.nn.Module); got "
                f"{type(layer).__name__}: {layer!r}"
            )
            raise TypeError(msg)
        name = getattr(layer, "name", None)
        if isinstance(name, str) and name in _layer_names(self.layers):
            msg = (
                f"All layer names should be unique: this Sequential already has a layer named "
                f"{name!r}. Give the new layer another name=, or leave name=None."
            )
            raise ValueError(msg)
        if self._input is not None:
            previous = self._symbolic[-1] if self._symbolic else self._input
            output = functional.symbolic_call(layer, (previous,), {})  # builds the layer
            self.module.append(layer)
            self._symbolic.append(output)
            self.build(self._input._examples[0][:1])
        else:
            self.module.append(layer)
        input_shape = getattr(self.module[0], "input_shape", None)
        if input_shape is not None and not self._materialized():
            # Keras builds a Sequential with a known input shape as layers are added.
            self.build(torch.zeros(1, *input_shape))
        if self.compile_args is not None and not isinstance(
            self.compile_args["optimizer"], torch.optim.Optimizer
        ):
            self.optimizer = None

    def _set_input(self, tensor: functional.KerasTensor) -> None:
        if len(self.module) or self._input is not None:
            msg = (
                f"Sequential: an Input(...) can only come first, before any layer; received "
                f"{tensor!r} after {len(self.module)} layer(s). Start the model with it: "
                "Sequential([Input(shape=...), ...])."
            )
            raise ValueError(msg)
        if not tensor._is_input:
            msg = (
                f"Sequential takes the tensor of Input(shape=...) as its first element; "
                f"{tensor!r} is a layer's output. For graphs of layers use Model(inputs, outputs)."
            )
            raise ValueError(msg)
        self._input = tensor

    def _output_shapes(self, layers: list[nn.Module]) -> list[str]:
        if self._input is not None and len(self._symbolic) == len(layers):
            return [functional.shape_text(t) for t in self._symbolic]
        return super()._output_shapes(layers)

    @property
    def layers(self) -> list[nn.Module]:
        return list(self.module)

    def get_config(self) -> dict[str, Any]:
        """Every layer's class and config when all are anyloss layers (rebuilt on load);
        otherwise, as for any ``Model(module)``, the module must be passed again."""
        if not all(type(layer) in LAYERS.values() for layer in self.layers):
            return super().get_config()
        layers = [
            {"class_name": type(layer).__name__, "config": _named_config(layer)}
            for layer in self.layers
        ]
        config: dict[str, Any] = {"class_name": "Sequential", "layers": layers}
        if self._input is not None:
            config["input"] = functional.input_config(self._input)
        return config


def _persistent_buffers(module: nn.Module) -> Iterator[torch.Tensor]:
    """The floating-point buffers that ``state_dict`` saves (Keras' non-trainable weights)."""
    for owner in module.modules():
        for name, buffer in owner._buffers.items():
            if (
                buffer is not None
                and buffer.is_floating_point()
                and name not in owner._non_persistent_buffers_set
            ):
                yield buffer


def _numel(p: torch.Tensor) -> int:
    return 0 if isinstance(p, nn.parameter.UninitializedParameter) else p.numel()


def _weight_counts(module: nn.Module) -> tuple[int, int]:
    """(trainable, non-trainable) weight counts: parameters by ``requires_grad``; persistent
    floating-point buffers are non-trainable."""
    trainable = sum(_numel(p) for p in module.parameters() if p.requires_grad)
    frozen = sum(_numel(p) for p in module.parameters() if not p.requires_grad)
    return trainable, frozen + sum(b.numel() for b in _persistent_buffers(module))


def _weight_bytes(module: nn.Module) -> tuple[int, int]:
    trainable = sum(_numel(p) * p.element_size() for p in module.parameters() if p.requires_grad)
    frozen = sum(_numel(p) * p.element_size() for p in module.parameters() if not p.requires_grad)
    frozen += sum(b.numel() * b.element_size() for b in _persistent_buffers(module))
    return trainable, frozen


def _human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n:.2f} GB"


def _snake_case(name: str) -> str:
    return functional.snake_case(name)


def _layer_names(layers: list[nn.Module]) -> list[str]:
    """Keras-style names: the snake-cased class, numbered from its second use (dense_1)."""
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        given = getattr(layer, "name", None)
        if isinstance(given, str):
            names.append(given)
            continue
        base = _snake_case(type(layer).__name__)
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.append(base if count == 0 else f"{base}_{count}")
    return names


def _shape_text(output: Any) -> str:
    if isinstance(output, torch.Tensor):
        return str((None, *output.shape[1:])) if output.ndim else "()"
    if isinstance(output, (list, tuple)):
        return "[" + ", ".join(_shape_text(o) for o in output) + "]"
    if isinstance(output, Mapping):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in output.items()) + "}"
    return "?"


def _require_gradient(value: Any, what: str = "The loss") -> torch.Tensor:
    """``value``, a tensor with a gradient to follow; ``ValueError`` otherwise."""
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        msg = (
            f"{what} does not depend on the model's parameters (no gradient). A custom loss "
            f"must compute from y_pred with differentiable ops (no .numpy(), .item(), argmax "
            f"or casts to int)."
        )
        raise ValueError(msg)
    return value


def _sync_unless(ddp: Any, last: bool) -> Any:
    """DDP's ``no_sync()`` (gradients accumulate locally) except on the step's last
    micro-batch, where they are all-reduced once."""
    return contextlib.nullcontext() if ddp is None or last else ddp.no_sync()


def len_rows(y: Any) -> int:
    """The number of rows (samples) of ``y``: a tensor, or a list/dict of them per output."""
    first = flatten_with_path(y)[0][1] if not isinstance(y, torch.Tensor) else y
    return int(first.shape[0]) if getattr(first, "ndim", 0) else 1


def _global_denominators(columns: list[list[Any]], even: bool, world: int, like: Any) -> list[Any]:
    """Each output's count summed over its micro-batches and over the processes.

    ``columns[i]`` holds output i's counts, one per micro-batch: ``None`` (a sum: no
    denominator), ``int`` (known from shapes) or a tensor (data-dependent). Counts known from
    shapes on equal shards need no communication (``count * world``); the rest share one
    ``all_reduce``.
    """
    result: list[Any] = [None] * len(columns)
    pending: list[tuple[int, Any]] = []
    for i, counts in enumerate(columns):
        if counts[0] is None:
            continue
        if all(isinstance(c, int) for c in counts) and (world == 1 or even):
            result[i] = float(sum(counts) * world)
            continue
        device = like.device if isinstance(like, torch.Tensor) else None
        pending.append(
            (i, sum(torch.as_tensor(c, dtype=torch.float64, device=device) for c in counts))
        )
    if pending:
        packed = torch.stack([torch.as_tensor(c).reshape(()) for _, c in pending])
        if world > 1:
            packed = C.torch_all_reduce_sum(packed, None)
        for (i, _), value in zip(pending, packed.tolist(), strict=True):
            result[i] = value
    return result


def _named_config(layer: nn.Module) -> dict[str, Any]:
    """An anyloss layer's config with its ``name=`` (when given), to rebuild it on load."""
    config: dict[str, Any] = layer.get_config()  # type: ignore[operator]  # an anyloss layer
    name = getattr(layer, "name", None)
    if name is not None:
        config["name"] = name
    return config


def _flat_logs(logs: dict[str, float]) -> float | list[float]:
    """Keras' order for ``return_dict=False``: the loss alone as a float, else a list."""
    return logs["loss"] if len(logs) == 1 else list(logs.values())


def _check_validation_freq(value: Any) -> None:
    def positive(e: Any) -> bool:
        return isinstance(e, int) and not isinstance(e, bool) and e >= 1

    ok = positive(value) or (
        isinstance(value, (list, tuple, set, range)) and all(positive(e) for e in value)
    )
    if not ok:
        msg = (
            "Argument `validation_freq` must be a positive int (validate every that many "
            "epochs) or a list of 1-based epoch numbers such as [1, 5, 10]. Received: "
            f"validation_freq={value!r}"
        )
        raise ValueError(msg)


def _should_validate(epoch: int, validation_freq: int | Sequence[int]) -> bool:
    """Keras' rule: ``epoch`` is 0-based here, ``validation_freq`` counts from 1."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _warn_ran_out(epoch: int, steps_per_epoch: int | None, epochs: int) -> None:
    wanted = (
        f"steps_per_epoch * epochs = {steps_per_epoch * epochs} batches"
        if steps_per_epoch is not None
        else f"data for {epochs} epochs"
    )
    warnings.warn(
        f"Your input ran out of data in epoch {epoch + 1}; interrupting training. A Python "
        f"generator or iterator is consumed once: make it yield {wanted} (e.g. an endless "
        "`while True:` loop with steps_per_epoch=...), or pass a re-iterable such as a "
        "torch DataLoader.",
        stacklevel=3,
    )


def _validation_batches(
    validation_data: Any, batch_size: int | None, rank: int, world: int, steps: int | None = None
) -> data_adapter.EpochIterator | None:
    if validation_data is None:
        return None
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        vx, vy, vsw = (*validation_data, None)[:3]
        batches = data_adapter.make_batches(vx, vy, vsw, batch_size, False, rank, world)
        return data_adapter.EpochIterator(batches, steps, "validation_steps")
    if data_adapter.is_array_data(validation_data):
        msg = (
            "Argument `validation_data` must be (x_val, y_val), (x_val, y_val, "
            f"sample_weight) or a DataLoader. Received a {type(validation_data).__name__}."
        )
        raise ValueError(msg)
    batches = data_adapter.make_batches(validation_data, rank=rank, world_size=world)
    return data_adapter.EpochIterator(batches, steps, "validation_steps")


def _steps(batches: Any) -> int | None:
    try:
        return len(batches)
    except TypeError:
        return None


def _concatenate(outputs: list[Any]) -> Any:
    first = outputs[0]
    if isinstance(first, Mapping):
        return {k: _concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate([o[i] for o in outputs]) for i in range(len(first)))
    return np.concatenate(outputs, axis=0)


def loss_parameters(loss: Any) -> list[nn.Parameter]:
    """The trainable parameters owned by the losses in ``loss`` (one loss, or a list/dict per
    output): an anyloss ``Loss`` or ``torch.nn.Module`` with a ``parameters()`` method (e.g.
    ``anyloss.ArcFace``, whose class weights are learned with the model)."""
    if isinstance(loss, Mapping):
        return [p for value in loss.values() for p in loss_parameters(value)]
    if isinstance(loss, (list, tuple)):
        return [p for value in loss for p in loss_parameters(value)]
    parameters = getattr(loss, "parameters", None)
    if isinstance(loss, (anyloss.Loss, nn.Module)) and callable(parameters):
        return [p for p in parameters() if isinstance(p, nn.Parameter) and p.requires_grad]
    return []


def _serialize_structure(spec: Any) -> Any:
    """Losses/metrics in their list/dict structure; every leaf through ``anyloss.serialize``."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, Mapping):
        return {str(k): _serialize_structure(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_serialize_structure(v) for v in spec]
    return anyloss.serialize(spec)


def _deserialize_structure(spec: Any, custom_objects: Mapping[str, Any] | None) -> Any:
    """Inverse of :func:`_serialize_structure`; a dict with ``class_name`` is one object.

    Built-in names (``"mse"``, ``"accuracy"``) stay strings, as the user wrote them; registered
    names (``"package>name"``) resolve now, so a missing registration fails at load time.
    """
    if spec is None or (isinstance(spec, str) and ">" not in spec):
        return spec
    if isinstance(spec, Mapping) and "class_name" not in spec:
        return {k: _deserialize_structure(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_deserialize_structure(v, custom_objects) for v in spec]
    return anyloss.deserialize(spec, custom_objects=custom_objects)


def _check_compile_config(config: Any) -> None:
    if not (
        isinstance(config, dict) and {"optimizer", "loss", "loss_weights", "metrics"} <= set(config)
    ):
        raise saving.InvalidConfig(
            "its compile config lacks optimizer, loss, loss_weights or metrics"
        )


def _restore_loss_weights(model: Model, stored: Any, path: str) -> None:
    """Copy the saved weights of the compiled loss (``ArcFace``'s class weights) into the loss
    that ``compile_from_config`` rebuilt, in place, so its optimizer keeps tracking them."""
    owned = loss_parameters((model.compile_args or {}).get("loss"))
    if (
        not isinstance(stored, list)
        or len(stored) != len(owned)
        or any(
            not isinstance(w, torch.Tensor) or tuple(w.shape) != tuple(p.shape)
            for w, p in zip(stored, owned, strict=True)
        )
    ):
        raise saving.damaged(
            path,
            f"its loss weights ({len(stored) if isinstance(stored, list) else stored!r} "
            f"tensors) do not fit the compiled loss' {len(owned)} weights",
        )
    with torch.no_grad():
        for p, w in zip(owned, stored, strict=True):
            p.copy_(w.to(device=p.device, dtype=p.dtype))


def load_model(
    path: str | os.PathLike[str],
    custom_objects: Mapping[str, Any] | None = None,
    module: nn.Module | None = None,
    compile: bool = True,
) -> Model:
    """Load a model written by ``model.save(path)``.

    Args:
        path: the file.
        custom_objects: ``{name: object}`` for custom losses that are not registered.
        module: the ``torch.nn.Module`` of a ``Model(module)`` (its architecture is code, which
            is never stored); not needed for a ``Sequential`` of anyloss layers.
        compile: restore the optimizer (with its state), losses and metrics.
    """
    path = os.fspath(path)
    payload = saving.read_model_file(path)
    architecture = saving.json_entry(payload, "architecture", path)
    try:
        model = Model.from_config(architecture, module=module)
    except saving.InvalidConfig as err:
        raise saving.damaged(path, str(err)) from None
    if not isinstance(payload["weights"], Mapping):
        raise saving.damaged(path, "its weights are not a state_dict")
    try:
        model.module.load_state_dict(payload["weights"])
    except RuntimeError as err:
        msg = (
            f"The weights in {path!r} do not fit the module: "
            f"{str(err).splitlines()[0]} Pass the same architecture that was saved."
        )
        raise ValueError(msg) from None
    config = saving.json_entry(payload, "compile_config", path)
    try:
        if config is not None:
            _check_compile_config(config)
        if compile and config is not None:
            model.compile_from_config(config, custom_objects)
    except saving.InvalidConfig as err:
        raise saving.damaged(path, str(err)) from None
    if compile and config is not None and payload.get("loss_weights"):
        _restore_loss_weights(model, payload["loss_weights"], path)
    if (
        compile
        and config is not None
        and payload["optimizer_state"] is not None
        and model.optimizer is not None
    ):
        try:
            model.optimizer.load_state_dict(payload["optimizer_state"])
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
            raise saving.damaged(
                path,
                f"its optimizer state does not fit the optimizer "
                f"({type(err).__name__}); load_model(path, "
                "compile=False) restores the weights alone",
            ) from None
    return model
