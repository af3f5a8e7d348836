"""Losses that own trainable weights (``anyloss.ArcFace``, a ``torch.nn.Module`` loss with
parameters): ``compile`` gives them to the optimizer beside the network's, so ``fit`` trains
them. Equality with the peer's own training step is in ``tests/catalogue/test_proxies.py``."""

from __future__ import annotations

import numpy as np
import pytest

import anyloss as al

torch = pytest.importorskip("torch")
from anyloss.models import Model  # noqa: E402  (needs torch)


class ScaledMSE(torch.nn.Module):
    """A torch loss with a learned scale: ``mean((scale * y_pred - y_true)^2)``."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(0.5))

    def forward(self, y_true, y_pred):
        return torch.mean((self.scale * y_pred - y_true) ** 2, dim=-1)


def _in_optimizer(model: Model, parameter: torch.nn.Parameter) -> bool:
    return any(p is parameter for g in model.optimizer.param_groups for p in g["params"])


def test_fit_trains_the_parameters_of_a_loss_given_alone_or_per_output():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    for wrap in (lambda loss: loss, lambda loss: [loss], lambda loss: {"output_1": loss}):
        loss = ScaledMSE()
        model = Model(torch.nn.Linear(3, 2))
        model.compile(optimizer="sgd", loss=wrap(loss))
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert _in_optimizer(model, loss.scale)
        assert float(loss.scale.detach()) != 0.5
        # Counted once, even where the network and the loss share nothing.
        assert len(model.optimizer.param_groups[0]["params"]) == 3


def test_arcface_weights_join_the_optimizer_and_stateless_losses_add_nothing():
    arcface = al.ArcFace(num_classes=4, embedding_size=2, seed=0)
    model = Model(torch.nn.Linear(3, 2))
    model.compile(optimizer="adam", loss=arcface)
    weights = arcface.variables["class_weights"]
    assert isinstance(weights, torch.nn.Parameter) and _in_optimizer(model, weights)
    plain = Model(torch.nn.Linear(3, 2))
    plain.compile(optimizer="adam", loss=["mse", al.Huber(), al.mean_absolute_error])
    assert len(plain.optimizer.param_groups[0]["params"]) == 2


def test_save_and_load_keep_the_trained_loss_weights(tmp_path):
    # load_model rebuilt ArcFace from its config (fresh random class weights): the trained
    # weights were lost, and the restored optimizer state no longer matched them.
    from anyloss.layers import Dense
    from anyloss.models import Sequential, load_model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 3, 32)
    torch.manual_seed(0)
    model = Sequential([Dense(5, input_shape=(4,))])
    loss = al.ArcFace(num_classes=3, embedding_size=5, seed=1, scale=4.0)
    model.compile(optimizer="adam", loss=loss)
    initial = loss.variables["class_weights"].detach().clone()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    trained = loss.state_dict()["class_weights"].detach().clone()
    assert not torch.allclose(trained, initial)
    model.save(tmp_path / "m.anyloss")
    loaded = load_model(tmp_path / "m.anyloss")
    (restored,) = [p for g in loaded.optimizer.param_groups for p in g["params"]][-1:]
    np.testing.assert_array_equal(restored.detach().numpy(), trained.numpy())
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)
    # Training on from the file equals training on in memory (weights and Adam's moments).
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(restored.detach().numpy(),
                               loss.state_dict()["class_weights"].detach().numpy(), rtol=1e-6)
