"""One process of the Keras integration tests (Keras' backend is fixed per process).

``python -m tests.keras_integration.keras_run train OUT FLAVOUR...`` (from the repository root)
trains and saves into ``OUT/FLAVOUR/``; ``... load OUT FLAVOUR...`` loads them in a fresh process
and checks, on the backend that saved them (Keras 3.15.1 restores an optimizer saved on PyTorch
as PyTorch's class on any backend, so a PyTorch archive does not train on JAX). A FLAVOUR is a
Keras 3 backend (``torch``, ``jax``, ``tensorflow``) or ``tf_keras``; ``tensorflow`` and
``tf_keras`` share a process (TensorFlow imports once). Every check is an assertion here: a
failure exits non-zero with its traceback, which the test shows.

train, per flavour:

- ``KerasLoss`` called on the backend's tensors with weights gives anyloss' value, Keras' own
  ``LossFunctionWrapper`` around the anyloss object another (tf-keras': an error, eagerly);
- parity and masks: a ``Masking`` sequence model compiled with Keras' MSE, its copy with a
  function registered with anyloss (``custom_losses.timestep_squared_error``), per-timestep
  weights: the same losses at every step and the same weights after them (Keras' mask reaches
  anyloss);
- the saved model: two outputs, anyloss' ``SparseCategoricalCrossentropy(from_logits=True)``
  and a ``Loss`` subclass registered with anyloss; the loss Keras reports on a weighted batch
  (``train_on_batch``, then ``evaluate`` after ``fit``) equals anyloss called directly on the
  predictions; saved as ``model.keras``, the sequence model as ``sequence.keras``.

``jit_compile`` (:data:`JIT`): JAX compiles both models (its default); TensorFlow and tf-keras
compile the parity models with XLA and run the saved model as a ``tf.function``; PyTorch
compiles the parity models' train step with ``torch.compile`` (Keras 3's ``jit_compile=True``
on that backend) and runs the saved model eagerly.

load: ``load_model`` without ``custom_objects`` (after ``import anyloss.keras`` and the module
that registers the custom losses, as a user does): the losses are the anyloss objects with their
arguments, the same predictions and evaluate losses.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

N, T = 32, 5
RTOL = 2e-5


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    seq_x = rng.normal(size=(N, T, 3)).astype("float32")
    lengths = rng.integers(1, T + 1, size=N)
    seq_x[np.arange(T)[None, :] >= lengths[:, None]] = 0.0  # padded steps: masked
    return {
        "x": rng.normal(size=(N, 4)).astype("float32"),
        "y_cls": rng.integers(0, 3, size=N).astype("int32"),
        "y_reg": rng.normal(size=(N, 2)).astype("float32"),
        "w": rng.uniform(0.1, 2.0, size=N).astype("float32"),
        "seq_x": seq_x,
        "seq_y": rng.normal(size=(N, T, 1)).astype("float32"),
        "seq_w": rng.uniform(0.1, 2.0, size=(N, T)).astype("float32"),
    }


def skip_without_tensorflow_arrays() -> None:
    """Exit with a ``SKIP`` line (the test skips) where anyloss refuses TensorFlow tensors."""
    import tensorflow as tf

    import anyloss as al

    try:
        al.mean_squared_error(tf.constant([[1.0]]), tf.constant([[2.0]]))
    except TypeError as err:
        print(f"SKIP anyloss does not compute on TensorFlow tensors here: {err}", flush=True)
        sys.exit(0)


def keras_module(backend: str) -> tuple[Any, Any]:
    """(Keras' module, the anyloss module that adapts it), the backend set first."""
    # Keras imports scikit-learn where installed, for its scikit-learn wrappers (2 s a process).
    sys.modules.setdefault("sklearn", None)  # type: ignore[arg-type]
    if backend in ("tensorflow", "tf_keras"):
        skip_without_tensorflow_arrays()
    if backend == "tf_keras":
        import tf_keras as keras

        import anyloss.tf_keras as adapter
    else:
        os.environ["KERAS_BACKEND"] = backend
        if backend != "tensorflow":
            # Keras imports TensorFlow, where installed, only to check types while saving
            # (5 s a process); torch and JAX users mostly have none.
            sys.modules["tensorflow"] = None  # type: ignore[assignment]
        import keras

        import anyloss.keras as adapter

        assert keras.backend.backend() == backend, keras.backend.backend()
    return keras, adapter


def close(actual: Any, expected: Any, what: str) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=RTOL, atol=1e-6,
                               err_msg=what)


def sequence_model(keras: Any) -> Any:
    inputs = keras.Input((T, 3))
    masked = keras.layers.Masking(0.0)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1)(masked))


def two_outputs(keras: Any) -> Any:
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="tanh")(inputs)
    cls = keras.layers.Dense(3, name="cls")(hidden)
    reg = keras.layers.Dense(2, name="reg")(hidden)
    return keras.Model(inputs, [cls, reg])


def copies(keras: Any, build: Any) -> tuple[Any, Any]:
    first = build(keras)
    second = build(keras)
    second.set_weights(first.get_weights())
    return first, second


def step_losses(model: Any, x: Any, y: Any, w: Any, steps: int = 2) -> list[float]:
    out = []
    for _ in range(steps):
        logs = model.train_on_batch(x, y, sample_weight=w, return_dict=True)
        out.append(float(logs["loss"]))
    return out


#: ``jit_compile`` of the parity models and of the saved model, per flavour.
JIT = {
    "torch": (True, False),
    "jax": (True, True),
    "tensorflow": (True, False),
    "tf_keras": (True, False),
}


def weighted_call(keras: Any, adapter: Any, backend: str, d: dict[str, np.ndarray]) -> None:
    """``KerasLoss`` on the backend's tensors with weights: anyloss' value, which Keras' own
    ``LossFunctionWrapper`` around the anyloss object (compile without the adapter) misses."""
    import importlib

    import anyloss as al

    if backend == "tf_keras":
        import tensorflow as tf

        to_tensor = tf.constant
    else:
        to_tensor = keras.ops.convert_to_tensor
    weights = np.zeros(N, "float32")
    weights[:2] = [3.0, 1.0]  # Keras' wrapper gives the mean loss times 4 / N instead
    y_true, y_pred, w = (to_tensor(v) for v in (d["y_reg"], d["y_reg"][::-1].copy(), weights))
    loss = al.MeanSquaredError()
    direct = float(loss(d["y_reg"], d["y_reg"][::-1].copy(), sample_weight=weights))
    close(float(adapter.KerasLoss(loss)(y_true, y_pred, sample_weight=w)), direct, "KerasLoss")
    keras_wrapper = importlib.import_module(f"{keras.__name__}.src.losses").LossFunctionWrapper
    try:
        wrong = float(keras_wrapper(loss)(y_true, y_pred, sample_weight=w))
    except Exception:  # tf-keras' wrapper, called eagerly, cannot squeeze the scalar; fit can
        return
    assert abs(wrong - direct) > 1e-2, (wrong, direct)


def train(backend: str, out: Path) -> dict[str, Any]:
    keras, adapter = keras_module(backend)
    import anyloss as al
    from tests.keras_integration import custom_losses

    d = data()
    weighted_call(keras, adapter, backend, d)
    parity_jit, model_jit = JIT[backend]
    report: dict[str, Any] = {"backend": backend, "jit": JIT[backend]}
    kwargs = {"jit_compile": parity_jit}
    # Keras' MSE and a function registered with anyloss, same weights, a Masking layer and
    # per-timestep weights: the same losses at every step, the same weights after them.
    ref, seq = copies(keras, sequence_model)
    ref.compile(optimizer="sgd", loss=keras.losses.MeanSquaredError(), **kwargs)
    seq.compile(optimizer="sgd", loss=custom_losses.timestep_squared_error, **kwargs)
    expected = step_losses(ref, d["seq_x"], d["seq_y"], d["seq_w"])
    got = step_losses(seq, d["seq_x"], d["seq_y"], d["seq_w"])
    close(got, expected, f"masked parity with Keras, jit={parity_jit}")
    for a, b in zip(seq.get_weights(), ref.get_weights(), strict=True):
        close(a, b, f"weights after training, jit={parity_jit}")
    report["masked_losses"] = got

    # The saved model: anyloss' sparse CE and a Loss subclass registered with anyloss.
    model = two_outputs(keras)
    losses = {
        "cls": al.SparseCategoricalCrossentropy(from_logits=True, name="cls_ce"),
        "reg": custom_losses.ScaledAbsolute(scale=2.0),
    }
    model.compile(optimizer="adam", loss=losses, jit_compile=model_jit)
    y = [d["y_cls"], d["y_reg"]]

    def direct(predictions: list[Any]) -> float:
        return float(losses["cls"](d["y_cls"], predictions[0], sample_weight=d["w"])) + float(
            losses["reg"](d["y_reg"], predictions[1], sample_weight=d["w"])
        )

    before = model.predict(d["x"], verbose=0)
    logs = model.train_on_batch(d["x"], y, sample_weight=d["w"], return_dict=True)
    close(logs["loss"], direct(before), "train_on_batch loss vs anyloss")
    model.fit(d["x"], y, sample_weight=d["w"], epochs=2, batch_size=8, verbose=0)
    after = model.predict(d["x"], verbose=0)
    evaluated = model.evaluate(d["x"], y, sample_weight=d["w"], batch_size=N, verbose=0,
                               return_dict=True)["loss"]
    close(evaluated, direct(after), "evaluate loss vs anyloss")
    # The sequence model, with the registered function, is saved too.
    seq_loss = seq.evaluate(d["seq_x"], d["seq_y"], sample_weight=d["seq_w"], batch_size=N,
                            verbose=0)
    model.save(out / "model.keras")
    seq.save(out / "sequence.keras")
    np.savez(out / "expected.npz", cls=after[0], reg=after[1], loss=evaluated,
             seq_loss=seq_loss)
    report.update(train_loss=float(logs["loss"]), evaluate_loss=float(evaluated))
    report["configs"] = {"cls": al.serialize(losses["cls"]), "reg": al.serialize(losses["reg"]),
                         "seq": al.serialize(custom_losses.timestep_squared_error)}
    return report


def load(backend: str, out: Path) -> dict[str, Any]:
    keras, _ = keras_module(backend)
    import anyloss as al
    from tests.keras_integration import custom_losses

    d = data()
    expected = np.load(out / "expected.npz")
    model = keras.models.load_model(out / "model.keras")  # no custom_objects
    assert isinstance(model.loss, dict), model.loss
    assert type(model.loss["cls"]) is al.SparseCategoricalCrossentropy, model.loss
    assert model.loss["cls"].from_logits and model.loss["cls"].name == "cls_ce", model.loss
    assert type(model.loss["reg"]) is custom_losses.ScaledAbsolute, model.loss
    assert model.loss["reg"].scale == 2.0, model.loss
    predictions = model.predict(d["x"], verbose=0)
    close(predictions[0], expected["cls"], "loaded predictions (cls)")
    close(predictions[1], expected["reg"], "loaded predictions (reg)")
    y = [d["y_cls"], d["y_reg"]]
    evaluated = model.evaluate(d["x"], y, sample_weight=d["w"], batch_size=N, verbose=0,
                               return_dict=True)["loss"]
    close(evaluated, expected["loss"], "loaded evaluate loss")
    seq = keras.models.load_model(out / "sequence.keras")
    assert seq.loss is custom_losses.timestep_squared_error, seq.loss
    seq_loss = seq.evaluate(d["seq_x"], d["seq_y"], sample_weight=d["seq_w"], batch_size=N,
                            verbose=0)
    close(seq_loss, expected["seq_loss"], "loaded sequence model loss")
    return {"backend": backend, "evaluate_loss": float(evaluated)}


def main(argv: list[str]) -> None:
    mode, out = argv[0], Path(argv[1])
    for flavour in argv[2:]:
        (out / flavour).mkdir(parents=True, exist_ok=True)
        run = train if mode == "train" else load
        print("REPORT " + json.dumps(run(flavour, out / flavour)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
