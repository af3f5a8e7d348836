"""Keras' ``keras.layers`` import path: ``from anyloss.layers import Dense``.

Layers are ``torch.nn.Module``s; any other module can be used as a layer too. Needs PyTorch.
"""

from anyloss.training.layers import Activation, Dense, Dropout, Flatten, get_activation

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "get_activation"]
