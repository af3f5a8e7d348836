"""The lazy lookup pipeline, step by step, then a short training run.

identifier -> ``al.get`` -> loss object -> ``al.serialize`` config; ``compile`` resolves
nothing (``compiled_loss.built`` is False) until the first training step builds it.
Run: ``python examples/demo.py``.
"""

import json

import numpy as np
import torch

import anyloss as al
from anyloss.layers import Dense
from anyloss.models import Sequential


def custom_mse(y_true, y_pred):
    return al.ops.mean(al.ops.multiply(al.ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)


def main() -> None:
    print("== lookup pipeline ==")
    for identifier in ("mse", "huber_loss", "CategoricalCrossentropy",
                       {"class_name": "Huber", "config": {"delta": 2.0}}, custom_mse):
        obj = al.get(identifier)
        try:
            config = al.serialize(obj)
        except ValueError as err:
            config = f"not serializable by name: {err}"
        shown = getattr(identifier, "__name__", identifier)
        print(f"{shown!r:>55} -> {getattr(obj, '__name__', obj)!r}\n{'':>55}    "
              f"serialize: {json.dumps(config) if not isinstance(config, str) else config}")

    print("\n== training (Keras API on PyTorch) ==")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 5)).astype("float32")
    y = np.stack([x.sum(axis=1), x[:, 0]], axis=1)
    model = Sequential([Dense(32, input_shape=(5,), activation="relu"), Dense(2)])
    model.compile(optimizer="adam", loss=custom_mse, metrics=["mae"])
    print("compiled_loss:", model.compiled_loss)
    print("compiled_loss.built before the first step:", model.compiled_loss.built)
    model.fit(x, y, epochs=3, batch_size=64, verbose=2)
    print("compiled_loss.built after the first step: ", model.compiled_loss.built)
    print("resolved:", model.compiled_loss.losses)


if __name__ == "__main__":
    main()
