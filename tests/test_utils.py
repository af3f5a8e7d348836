"""anyloss.utils against keras.utils (Keras 3) on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

from anyloss.utils import pad_sequences, set_random_seed, to_categorical

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 2, 4, 7])
def test_pad_sequences_equals_keras(padding, truncating, maxlen):
    sequences = [[1, 2, 3, 4], [5], [], [6, 7, 8, 9, 10, 11]]
    ours = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating,
                         value=-1)
    theirs = keras.utils.pad_sequences(sequences, maxlen=maxlen, padding=padding,
                                       truncating=truncating, value=-1)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("shape", [(5,), (5, 1), (2, 3)])
@pytest.mark.parametrize("num_classes", [None, 6])
def test_to_categorical_equals_keras(shape, num_classes):
    x = np.random.default_rng(0).integers(0, 4, size=shape)
    np.testing.assert_array_equal(to_categorical(x, num_classes),
                                  keras.utils.to_categorical(x, num_classes))


def test_set_random_seed_repeats_numpy_and_torch_draws():
    torch = pytest.importorskip("torch")
    set_random_seed(3)
    first = np.random.rand(), torch.rand(1).item()
    set_random_seed(3)
    assert (np.random.rand(), torch.rand(1).item()) == first


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: to_categorical([0, 3], num_classes=3), r"\[0, num_classes=3\).*\[0, 3\]"),
        (lambda: to_categorical([0.5, 1.0]), r"integer class indices"),
        (lambda: pad_sequences([[1]], padding="middle"), r"`padding` must be 'pre' or 'post'"),
        (lambda: pad_sequences([[1]], maxlen=-1), r"`maxlen`.*maxlen=-1"),
        (lambda: set_random_seed(-1), r"`seed`.*seed=-1"),
    ],
)
def test_bad_arguments_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call()
