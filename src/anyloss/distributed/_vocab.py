"""Vocabulary-parallel cross-entropy: logits sharded along the class axis (tensor parallelism).

In tensor-parallel language-model training each rank holds ``V_local = V / world`` columns of
the logits (or rows of the output projection). These losses combine per-row statistics with
collectives (torch.distributed all-reduces on ``group``, or ``lax.pmax``/``lax.psum`` over
``axis_name`` inside ``jax.shard_map``) and give the value and gradient of
:func:`anyloss.sparse_categorical_crossentropy` with ``from_logits=True`` on the concatenated
logits, followed by the usual Keras reduction, without the ``(N, V)`` logits on any rank.

Usage (not executed here: it needs one process per rank)::

    # torch, in every rank of a tensor-parallel group `tp` (e.g. under torchrun)
    logits_local = hidden @ weight_local.T                  # (N, V // world)
    loss = vocab_parallel_sparse_categorical_crossentropy(labels, logits_local, group=tp)
    loss.backward()                                         # logits_local.grad: its own shard

    # JAX, inside shard_map over a mesh axis "tp" splitting the classes
    def step(logits_local, labels):
        return vocab_parallel_sparse_categorical_crossentropy(
            labels, logits_local, axis_name="tp")
    loss = jax.shard_map(step, mesh=mesh, in_specs=(P(None, "tp"), P()), out_specs=P())(
        logits, labels)

Reference: Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models
Using Model Parallelism" (2019), https://arxiv.org/abs/1909.08053 (its vocabulary-parallel
cross-entropy).
"""

from __future__ import annotations

import numbers
from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_probability
from anyloss._text import shown
from anyloss.backend import _vocab_parallel as VP
from anyloss.losses._prepare import integer_labels
from anyloss.losses._reduction import reduce_weighted_values, standardize_reduction
from anyloss.losses.probabilistic import linear_inputs

__all__ = ["vocab_parallel_linear_cross_entropy", "vocab_parallel_sparse_categorical_crossentropy"]

_SCCE = "vocab_parallel_sparse_categorical_crossentropy"
_LINEAR = "vocab_parallel_linear_cross_entropy"


def vocab_parallel_sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    *,
    group: Any = None,
    axis_name: Any = None,
    vocab_start: Any = None,
    ignore_class: int | None = None,
    label_smoothing: float = 0.0,
    sample_weight: Any = None,
    reduction: Any = "sum_over_batch_size",
) -> Any:
    """Sparse categorical cross-entropy from logits sharded along the class axis.

    ``y_pred`` is this rank's shard ``(..., V_local)`` of the logits, the columns
    ``[vocab_start, vocab_start + V_local)`` of ``V = V_local * world`` classes; ``y_true``
    holds labels of the *global* vocabulary, the same on every rank. The result, the same on
    every rank, equals ``reduce(sparse_categorical_crossentropy(y_true, logits,
    from_logits=True, ignore_class=..., label_smoothing=...))`` of the concatenated logits, and
    so does the gradient of each shard. Entries equal to ``ignore_class`` give 0 and do not
    count in the mean. Labels outside ``[0, V)`` raise ``ValueError`` where anyloss checks
    label values (arrays in host memory outside tracing: not inside ``shard_map``).

    torch: one all-reduce MAX and one all-reduce SUM on ``group`` in the forward pass; this
    rank's softmax shard is saved and turned into the gradient in place by a backward pass
    that needs no collective, so the memory per rank is that of its ``(N, V_local)`` shard (as
    in Megatron-LM, a second backward through the same graph, ``retain_graph=True``, raises
    autograd's "modified by an inplace operation" error). JAX: ``lax.pmax``/``lax.psum`` over
    ``axis_name``, inside the caller's ``jax.shard_map`` (keep its default ``check_vma=True``:
    ``jax.grad`` inside or outside the ``shard_map`` then gives each device its shard of the
    unsharded gradient). Every rank must call the loss with the same labels, weights and
    arguments (a collective cannot wait for a rank that raised).

    Formula, per row with global label ``y`` (sums and max over all ranks' columns)::

        m    = max(x)                                   (no gradient)
        lse  = m + log(sum(exp(x - m)))
        loss = (1 - ls) (lse - x[y]) + ls (lse - mean(x))
        loss = 0                                        where y == ignore_class
        d loss / d x = softmax(x) - (1 - ls) onehot(y) - ls / V

    Args:
        y_true: integer labels in ``[0, V)``, ``y_pred``'s shape without its last axis (a
            trailing size-1 axis is squeezed), identical on every rank.
        y_pred: this rank's logits shard, ``(..., V_local)``, a torch tensor or a JAX array
            (always logits).
        group: torch: the tensor-parallel process group, or ``None`` for the default group.
            Must be ``None`` on JAX.
        axis_name: JAX: the ``shard_map`` mesh axis (or tuple of axes) the classes are split
            along. Must be ``None`` on torch.
        vocab_start: the global index of this shard's first column (an int in
            ``[0, V - V_local]``; on JAX a per-device value derived from ``lax.axis_index``),
            or ``None`` for ``rank * V_local`` (every shard has ``V_local`` columns). Default
            ``None``.
        ignore_class: an integer label (e.g. ``-1`` for padding) whose entries give 0 and do
            not count in the mean, or ``None``. Default ``None``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        sample_weight: weights broadcasting against ``y_true`` (e.g. one per sample), or
            ``None``. Default ``None``.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"``/``None`` or ``"auto"``, as in
            :func:`anyloss.reduce_weighted_values`.

    Returns:
        The reduced loss, a 0-d array of ``y_pred``'s library (``y_true``'s shape with
        ``reduction="none"``), the same on every rank.

    Example (torch, a one-process gloo group; more ranks shard the class axis):
        >>> import torch
        >>> import torch.distributed as dist
        >>> import anyloss as al
        >>> from anyloss.distributed import vocab_parallel_sparse_categorical_crossentropy
        >>> dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
        >>> logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]], dtype=torch.float64)
        >>> labels = torch.tensor([0, 1])
        >>> loss = vocab_parallel_sparse_categorical_crossentropy(labels, logits)
        >>> round(loss.item(), 4)
        1.2056
        >>> full = al.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        >>> round(full.mean().item(), 4)
        1.2056
        >>> dist.destroy_process_group()

    Reference:
        Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models Using
        Model Parallelism" (2019), https://arxiv.org/abs/1909.08053
    """
    reduction, library = _check_arguments(
        _SCCE, y_pred, "y_pred", group, axis_name, ignore_class, label_smoothing, reduction
    )
    # torch: float16/bfloat16 shards stay as they are (the autograd function computes in
    # float32 itself, without a float32 copy of the whole shard); JAX computes in float32.
    keep = library == "torch" and y_pred.is_floating_point()
    xp, y_pred = B.prediction(y_pred, y_pred.dtype if keep else None)
    if B.ndim(y_pred) < 1 or B.shape(y_pred)[-1] in (0, None):
        msg = (
            f"{_SCCE}: `y_pred` must be a logits shard with its classes on the last axis, "
            f"(..., V_local) with V_local >= 1. Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    rank = B.ndim(y_pred)
    if B.ndim(labels) == rank and B.shape(labels)[-1] == 1:
        labels = xp.squeeze(labels, axis=-1)
    if B.shape(labels) != B.shape(y_pred)[:-1]:
        msg = (
            f"{_SCCE}: `y_true` must have the shape of `y_pred` without its class axis: "
            f"expected {B.shape(y_pred)[:-1]}, got {B.shape(labels)} for "
            f"y_pred.shape={B.shape(y_pred)}. Pass one global class index per row, the same "
            "on every rank."
        )
        raise ValueError(msg)
    width = B.shape(y_pred)[-1]
    start, vocab = _shard_position(_SCCE, library, group, axis_name, vocab_start, width)
    _check_labels(_SCCE, "y_true", xp, labels, vocab, width, ignore_class)
    labels, valid = _drop_ignored(xp, labels, ignore_class)
    if library == "torch":
        values = VP.torch_vocab_parallel_crossentropy(
            y_pred, labels, start, vocab, group, label_smoothing
        )
    else:
        values = VP.jax_vocab_parallel_crossentropy(
            y_pred, labels, start, vocab, axis_name, label_smoothing
        )
    if valid is not None:
        values = xp.where(valid, values, xp.zeros_like(values))
    return reduce_weighted_values(values, sample_weight, valid, reduction)


def vocab_parallel_linear_cross_entropy(
    hidden: Any,
    weight: Any,
    labels: Any,
    bias: Any = None,
    *,
    group: Any = None,
    axis_name: Any = None,
    vocab_start: Any = None,
    ignore_class: int | None = None,
    label_smoothing: float = 0.0,
    sample_weight: Any = None,
    reduction: Any = "sum_over_batch_size",
    chunk_size: int | None = None,
) -> Any:
    """Vocabulary-parallel sparse cross-entropy of ``hidden @ weight.T + bias``.

    ``weight`` is this rank's rows ``(V_local, H)`` of the output projection (``bias`` its
    ``(V_local,)`` part): the logits shard ``hidden @ weight.T + bias`` goes through
    :func:`vocab_parallel_sparse_categorical_crossentropy`, with the same value, semantics and
    arguments. ``hidden`` and ``labels`` are the same on every rank.

    The gradient with respect to ``hidden`` is this rank's *part* of a sum over the ranks
    (``hidden`` reaches every logit through every shard): as in Megatron-LM, the all-reduce of
    the input gradient that the tensor-parallel layer does in its backward pass (or one
    ``all_reduce(hidden.grad, group=group)``/``psum``) sums it to the unsharded gradient. The
    gradients of ``weight`` and ``bias`` are this rank's shards, complete as they are.

    ``chunk_size`` (rows per chunk), on torch: the logits shard is built and dropped a chunk at
    a time in the forward pass and rebuilt chunk by chunk in the backward pass, so the
    ``(N, V_local)`` logits never exist at once (one more matmul of compute). JAX, and torch
    without ``chunk_size``: the logits shard is computed in full.

    Formula::

        logits_local = hidden @ weight.T + bias                        (..., V_local)
        loss = vocab_parallel_sparse_categorical_crossentropy(labels, logits_local)

    Args:
        hidden: the last hidden states ``(..., H)``, a torch tensor or a JAX array.
        weight: this rank's rows of the output layer's weight, ``(V_local, H)``.
        labels: integer labels of the global vocabulary ``[0, V)``, ``hidden.shape[:-1]``.
        bias: this rank's part of the output layer's bias, ``(V_local,)``, or ``None``.
        group: torch: the tensor-parallel process group (``None``: the default group).
        axis_name: JAX: the ``shard_map`` mesh axis the vocabulary is split along.
        vocab_start: the global index of this shard's first class (as in
            :func:`vocab_parallel_sparse_categorical_crossentropy`), or ``None`` for
            ``rank * V_local``. Default ``None``.
        ignore_class: an integer label whose entries give 0 and do not count in the mean, or
            ``None``. Default ``None``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        sample_weight: weights broadcasting against ``labels``, or ``None``. Default ``None``.
        reduction: as in :func:`vocab_parallel_sparse_categorical_crossentropy`. Default
            ``"sum_over_batch_size"``.
        chunk_size: rows per chunk (a positive int; torch only), or ``None`` for the whole
            logits shard. Default ``None``.

    Returns:
        The reduced loss, a 0-d array of ``hidden``'s library (``labels``' shape with
        ``reduction="none"``), the same on every rank.

    Example (JAX, a one-device mesh; more devices on "tp" shard ``weight``'s rows):
        >>> import jax
        >>> import numpy as np
        >>> from jax.sharding import Mesh, PartitionSpec as P
        >>> import anyloss as al
        >>> from anyloss.distributed import vocab_parallel_linear_cross_entropy
        >>> mesh = Mesh(np.array(jax.devices()[:1]), ("tp",))
        >>> hidden = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
        >>> weight = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
        >>> labels = np.array([1, 2])
        >>> step = jax.shard_map(
        ...     lambda h, w, y: vocab_parallel_linear_cross_entropy(h, w, y, axis_name="tp"),
        ...     mesh=mesh, in_specs=(P(), P("tp", None), P()), out_specs=P())
        >>> round(float(step(hidden, weight, labels)), 4)
        1.362
        >>> round(float(al.linear_cross_entropy(hidden, weight, labels)), 4)
        1.362

    Reference:
        Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models Using
        Model Parallelism" (2019), https://arxiv.org/abs/1909.08053
    """
    reduction, library = _check_arguments(
        _LINEAR, hidden, "hidden", group, axis_name, ignore_class, label_smoothing, reduction
    )
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        msg = (
            f"{_LINEAR}: argument `chunk_size` must be a positive int (rows per chunk) or "
            f"None. Received: chunk_size={shown(chunk_size)}"
        )
        raise ValueError(msg)
    xp, hidden, weight, bias, labels = linear_inputs(
        _LINEAR, hidden, weight, bias, labels, "V_local", "this rank's rows of the output layer"
    )
    width = B.shape(weight)[0]
    if width == 0:
        msg = f"{_LINEAR}: `weight` has no rows (shape {B.shape(weight)}): V_local must be >= 1."
        raise ValueError(msg)
    if chunk_size is None or library != "torch":
        logits = xp.matmul(hidden, xp.permute_dims(weight, (1, 0)))
        if bias is not None:
            logits = logits + bias
        return vocab_parallel_sparse_categorical_crossentropy(
            labels,
            logits,
            group=group,
            axis_name=axis_name,
            vocab_start=vocab_start,
            ignore_class=ignore_class,
            label_smoothing=label_smoothing,
            sample_weight=sample_weight,
            reduction=reduction,
        )
    start, vocab = _shard_position(_LINEAR, library, group, axis_name, vocab_start, width)
    _check_labels(_LINEAR, "labels", xp, labels, vocab, width, ignore_class)
    labels, valid = _drop_ignored(xp, labels, ignore_class)
    values = VP.torch_vocab_parallel_linear_crossentropy(
        hidden, weight, bias, labels, start, vocab, group, label_smoothing, chunk_size
    )
    if valid is not None:
        values = xp.where(valid, values, xp.zeros_like(values))
    return reduce_weighted_values(values, sample_weight, valid, reduction)


# --- argument checks (before any collective: a rank that raises would leave the others
# waiting in one) ----------------------------------------------------------------------------


def _check_arguments(
    loss: str,
    x: Any,
    arg: str,
    group: Any,
    axis_name: Any,
    ignore_class: Any,
    label_smoothing: Any,
    reduction: Any,
) -> tuple[str, str]:
    """``(reduction, library)`` checked, with ``library`` ``"torch"`` or ``"jax"``."""
    reduction = standardize_reduction(reduction)
    check_probability(label_smoothing, "label_smoothing")
    if ignore_class is not None and (
        isinstance(ignore_class, bool) or not isinstance(ignore_class, numbers.Integral)
    ):
        msg = (
            f"{loss}: argument `ignore_class` must be an integer label (e.g. -1 for padding) "
            f"or None. Received: ignore_class={shown(ignore_class)}"
        )
        raise TypeError(msg)
    xp = B.namespace(x)
    if B.is_torch(xp):
        if axis_name is not None:
            msg = (
                f"{loss}: `{arg}` is a torch tensor, so the shards are combined with "
                f"torch.distributed and `axis_name` (a JAX mesh axis) must be None. Received: "
                f"axis_name={shown(axis_name)}. Pass the tensor-parallel process group as "
                "`group=` (None: the default group)."
            )
            raise ValueError(msg)
        return reduction, "torch"
    if B.is_jax(xp):
        if group is not None:
            msg = (
                f"{loss}: `{arg}` is a JAX array, so the shards are combined with lax.psum "
                f"over a shard_map axis and `group` (a torch process group) must be None. "
                f"Received: group={shown(group)}. Pass `axis_name=` instead."
            )
            raise ValueError(msg)
        if axis_name is None:
            msg = (
                f"{loss}: `{arg}` is a JAX array: pass `axis_name=`, the shard_map mesh axis "
                "the classes are split along (e.g. axis_name='tp'), and call the loss inside "
                "jax.shard_map."
            )
            raise ValueError(msg)
        return reduction, "jax"
    kind = type(x).__name__
    if B.is_array(x):
        kind = f"{type(x).__module__.split('.')[0]} {kind}"
    msg = (
        f"{loss}: `{arg}` is a {kind}; vocabulary-parallel cross-entropy "
        "combines shards with collectives, so it needs torch tensors in a torch.distributed "
        "process group or JAX arrays inside jax.shard_map. On one device with all classes, "
        "use anyloss.sparse_categorical_crossentropy(from_logits=True) (or "
        "anyloss.linear_cross_entropy) instead."
    )
    raise TypeError(msg)


def _shard_position(
    loss: str, library: str, group: Any, axis_name: Any, vocab_start: Any, width: int
) -> tuple[Any, int]:
    """``(start, V)``: this shard's first global class and the global number of classes."""
    if library == "torch":
        rank, world = VP.torch_group_position(group, loss)
        index: Any = rank
    else:
        index, world = VP.jax_axis_position(axis_name, loss)
    vocab = width * world
    if vocab_start is None:
        return index * width, vocab
    is_int_array = (
        B.is_array(vocab_start)
        and B.ndim(vocab_start) == 0
        and B.is_int_dtype(B.namespace(vocab_start), vocab_start.dtype)
    )
    if isinstance(vocab_start, bool) or not (
        isinstance(vocab_start, numbers.Integral) or is_int_array
    ):
        msg = (
            f"{loss}: argument `vocab_start` must be an int (this shard's first global class), "
            "a 0-d integer array (JAX: per device, e.g. from lax.axis_index) or None for "
            f"rank * V_local. Received: vocab_start={shown(vocab_start)}"
        )
        raise TypeError(msg)
    if isinstance(vocab_start, numbers.Integral) or library == "torch":
        vocab_start = int(vocab_start)  # NumPy integers, 0-d torch tensors
    if library == "jax" and isinstance(vocab_start, int) and world > 1:
        msg = (
            f"{loss}: argument `vocab_start` is the Python int {vocab_start}, the same on all "
            f"{world} devices of axis_name={axis_name!r}, so every shard would claim the same "
            "classes. Leave it None (lax.axis_index(axis_name) * V_local), or pass a per-device "
            "value computed inside the shard_map from lax.axis_index."
        )
        raise ValueError(msg)
    if isinstance(vocab_start, int) and not 0 <= vocab_start <= vocab - width:
        msg = (
            f"{loss}: argument `vocab_start` must be in [0, {vocab - width}] so that the "
            f"shard's {width} columns lie in the {vocab} classes ({world} ranks x {width} "
            f"columns). Received: vocab_start={vocab_start}. Leave it None for "
            "rank * V_local."
        )
        raise ValueError(msg)
    return vocab_start, vocab


def _check_labels(
    loss: str, arg: str, xp: Any, labels: Any, vocab: int, width: int, ignore_class: Any
) -> None:
    """``ValueError`` naming a label outside ``[0, vocab)`` (``ignore_class`` entries excepted)
    where anyloss checks label values (``anyloss.set_value_checks``; never on traced arrays)."""
    if not B.checks_apply(labels) or 0 in B.shape(labels):
        return
    checked = (
        labels
        if ignore_class is None
        else xp.where(labels == ignore_class, xp.zeros_like(labels), labels)
    )
    low, high = (int(v) for v in B.min_max(xp, checked))
    if low < 0 or high >= vocab:
        bad = low if low < 0 else high
        msg = (
            f"{loss}: `{arg}` holds the label {bad}, outside the global vocabulary [0, {vocab}) "
            f"({vocab // width} ranks x {width} classes). Labels must be global class "
            "indices 0..V-1, the same on every rank; use `ignore_class=` for a padding label."
        )
        raise ValueError(msg)


def _drop_ignored(xp: Any, labels: Any, ignore_class: Any) -> tuple[Any, Any]:
    """``(labels, valid)``: labels with ignored entries set to class 0 (masked later), and the
    validity mask (``None`` without ``ignore_class``)."""
    if ignore_class is None:
        return labels, None
    valid = labels != ignore_class
    return xp.where(valid, labels, xp.zeros_like(labels)), valid
