"""RMSprop + sparse categorical crossentropy + accuracy on a small synthetic task.

Four Gaussian blobs in 2-D; the model should reach about 95% validation accuracy.
Run: ``python examples/classification.py``.
"""

import numpy as np
import torch

from anyloss.layers import Dense
from anyloss.models import EarlyStopping, Sequential


def make_blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = np.array([[2, 2], [-2, 2], [-2, -2], [2, -2]], dtype="float32")
    labels = rng.integers(0, 4, size=n)
    points = centers[labels] + rng.normal(scale=0.8, size=(n, 2)).astype("float32")
    return points, labels


def main() -> None:
    torch.manual_seed(0)
    x, y = make_blobs(2000)
    model = Sequential([Dense(32, activation="relu", input_shape=(2,)),
                        Dense(4, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, validation_split=0.2, verbose=2,
                        callbacks=[EarlyStopping(monitor="val_accuracy", patience=2,
                                                 restore_best_weights=True)])
    loss, accuracy = model.evaluate(x, y, verbose=0)
    print(f"evaluate: loss={loss:.4f} accuracy={accuracy:.4f}")
    print("best val_accuracy:", round(max(history.history["val_accuracy"]), 4))


if __name__ == "__main__":
    main()
