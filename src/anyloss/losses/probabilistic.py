"""Probabilistic losses: binary/categorical/sparse cross-entropy, focal variants, KL divergence,
generalized cross-entropy.

Probabilities are clipped to ``[eps, 1 - eps]`` (eps = 1e-7) as in Keras, so a certain wrong
prediction costs ``-log(1e-7) = 16.118``. Logits take the stable forms (log-sum-exp with a
detached max, softplus), which do not saturate.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from anyloss import backend as B
from anyloss._arguments import (
    check_axis_type,
    check_flag,
    check_number,
    check_probability,
    normalize_axis,
)
from anyloss._text import shown
from anyloss.backend import EPSILON as EPS
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, MaskedValues, builtin
from anyloss.losses._prepare import integer_labels, prepare
from anyloss.losses._reduction import reduce_weighted_values

# --- hyperparameter checks: one per declaration, run once per function call or constructor ---


def _check_binary(arguments: dict[str, Any]) -> dict[str, Any]:
    check_probability(arguments["label_smoothing"], "label_smoothing")
    check_axis_type(arguments["axis"])
    return {**arguments, "from_logits": check_flag(arguments["from_logits"], "from_logits")}


def _check_binary_focal(arguments: dict[str, Any]) -> dict[str, Any]:
    arguments = _check_binary(arguments)
    check_probability(arguments["alpha"], "alpha")
    check_number(arguments["gamma"], "gamma", minimum=0.0)
    return {
        **arguments,
        "apply_class_balancing": check_flag(
            arguments["apply_class_balancing"], "apply_class_balancing"
        ),
    }


def _check_categorical(arguments: dict[str, Any]) -> dict[str, Any]:
    check_probability(arguments["label_smoothing"], "label_smoothing")
    check_axis_type(arguments["axis"], single=True)
    return {**arguments, "from_logits": check_flag(arguments["from_logits"], "from_logits")}


def _check_categorical_focal(arguments: dict[str, Any]) -> dict[str, Any]:
    arguments = _check_categorical(arguments)
    check_number(arguments["gamma"], "gamma", minimum=0.0)
    alpha = arguments["alpha"]
    if isinstance(alpha, (numbers.Real, bool)):
        check_number(alpha, "alpha", minimum=0.0)
    return {**arguments, "alpha": list(alpha) if isinstance(alpha, tuple) else alpha}


def _check_ignore_class(ignore_class: Any) -> None:
    if ignore_class is None or (
        isinstance(ignore_class, numbers.Integral) and not isinstance(ignore_class, bool)
    ):
        return
    msg = (
        f"Argument `ignore_class` must be an integer label (e.g. -1 for padding) or None. "
        f"Received: ignore_class={shown(ignore_class)}"
    )
    raise TypeError(msg)


def _check_chunk_size(chunk_size: Any, from_logits: bool) -> None:
    if chunk_size is None:
        return
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        msg = (
            f"Argument `chunk_size` must be a positive int (rows per chunk) or None. "
            f"Received: chunk_size={chunk_size!r}"
        )
        raise ValueError(msg)
    if not from_logits:
        msg = (
            "Argument `chunk_size` needs from_logits=True: chunking saves the memory of the "
            "softmax gradient of logits, while probabilities are already a full softmax. "
            "Pass logits with from_logits=True, or drop chunk_size."
        )
        raise ValueError(msg)


def _check_sparse(arguments: dict[str, Any]) -> dict[str, Any]:
    arguments = _check_categorical(arguments)
    _check_ignore_class(arguments["ignore_class"])
    _check_chunk_size(arguments["chunk_size"], arguments["from_logits"])
    return arguments


def _check_generalized(arguments: dict[str, Any]) -> dict[str, Any]:
    q = check_number(
        arguments["q"], "q", minimum=0.0, maximum=1.0, open_minimum=True, open_maximum=True
    )
    return {"q": q}


def _bce(xp: Any, target: Any, output: Any, from_logits: bool) -> Any:
    """Elementwise binary cross-entropy."""
    if from_logits:
        # -t log σ(x) - (1 - t) log σ(-x) = softplus(x) - t x
        return B.softplus(xp, output) - target * output
    output = xp.clip(output, EPS, 1.0 - EPS)
    return -(target * xp.log(output) + (1.0 - target) * xp.log(1.0 - output))


def _smooth_binary(y_true: Any, label_smoothing: float) -> Any:
    # Squeeze towards 0.5: 1 -> 1 - ls/2, 0 -> ls/2.
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


@builtin(
    inputs=Inputs.BINARY,
    aliases=("bce", "BCE"),
    check=_check_binary,
    torch_kernel=torch_kernels.binary_crossentropy,
)
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary cross-entropy, averaged over ``axis``.

    ``loss = mean(-(y log p + (1 - y) log(1 - p)), axis)`` with ``p = clip(y_pred, eps, 1-eps)``
    (or ``p = sigmoid(y_pred)`` in its stable form when ``from_logits``). Label smoothing moves
    targets towards 0.5: ``y * (1 - ls) + 0.5 * ls``.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "binary_crossentropy")
    axis = normalize_axis(axis, B.ndim(y_pred))
    y_true = _smooth_binary(y_true, label_smoothing)
    return xp.mean(_bce(xp, y_true, y_pred, from_logits), axis=axis)


@builtin(inputs=Inputs.BINARY, check=_check_binary_focal)
def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary focal cross-entropy, averaged over ``axis``.

    ``p_t = y p + (1 - y)(1 - p)``, ``loss = mean((1 - p_t)^gamma * bce)``, times
    ``y alpha + (1 - y)(1 - alpha)`` when ``apply_class_balancing``. ``gamma = 0`` without
    balancing is binary cross-entropy. With logits the ``bce`` term uses the stable logits form.

    Reference: Lin et al., "Focal Loss for Dense Object Detection" (2017),
    https://arxiv.org/abs/1708.02002
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "binary_focal_crossentropy")
    axis = normalize_axis(axis, B.ndim(y_pred))
    y_true = _smooth_binary(y_true, label_smoothing)
    bce = _bce(xp, y_true, y_pred, from_logits)
    p = B.sigmoid(xp, y_pred) if from_logits else y_pred
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = xp.pow(xp.clip(1.0 - p_t, 0.0, None), gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return xp.mean(focal, axis=axis)


def _class_axis(axis: Any, rank: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        msg = (
            f"Argument `axis` must be an int naming the class axis (usually -1). "
            f"Received: axis={shown(axis)}"
        )
        raise TypeError(msg)
    return normalize_axis(axis, rank)


def _smooth_categorical(
    xp: Any, y_true: Any, y_pred: Any, label_smoothing: float, axis: int
) -> Any:
    if not label_smoothing:
        return y_true
    # D2: the class count comes from y_pred along `axis` (Keras 3.15 reads y_true's last axis).
    num_classes = B.shape(y_pred)[axis]
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def _warn_single_class(y_pred: Any, axis: int, loss: str) -> None:
    if B.shape(y_pred)[axis] == 1:
        warnings.warn(
            f"In {loss}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={B.shape(y_pred)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _log_probabilities(xp: Any, y_pred: Any, from_logits: bool, axis: int) -> Any:
    """Log-probabilities: log-softmax of logits, or the log of renormalised, clipped ones."""
    if from_logits:
        return B.log_softmax(xp, y_pred, axis=axis)
    # Keras renormalises probabilities that do not sum to 1 before clipping.
    p = y_pred / xp.sum(y_pred, axis=axis, keepdims=True)
    return xp.log(xp.clip(p, EPS, 1.0 - EPS))


@builtin(
    inputs=Inputs.CATEGORICAL,
    check=_check_categorical,
    torch_kernel=torch_kernels.categorical_crossentropy,
)
def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Categorical cross-entropy with one-hot (or soft) ``y_true``.

    ``loss = -sum(y_true * log p, axis)``; ``p`` is ``softmax(y_pred)`` when ``from_logits``,
    else ``y_pred`` renormalised to sum to 1 and clipped to ``[eps, 1 - eps]``. Label smoothing:
    ``y * (1 - ls) + ls / num_classes``.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "categorical_crossentropy")
    axis = _class_axis(axis, B.ndim(y_pred))
    _warn_single_class(y_pred, axis, "categorical_crossentropy")
    y_true = _smooth_categorical(xp, y_true, y_pred, label_smoothing, axis)
    return -xp.sum(y_true * _log_probabilities(xp, y_pred, from_logits, axis), axis=axis)


@builtin(inputs=Inputs.CATEGORICAL, check=_check_categorical_focal)
def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Categorical focal cross-entropy.

    ``p = clip(softmax-or-renormalised y_pred, eps, 1 - eps)``,
    ``loss = sum(alpha * (1 - p)^gamma * (-y_true log p), axis)``. ``alpha`` is a number or one
    weight per class.

    Reference: Lin et al., "Focal Loss for Dense Object Detection" (2017),
    https://arxiv.org/abs/1708.02002
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "categorical_focal_crossentropy")
    axis = _class_axis(axis, B.ndim(y_pred))
    _warn_single_class(y_pred, axis, "categorical_focal_crossentropy")
    y_true = _smooth_categorical(xp, y_true, y_pred, label_smoothing, axis)
    if from_logits:
        y_pred = B.softmax(xp, y_pred, axis=axis)
    p = xp.clip(y_pred / xp.sum(y_pred, axis=axis, keepdims=True), EPS, 1.0 - EPS)
    weight = _class_weights(xp, alpha, y_pred, axis) * xp.pow(1.0 - p, gamma)
    return xp.sum(weight * (-y_true * xp.log(p)), axis=axis)


def _class_weights(xp: Any, alpha: Any, y_pred: Any, axis: int) -> Any:
    """``alpha`` as a number, or as an array broadcasting along the class ``axis``."""
    if isinstance(alpha, (numbers.Real, bool)):
        return check_number(alpha, "alpha", minimum=0.0)
    alpha = B.like(alpha, y_pred, xp, dtype=y_pred.dtype, arg="alpha")
    num_classes = B.shape(y_pred)[axis]
    if B.shape(alpha) != (num_classes,):
        msg = (
            f"Argument `alpha` must be a number or one weight per class (shape "
            f"({num_classes},)). Received alpha of shape {B.shape(alpha)}."
        )
        raise ValueError(msg)
    shape = [1] * B.ndim(y_pred)
    shape[axis] = num_classes
    return xp.reshape(alpha, tuple(shape))


@builtin(
    inputs=Inputs.SPARSE,
    check=_check_sparse,
    masked=True,
    align_ranks=False,
    torch_kernel=torch_kernels.sparse_categorical_crossentropy,
)
def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
    label_smoothing: float = 0.0,
    chunk_size: int | None = None,
) -> Any:
    """Cross-entropy with integer class indices as targets.

    ``loss = -log p[y_true]`` with ``p`` as in :func:`categorical_crossentropy`. ``y_true`` has
    ``y_pred``'s shape without the class ``axis`` (a trailing size-1 axis is squeezed).
    Entries equal to ``ignore_class`` give 0 and, in a ``SparseCategoricalCrossentropy``, do not
    count in the mean. ``label_smoothing`` (an extension, as in Keras after 3.15) mixes in the
    uniform distribution. Labels outside ``[0, num_classes)`` raise ``ValueError`` (D13).

    ``chunk_size`` (an extension; needs ``from_logits=True``): on torch, process that many rows
    at a time in a custom autograd function, so the softmax and its gradient never exist for
    all rows at once; the gradient itself is the only full-size buffer (at 4096x32000 float32,
    about a third of ``F.cross_entropy``'s extra memory). Other libraries give the same numbers
    through the normal path: under ``jax.jit`` XLA already fuses the loss to the gradient alone.
    """
    xp, y_pred = B.prediction(y_pred)
    rank = B.ndim(y_pred)
    axis = _class_axis(axis, rank)
    labels = integer_labels(xp, y_true, y_pred)
    if B.ndim(labels) == rank and B.shape(labels)[axis] == 1:
        labels = xp.squeeze(labels, axis=axis)
    if axis != rank - 1:
        y_pred = xp.moveaxis(y_pred, axis, -1)
    expected = B.shape(y_pred)[:-1]
    if len(B.shape(labels)) != len(expected) or any(
        a is not None and b is not None and a != b
        for a, b in zip(B.shape(labels), expected, strict=True)
    ):
        msg = (
            f"sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` "
            f"without its class axis: expected {expected} (or {(*expected, 1)}), got "
            f"{B.shape(labels)} for y_pred.shape={B.shape(y_pred)}. Pass integer class "
            "indices, or use categorical_crossentropy for one-hot targets."
        )
        raise ValueError(msg)
    num_classes = B.shape(y_pred)[-1]
    B.check_label_range(xp, labels, num_classes, "sparse_categorical_crossentropy", ignore_class)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = xp.where(valid, labels, xp.zeros_like(labels))
    chunked = None
    if chunk_size is not None:
        chunked = B.chunked_sparse_crossentropy(xp, y_pred, labels, chunk_size, label_smoothing)
    if chunked is not None:
        values = chunked
    elif from_logits:
        # -log softmax(x)_y = logsumexp(x) - x_y: no full log-softmax is materialised.
        lse = B.logsumexp(xp, y_pred, axis=-1)
        values = lse - B.gather_classes(xp, y_pred, labels)
        if label_smoothing:
            # (1 - ls) CE(one-hot) + ls CE(uniform); CE(uniform) = lse - mean(x).
            values = (1.0 - label_smoothing) * values + label_smoothing * (
                lse - xp.mean(y_pred, axis=-1)
            )
    else:
        log_p = _log_probabilities(xp, y_pred, False, -1)
        values = -B.gather_classes(xp, log_p, labels)
        if label_smoothing:
            values = (1.0 - label_smoothing) * values - label_smoothing * xp.mean(log_p, axis=-1)
    if valid is not None:
        values = xp.where(valid, values, xp.zeros_like(values))
    return MaskedValues(values, valid)


def linear_cross_entropy(
    hidden: Any,
    weight: Any,
    labels: Any,
    bias: Any = None,
    *,
    sample_weight: Any = None,
    ignore_class: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Any = "sum_over_batch_size",
    chunk_size: int | None = None,
) -> Any:
    """Sparse cross-entropy of the logits ``hidden @ weight.T + bias``, reduced.

    Equals ``SparseCategoricalCrossentropy(from_logits=True, ignore_class=...,
    label_smoothing=..., reduction=...)(labels, hidden @ weight.T + bias, sample_weight)``.
    ``hidden`` is ``(..., H)``, ``weight`` ``(V, H)`` (a linear layer's weight), ``bias``
    ``(V,)`` or ``None``, ``labels`` ``hidden.shape[:-1]`` class indices.

    ``chunk_size`` (rows per chunk), on torch: the logits are built, used and dropped a chunk
    at a time in the forward pass and rebuilt chunk by chunk in the backward pass, so the
    ``(N, V)`` logits and their gradient never exist (one extra matmul of compute; the same idea
    as Liger-Kernel's fused linear cross-entropy and Apple's Cut Cross-Entropy, in plain torch
    ops). Elsewhere, and without ``chunk_size``, the logits are computed in full.
    """
    check_probability(label_smoothing, "label_smoothing")
    _check_ignore_class(ignore_class)
    _check_chunk_size(chunk_size, True)
    xp, hidden = B.prediction(hidden)
    weight = B.like(weight, hidden, xp, dtype=hidden.dtype)
    if B.ndim(hidden) < 1 or B.ndim(weight) != 2 or B.shape(weight)[1] != B.shape(hidden)[-1]:
        msg = (
            f"linear_cross_entropy: `weight` must have shape (num_classes, "
            f"{B.shape(hidden)[-1] if B.ndim(hidden) else 'H'}) for hidden.shape="
            f"{B.shape(hidden)}. Received: weight.shape={B.shape(weight)}"
        )
        raise ValueError(msg)
    num_classes = B.shape(weight)[0]
    if bias is not None:
        bias = B.like(bias, hidden, xp, dtype=hidden.dtype)
        if B.shape(bias) != (num_classes,):
            msg = (
                f"linear_cross_entropy: `bias` must have shape ({num_classes},). "
                f"Received: bias.shape={B.shape(bias)}"
            )
            raise ValueError(msg)
    labels = integer_labels(xp, labels, hidden, "labels")
    if B.shape(labels) != B.shape(hidden)[:-1]:
        msg = (
            f"linear_cross_entropy: `labels` must have shape {B.shape(hidden)[:-1]} (hidden "
            f"without its last axis). Received: labels.shape={B.shape(labels)}"
        )
        raise ValueError(msg)
    chunked = None
    if chunk_size is not None:
        B.check_label_range(xp, labels, num_classes, "linear_cross_entropy", ignore_class)
        valid = None if ignore_class is None else labels != ignore_class
        safe = labels if valid is None else xp.where(valid, labels, xp.zeros_like(labels))
        chunked = B.chunked_linear_crossentropy(
            xp, hidden, weight, bias, safe, chunk_size, label_smoothing
        )
    if chunked is not None:
        values = chunked if valid is None else xp.where(valid, chunked, xp.zeros_like(chunked))
    else:
        logits = xp.matmul(hidden, xp.permute_dims(weight, (1, 0)))
        if bias is not None:
            logits = logits + bias
        values = sparse_categorical_crossentropy(
            labels, logits, True, ignore_class, -1, label_smoothing
        )
        valid = None if ignore_class is None else labels != ignore_class
    return reduce_weighted_values(values, sample_weight, valid, reduction)


@builtin(
    inputs=Inputs.CATEGORICAL,
    aliases=("kld", "KLD", "kullback_leibler_divergence"),
    torch_kernel=torch_kernels.kl_divergence,
)
def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """Kullback-Leibler divergence per sample.

    ``loss = sum(y log(y / p), axis=-1)`` with both clipped to ``[eps, 1]`` (a sum, not a mean).
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "kl_divergence")
    y_true = xp.clip(y_true, EPS, 1.0)
    y_pred = xp.clip(y_pred, EPS, 1.0)
    return xp.sum(y_true * xp.log(y_true / y_pred), axis=-1)


@builtin(inputs=Inputs.SPARSE, check=_check_generalized, align_ranks=False)
def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float = 0.5) -> Any:
    """Generalized cross-entropy for noisy labels: ``(1 - p_y^q) / q``.

    ``y_true`` holds integer class indices (``(batch,)`` or ``(batch, 1)``), ``y_pred``
    probabilities. ``q -> 0`` approaches cross-entropy, ``q = 1`` is MAE. ``p_y`` is floored at
    eps so the gradient stays finite at ``p_y = 0``.

    Reference: Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural
    Networks with Noisy Labels" (2018), https://arxiv.org/abs/1805.07836
    """
    xp, y_pred = B.prediction(y_pred)
    labels = integer_labels(xp, y_true, y_pred)
    if B.ndim(labels) == B.ndim(y_pred) and B.shape(labels)[-1] == 1:
        labels = xp.squeeze(labels, axis=-1)
    if B.shape(labels) != B.shape(y_pred)[:-1]:
        msg = (
            f"categorical_generalized_cross_entropy: `y_true` must hold one class index per "
            f"row of `y_pred`: expected shape {B.shape(y_pred)[:-1]}, got {B.shape(labels)}. "
            f"Pass one integer label per row (not one-hot targets)."
        )
        raise ValueError(msg)
    B.check_label_range(xp, labels, B.shape(y_pred)[-1], "categorical_generalized_cross_entropy")
    p = xp.clip(B.gather_classes(xp, y_pred, labels), EPS, None)
    return (1.0 - xp.pow(p, q)) / q


class BinaryCrossentropy(BuiltinLoss, function=binary_crossentropy):
    """Binary cross-entropy. See :func:`binary_crossentropy`; ``reduction``: see ``Loss``."""

    from_logits: bool
    label_smoothing: float
    axis: int

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryFocalCrossentropy(BuiltinLoss, function=binary_focal_crossentropy):
    """Binary focal cross-entropy. See :func:`binary_focal_crossentropy`."""

    apply_class_balancing: bool
    alpha: float
    gamma: float
    from_logits: bool
    label_smoothing: float
    axis: int

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(BuiltinLoss, function=categorical_crossentropy):
    """Categorical cross-entropy. See :func:`categorical_crossentropy`."""

    from_logits: bool
    label_smoothing: float
    axis: int

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(BuiltinLoss, function=categorical_focal_crossentropy):
    """Categorical focal cross-entropy. See :func:`categorical_focal_crossentropy`."""

    alpha: Any
    gamma: float
    from_logits: bool
    label_smoothing: float
    axis: int

    def __init__(
        self,
        alpha: Any = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(BuiltinLoss, function=sparse_categorical_crossentropy):
    """Cross-entropy with integer labels. See :func:`sparse_categorical_crossentropy`.

    With ``ignore_class``, ``sum_over_batch_size`` divides by the number of valid entries.
    ``chunk_size`` bounds the memory of the softmax gradient on torch (needs ``from_logits``).
    """

    from_logits: bool
    ignore_class: int | None
    axis: int
    label_smoothing: float
    chunk_size: int | None

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: Any = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        label_smoothing: float = 0.0,
        *,
        chunk_size: int | None = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
            label_smoothing=label_smoothing,
            chunk_size=chunk_size,
        )


class KLDivergence(BuiltinLoss, function=kl_divergence):
    """Kullback-Leibler divergence. See :func:`kl_divergence`."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "kl_divergence", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(
    BuiltinLoss, function=categorical_generalized_cross_entropy
):
    """Generalized cross-entropy. See :func:`categorical_generalized_cross_entropy`."""

    q: float

    def __init__(
        self,
        q: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, q=q)
