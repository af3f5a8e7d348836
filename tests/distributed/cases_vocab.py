"""Vocabulary-parallel cross-entropy across ranks and devices: cases for the shared workers.

``torch_case_*(rank, world)`` run in every rank of one gloo group (world 2 and 4);
``jax_case_*(devices)`` run once in a process with 8 CPU devices and build their own meshes.
Each case makes the full data from a fixed seed (the same on every rank), computes the
unsharded loss with ``anyloss.sparse_categorical_crossentropy`` (or ``linear_cross_entropy``)
and the Keras reduction, and asserts that the sharded value and gradients equal it. A case
returns an optional dict of measurements.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.testing import assert_allclose

import anyloss as al

RTOL = 1e-10
#: Gradient entries are softmax - onehot - ls/V: an entry that cancels to ~1e-17 has no
#: relative precision in either computation, so gradients also get an absolute floor.
GRAD_ATOL = 1e-15
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")
IGNORE = -1


def _raises(kind: type[Exception], pattern: str, call: Any, *args: Any, **kwargs: Any) -> None:
    """``call(*args, **kwargs)`` must raise ``kind`` with a message matching ``pattern``
    (pytest.raises without importing pytest in the workers)."""
    try:
        call(*args, **kwargs)
    except kind as err:
        message = str(err)
    else:
        raise AssertionError(f"{call.__name__} did not raise {kind.__name__}")
    if not re.search(pattern, message):
        raise AssertionError(f"{pattern!r} not in {message!r}")


def _data(seed: int, rows: int, vocab: int, hidden: int = 0) -> dict[str, np.ndarray]:
    """Logits (or hidden/weight/bias), labels with some ``IGNORE`` entries, and weights."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, vocab, size=rows)
    labels[rng.random(rows) < 0.25] = IGNORE
    labels[0] = vocab - 1  # the last class (the last shard's last column)
    data = {
        "labels": labels,
        "weights": rng.uniform(0.1, 2.0, size=rows),
        "logits": 3.0 * rng.standard_normal((rows, vocab)),
    }
    if hidden:
        data["hidden"] = rng.standard_normal((rows, hidden))
        data["weight"] = rng.standard_normal((vocab, hidden)) / np.sqrt(hidden)
        data["bias"] = 0.1 * rng.standard_normal(vocab)
    return data


def _settings() -> list[dict[str, Any]]:
    """(seed, ignore_class, label_smoothing, weighted, reduction) combinations: every
    reduction, with and without each option."""
    out = []
    for i, reduction in enumerate(REDUCTIONS):
        for seed in (0, 1, 2):
            out.append(
                {
                    "seed": seed + 10 * i,
                    "ignore_class": IGNORE if seed != 1 else None,
                    "label_smoothing": (0.0, 0.1, 0.3)[seed],
                    "weighted": seed != 0,
                    "reduction": reduction,
                }
            )
    return out


def _torch_reference(setting: dict[str, Any], data: dict[str, np.ndarray]) -> tuple[Any, Any]:
    """The unsharded loss and its gradient with respect to the full logits (torch)."""
    import torch

    logits = torch.tensor(data["logits"], dtype=torch.float64, requires_grad=True)
    labels = torch.tensor(data["labels"])
    if setting["ignore_class"] is None:
        labels = labels.clamp_min(0)
    values = al.sparse_categorical_crossentropy(
        labels,
        logits,
        from_logits=True,
        ignore_class=setting["ignore_class"],
        label_smoothing=setting["label_smoothing"],
    )
    mask = None if setting["ignore_class"] is None else labels != setting["ignore_class"]
    weights = torch.tensor(data["weights"]) if setting["weighted"] else None
    loss = al.reduce_weighted_values(values, weights, mask, setting["reduction"])
    (grad,) = torch.autograd.grad(loss.sum(), logits)
    return loss.detach().numpy(), grad.numpy()


def _labels(setting: dict[str, Any], data: dict[str, np.ndarray]) -> np.ndarray:
    labels = data["labels"]
    return labels if setting["ignore_class"] is not None else np.maximum(labels, 0)


# --- torch ----------------------------------------------------------------------------------


def torch_case_vocab_sparse_crossentropy(rank: int, world: int) -> dict[str, Any] | None:
    """Every reduction, with ignore_class, label smoothing and sample weights, at 3 seeds:
    the loss on each rank and each rank's gradient shard equal the unsharded ones."""
    import torch

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    rows, vocab = 9, 12
    local = vocab // world
    for setting in _settings():
        data = _data(setting["seed"], rows, vocab)
        want, want_grad = _torch_reference(setting, data)
        shard = torch.tensor(
            data["logits"][:, rank * local : (rank + 1) * local], requires_grad=True
        )
        loss = vocab_parallel_sparse_categorical_crossentropy(
            torch.tensor(_labels(setting, data)),
            shard,
            ignore_class=setting["ignore_class"],
            label_smoothing=setting["label_smoothing"],
            sample_weight=torch.tensor(data["weights"]) if setting["weighted"] else None,
            reduction=setting["reduction"],
        )
        (grad,) = torch.autograd.grad(loss.sum(), shard)
        assert loss.dtype == torch.float64
        assert_allclose(loss.detach().numpy(), want, rtol=RTOL, err_msg=str(setting))
        assert_allclose(
            grad.numpy(),
            want_grad[:, rank * local : (rank + 1) * local],
            rtol=RTOL,
            atol=GRAD_ATOL,
            err_msg=str(setting),
        )
    return None


def torch_case_vocab_layouts(rank: int, world: int) -> dict[str, Any] | None:
    """(batch, time, V_local) logits with (batch, time, 1) labels, and shards in reversed
    rank order given by ``vocab_start``."""
    import torch

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    vocab, local = 8 * world, 8
    data = _data(7, 6, vocab)
    setting = {
        "seed": 7,
        "ignore_class": IGNORE,
        "label_smoothing": 0.2,
        "weighted": True,
        "reduction": "sum_over_batch_size",
    }
    want, want_grad = _torch_reference(setting, data)
    position = world - 1 - rank  # rank r holds the shard of position world - 1 - r
    columns = slice(position * local, (position + 1) * local)
    shard = torch.tensor(data["logits"][:, columns].reshape(2, 3, local), requires_grad=True)
    loss = vocab_parallel_sparse_categorical_crossentropy(
        torch.tensor(data["labels"]).reshape(2, 3, 1),
        shard,
        vocab_start=position * local,
        ignore_class=IGNORE,
        label_smoothing=0.2,
        sample_weight=torch.tensor(data["weights"]).reshape(2, 3),
    )
    loss.backward()
    assert_allclose(loss.item(), want, rtol=RTOL)
    assert shard.grad is not None
    assert_allclose(
        shard.grad.reshape(6, local).numpy(), want_grad[:, columns], rtol=RTOL, atol=GRAD_ATOL
    )
    return None


def torch_case_vocab_linear(rank: int, world: int) -> dict[str, Any] | None:
    """hidden @ weight_shard.T + bias_shard, with and without chunks: the value, the weight
    and bias gradient shards, and the hidden gradient summed over the ranks equal the
    unsharded ones (each rank's hidden gradient is a partial sum)."""
    import torch
    import torch.distributed as dist

    from anyloss.distributed._vocab import vocab_parallel_linear_cross_entropy

    rows, vocab, size = 13, 4 * world, 5
    local = vocab // world
    columns = slice(rank * local, (rank + 1) * local)
    for seed, chunk_size, smoothing, reduction in (
        (0, None, 0.0, "sum_over_batch_size"),
        (1, 4, 0.1, "sum_over_batch_size"),
        (2, 5, 0.0, "mean_with_sample_weight"),
        (3, 64, 0.25, "sum"),
    ):
        data = _data(seed, rows, vocab, hidden=size)
        full = [torch.tensor(data[k], requires_grad=True) for k in ("hidden", "weight", "bias")]
        labels = torch.tensor(data["labels"])
        weights = torch.tensor(data["weights"])
        want = al.linear_cross_entropy(
            *full[:2],
            labels,
            full[2],
            sample_weight=weights,
            ignore_class=IGNORE,
            label_smoothing=smoothing,
            reduction=reduction,
        )
        want_grads = torch.autograd.grad(want, full)
        hidden = torch.tensor(data["hidden"], requires_grad=True)
        weight = torch.tensor(data["weight"][columns], requires_grad=True)
        bias = torch.tensor(data["bias"][columns], requires_grad=True)
        loss = vocab_parallel_linear_cross_entropy(
            hidden,
            weight,
            labels,
            bias,
            ignore_class=IGNORE,
            label_smoothing=smoothing,
            sample_weight=weights,
            reduction=reduction,
            chunk_size=chunk_size,
        )
        grads = torch.autograd.grad(loss, (hidden, weight, bias))
        partial = grads[0].clone()
        dist.all_reduce(partial)  # what a tensor-parallel layer's input all-reduce does
        label = f"seed={seed} chunk_size={chunk_size}"
        assert_allclose(loss.item(), want.item(), rtol=RTOL, err_msg=label)
        assert_allclose(partial.numpy(), want_grads[0].numpy(), rtol=RTOL, atol=GRAD_ATOL)
        assert_allclose(grads[1].numpy(), want_grads[1][columns].numpy(), rtol=RTOL, atol=GRAD_ATOL)
        assert_allclose(grads[2].numpy(), want_grads[2][columns].numpy(), rtol=RTOL, atol=GRAD_ATOL)
        if world > 1:  # a rank's own part alone is not the gradient
            assert not np.allclose(grads[0].numpy(), want_grads[0].numpy())
    return None


def torch_case_vocab_label_out_of_range(rank: int, world: int) -> dict[str, Any] | None:
    """A label outside [0, V) raises ValueError on every rank, before any collective (so no
    rank waits in one); the ignored label passes; the group works afterwards."""
    import torch
    import torch.distributed as dist

    from anyloss.distributed._vocab import (
        vocab_parallel_linear_cross_entropy,
        vocab_parallel_sparse_categorical_crossentropy,
    )

    local = 3
    vocab = local * world
    shard = torch.zeros(2, local, dtype=torch.float64)
    for bad in (vocab, -2):
        labels = torch.tensor([0, bad])
        message = rf"label {bad}, outside the global vocabulary \[0, {vocab}\)"
        _raises(
            ValueError,
            message,
            vocab_parallel_sparse_categorical_crossentropy,
            labels,
            shard,
            ignore_class=-1,
        )
        _raises(
            ValueError,
            message,
            vocab_parallel_linear_cross_entropy,
            torch.zeros(2, 4, dtype=torch.float64),
            torch.zeros(local, 4, dtype=torch.float64),
            labels,
            chunk_size=1,
        )
    loss = vocab_parallel_sparse_categorical_crossentropy(
        torch.tensor([vocab - 1, -1]), shard, ignore_class=-1
    )
    assert_allclose(loss.item(), np.log(vocab), rtol=RTOL)  # uniform logits; 1 valid entry
    flag = torch.ones(1)
    dist.all_reduce(flag)
    assert flag.item() == world
    return None


def torch_case_vocab_memory(rank: int, world: int) -> dict[str, Any] | None:
    """The autograd graph of the loss keeps about this rank's (N, V / world) shard: the bytes
    of all tensors saved for backward are at most one shard plus a few small per-row
    tensors (labels, masks), at N=64, V=32000, float32."""
    import torch

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    rows, vocab = 64, 32000
    local = vocab // world
    generator = torch.Generator().manual_seed(0)
    shard = torch.randn(rows, local, generator=generator, requires_grad=True)
    labels = torch.randint(0, vocab, (rows,), generator=generator)
    saved: list[int] = []

    def pack(tensor: Any) -> Any:
        saved.append(tensor.numel() * tensor.element_size())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = vocab_parallel_sparse_categorical_crossentropy(
            labels, shard, ignore_class=-1, label_smoothing=0.1
        )
    loss.backward()
    shard_bytes = rows * local * shard.element_size()
    small = 64 * 1024  # per-row labels, masks and the reduction's few scalars
    assert sum(saved) <= shard_bytes + small, (sum(saved), shard_bytes)
    assert shard.grad is not None and torch.isfinite(shard.grad).all()
    return {
        "world": world,
        "rows": rows,
        "vocab": vocab,
        "saved_bytes": sum(saved),
        "shard_bytes": shard_bytes,
        "unsharded_logits_bytes": rows * vocab * shard.element_size(),
    }


# --- JAX ------------------------------------------------------------------------------------


def _jax_setup(devices: list, world: int) -> tuple[Any, Any, Any]:
    """``(jax, shard_map, mesh)`` with float64 on and a ("tp",) mesh of ``world`` devices."""
    import jax
    from jax.sharding import Mesh

    jax.config.update("jax_enable_x64", True)
    shard_map = getattr(jax, "shard_map", None)
    if shard_map is None:  # older JAX
        from jax.experimental.shard_map import shard_map
    return jax, shard_map, Mesh(np.array(devices[:world]), ("tp",))


#: (ignore_class, label_smoothing, weighted) of the JAX cases; each is one compilation of all
#: reductions at once (compilations, not arithmetic, are what a JAX case costs).
JAX_SETTINGS = ((IGNORE, 0.0, False), (None, 0.1, True), (IGNORE, 0.3, True))


def _all_reductions(loss: Any, jnp: Any) -> Any:
    """``loss(reduction)`` for every reduction, as one vector (the scalars, then "none")."""
    return jnp.concatenate([jnp.reshape(loss(r), (-1,)) for r in REDUCTIONS])


def _jax_losses(setting: tuple[Any, float, bool]) -> Any:
    """``(logits, labels, weights) -> the unsharded loss under every reduction``
    (``_all_reductions``)."""
    import jax.numpy as jnp

    ignore_class, smoothing, _ = setting

    def losses(logits: Any, labels: Any, weights: Any) -> Any:
        values = al.sparse_categorical_crossentropy(
            labels,
            logits,
            from_logits=True,
            ignore_class=ignore_class,
            label_smoothing=smoothing,
        )
        mask = None if ignore_class is None else labels != ignore_class
        return _all_reductions(lambda r: al.reduce_weighted_values(values, weights, mask, r), jnp)

    return losses


def _values_and_grad(jax: Any, f: Any, mix: Any) -> Any:
    """``x, *rest -> (f(x, *rest), gradient of mix . f(x, *rest) wrt x)``: one VJP checks the
    gradients of all of ``f``'s outputs at once (random mixing weights keep a wrong one from
    cancelling out), at a fraction of a Jacobian's compilation time."""

    def mixed(x: Any, *rest: Any) -> Any:
        values = f(x, *rest)
        return (values * mix).sum(), values

    return lambda x, *rest: jax.grad(mixed, has_aux=True)(x, *rest)[::-1]


def jax_case_vocab_sparse_crossentropy(devices: list) -> dict[str, Any] | None:
    """jax.jit over shard_map on 2 and 4 devices: the values of every reduction and their
    gradients with respect to the logits (jax.grad outside the shard_map, of a random mix of
    all reductions) equal the unsharded ones, with ignore_class, label smoothing and sample
    weights, at 3 seeds (one compilation per setting: the sharded and the unsharded loss in
    one jitted function)."""
    for seed, (world, setting) in enumerate(
        ((2, JAX_SETTINGS[0]), (2, JAX_SETTINGS[1]), (4, JAX_SETTINGS[2]))
    ):
        _check_jax_sparse(devices, seed, world, setting)
    return None


def _check_jax_sparse(
    devices: list, seed: int, world: int, setting: tuple[Any, float, bool]
) -> None:
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    jax, shard_map, mesh = _jax_setup(devices, world)
    rows, vocab = 9, 12
    ignore_class, smoothing, weighted = setting
    data = _data(seed, rows, vocab)
    labels = data["labels"] if ignore_class is not None else np.maximum(data["labels"], 0)
    weights = data["weights"] if weighted else None

    def local_losses(shard: Any, y: Any, w: Any) -> Any:
        return _all_reductions(
            lambda r: vocab_parallel_sparse_categorical_crossentropy(
                y,
                shard,
                axis_name="tp",
                ignore_class=ignore_class,
                label_smoothing=smoothing,
                sample_weight=w,
                reduction=r,
            ),
            jnp,
        )

    sharded = shard_map(local_losses, mesh=mesh, in_specs=(P(None, "tp"), P(), P()), out_specs=P())
    reference = _jax_losses(setting)
    mix = np.random.default_rng(seed).uniform(0.5, 1.5, size=len(REDUCTIONS) - 1 + rows)
    (got, grad), (want, want_grad) = jax.jit(
        lambda *a: (
            _values_and_grad(jax, sharded, mix)(*a),
            _values_and_grad(jax, reference, mix)(*a),
        )
    )(data["logits"], labels, weights)
    label = f"world={world} setting={setting}"
    assert_allclose(np.asarray(got), np.asarray(want), rtol=RTOL, err_msg=label)
    assert_allclose(
        np.asarray(grad), np.asarray(want_grad), rtol=RTOL, atol=GRAD_ATOL, err_msg=label
    )


def jax_case_vocab_grad_inside_shard_map(devices: list) -> dict[str, Any] | None:
    """jax.grad taken inside shard_map (each device differentiates its copy of the replicated
    loss), with (batch, time, V_local) shards in reversed device order, placed by a per-device
    ``vocab_start`` from lax.axis_index, on 4 devices (2 run in the other cases)."""
    import jax.numpy as jnp
    from jax import lax
    from jax.sharding import PartitionSpec as P

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    world, local = 4, 4
    jax, shard_map, mesh = _jax_setup(devices, world)
    reference = _jax_losses((IGNORE, 0.15, True))
    data = _data(5, 8, world * local)

    def local_loss(shard: Any, y: Any, w: Any) -> Any:
        position = world - 1 - lax.axis_index("tp")  # device i holds shard world - 1 - i
        return vocab_parallel_sparse_categorical_crossentropy(
            y,
            shard,
            axis_name="tp",
            vocab_start=position * local,
            ignore_class=IGNORE,
            label_smoothing=0.15,
            sample_weight=w,
        )

    step = shard_map(
        jax.value_and_grad(local_loss),
        mesh=mesh,
        in_specs=(P(None, None, "tp"), P(), P()),
        out_specs=(P(), P(None, None, "tp")),
    )

    def reverse_shards(x: Any) -> Any:
        return jnp.reshape(jnp.flip(jnp.reshape(x, (2, 4, world, local)), axis=2), (2, 4, -1))

    def run(x: Any, y: Any, w: Any) -> Any:
        value, grad = step(reverse_shards(x), jnp.reshape(y, (2, 4)), jnp.reshape(w, (2, 4)))
        # _all_reductions' first entry: sum_over_batch_size, the default
        want = jax.value_and_grad(lambda x: reference(x, y, w)[0])(x)
        return (value, jnp.reshape(reverse_shards(grad), (8, -1))), want

    (value, grad), (want, want_grad) = jax.jit(run)(data["logits"], data["labels"], data["weights"])
    assert_allclose(float(value), float(want), rtol=RTOL)
    assert_allclose(np.asarray(grad), want_grad, rtol=RTOL, atol=GRAD_ATOL)
    return None


def jax_case_vocab_linear(devices: list) -> dict[str, Any] | None:
    """hidden @ weight_shard.T + bias_shard: the value and the gradients with respect to the
    replicated hidden and the weight and bias shards, taken outside shard_map, equal the
    unsharded ones. Inside shard_map, a replicated (invariant) hidden gets the whole gradient
    (JAX's transpose of its implicit broadcast sums the devices' parts), while a per-device
    (varying) hidden gets this device's part, and their psum is the whole gradient."""
    for world in (2, 4):
        _check_jax_linear(devices, world)
    return None


def _check_jax_linear(devices: list, world: int) -> None:
    import jax.numpy as jnp
    from jax import lax
    from jax.sharding import PartitionSpec as P

    from anyloss.distributed._vocab import vocab_parallel_linear_cross_entropy

    jax, shard_map, mesh = _jax_setup(devices, world)
    data = _data(11 + world, 7, 3 * world, hidden=5)
    labels = jnp.asarray(data["labels"])
    weights = jnp.asarray(data["weights"])
    options = {"sample_weight": weights, "ignore_class": IGNORE, "label_smoothing": 0.1}

    def reference(h: Any, w: Any, b: Any) -> Any:
        return al.linear_cross_entropy(h, w, labels, b, **options)

    def local_loss(h: Any, w: Any, b: Any, y: Any, sw: Any) -> Any:
        return vocab_parallel_linear_cross_entropy(
            h, w, y, b, axis_name="tp", sample_weight=sw, ignore_class=IGNORE, label_smoothing=0.1
        )

    def inside(h: Any, w: Any, b: Any, y: Any, sw: Any) -> Any:
        whole = jax.grad(local_loss)(h, w, b, y, sw)
        part = jax.grad(local_loss)(lax.pcast(h, "tp", to="varying"), w, b, y, sw)
        return whole, part[None], lax.psum(part, "tp")

    specs = (P(), P("tp", None), P("tp"), P(), P())
    sharded = shard_map(local_loss, mesh=mesh, in_specs=specs, out_specs=P())
    inner = shard_map(inside, mesh=mesh, in_specs=specs, out_specs=(P(), P("tp"), P()))

    def run(h: Any, w: Any, b: Any) -> Any:
        outside = jax.value_and_grad(sharded, argnums=(0, 1, 2))(h, w, b, labels, weights)
        unsharded = jax.value_and_grad(reference, argnums=(0, 1, 2))(h, w, b)
        return outside, unsharded, inner(h, w, b, labels, weights)

    full = tuple(jnp.asarray(data[k]) for k in ("hidden", "weight", "bias"))
    (value, grads), (want, want_grads), (whole, parts, summed) = jax.jit(run)(*full)
    assert_allclose(float(value), float(want), rtol=RTOL)
    for got, expected in zip(grads, want_grads, strict=True):
        assert_allclose(np.asarray(got), np.asarray(expected), rtol=RTOL, atol=GRAD_ATOL)
    for got in (whole, summed, np.asarray(parts).sum(0)):
        assert_allclose(np.asarray(got), np.asarray(want_grads[0]), rtol=RTOL, atol=GRAD_ATOL)
    assert not np.allclose(np.asarray(parts)[0], np.asarray(want_grads[0]))


def jax_case_vocab_errors(devices: list) -> dict[str, Any] | None:
    """Errors on JAX: no axis_name, a torch group, an axis name the shard_map does not bind,
    a Python-int vocab_start (the same on every device). (Label values are not checked inside
    shard_map: they are traced.)"""
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    from anyloss.distributed._vocab import vocab_parallel_sparse_categorical_crossentropy

    _, shard_map, mesh = _jax_setup(devices, 2)
    logits, labels = jnp.zeros((3, 4)), jnp.array([0, 1, 3])
    scce = vocab_parallel_sparse_categorical_crossentropy
    _raises(ValueError, "pass `axis_name=`", scce, labels, logits)
    _raises(ValueError, "`group`.*must be None", scce, labels, logits, group=object())

    def sharded(**kwargs: Any) -> Any:
        return shard_map(
            lambda x, y: scce(y, x, **kwargs),
            mesh=mesh,
            in_specs=(P(None, "tp"), P()),
            out_specs=P(),
        )

    _raises(ValueError, "axis_name='dp' is not bound", sharded(axis_name="dp"), logits, labels)
    _raises(
        ValueError,
        "`vocab_start` is the Python int 2, the same on all 2 devices",
        sharded(axis_name="tp", vocab_start=2),
        logits,
        labels,
    )
    return None
