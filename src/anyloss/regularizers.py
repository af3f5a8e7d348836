"""Keras' ``keras.regularizers`` import path: ``from anyloss.regularizers import L2``.

For layers' ``kernel_regularizer=``/``bias_regularizer=``; ``fit`` adds the penalties to the
training loss. Needs PyTorch.
"""

from anyloss.training.regularizers import L1, L1L2, L2, get_regularizer

l1, l2, l1_l2 = L1, L2, L1L2  # Keras' lower-case aliases

__all__ = ["L1", "L1L2", "L2", "get", "l1", "l1_l2", "l2"]

get = get_regularizer
