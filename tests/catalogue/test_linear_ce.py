"""LinearCrossEntropy (``proxies.py``) against ``torch.nn.LinearCrossEntropyLoss``, in the suite.

The peer's linear layer (its state dict's ``linear.weight``/``linear.bias``) goes into anyloss:
the function takes the arrays, the class loads the state dict; the same weights give the same
numbers. Values and gradients with respect to the input, the weight and the bias in float64,
seeds 0-2, every torch reduction, ``ignore_index`` (default -100 and a class), label smoothing,
with and without bias, on NumPy, torch and JAX inputs; the anyloss reductions with sample
weights; ``chunk_size``; the spelling via keywords and via config; ``Model.fit`` training the
layer with the network (one SGD step equals the peer's); the JAX pytree ``variables``; the
config round trip; the refused peer arguments.
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
if not hasattr(torch.nn, "LinearCrossEntropyLoss"):
    pytest.skip("torch.nn.LinearCrossEntropyLoss needs torch >= 2.13", allow_module_level=True)
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

SPELLING = "torch.nn.LinearCrossEntropyLoss"
SEEDS = [0, 1, 2]
IN, CLASSES, BATCH = 6, 7, 12
#: Peer constructor settings besides in_features and num_classes.
SETTINGS = [
    {},
    {"bias": True},
    {"bias": True, "reduction": "sum", "label_smoothing": 0.2},
    {"reduction": "none", "ignore_index": 3},
    {"bias": True, "ignore_index": 0, "label_smoothing": 0.1},
]
IDS = ["defaults", "bias", "sum-smoothing", "none-ignore3", "mean-ignore0-smoothing"]


def _close(actual: Any, expected: Any, what: str = "") -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=1e-10,
        atol=1e-12,
        err_msg=what,
    )


def _peer(seed: int, settings: dict[str, Any]) -> Any:
    torch.manual_seed(seed)
    return torch.nn.LinearCrossEntropyLoss(IN, CLASSES, **settings).double()


def _batch(seed: int, ignore: int = -100) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, BATCH)
    labels[::5] = ignore  # torch's default ignore_index, or the one set
    return labels, rng.normal(size=(BATCH, IN))


def _peer_values(peer: Any, labels: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """The peer's output, and the gradients of its sum w.r.t. the input, weight and bias."""
    e = torch.from_numpy(x).requires_grad_(True)
    peer.zero_grad()
    out = peer(e, torch.from_numpy(labels))
    out.sum().backward()
    bias = peer.linear.bias
    return {
        "out": out.detach().numpy(),
        "grad": e.grad.numpy(),
        "w_grad": peer.linear.weight.grad.numpy().copy(),
        "b_grad": None if bias is None else bias.grad.numpy().copy(),
    }


def _function_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "ignore_class": settings.get("ignore_index", -100),
        "label_smoothing": settings.get("label_smoothing", 0.0),
    }


def _reduce(values: Any, valid: np.ndarray, reduction: str) -> Any:
    return {"mean": np.sum(values) / np.sum(valid), "sum": np.sum(values), "none": values}[
        reduction
    ]


@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("settings", SETTINGS, ids=IDS)
def test_function_equals_torch_with_its_weights(lib, settings):
    kwargs = _function_settings(settings)
    reduction = settings.get("reduction", "mean")
    for seed in SEEDS:
        peer = _peer(seed, settings)
        ignore = kwargs["ignore_class"]
        labels, x = _batch(seed, ignore)
        expected = _peer_values(peer, labels, x)
        w = peer.linear.weight.detach().numpy()
        b = None if peer.linear.bias is None else peer.linear.bias.detach().numpy()
        valid = labels != ignore
        if lib == "numpy":
            values = al.sparse_linear_cross_entropy(labels, x, w, b, **kwargs)
            _close(_reduce(values, valid, reduction), expected["out"], f"seed {seed}")
            continue

        # The sum of the peer's output: its mean divides by the labels that count.
        scale = float(np.sum(valid)) if reduction == "mean" else 1.0

        def total(e: Any, wt: Any, bt: Any, t: Any, xp: Any, scale: float = scale) -> Any:
            values = al.sparse_linear_cross_entropy(t, e, wt, bt, **kwargs)
            return xp.sum(values) / scale, values

        if lib == "torch":
            e = torch.from_numpy(x).requires_grad_(True)
            wt = torch.from_numpy(w.copy()).requires_grad_(True)
            bt = None if b is None else torch.from_numpy(b.copy()).requires_grad_(True)
            out, values = total(e, wt, bt, torch.from_numpy(labels), torch)
            grads = torch.autograd.grad(out, [a for a in (e, wt, bt) if a is not None])
            grads = [g.numpy() for g in grads]
            values = values.detach().numpy()
        else:
            args = [jnp.asarray(x), jnp.asarray(w)] + ([] if b is None else [jnp.asarray(b)])

            t = jnp.asarray(labels)

            def f(*a: Any, t: Any = t, total: Any = total) -> Any:
                return total(a[0], a[1], a[2] if len(a) > 2 else None, t, jnp)

            (_, values), grads = jax.value_and_grad(
                f, argnums=tuple(range(len(args))), has_aux=True
            )(*args)
        _close(_reduce(np.asarray(values), valid, reduction), expected["out"], f"seed {seed}")
        _close(grads[0], expected["grad"], f"input gradient, seed {seed}")
        _close(grads[1], expected["w_grad"], f"weight gradient, seed {seed}")
        if b is not None:
            _close(grads[2], expected["b_grad"], f"bias gradient, seed {seed}")


@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("settings", SETTINGS, ids=IDS)
def test_peer_spelling_with_the_peers_state_equals_torch(lib, settings):
    backend = Backend.load(lib)
    for seed in SEEDS:
        peer = _peer(seed, settings)
        labels, x = _batch(seed, settings.get("ignore_index", -100))
        expected = _peer_values(peer, labels, x)
        arguments = {"in_features": IN, "num_classes": CLASSES, **settings}
        by_keywords = al.get(SPELLING, **arguments)
        by_config = al.get({"class_name": SPELLING, "config": arguments})
        assert type(by_keywords) is al.LinearCrossEntropy
        assert by_keywords.get_config() == by_config.get_config()
        for loss in (by_keywords, by_config):
            loss.load_state_dict(peer.state_dict())  # linear.weight, linear.bias: torch's keys
            e = backend.asarray(x)
            if lib == "torch":
                e.requires_grad_(True)
            value = loss(backend.asarray(labels), e)
            _close(backend.to_numpy(value), expected["out"], f"seed {seed}")
            if lib == "torch":
                value.sum().backward()
                state = loss.state_dict()
                _close(e.grad, expected["grad"], f"input gradient, seed {seed}")
                _close(state["linear.weight"].grad, expected["w_grad"], f"weight, seed {seed}")
                if settings.get("bias"):
                    _close(state["linear.bias"].grad, expected["b_grad"], f"bias, seed {seed}")


@pytest.mark.parametrize("chunk_size", [1, 5, 64])
def test_chunk_size_gives_torchs_numbers(chunk_size):
    settings = {"bias": True, "ignore_index": 2, "label_smoothing": 0.1}
    for seed in SEEDS:
        peer = _peer(seed, settings)
        labels, x = _batch(seed, 2)
        expected = _peer_values(peer, labels, x)
        loss = al.LinearCrossEntropy(
            IN, CLASSES, bias=True, ignore_class=2, label_smoothing=0.1, chunk_size=chunk_size
        )
        loss.load_state_dict(peer.state_dict())
        e = torch.from_numpy(x).requires_grad_(True)
        value = loss(torch.from_numpy(labels), e)
        value.backward()
        _close(value.detach(), expected["out"], f"seed {seed}")
        _close(e.grad, expected["grad"], f"input gradient, seed {seed}")
        _close(loss.state_dict()["linear.weight"].grad, expected["w_grad"])
        _close(loss.state_dict()["linear.bias"].grad, expected["b_grad"])


@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
def test_class_reductions_and_sample_weight(lib):
    backend = Backend.load(lib)
    reductions = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
    for seed in SEEDS:
        peer = _peer(seed, {"bias": True, "reduction": "none"})
        labels, x = _batch(seed)
        v = _peer_values(peer, labels, x)["out"]
        valid = labels != -100
        for weights in (None, np.random.default_rng(seed).uniform(0.0, 2.0, BATCH)):
            w = np.ones(BATCH) if weights is None else weights
            vw = v * w
            expected = {
                "sum": np.sum(vw),
                "none": vw,
                "sum_over_batch_size": np.sum(vw) / np.sum(valid),
                "mean": np.sum(vw) / np.sum(valid),
                "mean_with_sample_weight": np.sum(vw) / np.sum(w * valid),
            }
            sw = None if weights is None else backend.asarray(weights)
            for reduction in reductions:
                loss = al.LinearCrossEntropy(
                    weight=peer.linear.weight.detach().numpy(),
                    bias=peer.linear.bias.detach().numpy(),
                    ignore_class=-100,
                    reduction=reduction,
                )
                out = loss(backend.asarray(labels), backend.asarray(x), sample_weight=sw)
                _close(backend.to_numpy(out), expected[reduction], f"{reduction} seed {seed}")


def test_jax_variables_are_a_pytree_to_differentiate():
    peer = _peer(0, {"bias": True})
    labels, x = _batch(0)
    expected = _peer_values(peer, labels, x)
    loss = al.LinearCrossEntropy(IN, CLASSES, bias=True, ignore_class=-100)
    loss.variables = {
        "weight": jnp.asarray(peer.linear.weight.detach().numpy()),
        "bias": jnp.asarray(peer.linear.bias.detach().numpy()),
    }

    @jax.jit
    def step(variables: Any, e: Any, t: Any) -> Any:
        return jax.value_and_grad(lambda v: loss(t, e, variables=v))(variables)

    value, grads = step(loss.variables, jnp.asarray(x), jnp.asarray(labels))
    _close(value, expected["out"])
    _close(grads["weight"], expected["w_grad"])
    _close(grads["bias"], expected["b_grad"])
    _close(loss(jnp.asarray(labels), jnp.asarray(x)), expected["out"])


def test_fit_trains_the_layer_as_torch_trains_its_own():
    from anyloss.models import Model

    torch.manual_seed(0)
    net = torch.nn.Linear(4, IN)  # float32: fit feeds float32 inputs, as Keras
    manual_net = copy.deepcopy(net)
    peer = torch.nn.LinearCrossEntropyLoss(IN, CLASSES, bias=True)
    state = {k: v.detach().clone() for k, v in peer.state_dict().items()}
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(BATCH, 4)).astype(np.float32), rng.integers(0, CLASSES, BATCH)
    # By hand: one SGD step (Keras' default learning rate 0.01) on the network and the peer.
    optimizer = torch.optim.SGD([*manual_net.parameters(), *peer.parameters()], lr=0.01)
    optimizer.zero_grad()
    peer(manual_net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    optimizer.step()
    loss = al.get(SPELLING, in_features=IN, num_classes=CLASSES, bias=True)
    loss.load_state_dict(state)
    model = Model(net)
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    params = list(loss.parameters())
    assert all(isinstance(p, torch.nn.Parameter) for p in params)
    held = {id(p) for g in model.optimizer.param_groups for p in g["params"]}
    assert all(id(p) in held for p in params)
    for key, value in loss.state_dict().items():
        np.testing.assert_allclose(value.detach(), peer.state_dict()[key], rtol=1e-5, atol=1e-6)
        assert not np.allclose(value.detach().numpy(), state[key].numpy())
    for ours, theirs in zip(net.parameters(), manual_net.parameters(), strict=True):
        np.testing.assert_allclose(ours.detach(), theirs.detach(), rtol=1e-5, atol=1e-6)


def test_config_holds_the_sizes_and_state_dict_the_arrays():
    loss = al.LinearCrossEntropy(
        IN,
        CLASSES,
        bias=True,
        ignore_class=-1,
        label_smoothing=0.1,
        chunk_size=4,
        seed=3,
        reduction="sum",
    )
    config = json.loads(json.dumps(al.serialize(loss)))["config"]
    assert {
        k: config[k]
        for k in (
            "in_features",
            "num_classes",
            "bias",
            "ignore_class",
            "label_smoothing",
            "chunk_size",
            "seed",
            "reduction",
        )
    } == {
        "in_features": IN,
        "num_classes": CLASSES,
        "bias": True,
        "ignore_class": -1,
        "label_smoothing": 0.1,
        "chunk_size": 4,
        "seed": 3,
        "reduction": "sum",
    }
    assert "weight" not in config
    again = al.deserialize({"class_name": "LinearCrossEntropy", "config": config})
    assert again.get_config() == loss.get_config()
    for key in ("weight", "bias"):  # the same seed draws the same arrays
        _close(np.asarray(again.variables[key]), np.asarray(loss.variables[key]))
    # torch's initialisation: uniform in +-1/sqrt(in_features).
    big = al.LinearCrossEntropy(100, 300, bias=True, seed=0).variables
    for array in big.values():
        assert np.max(np.abs(array)) <= 0.1 and np.max(np.abs(array)) > 0.099
    # The state dict round-trips into the peer and back.
    peer = torch.nn.LinearCrossEntropyLoss(IN, CLASSES, bias=True).double()
    peer.load_state_dict(loss.state_dict())
    _close(peer.linear.weight.detach(), loss.variables["weight"].detach())
    state = {
        "linear.weight": torch.ones(CLASSES, IN, dtype=torch.float64),
        "linear.bias": torch.zeros(CLASSES, dtype=torch.float64),
    }
    again.load_state_dict(state)
    _close(again.state_dict()["linear.weight"].detach(), np.ones((CLASSES, IN)))


def test_errors_name_the_fix():
    labels, x = _batch(0)
    labels[labels < 0] = 0
    w = np.ones((CLASSES, IN))
    with pytest.raises(ValueError, match="`weight` is required"):
        al.sparse_linear_cross_entropy(labels, x)
    with pytest.raises(ValueError, match="in_features=768"):
        al.LinearCrossEntropy()(labels, x)
    with pytest.raises(ValueError, match=r"\(num_classes, 6\)"):
        al.sparse_linear_cross_entropy(labels, x, np.ones((CLASSES, 5)))
    with pytest.raises(ValueError, match="one label per embedding"):
        al.sparse_linear_cross_entropy(labels[:3], x, w)
    with pytest.raises(ValueError, match="ignore_class="):
        al.sparse_linear_cross_entropy(np.full(BATCH, CLASSES), x, w)
    with pytest.raises(ValueError, match="label_smoothing"):
        al.LinearCrossEntropy(IN, CLASSES, label_smoothing=1.5)
    with pytest.raises(ValueError, match="in_features"):
        al.LinearCrossEntropy(in_features=0, num_classes=2)
    with pytest.raises(TypeError, match="bias"):
        al.LinearCrossEntropy(IN, CLASSES, bias="yes")
    loss = al.LinearCrossEntropy(IN, CLASSES)
    with pytest.raises(ValueError, match="bias=True"):
        loss.load_state_dict(torch.nn.LinearCrossEntropyLoss(IN, CLASSES, bias=True).state_dict())
    with pytest.raises(ValueError, match=r"\(num_classes, in_features\) = \(7, 6\)"):
        loss.variables = {"weight": np.ones((3, 3))}
    with pytest.raises(ValueError, match="'weight': W"):
        loss.variables = {"class_weights": w}


@pytest.mark.parametrize(
    ("argument", "value", "fix"),
    [
        ("weight", np.ones(CLASSES), "sample_weight=weight"),
        ("out_features", (2, 3), "CrossEntropyLoss"),
        ("options", object(), "chunk_size"),
        ("device", "cpu", "loss.to"),
        ("reduction", "batchmean", "'mean'"),
    ],
)
def test_unsupported_peer_arguments_say_what_to_do(argument, value, fix):
    with pytest.raises(ValueError, match=argument) as info:
        al.get(SPELLING, in_features=IN, num_classes=CLASSES, **{argument: value})
    assert fix in str(info.value)


def test_jit_and_torch_compile():
    labels, x = _batch(0)
    w = np.random.default_rng(1).normal(size=(CLASSES, IN))
    expected = al.sparse_linear_cross_entropy(labels, x, w, ignore_class=-100)
    _close(
        jax.jit(lambda t, e, w: al.sparse_linear_cross_entropy(t, e, w, ignore_class=-100))(
            jnp.asarray(labels), jnp.asarray(x), jnp.asarray(w)
        ),
        expected,
    )
    compiled = torch.compile(al.sparse_linear_cross_entropy, fullgraph=True, backend="aot_eager")
    _close(
        compiled(
            torch.from_numpy(labels), torch.from_numpy(x), torch.from_numpy(w), ignore_class=-100
        ),
        expected,
    )
