"""A custom weighted MSE written with ``anyloss.ops``, trained with Keras' API on PyTorch.

The loss weighs the two outputs 0.3 and 0.7. It is a plain per-sample function, so the same
code works on NumPy, PyTorch and JAX arrays. Run: ``python examples/custom_weighted_mse.py``.
"""

import numpy as np
import torch

from anyloss import ops
from anyloss.layers import Dense
from anyloss.models import Sequential


def custom_mse(y_true, y_pred):
    """Mean over the last axis of the squared error weighted by [0.3, 0.7]."""
    return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)


def main() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 5)).astype("float32")
    y = np.stack([x.sum(axis=1), x[:, 0] - 2 * x[:, 1]], axis=1)

    model = Sequential()
    model.add(Dense(50, input_shape=(5,), activation="relu"))
    model.add(Dense(2, activation="linear"))
    model.compile(optimizer="adam", loss=custom_mse, metrics=["mae"])
    print("compiled_loss.built before fit:", model.compiled_loss.built)
    history = model.fit(x, y, epochs=5, batch_size=64, validation_split=0.2, verbose=2)
    print("compiled_loss.built after fit: ", model.compiled_loss.built)
    print("final loss:", round(history.history["loss"][-1], 4))
    print("evaluate [loss, mae]:", [round(v, 4) for v in model.evaluate(x, y, verbose=0)])
    print("predict shape:", model.predict(x[:3]).shape)


if __name__ == "__main__":
    main()
