"""Every backend gives NumPy's numbers for a few losses, in y_pred's library."""

import numpy as np

import anyloss as al
from tests.helpers import assert_close


def test_mse_per_sample_on_every_backend(backend):
    y_true = backend.asarray([[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]], "float32")
    y_pred = backend.asarray([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]], "float32")
    out = al.mean_squared_error(y_true, y_pred)
    assert type(out).__module__.split(".")[0] == type(y_pred).__module__.split(".")[0]
    assert_close(out, [0.5, 0.5, 1.0], backend)  # Keras 3.15.1's values


def test_sparse_ce_from_logits_on_every_backend(backend):
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], "float32")
    labels = np.array([0, 1])
    expected = -np.log(np.exp(logits[[0, 1], [0, 1]]) / np.exp(logits).sum(1))  # by hand
    out = al.sparse_categorical_crossentropy(backend.asarray(labels), backend.asarray(logits),
                                             from_logits=True)
    assert_close(out, expected, backend, rtol=1e-5)
