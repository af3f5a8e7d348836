"""Global normalisation: one loss over the shards of a batch, not a mean of shard means.

Every data-parallel stack has the same trap: each rank divides by its own count, the gradient
all-reduce averages those means, and a masked or weighted loss (padding through
``ignore_class``, ``mean_with_sample_weight``, an uneven last batch) is biased; so is gradient
accumulation over micro-batches. Here the loss is kept as ``total / count``
(:meth:`anyloss.Loss.parts`) and both are summed over the shards before dividing.

Gradient convention on PyTorch: DDP (and FSDP) *average* gradients over ranks, so the tensor
:func:`global_loss` returns backpropagates ``world_size * total / global_count`` on each rank;
after DDP's average, every rank holds the gradient of the global loss. Its *value* is the
global loss itself whenever a collective ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from anyloss import backend as B
from anyloss.backend import _collectives as C
from anyloss.losses._reduction import LossParts


def _terms(parts: Any, weights: Any) -> list[tuple[float, LossParts]]:
    """``parts`` (one or a sequence) paired with their weights, checked."""
    items = (
        [parts]
        if isinstance(parts, LossParts)
        else list(parts)
        if isinstance(parts, (list, tuple))
        else []
    )
    if not items or not all(isinstance(p, LossParts) for p in items):
        msg = (
            "Argument `parts` must be a LossParts (from loss.parts(y_true, y_pred)) or a "
            f"non-empty list of them. Received: {type(parts).__name__}"
        )
        raise TypeError(msg)
    if weights is None:
        return [(1.0, p) for p in items]
    weights = list(weights) if isinstance(weights, Iterable) else [weights]
    if len(weights) != len(items):
        msg = (
            f"Argument `weights` must give one weight per LossParts: {len(items)} parts, "
            f"{len(weights)} weights."
        )
        raise ValueError(msg)
    return [(float(w), p) for w, p in zip(weights, items, strict=True)]


def _global_counts(
    terms: list[tuple[float, LossParts]], global_count: Any
) -> list[int | float | None]:
    """The global denominator of each term when it is known without a collective, else None
    (``count=None``, a sum, is marked by the caller)."""
    given = list(global_count) if isinstance(global_count, Sequence) else [global_count]
    if global_count is not None and len(given) != len(terms):
        msg = (
            f"Argument `global_count` must give one count per LossParts: {len(terms)} parts, "
            f"{len(given)} counts."
        )
        raise ValueError(msg)
    out: list[int | float | None] = []
    for i, (_, p) in enumerate(terms):
        known = given[i] if global_count is not None else None
        if known is not None and not isinstance(p.count, int):
            msg = (
                f"Argument `global_count` ({known!r}) was given for a loss whose count depends "
                f"on the data (reduction={p.reduction!r} with weights or masks): such counts "
                f"must be summed across processes. Leave global_count=None for that loss."
            )
            raise ValueError(msg)
        out.append(known)
    return out


def global_loss(
    parts: LossParts | Sequence[LossParts],
    *,
    weights: Sequence[float] | float | None = None,
    group: Any = None,
    axis_name: Any = None,
    global_count: Any = None,
) -> Any:
    """The loss of the global batch from this shard's :class:`~anyloss.LossParts`.

    Sums ``total`` and ``count`` over the processes of a ``torch.distributed`` group (one
    ``all_reduce`` of a few scalars) or the devices of a JAX mesh axis (``lax.psum`` inside
    ``shard_map``), then divides, so that every shard gets the loss of the concatenated batch
    and, after the usual gradient averaging, its gradient. Several ``parts`` (the outputs of
    one model) share the one collective.

    Formula::

        loss = sum_i weights[i] * psum(total_i) / psum(count_i)    (count None: psum(total_i))

    Args:
        parts: ``loss.parts(y_true, y_pred, sample_weight)`` of this shard, or a list of them.
        weights: one multiplier per entry of ``parts`` (e.g. Keras' ``loss_weights``).
            Default: 1 each.
        group: PyTorch: the process group (default: the default group; with none initialised
            this is one process and nothing is reduced).
        axis_name: JAX: the mesh axis the batch is sharded over, inside ``shard_map`` or
            ``pmap``. Under plain ``jax.jit`` with sharded arrays the loss is already global:
            leave it ``None``.
        global_count: PyTorch: the global denominator when it is known without communicating,
            one per entry of ``parts`` (e.g. ``count * world_size`` for an unweighted,
            unmasked loss on equal shards); only for counts known from shapes (an ``int``
            ``parts.count``). With every count known, no collective runs at all.

    Returns:
        A 0-d array of ``parts``' library. PyTorch: its value is the global loss whenever a
        collective ran (with every count given as ``global_count``, this rank's share times
        ``world_size``, whose mean over ranks is the global loss); its gradient is
        ``world_size`` times this rank's share, which DDP's averaging turns into the global
        gradient. JAX: the global loss (differentiable).

    Raises:
        ValueError: ``group`` with a non-PyTorch loss, ``axis_name`` with a non-JAX loss, a
            ``global_count`` for a data-dependent count, mismatched ``weights``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> from anyloss.distributed import global_loss
        >>> loss = al.SparseCategoricalCrossentropy(ignore_class=0)
        >>> parts = loss.parts(np.array([1, 0, 1]), np.array([[0.5, 0.5]] * 3))
        >>> round(float(global_loss(parts)), 4)  # one process: the usual loss
        0.6931

    Reference:
        The accumulation bug it avoids: "Fixing Gradient Accumulation", Hugging Face blog,
        2024; tf-keras divided by the global batch size under ``tf.distribute`` for the same
        reason.
    """
    terms = _terms(parts, weights)
    lead = terms[0][1].total
    xp = B.namespace(lead)
    torch_parts = B.is_torch(xp)
    if group is not None and not torch_parts:
        msg = (
            f"Argument `group` is a torch.distributed process group, but the loss is a "
            f"{type(lead).__module__}.{type(lead).__name__}. Use axis_name= with JAX."
        )
        raise ValueError(msg)
    if axis_name is not None and not B.is_jax(xp):
        msg = (
            f"Argument `axis_name` names a JAX mesh axis, but the loss is a "
            f"{type(lead).__module__}.{type(lead).__name__}. Use group= with PyTorch."
        )
        raise ValueError(msg)
    known = _global_counts(terms, global_count)
    if axis_name is not None:
        return _jax_global(xp, terms, known, axis_name)
    if torch_parts:
        return _torch_global(xp, terms, known, group)
    return _local(xp, terms)


def _local(xp: Any, terms: list[tuple[float, LossParts]]) -> Any:
    out = None
    for w, p in terms:
        value = p.value() * w if w != 1.0 else p.value()
        out = value if out is None else out + value
    return out


def _jax_global(xp: Any, terms: list[tuple[float, LossParts]], known: list[Any], axis: Any) -> Any:
    totals = C.jax_psum(xp.stack([xp.asarray(p.total) for _, p in terms]), axis)
    out = None
    for i, (w, p) in enumerate(terms):
        value = totals[i]
        if p.count is not None:
            count = known[i] if known[i] is not None else C.jax_psum(p.count, axis)
            value = B.divide_no_nan(xp, value, xp.asarray(count, dtype=value.dtype))
        value = value * w if w != 1.0 else value
        out = value if out is None else out + value
    return out


def _torch_global(
    xp: Any, terms: list[tuple[float, LossParts]], known: list[Any], group: Any
) -> Any:
    import torch

    _, world = C.torch_world(group)
    if world == 1:
        return _local(xp, terms)
    lead = terms[0][1].total
    # Without a collective (sums, and counts given as global_count) the value is this rank's
    # share times world_size; otherwise one all_reduce carries every total (for the value)
    # and every count that depends on the data.
    needs = [p.count is not None and known[i] is None for i, (_, p) in enumerate(terms)]
    if not any(needs):
        out = None
        for i, (w, p) in enumerate(terms):
            share = p.total * (w * world)
            if p.count is not None:
                share = share / known[i] if known[i] else share * 0.0
            out = share if out is None else out + share
        return out
    packed = torch.stack(
        [p.total.detach().reshape(()).to(torch.float64) for _, p in terms]
        + [
            torch.as_tensor(p.count, dtype=torch.float64, device=lead.device).reshape(())
            for (_, p), need in zip(terms, needs, strict=True)
            if need
        ]
    )
    reduced = C.torch_all_reduce_sum(packed, group)
    counts = iter(reduced[len(terms) :].tolist())
    grad_part, value = None, 0.0
    for i, (w, p) in enumerate(terms):
        count = next(counts) if needs[i] else known[i]
        scale = (w / count if count else 0.0) if p.count is not None else w
        share = p.total * (scale * world)
        grad_part = share if grad_part is None else grad_part + share
        value += float(reduced[i]) * scale
    assert grad_part is not None
    return grad_part + (torch.as_tensor(value, dtype=grad_part.dtype) - grad_part).detach()


class GradientAccumulation:
    """Gradient accumulation normalised over the whole optimiser step (PyTorch).

    Each micro-batch's ``backward(parts)`` backpropagates its *unnormalised* total; ``step()``
    then sums the totals and counts over the micro-batches and the processes (one
    ``all_reduce``), divides the accumulated gradients by the global count and returns the
    loss of the step. k micro-batches on N processes thus give the gradient of one process on
    the concatenated batch, however the ignored labels, masks or weights fall; dividing each
    micro-batch by its own count (the usual recipe) does not.

    Args:
        parameters: the parameters whose ``.grad`` to normalise (e.g. ``model.parameters()``).
        group: the ``torch.distributed`` process group (default group if initialised).

    Use DDP's ``no_sync()`` for every micro-batch but the last, so gradients are synchronised
    once per step. One loss per ``backward`` (several outputs with different denominators
    need their global counts before the backward: see ``docs/scaling-out.md``).

    Example:
        >>> import torch
        >>> import anyloss as al
        >>> from anyloss.distributed import GradientAccumulation
        >>> w = torch.zeros(2, requires_grad=True)
        >>> loss = al.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
        >>> acc = GradientAccumulation([w])
        >>> for labels in ([0, -1, -1], [1, 1, 0]):  # 1 valid label, then 3
        ...     acc.backward(loss.parts(torch.tensor(labels), w.expand(3, 2)))
        >>> round(float(acc.step()), 4)  # the mean over the 4 valid labels
        0.6931
    """

    def __init__(self, parameters: Iterable[Any], group: Any = None) -> None:
        self.parameters = list(parameters)
        self.group = group
        self._totals: list[Any] = []
        self._counts: list[Any] = []
        self._reduction: str | None = None

    def backward(self, parts: LossParts, scale: float = 1.0) -> None:
        """Backpropagate this micro-batch's total (times ``scale``); remember its count.

        Args:
            parts: ``loss.parts(y_true, y_pred, sample_weight)`` of the micro-batch.
            scale: a constant multiplier (e.g. a loss weight or an AMP scale). Default 1.
        """
        if not isinstance(parts, LossParts):
            msg = (
                "GradientAccumulation.backward takes one LossParts (loss.parts(y_true, "
                f"y_pred)). Received: {type(parts).__name__}"
            )
            raise TypeError(msg)
        if self._reduction is not None and (parts.count is None) != (self._reduction == "sum"):
            msg = (
                f"GradientAccumulation: the micro-batches of one step must share a reduction; "
                f"got {self._reduction!r}, then {parts.reduction!r}."
            )
            raise ValueError(msg)
        self._reduction = parts.reduction
        _, world = C.torch_world(self.group)
        (parts.total * (scale * world)).backward()
        self._totals.append(parts.total.detach() * scale)
        if parts.count is not None:
            self._counts.append(parts.count)

    def step(self, global_count: float | None = None) -> Any:
        """Divide the accumulated gradients by the global count; the step's loss.

        Args:
            global_count: the global denominator when it is known without communicating
                (static counts); default: summed over micro-batches and processes.

        Returns:
            The loss of the whole step (a 0-d float64 tensor), the same on every process
            when a collective ran; without one (a sum, or ``global_count`` given) this
            process' share times the world size, as :func:`global_loss` returns it.
        """
        import torch

        if not self._totals:
            msg = "GradientAccumulation.step() before any backward(parts)."
            raise ValueError(msg)
        device = self._totals[0].device
        total = torch.stack([t.reshape(()).to(torch.float64) for t in self._totals]).sum()
        count = (
            torch.stack(
                [torch.as_tensor(c, dtype=torch.float64, device=device) for c in self._counts]
            ).sum()
            if self._counts
            else None
        )
        _, world = C.torch_world(self.group)
        if global_count is not None:
            count = torch.as_tensor(float(global_count), dtype=torch.float64)
            total = total * world  # no collective: this rank's share (see global_loss)
        elif count is not None and world > 1:
            packed = torch.stack([total, count.to(device)])
            total, count = C.torch_all_reduce_sum(packed, self.group)
        elif world > 1:
            total = total * world  # a sum: no collective, this rank's share
        if count is not None:
            divisor = float(count)
            factor = 1.0 / divisor if divisor else 0.0
            for p in self.parameters:
                if p.grad is not None:
                    p.grad.mul_(factor)
            total = total * factor
        self._totals, self._counts, self._reduction = [], [], None
        return total
