"""Keras-style training on PyTorch: ``Model``, ``Sequential``, layers, callbacks, saving.

Importing this package imports torch; ``import anyloss`` alone never does.
"""

from anyloss.training.callbacks import Callback, EarlyStopping, History, ModelCheckpoint
from anyloss.training.layers import Activation, Dense, Dropout, Flatten
from anyloss.training.model import Model, Sequential, load_model, training_mode

__all__ = [
    "Activation",
    "Callback",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "History",
    "Model",
    "ModelCheckpoint",
    "Sequential",
    "load_model",
    "training_mode",
]
