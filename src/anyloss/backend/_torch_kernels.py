"""torch fast paths: ``torch.nn.functional`` kernels for the built-in losses.

Each built-in names its kernel in its declaration (``torch_kernel=torch_kernels.huber`` in
``anyloss/losses/regression.py``). A kernel has the signature
``kernel(y_true, y_pred, reduction, dtype, **arguments)``: the hyperparameters were checked by
the declaration, so kernels trust them. It returns the loss, or ``None`` where the array-API
formula must decide: ``y_true`` not a tensor on ``y_pred``'s device, shapes that need rank
alignment or do not match, empty inputs, a ``Loss`` dtype of float16/bfloat16. The formula then
computes the same numbers, or raises the error. Kept from the array-API path: the dtype policy
(float16/bfloat16 computed in float32), Keras' clipping at eps = 1e-7, the label checks of D13
with their messages (before ``F.cross_entropy`` sees a label), gradients, and the reductions:

- ``"none"``: per-sample values (``(values, valid mask or None)`` for sparse CE, which masks);
- ``"sum"``: their sum;
- ``"sum_over_batch_size"``, ``"mean"``, ``"mean_with_sample_weight"`` (no weights here): their
  mean (over the valid entries with ``ignore_class``, 0 when there are none: D5).

A loss whose per-sample value is a mean over the last axis (MSE, ...) then has mean reduction
``F.*(reduction="mean")`` and sum reduction ``F.*(reduction="sum") / d``.

The module imports without torch (the declarations reference its functions when ``anyloss`` is
imported); torch is bound at the first kernel call, which only happens on a torch tensor.
"""

from __future__ import annotations

import functools
import importlib
import math
import sys
from typing import TYPE_CHECKING, Any

from anyloss.backend import EPSILON as EPS
from anyloss.backend._checks import check_label_range, check_whole_numbers, checks_apply
from anyloss.backend._dtypes import compute_dtype
from anyloss.backend._extras import floor_finite

if TYPE_CHECKING:
    import torch
    import torch.nn.functional as F
    from torch import Tensor
else:

    class _Deferred:
        """Stands for a torch module until the first attribute access, which binds the module
        in its place (so later accesses cost nothing). Kernels run only on torch tensors, so
        torch is imported by then: the module is read from ``sys.modules``, which
        ``torch.compile`` traces (an import inside a traced call would break the graph)."""

        def __init__(self, module: str, binding: str) -> None:
            self._module, self._binding = module, binding

        def __getattr__(self, attr: str) -> Any:
            module = sys.modules.get(self._module) or importlib.import_module(self._module)
            setattr(sys.modules[__name__], self._binding, module)
            return getattr(module, attr)

    torch = _Deferred("torch", "torch")
    F = _Deferred("torch.nn.functional", "F")
    Tensor = Any

_MEAN = frozenset({"sum_over_batch_size", "mean", "mean_with_sample_weight"})
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def _compute_dtype(y_pred: Tensor, dtype: Any) -> Any:
    """float64 stays, every other float computes in float32; ``None`` for what we don't cover."""
    if not y_pred.is_floating_point():
        return None
    if dtype is None:
        return compute_dtype(torch, y_pred.dtype)
    # A Loss' float16/bfloat16 dtype: the array-API path computes it.
    return {"float32": torch.float32, "float64": torch.float64}.get(dtype)


def _cast(x: Tensor, dtype: Any) -> Tensor:
    return x if x.dtype == dtype else x.to(dtype)


def _pair(y_true: Any, y_pred: Tensor, dtype: Any) -> tuple[Tensor, Tensor] | None:
    """``(y_true, y_pred)`` of one shape and the compute dtype, or ``None``."""
    if (
        not isinstance(y_true, torch.Tensor)
        or y_true.shape != y_pred.shape
        or y_pred.ndim == 0
        or y_true.device != y_pred.device
        or y_true.is_complex()
        or y_pred.numel() == 0
    ):
        return None
    dtype = _compute_dtype(y_pred, dtype)
    if dtype is None:
        return None
    return _cast(y_true, dtype), _cast(y_pred, dtype)


def _axis(axis: Any, rank: int) -> int | None:
    if isinstance(axis, bool) or not isinstance(axis, int) or not -rank <= axis < rank:
        return None
    return axis % rank


def _mean_over_axis(
    fn: Any, y_pred: Tensor, target: Tensor, reduction: str, axis: int = -1
) -> Tensor:
    """``fn`` is elementwise; the per-sample loss is its mean over ``axis``."""
    if y_pred.ndim == 1 or reduction in _MEAN:  # rank 1: one 0-d value, never reduced further
        return fn(y_pred, target, reduction="mean")
    if reduction == "sum":
        return fn(y_pred, target, reduction="sum") / y_pred.shape[axis]
    return fn(y_pred, target, reduction="none").mean(axis)


def _reduce(values: Tensor, reduction: str, valid: Tensor | None = None) -> Tensor:
    """Reduce per-sample ``values`` (zero where not ``valid``)."""
    if reduction == "none" or values.ndim == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if valid is None:
        return total / values.numel()
    return total / valid.sum().clamp(min=1)


def mean_squared_error(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    return None if pair is None else _mean_over_axis(F.mse_loss, pair[1], pair[0], reduction)


def mean_absolute_error(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    return None if pair is None else _mean_over_axis(F.l1_loss, pair[1], pair[0], reduction)


def huber(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, delta: float = 1.0) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    # F.huber_loss: 0.5 e^2 for |e| < delta, delta (|e| - 0.5 delta) beyond; at |e| = delta
    # both branches (and their gradients) agree, so Keras' "<=" boundary is the same function.
    return _mean_over_axis(
        lambda p, t, reduction: F.huber_loss(p, t, reduction=reduction, delta=float(delta)),
        pair[1],
        pair[0],
        reduction,
    )


def binary_crossentropy(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    from_logits: bool = False,
    label_smoothing: Any = 0.0,
    axis: Any = -1,
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    axis = _axis(axis, y_pred.ndim)
    if pair is None or axis is None:
        return None
    target, y_pred = pair
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    # F.binary_cross_entropy rejects targets outside [0, 1], which Keras accepts: the
    # probability form is written out (clipped to [eps, 1 - eps] as in Keras).
    fn = F.binary_cross_entropy_with_logits if from_logits else _binary_crossentropy
    return _mean_over_axis(fn, y_pred, target, reduction, axis)


def _binary_crossentropy(y_pred: Tensor, target: Tensor, reduction: str) -> Tensor:
    p = y_pred.clamp(EPS, 1.0 - EPS)
    values = -(target * p.log() + (1.0 - target) * (1.0 - p).log())
    if reduction == "none":
        return values
    return values.mean() if reduction == "mean" else values.sum()


def poisson(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    # F.poisson_nll_loss with log_input=False is y_pred - y_true log(y_pred + eps), Keras' form.
    return _mean_over_axis(
        lambda p, t, reduction: F.poisson_nll_loss(
            p, t, log_input=False, full=False, eps=EPS, reduction=reduction
        ),
        pair[1],
        pair[0],
        reduction,
    )


def cosine_similarity(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, axis: Any = -1
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    axis = _axis(axis, y_pred.ndim)
    if pair is None or axis is None:
        return None
    # F.cosine_similarity divides by max(||x||, eps) per vector: Keras' l2_normalize with
    # max(sum(x^2), eps^2) under the square root.
    return _reduce(-F.cosine_similarity(pair[0], pair[1], dim=axis, eps=EPS), reduction)


def half_squared_error(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    value = mean_squared_error(y_true, y_pred, reduction, dtype)
    return None if value is None else 0.5 * value


def cosine_distance(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, epsilon: float = 0.0, axis: Any = -1
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    axis = _axis(axis, y_pred.ndim)
    # F.cosine_similarity clamps each norm at eps without a gradient through the clamp, where
    # optax clips the squared norm: the same numbers at epsilon = 0 only (the clamp is a no-op).
    if pair is None or axis is None or epsilon != 0.0:
        return None
    return _reduce(1.0 - F.cosine_similarity(pair[0], pair[1], dim=axis, eps=0.0), reduction)


def kl_divergence(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    target, y_pred = pair
    # sum(y log(y / p)) with both clipped to [eps, 1]; F.kl_div(log p, y) = y (log y - log p).
    target = target.clamp(EPS, 1.0)
    log_pred = y_pred.clamp(EPS, 1.0).log()
    if y_pred.ndim == 1 or reduction != "none":
        total = F.kl_div(log_pred, target, reduction="sum")
        if y_pred.ndim == 1 or reduction == "sum":
            return total
        return total / (y_pred.numel() // y_pred.shape[-1])
    return F.kl_div(log_pred, target, reduction="none").sum(-1)


def kl_div(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    log_target: bool = False,
    generalized: bool = False,
    axis: Any = -1,
) -> Any:
    """``F.kl_div`` (PyTorch's semantics: log-probability input, no clipping) per element
    (``axis=()``) or summed over one axis; other axes, and ``generalized``, run the formula."""
    pair = _pair(y_true, y_pred, dtype)
    if pair is None or generalized:
        return None
    target, log_pred = pair
    if axis == ():  # per element ("mean" as sum / numel: F's "mean" warns about "batchmean")
        mode = "sum" if reduction in _MEAN else reduction
        out = F.kl_div(log_pred, target, reduction=mode, log_target=log_target)
        return out / log_pred.numel() if reduction in _MEAN else out
    dim = _axis(axis, log_pred.ndim)
    if dim is None:
        return None
    if reduction == "none":
        return F.kl_div(log_pred, target, reduction="none", log_target=log_target).sum(dim)
    total = F.kl_div(log_pred, target, reduction="sum", log_target=log_target)
    if reduction == "sum" or log_pred.ndim == 1:  # rank 1: one 0-d value, never averaged
        return total
    return total / (log_pred.numel() // log_pred.shape[dim])


def _classes_in_dim1(x: Tensor, axis: int) -> Tensor:
    """``x`` laid out as F's ``(N, C, d1, ...)``: rows flattened when classes are last."""
    rank = x.ndim
    if axis == 1 and rank == 2:
        return x
    if axis == rank - 1:
        return x.reshape(-1, x.shape[-1])
    return x.movedim(axis, 1)


def categorical_crossentropy(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    from_logits: bool = False,
    label_smoothing: Any = 0.0,
    axis: Any = -1,
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    axis = _axis(axis, y_pred.ndim)
    if pair is None or axis is None or y_pred.ndim < 2 or y_pred.shape[axis] == 1:
        return None  # the array-API path warns about a single class
    target, y_pred = pair
    num_classes = y_pred.shape[axis]
    batch_shape = y_pred.shape[:axis] + y_pred.shape[axis + 1 :]
    if from_logits:
        # With probability targets F smooths them as y (1 - ls) + ls / C, C from the logits (D2).
        def cross_entropy(logits: Tensor) -> Tensor:
            return F.cross_entropy(
                _classes_in_dim1(logits, axis),
                _classes_in_dim1(target, axis),
                label_smoothing=float(label_smoothing),
                reduction="mean" if reduction in _MEAN else reduction,
            )

        # Logits floored at the lowest finite value: a -inf logit with a zero target adds 0,
        # not 0 * -inf = NaN (the formula's _softmax_crossentropy). On the host the plain call
        # runs first and the floor only when its value is not finite (the same numbers).
        out = cross_entropy(y_pred) if _on_host(y_pred) else None
        if out is None or not bool(out.isfinite().all()):
            out = cross_entropy(floor_finite(torch, y_pred))
        return out.reshape(batch_shape) if reduction == "none" else out
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    # Keras renormalises probabilities, clips them to [eps, 1 - eps], then -sum(y log p).
    log_p = (y_pred / y_pred.sum(axis, keepdim=True)).clamp(EPS, 1.0 - EPS).log()
    products = target * log_p
    if reduction == "none":
        return -products.sum(axis)
    total = -products.sum()
    return total if reduction == "sum" else total / (y_pred.numel() // num_classes)


@functools.cache
def _integer_dtypes() -> frozenset[Any]:
    """The label dtypes read directly (others take the array-API path)."""
    return frozenset({torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8})


def _int64_labels(y_true: Tensor) -> Tensor | None:
    """Integer (or whole-number float) labels as int64; ``None`` for bool and complex (the
    array-API path raises)."""
    dtype = y_true.dtype
    if dtype is not torch.int64 and dtype not in _integer_dtypes():
        if not y_true.is_floating_point():
            return None
        check_whole_numbers(torch, y_true)
    return y_true if dtype is torch.int64 else y_true.to(torch.int64)


def _class_labels(y_true: Any, y_pred: Tensor, axis: int) -> Tensor | None:
    """int64 labels of ``y_pred``'s shape without ``axis`` (a size-1 ``axis`` is squeezed)."""
    if not isinstance(y_true, torch.Tensor) or y_true.device != y_pred.device:
        return None
    labels = _int64_labels(y_true)
    if labels is None:
        return None
    shape = y_pred.shape
    if labels.ndim == len(shape) and labels.shape[axis] == 1:
        labels = labels.squeeze(axis)
    expected = shape[:-1] if axis == len(shape) - 1 else shape[:axis] + shape[axis + 1 :]
    return labels if labels.shape == expected else None


def _check_label_range(
    labels: Tensor, num_classes: int, loss: str, ignore: Any, ignore_arg: str | None = None
) -> bool:
    """``check_label_range`` with one ``aminmax`` (the common case: int64 on the CPU). Returns
    whether every label was read to be in ``[0, num_classes)`` (then an ``ignore`` label
    outside that range marks no entry); ``False`` where the values were not read."""
    if checks_apply(labels) and labels.numel():
        low, high = labels.aminmax()
        if low.item() >= 0 and high.item() < num_classes:
            return True
    check_label_range(torch, labels, num_classes, loss, ignore, ignore_arg)
    return False


def _on_host(x: Tensor) -> bool:
    """Whether ``x``'s values can be read at no cost: in host memory, outside
    ``torch.compile`` (no device sync, no graph break). Kernels read values there only to choose
    between computations of the same numbers (whatever the value-check policy)."""
    return not torch.compiler.is_compiling() and x.is_cpu


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    from_logits: bool = False,
    ignore_class: Any = None,
    axis: Any = -1,
    label_smoothing: Any = 0.0,
    chunk_size: Any = None,
) -> Any:
    """``reduction="none"`` gives ``(per-sample values, valid mask or None)``."""
    rank = y_pred.ndim
    axis = _axis(axis, rank)
    compute = _compute_dtype(y_pred, dtype)
    if (
        axis is None
        or compute is None
        or rank < 2
        or y_pred.numel() == 0
        or (ignore_class is not None and not _INT64_MIN <= ignore_class <= _INT64_MAX)
    ):
        return None
    labels = _class_labels(y_true, y_pred, axis)
    if labels is None:
        return None
    num_classes = y_pred.shape[axis]
    _check_label_range(
        labels, num_classes, "sparse_categorical_crossentropy", ignore_class, "ignore_class"
    )
    batch_shape = labels.shape
    if chunk_size is not None:
        return _chunked(
            y_pred,
            labels,
            axis,
            compute,
            reduction,
            ignore_class,
            chunk_size,
            float(label_smoothing),
        )
    x = _classes_in_dim1(_cast(y_pred, compute), axis)
    if x.ndim == 2 and labels.ndim != 1:
        labels = labels.reshape(-1)
    if from_logits:
        out = _cross_entropy(x, labels, ignore_class, label_smoothing, reduction)
        if reduction != "none":
            return out
        values, valid = out
    else:
        ignore_index = -100 if ignore_class is None else ignore_class  # -100: F's default
        valid = None if ignore_class is None else labels != ignore_class
        # Keras renormalises probabilities and clips them to [eps, 1 - eps] before the log.
        log_p = (x / x.sum(1, keepdim=True)).clamp(EPS, 1.0 - EPS).log()
        values = F.nll_loss(log_p, labels, ignore_index=ignore_index, reduction="none")
        if label_smoothing:
            uniform = -log_p.mean(1)
            if valid is not None:
                uniform = torch.where(valid, uniform, 0.0)
            values = (1.0 - label_smoothing) * values + label_smoothing * uniform
    if reduction == "none":
        return values.reshape(batch_shape), None if valid is None else valid.reshape(batch_shape)
    return _reduce(values, reduction, valid)


def _cross_entropy(
    logits: Tensor, labels: Tensor, ignore_class: Any, label_smoothing: Any, reduction: str
) -> Any:
    """``F.cross_entropy`` (classes on dim 1) with ``ignore_class`` and the anyloss
    ``reduction``: ``"none"`` gives ``(values, valid mask or None)``; a mean over valid entries
    is 0 where none is valid (D5), where F's ``"mean"`` gives NaN."""
    ignore_index = -100 if ignore_class is None else ignore_class  # -100: F's default
    valid = None if ignore_class is None else labels != ignore_class
    smoothing = float(label_smoothing)

    def kernel(mode: str) -> Tensor:
        return F.cross_entropy(
            logits, labels, ignore_index=ignore_index, reduction=mode, label_smoothing=smoothing
        )

    if reduction == "none":
        return kernel("none"), valid
    if valid is None or reduction == "sum":
        return kernel("mean" if reduction in _MEAN else reduction)
    return kernel("sum") / valid.sum().clamp(min=1)


def sparse_linear_cross_entropy(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    weight: Any = None,
    bias: Any = None,
    ignore_class: Any = None,
    label_smoothing: Any = 0.0,
    chunk_size: Any = None,
) -> Any:
    """``F.cross_entropy(F.linear(y_pred, weight, bias), y_true)``, as
    ``torch.nn.LinearCrossEntropyLoss`` (its unchunked path); ``reduction="none"`` gives
    ``(per-label values, valid mask or None)``. ``None`` for ``chunk_size`` (the chunked
    formula) and inputs it does not cover."""
    compute = _compute_dtype(y_pred, dtype)
    if (
        chunk_size is not None
        or compute is None
        or y_pred.ndim < 2
        or y_pred.numel() == 0
        or not isinstance(weight, torch.Tensor)
        or weight.ndim != 2
        or weight.shape[1] != y_pred.shape[-1]
        or weight.device != y_pred.device
        or not weight.is_floating_point()
        or (
            bias is not None
            and (
                not isinstance(bias, torch.Tensor)
                or tuple(bias.shape) != (weight.shape[0],)
                or bias.device != y_pred.device
                or not bias.is_floating_point()
            )
        )
        or (ignore_class is not None and not _INT64_MIN <= ignore_class <= _INT64_MAX)
    ):
        return None
    labels = _class_labels(y_true, y_pred, y_pred.ndim - 1)
    if labels is None:
        return None
    _check_label_range(
        labels, weight.shape[0], "sparse_linear_cross_entropy", ignore_class, "ignore_class"
    )
    x = _cast(y_pred, compute)
    logits = F.linear(
        x.reshape(-1, x.shape[-1]),
        _cast(weight, compute),
        None if bias is None else _cast(bias, compute),
    )
    out = _cross_entropy(logits, labels.reshape(-1), ignore_class, label_smoothing, reduction)
    if reduction != "none":
        return out
    values, valid = out
    return values.reshape(labels.shape), None if valid is None else valid.reshape(labels.shape)


def _chunked(
    y_pred: Tensor,
    labels: Tensor,
    axis: int,
    compute: Any,
    reduction: str,
    ignore_class: Any,
    chunk_size: int,
    label_smoothing: float,
) -> Any:
    """Sparse CE through the chunked autograd function (``chunk_size=``)."""
    from anyloss.backend._torch_chunked import chunked_sparse_crossentropy

    # float16/bfloat16 logits are upcast a chunk at a time inside, not all at once here.
    if not (compute == torch.float32 and y_pred.dtype in (torch.float16, torch.bfloat16)):
        y_pred = _cast(y_pred, compute)
    if axis != y_pred.ndim - 1:
        y_pred = y_pred.movedim(axis, -1)
    valid = None if ignore_class is None else labels != ignore_class
    if valid is not None:
        labels = torch.where(valid, labels, 0)
    values = chunked_sparse_crossentropy(y_pred, labels, chunk_size, label_smoothing)
    if valid is not None:
        values = torch.where(valid, values, 0.0)
    if reduction == "none":
        return values, valid
    return _reduce(values, reduction, valid)


def ctc(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    divide_by_label_length: bool = False,
    zero_infinity: bool = False,
) -> Any:
    """``F.ctc_loss`` where the labels have Keras' layout: 0 is the blank and only pads the end
    of a row, so the label length is the count of non-zero labels. Reading the layout needs the
    label values: where value checks do not run, the array-API recursion is used. F's "mean"
    is the mean of the losses divided by their label lengths (``divide_by_label_length``)."""
    compute = _compute_dtype(y_pred, dtype)
    if (
        not isinstance(y_true, torch.Tensor)
        or compute is None
        or y_pred.ndim != 3
        or y_true.ndim != 2
        or y_true.shape[0] != y_pred.shape[0]
        or y_true.device != y_pred.device
        or y_true.dtype == torch.bool
        or y_true.is_floating_point()
        or y_true.is_complex()
        or y_pred.numel() == 0
        or y_true.shape[1] == 0
        or not checks_apply(y_true)
    ):
        return None
    batch, time, num_classes = y_pred.shape
    _check_label_range(y_true, num_classes, "ctc", None)  # one aminmax when in range
    present = y_true != 0
    if bool((present[:, 1:] & ~present[:, :-1]).any()):
        return None  # a 0 between labels: not a padded layout F.ctc_loss reads the same way
    log_probs = _cast(y_pred, compute).log_softmax(-1).transpose(0, 1)  # (time, batch, classes)
    lengths = present.sum(1)
    fused = divide_by_label_length and reduction in _MEAN
    values = F.ctc_loss(
        log_probs,
        _cast(y_true, torch.int64),
        torch.full((batch,), time, dtype=torch.int64, device=y_pred.device),
        lengths,
        blank=0,
        reduction="mean" if fused else "none",
        zero_infinity=bool(zero_infinity),
    )
    if fused:
        return values
    if divide_by_label_length:
        values = values / lengths.clamp(min=1).to(values.dtype)
    return _reduce(values, reduction)


# --- regression family (smooth_l1, poisson_nll, gaussian_nll) ---------------------------------


def smooth_l1(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, beta: float = 1.0) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    # F.smooth_l1_loss: 0.5 e^2 / beta for |e| < beta, |e| - 0.5 beta beyond; beta = 0 is L1.
    return _mean_over_axis(
        lambda p, t, reduction: F.smooth_l1_loss(p, t, reduction=reduction, beta=float(beta)),
        pair[1],
        pair[0],
        reduction,
    )


def poisson_nll(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    return _mean_over_axis(
        lambda p, t, reduction: F.poisson_nll_loss(
            p, t, log_input=log_input, full=full, eps=float(eps), reduction=reduction
        ),
        pair[1],
        pair[0],
        reduction,
    )


def gaussian_nll(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, full: bool = False, eps: float = 1e-6
) -> Any:
    """Means and variances concatenated on ``y_pred``'s last axis. Written with torch ops, not
    ``F.gaussian_nll_loss``: that one reads ``any(var < 0)`` on every call (a device sync, a
    graph break under ``torch.compile``); here the negative-variance check follows anyloss'
    value-check policy (a negative variance sends the call to the formula, which raises). The
    check reads the smallest variance: when it is >= eps the clamp changes nothing and is
    skipped; otherwise (or where values are not read) torch's own clamp is used."""
    compute = _compute_dtype(y_pred, dtype)
    if (
        compute is None
        or not isinstance(y_true, torch.Tensor)
        or y_true.device != y_pred.device
        or y_true.is_complex()
        or y_pred.ndim == 0
        or y_true.ndim != y_pred.ndim
        or y_true.shape[:-1] != y_pred.shape[:-1]
        or y_pred.shape[-1] != 2 * y_true.shape[-1]
        or y_pred.numel() == 0
    ):
        return None
    y_pred = _cast(y_pred, compute)
    target = _cast(y_true, compute)
    d = target.shape[-1]
    mean, var = y_pred[..., :d], y_pred[..., d:]
    clamp = True
    if checks_apply(var):
        low = var.detach().amin().item()
        if low < 0:
            return None
        clamp = not low >= eps  # NaN: clamped (and stays NaN)
    if clamp:
        # torch's clamp: a clone clamped in place under no_grad, so the value is max(var, eps)
        # and the gradient passes straight through it (d var_clamped / d var = 1).
        var = var.clone()
        with torch.no_grad():
            var.clamp_(min=eps)
    values = var.log() + (mean - target).square() / var
    if full:
        values = values + _LOG_2PI
    # The formula's 0.5 (...) per entry, applied after the reduction: halving is exact, so the
    # numbers are the same, for one pass less.
    if values.ndim == 1 or reduction in _MEAN:
        return 0.5 * values.mean()
    if reduction == "sum":
        return values.sum() / (2 * d)
    return 0.5 * values.mean(-1)


_LOG_2PI = 1.8378770664093453  # log(2 pi)


# --- margin losses, explicit pairs and triplets (multi_margin, soft_margin, cosine_embedding,
# margin_ranking, triplet_margin, hinge_embedding, multilabel_margin) ------------------------------


def multi_margin(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
) -> Any:
    compute = _compute_dtype(y_pred, dtype)
    if compute is None or y_pred.ndim != 2 or y_pred.numel() == 0:
        return None
    labels = _class_labels(y_true, y_pred, 1)
    num_classes = y_pred.shape[1]
    if labels is None or (weight is not None and len(weight) != num_classes):
        return None
    on_host = _on_host(y_pred)
    if not on_host:
        _check_label_range(labels, num_classes, "multi_margin", None)
    w = None if weight is None else torch.tensor(weight, dtype=compute, device=y_pred.device)
    x = _cast(y_pred, compute)

    # F.multi_margin_loss: weight[y] * sum_{i != y} max(0, margin - x_y + x_i)^p / C per row.
    def kernel(mode: str) -> Tensor:
        return F.multi_margin_loss(x, labels, p=p, margin=float(margin), weight=w, reduction=mode)

    try:
        return _nan_rows(x, kernel, reduction, on_host)
    except RuntimeError:
        # On the host F checks the labels itself ("target out of range"): anyloss' message,
        # naming the loss, the classes and the fix, is raised only then (no read per call).
        if on_host:
            _check_label_range(labels, num_classes, "multi_margin", None)
        raise


def _nan_rows(x: Tensor, kernel: Any, reduction: str, on_host: bool) -> Tensor:
    """``kernel(F_reduction)`` for an F margin kernel that skips a NaN term (its ``z > 0`` test
    is false), where a NaN score must give NaN. On the host a sum that is not NaN rules NaN out
    (one pass) and F's own reduction applies; otherwise each row with a NaN gets NaN added (not
    selected: the row's other scores keep their gradient, as in the formula)."""
    if on_host and not math.isnan(x.detach().sum().item()):
        return kernel("mean" if reduction in _MEAN else reduction)
    return _reduce(kernel("none") + torch.where(x.isnan().any(-1), torch.nan, 0.0), reduction)


def _signed_labels(target: Tensor, nan_check: bool = True) -> tuple[Tensor, bool]:
    """Keras' hinge conversion: when every label is 0 or 1, map them to -1/1. Returns the
    labels and whether they are known to hold no NaN. On the host (:func:`_on_host`) the labels
    are read (one ``aminmax``, and a second pass only when they lie within [0, 1]); elsewhere
    the choice is a ``where`` (no sync) and NaN is not ruled out. With ``nan_check=False`` the
    caller does not need the NaN answer: a label other than 0 and 1 among the first eight, or
    else a negative (or NaN) smallest label, settles it (-1/1 labels: usually no pass at all)."""
    if _on_host(target):
        if not nan_check:
            head = target.detach().reshape(-1)[:8].tolist()
            # NaN compares false: not binary, as in the formula.
            if any(v != 0.0 and v != 1.0 for v in head) or not target.amin().item() >= 0.0:
                return target, False
        bounds = target.detach().aminmax()
        low, high = bounds.min.item(), bounds.max.item()
        if math.isnan(low) or math.isnan(high):
            return target, False  # not binary (y (y - 1) is NaN), as in the formula
        if low >= 0.0 and high <= 1.0:
            labels = target.detach()
            # Within [0, 1], y == round(y) holds for 0 and 1 only (round(0.5) is 0).
            if torch.equal(labels, labels.round()):
                return 2.0 * target - 1.0, True
        return target, True
    binary = (target * (target - 1.0)).abs().amax() == 0
    return torch.where(binary, 2.0 * target - 1.0, target), False


def soft_margin(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    target, x = pair
    # softplus, not F.soft_margin_loss: its log1p(exp(-y x)) overflows to inf for -y x > ~88
    # (float32), where softplus stays finite (the same numbers elsewhere). softplus(-y x) is
    # -softplus(y x, beta=-1), bit for bit in value and gradient: the sign is applied after the
    # reduction, one pass over the labels less.
    values = F.softplus(_signed_labels(target)[0] * x, beta=-1)
    if x.ndim == 1 or reduction in _MEAN:
        return -values.mean()
    if reduction == "sum":
        return -values.sum() / x.shape[-1]
    return -values.mean(-1)


def _pair_labels(
    y_true: Any, y_pred: Tensor, compute: Any, nan_check: bool = True
) -> tuple[Tensor, bool] | None:
    """Float -1/1 (or all-0/1) labels of shape ``(batch,)`` for stacked pairs, and whether they
    are known to hold no NaN (:func:`_signed_labels`), or ``None``."""
    if (
        not isinstance(y_true, torch.Tensor)
        or y_true.device != y_pred.device
        or y_true.dtype == torch.bool
        or y_true.is_complex()
        or y_pred.numel() == 0
    ):
        return None
    batch = y_pred.shape[0]
    if y_true.shape == (batch, 1):
        y_true = y_true.reshape(batch)
    if y_true.shape != (batch,):
        return None
    return _signed_labels(_cast(y_true, compute), nan_check)


def cosine_embedding(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, margin: float = 0.0
) -> Any:
    compute = _compute_dtype(y_pred, dtype)
    if compute is None or y_pred.ndim != 3 or y_pred.shape[1] != 2:
        return None
    labels = _pair_labels(y_true, y_pred, compute)
    if labels is None:
        return None
    target, nan_free = labels
    x = _cast(y_pred, compute)
    if nan_free:  # F's reduction is the loss' own
        return F.cosine_embedding_loss(
            x[:, 0],
            x[:, 1],
            target,
            margin=float(margin),
            reduction="mean" if reduction in _MEAN else reduction,
        )
    values = F.cosine_embedding_loss(
        x[:, 0], x[:, 1], target, margin=float(margin), reduction="none"
    )
    # A NaN label gives NaN (F gives 0 for any label other than -1/1).
    return _reduce(values + 0.0 * target, reduction)


def margin_ranking(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, margin: float = 0.0
) -> Any:
    compute = _compute_dtype(y_pred, dtype)
    if compute is None or y_pred.ndim != 2 or y_pred.shape[1] != 2:
        return None
    labels = _pair_labels(y_true, y_pred, compute, nan_check=False)  # NaN propagates here
    if labels is None:
        return None
    x1, x2 = _cast(y_pred, compute).unbind(1)
    # F.margin_ranking_loss' (-y (x1 - x2) + margin).clamp_min(0), bit for bit (x2 - x1 is
    # -(x1 - x2) exactly) in fewer ops: no negation, no addition of a zero margin.
    values = labels[0] * (x2 - x1)
    if margin:
        values = values + float(margin)
    values = values.clamp_min(0.0)
    if reduction == "none":
        return values
    return values.mean() if reduction in _MEAN else values.sum()


def triplet_margin(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    eps_placement: str = "difference",
) -> Any:
    compute = _compute_dtype(y_pred, dtype)
    if (
        compute is None
        or eps_placement != "difference"
        or margin <= 0  # F refuses it; the formula computes it
        or y_pred.ndim != 3
        or y_pred.shape[1] != 3
        or y_pred.numel() == 0
    ):
        return None
    if y_true is not None and (
        not isinstance(y_true, torch.Tensor)
        or y_true.ndim == 0
        or y_true.shape[0] != y_pred.shape[0]
        or y_true.is_complex()
    ):
        return None  # the formula checks y_true and raises
    x = _cast(y_pred, compute)
    return F.triplet_margin_loss(
        x[:, 0],
        x[:, 1],
        x[:, 2],
        margin=float(margin),
        p=float(p),
        eps=float(eps),
        swap=bool(swap),
        reduction="mean" if reduction in _MEAN else reduction,
    )


def _signed_or_none(target: Tensor) -> tuple[Tensor, bool] | None:
    """-1/1 labels (all-0/1 read as -1/1), values read, and whether they hold no NaN; ``None``
    for any other label: the formula then decides (it refuses them where value checks run)."""
    labels = target.detach()
    other = labels.abs() != 1.0
    if not bool(other.any()):
        return target, True
    low, high = (v.item() for v in labels.aminmax())
    if low >= 0.0 and high <= 1.0 and torch.equal(labels, labels.round()):
        return 2.0 * target - 1.0, True
    if math.isnan(low) and not bool((other & ~labels.isnan()).any()):
        return target, False  # -1/1 and NaN (which is not all-0/1: no conversion)
    return None


def hinge_embedding(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, margin: float = 1.0
) -> Any:
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    target, x = pair
    margin = float(margin)

    def fn(a: Tensor, b: Tensor, reduction: str) -> Tensor:
        return F.hinge_embedding_loss(a, b, margin=margin, reduction=reduction)

    if _on_host(target) or checks_apply(target):  # read the labels: the formula refuses others
        read = _signed_or_none(target)
        if read is None:
            return None
        target, nan_free = read
        if nan_free:
            return _mean_over_axis(fn, x, target, reduction)
    else:
        binary = (target * (target - 1.0)).abs().amax() == 0
        target = torch.where(binary, 2.0 * target - 1.0, target)
    # F adds both terms for any label other than -1/1, as the formula does where no check runs;
    # 0 * label: a NaN label gives NaN (F: a number).
    values = (fn(x, target, "none") + 0.0 * target).mean(-1)
    return _reduce(values, reduction)


def multilabel_margin(y_true: Any, y_pred: Tensor, reduction: str, dtype: Any) -> Any:
    compute = _compute_dtype(y_pred, dtype)
    if (
        compute is None
        or y_pred.ndim not in (1, 2)
        or y_pred.numel() == 0
        # torch.compile's decomposition of F.multilabel_margin_loss (torch 2.13) also counts
        # the slots after the first -1, as targets of class 0: the formula is traced instead.
        or torch.compiler.is_compiling()
        or not isinstance(y_true, torch.Tensor)
        or y_true.device != y_pred.device
        or y_true.shape != y_pred.shape
    ):
        return None
    labels = _int64_labels(y_true)
    if labels is None:
        return None
    if checks_apply(labels):
        low, high = (v.item() for v in labels.aminmax())
        if low < -1 or high >= y_pred.shape[-1]:
            return None  # the formula raises the error
    x = _cast(y_pred, compute)
    return _nan_rows(
        x, lambda mode: F.multilabel_margin_loss(x, labels, reduction=mode), reduction, _on_host(x)
    )


# --- probabilistic family: classification additions (nll, multilabel_soft_margin) ---------------


def nll(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    ignore_class: Any = None,
    axis: Any = -1,
) -> Any:
    """``F.nll_loss`` on log-probabilities; ``reduction="none"`` gives ``(values, valid mask or
    None)``. An all-ignored batch averages to 0 (D5), where F's ``"mean"`` gives NaN."""
    rank = y_pred.ndim
    axis = _axis(axis, rank)
    compute = _compute_dtype(y_pred, dtype)
    if (
        axis is None
        or compute is None
        or rank < 2
        or y_pred.numel() == 0
        or (ignore_class is not None and not _INT64_MIN <= ignore_class <= _INT64_MAX)
    ):
        return None
    labels = _class_labels(y_true, y_pred, axis)
    if labels is None:
        return None
    num_classes = y_pred.shape[axis]
    in_range = _check_label_range(labels, num_classes, "nll", ignore_class, "ignore_class")
    batch_shape = labels.shape
    x = _classes_in_dim1(_cast(y_pred, compute), axis)
    if x.ndim == 2 and labels.ndim != 1:
        labels = labels.reshape(-1)
    # Labels read to lie in [0, C) hold no ignore_class outside it (torch's -100): no mask.
    masked = ignore_class is not None and not (in_range and not 0 <= ignore_class < num_classes)
    valid = labels != ignore_class if masked else None
    ignore_index = -100 if ignore_class is None else ignore_class  # -100: F's default
    if reduction == "none":
        values = F.nll_loss(x, labels, ignore_index=ignore_index, reduction="none")
        return values.reshape(batch_shape), None if valid is None else valid.reshape(batch_shape)
    if in_range and valid is None:  # every entry counts: F's reduction is the loss' own
        return F.nll_loss(
            x, labels, ignore_index=ignore_index, reduction="mean" if reduction in _MEAN else "sum"
        )
    total = F.nll_loss(x, labels, ignore_index=ignore_index, reduction="sum")
    if reduction == "sum":
        return total
    # Over the valid entries; 0 when there are none (D5), where F's "mean" gives NaN.
    return total / (labels.numel() if valid is None else valid.sum().clamp(min=1))


def multilabel_soft_margin(
    y_true: Any, y_pred: Tensor, reduction: str, dtype: Any, weight: Any = None
) -> Any:
    """``F.multilabel_soft_margin_loss``: binary cross-entropy of logits, class-weighted, averaged
    over the last axis."""
    pair = _pair(y_true, y_pred, dtype)
    if pair is None:
        return None
    target, x = pair
    if weight is not None:
        if isinstance(weight, torch.Tensor):
            if weight.device != x.device or weight.is_complex():
                return None
            weight = _cast(weight, x.dtype)
        elif isinstance(weight, list):
            weight = torch.tensor(weight, dtype=x.dtype, device=x.device)
        else:
            return None  # other libraries' arrays: the formula converts them
        if weight.shape != (x.shape[-1],):
            return None  # the formula raises the error
    values = F.multilabel_soft_margin_loss(x, target, weight=weight, reduction="none")
    return _reduce(values, reduction)


# --- metric learning (npairs) ------------------------------------------------------------------


def _host_labels(y_true: Any, y_pred: Tensor) -> Tensor | None:
    """Integer labels ``(batch,)`` (or ``(batch, 1)``) for the rows of ``y_pred``, where their
    values can be read at no cost (:func:`_on_host`), else ``None`` (the formula runs)."""
    if (
        not isinstance(y_true, torch.Tensor)
        or y_true.dtype not in _integer_dtypes()
        or y_true.device != y_pred.device
        or not _on_host(y_true)
    ):
        return None
    batch = y_pred.shape[0]
    if y_true.shape == (batch, 1):
        y_true = y_true.reshape(batch)
    return y_true if y_true.shape == (batch,) else None


def _unit_rows(x: Tensor) -> Tensor:
    """The formula's ``x / max(||x||, 1e-12)`` per row (a zero row keeps a finite gradient)."""
    squared = (x * x).sum(1, keepdim=True)
    positive = squared > 0
    norm = torch.where(positive, torch.where(positive, squared, 1.0).sqrt(), squared)
    return x / norm.clamp(min=1e-12)


def npairs(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    normalize: bool = False,
    inputs: str = "embeddings",
) -> Any:
    """The N-pair loss on the anchors and positives only (pytorch-metric-learning's way): the
    formula's ``(batch, batch)`` similarities, of which only the ``(pairs, pairs)`` block of
    anchor rows and positive columns counts, are computed as that block. Finding the pairs
    reads the labels (a stable sort: the first and second embedding of each label), so it runs
    where they are on the host; ``reduction="none"`` gives ``(values, anchor mask)``."""
    compute = _compute_dtype(y_pred, dtype)
    if inputs != "embeddings" or compute is None or y_pred.ndim != 2 or y_pred.shape[0] < 2:
        return None
    labels = _host_labels(y_true, y_pred)
    if labels is None:
        return None
    ordered, order = labels.sort(stable=True)
    # Sorted position i starts a label with a second embedding: the first of its label (i = 0
    # or a new label) followed by the same label.
    follows = ordered[1:] == ordered[:-1]
    starts = torch.ones_like(follows)
    starts[1:] = ~follows[:-1]
    first = (starts & follows).nonzero().squeeze(1)
    if first.numel() == 0:
        return None  # no anchor: the formula's zeros, still connected to y_pred
    anchors, positives = order[first], order[first + 1]
    x = _cast(y_pred, compute)
    if normalize:
        x = _unit_rows(x)
    # Row c: logsumexp over the positives p of a_c . p - a_c . p_c, the positives centred on the
    # batch mean as in the formula (the shift is one constant per row, which cancels).
    a, p = x[anchors], x[positives] - x.mean(0)
    targets = torch.arange(first.numel(), device=x.device)
    similarity = a @ p.T
    if reduction != "none":
        total = F.cross_entropy(similarity, targets, reduction="sum")
        return total if reduction == "sum" else total / first.numel()
    per_pair = F.cross_entropy(similarity, targets, reduction="none")
    batch = y_pred.shape[0]
    values = x.new_zeros(batch).index_put((anchors,), per_pair)
    valid = torch.zeros(batch, dtype=torch.bool, device=x.device).index_fill(0, anchors, True)
    return values, valid


def _embedding_labels(y_true: Any, y_pred: Tensor) -> Tensor | None:
    """Integer labels ``(batch,)`` (or ``(batch, 1)``) on ``y_pred``'s device, else ``None``
    (float labels: the formula checks them)."""
    if (
        not isinstance(y_true, torch.Tensor)
        or y_true.dtype not in _integer_dtypes()
        or y_true.device != y_pred.device
    ):
        return None
    batch = y_pred.shape[0]
    if y_true.shape == (batch, 1):
        y_true = y_true.reshape(batch)
    return y_true if y_true.shape == (batch,) else None


def contrastive(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    margin: float = 1.0,
    pos_margin: float = 0.0,
    squared: bool = True,
    distance: str = "l2",
    normalize: bool = False,
    aggregation: str = "anchors",
    inputs: str = "embeddings",
) -> Any:
    """Euclidean contrastive loss over every pair of the batch, with fewer full-size passes
    than the formula: the distances from ``torch.cdist`` (one matrix product of the centred
    embeddings, as the formula's ``|a|^2 + |b|^2 - 2 a.b``; 0, with a zero gradient, where that
    rounds to <= 0) and one hinge per pair, ``relu(d - pos_margin)`` or ``relu(margin - d)``
    chosen by label before the ``relu``. ``reduction="none"`` gives ``(values, mask)``."""
    compute = _compute_dtype(y_pred, dtype)
    if (
        inputs != "embeddings"
        or distance != "l2"
        or compute is None
        or y_pred.ndim != 2
        or y_pred.shape[0] < 2
    ):
        return None
    labels = _embedding_labels(y_true, y_pred)
    if labels is None:
        return None
    x = _cast(y_pred, compute)
    if normalize:
        x = _unit_rows(x)
    x = x - x.mean(0, keepdim=True)
    d = torch.cdist(x, x, compute_mode="use_mm_for_euclid_dist")
    same = labels[:, None] == labels[None, :]
    pair = F.relu(torch.where(same, d - pos_margin, margin - d))
    if squared:
        pair = pair.square()
    batch = x.shape[0]
    eye = torch.eye(batch, dtype=torch.bool, device=x.device)
    if aggregation == "nonzero_pairs":
        # The mean of the non-zero positive-pair terms plus that of the negative-pair terms.
        near = torch.where(same & ~eye, pair, 0.0)
        far = torch.where(same, 0.0, pair)
        scalar = _mean_nonzero(near) + _mean_nonzero(far)
        if reduction == "none":
            return scalar.expand(batch).contiguous(), None
        return scalar * batch if reduction == "sum" else scalar
    values = torch.where(eye, 0.0, pair).sum(1) / (batch - 1)
    if reduction == "none":
        return values, torch.ones(batch, dtype=torch.bool, device=x.device)
    return _reduce(values, reduction)


def _mean_nonzero(terms: Tensor) -> Tensor:
    """The mean of the non-zero entries of ``terms`` (>= 0), 0 when there are none."""
    count = (terms > 0).sum()
    return torch.where(count == 0, 0.0, terms.sum() / count.clamp(min=1))


# --- focal losses on independent binary entries (sigmoid_focal, asymmetric) --------------------


def _reduce_classes(terms: Tensor, class_reduction: str, reduction: str) -> Tensor:
    """``terms`` combined over the last axis by ``class_reduction``, then reduced."""
    if class_reduction == "sum":
        values = terms.sum(-1)
    elif class_reduction == "mean":
        values = terms.mean(-1)
    else:
        values = terms
    return _reduce(values, reduction)


def sigmoid_focal(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    alpha: float | None = 0.25,
    gamma: float = 2.0,
    from_logits: bool = True,
    class_reduction: str = "sum",
) -> Any:
    """The formula with fused torch ops (logits): ``F.binary_cross_entropy_with_logits`` for
    ``softplus(x) - y x``, and ``torch.lerp`` for the label interpolations ``y b + (1 - y) a``
    (exactly ``a`` at ``y = 0`` and ``b`` at ``y = 1``; one pass instead of four). A focusing
    power below 1 (its guarded gradient at 0) is left to the formula."""
    pair = _pair(y_true, y_pred, dtype)
    if pair is None or not from_logits or 0.0 < gamma < 1.0:
        return None
    y, x = pair
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    if gamma:
        # 1 - p_t = y (1 - p) + (1 - y) p, with 1 - p = sigmoid(-x) (stable).
        base = torch.lerp(torch.sigmoid(x), torch.sigmoid(-x), y).clamp(min=0.0)
        ce = base.pow(gamma) * ce
    if alpha is not None:
        weight = torch.lerp(_scalar(1.0 - alpha, x), _scalar(alpha, x), y)
        ce = weight * ce
    return _reduce_classes(ce, class_reduction, reduction)


def _scalar(value: float, like: Tensor) -> Tensor:
    return torch.tensor(value, dtype=like.dtype, device=like.device)


def _within_unit_interval(y: Tensor) -> bool:
    """Whether every label is read to lie in ``[0, 1]`` (``False`` where values are not read)."""
    if not _on_host(y) or y.numel() == 0:
        return False
    low, high = y.detach().aminmax()
    return bool(low.item() >= 0.0 and high.item() <= 1.0)


def asymmetric(
    y_true: Any,
    y_pred: Tensor,
    reduction: str,
    dtype: Any,
    gamma_neg: float = 4.0,
    gamma_pos: float = 1.0,
    clip: float | None = 0.05,
    eps: float = 1e-8,
    label_smoothing: float = 0.0,
    from_logits: bool = True,
    class_reduction: str = "sum",
) -> Any:
    """The formula with ``torch.lerp`` for its label interpolations ``y b + (1 - y) a`` (exact
    at hard labels, one pass instead of four) and the plain power for the focusing weight where
    both exponents are >= 1 and the labels are read to lie in [0, 1] (so every exponent is
    >= 1: the formula's guard for a power below 1 at 0 changes nothing); elsewhere the formula
    runs."""
    pair = _pair(y_true, y_pred, dtype)
    focusing = gamma_neg > 0 or gamma_pos > 0
    if pair is None or (focusing and min(gamma_neg, gamma_pos) < 1.0):
        return None
    y, x = pair
    if focusing and not _within_unit_interval(y):
        return None
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p, p_neg = torch.sigmoid(x), torch.sigmoid(-x)
    else:
        p, p_neg = x, 1.0 - x
    if clip:
        p_neg = (p_neg + clip).clamp(max=1.0)
    log_likelihood = torch.lerp(p_neg.clamp(min=eps).log(), p.clamp(min=eps).log(), y)
    if focusing:
        base = (1.0 - torch.lerp(p_neg, p, y)).clamp(min=0.0)
        exponent = torch.lerp(_scalar(gamma_neg, x), _scalar(gamma_pos, x), y)
        log_likelihood = log_likelihood * base.pow(exponent)
    # The sign after the reductions: one full-size pass less, the same numbers.
    return -_reduce_classes(log_likelihood, class_reduction, reduction)
