"""Probabilistic losses: binary/categorical/sparse cross-entropy, focal variants, KL divergence,
generalized cross-entropy.

Probabilities are clipped to ``[eps, 1 - eps]`` (eps = 1e-7) as in Keras, so a certain wrong
prediction costs ``-log(1e-7) = 16.118``. Logits take the stable forms (log-sum-exp with a
detached max, softplus), which do not saturate. ``Dn`` codes (D2, D13, ...) in the docstrings
name the documented differences from Keras in ``docs/keras-differences.md``.
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
from anyloss.losses import _mistakes
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
    mistakes=_mistakes.binary,
)
def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary cross-entropy between 0/1 targets and predicted probabilities.

    The loss for binary and multi-label classification: each entry of ``y_pred`` is the
    predicted probability (or, with ``from_logits=True``, the logit) that the matching entry of
    ``y_true`` is 1. As in Keras, probabilities are clipped to ``[eps, 1 - eps]`` with
    ``eps = 1e-7``, so a certain wrong prediction costs ``-log(1e-7) = 16.118``; logits take the
    stable form ``softplus(x) - y x``, which does not saturate. Label smoothing moves the targets
    towards 0.5. ``Dn`` codes in this module name the documented differences from Keras in
    ``docs/keras-differences.md``.

    Formula, per entry, then the mean over ``axis``::

        y'   = y * (1 - label_smoothing) + 0.5 * label_smoothing
        p    = clip(y_pred, eps, 1 - eps)
        bce  = -(y' * log(p) + (1 - y') * log(1 - p))
             = softplus(x) - y' * x                     (from_logits, x = y_pred)
        loss = mean(bce, axis)

    Args:
        y_true: 0/1 targets (soft targets in ``[0, 1]`` work too), the shape of ``y_pred``; a
            rank that differs by a trailing size-1 axis is aligned first, as in Keras.
        y_pred: predicted probabilities in ``[0, 1]`` (or logits), e.g. ``(batch, d)``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; a target 1 becomes ``1 - ls/2`` and 0 becomes ``ls/2``.
            Default ``0.0``.
        axis: the axis to average over: an int, a tuple of ints, or ``None`` for all axes.
            Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without
        ``axis`` (``(batch,)`` for ``(batch, d)`` inputs).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> al.binary_crossentropy(y_true, y_pred).round(4).tolist()
        [0.9163, 0.7136]
        >>> logits = np.array([[-1.0, 2.0], [0.5, -3.0]])
        >>> al.binary_crossentropy(y_true, logits, from_logits=True).round(4).tolist()
        [0.2201, 0.5113]

    Reference:
        Keras, probabilistic losses: https://keras.io/api/losses/probabilistic_losses/;
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016),
        https://arxiv.org/abs/1512.00567 (label smoothing)
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "binary_crossentropy")
    axis = normalize_axis(axis, B.ndim(y_pred))
    y_true = _smooth_binary(y_true, label_smoothing)
    return xp.mean(_bce(xp, y_true, y_pred, from_logits), axis=axis)


@builtin(inputs=Inputs.BINARY, check=_check_binary_focal, mistakes=_mistakes.binary)
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
    """Binary focal cross-entropy: binary cross-entropy that down-weights easy entries.

    For binary and multi-label classification with many easy examples (e.g. dense detection
    with a dominant background class): each entry's cross-entropy is scaled by
    ``(1 - p_t)^gamma``, so confident correct predictions contribute little; with
    ``apply_class_balancing`` it is also weighted by ``alpha`` (positives) or ``1 - alpha``
    (negatives). ``gamma = 0`` without balancing is :func:`binary_crossentropy`. Keras 3
    compatible: probabilities are clipped to ``[eps, 1 - eps]`` (``eps = 1e-7``) in the
    cross-entropy term, label smoothing moves targets towards 0.5, and with ``from_logits=True``
    the cross-entropy term takes the stable logits form (``p = sigmoid(y_pred)`` in the focal
    factor), which does not saturate.

    Formula, per entry, then the mean over ``axis``::

        y'    = y * (1 - label_smoothing) + 0.5 * label_smoothing
        p     = y_pred                     (sigmoid(y_pred) when from_logits)
        p_t   = y' * p + (1 - y') * (1 - p)
        focal = (1 - p_t)^gamma * bce(y', y_pred)          (bce as in binary_crossentropy)
        focal = (y' * alpha + (1 - y') * (1 - alpha)) * focal   (apply_class_balancing)
        loss  = mean(focal, axis)

    Args:
        y_true: 0/1 targets (soft targets in ``[0, 1]`` work too), the shape of ``y_pred``.
        y_pred: predicted probabilities in ``[0, 1]`` (or logits), e.g. ``(batch, d)``.
        apply_class_balancing: whether to weight entries by ``alpha``/``1 - alpha``. Default
            ``False``.
        alpha: the weight of positive entries with ``apply_class_balancing``, in ``[0, 1]``.
            Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``; larger values down-weight easy entries more.
            Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; targets move to ``1 - ls/2`` and ``ls/2``. Default
            ``0.0``.
        axis: the axis to average over: an int, a tuple of ints, or ``None`` for all axes.
            Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without
        ``axis``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> al.binary_focal_crossentropy(y_true, y_pred, gamma=2.0).round(4).tolist()
        [0.3299, 0.2058]
        >>> al.binary_focal_crossentropy(
        ...     y_true, y_pred, apply_class_balancing=True, alpha=0.25
        ... ).round(4).tolist()
        [0.1649, 0.1543]

    Reference:
        Lin et al., "Focal Loss for Dense Object Detection" (2017),
        https://arxiv.org/abs/1708.02002;
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016),
        https://arxiv.org/abs/1512.00567 (label smoothing)
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
            f"In loss {loss}, expected y_pred.shape to be (batch_size, num_classes) with "
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
    mistakes=_mistakes.categorical,
)
def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Categorical cross-entropy between one-hot (or soft) targets and class probabilities.

    The loss for single-label multi-class classification with one-hot targets (use
    :func:`sparse_categorical_crossentropy` for integer labels). As in Keras, probabilities are
    renormalised to sum to 1 along ``axis`` and clipped to ``[eps, 1 - eps]`` with
    ``eps = 1e-7``; logits take the stable log-softmax. Label smoothing mixes the targets with
    the uniform distribution, ``y * (1 - ls) + ls / num_classes``, where ``num_classes`` is the
    size of ``y_pred`` along ``axis`` (D2: Keras 3.15 reads it from ``y_true``'s last axis;
    ``Dn`` codes refer to ``docs/keras-differences.md``). A class axis of size 1 warns, as in
    Keras.

    Formula, along the class axis::

        y'   = y * (1 - label_smoothing) + label_smoothing / num_classes
        p    = clip(y_pred / sum(y_pred, axis), eps, 1 - eps)   (softmax(y_pred) from logits)
        loss = -sum(y' * log(p), axis)

    Args:
        y_true: one-hot (or soft) targets, the shape of ``y_pred``, e.g. ``(batch, classes)``.
        y_pred: predicted class probabilities (or logits), e.g. ``(batch, classes)``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        axis: the class axis, an int. Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis (``(batch,)`` for ``(batch, classes)`` inputs).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> al.categorical_crossentropy(y_true, y_pred).round(4).tolist()
        [0.0513, 2.3026]
        >>> al.categorical_crossentropy(y_true, y_pred, label_smoothing=0.1).round(4).tolist()
        [0.685, 2.2333]

    Reference:
        Keras, probabilistic losses: https://keras.io/api/losses/probabilistic_losses/;
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016),
        https://arxiv.org/abs/1512.00567 (label smoothing)
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "categorical_crossentropy")
    axis = _class_axis(axis, B.ndim(y_pred))
    _warn_single_class(y_pred, axis, "categorical_crossentropy")
    y_true = _smooth_categorical(xp, y_true, y_pred, label_smoothing, axis)
    return -xp.sum(y_true * _log_probabilities(xp, y_pred, from_logits, axis), axis=axis)


@builtin(inputs=Inputs.CATEGORICAL, check=_check_categorical_focal, mistakes=_mistakes.categorical)
def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Categorical focal cross-entropy: categorical cross-entropy that down-weights easy samples.

    For multi-class classification with many easy examples or imbalanced classes: each class
    term of the cross-entropy is scaled by ``alpha * (1 - p)^gamma``, so confidently correct
    samples contribute little. ``alpha`` is one number or one weight per class. Keras 3
    compatible: probabilities (or the softmax of logits) are renormalised along ``axis`` and
    clipped to ``[eps, 1 - eps]`` with ``eps = 1e-7``; label smoothing is
    ``y * (1 - ls) + ls / num_classes`` with ``num_classes`` from ``y_pred`` along ``axis`` (D2,
    see ``docs/keras-differences.md``). A class axis of size 1 warns, as in Keras.

    Formula, along the class axis::

        y'   = y * (1 - label_smoothing) + label_smoothing / num_classes
        p    = clip(y_pred / sum(y_pred, axis), eps, 1 - eps)   (y_pred = softmax(logits))
        loss = sum(alpha * (1 - p)^gamma * (-y' * log(p)), axis)

    Args:
        y_true: one-hot (or soft) targets, the shape of ``y_pred``, e.g. ``(batch, classes)``.
        y_pred: predicted class probabilities (or logits), e.g. ``(batch, classes)``.
        alpha: a number ``>= 0``, or a sequence or array of one weight per class (shape
            ``(classes,)``). Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``. Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        axis: the class axis, an int. Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis.

    Example:
        The confident, correct first sample contributes almost nothing:

        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> al.categorical_focal_crossentropy(y_true, y_pred).round(4).tolist()
        [0.0, 0.4663]

    Reference:
        Lin et al., "Focal Loss for Dense Object Detection" (2017),
        https://arxiv.org/abs/1708.02002;
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016),
        https://arxiv.org/abs/1512.00567 (label smoothing)
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
    mistakes=_mistakes.sparse,
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
    """Categorical cross-entropy with integer class indices as targets.

    The loss for single-label multi-class classification (and per-token language modelling)
    when the targets are class indices rather than one-hot vectors. ``loss = -log p[y_true]``
    with ``p`` as in :func:`categorical_crossentropy`: probabilities renormalised and clipped to
    ``[eps, 1 - eps]`` (``eps = 1e-7``) as in Keras, or logits through
    ``logsumexp(x) - x[y]`` without a full log-softmax. ``y_true`` has ``y_pred``'s shape without
    the class ``axis`` (a trailing size-1 axis is squeezed). Entries equal to ``ignore_class``
    (e.g. padding) give 0 and, in a :class:`SparseCategoricalCrossentropy`, do not count in the
    mean. ``label_smoothing`` (an extension, as in Keras after 3.15) mixes in the uniform
    distribution. Labels outside ``[0, num_classes)`` raise ``ValueError`` (D13, see
    ``docs/keras-differences.md``: checked for arrays in host memory outside tracing; Keras
    gives NaN or garbage).

    ``chunk_size`` (an extension; needs ``from_logits=True``): on torch, process that many rows
    at a time in a custom autograd function, so the softmax and its gradient never exist for
    all rows at once; the gradient itself is the only full-size buffer (at 4096x32000 float32,
    about a third of ``F.cross_entropy``'s extra memory). Other libraries give the same numbers
    through the normal path: under ``jax.jit`` XLA already fuses the loss to the gradient alone.

    Formula, per sample with label ``y``::

        log_p = log_softmax(y_pred)                             (from_logits)
        log_p = log(clip(y_pred / sum(y_pred), eps, 1 - eps))   (probabilities)
        loss  = -(1 - label_smoothing) * log_p[y] - label_smoothing * mean(log_p)
        loss  = 0                         where y == ignore_class

    Args:
        y_true: integer class indices in ``[0, num_classes)`` (whole-number floats accepted),
            ``y_pred``'s shape without the class axis, e.g. ``(batch,)`` or ``(batch, 1)``.
        y_pred: predicted class probabilities (or logits), e.g. ``(batch, classes)`` or
            ``(batch, time, classes)``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        ignore_class: an integer label (e.g. ``-1`` for padding) whose entries give 0, or
            ``None``. Default ``None``.
        axis: the class axis of ``y_pred``, an int. Default ``-1``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        chunk_size: rows per chunk (a positive int), or ``None`` for no chunking; needs
            ``from_logits=True``. Default ``None``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis (0 where ``y_true == ignore_class``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> al.sparse_categorical_crossentropy(np.array([1, 2]), y_pred).round(4).tolist()
        [0.0513, 2.3026]
        >>> al.sparse_categorical_crossentropy(
        ...     np.array([1, -1]), y_pred, ignore_class=-1
        ... ).round(4).tolist()
        [0.0513, 0.0]

    Reference:
        Keras, probabilistic losses: https://keras.io/api/losses/probabilistic_losses/;
        Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (2016),
        https://arxiv.org/abs/1512.00567 (label smoothing)
    """
    xp, y_pred = B.prediction(y_pred)
    _mistakes.check_sparse_order(y_true, y_pred, "sparse_categorical_crossentropy")
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

    The loss of a language model's output layer without materialising its logits: it equals
    ``SparseCategoricalCrossentropy(from_logits=True, ignore_class=..., label_smoothing=...,
    reduction=...)(labels, hidden @ weight.T + bias, sample_weight)``, including its Keras
    semantics (entries equal to ``ignore_class`` give 0 and do not count in the mean; labels
    outside ``[0, num_classes)`` raise ``ValueError``, D13 in ``docs/keras-differences.md``).

    ``chunk_size`` (rows per chunk), on torch: the logits are built, used and dropped a chunk
    at a time in the forward pass and rebuilt chunk by chunk in the backward pass, so the
    ``(N, V)`` logits and their gradient never exist (one extra matmul of compute; the same idea
    as Liger-Kernel's fused linear cross-entropy and Apple's Cut Cross-Entropy, in plain torch
    ops). Elsewhere, and without ``chunk_size``, the logits are computed in full.

    Formula::

        logits = hidden @ weight.T + bias                      (..., V)
        value  = sparse_categorical_crossentropy(labels, logits, from_logits=True)
        loss   = reduction(value * sample_weight)               (ignored entries masked out)

    Args:
        hidden: the last hidden states, shape ``(..., H)``, a float array; its library decides
            the result's.
        weight: the output layer's weight (a linear layer's ``weight``), shape ``(V, H)``.
        labels: integer class indices in ``[0, V)``, shape ``hidden.shape[:-1]``.
        bias: the output layer's bias, shape ``(V,)``, or ``None``. Default ``None``.
        sample_weight: weights broadcasting against ``labels`` (e.g. one per sample), or
            ``None``. Default ``None``.
        ignore_class: an integer label (e.g. ``-1`` for padding) whose entries give 0 and do
            not count in the mean, or ``None``. Default ``None``.
        label_smoothing: in ``[0, 1]``. Default ``0.0``.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"``/``None`` (one value per label), or
            tf-keras' ``"auto"`` (``"sum_over_batch_size"``).
        chunk_size: rows per chunk (a positive int), or ``None`` for the full logits. Default
            ``None``.

    Returns:
        The reduced loss, a 0-d array of ``hidden``'s library (``labels``' shape with
        ``reduction="none"``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> hidden = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> weight = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> labels = np.array([1, 2])
        >>> round(float(al.linear_cross_entropy(hidden, weight, labels)), 4)
        1.362
        >>> al.linear_cross_entropy(hidden, weight, labels, reduction="none").round(4).tolist()
        [1.862, 0.862]

    Reference:
        Hsu et al., "Liger Kernel: Efficient Triton Kernels for LLM Training" (2024),
        https://arxiv.org/abs/2410.10989; Wijmans et al., "Cut Your Losses in Large-Vocabulary
        Language Models" (2024), https://arxiv.org/abs/2411.09009
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
    """Kullback-Leibler divergence from the predicted to the true distribution, per sample.

    Measures how much the predicted distribution ``y_pred`` differs from the target
    distribution ``y_true`` (e.g. for distillation or soft targets). As in Keras, both are
    clipped to ``[eps, 1]`` (``eps = 1e-7``) and the terms are summed over the last axis (a
    sum, not a mean).

    Formula, along the last axis::

        y    = clip(y_true, eps, 1)
        p    = clip(y_pred, eps, 1)
        loss = sum(y * log(y / p), axis=-1)

    Args:
        y_true: the target distribution (probabilities), the shape of ``y_pred``.
        y_pred: the predicted distribution (probabilities), e.g. ``(batch, classes)``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        last axis.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [0.9, 0.1]])
        >>> y_pred = np.array([[0.25, 0.75], [0.9, 0.1]])
        >>> al.kl_divergence(y_true, y_pred).round(4).tolist()
        [0.1438, 0.0]

    Reference:
        Kullback & Leibler, "On Information and Sufficiency" (1951), Annals of Mathematical
        Statistics 22(1); Keras: https://keras.io/api/losses/probabilistic_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "kl_divergence")
    y_true = xp.clip(y_true, EPS, 1.0)
    y_pred = xp.clip(y_pred, EPS, 1.0)
    return xp.sum(y_true * xp.log(y_true / y_pred), axis=-1)


@builtin(inputs=Inputs.SPARSE, check=_check_generalized, align_ranks=False)
def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float = 0.5) -> Any:
    """Generalized cross-entropy for noisy labels: ``(1 - p_y^q) / q``.

    A loss robust to label noise that interpolates between cross-entropy and MAE: ``q -> 0``
    approaches cross-entropy, ``q = 1`` would be MAE (``1 - p_y``). ``y_true`` holds integer
    class indices (``(batch,)`` or ``(batch, 1)``), ``y_pred`` probabilities. Unlike Keras,
    ``p_y`` is floored at ``eps = 1e-7`` so the gradient stays finite at ``p_y = 0`` (see
    "Generalized cross-entropy" in ``docs/keras-differences.md``); labels outside
    ``[0, num_classes)`` raise ``ValueError`` (D13 there).

    Formula, per sample with label ``y``::

        p_y  = max(y_pred[y], eps)
        loss = (1 - p_y^q) / q

    Args:
        y_true: integer class indices in ``[0, num_classes)``, shape ``(batch,)`` or
            ``(batch, 1)`` (one per row of ``y_pred``).
        y_pred: predicted class probabilities, shape ``(batch, classes)``.
        q: the exponent, in the open interval ``(0, 1)``. Default ``0.5``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        last axis.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> y_true = np.array([1, 2])
        >>> al.categorical_generalized_cross_entropy(y_true, y_pred, q=0.5).round(4).tolist()
        [0.0506, 1.3675]

    Reference:
        Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural Networks with
        Noisy Labels" (2018), https://arxiv.org/abs/1805.07836
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
    """Binary cross-entropy as a ``Loss``.

    Computes :func:`binary_crossentropy` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; targets move towards 0.5. Default ``0.0``.
        axis: the axis to average over (an int, a tuple of ints, or ``None``). Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"binary_crossentropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> loss = al.BinaryCrossentropy()
        >>> round(float(loss(y_true, y_pred)), 4)
        0.8149
        >>> round(float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))), 4)
        0.4581
    """

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
    """Binary focal cross-entropy as a ``Loss``.

    Computes :func:`binary_focal_crossentropy` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        apply_class_balancing: whether to weight entries by ``alpha``/``1 - alpha``. Default
            ``False``.
        alpha: the weight of positive entries with ``apply_class_balancing``, in ``[0, 1]``.
            Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``. Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; targets move towards 0.5. Default ``0.0``.
        axis: the axis to average over (an int, a tuple of ints, or ``None``). Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"binary_focal_crossentropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(al.BinaryFocalCrossentropy(gamma=2.0)(y_true, y_pred)), 4)
        0.2678
    """

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
    """Categorical cross-entropy as a ``Loss``.

    Computes :func:`categorical_crossentropy` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; classes counted on ``y_pred`` along ``axis`` (D2).
            Default ``0.0``.
        axis: the class axis, an int. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"categorical_crossentropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> loss = al.CategoricalCrossentropy()
        >>> round(float(loss(y_true, y_pred)), 4)
        1.1769
        >>> round(float(loss(y_true, y_pred, sample_weight=np.array([0.3, 0.7]))), 4)
        0.8136
    """

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
    """Categorical focal cross-entropy as a ``Loss``.

    Computes :func:`categorical_focal_crossentropy` per sample, then weights and reduces it
    (see :class:`~anyloss.Loss`).

    Args:
        alpha: a number ``>= 0``, or one weight per class. Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``. Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        label_smoothing: in ``[0, 1]``; classes counted on ``y_pred`` along ``axis`` (D2).
            Default ``0.0``.
        axis: the class axis, an int. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"categorical_focal_crossentropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> round(float(al.CategoricalFocalCrossentropy()(y_true, y_pred)), 4)
        0.2332
    """

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
    """Cross-entropy with integer labels as a ``Loss``.

    Computes :func:`sparse_categorical_crossentropy` per sample, then weights and reduces it
    (see :class:`~anyloss.Loss`). With ``ignore_class``, ``sum_over_batch_size`` divides by the
    number of valid entries. ``chunk_size`` bounds the memory of the softmax gradient on torch
    (needs ``from_logits``).

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default ``False``.
        ignore_class: an integer label (e.g. ``-1`` for padding) whose entries give 0 and do
            not count in the mean, or ``None``. Default ``None``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        axis: the class axis of ``y_pred``, an int. Default ``-1``.
        name: the loss' name. Default ``"sparse_categorical_crossentropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.
        label_smoothing: in ``[0, 1]`` (an extension). Default ``0.0``.
        chunk_size: keyword-only; rows per chunk (a positive int) for the memory-bounded torch
            path, or ``None``. Needs ``from_logits=True``. Default ``None``.

    Example:
        The ignored second entry does not count in the mean:

        >>> import numpy as np
        >>> import anyloss as al
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> round(float(al.SparseCategoricalCrossentropy()(np.array([1, 2]), y_pred)), 4)
        1.1769
        >>> loss = al.SparseCategoricalCrossentropy(ignore_class=-1)
        >>> round(float(loss(np.array([1, -1]), y_pred)), 4)
        0.0513
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
    """Kullback-Leibler divergence as a ``Loss``.

    Computes :func:`kl_divergence` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"kl_divergence"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [0.9, 0.1]])
        >>> y_pred = np.array([[0.25, 0.75], [0.9, 0.1]])
        >>> round(float(al.KLDivergence()(y_true, y_pred)), 4)
        0.0719
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "kl_divergence", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(
    BuiltinLoss, function=categorical_generalized_cross_entropy
):
    """Generalized cross-entropy as a ``Loss``.

    Computes :func:`categorical_generalized_cross_entropy` per sample, then weights and reduces
    it (see :class:`~anyloss.Loss`).

    Args:
        q: the exponent, in the open interval ``(0, 1)``. Default ``0.5``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"`` (D14).
        name: the loss' name. Default ``"categorical_generalized_cross_entropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> loss = al.CategoricalGeneralizedCrossEntropy(q=0.5)
        >>> round(float(loss(np.array([1, 2]), y_pred)), 4)
        0.7091
    """

    q: float

    def __init__(
        self,
        q: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, q=q)
