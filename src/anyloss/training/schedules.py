"""Keras' learning-rate schedules: a schedule maps the optimizer's step to a learning rate.

The step is the optimizer's iteration count, the number of updates applied so far: the first
update uses ``schedule(0)``. Pass a schedule as an optimizer's ``learning_rate``
(``anyloss.optimizers.Adam(learning_rate=ExponentialDecay(...))``); the torch optimizer's
``param_groups`` then follow it at every update (see :mod:`anyloss.training.optimizers`).

The formulas are Keras 3's, computed in Python floats (Keras computes in float32, so values agree
to float32 precision). Configs are Keras' (``get_config``/``from_config``, ``serialize``/
``deserialize``), so a schedule saved by Keras loads here and the other way round.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]


def _number(value: Any, name: str, owner: str, positive: bool = False) -> float:
    """``value`` as a float, or a ``ValueError`` naming ``owner``'s argument ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        msg = f"{owner}: argument `{name}` must be a finite number. Received: {name}={value!r}"
        raise ValueError(msg)
    if positive and value <= 0:
        msg = f"{owner}: argument `{name}` must be > 0. Received: {name}={value!r}"
        raise ValueError(msg)
    return float(value)


def _step(step: Any) -> float:
    """The step as a float (an int, a float, or a 0-d array/tensor)."""
    return float(step)


class LearningRateSchedule:
    """Base class of the learning-rate schedules: override ``__call__(step)`` (and
    ``get_config`` to make a subclass serializable).

    Returns:
        ``schedule(step)`` is the learning rate (a float) of the update at ``step`` (0 for the
        first update).

    Example:
        >>> from anyloss.optimizers.schedules import LearningRateSchedule
        >>> class InverseSqrt(LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / (step + 1) ** 0.5
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> InverseSqrt(0.1)(3)
        0.05
    """

    def __call__(self, step: Any) -> float:
        msg = (
            f"Learning rate schedule {type(self).__name__!r} must override `__call__(self, step)`."
        )
        raise NotImplementedError(msg)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-safe (Keras' ``get_config``)."""
        msg = (
            f"Learning rate schedule {type(self).__name__!r} must override `get_config()` "
            "to be saved."
        )
        raise NotImplementedError(msg)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LearningRateSchedule:
        """The schedule that :meth:`get_config` described."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class _RateDecay(LearningRateSchedule):
    """The arguments, checks and config shared by ``ExponentialDecay`` and
    ``InverseTimeDecay``: a ``decay_rate`` applied per ``decay_steps``, optionally only at whole
    periods (``staircase``)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int | float,
        decay_rate: float,
        staircase: bool,
        name: str,
    ) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", owner)
        self.decay_steps = decay_steps
        _number(decay_steps, "decay_steps", owner, positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate", owner)
        self.staircase = bool(staircase)
        self.name = name

    def _periods(self, step: Any) -> float:
        """``step / decay_steps``, floored with ``staircase``."""
        p = _step(step) / float(self.decay_steps)
        return math.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_RateDecay):
    """Exponential decay (Keras' ``ExponentialDecay``)::

        lr(step) = initial_learning_rate * decay_rate ** (step / decay_steps)

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps per decay period (> 0).
        decay_rate: the factor per period.
        staircase: decay at whole periods only.
        name: Keras' name of the schedule (kept in the config).

    Example:
        >>> from anyloss.optimizers.schedules import ExponentialDecay
        >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> schedule(0), schedule(10), round(schedule(5), 6)
        (0.1, 0.05, 0.070711)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int | float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._periods(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate per interval of steps (Keras' ``PiecewiseConstantDecay``):
    ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary.

    Args:
        boundaries: strictly increasing steps.
        values: one more value than ``boundaries``.
        name: Keras' name of the schedule (kept in the config).

    Example:
        >>> from anyloss.optimizers.schedules import PiecewiseConstantDecay
        >>> schedule = PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
        >>> [schedule(step) for step in range(6)]
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(
        self,
        boundaries: Sequence[int | float],
        values: Sequence[float],
        name: str = "PiecewiseConstant",
    ) -> None:
        owner = "PiecewiseConstantDecay"
        if not isinstance(boundaries, Sequence) or not isinstance(values, Sequence):
            msg = (
                f"{owner}: arguments `boundaries` and `values` must be lists. Received: "
                f"boundaries={boundaries!r}, values={values!r}"
            )
            raise ValueError(msg)
        if len(boundaries) != len(values) - 1:
            msg = (
                f"{owner}: `values` must have one more entry than `boundaries`. Received: "
                f"boundaries={list(boundaries)} of length {len(boundaries)} and "
                f"values={list(values)} of length {len(values)}."
            )
            raise ValueError(msg)
        for b in boundaries:
            _number(b, "boundaries", owner)
        for v in values:
            _number(v, "values", owner)
        if any(a >= b for a, b in itertools.pairwise(boundaries)):
            msg = (
                f"{owner}: `boundaries` must be strictly increasing. Received: "
                f"boundaries={list(boundaries)}"
            )
            raise ValueError(msg)
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step: Any) -> float:
        s = _step(step)
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if s <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay to ``end_learning_rate`` (Keras' ``PolynomialDecay``)::

        step = min(step, decay_steps)
        lr(step) = (initial - end) * (1 - step / decay_steps) ** power + end

    With ``cycle=True``, ``decay_steps`` is multiplied by ``ceil(step / decay_steps)`` (1 at
    step 0) instead of clamping the step.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps to reach ``end_learning_rate`` (> 0).
        end_learning_rate: the final learning rate.
        power: the polynomial's power.
        cycle: restart the decay after ``decay_steps``.
        name: Keras' name of the schedule (kept in the config).

    Example:
        >>> from anyloss.optimizers.schedules import PolynomialDecay
        >>> schedule = PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0)
        >>> [schedule(step) for step in range(6)]
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int | float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        owner = "PolynomialDecay"
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", owner)
        self.decay_steps = decay_steps
        _number(decay_steps, "decay_steps", owner, positive=True)
        self.end_learning_rate = _number(end_learning_rate, "end_learning_rate", owner)
        self.power = _number(power, "power", owner)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step: Any) -> float:
        s = _step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if s == 0 else math.ceil(s / decay_steps)
        else:
            s = min(s, decay_steps)
        p = s / decay_steps
        delta = self.initial_learning_rate - self.end_learning_rate
        return delta * (1 - p) ** self.power + self.end_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_RateDecay):
    """Inverse time decay (Keras' ``InverseTimeDecay``)::

        lr(step) = initial_learning_rate / (1 + decay_rate * step / decay_steps)

    With ``staircase=True``, ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps per unit of decay (> 0).
        decay_rate: the decay per unit.
        staircase: decay at whole units only.
        name: Keras' name of the schedule (kept in the config).

    Example:
        >>> from anyloss.optimizers.schedules import InverseTimeDecay
        >>> schedule = InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)
        >>> [schedule(step) for step in range(3)]
        [1.0, 0.6666666666666666, 0.5]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int | float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> float:
        return self.initial_learning_rate / (1 + self.decay_rate * self._periods(step))


class CosineDecay(LearningRateSchedule):
    """Cosine decay with an optional linear warmup (Keras' ``CosineDecay``).

    Without warmup (``warmup_target=None``)::

        step = min(step, decay_steps)
        lr(step) = initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps))
                                            + alpha)

    With ``warmup_target``, the rate first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target`` as above over
    the next ``decay_steps`` (the step is clamped at ``warmup_steps + decay_steps``).

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps to decay over (> 0).
        alpha: the final rate as a fraction of the decay's starting rate.
        warmup_target: the rate reached after the warmup, or ``None`` for no warmup.
        warmup_steps: steps of warmup.
        name: Keras' name of the schedule (kept in the config).

    Example:
        >>> from anyloss.optimizers.schedules import CosineDecay
        >>> schedule = CosineDecay(0.0, decay_steps=4, warmup_target=1.0, warmup_steps=2)
        >>> [round(schedule(step), 4) for step in range(7)]
        [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int | float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int | float = 0,
    ) -> None:
        owner = "CosineDecay"
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", owner)
        self.decay_steps = decay_steps
        _number(decay_steps, "decay_steps", owner, positive=True)
        self.alpha = _number(alpha, "alpha", owner)
        self.name = name
        self.warmup_target = (
            None if warmup_target is None else _number(warmup_target, "warmup_target", owner)
        )
        self.warmup_steps = warmup_steps
        if _number(warmup_steps, "warmup_steps", owner) < 0:
            msg = f"{owner}: argument `warmup_steps` must be >= 0. Received: {warmup_steps!r}"
            raise ValueError(msg)

    def _decay(self, step: float, start: float) -> float:
        fraction = step / float(self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> float:
        s = _step(step)
        decay_steps = float(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(min(s, decay_steps), self.initial_learning_rate)
        warmup_steps = float(self.warmup_steps)
        s = min(s, decay_steps + warmup_steps)
        if s < warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (s / warmup_steps) + self.initial_learning_rate
        return self._decay(s - warmup_steps, self.warmup_target)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


#: The built-in schedules by class name (what a config's ``class_name`` may name).
SCHEDULES: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls
    for cls in (
        CosineDecay,
        ExponentialDecay,
        InverseTimeDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """A JSON-safe ``{"module", "class_name", "config", "registered_name"}`` (Keras 3's form)
    that :func:`deserialize` turns back into the schedule.

    Example:
        >>> from anyloss.optimizers import schedules
        >>> config = schedules.serialize(schedules.ExponentialDecay(0.1, 100, 0.9))
        >>> config["class_name"], config["config"]["decay_rate"]
        ('ExponentialDecay', 0.9)
        >>> schedules.deserialize(config)(100)
        0.09000000000000001
    """
    if not isinstance(schedule, LearningRateSchedule):
        msg = (
            f"Cannot serialize {schedule!r}: expected a LearningRateSchedule such as "
            "ExponentialDecay(0.1, 1000, 0.9)."
        )
        raise TypeError(msg)
    return {
        "module": "anyloss.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(
    config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
) -> LearningRateSchedule:
    """The schedule of a :func:`serialize` (or Keras ``serialize``) config. ``custom_objects``
    maps the class names of your own ``LearningRateSchedule`` subclasses to the classes.

    Never imports a module named by the config: only the built-in schedules and
    ``custom_objects`` are found.
    """
    if not isinstance(config, Mapping) or not isinstance(config.get("class_name"), str):
        msg = (
            "A learning-rate schedule config must be a dict with a 'class_name' and a "
            f"'config'. Received: {config!r}"
        )
        raise ValueError(msg)
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or SCHEDULES.get(name)
    if not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)):
        msg = (
            f"Unknown learning-rate schedule {name!r}. Built-in: {sorted(SCHEDULES)}; pass "
            "your own subclass in custom_objects={name: cls}."
        )
        raise ValueError(msg)
    arguments = config.get("config") or {}
    if not isinstance(arguments, Mapping):
        msg = f"The 'config' of the schedule {name!r} must be a dict. Received: {arguments!r}"
        raise ValueError(msg)
    try:
        return cls.from_config(dict(arguments))
    except TypeError as err:
        msg = f"Cannot rebuild the schedule {name!r} from its config {dict(arguments)!r}: {err}"
        raise ValueError(msg) from None
