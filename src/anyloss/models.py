"""Keras' ``keras.models`` import path: ``from anyloss.models import Sequential, Model``.

Needs PyTorch (``pip install anyloss[torch]``).
"""

from anyloss.training.callbacks import Callback, EarlyStopping, History, ModelCheckpoint
from anyloss.training.model import Model, Sequential, load_model

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "Model",
    "ModelCheckpoint",
    "Sequential",
    "load_model",
]
