"""save/load_model: round trips, custom losses by name (D11), corrupt files, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import anyloss as al
from anyloss.layers import Dense, Dropout
from anyloss.models import Model, Sequential, load_model

X = np.random.default_rng(2).normal(size=(16, 4)).astype("float32")
Y = X[:, :2] - X[:, 2:]


@al.register(package="tests")
def registered_loss(y_true, y_pred):
    return al.ops.mean(al.ops.square(y_true - y_pred), axis=-1)


def unregistered_loss(y_true, y_pred):
    return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)


def trained(loss="mse") -> Sequential:
    m = Sequential([Dense(8, input_shape=(4,), activation="relu"), Dropout(0.1), Dense(2)])
    m.compile(optimizer="adam", loss=loss, metrics=["mae"])
    m.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    return m


def test_round_trip_continues_training_exactly(tmp_path):
    m = trained(al.Huber(delta=0.5))
    m.save(tmp_path / "m.pt")
    restored = load_model(tmp_path / "m.pt")
    np.testing.assert_array_equal(restored.predict(X), m.predict(X))
    assert restored.compiled_loss.loss.get_config()["delta"] == 0.5
    assert restored.optimizer.defaults["eps"] == 1e-7
    # Same optimizer state => one more epoch gives identical weights.
    torch.manual_seed(5)  # same dropout masks in both runs
    m.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    torch.manual_seed(5)
    restored.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(restored.predict(X), m.predict(X), rtol=1e-6)


def test_registered_custom_loss_restores_by_name(tmp_path):
    trained(registered_loss).save(tmp_path / "m.pt")
    assert load_model(tmp_path / "m.pt").compiled_loss.loss is registered_loss


def test_unregistered_custom_loss_says_how_to_fix(tmp_path):
    trained(unregistered_loss).save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match=r"unregistered_loss.*@anyloss.register.*custom_objects"):
        load_model(tmp_path / "m.pt")
    restored = load_model(tmp_path / "m.pt", custom_objects={"unregistered_loss":
                                                            unregistered_loss})
    assert restored.compiled_loss.loss is unregistered_loss
    assert load_model(tmp_path / "m.pt", compile=False).compile_args is None


def test_model_of_a_module_needs_the_module_again(tmp_path):
    module = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    m = Model(module)
    m.compile(optimizer="sgd", loss=["mse"])
    m.fit(X, Y, verbose=0)
    m.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match=r"load_model\(path, module=Sequential\(...\)\)"):
        load_model(tmp_path / "m.pt")
    restored = load_model(tmp_path / "m.pt", module=nn.Sequential(nn.Linear(4, 3), nn.ReLU(),
                                                                  nn.Linear(3, 2)))
    np.testing.assert_array_equal(restored.predict(X), m.predict(X))
    with pytest.raises(ValueError, match=r"do not fit the module.*same architecture"):
        load_model(tmp_path / "m.pt", module=nn.Linear(4, 2))


def test_truncated_and_foreign_files_raise_value_error(tmp_path):
    trained().save(tmp_path / "m.pt")
    data = (tmp_path / "m.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"not a readable anyloss model file.*truncated"):
        load_model(tmp_path / "cut.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a readable anyloss model file"):
        load_model(tmp_path / "text.pt")
    torch.save({"weight": torch.ones(2)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match=r"not an anyloss model.*load_state_dict"):
        load_model(tmp_path / "plain.pt")


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickled_code_is_never_executed(tmp_path, capsys):
    torch.save({"format": "anyloss.model", "payload": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="not a readable anyloss model file"):
        load_model(tmp_path / "evil.pt")
    assert "pwned" not in capsys.readouterr().out


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    m = trained()
    m.save(path)
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        m.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temp file left behind


def test_unserializable_loss_fails_before_touching_the_file(tmp_path):
    path = tmp_path / "m.pt"
    trained().save(path)
    before = path.read_bytes()
    m = trained(lambda y_true, y_pred: al.mean_squared_error(y_true, y_pred))
    with pytest.raises(ValueError, match=r"lambdas.*@anyloss\.register"):
        m.save(path)
    assert path.read_bytes() == before
