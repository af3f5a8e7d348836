"""Keras' ``keras.optimizers.schedules`` import path:
``from anyloss.optimizers.schedules import ExponentialDecay``.

A schedule maps the optimizer's step (the number of updates applied, 0 for the first) to the
learning rate; pass one as an optimizer's ``learning_rate``. Needs PyTorch (as
``anyloss.optimizers`` does).
"""

from anyloss.training.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
    deserialize,
    serialize,
)

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
