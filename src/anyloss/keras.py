"""anyloss' losses inside Keras 3: ``Model.compile``, ``fit``, ``save`` and ``load_model``.

``import anyloss.keras`` (once, anywhere; it needs ``keras`` 3 and the array library of its
backend) lets ``keras.Model.compile`` take anyloss losses: a ``Loss`` object
(``al.SparseCategoricalCrossentropy(from_logits=True)``), an anyloss function
(``al.huber``) or a loss registered with ``@anyloss.register()``, alone or in a list or dict
per output. They compute with anyloss' own sample-weight, mask and reduction semantics, on
every Keras backend (PyTorch, JAX, TensorFlow), with ``jit_compile`` too. A model compiled with
them saves to ``.keras`` and loads with ``keras.models.load_model`` without ``custom_objects``
(in the loading process, ``import anyloss.keras`` and the module that registers your own losses
first). Strings stay Keras' names: ``compile(loss="mse")`` is Keras' loss.

What importing it does, once (a second import does nothing):

- ``compile``'s losses: Keras wraps a loss that is not a ``keras.losses.Loss`` in its
  ``LossFunctionWrapper``, which expects one value per sample and weights, masks and reduces
  them itself; an anyloss ``Loss`` returns its reduced value, so with ``sample_weight`` or a
  mask the result would be silently wrong. ``keras.src.losses.get``, which compile calls for
  every loss, is wrapped: an anyloss loss becomes a :class:`KerasLoss`, anything else goes to
  Keras' own ``get``. A Keras that no longer calls it raises ``ImportError`` here.
- serialization: every built-in anyloss class and function is registered with
  ``keras.saving.register_keras_serializable`` as ``"anyloss>Name"``, and every loss
  registered with ``@anyloss.register()`` (now or later) under its own ``"package>name"``, so
  the loss in a model's compile config saves as its anyloss config and loads again.

Example:
    >>> import numpy as np
    >>> import anyloss as al
    >>> import anyloss.keras
    >>> loss = anyloss.keras.KerasLoss(al.MeanSquaredError())
    >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> y_pred = np.array([[0.5, 1.0], [0.0, 0.0]])
    >>> round(float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))), 4)
    0.0625
"""

from __future__ import annotations

from typing import Any

import keras
from keras.src import losses as _keras_losses
from keras.src.trainers import compile_utils as _compile_utils

from anyloss import _keras_bridge
from anyloss.losses import _names

__all__ = ["KerasLoss"]


def _keras_mask(y_pred: Any) -> Any:
    """Keras' mask of ``y_pred``: an attribute on most tensors, a side table for JAX arrays."""
    try:
        from keras.src.backend import get_keras_mask
    except ImportError:  # pragma: no cover - Keras 3.15 has it
        return getattr(y_pred, "_keras_mask", None)
    return get_keras_mask(y_pred)


@keras.saving.register_keras_serializable(package=_names.KERAS_PACKAGE)
class KerasLoss(_keras_bridge.KerasLossMethods, keras.losses.Loss):
    """A Keras 3 loss that computes an anyloss loss, with anyloss' weights, masks and reduction.

    ``Model.compile`` builds one for every anyloss loss it is given once ``anyloss.keras`` is
    imported; build one yourself to call it as a Keras loss. ``loss(y_true, y_pred,
    sample_weight)`` calls the anyloss loss with the same arguments and Keras' mask of ``y_pred``
    (``mask=``, which anyloss removes from the loss and from the ``sum_over_batch_size`` count,
    as Keras does); the reduced value is anyloss', in ``y_pred``'s library. Its name, reduction
    and dtype are the anyloss loss'. Its config is ``{"loss": anyloss.serialize(loss)}``: every
    argument of the anyloss loss, rebuilt with ``anyloss.deserialize``.

    Args:
        loss: an anyloss loss: a ``Loss`` object, or anything ``anyloss.get`` resolves (a
            function, a name such as ``"mse"``, a ``Loss`` subclass, another library's spelling
            such as ``"torch.nn.SmoothL1Loss"``, a config dict).

    Raises:
        TypeError: ``loss`` is a Keras loss already (or ``None``).
        ValueError: ``anyloss.get`` does not resolve ``loss`` (an unknown name, a base class).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> from anyloss.keras import KerasLoss
        >>> loss = KerasLoss(al.Huber(delta=2.0))
        >>> loss.name, loss.get_config()["loss"]["config"]["delta"]
        ('huber_loss', 2.0)
        >>> KerasLoss.from_config(loss.get_config()).loss.delta
        2.0
        >>> y_true, y_pred = np.zeros((2, 3)), np.ones((2, 3))
        >>> float(loss(y_true, y_pred, sample_weight=np.array([1.0, 3.0])))
        1.0
    """

    def __init__(self, loss: Any) -> None:
        if isinstance(loss, keras.losses.Loss) or loss is None:
            msg = (
                f"KerasLoss wraps an anyloss loss; {loss!r} is "
                f"{'None' if loss is None else 'a Keras loss already'}: pass it to compile as it is."
            )
            raise TypeError(msg)
        self._wrap(loss)
        super().__init__(
            name=self._anyloss.name, reduction=self._anyloss.reduction, dtype=self._anyloss.dtype
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The anyloss loss of ``y_true`` and ``y_pred``, with ``sample_weight`` and Keras' mask.

        Args:
            y_true: the targets (a tensor of the backend, or anything anyloss converts).
            y_pred: the predictions; their library is the result's.
            sample_weight: ``None``, a scalar, per-sample or per-entry weights.

        Returns:
            The anyloss loss' value (reduced, unless its reduction is ``"none"``).
        """
        with keras.name_scope(self.name):
            return self._anyloss(
                y_true, y_pred, sample_weight=sample_weight, mask=_keras_mask(y_pred)
            )


def _install() -> None:
    _keras_bridge.register_everything(keras.saving.register_keras_serializable)
    _keras_bridge.install_get_hook(
        _keras_losses,
        _compile_utils.get_loss,
        "losses_module",
        KerasLoss,
        "keras.src.trainers.compile_utils.get_loss",
    )


_install()
