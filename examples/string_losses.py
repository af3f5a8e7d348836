"""Losses by Keras name on a two-output PyTorch module: one string per output, weights by name.

Run: ``python examples/string_losses.py``.
"""

import numpy as np
import torch
from torch import nn

from anyloss.models import Model


class TwoHeads(nn.Module):
    """A shared trunk with a regression head and a 3-class classification head."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(4, 32), nn.ReLU())
        self.reg = nn.Linear(32, 1)
        self.cls = nn.Linear(32, 3)

    def forward(self, x):
        h = self.trunk(x)
        return {"reg": self.reg(h), "cls": torch.softmax(self.cls(h), dim=-1)}


def main() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4)).astype("float32")
    y = {"reg": x[:, :1] * 2.0, "cls": (x[:, 1] > 0).astype("int64") + (x[:, 2] > 1)}

    model = Model(TwoHeads())
    model.compile(optimizer="adam",
                  loss={"reg": "huber", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 1.0, "cls": 0.5},
                  metrics={"cls": ["accuracy"], "reg": ["mae"]})
    history = model.fit(x, y, epochs=4, batch_size=32, verbose=2)
    print("history keys:", sorted(history.history))
    print("resolved losses:", model.compiled_loss.losses)


if __name__ == "__main__":
    main()
