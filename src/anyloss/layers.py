"""Keras' ``keras.layers`` import path: ``from anyloss.layers import Dense, Conv2D, LSTM``.

Layers are ``torch.nn.Module``s with Keras' conventions (channels-last, argument names and
defaults, initialisers, sizes inferred from the first batch); any other module can be used as a
layer too. ``Input(shape=...)`` starts a functional model (``Model(inputs, outputs)``) or a
``Sequential``. Needs PyTorch.
"""

from anyloss.training.functional import Input, TorchModuleWrapper
from anyloss.training.layers import Activation, Dense, Dropout, Flatten, get_activation
from anyloss.training.layers_sequence import (
    GRU,
    LSTM,
    Add,
    Bidirectional,
    Concatenate,
    Embedding,
    add,
    concatenate,
)
from anyloss.training.layers_spatial import (
    L1,
    L1L2,
    L2,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    LayerNormalization,
    MaxPooling1D,
    MaxPooling2D,
    Reshape,
)

__all__ = [
    "GRU",
    "L1",
    "L1L2",
    "L2",
    "LSTM",
    "Activation",
    "Add",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "LayerNormalization",
    "MaxPooling1D",
    "MaxPooling2D",
    "Reshape",
    "TorchModuleWrapper",
    "add",
    "concatenate",
    "get_activation",
]
