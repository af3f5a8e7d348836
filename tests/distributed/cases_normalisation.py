"""Global normalisation across processes/devices and accumulation steps (run by
_torch_worker.py at 2 and 4 ranks and _jax_worker.py on 8 devices; see test_cases.py).

Every case builds the whole batch from a seed on every rank, computes one process' loss and
gradient on it, then the sharded result, and asserts they are equal (float64, rtol 1e-10). It
also asserts that the naive recipe (each shard's own mean, gradients averaged) differs, so the
comparison can fail.
"""

from __future__ import annotations

import numpy as np

import anyloss as al

RTOL = 1e-10
SEEDS = (0, 1, 2)


def _bounds(n: int, world: int) -> list[int]:
    """Deliberately uneven shard boundaries (rank 0 gets the fewest rows)."""
    weights = np.arange(1, world + 1) ** 2
    cuts = np.round(np.cumsum(weights) / weights.sum() * n).astype(int)
    return [0, *cuts.tolist()]


def _shard(arr, rank: int, world: int):
    b = _bounds(len(arr), world)
    return arr[b[rank] : b[rank + 1]]


def _micro(arr, k: int):
    return np.array_split(arr, k)


def _problems(seed: int):
    """(name, loss, y_true, features, sample_weight) whose counts depend on the data."""
    rng = np.random.default_rng(seed)
    n, h, c = 24, 3, 5
    x = rng.normal(size=(n, h))
    labels = rng.integers(0, c, n)
    labels[: n // 2][rng.random(n // 2) < 0.8] = -1  # early rows mostly padding
    weights = rng.uniform(0.1, 3.0, n)
    reg_y = rng.normal(size=(n, c))

    class MaskedHuber(al.Loss):
        """A custom Loss: per-entry Huber, entries with a zero target masked out."""

        def call(self, y_true, y_pred):
            d = al.ops.abs(y_true - y_pred)
            values = al.ops.where(d < 1.0, 0.5 * d * d, d - 0.5)
            return al.losses.MaskedValues(values, al.ops.not_equal(y_true, 0.0))

    reg_y[rng.random(reg_y.shape) < 0.4] = 0.0
    return [
        ("scce_ignore_class",
         al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1), labels, x, None),
        ("mse_mean_with_sample_weight",
         al.MeanSquaredError(reduction="mean_with_sample_weight"), reg_y, x, weights),
        ("custom_loss_masked", MaskedHuber(), reg_y, x, None),
        ("circle", al.Circle(), rng.integers(0, 3, n), x, None),
    ]


def torch_case_global_loss_and_accumulation(rank: int, world: int) -> dict:
    import torch
    import torch.distributed as dist

    from anyloss.distributed import GradientAccumulation, batch_parts, global_loss

    def averaged(grad):  # what DDP does to gradients
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad / world

    checked = []
    for seed in SEEDS:
        for name, loss, y, x, w in _problems(seed):
            torch.manual_seed(seed)
            W = torch.randn(x.shape[1], 5, dtype=torch.float64, requires_grad=True)
            batch_level = name == "circle"

            def parts(y_s, x_s, w_s, loss=loss, W=W, batch_level=batch_level):
                pred = torch.as_tensor(x_s) @ W
                yt = torch.as_tensor(y_s)
                ws = None if w_s is None else torch.as_tensor(w_s)
                if batch_level:
                    return batch_parts(loss, yt, pred, ws)
                return loss.parts(yt, pred, ws)

            ref = loss(torch.as_tensor(y), torch.as_tensor(x) @ W,
                       None if w is None else torch.as_tensor(w))
            (ref_grad,) = torch.autograd.grad(ref, W)
            ws = None if w is None else _shard(w, rank, world)
            ys, xs = _shard(y, rank, world), _shard(x, rank, world)

            value = global_loss(parts(ys, xs, ws))
            (grad,) = torch.autograd.grad(value, W)
            np.testing.assert_allclose(float(value.detach()), float(ref.detach()), rtol=RTOL,
                                       err_msg=name)
            np.testing.assert_allclose(averaged(grad), ref_grad, rtol=RTOL, atol=1e-13,
                                       err_msg=name)

            # The naive recipe: each rank's own mean, gradients averaged.
            naive = parts(ys, xs, ws).value()
            (naive_grad,) = torch.autograd.grad(naive, W)
            assert not np.allclose(averaged(naive_grad), ref_grad, rtol=1e-6), name

            # k = 4 accumulation steps per rank (micro-batches of different sizes).
            if not batch_level:  # a batch-level loss spans the micro-batch, not the step
                acc = GradientAccumulation([W])
                W.grad = None
                k = 4
                for j in range(k):
                    acc.backward(parts(_micro(ys, k)[j], _micro(xs, k)[j],
                                       None if ws is None else _micro(ws, k)[j]))
                step = acc.step()
                np.testing.assert_allclose(float(step), float(ref.detach()), rtol=RTOL,
                                           err_msg=name)
                np.testing.assert_allclose(averaged(W.grad), ref_grad, rtol=RTOL, atol=1e-13,
                                           err_msg=name)
                W.grad = None
            checked.append(name)
    return {"checked": len(checked)}


def torch_case_fit_matches_one_process(rank: int, world: int) -> dict:
    """fit(distributed=True) with uneven global batches, SCCE ignore_class + weighted MSE on
    two outputs, k = 1 and k = 4 accumulation steps, equals fit in one process."""
    import torch

    from anyloss.models import Model

    torch.set_default_dtype(torch.float64)
    try:
        rng = np.random.default_rng(7)
        n = 37  # batch 12: global batches 12, 12, 12, 1
        # Tensors, not NumPy arrays (fit casts float64 NumPy data to Keras' float32).
        x = torch.as_tensor(rng.normal(size=(n, 4)))
        labels = rng.integers(0, 3, n)
        labels[rng.random(n) < 0.5] = -1
        labels = torch.as_tensor(labels)
        target = torch.as_tensor(rng.normal(size=(n, 2)))
        weights = torch.as_tensor(rng.uniform(0.2, 2.0, n))

        class TwoHeads(torch.nn.Module):
            def __init__(self, heads):
                super().__init__()
                self.body = torch.nn.Linear(4, 8)
                sizes = {"cls": 3, "reg": 2}
                self.heads = torch.nn.ModuleDict({n: torch.nn.Linear(8, sizes[n]) for n in heads})
                self.names = heads

            def forward(self, inputs):
                h = torch.tanh(self.body(inputs))
                return {name: self.heads[name](h) for name in self.names}

        def train(distributed: bool, k: int | None, single_output: bool = False):
            torch.manual_seed(3)
            names = ["cls"] if single_output else ["cls", "reg"]
            model = Model(TwoHeads(names), output_names=names)
            loss = {"cls": al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
                    "reg": al.MeanSquaredError(reduction="mean_with_sample_weight")}
            weights_by_output = {"cls": 1.0, "reg": 0.5}
            ys = {"cls": labels, "reg": target}
            sw = {"cls": None, "reg": weights}
            if single_output:
                loss, weights_by_output = {"cls": loss["cls"]}, {"cls": 1.0}
                ys, sw = {"cls": labels}, None
            model.compile(optimizer="sgd", loss=loss, loss_weights=weights_by_output)
            history = model.fit(x, ys, sample_weight=sw, batch_size=3 if k else 12, epochs=2,
                                shuffle=False, verbose=0, distributed=distributed,
                                gradient_accumulation_steps=k)
            return model, history.history

        for k, single in ((None, False), (4, False), (4, True)):
            ref, ref_hist = train(False, k, single)
            got, hist = train(True, k, single)
            for key, value in ref.state_dict().items():
                np.testing.assert_allclose(got.state_dict()[key].numpy(), value.numpy(),
                                           rtol=1e-9, atol=1e-12, err_msg=f"{key} k={k}")
            np.testing.assert_allclose(hist["loss"], ref_hist["loss"], rtol=1e-9,
                                       err_msg=f"loss k={k}")
    finally:
        torch.set_default_dtype(torch.float32)
    return {}


def torch_case_fit_history_and_weights_match_one_process(rank: int, world: int) -> dict:
    """The Keras-style run of tests/training/ddp_worker.py (Dense layers, adam, mse + mae,
    validation_split, a short last global batch): the same history and weights under DDP."""
    from tests.training import ddp_worker

    distributed = ddp_worker.train(distributed=True)
    single = ddp_worker.train(distributed=False)
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose(distributed["history"][key], single["history"][key],
                                   rtol=1e-5, err_msg=key)
    for name, value in single["weights"].items():
        np.testing.assert_allclose(distributed["weights"][name], value, rtol=1e-5, atol=1e-7,
                                   err_msg=name)
    return {}


def jax_case_accumulation_inside_shard_map(devices: list) -> dict:
    """k = 4 micro-batches per device on 2 devices: the gradients of the micro-batches' totals
    add up, and dividing by the psum of their counts gives the concatenated batch's gradient."""
    import jax
    from jax.sharding import Mesh
    from jax.sharding import PartitionSpec as P

    mesh = Mesh(np.array(devices[:2]), ("data",))
    k = 4
    for name, loss, y, x, w in _problems(0):
        if name == "circle":
            continue
        W = np.random.default_rng(5).normal(size=(x.shape[1], 5))
        ws = np.ones(len(x)) if w is None else w

        def whole(W, loss=loss, y=y, x=x, w=w):
            return loss(y, x @ W, w)

        ref, ref_grad = jax.jit(jax.value_and_grad(whole))(W)

        def step(W, y_s, x_s, w_s, loss=loss, w=w):
            grads, parts = 0.0, []
            for j in range(k):
                rows = slice(j * len(y_s) // k, (j + 1) * len(y_s) // k)

                def total(W, rows=rows):
                    p = loss.parts(y_s[rows], x_s[rows] @ W, None if w is None else w_s[rows])
                    return p.total, p.count

                (t, c), g = jax.value_and_grad(total, has_aux=True)(W)
                grads, parts = grads + g, [*parts, al.LossParts(t, c, loss.reduction)]
            summed = sum(parts)
            count = jax.lax.psum(summed.count, "data")
            # The gradient of replicated W inside shard_map is already summed over the devices
            # (JAX transposes the implicit broadcast of W into a psum): no psum of `grads`.
            return jax.lax.psum(summed.total, "data") / count, grads / count

        value, grad = jax.jit(jax.shard_map(
            step, mesh=mesh, in_specs=(P(), P("data"), P("data"), P("data")),
            out_specs=(P(), P())))(W, y, x, ws)
        np.testing.assert_allclose(float(value), float(ref), rtol=RTOL, err_msg=name)
        np.testing.assert_allclose(grad, ref_grad, rtol=RTOL, atol=1e-13, err_msg=name)
    return {}


def jax_case_shard_map_and_sharded_jit(devices: list) -> dict:
    import jax
    from jax.sharding import Mesh, NamedSharding
    from jax.sharding import PartitionSpec as P

    from anyloss.distributed import batch_parts, global_loss

    # Each check is a compilation (about a second here): the naive and plain-jit comparisons
    # run once per problem, the shard_map one at 8 devices for two seeds and at 2 devices.
    for size, seed in ((8, 0), (8, 1), (2, 0)):
        mesh = Mesh(np.array(devices[:size]), ("data",))
        first = (size, seed) == (8, 0)
        for name, loss, y, x, w in _problems(seed):
            rng = np.random.default_rng(seed + 100)
            W = rng.normal(size=(x.shape[1], 5))
            batch_level = name == "circle"
            ws = np.ones(len(x)) if w is None else w

            def whole(W, y=y, x=x, w=w, loss=loss):
                return loss(y, x @ W, w)

            ref, ref_grad = jax.jit(jax.value_and_grad(whole))(W)

            def local(W, y_s, x_s, w_s, loss=loss, batch_level=batch_level, w=w):
                w_s = None if w is None else w_s
                if batch_level:
                    p = batch_parts(loss, y_s, x_s @ W, w_s, axis_name="data")
                else:
                    p = loss.parts(y_s, x_s @ W, w_s)
                return global_loss(p, axis_name="data")

            step = jax.jit(jax.shard_map(
                jax.value_and_grad(local), mesh=mesh,
                in_specs=(P(), P("data"), P("data"), P("data")), out_specs=(P(), P())))
            value, grad = step(W, y, x, ws)
            np.testing.assert_allclose(float(value), float(ref), rtol=RTOL, err_msg=name)
            np.testing.assert_allclose(grad, ref_grad, rtol=RTOL, atol=1e-13, err_msg=name)

            if not first:
                continue

            def naive_local(W, y_s, x_s, w_s, loss=loss, w=w):
                return jax.lax.pmean(loss(y_s, x_s @ W, None if w is None else w_s), "data")

            naive = jax.jit(jax.shard_map(
                naive_local, mesh=mesh, in_specs=(P(), P("data"), P("data"), P("data")),
                out_specs=P()))(W, y, x, ws)
            assert not np.isclose(float(naive), float(ref), rtol=1e-6), name

            # Plain jit on arrays sharded over the mesh: the loss is already global.
            put = lambda a, m=mesh: jax.device_put(a, NamedSharding(m, P("data")))  # noqa: E731
            v2, g2 = jax.jit(jax.value_and_grad(whole))(W, put(y), put(x), None
                                                         if w is None else put(w))
            np.testing.assert_allclose(float(v2), float(ref), rtol=RTOL, err_msg=name)
            np.testing.assert_allclose(g2, ref_grad, rtol=RTOL, atol=1e-13, err_msg=name)
    return {}
