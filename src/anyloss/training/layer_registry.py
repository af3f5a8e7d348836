"""Every Keras-named layer class by class name: what a saved ``Sequential``'s config names.

A separate module so that the layer modules need not import each other: each lists its classes
(``LAYER_CLASSES``) and this one gathers them.
"""

from __future__ import annotations

from torch import nn

from anyloss.training import layers, layers_sequence, layers_spatial

__all__ = ["LAYERS"]

LAYERS: dict[str, type[nn.Module]] = {
    cls.__name__: cls
    for cls in (
        *layers.LAYER_CLASSES,
        *layers_spatial.LAYER_CLASSES,
        *layers_sequence.LAYER_CLASSES,
    )
}
