"""Sequence layers (Embedding, LSTM, GRU, Bidirectional, Concatenate, Add) against Keras 3, and
Model.summary/count_params/get_weights/set_weights/save_weights/load_weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from anyloss.models import Model, Sequential  # noqa: E402
from anyloss.training.layers import Dense  # noqa: E402
from anyloss.training.layers_sequence import (  # noqa: E402
    GRU,
    LSTM,
    Add,
    Bidirectional,
    Concatenate,
    Embedding,
)

KL = keras.layers


def _copy_rnn(ours, theirs):
    """Keras' (kernel, recurrent_kernel[, bias]) into our LSTM/GRU (GRU gates z,r,h -> r,z,n)."""
    weights = [np.asarray(w) for w in theirs.get_weights()]
    rnn, u = ours.rnn, ours.units
    order = np.r_[u : 2 * u, 0:u, 2 * u : 3 * u] if isinstance(ours, GRU) else slice(None)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(weights[0][:, order].T))
        rnn.weight_hh_l0.copy_(torch.tensor(weights[1][:, order].T))
        if len(weights) == 3 and isinstance(ours, GRU):
            rnn.bias_ih_l0.copy_(torch.tensor(weights[2][0][order]))
            rnn.bias_hh_l0.copy_(torch.tensor(weights[2][1][order]))
        elif len(weights) == 3:
            rnn.bias_ih_l0.copy_(torch.tensor(weights[2]))


def _copy(ours, theirs):
    if isinstance(ours, Embedding):
        with torch.no_grad():
            ours.embedding.weight.copy_(torch.tensor(np.asarray(theirs.get_weights()[0])))
    elif isinstance(ours, Bidirectional):
        _copy_rnn(ours.forward_layer, theirs.forward_layer)
        _copy_rnn(ours.backward_layer, theirs.backward_layer)
    elif isinstance(ours, (LSTM, GRU)):
        _copy_rnn(ours, theirs)


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


rng = np.random.default_rng(0)
IDS = rng.integers(1, 7, size=(3, 5))
SEQ = rng.normal(size=(3, 5, 2)).astype("float32")
PAIR = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")]

CASES = {
    "embedding": (lambda: Embedding(7, 4), lambda: KL.Embedding(7, 4), IDS),
    "embedding-mask": (
        lambda: Embedding(7, 3, mask_zero=True),
        lambda: KL.Embedding(7, 3, mask_zero=True),
        IDS,
    ),
    "lstm": (lambda: LSTM(5), lambda: KL.LSTM(5), SEQ),
    "lstm-seq-state-back": (
        lambda: LSTM(4, return_sequences=True, return_state=True, go_backwards=True),
        lambda: KL.LSTM(4, return_sequences=True, return_state=True, go_backwards=True),
        SEQ,
    ),
    "lstm-nobias": (
        lambda: LSTM(3, use_bias=False, unit_forget_bias=False),
        lambda: KL.LSTM(3, use_bias=False, unit_forget_bias=False),
        SEQ,
    ),
    "gru": (lambda: GRU(5), lambda: KL.GRU(5), SEQ),
    "gru-seq-state-back": (
        lambda: GRU(4, return_sequences=True, return_state=True, go_backwards=True),
        lambda: KL.GRU(4, return_sequences=True, return_state=True, go_backwards=True),
        SEQ,
    ),
    "bidirectional-lstm": (
        lambda: Bidirectional(LSTM(4)),
        lambda: KL.Bidirectional(KL.LSTM(4)),
        SEQ,
    ),
    "bidirectional-gru-sum": (
        lambda: Bidirectional(GRU(3, return_sequences=True), merge_mode="sum"),
        lambda: KL.Bidirectional(KL.GRU(3, return_sequences=True), merge_mode="sum"),
        SEQ,
    ),
    "concatenate": (lambda: Concatenate(), lambda: KL.Concatenate(), PAIR),
    "concatenate-axis0": (lambda: Concatenate(axis=0), lambda: KL.Concatenate(axis=0), PAIR),
    "add": (lambda: Add(), lambda: KL.Add(), PAIR),
    "add-three": (lambda: Add(), lambda: KL.Add(), [*PAIR, PAIR[0]]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_matches_keras(case):
    make_ours, make_theirs, data = CASES[case]
    ours, theirs = make_ours(), make_theirs()
    is_list = isinstance(data, list)
    expected = _flat(theirs([np.asarray(d) for d in data] if is_list else data))
    x = [torch.tensor(d) for d in data] if is_list else torch.tensor(data)
    ours(x)  # builds lazily from the first batch
    assert sum(p.numel() for p in ours.parameters()) == theirs.count_params()
    _copy(ours, theirs)
    got = _flat(ours(x))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert tuple(g.shape) == tuple(np.shape(e))
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(e), rtol=1e-5, atol=1e-6)
    # A JSON-safe config that rebuilds the same layer.
    config = json.loads(json.dumps(ours.get_config()))
    rebuilt = type(ours)(**config)
    rebuilt(x)
    assert sum(p.numel() for p in rebuilt.parameters()) == theirs.count_params()


def _padded_ids(padding):
    ids = rng.integers(1, 9, size=(4, 6))
    if padding == "holes":  # any mask: zeros inside the rows, and a row of zeros only
        ids[0, [1, 4]] = 0
        ids[1, [0, 2, 3]] = 0
        ids[2, :] = 0
        ids[3, [5]] = 0
        return ids
    for row, length in enumerate((6, 4, 2, 1)):
        if padding == "post":
            ids[row, length:] = 0
        else:
            ids[row, : 6 - length] = 0
    return ids


MASKED = {
    "lstm": (lambda: LSTM(4, return_sequences=True, return_state=True), KL.LSTM),
    "gru": (lambda: GRU(3, return_sequences=True, return_state=True), KL.GRU),
    "bidirectional": (lambda: Bidirectional(LSTM(3, return_sequences=True)), None),
}


@pytest.mark.parametrize("padding", ["post", "pre", "holes"])
@pytest.mark.parametrize("kind", sorted(MASKED))
def test_mask_zero_masks_like_keras(kind, padding):
    ids = _padded_ids(padding)
    make_ours, keras_class = MASKED[kind]
    emb, k_emb = Embedding(9, 5, mask_zero=True), KL.Embedding(9, 5, mask_zero=True)
    vectors = np.asarray(k_emb(ids))
    _copy(emb, k_emb)
    ours = make_ours()
    if keras_class is None:
        theirs = KL.Bidirectional(KL.LSTM(3, return_sequences=True))
    else:
        config = {"return_sequences": True, "return_state": True}
        theirs = keras_class(ours.units, **config)
    expected = _flat(theirs(vectors, mask=ids != 0))
    embedded = emb(torch.tensor(ids))
    np.testing.assert_array_equal(embedded._keras_mask.numpy(), ids != 0)
    ours(embedded)
    _copy(ours, theirs)
    got = _flat(ours(emb(torch.tensor(ids))))
    # The sequence output passes the mask on; the final states are Keras' (masked steps skipped).
    np.testing.assert_array_equal(got[0]._keras_mask.numpy(), ids != 0)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(e), rtol=1e-5, atol=1e-6)


def _small_model():
    return Sequential([Embedding(20, 8, mask_zero=True, input_length=5), LSTM(6), Dense(3)])


def test_summary_count_params_match_keras():
    model = _small_model()
    theirs = keras.Sequential(
        [keras.Input((5,)), KL.Embedding(20, 8, mask_zero=True), KL.LSTM(6), KL.Dense(3)]
    )
    assert model.count_params() == theirs.count_params()
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert f"Total params: {theirs.count_params():,}" in text
    assert f"Trainable params: {theirs.count_params():,}" in text
    assert "Non-trainable params: 0" in text
    assert "(None, 5, 8)" in text and "(None, 6)" in text and "(None, 3)" in text
    assert "lstm (LSTM)" in text
    # A Model(module) built by nobody yet: shapes unknown, counts from the parameters.
    plain = Model(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)))
    plain.summary(print_fn=lines.append)
    assert "?" in lines[1] and "Total params: 16 " in lines[1]
    assert "Non-trainable params: 4 " in lines[1]  # BatchNorm's moving statistics
    assert plain.count_params() == 16


def test_get_set_weights_and_save_load_weights_round_trip(tmp_path):
    ids = torch.tensor(_padded_ids("post")[:, :5]) % 20
    model, other = _small_model(), _small_model()
    expected = model(ids).detach()
    assert not torch.allclose(other(ids), expected)
    other.set_weights(model.get_weights())
    np.testing.assert_allclose(other(ids).detach().numpy(), expected.numpy())
    with pytest.raises(ValueError, match="list of 6 arrays"):
        other.set_weights(model.get_weights()[:2])
    path = tmp_path / "small.weights.pt"
    model.save_weights(path)
    third = _small_model()
    third.load_weights(path)
    np.testing.assert_allclose(third(ids).detach().numpy(), expected.numpy())
    with pytest.raises(ValueError, match=r"small\.weights\.pt"):
        model.save_weights(tmp_path / "small.h5")


def test_sequential_of_sequence_layers_saves_and_loads(tmp_path, monkeypatch):
    from anyloss.models import load_model
    from anyloss.training.layer_registry import LAYERS

    for cls in (Embedding, LSTM, GRU, Bidirectional, Concatenate, Add):
        monkeypatch.setitem(LAYERS, cls.__name__, cls)
    ids = torch.tensor(_padded_ids("post"))
    model = Sequential(
        [Embedding(9, 4, mask_zero=True), Bidirectional(GRU(3, return_sequences=True)), LSTM(2)]
    )
    expected = model(ids).detach().numpy()
    model.save(tmp_path / "seq.anyloss")
    loaded = load_model(tmp_path / "seq.anyloss")
    np.testing.assert_allclose(loaded(ids).detach().numpy(), expected)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: LSTM(0), r"`units` of LSTM .* units=0"),
        (lambda: LSTM(4, recurrent_dropout=0.2), r"recurrent_dropout=0\.2.*recurrent_dropout=0\.0"),
        (lambda: LSTM(4, activation="relu"), r"activation='relu'.*Use activation='tanh'"),
        (lambda: LSTM(4, dropout=1.5), r"`dropout` of LSTM .* dropout=1\.5"),
        (lambda: GRU(4, reset_after=False), r"reset_after=False.*Use reset_after=True"),
        (lambda: Embedding(0, 3), r"`input_dim` of Embedding .* input_dim=0"),
        (lambda: GRU(3, kernel_initializer="glorot"), r"Unknown initializer 'glorot'"),
        (lambda: Bidirectional(Dense(3)), r"`layer` of Bidirectional must be an LSTM or GRU"),
        (lambda: Bidirectional(LSTM(3), merge_mode="max"), r"merge_mode='max'"),
        (lambda: Concatenate()([torch.ones(2, 3)]), r"at least 2 tensors"),
        (lambda: Add()([torch.ones(2, 3), torch.ones(2, 4)]), r"same shape.*\(2, 4\)"),
        (lambda: Embedding(5, 2)(torch.tensor([[1, 7]])), r"input_dim=5.*max 7"),
        (lambda: LSTM(3)(torch.ones(2, 3)), r"\(batch, timesteps, features\).*\(2, 3\)"),
        (lambda: Sequential([LSTM(3)]).count_params(), r"call model\.build\(x\)"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_fit_masked_sequences_loss_decreases():
    ids = rng.integers(1, 20, size=(64, 8))
    for row, length in enumerate(rng.integers(2, 9, size=64)):
        ids[row, length:] = 0
    y = ids[:, 0] % 3
    model = Sequential([Embedding(20, 8, mask_zero=True), LSTM(8), Dense(3, activation="softmax")])
    model.compile(
        optimizer=lambda params: torch.optim.Adam(params, lr=0.02),
        loss="sparse_categorical_crossentropy",
    )
    history = model.fit(ids, y, batch_size=16, epochs=2, verbose=0)
    losses = history.history["loss"]
    assert losses[1] < losses[0]


MERGE_MASKS = {
    "both-masked-features": (-1, [True, True]),
    "one-masked-features": (-1, [True, False]),
    "both-masked-time": (1, [True, True]),
    "one-masked-time": (1, [False, True]),
}


@pytest.mark.parametrize("case", sorted(MERGE_MASKS))
def test_concatenate_merges_masks_as_keras(case):
    axis, masked = MERGE_MASKS[case]
    xs = [rng.normal(size=(3, 4, 2)).astype("float32"), rng.normal(size=(3, 4, 5 if axis == -1 else 2)).astype("float32")]
    masks = [rng.random((3, 4)) > 0.4 if m else None for m in masked]
    expected = KL.Concatenate(axis=axis).compute_mask(xs, masks)
    tensors = []
    for x, m in zip(xs, masks, strict=True):
        t = torch.tensor(x)
        if m is not None:
            t._keras_mask = torch.tensor(m)
        tensors.append(t)
    out = Concatenate(axis=axis)(tensors)
    np.testing.assert_array_equal(out._keras_mask.numpy(), np.asarray(expected))


@pytest.mark.parametrize("masked", [[True, True], [True, False]])
def test_add_merges_masks_as_keras(masked):
    xs = [rng.normal(size=(3, 4, 2)).astype("float32") for _ in masked]
    masks = [rng.random((3, 4)) > 0.5 if m else None for m in masked]
    expected = KL.Add().compute_mask(xs, masks)
    tensors = []
    for x, m in zip(xs, masks, strict=True):
        t = torch.tensor(x)
        if m is not None:
            t._keras_mask = torch.tensor(m)
        tensors.append(t)
    out = Add()(tensors)
    if expected is None:
        assert getattr(out, "_keras_mask", None) is None
    else:
        np.testing.assert_array_equal(out._keras_mask.numpy(), np.asarray(expected))


def test_masks_reach_the_loss_through_dense_and_pooling_as_in_keras():
    """Keras' Dense, Activation, Dropout, LayerNormalization and BatchNormalization pass the
    mask on; GlobalAveragePooling1D averages the unmasked steps; BatchNormalization's training
    moments skip masked steps. With Keras' weights copied in, both give the same outputs and the
    same masked loss."""
    from anyloss.layers import (
        Activation,
        BatchNormalization,
        Dropout,
        GlobalAveragePooling1D,
        LayerNormalization,
    )

    ids = _padded_ids("pre")
    emb, k_emb = Embedding(9, 4, mask_zero=True), KL.Embedding(9, 4, mask_zero=True)
    vectors = np.asarray(k_emb(ids))
    _copy(emb, k_emb)
    x = emb(torch.tensor(ids))
    mask = ids != 0

    dense, k_dense = Dense(3), KL.Dense(3)
    k_out = k_dense(vectors)
    dense(x)
    with torch.no_grad():
        dense.weight.copy_(torch.tensor(np.asarray(k_dense.kernel).T))
        dense.bias.copy_(torch.tensor(np.asarray(k_dense.bias)))
    out = LayerNormalization()(Dropout(0.5)(Activation("tanh")(dense(x)), training=False))
    np.testing.assert_array_equal(out._keras_mask.numpy(), mask)
    k_out = KL.LayerNormalization()(np.tanh(np.asarray(k_out)))
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(k_out), rtol=1e-5, atol=1e-6)

    pooled = GlobalAveragePooling1D()(out)
    expected = KL.GlobalAveragePooling1D()(np.asarray(k_out), mask=mask)
    np.testing.assert_allclose(pooled.detach().numpy(), np.asarray(expected), rtol=1e-5,
                               atol=1e-6)

    bn, k_bn = BatchNormalization(), KL.BatchNormalization()
    got = bn.train()(out)
    want = k_bn(np.asarray(k_out), training=True, mask=mask)
    np.testing.assert_array_equal(got._keras_mask.numpy(), mask)
    keep = mask[..., None].repeat(3, axis=-1)
    np.testing.assert_allclose(got.detach().numpy()[keep], np.asarray(want)[keep], rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(), np.asarray(k_bn.moving_mean),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), np.asarray(k_bn.moving_variance),
                               rtol=1e-5, atol=1e-6)
