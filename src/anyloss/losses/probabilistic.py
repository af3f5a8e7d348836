"""Probabilistic losses: binary/categorical/sparse cross-entropy, focal variants, KL divergence,
generalized cross-entropy; negative log-likelihood, sigmoid focal, poly-1, multi-label soft
margin, Jensen-Shannon, asymmetric (ASL) losses and the KL divergence of log-probabilities
(PyTorch's and optax's ``kl_div``).

Probabilities are clipped to ``[eps, 1 - eps]`` (eps = 1e-7) as in Keras, so a certain wrong
prediction costs ``-log(1e-7) = 16.118``. Logits take the stable forms (log-sum-exp with a
detached max, softplus), which do not saturate. ``Dn`` codes (D2, D13, ...) in the docstrings
name the documented differences from Keras in ``docs/keras-differences.md``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

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
from anyloss.losses._builtin import TORCH_REDUCTIONS, Inputs, MaskedValues, Peer, builtin
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
    peers=(
        Peer(
            "torch.nn.BCELoss",
            settings={"from_logits": False, "axis": (), "reduction": "sum_over_batch_size"},
            choices={"reduction": TORCH_REDUCTIONS},
            note=(
                "call loss(target, input). axis=() keeps one value per element, as torch "
                "does, so 'none', 'sum' and 'mean' give torch's numbers. Probabilities are "
                "clipped to [1e-7, 1 - 1e-7] (torch clamps the log at -100): equal for "
                "probabilities inside that range. weight: pass sample_weight=weight when "
                "calling (torch multiplies each element by it)."
            ),
        ),
        Peer(
            "torch.nn.BCEWithLogitsLoss",
            settings={"from_logits": True, "axis": (), "reduction": "sum_over_batch_size"},
            choices={"reduction": TORCH_REDUCTIONS},
            note=(
                "call loss(target, input). axis=() keeps one value per element, as torch "
                "does. weight: pass sample_weight=weight when calling; pos_weight is not "
                "supported."
            ),
        ),
        Peer(
            "optax.sigmoid_binary_cross_entropy",
            settings={"from_logits": True, "axis": (), "reduction": "none"},
            note="call loss(labels, logits): one value per element, as optax returns.",
        ),
    ),
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
    focal = _focal_factor(xp, xp.clip(1.0 - p_t, 0.0, None), gamma) * bce
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


def _softmax_crossentropy(xp: Any, y_true: Any, logits: Any, axis: int) -> Any:
    """``-sum(y_true * log_softmax(logits), axis)`` with the logits floored at their dtype's
    lowest finite value (:func:`~anyloss.backend.floor_finite`, whose gradient is the identity):
    a ``-inf`` logit (a masked class) with a zero target adds 0, where ``0 * -inf`` would be
    NaN, and gets the gradient of the softmax there (0): optax's ``safe_softmax_cross_entropy``.

    Where values can be read now (host memory, outside tracing) the plain formula runs first and
    the floor only where it gave a value that is not finite: without a ``-inf`` logit the floor
    changes nothing, so the numbers are the same and the common path makes no extra pass."""
    if B.checks_apply(logits):
        with np.errstate(invalid="ignore"):  # 0 * -inf: recomputed below
            values = -xp.sum(y_true * B.log_softmax(xp, logits, axis=axis), axis=axis)
        if bool(xp.all(xp.isfinite(values))):
            return values
    logits = B.floor_finite(xp, logits)
    return -xp.sum(y_true * B.log_softmax(xp, logits, axis=axis), axis=axis)


@builtin(
    inputs=Inputs.CATEGORICAL,
    check=_check_categorical,
    torch_kernel=torch_kernels.categorical_crossentropy,
    mistakes=_mistakes.categorical,
    peers=(
        Peer(
            "optax.safe_softmax_cross_entropy",
            settings={"from_logits": True, "reduction": "none"},
            note=(
                "call loss(labels, logits); one value per row, as optax returns. A -inf logit "
                "with a zero label adds 0 with a zero gradient, as in optax. A -inf logit with "
                "a positive label (an infinite loss) gives a huge finite loss (optax: inf), "
                "with optax' gradient: anyloss floors the logits at the dtype's lowest finite "
                "value."
            ),
        ),
        Peer(
            "optax.softmax_cross_entropy",
            settings={"from_logits": True, "reduction": "none"},
            renames={"axis": "axis"},
            note=(
                "call loss(labels, logits); one value per row, as optax returns. axis is one "
                "int; optax's `where` mask is not supported (pass sample_weight or mask when "
                "calling a reducing loss)."
            ),
        ),
    ),
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
    ``eps = 1e-7``; logits take the stable log-softmax, floored at the dtype's lowest finite
    value, so that a ``-inf`` logit (a masked class) with a zero target adds 0 instead of NaN
    (``optax.safe_softmax_cross_entropy``). Label smoothing mixes the targets with
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
    if from_logits:
        return _softmax_crossentropy(xp, y_true, y_pred, axis)
    return -xp.sum(y_true * _log_probabilities(xp, y_pred, False, axis), axis=axis)


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
    weight = _class_weights(xp, alpha, y_pred, axis) * _focal_factor(xp, 1.0 - p, gamma)
    return xp.sum(weight * (-y_true * xp.log(p)), axis=axis)


def _focal_factor(xp: Any, base: Any, gamma: Any) -> Any:
    """``base ** gamma`` for ``base >= 0``, with a finite gradient where ``base`` is 0.

    ``gamma`` is a number or an array of ``base``'s shape, every entry ``>= 0``. The plain power's
    gradient at ``base == 0`` is ``0 * inf`` (NaN) for ``gamma == 0`` on JAX and ``inf`` for
    ``0 < gamma < 1`` (a sigmoid saturates to exactly 1 in float32 from a logit of about 17). There
    the factor is held constant: 1 for ``gamma == 0``, 0 otherwise. ``gamma >= 1`` keeps the plain
    power, whose gradient at 0 is finite (and equals Keras' and torch's).
    """
    one, zero = xp.ones_like(base), xp.zeros_like(base)
    if isinstance(gamma, numbers.Real):
        if float(gamma) == 0.0:
            return one
        if float(gamma) >= 1.0:
            return xp.pow(base, gamma)
        at_zero = zero
    else:
        at_zero = xp.where(xp.equal(gamma, 0), one, zero)
    positive = base > 0
    return xp.where(positive, xp.pow(xp.where(positive, base, one), gamma), at_zero)


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
    peers=(
        Peer(
            "torch.nn.CrossEntropyLoss",
            settings={
                "from_logits": True,
                "axis": 1,
                "ignore_class": -100,
                "reduction": "sum_over_batch_size",
            },
            renames={"ignore_index": "ignore_class", "label_smoothing": "label_smoothing"},
            choices={"reduction": TORCH_REDUCTIONS},
            note=(
                "integer class targets; call loss(target, input), classes on axis 1 as in "
                "torch. Probability (soft) targets: use "
                "anyloss.CategoricalCrossentropy(from_logits=True, axis=1, label_smoothing=...)"
                ", which gives torch's numbers for them. Class `weight` is not supported "
                "(torch's 'mean' divides by the summed weights of the targets): pass "
                "sample_weight=weight[target] with reduction='mean_with_sample_weight'. An "
                "all-ignored batch averages to 0 (torch: NaN)."
            ),
        ),
        Peer(
            "optax.softmax_cross_entropy_with_integer_labels",
            settings={"from_logits": True, "reduction": "none"},
            renames={"axis": "axis"},
            note=(
                "call loss(labels, logits); one value per label, as optax returns. axis is "
                "one int; optax's `where` mask is not supported."
            ),
        ),
    ),
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
    B.check_label_range(
        xp, labels, num_classes, "sparse_categorical_crossentropy", ignore_class, "ignore_class"
    )
    valid = None
    if ignore_class is not None:
        valid = xp.not_equal(labels, ignore_class)
        labels = xp.where(valid, labels, xp.zeros_like(labels))
    chunked = None
    if chunk_size is not None:
        chunked = B.chunked_sparse_crossentropy(xp, y_pred, labels, chunk_size, label_smoothing)
    native = None
    if chunked is None and from_logits and not label_smoothing:
        # TensorFlow's fused kernel (Keras' own on TensorFlow); labels are in range (checked
        # above, or zeroed where ignored and masked below).
        native = B.sparse_softmax_crossentropy(xp, y_pred, labels)
    if chunked is not None:
        values = chunked
    elif native is not None:
        values = native
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


def linear_inputs(
    loss: str,
    hidden: Any,
    weight: Any,
    bias: Any,
    labels: Any,
    rows: str = "num_classes",
    part: str = "",
) -> tuple[Any, Any, Any, Any, Any]:
    """``(xp, hidden, weight, bias, labels)`` of a linear cross-entropy, converted to
    ``hidden``'s library and checked: ``weight`` ``(rows, H)``, ``bias`` ``(rows,)``,
    ``labels`` ``hidden.shape[:-1]``. ``rows`` and ``part`` word the errors (a shard's rows)."""
    xp, hidden = B.prediction(hidden)
    weight = B.like(weight, hidden, xp, dtype=hidden.dtype, arg="weight")
    size = B.shape(hidden)[-1] if B.ndim(hidden) else "H"
    if B.ndim(hidden) < 1 or B.ndim(weight) != 2 or B.shape(weight)[1] != size:
        msg = (
            f"{loss}: `weight` must {'be ' + part + ', of' if part else 'have'} shape "
            f"({rows}, {size}) for hidden.shape={B.shape(hidden)}. Received: weight.shape="
            f"{B.shape(weight)}"
        )
        raise ValueError(msg)
    width = B.shape(weight)[0]
    if bias is not None:
        bias = B.like(bias, hidden, xp, dtype=hidden.dtype, arg="bias")
        if B.shape(bias) != (width,):
            msg = (
                f"{loss}: `bias` must have shape ({width},), one entry per row of `weight`. "
                f"Received: bias.shape={B.shape(bias)}"
            )
            raise ValueError(msg)
    labels = integer_labels(xp, labels, hidden, "labels")
    if B.shape(labels) != B.shape(hidden)[:-1]:
        msg = (
            f"{loss}: `labels` must have shape {B.shape(hidden)[:-1]} (hidden without its "
            f"last axis). Received: labels.shape={B.shape(labels)}"
        )
        raise ValueError(msg)
    return xp, hidden, weight, bias, labels


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
    xp, hidden, weight, bias, labels = linear_inputs(
        "linear_cross_entropy", hidden, weight, bias, labels
    )
    values, valid = linear_crossentropy_values(
        xp, hidden, weight, bias, labels, ignore_class, label_smoothing, chunk_size
    )
    return reduce_weighted_values(values, sample_weight, valid, reduction)


def linear_crossentropy_values(
    xp: Any,
    hidden: Any,
    weight: Any,
    bias: Any,
    labels: Any,
    ignore_class: int | None,
    label_smoothing: float,
    chunk_size: int | None,
    loss: str = "linear_cross_entropy",
) -> MaskedValues:
    """The per-label cross-entropy of ``hidden @ weight.T + bias`` (inputs from
    :func:`linear_inputs`, arguments checked) and the mask of the labels that count."""
    chunked = None
    valid = None if ignore_class is None else labels != ignore_class
    if chunk_size is not None:
        B.check_label_range(xp, labels, B.shape(weight)[0], loss, ignore_class, "ignore_class")
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
    return MaskedValues(values, valid)


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


# --- classification additions: nll, sigmoid focal, poly-1, multi-label soft margin,
# Jensen-Shannon, asymmetric (ASL) ------------------------------------------------------------

_CLASS_REDUCTIONS = ("sum", "mean", "none")


def _check_class_reduction(value: Any) -> str:
    if isinstance(value, str) and value in _CLASS_REDUCTIONS:
        return value
    msg = (
        f"Argument `class_reduction` must be one of {_CLASS_REDUCTIONS}: how the per-class "
        f"values of a sample are combined ('none' keeps one value per class). Received: "
        f"class_reduction={shown(value)}"
    )
    raise ValueError(msg)


def _reduce_classes(xp: Any, values: Any, class_reduction: str) -> Any:
    """Per-element values combined over the last (class) axis."""
    if class_reduction == "sum":
        return xp.sum(values, axis=-1)
    if class_reduction == "mean":
        return xp.mean(values, axis=-1)
    return values


def _check_nll(arguments: dict[str, Any]) -> dict[str, Any]:
    _check_ignore_class(arguments["ignore_class"])
    check_axis_type(arguments["axis"], single=True)
    return arguments


def _check_sigmoid_focal(arguments: dict[str, Any]) -> dict[str, Any]:
    alpha = arguments["alpha"]
    if alpha is not None:
        if isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and alpha == -1:
            alpha = None  # torchvision's spelling of "no weighting"
        else:
            try:
                alpha = check_number(alpha, "alpha", minimum=0.0, maximum=1.0)
            except ValueError:
                msg = (
                    f"Argument `alpha` of sigmoid_focal must be a number in [0, 1] (the weight "
                    f"of positive entries), or None or -1 for no weighting. Received: "
                    f"alpha={shown(alpha)}"
                )
                raise ValueError(msg) from None
    return {
        "alpha": alpha,
        "gamma": check_number(arguments["gamma"], "gamma", minimum=0.0),
        "from_logits": check_flag(arguments["from_logits"], "from_logits"),
        "class_reduction": _check_class_reduction(arguments["class_reduction"]),
    }


def _check_poly1(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"], single=True)
    return {
        **arguments,
        "epsilon": check_number(arguments["epsilon"], "epsilon"),
        "from_logits": check_flag(arguments["from_logits"], "from_logits"),
    }


def _check_class_weight(weight: Any, loss: str) -> Any:
    """``None``, a list of finite numbers (tuples become lists, for JSON configs) or an array."""
    if weight is None or B.is_array(weight):
        return weight
    if isinstance(weight, (list, tuple)) and weight:
        return [check_number(w, "weight", owner=loss) for w in weight]
    msg = (
        f"Argument `weight` of {loss} must be None or one weight per class (a list or an "
        f"array of shape (classes,)). Received: weight={shown(weight)}"
    )
    raise TypeError(msg)


def _check_multilabel_soft_margin(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"weight": _check_class_weight(arguments["weight"], "multilabel_soft_margin")}


def _check_jensen_shannon(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"], single=True)
    return {
        **arguments,
        "beta": check_number(arguments["beta"], "beta", minimum=0.0, maximum=1.0),
        "from_logits": check_flag(arguments["from_logits"], "from_logits"),
    }


def _check_asymmetric(arguments: dict[str, Any]) -> dict[str, Any]:
    clip = arguments["clip"]
    check_probability(arguments["label_smoothing"], "label_smoothing", open_upper=True)
    return {
        "gamma_neg": check_number(arguments["gamma_neg"], "gamma_neg", minimum=0.0),
        "gamma_pos": check_number(arguments["gamma_pos"], "gamma_pos", minimum=0.0),
        "clip": None
        if clip is None
        else check_number(clip, "clip", minimum=0.0, maximum=1.0, open_maximum=True),
        "eps": check_number(arguments["eps"], "eps", minimum=0.0, maximum=1.0, open_minimum=True),
        "label_smoothing": float(arguments["label_smoothing"]),
        "from_logits": check_flag(arguments["from_logits"], "from_logits"),
        "class_reduction": _check_class_reduction(arguments["class_reduction"]),
    }


def _labels_without_class_axis(
    xp: Any, y_true: Any, y_pred: Any, axis: int, loss: str
) -> tuple[Any, Any]:
    """``(labels, y_pred)``: integer labels of ``y_pred``'s shape without the class ``axis``,
    and ``y_pred`` with its classes moved last."""
    rank = B.ndim(y_pred)
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
            f"{loss}: `y_true` must have the shape of `y_pred` without its class axis: "
            f"expected {expected} (or {(*expected, 1)}), got {B.shape(labels)} for "
            f"y_pred.shape={B.shape(y_pred)}. Pass integer class indices (for one-hot targets, "
            "take their argmax)."
        )
        raise ValueError(msg)
    return labels, y_pred


@builtin(
    inputs=Inputs.SPARSE,
    aliases=("nll_loss", "negative_log_likelihood"),
    check=_check_nll,
    masked=True,
    align_ranks=False,
    torch_kernel=torch_kernels.nll,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.NLLLoss",
            settings={"axis": 1, "ignore_class": -100, "reduction": "sum_over_batch_size"},
            renames={"ignore_index": "ignore_class"},
            choices={"reduction": TORCH_REDUCTIONS},
            note=(
                "call loss(target, input) with log-probabilities as input, classes on axis 1 "
                "as in torch. Class `weight` is not supported (torch's 'mean' divides by the "
                "summed weights of the targets, which no anyloss reduction does): pass "
                "sample_weight=weight[target] with reduction='mean_with_sample_weight' for "
                "the same number. An all-ignored batch averages to 0 (torch: NaN)."
            ),
        ),
        Peer(
            "torch.nn.NLLLoss2d",
            settings={"axis": 1, "ignore_class": -100, "reduction": "sum_over_batch_size"},
            renames={"ignore_index": "ignore_class"},
            choices={"reduction": TORCH_REDUCTIONS},
            note=(
                "torch's deprecated alias of NLLLoss: call loss(target, input) with "
                "log-probabilities (N, C, H, W) and targets (N, H, W). Class `weight` is not "
                "supported: pass sample_weight=weight[target] with "
                "reduction='mean_with_sample_weight'."
            ),
        ),
    ),
)
def nll(y_true: Any, y_pred: Any, ignore_class: int | None = None, axis: int = -1) -> Any:
    """Negative log-likelihood of integer labels under predicted log-probabilities.

    The loss after a ``log_softmax`` layer (PyTorch's ``NLLLoss``): ``y_pred`` already holds
    log-probabilities, so the loss is minus the entry of the true class, with no softmax, clip or
    renormalisation. ``nll(y, log_softmax(x))`` equals
    ``sparse_categorical_crossentropy(y, x, from_logits=True)``. Entries equal to
    ``ignore_class`` (e.g. padding) give 0 and, in a :class:`NLL`, do not count in the mean, so
    ``NLL(ignore_class=-100, axis=1)`` gives ``torch.nn.NLLLoss()``'s numbers (an all-ignored
    batch gives 0 where torch gives NaN). Labels outside ``[0, num_classes)`` raise
    ``ValueError`` (checked for arrays in host memory outside tracing).

    Formula, per entry with label ``y``::

        loss = -y_pred[y]          (along the class axis)
        loss = 0                   where y == ignore_class

    Args:
        y_true: integer class indices in ``[0, num_classes)`` (whole-number floats accepted),
            ``y_pred``'s shape without the class axis, e.g. ``(batch,)`` or ``(batch, 1)``.
        y_pred: log-probabilities, e.g. ``(batch, classes)`` or ``(batch, time, classes)``
            (``(batch, classes, d1, ...)`` with ``axis=1``).
        ignore_class: an integer label whose entries give 0 and do not count in the mean, or
            ``None``. Default ``None``.
        axis: the class axis of ``y_pred``, an int. Default ``-1`` (PyTorch: 1).

    Returns:
        One value per entry: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis (0 where ``y_true == ignore_class``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> log_p = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
        >>> al.nll(np.array([0, 2]), log_p).round(4).tolist()
        [0.3567, 0.5108]
        >>> al.nll(np.array([0, -100]), log_p, ignore_class=-100).round(4).tolist()
        [0.3567, 0.0]

    Reference:
        PyTorch, ``torch.nn.NLLLoss``:
        https://docs.pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
    """
    xp, y_pred = B.prediction(y_pred)
    _mistakes.check_sparse_order(y_true, y_pred, "nll")
    axis = _class_axis(axis, B.ndim(y_pred))
    labels, y_pred = _labels_without_class_axis(xp, y_true, y_pred, axis, "nll")
    B.check_label_range(xp, labels, B.shape(y_pred)[-1], "nll", ignore_class, "ignore_class")
    valid = None
    if ignore_class is not None:
        valid = xp.not_equal(labels, ignore_class)
        labels = xp.where(valid, labels, xp.zeros_like(labels))
    values = -B.gather_classes(xp, y_pred, labels)
    if valid is not None:
        values = xp.where(valid, values, xp.zeros_like(values))
    return MaskedValues(values, valid)


_FOCAL_ALPHA_NOTE = (
    "alpha=-1 (torchvision) or None (optax) turns the alpha weighting off; alpha=0 weights "
    "the positives by 0."
)


@builtin(
    inputs=Inputs.BINARY,
    check=_check_sigmoid_focal,
    torch_kernel=torch_kernels.sigmoid_focal,
    origin="torchvision",
    peers=(
        Peer(
            "torchvision.ops.sigmoid_focal_loss",
            settings={
                "alpha": 0.25,
                "gamma": 2.0,
                "from_logits": True,
                "class_reduction": "none",
                "reduction": "none",
            },
            renames={"alpha": "alpha", "gamma": "gamma"},
            choices={
                "reduction": {
                    "none": {"reduction": "none"},
                    "mean": {"reduction": "sum_over_batch_size"},
                    "sum": {"reduction": "sum"},
                }
            },
            note=(
                "call loss(targets, inputs) with logits as inputs; one value per element "
                "(class_reduction='none'), as torchvision returns. " + _FOCAL_ALPHA_NOTE
            ),
        ),
        Peer(
            "optax.sigmoid_focal_loss",
            settings={
                "alpha": None,
                "gamma": 2.0,
                "from_logits": True,
                "class_reduction": "none",
                "reduction": "none",
            },
            renames={"alpha": "alpha", "gamma": "gamma"},
            note=(
                "call loss(labels, logits); one value per element, as optax returns. optax's "
                "alpha defaults to None (no weighting)."
            ),
        ),
        Peer(
            "tfa.losses.SigmoidFocalCrossEntropy",
            settings={
                "alpha": 0.25,
                "gamma": 2.0,
                "from_logits": False,
                "class_reduction": "sum",
                "reduction": "none",
            },
            renames={"alpha": "alpha", "gamma": "gamma", "from_logits": "from_logits"},
            choices={
                "reduction": {
                    "none": {"reduction": "none"},
                    "sum": {"reduction": "sum"},
                    "sum_over_batch_size": {"reduction": "sum_over_batch_size"},
                    "auto": {"reduction": "sum_over_batch_size"},
                }
            },
            note=(
                "TFA sums the last axis (class_reduction='sum') and does not reduce the batch "
                "by default. With probabilities TFA takes log(p + 1e-7) of the clipped p, "
                "anyloss log(p) (Keras 3): a relative difference below 1e-7 / p. TFA's "
                "alpha=0 is falsy and turns the weighting off: pass alpha=None for that. TF "
                "rounds a Python alpha or gamma to float32 first (0.6 -> 0.6000000238)."
            ),
        ),
        Peer(
            "tfa.losses.sigmoid_focal_crossentropy",
            settings={
                "alpha": 0.25,
                "gamma": 2.0,
                "from_logits": False,
                "class_reduction": "sum",
                "reduction": "none",
            },
            renames={"alpha": "alpha", "gamma": "gamma", "from_logits": "from_logits"},
            note=(
                "the function form of tfa.losses.SigmoidFocalCrossEntropy: one value per "
                "sample, the sum over the last axis."
            ),
        ),
    ),
)
def sigmoid_focal(
    y_true: Any,
    y_pred: Any,
    alpha: float | None = 0.25,
    gamma: float = 2.0,
    from_logits: bool = True,
    class_reduction: str = "sum",
) -> Any:
    """Sigmoid focal loss (RetinaNet): binary cross-entropy scaled by ``(1 - p_t)^gamma``.

    The focal loss of dense detection and multi-label classification as torchvision, optax and
    TensorFlow Addons compute it: ``y_pred`` holds logits by default, every entry is an
    independent binary prediction, and ``alpha`` always weights positives (``alpha``) against
    negatives (``1 - alpha``) unless it is ``None`` (or ``-1``, torchvision's spelling). This is
    not :func:`binary_focal_crossentropy` (Keras: probabilities by default, ``alpha`` only with
    ``apply_class_balancing``, a mean over the last axis). The per-element values are combined
    over the last axis by ``class_reduction``: ``"sum"`` (TFA, keras-cv: the default), ``"mean"``
    (Keras 3) or ``"none"`` (torchvision, optax: one value per element). Soft labels in
    ``[0, 1]`` work (optax's definition of ``1 - p_t``). Logits take the stable forms
    (``softplus``, ``sigmoid(-x)`` for ``1 - p``); probabilities are clipped to ``[eps, 1 - eps]``
    (``eps = 1e-7``) in the cross-entropy term, as in Keras 3.

    Formula, per entry (``p = sigmoid(y_pred)`` from logits, else ``y_pred``)::

        ce     = softplus(x) - y * x            (logits x; -y log p - (1 - y) log(1 - p) else)
        1-p_t  = y * (1 - p) + (1 - y) * p
        focal  = (1 - p_t)^gamma * ce
        focal  = (alpha * y + (1 - alpha) * (1 - y)) * focal      (unless alpha is None)
        loss   = sum(focal, -1) | mean(focal, -1) | focal           (class_reduction)

    Args:
        y_true: 0/1 targets (soft targets in ``[0, 1]`` work too), the shape of ``y_pred``.
        y_pred: logits (or probabilities with ``from_logits=False``), e.g. ``(batch, classes)``.
        alpha: the weight of positive entries, in ``[0, 1]``; ``None`` or ``-1`` for no
            weighting. Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``. Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits. Default ``True``.
        class_reduction: ``"sum"``, ``"mean"`` or ``"none"``: how a sample's per-class values are
            combined over the last axis. Default ``"sum"``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        last axis (``y_pred``'s shape with ``class_reduction="none"``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> logits = np.array([[-1.0, 2.0], [0.5, 3.0]])
        >>> al.sigmoid_focal(y_true, logits).round(4).tolist()
        [0.0174, 2.0916]
        >>> al.sigmoid_focal(y_true, logits, class_reduction="none").round(4).tolist()
        [[0.017, 0.0005], [0.0169, 2.0747]]

    Reference:
        Lin et al., "Focal Loss for Dense Object Detection" (2017),
        https://arxiv.org/abs/1708.02002; torchvision ``torchvision.ops.sigmoid_focal_loss``:
        https://docs.pytorch.org/vision/stable/generated/torchvision.ops.sigmoid_focal_loss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "sigmoid_focal")
    if from_logits:
        ce = B.softplus(xp, y_pred) - y_true * y_pred
        p, not_p = B.sigmoid(xp, y_pred), B.sigmoid(xp, -y_pred)
    else:
        ce = _bce(xp, y_true, y_pred, False)
        p, not_p = y_pred, 1.0 - y_pred
    one_minus_p_t = y_true * not_p + (1.0 - y_true) * p
    focal = _focal_factor(xp, xp.clip(one_minus_p_t, 0.0, None), gamma) * ce
    if alpha is not None:
        focal = (alpha * y_true + (1.0 - alpha) * (1.0 - y_true)) * focal
    return _reduce_classes(xp, focal, class_reduction)


@builtin(
    inputs=Inputs.CATEGORICAL,
    aliases=("poly1",),
    check=_check_poly1,
    origin="optax",
    peers=(
        Peer(
            "optax.poly_loss_cross_entropy",
            settings={"epsilon": 2.0, "from_logits": True, "reduction": "none"},
            renames={"epsilon": "epsilon", "axis": "axis"},
            note=(
                "call loss(labels, logits); one value per row, as optax returns. axis is one "
                "int; optax's `where` mask is not supported."
            ),
        ),
    ),
)
def poly1_cross_entropy(
    y_true: Any,
    y_pred: Any,
    epsilon: float = 2.0,
    from_logits: bool = False,
    axis: int = -1,
) -> Any:
    """Poly-1 cross-entropy: categorical cross-entropy plus ``epsilon * (1 - p_t)``.

    PolyLoss (Leng et al., 2022) reads cross-entropy as a series in ``(1 - p_t)`` and changes
    the first coefficient by ``epsilon``: ``epsilon > 0`` (2 for ImageNet classification)
    pushes harder on confident mistakes, ``epsilon = -1`` (detection) softens them;
    ``epsilon = 0`` is :func:`categorical_crossentropy`. For soft targets ``1 - p_t`` is
    ``sum(y * (1 - p))`` (optax's definition). Probabilities are treated as in
    :func:`categorical_crossentropy` (renormalised along ``axis``, clipped to
    ``[eps, 1 - eps]`` with ``eps = 1e-7``, for both terms); logits take the stable
    log-softmax. The loss is non-negative for ``epsilon >= -1``.

    Formula, along the class axis::

        p    = softmax(y_pred)                                   (from_logits)
        p    = clip(y_pred / sum(y_pred), eps, 1 - eps)          (probabilities)
        loss = -sum(y * log(p)) + epsilon * sum(y * (1 - p))

    Args:
        y_true: one-hot (or soft) targets, the shape of ``y_pred``, e.g. ``(batch, classes)``.
        y_pred: predicted class probabilities (or logits), e.g. ``(batch, classes)``.
        epsilon: the coefficient of the first polynomial term, a finite number. Default
            ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default
            ``False``.
        axis: the class axis, an int. Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> al.poly1_cross_entropy(y_true, y_pred).round(4).tolist()
        [0.1513, 4.1026]
        >>> al.poly1_cross_entropy(y_true, y_pred, epsilon=0.0).round(4).tolist()
        [0.0513, 2.3026]

    Reference:
        Leng et al., "PolyLoss: A Polynomial Expansion Perspective of Classification Loss
        Functions" (ICLR 2022), https://arxiv.org/abs/2204.12511; optax
        ``optax.losses.poly_loss_cross_entropy``
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "poly1_cross_entropy")
    axis = _class_axis(axis, B.ndim(y_pred))
    if from_logits:
        log_p = B.log_softmax(xp, y_pred, axis=axis)
        p = B.softmax(xp, y_pred, axis=axis)
    else:
        p = xp.clip(y_pred / xp.sum(y_pred, axis=axis, keepdims=True), EPS, 1.0 - EPS)
        log_p = xp.log(p)
    cross_entropy = -xp.sum(y_true * log_p, axis=axis)
    return cross_entropy + epsilon * xp.sum(y_true * (1.0 - p), axis=axis)


@builtin(
    inputs=Inputs.BINARY,
    aliases=("multilabel_soft_margin_loss",),
    check=_check_multilabel_soft_margin,
    torch_kernel=torch_kernels.multilabel_soft_margin,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.MultiLabelSoftMarginLoss",
            settings={"reduction": "sum_over_batch_size"},
            renames={"weight": "weight"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="call loss(target, input) with logits as input; classes on the last axis.",
        ),
    ),
)
def multilabel_soft_margin(y_true: Any, y_pred: Any, weight: Any = None) -> Any:
    """Multi-label soft margin loss: class-weighted binary cross-entropy of logits, averaged
    over the classes of each sample.

    PyTorch's ``MultiLabelSoftMarginLoss``: every class is an independent binary prediction
    from a logit; with ``weight=None`` this is ``binary_crossentropy(y_true, y_pred,
    from_logits=True)``. ``weight`` rescales each class' term (the mean still divides by the
    number of classes). Computed in the stable form ``softplus(x) - y * x``.

    Formula, along the last axis::

        loss = mean(weight * -(y * log(sigmoid(x)) + (1 - y) * log(sigmoid(-x))), axis=-1)

    Args:
        y_true: 0/1 targets (soft targets in ``[0, 1]`` work too), the shape of ``y_pred``.
        y_pred: logits, e.g. ``(batch, classes)``.
        weight: one weight per class (a list or an array of shape ``(classes,)``), or
            ``None``. Default ``None``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        last axis.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> logits = np.array([[-1.0, 2.0], [0.5, 3.0]])
        >>> al.multilabel_soft_margin(y_true, logits).round(4).tolist()
        [0.2201, 1.7613]
        >>> al.multilabel_soft_margin(y_true, logits, weight=[1.0, 0.5]).round(4).tolist()
        [0.1884, 0.9992]

    Reference:
        PyTorch, ``torch.nn.MultiLabelSoftMarginLoss``:
        https://docs.pytorch.org/docs/stable/generated/torch.nn.MultiLabelSoftMarginLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "multilabel_soft_margin")
    values = B.softplus(xp, y_pred) - y_true * y_pred
    if weight is not None:
        weight = B.like(weight, y_pred, xp, dtype=y_pred.dtype, arg="weight")
        num_classes = B.shape(y_pred)[-1] if B.ndim(y_pred) else None
        if B.shape(weight) != (num_classes,):
            msg = (
                f"Argument `weight` of multilabel_soft_margin must hold one weight per class "
                f"(shape ({num_classes},), the last axis of y_pred). Received weight of shape "
                f"{B.shape(weight)}."
            )
            raise ValueError(msg)
        values = values * weight
    return xp.mean(values, axis=-1)


@builtin(
    inputs=Inputs.CATEGORICAL,
    aliases=("jsd", "JSD", "jensen_shannon_divergence"),
    check=_check_jensen_shannon,
    origin="torch",
)
def jensen_shannon(
    y_true: Any,
    y_pred: Any,
    beta: float = 0.5,
    from_logits: bool = False,
    axis: int = -1,
) -> Any:
    """Generalized (beta-weighted) Jensen-Shannon divergence between two distributions.

    A bounded, smooth alternative to KL divergence for distillation: ``P = y_true`` (the
    target, e.g. the teacher's distribution) and ``Q = y_pred`` (the prediction, the
    student's), mixed as ``M = beta * P + (1 - beta) * Q``. ``beta = 0.5`` is the symmetric
    JSD, at most ``log 2``. As in Liger-Kernel's ``LigerJSD`` (whose ``target`` is ``P`` and
    ``input`` is ``Q``), the end points are the KL limits divided by the vanishing weight:
    ``beta = 0`` gives the forward KL ``KL(P || Q)`` and ``beta = 1`` the reverse KL
    ``KL(Q || P)``. Probabilities are clipped to ``[eps, 1]`` (``eps = 1e-7``) as in Keras'
    :func:`kl_divergence`; with ``from_logits=True``, ``y_pred`` holds logits and goes through
    a log-softmax, without clipping (``y_true`` is always probabilities, as in every Keras
    loss: take the softmax of a teacher's logits first). The mixture's log is computed in log
    space (``logaddexp``).

    Formula, along the class axis::

        P    = clip(y_true, eps, 1)
        Q    = clip(y_pred, eps, 1)                              (softmax(y_pred) from logits)
        M    = beta * P + (1 - beta) * Q
        loss = beta * sum(P * log(P / M)) + (1 - beta) * sum(Q * log(Q / M))
        loss = sum(P * log(P / Q))          (beta = 0)
        loss = sum(Q * log(Q / P))          (beta = 1)

    Args:
        y_true: the target distribution ``P`` (probabilities), the shape of ``y_pred``.
        y_pred: the predicted distribution ``Q`` (probabilities, or logits with
            ``from_logits``), e.g. ``(batch, classes)``.
        beta: the weight of ``P`` in the mixture, in ``[0, 1]``. Default ``0.5``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default
            ``False``.
        axis: the class axis, an int. Default ``-1``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        class axis.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [0.9, 0.1]])
        >>> y_pred = np.array([[0.25, 0.75], [0.6, 0.4]])
        >>> al.jensen_shannon(y_true, y_pred).round(4).tolist()
        [0.0338, 0.0633]
        >>> al.jensen_shannon(y_true, y_pred, beta=0.0).round(4).tolist()  # KL(P || Q)
        [0.1438, 0.2263]

    Reference:
        Lin, "Divergence Measures Based on the Shannon Entropy" (1991), IEEE Transactions on
        Information Theory 37(1); Agarwal et al., "On-Policy Distillation of Language Models"
        (2024), https://arxiv.org/abs/2306.13649 (generalized JSD); Liger-Kernel ``LigerJSD``
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "jensen_shannon")
    axis = _class_axis(axis, B.ndim(y_pred))
    p = xp.clip(y_true, EPS, 1.0)
    log_p = xp.log(p)
    if from_logits:
        log_q = B.log_softmax(xp, y_pred, axis=axis)
        q = xp.exp(log_q)
    else:
        q = xp.clip(y_pred, EPS, 1.0)
        log_q = xp.log(q)
    if beta == 0.0:
        return xp.sum(p * (log_p - log_q), axis=axis)
    if beta == 1.0:
        return xp.sum(q * (log_q - log_p), axis=axis)
    # log M = log(beta P + (1 - beta) Q), in log space: no log(0) where both underflow.
    log_m = xp.logaddexp(math.log(beta) + log_p, math.log(1.0 - beta) + log_q)
    return xp.sum(beta * p * (log_p - log_m) + (1.0 - beta) * q * (log_q - log_m), axis=axis)


@builtin(
    inputs=Inputs.BINARY,
    aliases=("asymmetric_loss", "asl"),
    check=_check_asymmetric,
    torch_kernel=torch_kernels.asymmetric,
    origin="timm",
    peers=(
        Peer(
            "timm.loss.AsymmetricLossMultiLabel",
            settings={
                "gamma_neg": 4.0,
                "gamma_pos": 1.0,
                "clip": 0.05,
                "eps": 1e-8,
                "from_logits": True,
                "class_reduction": "sum",
                "reduction": "sum_over_batch_size",
            },
            renames={
                "gamma_neg": "gamma_neg",
                "gamma_pos": "gamma_pos",
                "clip": "clip",
                "eps": "eps",
                "smoothing": "label_smoothing",
            },
            choices={
                "reduction": {
                    "batchmean": {"class_reduction": "sum", "reduction": "sum_over_batch_size"},
                    "mean": {"class_reduction": "mean", "reduction": "sum_over_batch_size"},
                    "sum": {"class_reduction": "sum", "reduction": "sum"},
                    "none": {"class_reduction": "none", "reduction": "none"},
                },
                "disable_torch_grad_focal_loss": {False: {}},
                "weight": {None: {}},
                "pos_weight": {None: {}},
            },
            note=(
                "call loss(y, x) with logits x. timm's default reduction 'batchmean' sums the "
                "classes and averages the batch (class_reduction='sum', "
                "reduction='sum_over_batch_size'); the value is positive (timm negates the "
                "log-likelihood, as here). timm computes in float32. weight, pos_weight and "
                "disable_torch_grad_focal_loss=True are not supported: pass per-class weights "
                "as sample_weight with class_reduction='none'."
            ),
        ),
    ),
)
def asymmetric(
    y_true: Any,
    y_pred: Any,
    gamma_neg: float = 4.0,
    gamma_pos: float = 1.0,
    clip: float | None = 0.05,
    eps: float = 1e-8,
    label_smoothing: float = 0.0,
    from_logits: bool = True,
    class_reduction: str = "sum",
) -> Any:
    """Asymmetric loss (ASL) for multi-label classification.

    A focal loss with separate focusing for positives (``gamma_pos``) and negatives
    (``gamma_neg``, larger: most labels of a multi-label task are easy negatives) and a
    probability shift ``clip`` that discards very easy negatives entirely. As in timm's
    ``AsymmetricLossMultiLabel``: ``y_pred`` holds logits, probabilities are clamped at ``eps``
    before the log, and the values are positive (the negated log-likelihood). With soft targets
    the focusing exponent interpolates, ``gamma_pos * y + gamma_neg * (1 - y)`` (timm's
    formula); ``label_smoothing`` moves targets towards 0.5. The per-class values are combined
    by ``class_reduction``: ``"sum"`` (default; with the default reduction this is timm's
    ``"batchmean"``), ``"mean"`` or ``"none"``.

    Formula, per entry (``p = sigmoid(y_pred)`` from logits, else ``y_pred``)::

        y'    = y * (1 - label_smoothing) + 0.5 * label_smoothing
        p_neg = min(1 - p + clip, 1)                        (1 - p when clip is None or 0)
        ce    = y' * log(max(p, eps)) + (1 - y') * log(max(p_neg, eps))
        p_t   = y' * p + (1 - y') * p_neg
        w     = (1 - p_t)^(gamma_pos * y' + gamma_neg * (1 - y'))
        loss  = sum(-w * ce, -1) | mean(-w * ce, -1) | -w * ce      (class_reduction)

    Args:
        y_true: 0/1 (multi-hot) targets, soft targets in ``[0, 1]`` work too; ``y_pred``'s
            shape.
        y_pred: logits (or probabilities with ``from_logits=False``), e.g.
            ``(batch, classes)``.
        gamma_neg: the focusing parameter of negatives, ``>= 0``. Default ``4.0``.
        gamma_pos: the focusing parameter of positives, ``>= 0``. Default ``1.0``.
        clip: the probability margin added to negatives, in ``[0, 1)``, or ``None`` (no
            shift). Default ``0.05``.
        eps: the smallest probability taken into the log, in ``(0, 1]``. Default ``1e-8``.
        label_smoothing: in ``[0, 1)``; targets move towards 0.5. Default ``0.0``.
        from_logits: whether ``y_pred`` holds logits. Default ``True``.
        class_reduction: ``"sum"``, ``"mean"`` or ``"none"``: how a sample's per-class values are
            combined over the last axis. Default ``"sum"``.

    Returns:
        One value per sample: an array of ``y_pred``'s library, ``y_pred``'s shape without the
        last axis (``y_pred``'s shape with ``class_reduction="none"``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> logits = np.array([[-3.0, 2.0, -1.0], [0.5, 3.0, -4.0]])
        >>> al.asymmetric(y_true, logits).round(4).tolist()
        [0.0157, 1.7244]

    Reference:
        Ridnik et al., "Asymmetric Loss For Multi-Label Classification" (ICCV 2021),
        https://arxiv.org/abs/2009.14119; timm ``timm.loss.AsymmetricLossMultiLabel``
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "asymmetric")
    if label_smoothing:
        y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        p, p_neg = B.sigmoid(xp, y_pred), B.sigmoid(xp, -y_pred)
    else:
        p, p_neg = y_pred, 1.0 - y_pred
    if clip:
        p_neg = xp.clip(p_neg + clip, None, 1.0)
    log_likelihood = y_true * xp.log(xp.clip(p, eps, None)) + (1.0 - y_true) * xp.log(
        xp.clip(p_neg, eps, None)
    )
    if gamma_neg > 0 or gamma_pos > 0:
        p_t = y_true * p + (1.0 - y_true) * p_neg
        exponent = gamma_pos * y_true + gamma_neg * (1.0 - y_true)
        log_likelihood = log_likelihood * _focal_factor(xp, xp.clip(1.0 - p_t, 0.0, None), exponent)
    return _reduce_classes(xp, -log_likelihood, class_reduction)


def _check_kl_div(arguments: dict[str, Any]) -> dict[str, Any]:
    axis = arguments["axis"]
    check_axis_type(axis)
    return {
        "log_target": check_flag(arguments["log_target"], "log_target"),
        "generalized": check_flag(arguments["generalized"], "generalized"),
        "axis": tuple(axis) if isinstance(axis, list) else axis,  # JSON configs give lists
    }


_KL_TARGETS = (
    "call loss(target, input): target probabilities (log-probabilities with log_target=True) "
    "first, then the predicted log-probabilities"
)
_OPTAX_KL = (
    "call loss(targets, log_predictions): targets first; one value per row (the sum over "
    "`axis`), as optax returns. optax's `where` mask is not supported (pass mask= when "
    "calling a reducing loss)."
)


@builtin(
    inputs=Inputs.CATEGORICAL,
    aliases=("kl_div_loss",),
    check=_check_kl_div,
    torch_kernel=torch_kernels.kl_div,
    mistakes=_mistakes.log_probabilities,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.KLDivLoss",
            settings={"axis": (), "reduction": "sum_over_batch_size"},
            renames={"log_target": "log_target"},
            choices={
                "reduction": {
                    "mean": {"axis": (), "reduction": "sum_over_batch_size"},
                    "batchmean": {"axis": -1, "reduction": "sum_over_batch_size"},
                    "sum": {"axis": (), "reduction": "sum"},
                    "none": {"axis": (), "reduction": "none"},
                }
            },
            note=(
                f"{_KL_TARGETS}. 'mean' (torch's default) is the mean over every element, "
                "'sum' and 'none' are per element (axis=()). 'batchmean' (the KL divergence "
                "per sample, torch's advice) sums the last axis and averages the rest: torch's "
                "sum / batch size for 2-D (batch, classes) inputs; for (batch, ..., classes) "
                "inputs torch also divides by batch size only: pass axis=(1, ..., ndim - 1) "
                "for that number. size_average and reduce (deprecated) are not supported."
            ),
        ),
        Peer(
            "optax.kl_divergence",
            settings={"reduction": "none"},
            renames={"axis": "axis"},
            note=_OPTAX_KL,
        ),
        Peer(
            "optax.kl_divergence_with_log_targets",
            settings={"log_target": True, "reduction": "none"},
            renames={"axis": "axis"},
            note=_OPTAX_KL + " Targets are log-probabilities (log_target=True).",
        ),
        Peer(
            "optax.generalized_kl_divergence",
            settings={"generalized": True, "reduction": "none"},
            renames={"axis": "axis"},
            note=_OPTAX_KL + " Adds sum(exp(log_predictions) - targets) (generalized=True).",
        ),
        Peer(
            "optax.convex_kl_divergence",
            settings={"generalized": True, "reduction": "none"},
            renames={"axis": "axis"},
            note=(
                "optax's deprecated alias of generalized_kl_divergence (generalized=True). "
                + _OPTAX_KL
            ),
        ),
    ),
)
def kl_div(
    y_true: Any,
    y_pred: Any,
    log_target: bool = False,
    generalized: bool = False,
    axis: Any = -1,
) -> Any:
    """Kullback-Leibler divergence of predicted log-probabilities from target probabilities.

    PyTorch's ``kl_div`` and optax's ``kl_divergence``: ``y_pred`` holds **log**-probabilities
    (a ``log_softmax`` output, as for distillation), ``y_true`` probabilities (or
    log-probabilities with ``log_target=True``). Nothing is clipped; a zero target contributes 0
    (``0 log 0 = 0``). ``generalized=True`` adds ``exp(y_pred) - y_true``: the generalized KL
    divergence of unnormalised measures (``optax.generalized_kl_divergence``). The per-element
    values are summed over ``axis``: the last one by default, one value per row;
    ``axis=()`` keeps every element (PyTorch's ``"mean"``, ``"sum"`` and ``"none"`` are per
    element). Keras' :func:`kl_divergence` takes probabilities and clips both to ``[1e-7, 1]``.

    Formula, per element (``t = exp(y_true)`` with ``log_target=True``, else ``y_true``)::

        kl   = t * log(t) - t * y_pred                  (0 where t == 0)
        kl   = t * (y_true - y_pred)                    (log_target=True)
        kl   = kl + exp(y_pred) - t                     (generalized=True)
        loss = sum(kl, axis)

    Args:
        y_true: target probabilities (log-probabilities with ``log_target=True``), the shape of
            ``y_pred``.
        y_pred: predicted log-probabilities, e.g. ``(batch, classes)``.
        log_target: whether ``y_true`` holds log-probabilities. Default ``False``.
        generalized: whether to add ``exp(y_pred) - t`` (unnormalised measures). Default
            ``False``.
        axis: the axis or axes summed over: an int, a tuple (``()``: none, one value per
            element) or ``None`` (every axis). Default ``-1``.

    Returns:
        An array of ``y_pred``'s library: ``y_pred``'s shape without ``axis`` (one value per row
        by default, ``y_pred``'s shape for ``axis=()``).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [1.0, 0.0]])
        >>> log_p = np.log(np.array([[0.25, 0.75], [0.9, 0.1]]))
        >>> al.kl_div(y_true, log_p).round(4).tolist()
        [0.1438, 0.1054]
        >>> al.kl_div(np.log(y_true[:1]), log_p[:1], log_target=True).round(4).tolist()
        [0.1438]

    Reference:
        Kullback & Leibler, "On Information and Sufficiency" (1951), Annals of Mathematical
        Statistics 22(1); PyTorch ``torch.nn.KLDivLoss``:
        https://docs.pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "kl_div")
    axis = normalize_axis(axis, B.ndim(y_pred))
    if log_target:
        target = xp.exp(y_true)
        values = target * (y_true - y_pred)
    else:
        target = y_true
        # xlogy(t, t): t * log(1) = 0 at t == 0, with a finite gradient there.
        safe = xp.where(xp.equal(y_true, 0.0), xp.ones_like(y_true), y_true)
        values = y_true * (xp.log(safe) - y_pred)
    if generalized:
        values = values + (xp.exp(y_pred) - target)
    return values if axis == () else xp.sum(values, axis=axis)


class NLL(BuiltinLoss, function=nll):
    """Negative log-likelihood of integer labels as a ``Loss`` (PyTorch's ``NLLLoss``).

    Computes :func:`nll` per entry, then weights and reduces it (see :class:`~anyloss.Loss`).
    With ``ignore_class``, ``sum_over_batch_size`` divides by the number of valid entries, as
    torch's ``"mean"`` does; ``NLL(ignore_class=-100, axis=1)`` is ``torch.nn.NLLLoss()``
    (``al.get("torch.nn.NLLLoss")`` builds it).

    Args:
        ignore_class: an integer label whose entries give 0 and do not count in the mean, or
            ``None``. Default ``None``.
        axis: the class axis of ``y_pred``, an int. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every valid entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"nll"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> log_p = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
        >>> round(float(al.NLL()(np.array([0, 2]), log_p)), 4)
        0.4338
        >>> round(float(al.NLL(ignore_class=-100)(np.array([0, -100]), log_p)), 4)
        0.3567
    """

    ignore_class: int | None
    axis: int

    def __init__(
        self,
        ignore_class: int | None = None,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "nll",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, ignore_class=ignore_class, axis=axis
        )


class SigmoidFocal(BuiltinLoss, function=sigmoid_focal):
    """Sigmoid focal loss (torchvision, optax, TF Addons semantics) as a ``Loss``.

    Computes :func:`sigmoid_focal` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`). ``al.get("torchvision.ops.sigmoid_focal_loss")``,
    ``al.get("optax.sigmoid_focal_loss")`` and ``al.get("tfa.losses.SigmoidFocalCrossEntropy")``
    build it with each library's defaults.

    Args:
        alpha: the weight of positive entries, in ``[0, 1]``; ``None`` or ``-1`` for no
            weighting. Default ``0.25``.
        gamma: the focusing parameter, ``>= 0``. Default ``2.0``.
        from_logits: whether ``y_pred`` holds logits. Default ``True``.
        class_reduction: ``"sum"``, ``"mean"`` or ``"none"``: how a sample's per-class values are
            combined over the last axis. Default ``"sum"``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"sigmoid_focal"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> logits = np.array([[-1.0, 2.0], [0.5, 3.0]])
        >>> round(float(al.SigmoidFocal()(y_true, logits)), 4)
        1.0545
    """

    alpha: float | None
    gamma: float
    from_logits: bool
    class_reduction: str

    def __init__(
        self,
        alpha: float | None = 0.25,
        gamma: float = 2.0,
        from_logits: bool = True,
        class_reduction: str = "sum",
        reduction: Any = "sum_over_batch_size",
        name: str = "sigmoid_focal",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            class_reduction=class_reduction,
        )


class Poly1CrossEntropy(BuiltinLoss, function=poly1_cross_entropy):
    """Poly-1 cross-entropy as a ``Loss``.

    Computes :func:`poly1_cross_entropy` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        epsilon: the coefficient of the first polynomial term, a finite number. Default
            ``2.0``.
        from_logits: whether ``y_pred`` holds logits instead of probabilities. Default
            ``False``.
        axis: the class axis, an int. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"poly1_cross_entropy"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        >>> round(float(al.Poly1CrossEntropy()(y_true, y_pred)), 4)
        2.1269
    """

    epsilon: float
    from_logits: bool
    axis: int

    def __init__(
        self,
        epsilon: float = 2.0,
        from_logits: bool = False,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "poly1_cross_entropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            epsilon=epsilon,
            from_logits=from_logits,
            axis=axis,
        )


class MultiLabelSoftMargin(BuiltinLoss, function=multilabel_soft_margin):
    """Multi-label soft margin loss as a ``Loss`` (PyTorch's ``MultiLabelSoftMarginLoss``).

    Computes :func:`multilabel_soft_margin` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`).

    Args:
        weight: one weight per class (a list or an array of shape ``(classes,)``), or
            ``None``. Default ``None``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"multilabel_soft_margin"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> logits = np.array([[-1.0, 2.0], [0.5, 3.0]])
        >>> round(float(al.MultiLabelSoftMargin()(y_true, logits)), 4)
        0.9907
    """

    weight: Any

    def __init__(
        self,
        weight: Any = None,
        reduction: Any = "sum_over_batch_size",
        name: str = "multilabel_soft_margin",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, weight=weight)


class JensenShannon(BuiltinLoss, function=jensen_shannon):
    """Generalized Jensen-Shannon divergence as a ``Loss``.

    Computes :func:`jensen_shannon` per sample (``y_true`` is ``P``, the target; ``y_pred`` is
    ``Q``, the prediction), then weights and reduces it (see :class:`~anyloss.Loss`); the
    default reduction averages over the rows, as Liger-Kernel's ``LigerJSD`` does.

    Args:
        beta: the weight of ``P`` (``y_true``) in the mixture, in ``[0, 1]``; 0 gives
            ``KL(P || Q)``, 1 gives ``KL(Q || P)``. Default ``0.5``.
        from_logits: whether ``y_pred`` holds logits (``y_true`` is probabilities). Default
            ``False``.
        axis: the class axis, an int. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"jensen_shannon"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [0.9, 0.1]])
        >>> y_pred = np.array([[0.25, 0.75], [0.6, 0.4]])
        >>> round(float(al.JensenShannon()(y_true, y_pred)), 4)
        0.0486
    """

    beta: float
    from_logits: bool
    axis: int

    def __init__(
        self,
        beta: float = 0.5,
        from_logits: bool = False,
        axis: int = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "jensen_shannon",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            beta=beta,
            from_logits=from_logits,
            axis=axis,
        )


class Asymmetric(BuiltinLoss, function=asymmetric):
    """Asymmetric loss (ASL) for multi-label classification as a ``Loss``.

    Computes :func:`asymmetric` per sample, then weights and reduces it (see
    :class:`~anyloss.Loss`). The defaults give timm's ``AsymmetricLossMultiLabel()``: the sum
    over classes averaged over the batch (timm's ``"batchmean"``).

    Args:
        gamma_neg: the focusing parameter of negatives, ``>= 0``. Default ``4.0``.
        gamma_pos: the focusing parameter of positives, ``>= 0``. Default ``1.0``.
        clip: the probability margin added to negatives, in ``[0, 1)``, or ``None``. Default
            ``0.05``.
        eps: the smallest probability taken into the log, in ``(0, 1]``. Default ``1e-8``.
        label_smoothing: in ``[0, 1)``; targets move towards 0.5. Default ``0.0``.
        from_logits: whether ``y_pred`` holds logits. Default ``True``.
        class_reduction: ``"sum"``, ``"mean"`` or ``"none"``: how a sample's per-class values are
            combined over the last axis. Default ``"sum"``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"asymmetric"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        >>> logits = np.array([[-3.0, 2.0, -1.0], [0.5, 3.0, -4.0]])
        >>> round(float(al.Asymmetric()(y_true, logits)), 4)
        0.87
    """

    gamma_neg: float
    gamma_pos: float
    clip: float | None
    eps: float
    label_smoothing: float
    from_logits: bool
    class_reduction: str

    def __init__(
        self,
        gamma_neg: float = 4.0,
        gamma_pos: float = 1.0,
        clip: float | None = 0.05,
        eps: float = 1e-8,
        label_smoothing: float = 0.0,
        from_logits: bool = True,
        class_reduction: str = "sum",
        reduction: Any = "sum_over_batch_size",
        name: str = "asymmetric",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma_neg=gamma_neg,
            gamma_pos=gamma_pos,
            clip=clip,
            eps=eps,
            label_smoothing=label_smoothing,
            from_logits=from_logits,
            class_reduction=class_reduction,
        )


class KLDiv(BuiltinLoss, function=kl_div):
    """KL divergence of predicted log-probabilities as a ``Loss`` (PyTorch's ``KLDivLoss``).

    Computes :func:`kl_div` (one value per row by default), then weights and reduces it (see
    :class:`~anyloss.Loss`). The default, the sum over the classes averaged over the rows, is
    PyTorch's ``reduction="batchmean"`` for ``(batch, classes)`` inputs;
    ``KLDiv(axis=())`` averages every element, as PyTorch's default ``"mean"`` does.

    Args:
        log_target: whether ``y_true`` holds log-probabilities. Default ``False``.
        generalized: whether to add ``exp(y_pred) - t`` (unnormalised measures). Default
            ``False``.
        axis: the axis or axes summed per sample: an int, a tuple (``()``: every element is a
            value) or ``None``. Default ``-1``.
        reduction: how the per-sample values are reduced: ``"sum_over_batch_size"``
            (default: their mean over every entry), ``"sum"``, ``"mean"`` (the same as
            ``"sum_over_batch_size"``), ``"mean_with_sample_weight"`` (the weighted sum over the
            sum of the weights), ``"none"`` or ``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: the loss' name. Default ``"kl_div"``.
        dtype: compute dtype (``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``).
            Default ``None``: ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.5, 0.5], [1.0, 0.0]])
        >>> log_p = np.log(np.array([[0.25, 0.75], [0.9, 0.1]]))
        >>> round(float(al.KLDiv()(y_true, log_p)), 4)
        0.1246
        >>> round(float(al.KLDiv(axis=())(y_true, log_p)), 4)
        0.0623
    """

    log_target: bool
    generalized: bool
    axis: Any

    def __init__(
        self,
        log_target: bool = False,
        generalized: bool = False,
        axis: Any = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "kl_div",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            log_target=log_target,
            generalized=generalized,
            axis=axis,
        )
