"""anyloss' losses inside tf-keras (Keras 2): ``Model.compile``, ``fit``, ``save`` and
``load_model``.

``import anyloss.tf_keras`` does for ``tf_keras`` (``pip install "anyloss[tf-keras]"``) what
``anyloss.keras`` does for Keras 3: ``tf_keras.Model.compile`` takes anyloss losses (a ``Loss``
object, an anyloss function, a loss registered with ``@anyloss.register()``), which compute on
TensorFlow tensors with anyloss' sample-weight, mask and reduction semantics, and a model
compiled with them saves (``model.save("model.keras")``) and loads with
``tf_keras.models.load_model`` without ``custom_objects``.

What importing it does, once:

- ``tf_keras.src.losses.get``, which ``LossesContainer`` calls for every loss of ``compile``, is
  wrapped: an anyloss loss becomes a :class:`KerasLoss`, anything else goes to tf-keras' own
  ``get`` (a tf-keras that no longer calls it raises ``ImportError`` here);
- every built-in anyloss class and function is registered with
  ``tf_keras.saving.register_keras_serializable`` as ``"anyloss>Name"``, and every loss
  registered with ``@anyloss.register()`` (now or later) under its own ``"package>name"``.

Example:
    >>> import anyloss as al
    >>> from anyloss.tf_keras import KerasLoss
    >>> loss = KerasLoss(al.Huber(delta=2.0))
    >>> loss.name, loss.reduction
    ('huber_loss', 'sum_over_batch_size')
    >>> KerasLoss.from_config(loss.get_config()).loss.delta
    2.0
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tf_keras
from tf_keras.src import losses as _tf_keras_losses
from tf_keras.src.engine import compile_utils as _compile_utils

from anyloss import _keras_bridge
from anyloss.losses import _names

__all__ = ["KerasLoss"]

#: anyloss' reductions as tf-keras names them. tf-keras reads a loss' ``reduction`` only to
#: scale it across replicas of a ``tf.distribute`` strategy: a mean scales as its
#: ``"sum_over_batch_size"`` does.
_REDUCTIONS = {
    "none": "none",
    "sum": "sum",
    "sum_over_batch_size": "sum_over_batch_size",
    "mean": "sum_over_batch_size",
    "mean_with_sample_weight": "sum_over_batch_size",
}


@tf_keras.saving.register_keras_serializable(package=_names.KERAS_PACKAGE)
class KerasLoss(_keras_bridge.KerasLossMethods, tf_keras.losses.Loss):
    """A tf-keras loss that computes an anyloss loss, with anyloss' weights, masks and reduction.

    ``tf_keras.Model.compile`` builds one for every anyloss loss it is given once
    ``anyloss.tf_keras`` is imported. ``loss(y_true, y_pred, sample_weight)`` calls the anyloss
    loss with the same arguments and the ``_keras_mask`` of ``y_pred`` (``mask=``, removed from
    the loss and from the ``sum_over_batch_size`` count, as tf-keras does; a fully masked batch
    gives 0, not tf-keras' NaN: D5 in docs/keras-differences.md). Its name is the anyloss
    loss'; its ``reduction`` is tf-keras' name for it (``"mean"`` reads
    ``"sum_over_batch_size"``). Its config is ``{"loss": anyloss.serialize(loss)}``.

    Args:
        loss: an anyloss loss: a ``Loss`` object, or anything ``anyloss.get`` resolves (a
            function, a name such as ``"mse"``, a ``Loss`` subclass, another library's spelling,
            a config dict).

    Raises:
        TypeError: ``loss`` is a tf-keras loss already (or ``None``).
        ValueError: ``anyloss.get`` does not resolve ``loss`` (an unknown name, a base class).

    Example:
        >>> import anyloss as al
        >>> from anyloss.tf_keras import KerasLoss
        >>> KerasLoss("mae").get_config()
        {'loss': 'mean_absolute_error'}
    """

    def __init__(self, loss: Any) -> None:
        if isinstance(loss, tf_keras.losses.Loss) or loss is None:
            msg = (
                f"KerasLoss wraps an anyloss loss; {loss!r} is "
                f"{'None' if loss is None else 'a tf-keras loss already'}: pass it to compile "
                "as it is."
            )
            raise TypeError(msg)
        self._wrap(loss)
        super().__init__(
            reduction=_REDUCTIONS.get(self._anyloss.reduction, "sum_over_batch_size"),
            name=self._anyloss.name,
        )

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The anyloss loss of ``y_true`` and ``y_pred``, with ``sample_weight`` and the mask.

        Args:
            y_true: the targets.
            y_pred: the predictions (TensorFlow tensors inside ``fit``).
            sample_weight: ``None``, a scalar, per-sample or per-entry weights.

        Returns:
            The anyloss loss' value (reduced, unless its reduction is ``"none"``).
        """
        with tf.name_scope(self._name_scope):
            return self._anyloss(
                y_true,
                y_pred,
                sample_weight=sample_weight,
                mask=getattr(y_pred, "_keras_mask", None),
            )


def _install() -> None:
    _keras_bridge.register_everything(tf_keras.saving.register_keras_serializable)
    _keras_bridge.install_get_hook(
        _tf_keras_losses,
        _compile_utils.LossesContainer._get_loss_object,
        "losses_mod",
        KerasLoss,
        "tf_keras.src.engine.compile_utils.LossesContainer._get_loss_object",
    )


_install()
