"""Keras' ``keras.optimizers`` import path: ``from anyloss.optimizers import Adam``.

``Adam(learning_rate=...)``, ``SGD``, ``RMSprop``, ``AdamW``, ``Adagrad``, ``Adadelta``,
``Adamax`` and ``Nadam`` take Keras' arguments and defaults; ``Model.compile`` turns one into
the ``torch.optim`` optimizer once the parameters are known. A learning rate may be a schedule
from :mod:`anyloss.optimizers.schedules`. Needs PyTorch.
"""

# `anyloss.optimizers.schedules`, as `keras.optimizers.schedules` (documented on its own page).
from anyloss.optimizers import schedules as schedules
from anyloss.training.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    LearningRate,
    Nadam,
    Optimizer,
    RMSprop,
    get,
    get_learning_rate,
    iterations,
    set_learning_rate,
)

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LearningRate",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "get",
    "get_learning_rate",
    "iterations",
    "set_learning_rate",
]
