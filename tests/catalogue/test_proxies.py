"""ArcFace (``proxies.py``) against pytorch-metric-learning's ``ArcFaceLoss``, run in the suite.

The peer's class weights (its state dict's ``W``) go into anyloss: the function takes them, the
class loads them (``load_state_dict``); the same weights give the same numbers. Values and
gradients with respect to the embeddings and to the class weights in float64, seeds 0-2, on
NumPy, torch and JAX inputs; every reduction with and without sample weights; the peer spelling
through ``al.get`` (keywords and config); ``Model.fit`` training the loss' weights with the
network's (one SGD step equals the same step taken by hand with the peer); the JAX pytree
``variables``; ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
pml = pytest.importorskip("pytorch_metric_learning.losses")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

LIBS = ["numpy", "torch", "jax", "tensorflow"]
SEEDS = [0, 1, 2]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
CLASSES, DIM, BATCH = 5, 6, 12
SPELLING = "pytorch_metric_learning.losses.ArcFaceLoss"
#: Besides the peer's defaults (28.6 degrees, 64), a smaller scale and margin.
SETTINGS = [{}, {"margin": 10.0, "scale": 8.0}]


def _close(actual: Any, expected: Any, what: str = "") -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=1e-10, atol=1e-12,
                               err_msg=what)


def _peer(seed: int, settings: dict[str, Any]) -> Any:
    torch.manual_seed(seed)  # the peer draws its W from torch's generator
    return pml.ArcFaceLoss(CLASSES, DIM, **settings).double()


def _batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, DIM))
    return rng.integers(0, CLASSES, BATCH), x


def _peer_values(peer: Any, labels: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """The peer's per-sample losses (``compute_loss``), its mean, and the mean's gradients with
    respect to the embeddings and to ``W``."""
    e = torch.from_numpy(x).requires_grad_(True)
    t = torch.from_numpy(labels)
    per_sample = peer.compute_loss(e, t, None, e, t)["loss"]["losses"].detach().numpy()
    peer.zero_grad()
    mean = peer(e, t)
    mean.backward()
    return {"per_sample": per_sample, "mean": mean.item(), "grad": e.grad.numpy(),
            "w_grad": peer.W.grad.numpy().copy()}


_JAX: dict[str, Any] = {}


def _jax_arcface(settings: dict[str, Any]) -> Any:
    """``jit(value_and_grad)`` of arcface's mean with respect to the embeddings and the weights
    (compiled once per settings: the seeds share the shapes)."""
    key = json.dumps(settings, sort_keys=True)
    if key not in _JAX:
        def mean(e: Any, w: Any, t: Any) -> Any:
            out = al.arcface(t, e, w, **settings)
            return jnp.mean(out), out

        _JAX[key] = jax.jit(jax.value_and_grad(mean, argnums=(0, 1), has_aux=True))
    return _JAX[key]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("settings", SETTINGS, ids=["defaults", "margin10-scale8"])
def test_function_equals_pml_with_its_weights(lib, settings):
    backend = Backend.load(lib)
    for seed in SEEDS:
        peer = _peer(seed, settings)
        labels, x = _batch(seed)
        expected = _peer_values(peer, labels, x)
        w = peer.W.detach().numpy()
        if lib == "numpy":
            _close(al.arcface(labels, x, w, **settings), expected["per_sample"], f"seed {seed}")
            continue
        t = backend.asarray(labels)
        if lib == "torch":
            e = torch.from_numpy(x).requires_grad_(True)
            wt = torch.from_numpy(w.copy()).requires_grad_(True)
            out = al.arcface(t, e, wt, **settings)
            grads = torch.autograd.grad(out.mean(), (e, wt))
            values, grads = out.detach().numpy(), [g.numpy() for g in grads]
        elif lib == "tensorflow":
            tf = backend.module
            e, wt = tf.constant(x), tf.constant(w)
            with tf.GradientTape() as tape:
                tape.watch([e, wt])
                out = al.arcface(t, e, wt, **settings)
                mean = tf.reduce_mean(out)
            values, grads = out.numpy(), [g.numpy() for g in tape.gradient(mean, [e, wt])]
        else:
            (_, values), grads = _jax_arcface(settings)(jnp.asarray(x), jnp.asarray(w), t)
        _close(values, expected["per_sample"], f"seed {seed}")
        _close(grads[0], expected["grad"], f"embedding gradient, seed {seed}")
        _close(grads[1], expected["w_grad"], f"weight gradient, seed {seed}")


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("settings", SETTINGS, ids=["defaults", "margin10-scale8"])
def test_peer_spelling_with_the_peers_state_equals_pml(lib, settings):
    backend = Backend.load(lib)
    for seed in SEEDS:
        peer = _peer(seed, settings)
        labels, x = _batch(seed)
        expected = _peer_values(peer, labels, x)
        arguments = {"num_classes": CLASSES, "embedding_size": DIM, **settings}
        by_keywords = al.get(SPELLING, **arguments)
        by_config = al.get({"class_name": SPELLING, "config": arguments})
        assert type(by_keywords) is al.ArcFace
        assert by_keywords.get_config() == by_config.get_config()
        for loss in (by_keywords, by_config):
            loss.load_state_dict(peer.state_dict())  # {"W": ...}, the same layout
            e = backend.asarray(x)
            if lib == "torch":
                e.requires_grad_(True)
            value = loss(backend.asarray(labels), e)
            _close(backend.to_numpy(value), expected["mean"], f"seed {seed}")
            if lib == "torch":
                value.backward()
                _close(e.grad, expected["grad"], f"embedding gradient, seed {seed}")
                _close(loss.variables["class_weights"].grad, expected["w_grad"],
                       f"weight gradient, seed {seed}")


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_class_reductions_and_sample_weight(lib):
    backend = Backend.load(lib)
    for seed in SEEDS:
        peer = _peer(seed, {})
        labels, x = _batch(seed)
        v = _peer_values(peer, labels, x)["per_sample"]
        for weights in (None, np.random.default_rng(seed).uniform(0.0, 2.0, BATCH)):
            w = np.ones(BATCH) if weights is None else weights
            expected = {"sum": np.sum(v * w), "none": v * w, "sum_over_batch_size": np.mean(v * w),
                        "mean": np.mean(v * w),
                        "mean_with_sample_weight": np.sum(v * w) / np.sum(w)}
            sw = None if weights is None else backend.asarray(weights)
            for reduction in REDUCTIONS:
                loss = al.ArcFace(class_weights=peer.W.detach().numpy(), reduction=reduction)
                out = loss(backend.asarray(labels), backend.asarray(x), sample_weight=sw)
                _close(backend.to_numpy(out), expected[reduction], f"{reduction} seed {seed}")


def test_jax_variables_are_a_pytree_to_differentiate():
    peer = _peer(0, {})
    labels, x = _batch(0)
    expected = _peer_values(peer, labels, x)
    loss = al.ArcFace(num_classes=CLASSES, embedding_size=DIM)
    loss.variables = {"class_weights": jnp.asarray(peer.W.detach().numpy())}

    @jax.jit
    def step(variables: Any, e: Any, t: Any) -> Any:
        return jax.value_and_grad(lambda v: loss(t, e, variables=v))(variables)

    value, grads = step(loss.variables, jnp.asarray(x), jnp.asarray(labels))
    _close(value, expected["mean"])
    _close(grads["class_weights"], expected["w_grad"])
    # Without `variables`, the held weights.
    _close(loss(jnp.asarray(labels), jnp.asarray(x)), expected["mean"])


def test_fit_trains_the_loss_weights_as_the_peer_trains_its_own():
    from anyloss.models import Model

    torch.manual_seed(0)
    net = torch.nn.Linear(4, DIM)  # float32: fit feeds float32 inputs, as Keras
    manual_net = copy.deepcopy(net)
    peer = _peer(0, {}).float()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(BATCH, 4)).astype(np.float32), rng.integers(0, CLASSES, BATCH)
    # By hand: one SGD step (Keras' default learning rate 0.01) on the network and the peer's W.
    optimizer = torch.optim.SGD([*manual_net.parameters(), peer.W], lr=0.01)
    optimizer.zero_grad()
    peer(manual_net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    before = peer.W.detach().numpy().copy()
    optimizer.step()
    # fit: one batch, one epoch; the loss' weights are a parameter of its optimizer.
    loss = al.ArcFace(class_weights=torch.from_numpy(before.copy()))
    model = Model(net)
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    weights = loss.variables["class_weights"]
    assert isinstance(weights, torch.nn.Parameter)
    assert any(p is weights for g in model.optimizer.param_groups for p in g["params"])
    # float32: the two formulas (arccos there, the cosine identity here) round differently.
    np.testing.assert_allclose(weights.detach(), peer.W.detach(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(weights.detach().numpy(), before)
    for ours, theirs in zip(net.parameters(), manual_net.parameters(), strict=True):
        np.testing.assert_allclose(ours.detach(), theirs.detach(), rtol=1e-5, atol=1e-6)


def test_config_holds_the_shapes_and_state_dict_the_weights():
    loss = al.ArcFace(num_classes=CLASSES, embedding_size=DIM, margin=20.0, scale=30.0, seed=3)
    config = json.loads(json.dumps(al.serialize(loss)))["config"]
    assert {k: config[k] for k in ("num_classes", "embedding_size", "margin", "scale", "seed")} \
        == {"num_classes": CLASSES, "embedding_size": DIM, "margin": 20.0, "scale": 30.0,
            "seed": 3}
    assert "class_weights" not in config
    again = al.deserialize({"class_name": "ArcFace", "config": config})
    # The same seed draws the same weights; trained weights travel in the state dict.
    _close(np.asarray(again.variables["class_weights"]), loss.variables["class_weights"])
    state = {"class_weights": torch.ones(DIM, CLASSES, dtype=torch.float64)}
    again.load_state_dict(state)
    _close(again.state_dict()["class_weights"].detach(), np.ones((DIM, CLASSES)))
    # The initial draw is a standard normal, as the peer's torch.nn.init.normal_.
    big = al.ArcFace(num_classes=200, embedding_size=100, seed=0).variables["class_weights"]
    assert abs(float(np.mean(big))) < 0.02 and abs(float(np.std(big)) - 1.0) < 0.02


def test_errors_name_the_fix():
    labels, x = _batch(0)
    with pytest.raises(ValueError, match="class_weights` is required"):
        al.arcface(labels, x)
    with pytest.raises(ValueError, match="embedding_size=128"):
        al.ArcFace()(labels, x)
    with pytest.raises(ValueError, match=r"\(6, num_classes\)"):
        al.arcface(labels, x, np.ones((5, 3)))
    with pytest.raises(ValueError, match="margin"):
        al.ArcFace(num_classes=3, embedding_size=2, margin=-1.0)
    with pytest.raises(ValueError, match="num_classes"):
        al.ArcFace(num_classes=0, embedding_size=2)


def test_jit_dask_and_torch_compile():
    labels, x = _batch(0)
    w = np.random.default_rng(1).normal(size=(DIM, CLASSES))
    expected = al.arcface(labels, x, w)
    _close(jax.jit(al.arcface)(jnp.asarray(labels), jnp.asarray(x), jnp.asarray(w)), expected)
    da = pytest.importorskip("dask.array")
    lazy = al.arcface(da.from_array(labels, chunks=6), da.from_array(x, chunks=(6, 3)), w)
    assert isinstance(lazy, da.Array)
    _close(lazy.compute(), expected)
    compiled = torch.compile(al.arcface, fullgraph=True, backend="aot_eager")
    _close(compiled(torch.from_numpy(labels), torch.from_numpy(x), torch.from_numpy(w)),
           expected)
