"""Keras-style training on PyTorch: ``Model``, ``Sequential``, layers, callbacks, saving.

Importing this package imports torch; ``import anyloss`` alone never does.
"""

try:
    import torch  # noqa: F401  (checked first, to say how to install it)
except ImportError as err:
    msg = (
        "anyloss.models, anyloss.layers, anyloss.callbacks, anyloss.optimizers, "
        "anyloss.metrics and anyloss.training need PyTorch, which is not installed: pip "
        "install anyloss[torch] (or pip install torch). The losses alone (import anyloss) "
        "work without it."
    )
    raise ImportError(msg, name="torch") from err

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
