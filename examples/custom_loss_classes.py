"""The two ways to write a custom loss class, both trained on PyTorch and saved by name.

1. Subclass ``anyloss.Loss`` and implement ``call(y_true, y_pred)`` (per-sample values).
2. Subclass ``anyloss.LossFunctionWrapper`` and pass a per-sample function and its keyword
   arguments to ``super().__init__``.

Registering them (``@al.register``) lets ``load_model`` restore them by name.
Run: ``python examples/custom_loss_classes.py``.
"""

import os
import tempfile

import numpy as np
import torch

import anyloss as al
from anyloss import ops
from anyloss.layers import Dense
from anyloss.models import Sequential, load_model


@al.register(package="examples")
class ScaledAbsoluteError(al.Loss):
    """``scale * mean(|y_true - y_pred|)`` per sample."""

    def __init__(self, scale=1.0, name="scaled_absolute_error", reduction="sum_over_batch_size",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.scale = scale

    def call(self, y_true, y_pred):
        # A Loss subclass gets the inputs as they are: align (N,) labels with (N, 1)
        # predictions, or `y_true - y_pred` broadcasts to (N, N) (check_loss: broadcast-trap).
        y_true = ops.reshape(y_true, ops.shape(y_pred))
        return ops.multiply(ops.mean(ops.abs(y_true - y_pred), axis=-1), self.scale)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def smoothed_bce(y_true, y_pred, from_logits=False, smoothing=0.1):
    """Binary crossentropy against labels pulled towards 0.5 by ``smoothing``."""
    y_true = y_true * (1.0 - smoothing) + 0.5 * smoothing
    return al.binary_crossentropy(y_true, y_pred, from_logits=from_logits)


@al.register(package="examples")
class SmoothedBCE(al.LossFunctionWrapper):
    """The seed pattern: a function plus its keyword arguments."""

    def __init__(self, from_logits=False, smoothing=0.1, name="smoothed_bce",
                 reduction="sum_over_batch_size", dtype=None):
        super().__init__(smoothed_bce, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, smoothing=smoothing)

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k != "fn"}


def main() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 3)).astype("float32")
    y_reg = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    y_bin = (x[:, :1] > 0).astype("float32")

    for loss, y in ((ScaledAbsoluteError(scale=2.0), y_reg),
                    (SmoothedBCE(from_logits=True, smoothing=0.05), y_bin)):
        model = Sequential([Dense(16, activation="tanh"), Dense(1)])
        model.compile(optimizer="adam", loss=loss)
        history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
        print(f"{loss.name}: loss {history.history['loss'][0]:.4f} -> "
              f"{history.history['loss'][-1]:.4f}; config {al.serialize(loss)['config']}")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.pt")
            model.save(path)
            restored = load_model(path)
            print("  restored loss:", restored.compiled_loss.loss)


if __name__ == "__main__":
    main()
