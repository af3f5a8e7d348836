"""Keras' ``keras.callbacks`` import path: ``from anyloss.callbacks import EarlyStopping``.

Callbacks get ``self.model`` (the anyloss ``Model``, whose ``optimizer`` is a
``torch.optim.Optimizer``) and the hooks of ``fit``, ``evaluate`` and ``predict``. Needs
PyTorch.
"""

from anyloss.training.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
