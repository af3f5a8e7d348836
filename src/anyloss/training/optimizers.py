"""Optimizers by Keras name or class, mapped to ``torch.optim`` with Keras' default
hyper-parameters.

Keras and PyTorch disagree on defaults (Adam's epsilon 1e-7 vs 1e-8, RMSprop's learning rate
1e-3 vs 1e-2 and ``rho`` 0.9 vs ``alpha`` 0.99), so ``compile(optimizer="adam")`` trains as a
Keras program would. The update rules are PyTorch's: e.g. torch's RMSprop adds epsilon outside
the square root, Keras inside, which only matters for tiny gradients.

What ``torch.optim`` lacks, Keras' optimizers have, and a Keras config or class may ask for, runs
as step hooks of the torch optimizer (:class:`KerasExtras`): a learning-rate schedule (the
``lr`` of every param group follows ``schedule(iterations)``), ``clipnorm``/``clipvalue``/
``global_clipnorm``, and Keras' decoupled ``weight_decay`` (``w -= lr * weight_decay * w``
before the update; torch's optimizers other than AdamW add ``weight_decay * w`` to the gradient
instead). ``optimizer.learning_rate`` reads and ``.assign()``\\ s the learning rate as in Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch

from anyloss.training import schedules as schedules_module
from anyloss.training.schedules import LearningRateSchedule

__all__ = [
    "KERAS_DEFAULTS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "KerasExtras",
    "LearningRate",
    "Nadam",
    "Optimizer",
    "OptimizerLike",
    "RMSprop",
    "from_config",
    "get",
    "get_learning_rate",
    "iterations",
    "name_config",
    "optimizer_config",
    "set_learning_rate",
]

#: Keras name -> (torch.optim class name, Keras' defaults as torch keyword arguments).
KERAS_DEFAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {"lr": 1e-2, "momentum": 0.0, "nesterov": False}),
    "adam": ("Adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
    "adamw": ("AdamW", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004}),
    "rmsprop": (
        "RMSprop",
        {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False},
    ),
    "adagrad": ("Adagrad", {"lr": 1e-3, "initial_accumulator_value": 0.1, "eps": 1e-7}),
    "adadelta": ("Adadelta", {"lr": 1e-3, "rho": 0.95, "eps": 1e-7}),
    "adamax": ("Adamax", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
    "nadam": ("NAdam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
}

# Keras argument names -> torch's, for config dicts such as {"learning_rate": 0.01}.
_KERAS_ARGS = {"learning_rate": "lr", "epsilon": "eps"}
# Keras optimizer arguments that torch.optim does not take: run as hooks (KerasExtras), read by
# fit (gradient_accumulation_steps), or checked and dropped (the rest).
_CLIPS = ("clipnorm", "clipvalue", "global_clipnorm")
_DROPPED = ("name", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor")


def _torch_class(class_name: str) -> type[torch.optim.Optimizer]:
    cls = getattr(torch.optim, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        msg = (
            f"Unknown optimizer {class_name!r}. Valid names: {sorted(KERAS_DEFAULTS)} or a "
            "torch.optim class name such as 'Adam'."
        )
        raise ValueError(msg)
    return cls


def _torch_kwargs(name: str, config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    class_name, defaults = KERAS_DEFAULTS.get(name.lower(), (name, {}))
    kwargs = dict(defaults)
    betas = list(kwargs.get("betas", (0.9, 0.999)))
    for key, value in config.items():
        if key in ("beta_1", "beta_2"):
            betas[int(key[-1]) - 1] = value
            kwargs["betas"] = tuple(betas)
        elif key == "rho" and class_name == "RMSprop":
            kwargs["alpha"] = value
        else:
            kwargs[_KERAS_ARGS.get(key, key)] = value
    return class_name, kwargs


# ---------------------------------------------------------------------------- Keras extras
def _check_number(value: Any, name: str, where: str, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        msg = (
            f"Argument `{name}`{where} must be a non-negative number"
            f"{' or None' if allow_none else ''}. Received: {name}={value!r}"
        )
        raise ValueError(msg)
    return float(value)


def _schedule_of(value: Any, where: str) -> LearningRateSchedule | None:
    """The schedule a ``learning_rate`` holds (an instance or a serialized config), else None."""
    if isinstance(value, LearningRateSchedule):
        return value
    if isinstance(value, Mapping):
        return schedules_module.deserialize(value)
    if callable(value):
        msg = (
            f"Argument `learning_rate`{where} must be a number or a LearningRateSchedule; got "
            f"the callable {value!r}. Subclass anyloss.optimizers.schedules."
            "LearningRateSchedule and define __call__(self, step)."
        )
        raise ValueError(msg)
    return None


class KerasExtras:
    """The Keras optimizer features ``torch.optim`` lacks, run as the optimizer's step hooks.

    Before every ``optimizer.step()``: the learning rate of every param group is set from the
    ``schedule`` (``schedule(iterations)``), the gradients are clipped (Keras' ``clipnorm``:
    each gradient to that L2 norm; ``global_clipnorm``: all together; ``clipvalue``: each entry
    to ``[-v, v]``), then Keras' decoupled ``weight_decay`` multiplies each weight that has a
    gradient by ``1 - lr * weight_decay``. After it, ``iterations`` (the number of updates
    applied, kept in ``param_groups[0]["iterations"]`` so that the optimizer's ``state_dict``
    saves it) goes up by one.
    """

    def __init__(
        self,
        schedule: LearningRateSchedule | None = None,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        self.schedule = schedule
        self.weight_decay = weight_decay or None
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self._clips = any(c is not None and c > 0 for c in (clipnorm, clipvalue, global_clipnorm))

    def config(self) -> dict[str, Any]:
        """JSON-safe, for :func:`optimizer_config`; only what is set."""
        found: dict[str, Any] = {}
        if self.schedule is not None:
            found["learning_rate"] = schedules_module.serialize(self.schedule)
        for key in ("weight_decay", *_CLIPS):
            if getattr(self, key) is not None:
                found[key] = getattr(self, key)
        return found

    def install(self, optimizer: torch.optim.Optimizer) -> None:
        optimizer.keras_extras = self  # type: ignore[attr-defined]
        optimizer.param_groups[0].setdefault("iterations", 0)
        optimizer.learning_rate = LearningRate(optimizer)  # type: ignore[attr-defined]
        if self.schedule is not None:
            _set_lr(optimizer, self._scheduled(optimizer))
        optimizer.register_step_pre_hook(self._before_step)
        optimizer.register_step_post_hook(self._after_step)

    def _scheduled(self, optimizer: torch.optim.Optimizer) -> float:
        assert self.schedule is not None
        value = float(self.schedule(iterations(optimizer)))
        if not math.isfinite(value) or value < 0:
            msg = (
                f"The learning-rate schedule {self.schedule!r} returned {value!r} at step "
                f"{iterations(optimizer)}; it must return a non-negative finite number."
            )
            raise ValueError(msg)
        return value

    @torch.no_grad()
    def _before_step(self, optimizer: torch.optim.Optimizer, *_: Any) -> None:
        _sync_assigned(optimizer)
        if self.schedule is not None:
            _set_lr(optimizer, self._scheduled(optimizer))
        if self._clips:
            self._clip(
                [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
            )
        if self.weight_decay is not None:
            for group in optimizer.param_groups:
                factor = 1.0 - float(group["lr"]) * self.weight_decay
                for p in group["params"]:
                    if p.grad is not None:
                        p.mul_(factor)

    def _clip(self, grads: list[torch.Tensor]) -> None:
        if self.clipnorm is not None and self.clipnorm > 0:
            for g in grads:
                norm = g.pow(2).sum().sqrt()
                g.mul_(self.clipnorm / torch.clamp(norm, min=self.clipnorm))
        elif self.global_clipnorm is not None and self.global_clipnorm > 0 and grads:
            wide = torch.float64 if any(g.dtype == torch.float64 for g in grads) else torch.float32
            total = torch.stack([g.pow(2).sum().to(wide) for g in grads]).sum().sqrt()
            # Keras' scale: clip * min(1/norm, 1/clip), NaN when the norm is not finite.
            clip = self.global_clipnorm
            scale = clip * torch.clamp(1.0 / total, max=1.0 / clip) + (total - total)
            for g in grads:
                g.mul_(scale.to(g.dtype))
        elif self.clipvalue is not None and self.clipvalue > 0:
            for g in grads:
                g.clamp_(-self.clipvalue, self.clipvalue)

    def _after_step(self, optimizer: torch.optim.Optimizer, *_: Any) -> None:
        optimizer.param_groups[0]["iterations"] = iterations(optimizer) + 1
        if self.schedule is not None:  # reads between steps show the next update's rate
            _set_lr(optimizer, self._scheduled(optimizer))


def iterations(optimizer: torch.optim.Optimizer) -> int:
    """The number of updates ``optimizer`` has applied (Keras' ``optimizer.iterations``), for an
    optimizer built from a Keras name, config or class (0 for others)."""
    return int(optimizer.param_groups[0].get("iterations", 0))


def _set_lr(optimizer: torch.optim.Optimizer, value: float) -> None:
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(value)
        else:
            group["lr"] = value


def _sync_assigned(optimizer: torch.optim.Optimizer) -> None:
    """Apply a plain ``optimizer.learning_rate = 0.01`` (Keras' setter) to the param groups."""
    assigned = optimizer.__dict__.get("learning_rate")
    if assigned is None or isinstance(assigned, LearningRate):
        return
    optimizer.learning_rate = LearningRate(optimizer)  # type: ignore[attr-defined]
    set_learning_rate(optimizer, assigned)


def get_learning_rate(optimizer: torch.optim.Optimizer) -> float:
    """The learning rate of ``optimizer``'s first param group (the one Keras' callbacks read)."""
    _sync_assigned(optimizer)
    return float(optimizer.param_groups[0]["lr"])


def set_learning_rate(optimizer: torch.optim.Optimizer, value: Any) -> None:
    """Set the learning rate of every param group of ``optimizer``.

    Raises:
        TypeError: the optimizer follows a learning-rate schedule (as Keras does).
        ValueError: ``value`` is not a non-negative number.
    """
    extras = getattr(optimizer, "keras_extras", None)
    if extras is not None and extras.schedule is not None:
        msg = (
            "This optimizer was created with a LearningRateSchedule as its `learning_rate`, "
            "so its learning rate is not settable. If you need to set it, create the "
            "optimizer with a float `learning_rate`."
        )
        raise TypeError(msg)
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)) and np.ndim(value) == 0:
        value = float(value)
    if isinstance(value, LearningRate):
        value = float(value)
    checked = _check_number(value, "learning_rate", "", allow_none=False)
    assert checked is not None
    _set_lr(optimizer, checked)


class LearningRate:
    """A live view of a torch optimizer's learning rate: Keras' ``optimizer.learning_rate``.

    ``float(optimizer.learning_rate)`` reads ``param_groups[0]["lr"]``;
    ``optimizer.learning_rate.assign(1e-4)`` (or ``optimizer.learning_rate = 1e-4``, applied at
    the next read or step) sets every param group's.

    Example:
        >>> import torch
        >>> from anyloss.optimizers import get
        >>> optimizer = get("adam", [torch.nn.Parameter(torch.zeros(2))])
        >>> float(optimizer.learning_rate)
        0.001
        >>> optimizer.learning_rate.assign(0.01)
        >>> optimizer.param_groups[0]["lr"]
        0.01
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self._optimizer = optimizer

    def assign(self, value: Any) -> None:
        """Set the learning rate of every param group (Keras' ``Variable.assign``)."""
        set_learning_rate(self._optimizer, value)

    @property
    def value(self) -> float:
        return float(self._optimizer.param_groups[0]["lr"])

    def numpy(self) -> np.ndarray:
        return np.asarray(self.value, dtype=np.float32)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.value, dtype=dtype)

    def __float__(self) -> float:
        return self.value

    def __round__(self, ndigits: int | None = None) -> float:
        return round(self.value, ndigits)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:
        return f"<LearningRate {self.value!r}>"

    def __eq__(self, other: object) -> bool:
        return self.value == (float(other) if isinstance(other, LearningRate) else other)

    def __lt__(self, other: Any) -> bool:
        return self.value < float(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= float(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > float(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= float(other)

    def __mul__(self, other: Any) -> float:
        return self.value * float(other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> float:
        return self.value / float(other)

    def __rtruediv__(self, other: Any) -> float:
        return float(other) / self.value

    def __add__(self, other: Any) -> float:
        return self.value + float(other)

    __radd__ = __add__

    def __sub__(self, other: Any) -> float:
        return self.value - float(other)

    def __rsub__(self, other: Any) -> float:
        return float(other) - self.value


def _split_keras(
    class_name: str, config: dict[str, Any], where: str
) -> tuple[dict[str, Any], KerasExtras, int | None]:
    """Take the Keras-only arguments out of ``config`` (in place): the extras and the
    accumulation steps; the rest is for torch."""
    steps = config.pop("gradient_accumulation_steps", None)
    if steps is not None:
        steps = check_accumulation_steps(steps, where)
    for key in _DROPPED:
        value = config.pop(key, None)
        if key == "use_ema" and value:
            msg = (
                f"Argument `use_ema=True`{where} is not supported: anyloss trains with "
                "torch.optim, which keeps no moving average of the weights. Remove it, or "
                "keep one with torch.optim.swa_utils.AveragedModel."
            )
            raise ValueError(msg)
        if key == "loss_scale_factor" and value is not None:
            msg = (
                f"Argument `loss_scale_factor`{where} is not supported (torch.optim has no "
                "loss scaling); remove it (for float16 training use torch.amp.GradScaler)."
            )
            raise ValueError(msg)
    clips = {key: _check_number(config.pop(key, None), key, where) for key in _CLIPS}
    if sum(v is not None for v in clips.values()) > 1:
        msg = (
            f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm`{where} can be set. "
            f"Received: {', '.join(f'{k}={v}' for k, v in clips.items())}"
        )
        raise ValueError(msg)
    schedule = None
    if "learning_rate" in config:
        schedule = _schedule_of(config["learning_rate"], where)
        if schedule is not None:
            del config["learning_rate"]
        else:
            _check_number(config["learning_rate"], "learning_rate", where, allow_none=False)
    weight_decay = None
    keras_name = class_name.lower()
    if keras_name in KERAS_DEFAULTS and keras_name != "adamw" and "weight_decay" in config:
        # Keras' rule for every optimizer (AdamW's is torch's too): decay the weights directly.
        weight_decay = _check_number(config.pop("weight_decay"), "weight_decay", where)
    elif config.get("weight_decay", 0) is None:
        del config["weight_decay"]  # a Keras config's "no weight decay"
    extras = KerasExtras(schedule, weight_decay, **clips)
    return config, extras, steps


def _build(
    class_name: str,
    kwargs: dict[str, Any],
    extras: KerasExtras,
    steps: int | None,
    parameters: Iterable[torch.nn.Parameter],
    shown: Any,
) -> torch.optim.Optimizer:
    if extras.schedule is not None:
        kwargs["lr"] = float(extras.schedule(0))
    try:
        optimizer = _torch_class(class_name)(parameters, **kwargs)
    except TypeError as err:
        msg = f"Invalid optimizer config {shown!r}: {err}"
        raise ValueError(msg) from err
    extras.install(optimizer)
    if steps is not None:
        # Keras 3's optimizer argument: fit() reads it (see accumulation_steps).
        optimizer.gradient_accumulation_steps = steps  # type: ignore[attr-defined]
    return optimizer


def get(identifier: Any, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """An optimizer over ``parameters`` from a name, a Keras-style optimizer, a config dict, an
    instance or a factory.

    Args:
        identifier: ``"adam"``-style Keras name (Keras defaults); an
            :class:`anyloss.optimizers.Adam`-style object (Keras' arguments, a learning-rate
            schedule included); ``{"class_name": "adam", "config": {"learning_rate": 0.01}}``
            (Keras or torch argument names; a Keras ``optimizers.serialize`` config works);
            a ``torch.optim.Optimizer`` (used as is); or a callable ``factory(parameters)``.
        parameters: the model's parameters.

    Returns:
        A ``torch.optim.Optimizer``. One built from a Keras name, config or class has Keras'
        extras (:class:`KerasExtras`) and a ``learning_rate`` attribute (:class:`LearningRate`).
    """
    if isinstance(identifier, torch.optim.Optimizer):
        return identifier
    if isinstance(identifier, Optimizer):
        identifier = {"class_name": identifier.keras_name, "config": identifier.arguments()}
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if isinstance(identifier, Mapping):
        class_name = str(identifier.get("class_name"))
        config, extras, steps = _split_keras(
            class_name, dict(identifier.get("config") or {}), " of the optimizer config"
        )
        class_name, kwargs = _torch_kwargs(class_name, config)
        return _build(class_name, kwargs, extras, steps, parameters, dict(identifier))
    if callable(identifier):
        optimizer = identifier(parameters)
        if not isinstance(optimizer, torch.optim.Optimizer):
            msg = (
                f"The optimizer factory {identifier!r} returned {type(optimizer).__name__}; "
                "it must return a torch.optim.Optimizer, e.g. "
                "`lambda params: torch.optim.SGD(params, lr=0.1)`."
            )
            raise ValueError(msg)
        return optimizer
    msg = (
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name such as "
        f"'adam' (one of {sorted(KERAS_DEFAULTS)}), an anyloss.optimizers.Adam(...)-style "
        "object, a torch.optim.Optimizer, or a factory "
        "`lambda params: torch.optim.SGD(params, lr=0.1)`."
    )
    raise ValueError(msg)


def _keras_entry(extras: KerasExtras | None, steps: int | None) -> dict[str, Any]:
    found = extras.config() if extras is not None else {}
    if steps is not None:
        found["gradient_accumulation_steps"] = steps
    return found


def optimizer_config(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """A JSON-safe ``{"class_name", "config"}`` that :func:`from_config` rebuilds; an optimizer
    with Keras extras (a schedule, clipping, Keras' weight decay, accumulation steps) has them
    under ``"keras"``."""
    config = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in optimizer.defaults.items()
        if isinstance(v, (int, float, bool, str, tuple, type(None)))
    }
    found: dict[str, Any] = {"class_name": type(optimizer).__name__, "config": config}
    keras = _keras_entry(
        getattr(optimizer, "keras_extras", None),
        getattr(optimizer, "gradient_accumulation_steps", None),
    )
    if keras:
        found["keras"] = keras
    return found


def check_accumulation_steps(steps: Any, where: str = "") -> int:
    """``steps`` as a positive ``int``; ``ValueError`` naming the argument otherwise."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        msg = (
            f"Argument `gradient_accumulation_steps`{where} must be a positive integer "
            f"(micro-batches per optimizer step; 1 means no accumulation). Received: {steps!r}"
        )
        raise ValueError(msg)
    return steps


def accumulation_steps(optimizer: torch.optim.Optimizer | None, requested: int | None) -> int:
    """Micro-batches per optimizer step: ``fit``'s argument, else the optimizer's own
    ``gradient_accumulation_steps`` (Keras 3 optimizers take it), else 1."""
    if requested is not None:
        return check_accumulation_steps(requested)
    steps = getattr(optimizer, "gradient_accumulation_steps", None)
    return 1 if steps is None else check_accumulation_steps(steps)


def name_config(identifier: Any) -> dict[str, Any]:
    """The torch config of a not-yet-built optimizer given by Keras name, config dict or
    Keras-style object (the form :func:`optimizer_config` gives once it is built)."""
    if isinstance(identifier, Optimizer):
        identifier = {"class_name": identifier.keras_name, "config": identifier.arguments()}
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if not isinstance(identifier, Mapping):
        msg = (
            "Cannot save an optimizer factory before it has been built: train one step (or "
            "call model.build(x)) first, or compile with a torch.optim instance."
        )
        raise ValueError(msg)
    name = str(identifier.get("class_name"))
    config, extras, steps = _split_keras(
        name, dict(identifier.get("config") or {}), " of the optimizer config"
    )
    class_name, kwargs = _torch_kwargs(name, config)
    if extras.schedule is not None:
        kwargs["lr"] = float(extras.schedule(0))
    found: dict[str, Any] = {
        "class_name": class_name,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
    }
    keras = _keras_entry(extras, steps)
    if keras:
        found["keras"] = keras
    return found


def from_config(
    config: Mapping[str, Any], parameters: Iterable[torch.nn.Parameter]
) -> torch.optim.Optimizer:
    """Rebuild a ``torch.optim`` optimizer saved by :func:`optimizer_config` (with its Keras
    extras: a saved learning-rate schedule is rebuilt too)."""
    class_name = str(config.get("class_name"))
    _torch_class(class_name)  # an unknown class raises ValueError before anything else
    kwargs: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in (config.get("config") or {}).items()
    }
    keras = dict(config.get("keras") or {})
    where = " of the saved optimizer config"
    steps = keras.pop("gradient_accumulation_steps", None)
    if steps is not None:
        steps = check_accumulation_steps(steps, where)
    schedule = _schedule_of(keras.pop("learning_rate", None), where)
    extras = KerasExtras(
        schedule,
        **{k: _check_number(keras.pop(k, None), k, where) for k in ("weight_decay", *_CLIPS)},
    )
    if keras:
        msg = f"Unknown Keras optimizer entries{where}: {sorted(keras)}"
        raise TypeError(msg)
    optimizer = _torch_class(class_name)(parameters, **kwargs)
    extras.install(optimizer)
    if steps is not None:
        optimizer.gradient_accumulation_steps = steps  # type: ignore[attr-defined]
    return optimizer


# ---------------------------------------------------------------------------- Keras classes
class Optimizer:
    """Base of the Keras-style optimizer classes: a description (Keras' name and arguments)
    that ``Model.compile`` turns into the ``torch.optim`` optimizer once the parameters are
    known (:func:`get`).

    The arguments every optimizer takes, as in Keras:

    Args:
        learning_rate: a float, or a :class:`~anyloss.optimizers.schedules.LearningRateSchedule`
            followed at every update.
        weight_decay: Keras' decoupled weight decay: before each update every weight that has a
            gradient is multiplied by ``1 - learning_rate * weight_decay``.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient entry to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm (one of the three
            clips at most).
        use_ema, ema_momentum, ema_overwrite_frequency: Keras' moving average of the weights;
            ``use_ema=True`` is not supported (``ValueError``).
        loss_scale_factor: must be ``None`` (torch.optim has no loss scaling).
        gradient_accumulation_steps: micro-batches per update; ``fit`` accumulates them.
        name: Keras' name of the optimizer (not used).
    """

    #: Keras' name of the optimizer (a key of :data:`KERAS_DEFAULTS`).
    keras_name = ""

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **hyperparameters: Any,
    ) -> None:
        if type(self) is Optimizer:
            msg = (
                "anyloss.optimizers.Optimizer is a base class: use Adam, SGD, RMSprop, AdamW, "
                "Adagrad, Adadelta, Adamax or Nadam, or a torch.optim optimizer (a factory "
                "`lambda params: torch.optim.LBFGS(params)`)."
            )
            raise TypeError(msg)
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.name = name or type(self).__name__
        self._hyperparameters = hyperparameters
        for key, value in hyperparameters.items():
            setattr(self, key, value)
        # Check every argument now (with the message naming it), not at compile time.
        _split_keras(self.keras_name, self.arguments(), f" of {type(self).__name__}")

    def arguments(self) -> dict[str, Any]:
        """The Keras config with the schedule as an object (what :func:`get` builds from)."""
        return {
            "name": self.name,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            **{key: getattr(self, key) for key in self._hyperparameters},
        }

    def get_config(self) -> dict[str, Any]:
        """Keras' config (JSON-safe: a schedule is serialized)."""
        config = self.arguments()
        if isinstance(self.learning_rate, LearningRateSchedule):
            config["learning_rate"] = schedules_module.serialize(self.learning_rate)
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Optimizer:
        """The optimizer :meth:`get_config` described."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), Mapping):
            config["learning_rate"] = schedules_module.deserialize(config["learning_rate"])
        return cls(**config)

    def build(self, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
        """The ``torch.optim`` optimizer over ``parameters`` (what ``compile`` does)."""
        return get(self, parameters)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r})"


class SGD(Optimizer):
    """Keras' ``SGD``: ``torch.optim.SGD`` with Keras' arguments and defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        momentum: the momentum (0 for plain gradient descent).
        nesterov: Nesterov momentum.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> import torch
        >>> from anyloss.models import Model
        >>> from anyloss.optimizers import SGD
        >>> model = Model(torch.nn.Linear(3, 1))
        >>> model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss="mse")
        >>> type(model.optimizer).__name__, model.optimizer.defaults["momentum"]
        ('SGD', 0.9)
    """

    keras_name = "sgd"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


class Adam(Optimizer):
    """Keras' ``Adam``: ``torch.optim.Adam`` with Keras' arguments and defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        beta_1, beta_2: the decay rates of the first and second moment estimates.
        epsilon: added to the denominator (Keras' 1e-7, not torch's 1e-8).
        amsgrad: the AMSGrad variant.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> import torch
        >>> from anyloss.models import Model
        >>> from anyloss.optimizers import Adam
        >>> from anyloss.optimizers.schedules import ExponentialDecay
        >>> model = Model(torch.nn.Linear(3, 1))
        >>> schedule = ExponentialDecay(0.01, decay_steps=1, decay_rate=0.5)
        >>> model.compile(optimizer=Adam(learning_rate=schedule), loss="mse")
        >>> history = model.fit(torch.randn(8, 3), torch.randn(8, 1), batch_size=4, verbose=0)
        >>> float(model.optimizer.learning_rate)  # two updates done: the third uses 0.01 / 4
        0.0025
    """

    keras_name = "adam"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad, **kwargs
        )


class AdamW(Optimizer):
    """Keras' ``AdamW``: ``torch.optim.AdamW`` (decoupled weight decay, as Keras').

    Args:
        learning_rate: a float or a learning-rate schedule.
        weight_decay: the decoupled weight decay.
        beta_1, beta_2: the decay rates of the moment estimates.
        epsilon: added to the denominator.
        amsgrad: the AMSGrad variant.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import AdamW
        >>> AdamW(weight_decay=0.01).get_config()["weight_decay"]
        0.01
    """

    keras_name = "adamw"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate,
            weight_decay=weight_decay,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            **kwargs,
        )


class RMSprop(Optimizer):
    """Keras' ``RMSprop``: ``torch.optim.RMSprop`` with Keras' arguments (``rho`` is torch's
    ``alpha``) and defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        rho: the decay of the moving average of squared gradients.
        momentum: the momentum.
        epsilon: added to the denominator.
        centered: normalise by the estimated variance.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import RMSprop
        >>> RMSprop(rho=0.8).rho
        0.8
    """

    keras_name = "rmsprop"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered, **kwargs
        )


class Adagrad(Optimizer):
    """Keras' ``Adagrad``: ``torch.optim.Adagrad`` with Keras' defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        initial_accumulator_value: the starting value of the accumulators.
        epsilon: added to the denominator.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import Adagrad
        >>> Adagrad().initial_accumulator_value
        0.1
    """

    keras_name = "adagrad"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=epsilon,
            **kwargs,
        )


class Adadelta(Optimizer):
    """Keras' ``Adadelta``: ``torch.optim.Adadelta`` with Keras' defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        rho: the decay rate.
        epsilon: added to the denominator.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import Adadelta
        >>> Adadelta().rho
        0.95
    """

    keras_name = "adadelta"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, rho=rho, epsilon=epsilon, **kwargs)


class Adamax(Optimizer):
    """Keras' ``Adamax``: ``torch.optim.Adamax`` with Keras' defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        beta_1, beta_2: the decay rates of the moment estimates.
        epsilon: added to the denominator.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import Adamax
        >>> Adamax().beta_2
        0.999
    """

    keras_name = "adamax"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)


class Nadam(Optimizer):
    """Keras' ``Nadam``: ``torch.optim.NAdam`` with Keras' defaults.

    Args:
        learning_rate: a float or a learning-rate schedule.
        beta_1, beta_2: the decay rates of the moment estimates.
        epsilon: added to the denominator.
        **kwargs: the arguments every optimizer takes (:class:`Optimizer`).

    Example:
        >>> from anyloss.optimizers import Nadam
        >>> Nadam(learning_rate=0.002).learning_rate
        0.002
    """

    keras_name = "nadam"

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, **kwargs)


OptimizerLike = str | Mapping[str, Any] | Optimizer | torch.optim.Optimizer | Callable[..., Any]
