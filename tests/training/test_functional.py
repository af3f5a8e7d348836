"""The functional API (``Input``, ``Model(inputs, outputs)``, ``Sequential([Input(...), ...])``)
against Keras 3 (numpy backend): output shapes, layer order, parameter counts, summary rows and
totals, predictions and losses with Keras' weights copied in; training, shared layers, saving
and the errors."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

import anyloss as al  # noqa: E402
from anyloss import layers  # noqa: E402
from anyloss.layers import (  # noqa: E402
    LSTM,
    Concatenate,
    Dense,
    Embedding,
    Flatten,
    Input,
    TorchModuleWrapper,
)
from anyloss.models import Model, Sequential, load_model  # noqa: E402
from anyloss.training import functional  # noqa: E402

KL = keras.layers
ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ helpers
def _keras_layers(model):
    return [layer for layer in model.layers if not isinstance(layer, KL.InputLayer)]


def _copy_weights(ours, theirs):
    """Keras' weights into our layers, matched by position in ``model.layers`` order."""
    ours_layers = list(ours.module.layers)
    theirs_layers = _keras_layers(theirs)
    assert [type(a).__name__ for a in ours_layers] == [type(b).__name__ for b in theirs_layers]
    with torch.no_grad():
        for a, b in zip(ours_layers, theirs_layers, strict=True):
            w = [torch.tensor(np.asarray(v)) for v in b.get_weights()]
            if isinstance(a, Dense):
                a.weight.copy_(w[0].T)
                a.bias.copy_(w[1])
            elif isinstance(a, Embedding):
                a.embedding.weight.copy_(w[0])
            elif isinstance(a, LSTM):
                a.rnn.weight_ih_l0.copy_(w[0].T)
                a.rnn.weight_hh_l0.copy_(w[1].T)
                a.rnn.bias_ih_l0.copy_(w[2])
            else:
                assert not w, type(a).__name__


def _randomize(keras_model, seed=0):
    rng = np.random.default_rng(seed)
    keras_model.set_weights(
        [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in keras_model.get_weights()]
    )


def _summary_text(model):
    lines = []
    model.summary(line_length=160, print_fn=lines.append)
    return "\n".join(lines)


def _keras_connections(model):
    """Keras' "Connected to" per layer: (index of the producer in model.layers, node, tensor)."""
    index = {id(layer): i for i, layer in enumerate(model.layers)}
    found = []
    for layer in model.layers:
        refs = []
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                producer, node_index, tensor_index = tensor._keras_history
                refs.append((index[id(producer)], node_index, tensor_index))
        found.append(refs)
    return found


def _our_connections(model):
    rows = model.module.summary_rows()
    index = {name: i for i, (name, *_) in enumerate(rows)}
    found = []
    for *_, connected in rows:
        refs = []
        for ref in re.findall(r"([\w]+)\[(\d+)\]\[(\d+)\]", connected):
            refs.append((index[ref[0]], int(ref[1]), int(ref[2])))
        found.append(refs)
    return found


def two_in_two_out(lib):
    """A 2-input, 2-output model (Dense + Concatenate) in anyloss or Keras."""
    a = lib.Input(shape=(3,), name="a")
    b = lib.Input(shape=(5,), name="b")
    h = lib.Dense(4, activation="relu")(a)
    c = lib.Concatenate()([h, b])
    out1 = lib.Dense(2, name="out1")(c)
    out2 = lib.Dense(1, activation="sigmoid")(c)
    return lib.Model([a, b], [out1, out2])


# The same model code builds either library's model.
_Ours = SimpleNamespace(**vars(layers), Model=Model, Sequential=Sequential)
_Keras = SimpleNamespace(**{**vars(KL), "Model": keras.Model, "Sequential": keras.Sequential})


RNG = np.random.default_rng(0)
XA = RNG.normal(size=(6, 3)).astype("float32")
XB = RNG.normal(size=(6, 5)).astype("float32")


# ------------------------------------------------------------------ against Keras
def test_two_inputs_two_outputs_match_keras():
    ours, theirs = two_in_two_out(_Ours), two_in_two_out(_Keras)
    # Layer order, output shapes and names of the output layers.
    ours_rows = ours.module.summary_rows()
    assert [kind for _, kind, *_ in ours_rows] == [type(la).__name__ for la in theirs.layers]
    assert [shape for _, _, shape, *_ in ours_rows] == [
        str(la.output.shape) for la in theirs.layers
    ]
    assert ours.output_names[0] == theirs.output_names[0] == "out1"
    assert ours.module.output_names == ours.output_names
    # Parameter counts, per layer and in total, and the summary's connections and totals.
    assert ours.count_params() == theirs.count_params()
    counts = [
        sum(p.numel() for p in la.parameters()) if la is not None else 0 for *_, la, _ in ours_rows
    ]
    assert counts == [la.count_params() for la in theirs.layers]
    assert _our_connections(ours) == _keras_connections(theirs)
    text = _summary_text(ours)
    assert f"Total params: {theirs.count_params():,}" in text
    assert "Connected to" in text and 'Model: "functional"' in text
    # Predictions with Keras' weights copied in.
    _randomize(theirs)
    _copy_weights(ours, theirs)
    got, want = ours.predict([XA, XB]), theirs.predict([XA, XB], verbose=0)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-6)
    # Inputs keyed by name give the same.
    by_name = ours.predict({"b": XB, "a": XA})
    np.testing.assert_allclose(by_name[0], got[0])


def _merged_by_functions(lib):
    """Keras' lowercase merge functions, concatenate([...]) and add([...])."""
    a = lib.Input(shape=(3,), name="a")
    b = lib.Input(shape=(3,), name="b")
    h = lib.Dense(3)(a)
    joined = lib.concatenate([h, b], axis=-1)
    summed = lib.add([h, b])
    return lib.Model([a, b], [lib.Dense(2)(joined), lib.Dense(1)(summed)])


def test_lowercase_concatenate_and_add_match_keras():
    ours, theirs = _merged_by_functions(_Ours), _merged_by_functions(_Keras)
    ours_rows = ours.module.summary_rows()
    assert [kind for _, kind, *_ in ours_rows] == [type(la).__name__ for la in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    _randomize(theirs)
    _copy_weights(ours, theirs)
    xb = RNG.normal(size=(6, 3)).astype("float32")
    got, want = ours.predict([XA, xb]), theirs.predict([XA, xb], verbose=0)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-6)


def _masked_lstm(lib):
    ids = lib.Input(shape=(None,), dtype="int32", name="ids")
    e = lib.Embedding(9, 4, mask_zero=True)(ids)
    s = lib.LSTM(5)(e)
    return lib.Model(ids, lib.Dense(2)(s))


def test_embedding_mask_zero_lstm_matches_keras():
    ours, theirs = _masked_lstm(_Ours), _masked_lstm(_Keras)
    assert ours.module.summary_rows()[1][2] == str(theirs.layers[1].output.shape)
    assert [r[2] for r in ours.module.summary_rows()] == [
        str(la.output.shape) for la in theirs.layers
    ]  # (None, None) and (None, None, 4): the unknown length stays None
    assert ours.count_params() == theirs.count_params()
    _randomize(theirs, seed=1)
    _copy_weights(ours, theirs)
    ids = np.array([[3, 1, 4, 0, 0, 0], [5, 0, 0, 0, 0, 0], [2, 6, 5, 3, 5, 8]], dtype="int32")
    want = np.asarray(theirs.predict(ids, verbose=0))
    np.testing.assert_allclose(ours.predict(ids), want, rtol=1e-5, atol=1e-6)
    # The mask flows: padding changes nothing (without the mask it would).
    longer = np.pad(ids, ((0, 0), (0, 3)))
    np.testing.assert_allclose(ours.predict(longer), want, rtol=1e-5, atol=1e-6)


def _tickets(lib, outputs_as_dict):
    """keras.io's multi-input, multi-output model (smaller sizes)."""
    title = lib.Input(shape=(None,), name="title")
    body = lib.Input(shape=(None,), name="body")
    tags = lib.Input(shape=(6,), name="tags")
    title_features = lib.LSTM(8)(lib.Embedding(50, 8)(title))
    body_features = lib.LSTM(4)(lib.Embedding(50, 8)(body))
    x = lib.Concatenate()([title_features, body_features, tags])
    priority = lib.Dense(1, name="priority")(x)
    department = lib.Dense(3, name="department")(x)
    outputs = (
        {"priority": priority, "department": department}
        if outputs_as_dict
        else [priority, department]
    )
    return lib.Model(inputs=[title, body, tags], outputs=outputs)


def _ticket_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = {
        "title": rng.integers(0, 50, size=(n, 7)),
        "body": rng.integers(0, 50, size=(n, 9)),
        "tags": rng.integers(0, 2, size=(n, 6)).astype("float32"),
    }
    y = {
        "priority": rng.random(size=(n, 1)).astype("float32"),
        "department": np.eye(3, dtype="float32")[rng.integers(0, 3, size=n)],
    }
    return x, y


LOSSES = {
    "priority": ("BinaryCrossentropy", {"from_logits": True}),
    "department": ("CategoricalCrossentropy", {"from_logits": True}),
}
LOSS_WEIGHTS = {"priority": 1.0, "department": 0.2}


@pytest.mark.parametrize("outputs_as_dict", [True, False], ids=["dict", "list"])
def test_multi_input_multi_output_loss_matches_keras_and_trains(outputs_as_dict):
    ours, theirs = _tickets(_Ours, outputs_as_dict), _tickets(_Keras, outputs_as_dict)
    assert sorted(ours.output_names) == sorted(theirs.output_names)
    assert ours.count_params() == theirs.count_params()
    _randomize(theirs, seed=2)
    _copy_weights(ours, theirs)
    x, y = _ticket_data()
    ours.compile(
        optimizer="rmsprop",
        loss={k: getattr(al, cls)(**kw) for k, (cls, kw) in LOSSES.items()},
        loss_weights=LOSS_WEIGHTS,
    )
    theirs.compile(
        optimizer="rmsprop",
        loss={k: getattr(keras.losses, cls)(**kw) for k, (cls, kw) in LOSSES.items()},
        loss_weights=LOSS_WEIGHTS,
    )
    want = theirs.evaluate(x, y, batch_size=48, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, batch_size=48, verbose=0, return_dict=True)
    for key in ("loss", "priority_loss", "department_loss"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5)
    # fit with the inputs as a list (in `inputs` order) and as a dict by name.
    listed = [x["title"], x["body"], x["tags"]]
    first = ours.fit(listed, y, epochs=1, batch_size=16, verbose=0).history["loss"][0]
    history = ours.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < first


def test_shared_layer_has_one_set_of_weights_like_keras():
    def build(lib):
        a, b = lib.Input(shape=(4,)), lib.Input(shape=(4,))
        shared = lib.Dense(3)
        return lib.Model([a, b], lib.Add()([shared(a), shared(b)]))

    ours, theirs = build(_Ours), build(_Keras)
    assert len(ours.module.layers) == 2  # the Dense once, and Add
    assert ours.count_params() == theirs.count_params() == 15
    assert _our_connections(ours) == _keras_connections(theirs)
    _randomize(theirs, seed=3)
    _copy_weights(ours, theirs)
    xa, xb = XA[:, :2].repeat(2, 1), XB[:, :4]
    np.testing.assert_allclose(
        ours.predict([xa, xb]), np.asarray(theirs.predict([xa, xb], verbose=0)), rtol=1e-5
    )
    # Both calls train the same weights.
    ours.compile(optimizer="sgd", loss="mse")
    ours.fit([xa, xb], np.ones((6, 3), "float32"), epochs=1, verbose=0)


def mnist_convnet(lib):
    """keras.io's MNIST convnet."""
    return lib.Sequential(
        [
            lib.Input(shape=(28, 28, 1)),
            lib.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            lib.MaxPooling2D(pool_size=(2, 2)),
            lib.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            lib.MaxPooling2D(pool_size=(2, 2)),
            lib.Flatten(),
            lib.Dropout(0.5),
            lib.Dense(10, activation="softmax"),
        ]
    )


def test_sequential_starting_with_input_is_built_like_keras():
    ours, theirs = mnist_convnet(_Ours), mnist_convnet(_Keras)
    assert ours.count_params() == theirs.count_params()  # before any fit
    text = _summary_text(ours)
    for layer in theirs.layers:  # Keras' names (without their process-wide counter) and shapes
        name, shape = re.sub(r"_\d+$", "", layer.name), str(layer.output.shape)
        assert re.search(rf"\b{name}(_\d+)? \(\w+\)\s+{re.escape(shape)}", text), (name, shape)
    assert f"Total params: {theirs.count_params():,}" in text
    # add() takes an Input too, and unknown axes stay None in the summary (Keras' shapes).
    model = Sequential()
    model.add(Input(shape=(None, 3)))
    model.add(LSTM(2, return_sequences=True))
    assert "(None, None, 2)" in _summary_text(model)
    with pytest.raises(ValueError, match=r"Input.*can only come first"):
        model.add(Input(shape=(3,)))


def test_save_and_load_round_trip(tmp_path):
    model = _tickets(_Ours, outputs_as_dict=False)
    model.compile(optimizer="adam", loss=dict.fromkeys(LOSSES, "mse"), loss_weights=LOSS_WEIGHTS)
    x, y = _ticket_data(16)
    model.fit(x, y, epochs=1, verbose=0)
    config = model.get_config()
    assert config["class_name"] == "Functional"
    path = tmp_path / "tickets.anyloss"
    model.save(path)
    loaded = load_model(path)
    assert loaded.output_names == model.output_names == ["priority", "department"]
    assert loaded.get_config() == config
    for got, want in zip(loaded.predict(x), model.predict(x), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert loaded.compiled_loss is not None
    loaded.fit(x, y, epochs=1, verbose=0)  # the optimizer state fits
    # A Sequential that starts with an Input keeps it.
    seq = Sequential([Input(shape=(4,), name="features"), Dense(2)])
    seq.save(tmp_path / "seq.anyloss")
    again = load_model(tmp_path / "seq.anyloss")
    assert again.get_config() == seq.get_config()
    assert "(None, 2)" in _summary_text(again)


def test_any_torch_module_through_the_wrapper(tmp_path):
    x = Input(shape=(4,))
    model = Model(x, Dense(1)(TorchModuleWrapper(torch.nn.Linear(4, 3))(x)))
    data = np.ones((5, 4), "float32")
    assert model.predict(data).shape == (5, 1)
    assert model.get_config()["class_name"] == "Model"  # its architecture is code
    model.save(tmp_path / "m.anyloss")
    loaded = load_model(tmp_path / "m.anyloss", module=model.module)
    np.testing.assert_allclose(loaded.predict(data), model.predict(data))


def test_inputs_are_cast_and_reshaped_as_keras_does():
    ids = Input(shape=(1,), dtype="int64")
    model = Model(ids, Flatten()(Embedding(5, 2)(ids)))
    assert model.predict(np.array([1.0, 2.0, 3.0])).shape == (3, 2)  # (n,) -> (n, 1), to int


def test_training_mode_reaches_the_layers():
    x = Input(shape=(50,))
    model = Model(x, layers.Dropout(0.5)(x))
    ones = np.ones((4, 50), "float32")
    np.testing.assert_array_equal(model.predict(ones), ones)  # inference: no dropout
    model.module.train()
    dropped = model.module(torch.ones(4, 50))
    assert set(np.unique(dropped.numpy())) == {0.0, 2.0}


def test_a_model_is_a_layer_of_another():
    x = Input(shape=(3,))
    inner = Model(x, Dense(2)(x))
    y = Input(shape=(3,))
    outer = Model(y, Dense(1)(inner(y)))
    assert outer.predict(XA).shape == (6, 1)
    assert outer.count_params() == 8 + 3


# ------------------------------------------------------------------ errors
def test_errors_name_the_argument_and_the_fix():
    a, b = Input(shape=(3,), name="a"), Input(shape=(5,), name="b")
    out = Dense(1)(Concatenate()([Dense(2)(a), b]))
    with pytest.raises(TypeError, match=r"predict\(\) received a symbolic tensor as `x`"):
        Model([a, b], out).predict(a)
    with pytest.raises(ValueError, match=r"depend on the input 'b'.*not in `inputs`"):
        Model(a, out)
    with pytest.raises(ValueError, match=r"takes one input tensor.*Concatenate"):
        Dense(2)([a, b])
    with pytest.raises(TypeError, match=r"`outputs`.*must be symbolic.*holds a Tensor"):
        Model(a, torch.ones(3))
    with pytest.raises(TypeError, match=r"`inputs`.*must be symbolic.*holds a ndarray"):
        Model(inputs=np.ones(3), outputs=out)
    with pytest.raises(TypeError, match="TorchModuleWrapper"):
        torch.nn.Linear(3, 2)(a)
    model = Model([a, b], out)
    with pytest.raises(ValueError, match=r"2 input\(s\) \['a', 'b'\], but received 1"):
        model.predict(XA)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        model.predict({"a": XA})
    with pytest.raises(ValueError, match="Input 'a' expects arrays of shape"):
        model.predict([XA[:, :, None, None], XB])
    with pytest.raises(TypeError, match="needs `outputs`"):
        Model(inputs=a)
    with pytest.raises(ValueError, match="unique"):
        Model(a, Dense(1, name="a")(a))
    with pytest.raises(ValueError, match="Argument `shape` of Input"):
        Input(shape=3)


# ------------------------------------------------------------------ docs
def test_docstring_examples_run():
    results = doctest.testmod(functional, optionflags=doctest.ELLIPSIS)
    assert results.attempted and not results.failed


def test_the_docs_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "training.md").read_text()
    section = text.split("## Functional API", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "docs/training.md", "exec"), {})
