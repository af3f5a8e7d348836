"""Overlap losses for segmentation: Dice and Tversky (Keras), and the segmentation losses of
PyTorch's segmentation libraries: Jaccard, focal Tversky, generalized Dice, Dice + cross-entropy,
Dice + focal, Lovasz and MCC."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from anyloss import backend as B
from anyloss._arguments import check_axis_type, check_flag, check_number, normalize_axis
from anyloss.backend import EPSILON as EPS
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, Peer, builtin
from anyloss.losses._prepare import prepare
from anyloss.losses._reduction import check_same_shape


def _check_dice(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    return arguments


def _check_tversky(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    return {
        **arguments,
        "alpha": check_number(arguments["alpha"], "alpha", minimum=0.0, owner="tversky"),
        "beta": check_number(arguments["beta"], "beta", minimum=0.0, owner="tversky"),
    }


@builtin(inputs=Inputs.BINARY, check=_check_dice)
def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Any:
    """Dice loss: one minus the (soft) Dice coefficient of ``y_true`` and ``y_pred``.

    An overlap loss for segmentation: unlike per-pixel cross-entropy it is insensitive to how
    much of the image is background, so it suits small foreground structures. ``eps = 1e-7``
    avoids 0/0 on empty masks.

    ::

        intersection = sum(y_true * y_pred, axis)
        loss = 1 - 2 * intersection / (sum(y_true, axis) + sum(y_pred, axis) + eps)

    Args:
        y_true: Binary ground-truth masks (0/1), e.g. ``(batch, height, width, 1)``.
        y_pred: Predicted foreground probabilities in ``[0, 1]``, same shape as ``y_true``.
        axis: The axis or axes summed over. Default: ``None``, every axis, giving one number
            for the whole batch (Keras); pass e.g. ``axis=(1, 2, 3)`` for one value per image.

    Returns:
        The loss in ``[0, 1]`` with ``axis`` removed: one number (a 0-d array) for
        ``axis=None``, else one value per sample; an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.dice(y_true, y_pred)), 4)
        0.28
        >>> al.dice(y_true, y_pred, axis=1).round(4).tolist()
        [0.2, 0.3333]

    Reference:
        Fausto Milletari, Nassir Navab and Seyed-Ahmad Ahmadi, "V-Net: Fully Convolutional
        Neural Networks for Volumetric Medical Image Segmentation", 3DV 2016,
        https://arxiv.org/abs/1606.04797
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "dice")
    axis = normalize_axis(axis, B.ndim(y_pred))
    intersection = xp.sum(y_true * y_pred, axis=axis)
    union = xp.sum(y_true, axis=axis) + xp.sum(y_pred, axis=axis)
    loss = 1.0 - 2.0 * intersection / (union + EPS)
    # NumPy 1.x promotes a float32 scalar (a full sum) with a Python float to float64.
    return B.as_float(xp, loss, y_pred.dtype)


@builtin(inputs=Inputs.BINARY, check=_check_tversky)
def tversky(
    y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None
) -> Any:
    """Tversky loss: one minus the Tversky index, which weighs false positives and negatives.

    A generalisation of :func:`dice` for imbalanced segmentation: raise ``beta`` to penalise
    missed foreground (false negatives) more, ``alpha`` to penalise false alarms more.
    ``alpha`` weighs false positives and ``beta`` false negatives, as documented (D1: Keras
    3.15.1 swaps them; see docs/keras-differences.md). ``alpha = beta = 0.5`` is Dice.

    ::

        TP = sum(y_pred * y_true, axis)
        FP = sum(y_pred * (1 - y_true), axis)
        FN = sum((1 - y_pred) * y_true, axis)
        loss = 1 - TP / (TP + alpha * FP + beta * FN + eps)      (eps = 1e-7)

    Args:
        y_true: Binary ground-truth masks (0/1), e.g. ``(batch, height, width, 1)``.
        y_pred: Predicted foreground probabilities in ``[0, 1]``, same shape as ``y_true``.
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5.
        axis: The axis or axes summed over. Default: ``None``, every axis, giving one number
            for the whole batch (Keras); pass e.g. ``axis=(1, 2, 3)`` for one value per image.

    Returns:
        The loss in ``[0, 1]`` with ``axis`` removed: one number (a 0-d array) for
        ``axis=None``, else one value per sample; an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.tversky(y_true, y_pred, alpha=0.7, beta=0.3)), 4)
        0.2174
        >>> al.tversky(y_true, y_pred, alpha=0.7, beta=0.3, axis=1).round(4).tolist()
        [0.2, 0.2308]

    Reference:
        Seyed Sadegh Mohseni Salehi, Deniz Erdogmus and Ali Gholipour, "Tversky loss function
        for image segmentation using 3D fully convolutional deep networks", MLMI 2017,
        https://arxiv.org/abs/1706.05721
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "tversky")
    axis = normalize_axis(axis, B.ndim(y_pred))
    tp = xp.sum(y_pred * y_true, axis=axis)
    fp = xp.sum(y_pred * (1.0 - y_true), axis=axis)
    fn = xp.sum((1.0 - y_pred) * y_true, axis=axis)
    loss = 1.0 - tp / (tp + alpha * fp + beta * fn + EPS)
    # NumPy 1.x promotes a float32 scalar (a full sum) with a Python float to float64.
    return B.as_float(xp, loss, y_pred.dtype)


class Dice(BuiltinLoss, function=dice):
    """Dice loss for segmentation: one minus the soft Dice coefficient.

    Wraps :func:`dice`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        axis: The axis or axes summed over. Default: ``None``, every axis: the loss is one
            number for the whole batch, so ``sample_weight`` cannot weigh samples (Keras); pass
            e.g. ``axis=(1, 2, 3)`` for one value per image.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"dice"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.Dice()(y_true, y_pred)), 4)
        0.28
        >>> round(float(al.Dice(axis=1)(y_true, y_pred)), 4)
        0.2667
    """

    axis: Any

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "dice",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(BuiltinLoss, function=tversky):
    """Tversky loss for segmentation (``alpha`` weighs false positives, ``beta`` false negatives).

    Wraps :func:`tversky`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    ``alpha`` weighs false positives, as documented (D1: Keras 3.15.1 swaps them; see docs/keras-
    differences.md).

    Args:
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5 (with ``alpha = 0.5``,
            Dice).
        axis: The axis or axes summed over. Default: ``None``, every axis: the loss is one
            number for the whole batch, so ``sample_weight`` cannot weigh samples (Keras); pass
            e.g. ``axis=(1, 2, 3)`` for one value per image.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"tversky"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.8, 0.2], [0.6, 0.4]])
        >>> round(float(al.Tversky(alpha=0.7, beta=0.3)(y_true, y_pred)), 4)
        0.2174
    """

    alpha: float
    beta: float
    axis: Any

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )


# --- the catalogue's segmentation losses ---------------------------------------------------------
#
# One layout for all of them. ``class_axis`` is the class (channel) axis: ``-1`` (channels-last)
# by default, ``1`` for channels-first, ``None`` for binary masks without one. ``axis`` names the
# axes summed per sample (default: every axis but the batch axis 0 and the class axis).
# ``from_logits`` says whether ``y_pred`` holds logits, turned into probabilities by
# ``activation`` (``"auto"``: softmax over two or more classes, sigmoid for one). ``aggregation``
# says whether the sums run per sample (``"sample"``) or over the whole batch too (``"batch"``:
# the batch's one value is returned for every sample). ``y_true`` holds masks shaped like
# ``y_pred``, or integer class labels without the class axis (or with a class axis of size 1),
# one-hot encoded along the class axis.

F = TypeVar("F")

_ACTIVATIONS = ("auto", "sigmoid", "softmax")
_AGGREGATIONS = ("sample", "batch")

_LAYOUT_MARKER = "        <layout arguments>\n"
_LAYOUT_ARGS = """\
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
"""
_ACTIVATION_ARGS = """\
        from_logits: Whether ``y_pred`` holds logits, turned into probabilities by
            ``activation``. Default: False (probabilities).
        activation: ``"auto"`` (default: softmax over the class axis with two or more classes,
            sigmoid for one), ``"sigmoid"`` (independent labels) or ``"softmax"``.
"""
_REDUCTION_ARGS = """\
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.
"""


def _documented(obj: F) -> F:
    """Fill the shared argument descriptions into a docstring (markers ``<layout arguments>``,
    ``<activation arguments>``, ``<reduction arguments>``)."""
    doc = obj.__doc__ or ""
    binary = _LAYOUT_ARGS.replace(
        "without a class axis. Default: ``-1``.",
        "without a class axis. Default: ``None`` (the MCC is a binary measure: one class).",
    )
    doc = doc.replace("        <binary layout arguments>\n", binary)
    doc = doc.replace(_LAYOUT_MARKER, _LAYOUT_ARGS)
    doc = doc.replace("        <activation arguments>\n", _ACTIVATION_ARGS)
    doc = doc.replace("        <reduction arguments>\n", _REDUCTION_ARGS)
    obj.__doc__ = doc
    return obj


#: smp's ``mode`` values: channels-first, and the activation its ``from_logits`` applies.
_SMP_MODES: Mapping[Any, Mapping[str, Any]] = {
    "binary": {"activation": "sigmoid"},
    "multilabel": {"activation": "sigmoid"},
    "multiclass": {"activation": "softmax"},
}
_SMP_LOGITS: Mapping[Any, Mapping[str, Any]] = {
    True: {"from_logits": True},
    False: {"from_logits": False},
}
#: MONAI's activation flags (``other_act`` is not supported).
_MONAI_SIGMOID: Mapping[Any, Mapping[str, Any]] = {
    True: {"from_logits": True, "activation": "sigmoid"},
    False: {},
}
_MONAI_SOFTMAX: Mapping[Any, Mapping[str, Any]] = {
    True: {"from_logits": True, "activation": "softmax"},
    False: {},
}
_MONAI_BATCH: Mapping[Any, Mapping[str, Any]] = {
    True: {"aggregation": "batch"},
    False: {"aggregation": "sample"},
}
#: MONAI's "mean" averages over samples and classes: anyloss' mean of per-sample class means.
_MONAI_REDUCTION: Mapping[Any, Mapping[str, Any]] = {"mean": {"reduction": "sum_over_batch_size"}}
#: Integer labels are one-hot encoded whenever their shape says so (no class axis, or one of
#: size 1), so MONAI's ``to_onehot_y`` needs no translation.
_MONAI_ONEHOT: Mapping[Any, Mapping[str, Any]] = {True: {}, False: {}}
_MONAI_NOTE = (
    "Call as loss(y_true, y_pred). Channels-first (class_axis=1), one value per sample: the "
    "class mean (MONAI's reduction='none' keeps the classes; only reduction='mean' is "
    "supported). `other_act`, `weight` and `soft_label` are not supported."
)
#: optax' Dice (``dice_loss``, ``binary_dice_loss``): the Tversky form at alpha = beta = 0.5,
#: smoothing 1 on both sides, no clipping, from logits.
_OPTAX_DICE: Mapping[str, Any] = {
    "alpha": 0.5,
    "beta": 0.5,
    "gamma": 1.0,
    "smooth": 1.0,
    "eps": 0.0,
    "from_logits": True,
}
_SMP_NOTE = (
    "Call as loss(y_true, y_pred). Channels-first (class_axis=1); the sums run over the whole "
    "batch (aggregation='batch'), whose one value is returned for every sample, so "
    "reduction='sum' gives batch-size times smp's number. `classes`, `ignore_index` and "
    "`class_weights` are not supported."
)


def _check_choice(value: Any, arg: str, choices: tuple[Any, ...], owner: str) -> Any:
    if (isinstance(value, str) or value is None) and value in choices:
        return value
    msg = (
        f"Argument `{arg}` of {owner} must be one of {', '.join(repr(c) for c in choices)}. "
        f"Received: {arg}={value!r}"
    )
    raise ValueError(msg)


def _check_layout(arguments: dict[str, Any], owner: str) -> dict[str, Any]:
    """The layout arguments shared by the segmentation losses, checked."""
    out = dict(arguments)
    if "axis" in out:
        check_axis_type(out["axis"])
        if isinstance(out["axis"], list):
            out["axis"] = tuple(out["axis"])
    class_axis = out["class_axis"]
    if class_axis is not None:
        check_axis_type(class_axis, "class_axis", single=True)
        if class_axis == 0:
            msg = (
                f"Argument `class_axis` of {owner} cannot be 0, the batch axis. Received: "
                "class_axis=0. Use 1 for channels-first or -1 for channels-last inputs."
            )
            raise ValueError(msg)
    if "aggregation" in out:
        out["aggregation"] = _check_choice(out["aggregation"], "aggregation", _AGGREGATIONS, owner)
    for key in (
        "include_background",
        "from_logits",
        "log_loss",
        "ignore_empty",
        "per_image",
        "apply_softmax",
    ):
        if key in out:
            out[key] = check_flag(out[key], key)
    if "activation" in out:
        choices = (*_ACTIVATIONS, None) if owner in ("dice_ce", "dice_focal") else _ACTIVATIONS
        out["activation"] = _check_choice(out["activation"], "activation", choices, owner)
    for key in (
        "smooth",
        "smooth_nr",
        "eps",
        "alpha",
        "beta",
        "lambda_dice",
        "lambda_ce",
        "lambda_focal",
    ):
        if key in out and out[key] is not None and (key, owner) != ("alpha", "dice_focal"):
            out[key] = check_number(out[key], key, minimum=0.0, owner=owner)
    if out.get("smooth_dr") is not None:
        out["smooth_dr"] = check_number(out["smooth_dr"], "smooth_dr", minimum=0.0, owner=owner)
    if "gamma" in out:
        out["gamma"] = check_number(out["gamma"], "gamma", minimum=0.0, owner=owner)
    return out


class _Layout(NamedTuple):
    xp: Any
    y_true: Any  # masks shaped like y_pred (a class axis appended when class_axis is None)
    y_pred: Any  # probabilities (after the activation)
    logits: Any  # y_pred before the activation
    class_axis: int  # non-negative
    reduce: tuple[int, ...]  # the axes summed (0 among them for aggregation="batch")
    batch: Any  # an int, or a 0-d tensor where unknown (B.dynamic_shape)
    onehot: bool = False  # y_true was one-hot encoded from integer labels (exactly 0/1)


def _activate(xp: Any, x: Any, activation: Any, class_axis: int) -> Any:
    classes = B.shape(x)[class_axis]
    if activation == "softmax" or (activation == "auto" and classes > 1):
        return B.softmax(xp, x, axis=class_axis)
    return B.sigmoid(xp, x)


def _layout(
    y_true: Any,
    y_pred: Any,
    loss: str,
    class_axis: Any,
    axis: Any = None,
    activation: Any = None,
    aggregation: str = "sample",
) -> _Layout:
    """Probabilities and masks of one shape, the class axis and the summed axes resolved."""
    xp, y_pred = B.prediction(y_pred)
    y_true = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
    rank = B.ndim(y_pred)
    if rank < 2:
        msg = (
            f"{loss}: `y_pred` needs a batch axis and at least one more axis, e.g. (batch, "
            f"height, width, classes). Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    if class_axis is None:
        check_same_shape(y_true, y_pred, loss)
        ca = rank
    else:
        ca = normalize_axis(class_axis, rank, "class_axis")
        if ca == 0:
            msg = f"{loss}: class_axis={class_axis} is the batch axis; use 1 or -1."
            raise ValueError(msg)
    if axis is None:
        reduce = tuple(a for a in range(rank) if a not in (0, ca))
    else:
        given = normalize_axis(axis, rank)
        reduce = given if isinstance(given, tuple) else (given,)
        if 0 in reduce or ca in reduce:
            msg = (
                f"{loss}: axis={axis} names the batch axis 0 or the class axis {ca}, which are "
                "never summed per sample (aggregation='batch' sums over the batch)."
            )
            raise ValueError(msg)
    if class_axis is None:
        y_true, y_pred = y_true[..., None], y_pred[..., None]
    logits = y_pred
    if activation is not None:
        y_pred = _activate(xp, y_pred, activation, ca)
    classes = B.shape(y_pred)[ca]
    onehot = False
    if class_axis is not None and (
        B.ndim(y_true) == rank - 1 or (B.ndim(y_true) == rank and B.shape(y_true)[ca] == 1)
    ):
        if B.ndim(y_true) == rank - 1:
            y_true = xp.expand_dims(y_true, axis=ca)
        if classes != 1:  # integer labels: one-hot along the class axis
            # D13: a label outside [0, classes) would one-hot to an all-zero mask.
            B.check_whole_numbers(xp, y_true, "y_true")
            B.check_label_range(xp, y_true, classes, loss)
            shape = [1] * rank
            shape[ca] = classes
            ids = xp.arange(classes, dtype=y_pred.dtype, device=B.device_of(y_pred))
            y_true = xp.astype(xp.equal(y_true, xp.reshape(ids, tuple(shape))), y_pred.dtype)
            onehot = True
    check_same_shape(y_true, y_pred, loss)
    if aggregation == "batch":
        reduce = (0, *reduce)
    return _Layout(xp, y_true, y_pred, logits, ca, reduce, B.dynamic_shape(y_pred)[0], onehot)


def _drop_background(layout: _Layout, include_background: bool) -> _Layout:
    """The layout without class 0 (when ``include_background`` is False and there are two or
    more classes)."""
    if include_background or B.shape(layout.y_pred)[layout.class_axis] < 2:
        return layout
    cut = (slice(None),) * layout.class_axis + (slice(1, None),)
    return layout._replace(
        y_true=layout.y_true[cut], y_pred=layout.y_pred[cut], logits=layout.logits[cut]
    )


def _sum(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    # torch.sum(dim=()) sums every axis: with no axis to sum, the values are the sums.
    return xp.sum(x, axis=axes, keepdims=True) if axes else x


def _mean(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    return xp.mean(x, axis=axes, keepdims=True) if axes else x


def _finish(layout: _Layout, value: Any) -> Any:
    """Values with the summed and class axes kept (size 1) -> one value per sample; a
    batch-aggregated value is given to every sample."""
    xp = layout.xp
    drop = tuple(sorted({*layout.reduce, layout.class_axis} - {0}))
    value = xp.squeeze(value, axis=drop) if drop else value
    if 0 in layout.reduce:
        value = xp.broadcast_to(value, (layout.batch, *B.dynamic_shape(value)[1:]))
    return B.as_float(xp, value, layout.y_pred.dtype)


def _class_mean(layout: _Layout, value: Any) -> Any:
    return layout.xp.mean(value, axis=layout.class_axis, keepdims=True)


def _counts(layout: _Layout) -> tuple[Any, Any, Any]:
    """Soft true positives, prediction sums and target sums per class.

    The false positives and negatives are ``P - TP`` and ``T - TP``: one product and three
    sums instead of three products, two complements and four sums over the full array.
    """
    xp, t, p, axes = layout.xp, layout.y_true, layout.y_pred, layout.reduce
    return _sum(xp, t * p, axes), _sum(xp, p, axes), _sum(xp, t, axes)


def _element_count(layout: _Layout) -> Any:
    """How many elements each count of ``_counts`` sums: an int, or (a size unknown until the
    graph runs) the sum of ones."""
    sizes = B.dynamic_shape(layout.y_pred)
    n = 1
    for a in layout.reduce:
        if not isinstance(sizes[a], int):
            return _sum(layout.xp, layout.xp.ones_like(layout.y_pred), layout.reduce)
        n *= sizes[a]
    return n


def _weighted_den(tp: Any, pred: Any, total: Any, alpha: float, beta: float) -> Any:
    """``TP + alpha FP + beta FN`` from the counts (alpha = beta = 0.5: ``(P + T) / 2``)."""
    if alpha == beta:
        den = alpha * (pred + total)
        return den if alpha == 0.5 else den + (1.0 - 2.0 * alpha) * tp
    return alpha * pred + beta * total + (1.0 - alpha - beta) * tp


def _tversky_per_class(
    layout: _Layout,
    alpha: float,
    beta: float,
    smooth: float,
    smooth_dr: Any,
    eps: float,
    log_loss: bool,
    ignore_empty: bool,
) -> Any:
    xp = layout.xp
    tp, pred, total = _counts(layout)
    den = _weighted_den(tp, pred, total, alpha, beta) + (smooth if smooth_dr is None else smooth_dr)
    if eps > 0:
        den = xp.clip(den, eps, None)
    score = (tp + smooth) / den
    per_class = -xp.log(xp.clip(score, eps, None)) if log_loss else 1.0 - score
    if ignore_empty:
        per_class = per_class * xp.astype(total > 0, per_class.dtype)
    return per_class


def _check_jaccard(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_layout(arguments, "jaccard")


@builtin(
    inputs=Inputs.BINARY,
    aliases=("soft_iou", "jaccard_loss"),
    check=_check_jaccard,
    align_ranks=False,
    origin="smp",
    peers=(
        Peer(
            "smp.losses.JaccardLoss",
            settings={
                "class_axis": 1,
                "from_logits": True,
                "aggregation": "batch",
                "ignore_empty": True,
                "smooth": 0.0,
                "eps": 1e-7,
            },
            renames={"smooth": "smooth", "eps": "eps", "log_loss": "log_loss"},
            choices={"mode": _SMP_MODES, "from_logits": _SMP_LOGITS},
            note=_SMP_NOTE,
        ),
    ),
)
@_documented
def jaccard(
    y_true: Any,
    y_pred: Any,
    smooth: float = 1e-5,
    smooth_dr: Any = None,
    eps: float = 1e-7,
    log_loss: bool = False,
    ignore_empty: bool = False,
    from_logits: bool = False,
    activation: str = "auto",
    class_axis: Any = -1,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
) -> Any:
    """Jaccard (soft IoU) loss: one minus the soft intersection over union, averaged over classes.

    An overlap loss for segmentation that scores the intersection over the union instead of
    Dice's ratio to the mean size: a given overlap error costs more than in Dice. Computed per
    sample and class (see ``class_axis`` and ``axis``), then averaged over the classes.

    ::

        TP = sum(y_true * p, axis),  FP = sum((1 - y_true) * p, axis),  FN = sum(y_true * (1 - p), axis)
        iou_c = (TP + smooth) / max(TP + FP + FN + smooth_dr, eps)     (smooth_dr = smooth if None)
        loss_c = 1 - iou_c                          (log_loss: -log(max(iou_c, eps)))
        loss = mean over classes of loss_c          (ignore_empty: 0 for a class with sum(y_true) = 0)

    Args:
        y_true: Masks shaped like ``y_pred`` (one-hot or multi-hot, 0/1 or soft), or integer
            class labels without the class axis (one-hot encoded along ``class_axis``).
        y_pred: Probabilities (or logits, with ``from_logits``), e.g. ``(batch, height, width,
            classes)``.
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0: an empty class predicted empty then scores 1. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        eps: Lower bound of the denominator (and of the IoU in ``log_loss``), a float >= 0.
            Default: 1e-7.
        log_loss: Whether the loss is ``-log(iou)`` instead of ``1 - iou``. Default: False.
        ignore_empty: Whether a class with no target pixel (over the summed axes) counts 0, as
            segmentation_models_pytorch does. Default: False.
        <activation arguments>
        <layout arguments>

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0]], [[1.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[0.8], [0.2]], [[0.6], [0.4]]])
        >>> al.jaccard(y_true, y_pred).round(4).tolist()
        [0.3333, 0.5]
        >>> al.jaccard(y_true, y_pred, aggregation="batch").round(4).tolist()
        [0.4375, 0.4375]

    Reference:
        Md Atiqur Rahman and Yang Wang, "Optimizing Intersection-Over-Union in Deep Neural
        Networks for Image Segmentation", ISVC 2016; segmentation_models_pytorch's
        ``JaccardLoss`` (``segmentation_models_pytorch/losses/jaccard.py``) and MONAI's
        ``DiceLoss(jaccard=True)``.
    """
    layout = _layout(
        y_true,
        y_pred,
        "jaccard",
        class_axis,
        axis,
        activation if from_logits else None,
        aggregation,
    )
    layout = _drop_background(layout, include_background)
    per_class = _tversky_per_class(layout, 1.0, 1.0, smooth, smooth_dr, eps, log_loss, ignore_empty)
    return _finish(layout, _class_mean(layout, per_class))


def _check_focal_tversky(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_layout(arguments, "focal_tversky")


@builtin(
    inputs=Inputs.BINARY,
    aliases=("focal_tversky_loss",),
    check=_check_focal_tversky,
    align_ranks=False,
    origin="smp",
    peers=(
        Peer(
            "smp.losses.TverskyLoss",
            settings={
                "alpha": 0.5,
                "beta": 0.5,
                "gamma": 1.0,
                "class_axis": 1,
                "from_logits": True,
                "aggregation": "batch",
                "ignore_empty": True,
                "smooth": 0.0,
                "eps": 1e-7,
            },
            renames={
                "alpha": "alpha",
                "beta": "beta",
                "gamma": "gamma",
                "smooth": "smooth",
                "eps": "eps",
                "log_loss": "log_loss",
            },
            choices={"mode": _SMP_MODES, "from_logits": _SMP_LOGITS},
            note=_SMP_NOTE + " gamma raises the class mean of 1 - TI to gamma, as smp does.",
        ),
        Peer(
            "smp.losses.DiceLoss",
            settings={
                "alpha": 0.5,
                "beta": 0.5,
                "gamma": 1.0,
                "class_axis": 1,
                "from_logits": True,
                "aggregation": "batch",
                "ignore_empty": True,
                "smooth": 0.0,
                "eps": 1e-7,
            },
            renames={"smooth": "smooth", "eps": "eps", "log_loss": "log_loss"},
            choices={"mode": _SMP_MODES, "from_logits": _SMP_LOGITS},
            note=_SMP_NOTE + " Dice is the Tversky index with alpha = beta = 0.5.",
        ),
        Peer(
            "monai.losses.TverskyLoss",
            settings={
                "alpha": 0.5,
                "beta": 0.5,
                "gamma": 1.0,
                "class_axis": 1,
                "smooth": 1e-5,
                "smooth_dr": 1e-5,
                "eps": 0.0,
            },
            renames={
                "alpha": "alpha",
                "beta": "beta",
                "smooth_nr": "smooth",
                "smooth_dr": "smooth_dr",
                "include_background": "include_background",
            },
            choices={
                "sigmoid": _MONAI_SIGMOID,
                "softmax": _MONAI_SOFTMAX,
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE,
        ),
        Peer(
            "monai.losses.DiceLoss",
            settings={
                "alpha": 0.5,
                "beta": 0.5,
                "gamma": 1.0,
                "class_axis": 1,
                "smooth": 5e-6,
                "smooth_dr": 5e-6,
                "eps": 0.0,
            },
            renames={"include_background": "include_background"},
            choices={
                "jaccard": {True: {"alpha": 1.0, "beta": 1.0}, False: {}},
                "sigmoid": _MONAI_SIGMOID,
                "softmax": _MONAI_SOFTMAX,
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE
            + " MONAI's Dice 1 - (2 TP + smooth_nr) / (2 TP + FP + FN + smooth_dr) is the "
            "Tversky form with alpha = beta = 0.5 and half the smoothing: for other smoothing "
            "write al.FocalTversky(alpha=0.5, beta=0.5, gamma=1.0, smooth=smooth_nr / 2, "
            "smooth_dr=smooth_dr / 2, class_axis=1, eps=0.0); `squared_pred` is not supported.",
        ),
        Peer(
            "optax.dice_loss",
            settings={**_OPTAX_DICE, "activation": "auto", "class_axis": -1},
            renames={"alpha": "alpha", "beta": "beta", "smooth": "smooth", "axis": "axis"},
            choices={
                "apply_softmax": {True: {"from_logits": True}, False: {"from_logits": False}},
                "ignore_background": {
                    True: {"include_background": False},
                    False: {"include_background": True},
                },
                "reduction": {"mean": {}},
            },
            note=(
                "Call as loss(y_true, y_pred) with optax' (predictions, targets) swapped. "
                "Channels-last, one value per sample (optax' reduction='mean' over classes); "
                "`class_weights` is not supported."
            ),
        ),
        Peer(
            "optax.binary_dice_loss",
            settings={**_OPTAX_DICE, "activation": "sigmoid", "class_axis": None},
            renames={"smooth": "smooth"},
            choices={"apply_sigmoid": {True: {"from_logits": True}, False: {"from_logits": False}}},
            note=(
                "Call as loss(y_true, y_pred) with optax' (predictions, targets) swapped. One "
                "value per sample over every axis but the first (optax' trailing channel of 1 "
                "counts as one more summed axis). optax' apply_sigmoid=False refuses any "
                "probability but 1 (it checks that the one channel sums to 1); anyloss takes "
                "probabilities there."
            ),
        ),
    ),
)
@_documented
def focal_tversky(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.5,
    beta: float = 0.5,
    gamma: float = 0.75,
    smooth: float = 1e-5,
    smooth_dr: Any = None,
    eps: float = 1e-7,
    log_loss: bool = False,
    ignore_empty: bool = False,
    from_logits: bool = False,
    activation: str = "auto",
    class_axis: Any = -1,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
) -> Any:
    """Focal Tversky loss: the class mean of one minus the Tversky index, raised to ``gamma``.

    For small, imbalanced structures: ``alpha`` weighs false positives and ``beta`` false
    negatives (raise ``beta`` to penalise missed foreground), and ``gamma < 1`` keeps the
    gradient large as the index nears 1. With ``gamma = 1`` it is the Tversky loss, with
    ``alpha = beta = 0.5`` Dice and with ``alpha = beta = 1`` Jaccard, per sample and class
    (unlike :func:`tversky`, which sums every axis given).

    ::

        TP = sum(y_true * p, axis),  FP = sum((1 - y_true) * p, axis),  FN = sum(y_true * (1 - p), axis)
        TI_c = (TP + smooth) / max(TP + alpha * FP + beta * FN + smooth_dr, eps)
        loss = (mean over classes of (1 - TI_c)) ** gamma     (log_loss: -log(max(TI_c, eps)))

    As segmentation_models_pytorch does, ``gamma`` applies to the class mean, not per class.

    Args:
        y_true: Masks shaped like ``y_pred`` (one-hot or multi-hot, 0/1 or soft), or integer
            class labels without the class axis (one-hot encoded along ``class_axis``).
        y_pred: Probabilities (or logits, with ``from_logits``), e.g. ``(batch, height, width,
            classes)``.
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5.
        gamma: The focal exponent, a float >= 0. Default: 0.75 (``1 / (4/3)``, the paper's).
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0: an empty class predicted empty then scores 1. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        eps: Lower bound of the denominator (and of the index in ``log_loss``), a float >= 0.
            Default: 1e-7.
        log_loss: Whether the per-class loss is ``-log(TI)`` instead of ``1 - TI``.
            Default: False.
        ignore_empty: Whether a class with no target pixel (over the summed axes) counts 0, as
            segmentation_models_pytorch does. Default: False.
        <activation arguments>
        <layout arguments>

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0]], [[1.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[0.8], [0.2]], [[0.6], [0.4]]])
        >>> al.focal_tversky(y_true, y_pred, alpha=0.3, beta=0.7).round(4).tolist()
        [0.2991, 0.514]
        >>> al.focal_tversky(y_true, y_pred, gamma=1.0).round(4).tolist()  # Dice
        [0.2, 0.3333]

    Reference:
        Nabila Abraham and Naimul Mefraz Khan, "A Novel Focal Tversky loss function with
        improved Attention U-Net for lesion segmentation", ISBI 2019,
        https://arxiv.org/abs/1810.07842; segmentation_models_pytorch's ``TverskyLoss``
        (``segmentation_models_pytorch/losses/tversky.py``).
    """
    layout = _layout(
        y_true,
        y_pred,
        "focal_tversky",
        class_axis,
        axis,
        activation if from_logits else None,
        aggregation,
    )
    layout = _drop_background(layout, include_background)
    per_class = _tversky_per_class(
        layout, alpha, beta, smooth, smooth_dr, eps, log_loss, ignore_empty
    )
    value = _class_mean(layout, per_class)
    if gamma != 1.0:
        # x**gamma with gamma < 1 has an infinite slope at 0 (a perfect prediction): the
        # gradient there is 0 instead, the value unchanged.
        xp = layout.xp
        zero = xp.equal(value, 0)
        value = xp.where(zero, 0.0, xp.where(zero, xp.ones_like(value), value) ** gamma)
    return _finish(layout, value)


_WEIGHT_TYPES = ("square", "simple", "uniform")
_COMBINES = ("ratio", "mean")
#: optax' offset of the squared class sizes (``multiclass_generalized_dice_loss``).
_OPTAX_GDL_EPSILON = 1e-7


def _check_generalized_dice(arguments: dict[str, Any]) -> dict[str, Any]:
    out = _check_layout(arguments, "generalized_dice")
    out["weight_type"] = _check_choice(
        out["weight_type"], "weight_type", _WEIGHT_TYPES, "generalized_dice"
    )
    out["combine"] = _check_choice(out["combine"], "combine", _COMBINES, "generalized_dice")
    return out


@builtin(
    inputs=Inputs.BINARY,
    aliases=("generalized_dice_loss", "gdl"),
    check=_check_generalized_dice,
    align_ranks=False,
    origin="monai",
    peers=(
        Peer(
            "monai.losses.GeneralizedDiceLoss",
            settings={"class_axis": 1, "smooth": 1e-5, "smooth_dr": 1e-5},
            renames={
                "w_type": "weight_type",
                "smooth_nr": "smooth",
                "smooth_dr": "smooth_dr",
                "include_background": "include_background",
            },
            choices={
                "sigmoid": _MONAI_SIGMOID,
                "softmax": _MONAI_SOFTMAX,
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE,
        ),
        Peer(
            "optax.multiclass_generalized_dice_loss",
            settings={
                "combine": "mean",
                "smooth": 2.0,
                "smooth_dr": 2.0,
                "from_logits": True,
                "class_axis": -1,
            },
            choices={
                "apply_softmax": {True: {"from_logits": True}, False: {"from_logits": False}},
                "ignore_background": {
                    True: {"include_background": False},
                    False: {"include_background": True},
                },
            },
            note="Call as loss(y_true, y_pred) with optax' (predictions, targets) swapped. "
            "Channels-last, one value per sample (the mean over its classes), whose mean is "
            "optax' number. The class weights come from the whole batch: a sample's value "
            "depends on the others in its batch. optax' Dice 1 - (TP + s) / ((T + P) / 2 + s) "
            "is anyloss' with smooth = smooth_dr = 2 s: for other smoothing write "
            "al.GeneralizedDice(combine='mean', smooth=2 * s, smooth_dr=2 * s, "
            "from_logits=True).",
        ),
    ),
)
@_documented
def generalized_dice(
    y_true: Any,
    y_pred: Any,
    weight_type: str = "square",
    smooth: float = 1e-5,
    smooth_dr: Any = None,
    from_logits: bool = False,
    activation: str = "auto",
    class_axis: Any = -1,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
    combine: str = "ratio",
) -> Any:
    """Generalized Dice loss: Dice with each class weighted by its inverse squared size.

    For multi-class segmentation with very unequal class sizes: plain Dice averaged over
    classes lets large classes dominate the gradient; weighting each class by ``1 / size**2``
    evens them out. With ``combine="ratio"`` (MONAI, Sudre et al.) the weights are per sample
    (per batch with ``aggregation="batch"``), and a class absent from the targets gets the
    largest weight of the present ones. With ``combine="mean"`` (optax) each class' Dice loss is
    weighted by the inverse (squared) size of the class in the whole batch, the weights scaled to
    sum to the number of classes: a batch-level loss, a sample's value depends on the other
    samples of its batch (in data-parallel training, on its shard's).

    ::

        TP_c = sum(y_true * p, axis),  T_c = sum(y_true, axis),  P_c = sum(p, axis)
        combine="ratio":
            w_c = 1 / T_c**2 ("square"), 1 / T_c ("simple") or 1 ("uniform");  w_c = max(w) where T_c = 0
            loss = 1 - (2 * sum_c w_c * TP_c + smooth) / (sum_c w_c * (T_c + P_c) + smooth_dr)
        combine="mean":
            F_c = sum(y_true) over every axis but the class axis (the batch's class sizes)
            v_c = 1 / (F_c**2 + 1e-7) ("square"), 1 / (F_c + 1e-7) ("simple") or 1 ("uniform")
            w_c = C * v_c / sum_c v_c     (C classes, the background included)
            loss = mean over classes of w_c * (1 - (2 * TP_c + smooth) / (T_c + P_c + smooth_dr))

    Args:
        y_true: Masks shaped like ``y_pred`` (one-hot, 0/1), or integer class labels without
            the class axis (one-hot encoded along ``class_axis``).
        y_pred: Probabilities (or logits, with ``from_logits``), e.g. ``(batch, height, width,
            classes)``.
        weight_type: The class weights: ``"square"`` (default, ``1 / T_c**2``), ``"simple"``
            (``1 / T_c``) or ``"uniform"`` (1).
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        <activation arguments>
        <layout arguments>
        combine: ``"ratio"`` (default: one Dice of the weighted sums, per-sample weights,
            MONAI's) or ``"mean"`` (the class mean of the weighted per-class Dice losses, the
            weights from the whole batch, optax' ``multiclass_generalized_dice_loss``).

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]])  # (batch, pixels, classes)
        >>> y_pred = np.array([[[0.7, 0.3], [0.4, 0.6], [0.2, 0.8]]])
        >>> al.generalized_dice(y_true, y_pred).round(4).tolist()
        [0.3488]
        >>> al.generalized_dice(y_true, y_pred, combine="mean").round(4).tolist()
        [0.3617]

    Reference:
        Carole H. Sudre, Wenqi Li, Tom Vercauteren, Sebastien Ourselin and M. Jorge Cardoso,
        "Generalised Dice overlap as a deep learning loss function for highly unbalanced
        segmentations", DLMIA 2017, https://arxiv.org/abs/1707.03237; MONAI's
        ``GeneralizedDiceLoss`` (``monai/losses/dice.py``); optax'
        ``optax.losses.multiclass_generalized_dice_loss``.
    """
    layout = _layout(
        y_true,
        y_pred,
        "generalized_dice",
        class_axis,
        axis,
        activation if from_logits else None,
        aggregation,
    )
    if combine == "mean":
        return _generalized_dice_mean(layout, weight_type, smooth, smooth_dr, include_background)
    layout = _drop_background(layout, include_background)
    xp, ca = layout.xp, layout.class_axis
    tp, pred, total = _counts(layout)
    present = total > 0
    if weight_type == "uniform":
        weights = xp.ones_like(total)
    else:
        safe = xp.where(present, total, xp.ones_like(total))
        weights = xp.where(present, 1.0 / (safe * safe if weight_type == "square" else safe), 0.0)
        top = xp.max(weights, axis=ca if 0 not in layout.reduce else None, keepdims=True)
        weights = xp.where(present, weights, top)
    num = 2.0 * xp.sum(weights * tp, axis=ca, keepdims=True) + smooth
    den = xp.sum(weights * (pred + total), axis=ca, keepdims=True)
    den = den + (smooth if smooth_dr is None else smooth_dr)
    return _finish(layout, 1.0 - num / den)


def _generalized_dice_mean(
    layout: _Layout, weight_type: str, smooth: float, smooth_dr: Any, include_background: bool
) -> Any:
    """``combine="mean"``: the class mean of per-class Dice losses weighted by the batch's
    normalised inverse class sizes (optax' ``multiclass_generalized_dice_loss``)."""
    xp, ca = layout.xp, layout.class_axis
    classes = B.shape(layout.y_true)[ca]
    weights = None
    if weight_type != "uniform":
        others = tuple(a for a in range(B.ndim(layout.y_true)) if a != ca)
        size = xp.sum(layout.y_true, axis=others, keepdims=True)
        inverse = 1.0 / ((size * size if weight_type == "square" else size) + _OPTAX_GDL_EPSILON)
        weights = inverse * (classes / xp.sum(inverse, axis=ca, keepdims=True))
        if not include_background and classes > 1:  # scaled over every class, then dropped
            weights = weights[(slice(None),) * ca + (slice(1, None),)]
    layout = _drop_background(layout, include_background)
    dice = _dice_term(layout, smooth, smooth_dr)
    return _finish(layout, _class_mean(layout, dice if weights is None else weights * dice))


def _dice_term(layout: _Layout, smooth: float, smooth_dr: Any) -> Any:
    """MONAI's Dice per class: ``1 - (2 TP + smooth) / (T + P + smooth_dr)``."""
    tp, pred, total = _counts(layout)
    den = pred + total + (smooth if smooth_dr is None else smooth_dr)
    return 1.0 - (2.0 * tp + smooth) / den


def _per_sample_layout(layout: _Layout) -> _Layout:
    return layout._replace(reduce=tuple(a for a in layout.reduce if a != 0))


def _check_dice_ce(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_layout(arguments, "dice_ce")


@builtin(
    inputs=Inputs.BINARY,
    aliases=("dice_ce_loss", "dice_cross_entropy"),
    check=_check_dice_ce,
    align_ranks=False,
    origin="monai",
    peers=(
        Peer(
            "monai.losses.DiceCELoss",
            settings={"class_axis": 1, "activation": None, "smooth": 1e-5, "smooth_dr": 1e-5},
            renames={
                "lambda_dice": "lambda_dice",
                "lambda_ce": "lambda_ce",
                "smooth_nr": "smooth",
                "smooth_dr": "smooth_dr",
                "include_background": "include_background",
            },
            choices={
                "sigmoid": {True: {"activation": "sigmoid"}, False: {}},
                "softmax": {True: {"activation": "softmax"}, False: {}},
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE
            + " By default MONAI computes the Dice term on the raw logits (activation=None); "
            "pass softmax=True (or sigmoid=True) for probabilities. `weight`, "
            "`label_smoothing`, `jaccard` and `squared_pred` are not supported.",
        ),
    ),
)
@_documented
def dice_ce(
    y_true: Any,
    y_pred: Any,
    lambda_dice: float = 1.0,
    lambda_ce: float = 1.0,
    smooth: float = 1e-5,
    smooth_dr: Any = None,
    activation: Any = "auto",
    class_axis: Any = -1,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
) -> Any:
    """Dice plus cross-entropy: the usual compound loss of medical image segmentation.

    Dice optimises the overlap (robust to class imbalance) while cross-entropy gives smooth,
    well-scaled per-pixel gradients early in training. ``y_pred`` holds logits: the
    cross-entropy is softmax cross-entropy over the class axis (sigmoid binary cross-entropy
    with one class), the Dice term runs on ``activation(y_pred)``.

    ::

        p = activation(y_pred)     (None: the logits themselves, MONAI's default)
        dice_c = 1 - (2 * sum(y_true * p, axis) + smooth) / (sum(y_true + p, axis) + smooth_dr)
        ce = mean over axis of -sum_c y_true_c * log_softmax(y_pred)_c   (one class: BCE with logits)
        loss = lambda_dice * mean over classes of dice_c + lambda_ce * ce

    Args:
        y_true: One-hot masks shaped like ``y_pred``, or integer class labels without the class
            axis (one-hot encoded along ``class_axis``).
        y_pred: Logits, e.g. ``(batch, height, width, classes)``.
        lambda_dice: Weight of the Dice term, a float >= 0. Default: 1.0.
        lambda_ce: Weight of the cross-entropy term, a float >= 0. Default: 1.0.
        smooth: Added to Dice's numerator (and denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to Dice's denominator, a float >= 0, or ``None`` for ``smooth``.
        activation: What turns the logits into the Dice term's probabilities: ``"auto"``
            (default: softmax over two or more classes, sigmoid for one), ``"softmax"``,
            ``"sigmoid"`` or ``None`` (the raw logits, as MONAI's default does).
        <layout arguments>

    ``include_background`` applies to the Dice term; the cross-entropy uses every class, and
    ``aggregation="batch"`` aggregates the Dice term only (the cross-entropy stays per sample).

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0, 1, 1]])  # integer labels, (batch, pixels)
        >>> y_pred = np.array([[[2.0, -1.0], [0.0, 1.0], [-1.0, 1.5]]])  # (batch, pixels, classes)
        >>> al.dice_ce(y_true, y_pred).round(4).tolist()
        [0.2852]

    Reference:
        Fabian Isensee et al., "nnU-Net: a self-configuring method for deep learning-based
        biomedical image segmentation", Nature Methods 2021; MONAI's ``DiceCELoss``
        (``monai/losses/dice.py``).
    """
    layout = _layout(y_true, y_pred, "dice_ce", class_axis, axis, activation, aggregation)
    xp, ca = layout.xp, layout.class_axis
    pixels = _per_sample_layout(layout)
    t, z = layout.y_true, layout.logits
    if B.shape(z)[ca] == 1:
        ce = B.softplus(xp, z) - t * z  # binary cross-entropy with logits
    else:
        ce = -xp.sum(t * B.log_softmax(xp, z, axis=ca), axis=ca, keepdims=True)
    ce = _mean(xp, ce, pixels.reduce)
    dice_layout = _drop_background(layout, include_background)
    dice = _class_mean(dice_layout, _dice_term(dice_layout, smooth, smooth_dr))
    return _finish(pixels, lambda_ce * ce) + _finish(dice_layout, lambda_dice * dice)


def _check_dice_focal(arguments: dict[str, Any]) -> dict[str, Any]:
    out = _check_layout(arguments, "dice_focal")
    if out["alpha"] is not None:
        out["alpha"] = check_number(
            out["alpha"], "alpha", minimum=0.0, maximum=1.0, owner="dice_focal"
        )
    return out


@builtin(
    inputs=Inputs.BINARY,
    aliases=("dice_focal_loss",),
    check=_check_dice_focal,
    align_ranks=False,
    origin="monai",
    peers=(
        Peer(
            "monai.losses.DiceFocalLoss",
            settings={"class_axis": 1, "activation": None, "smooth": 1e-5, "smooth_dr": 1e-5},
            renames={
                "gamma": "gamma",
                "alpha": "alpha",
                "lambda_dice": "lambda_dice",
                "lambda_focal": "lambda_focal",
                "smooth_nr": "smooth",
                "smooth_dr": "smooth_dr",
                "include_background": "include_background",
            },
            choices={
                "sigmoid": {True: {"activation": "sigmoid"}, False: {}},
                "softmax": {True: {"activation": "softmax"}, False: {}},
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE
            + " By default MONAI computes the Dice term on the raw logits (activation=None); "
            "pass sigmoid=True (or softmax=True) for probabilities. The focal term is MONAI's "
            "sigmoid focal loss; `weight`, `jaccard` and `squared_pred` are not supported.",
        ),
        Peer(
            "smp.losses.FocalLoss",
            settings={
                "gamma": 2.0,
                "alpha": None,
                "lambda_dice": 0.0,
                "lambda_focal": 1.0,
                "activation": None,
                "class_axis": 1,
            },
            renames={"alpha": "alpha", "gamma": "gamma"},
            choices={
                "mode": {"binary": {}, "multiclass": {}, "multilabel": {}},
                "from_logits": {True: {}},
                "reduction": {"mean": {"reduction": "sum_over_batch_size"}},
                "normalized": {False: {}},
                "reduced_threshold": {None: {}},
            },
            note="Call as loss(y_true, y_pred) with logits, channels-first (class_axis=1): the "
            "focal term alone (lambda_dice=0), each class one-vs-rest (multiclass labels are "
            "one-hot encoded), one value per sample (its mean over classes and pixels), whose "
            "mean is smp's reduction='mean' (smp's 'sum' and 'none' are per pixel: refused). "
            "Targets are 0/1 (smp's focal factor differs on soft targets). from_logits=False, "
            "eps, ignore_index, class_weights, normalized=True and reduced_threshold are not "
            "supported.",
        ),
    ),
)
@_documented
def dice_focal(
    y_true: Any,
    y_pred: Any,
    gamma: float = 2.0,
    alpha: Any = None,
    lambda_dice: float = 1.0,
    lambda_focal: float = 1.0,
    smooth: float = 1e-5,
    smooth_dr: Any = None,
    activation: Any = "auto",
    class_axis: Any = -1,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
) -> Any:
    """Dice plus sigmoid focal loss: overlap plus a per-pixel term focused on hard pixels.

    For segmentation with tiny foreground: the focal term down-weights the many easy
    background pixels, the Dice term optimises the overlap. ``y_pred`` holds logits: the focal
    term is the sigmoid focal loss of each class (averaged over classes and pixels), the Dice
    term runs on ``activation(y_pred)``.

    ::

        p = activation(y_pred)     (None: the logits themselves, MONAI's default)
        dice_c = 1 - (2 * sum(y_true * p, axis) + smooth) / (sum(y_true + p, axis) + smooth_dr)
        q = sigmoid(y_pred);  q_t = y_true * q + (1 - y_true) * (1 - q)
        focal = mean over classes and axis of a_t * (1 - q_t)**gamma * BCE(y_true, y_pred)
        loss = lambda_dice * mean over classes of dice_c + lambda_focal * focal

    (``a_t = alpha * y_true + (1 - alpha) * (1 - y_true)``, 1 when ``alpha`` is None;
    ``(1 - q_t)**gamma`` is computed as ``exp(-gamma * softplus(y_pred * (2 y_true - 1)))``.)

    Args:
        y_true: Masks shaped like ``y_pred`` (0/1), or integer class labels without the class
            axis (one-hot encoded along ``class_axis``).
        y_pred: Logits, e.g. ``(batch, height, width, classes)``.
        gamma: The focusing exponent, a float >= 0. Default: 2.0.
        alpha: The weight of the positives in ``[0, 1]``, or ``None`` (no weighting,
            the default).
        lambda_dice: Weight of the Dice term, a float >= 0. Default: 1.0.
        lambda_focal: Weight of the focal term, a float >= 0. Default: 1.0.
        smooth: Added to Dice's numerator (and denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to Dice's denominator, a float >= 0, or ``None`` for ``smooth``.
        activation: What turns the logits into the Dice term's probabilities: ``"auto"``
            (default: softmax over two or more classes, sigmoid for one), ``"softmax"``,
            ``"sigmoid"`` or ``None`` (the raw logits, as MONAI's default does).
        <layout arguments>

    ``include_background`` applies to both terms; ``aggregation="batch"`` aggregates the Dice
    term only (the focal term stays per sample).

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[2.0], [-1.0], [0.5]]])
        >>> al.dice_focal(y_true, y_pred).round(4).tolist()
        [0.2337]

    Reference:
        Tsung-Yi Lin, Priya Goyal, Ross Girshick, Kaiming He and Piotr Dollar, "Focal Loss for
        Dense Object Detection", ICCV 2017, https://arxiv.org/abs/1708.02002; MONAI's
        ``DiceFocalLoss`` (``monai/losses/dice.py``, ``monai/losses/focal_loss.py``).
    """
    # The focal term reads the logits: without the Dice term no probabilities are needed.
    active = None if lambda_dice == 0.0 else activation
    layout = _layout(y_true, y_pred, "dice_focal", class_axis, axis, active, aggregation)
    layout = _drop_background(layout, include_background)
    xp = layout.xp
    pixels = _per_sample_layout(layout)
    t, z = layout.y_true, layout.logits
    softplus = B.softplus(xp, z)
    bce = softplus - t * z
    # (1 - q_t)^gamma = exp(gamma * log_sigmoid(-z (2t - 1))) = exp(-gamma * softplus(z (2t - 1)))
    # for 0/1 masks softplus(z (2t - 1)) = softplus(z) - (1 - t) z: one softplus, not two.
    flipped = softplus - (1.0 - t) * z if layout.onehot else B.softplus(xp, z * (2.0 * t - 1.0))
    focal = xp.exp(-gamma * flipped) * bce
    if alpha is not None:
        focal = focal * (alpha * t + (1.0 - alpha) * (1.0 - t))
    focal = _finish(pixels, lambda_focal * _class_mean(pixels, _mean(xp, focal, pixels.reduce)))
    if lambda_dice == 0.0:  # the focal loss alone (smp's FocalLoss): no Dice sums
        return focal
    dice = _class_mean(layout, _dice_term(layout, smooth, smooth_dr))
    return focal + _finish(layout, lambda_dice * dice)


def _check_mcc(arguments: dict[str, Any]) -> dict[str, Any]:
    return _check_layout(arguments, "mcc")


@builtin(
    inputs=Inputs.BINARY,
    aliases=("mcc_loss", "matthews"),
    check=_check_mcc,
    align_ranks=False,
    origin="monai",
    peers=(
        Peer(
            "monai.losses.MCCLoss",
            settings={"class_axis": 1},
            renames={
                "smooth_nr": "smooth_nr",
                "smooth_dr": "smooth_dr",
                "include_background": "include_background",
            },
            choices={
                "sigmoid": _MONAI_SIGMOID,
                "softmax": _MONAI_SOFTMAX,
                "batch": _MONAI_BATCH,
                "reduction": _MONAI_REDUCTION,
                "to_onehot_y": _MONAI_ONEHOT,
            },
            note=_MONAI_NOTE,
        ),
        Peer(
            "smp.losses.MCCLoss",
            settings={
                "class_axis": None,
                "aggregation": "batch",
                "eps": 1e-5,
                "smooth_nr": 0.0,
                "smooth_dr": 0.0,
            },
            renames={"eps": "eps"},
            note=(
                "Call as loss(y_true, y_pred). Binary probabilities; the counts run over the "
                "whole batch (aggregation='batch'), whose one value is returned for every "
                "sample. A perfect prediction (no false positive or negative) gives 0 where "
                "smp's eps leaves a value of order eps."
            ),
        ),
    ),
)
@_documented
def mcc(
    y_true: Any,
    y_pred: Any,
    eps: float = 0.0,
    smooth_nr: float = 0.0,
    smooth_dr: float = 1e-5,
    from_logits: bool = False,
    activation: str = "auto",
    class_axis: Any = None,
    axis: Any = None,
    include_background: bool = True,
    aggregation: str = "sample",
) -> Any:
    """Matthews correlation coefficient (MCC) loss: one minus the soft MCC, averaged over classes.

    The MCC uses all four cells of the confusion matrix, true negatives included, so unlike
    Dice it rewards getting the background right too; it stays informative under heavy
    imbalance. Soft counts make it differentiable.

    ::

        TP = sum(y_true * p),  TN = sum((1 - y_true) * (1 - p)),  FP = sum((1 - y_true) * p),
        FN = sum(y_true * (1 - p))          (over axis; each plus eps)
        mcc_c = (TP * TN - FP * FN + smooth_nr)
                / sqrt((TP + FP) * (TP + FN) * (TN + FP) * (TN + FN) + smooth_dr)
        loss = mean over classes of (1 - mcc_c), 0 for a class with FP = FN = 0

    Args:
        y_true: Masks shaped like ``y_pred`` (0/1), or integer class labels without the class
            axis (one-hot encoded along ``class_axis``).
        y_pred: Probabilities (or logits, with ``from_logits``), e.g. ``(batch, height, width,
            classes)``.
        eps: Added to each of the four counts, a float >= 0 (segmentation_models_pytorch adds
            1e-5). Default: 0.0.
        smooth_nr: Added to the numerator, a float >= 0. Default: 0.0.
        smooth_dr: Added under the square root of the denominator, a float >= 0. Default: 1e-5.
        <activation arguments>
        <binary layout arguments>

    Returns:
        One value per sample, shape ``(batch,)`` (more axes where ``axis`` leaves some), an
        array of ``y_pred``'s library, in ``[0, 2]``.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0, 0.0]])  # (batch, pixels)
        >>> y_pred = np.array([[0.9, 0.2, 0.6, 0.1]])
        >>> al.mcc(y_true, y_pred).round(4).tolist()
        [0.397]

    Reference:
        Kumar Abhishek and Ghassan Hamarneh, "Matthews Correlation Coefficient Loss for Deep
        Convolutional Networks: Application to Skin Lesion Segmentation", ISBI 2021,
        https://arxiv.org/abs/2010.13454; MONAI's ``MCCLoss`` (``monai/losses/mcc_loss.py``)
        and segmentation_models_pytorch's ``MCCLoss``.
    """
    layout = _layout(
        y_true,
        y_pred,
        "mcc",
        class_axis,
        axis,
        activation if from_logits else None,
        aggregation,
    )
    layout = _drop_background(layout, include_background)
    xp = layout.xp
    # One product and three sums (``_counts``): with FP = P - TP, FN = T - TP and
    # TN = n - P - T + TP, the eps-added counts give TP TN - FP FN = (TP + eps)(n + 4 eps)
    # - (P + 2 eps)(T + 2 eps), and the four totals are P + 2 eps, T + 2 eps,
    # n + 4 eps - (T + 2 eps) and n + 4 eps - (P + 2 eps). A perfect prediction (the 0/1
    # targets themselves) has P, T and TP the sums of one array: its FP and FN are exactly 0.
    tp, pred, total = _counts(layout)
    n = _element_count(layout)
    perfect = xp.equal(pred, tp) & xp.equal(total, tp)
    if eps:
        tp, pred, total = tp + eps, pred + 2.0 * eps, total + 2.0 * eps
    n4 = n + 4.0 * eps
    positives = pred * total
    num = tp * n4 - positives
    if smooth_nr:
        num = num + smooth_nr
    den = positives * (n4 - total) * (n4 - pred)
    den = xp.sqrt(den + smooth_dr) if smooth_dr else xp.sqrt(den)
    den = xp.where(perfect, xp.ones_like(den), den)  # no 0/0 in the branch not taken
    per_class = xp.where(perfect, xp.zeros_like(num), 1.0 - num / den)
    return _finish(layout, _class_mean(layout, per_class))


_LOVASZ_VARIANTS = ("hinge", "softmax")


def _check_lovasz(arguments: dict[str, Any]) -> dict[str, Any]:
    out = _check_layout(arguments, "lovasz")
    out["variant"] = _check_choice(out["variant"], "variant", _LOVASZ_VARIANTS, "lovasz")
    ignore = out["ignore_index"]
    if ignore is not None and (isinstance(ignore, bool) or not isinstance(ignore, int)):
        msg = (
            "Argument `ignore_index` of lovasz must be an int label or None. Received: "
            f"ignore_index={ignore!r}"
        )
        raise TypeError(msg)
    return out


def _same_size(a: int | None, b: int | None) -> bool:
    """Equal sizes, or one unknown (``None``: decided when the graph runs)."""
    return a is None or b is None or a == b


def _lovasz_rows(xp: Any, errors: Any, truth: Any, valid: Any, hinge: bool) -> Any:
    """The Lovasz extension of the Jaccard loss of each row: errors sorted in decreasing order,
    dotted with the Jaccard increments of their ground truth (invalid entries sort last and
    count nothing)."""
    keys = xp.where(valid, B.stop_gradient(xp, errors), xp.full_like(errors, -xp.inf))
    order = xp.argsort(keys, axis=-1, descending=True)
    kept = xp.astype(valid, errors.dtype)
    errors = B.take_along_last(xp, errors, order)
    truth = B.take_along_last(xp, truth * kept, order)
    kept = B.take_along_last(xp, kept, order)
    total = xp.sum(truth, axis=-1, keepdims=True)
    intersection = total - xp.cumulative_sum(truth, axis=-1)
    union = total + xp.cumulative_sum((1.0 - truth) * kept, axis=-1)
    jaccard = 1.0 - B.divide_no_nan(xp, intersection, union)
    steps = xp.concat([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], axis=-1)
    if hinge:
        errors = xp.clip(errors, 0.0, None)
    return xp.sum(errors * kept * steps, axis=-1)


@builtin(
    inputs=Inputs.BINARY,
    aliases=("lovasz_loss", "lovasz_hinge", "lovasz_softmax"),
    check=_check_lovasz,
    align_ranks=False,
    origin="smp",
    peers=(
        Peer(
            "smp.losses.LovaszLoss",
            settings={"per_image": False, "class_axis": 1, "variant": "hinge"},
            renames={"per_image": "per_image", "ignore_index": "ignore_index"},
            choices={
                "mode": {
                    "binary": {"variant": "hinge"},
                    "multilabel": {"variant": "hinge"},
                    "multiclass": {"variant": "softmax", "apply_softmax": True},
                },
                "from_logits": {True: {}, False: {}},
            },
            note=(
                "Call as loss(y_true, y_pred). per_image=False (smp's default) sorts the errors "
                "of the whole batch: the batch's one value is returned for every sample. smp "
                "ignores from_logits (hinge on scores, softmax in multiclass), so does anyloss."
            ),
        ),
    ),
)
def lovasz(
    y_true: Any,
    y_pred: Any,
    variant: str = "hinge",
    per_image: bool = True,
    ignore_index: Any = None,
    apply_softmax: bool = True,
    class_axis: Any = -1,
) -> Any:
    """Lovasz loss: a convex surrogate of the Jaccard (IoU) loss, hinge or softmax.

    Optimises the IoU directly through its Lovasz extension: the errors, sorted in
    decreasing order, are weighted by how much each one grows the Jaccard loss.
    ``variant="hinge"``: binary (or multi-label) masks and real scores, every non-batch
    entry one pixel. ``variant="softmax"``: multi-class, class probabilities along
    ``class_axis`` (the softmax of logits with ``apply_softmax``), averaged over the classes
    present in the targets.

    ::

        hinge:    e_i = max(1 - s_i * (2 y_i - 1), 0)         softmax (class c): e_i = |[y_i = c] - p_ic|
        sort e decreasingly; g = the targets in that order (for class c: [y_i = c])
        J_k = 1 - (sum(g) - cumsum(g)_k) / (sum(g) + cumsum(1 - g)_k)
        loss = sum_k e_k * (J_k - J_(k-1))                      (J_0 = 0)

    Args:
        y_true: ``"hinge"``: 0/1 masks with as many entries per sample as ``y_pred``.
            ``"softmax"``: integer class labels without the class axis, or one-hot masks.
        y_pred: ``"hinge"``: real scores (logits). ``"softmax"``: class scores along
            ``class_axis``.
        variant: ``"hinge"`` (default, binary) or ``"softmax"`` (multi-class).
        per_image: Whether each sample is its own set of pixels (default: True). False sorts
            the errors of the whole batch together (segmentation_models_pytorch's default):
            the batch's one value is returned for every sample, so ``sample_weight`` only
            rescales it.
        ignore_index: A label of ``y_true`` whose pixels do not count, or ``None``.
        apply_softmax: ``"softmax"``: whether ``y_pred`` holds logits, turned into
            probabilities by a softmax over ``class_axis`` (default: True), or probabilities.
            ``"hinge"`` always takes scores.
        class_axis: ``"softmax"``: the class axis of ``y_pred``. Default: ``-1``.

    Returns:
        One value per sample, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[2.0, -1.0, 0.5], [1.0, -2.0, 3.0]])  # scores
        >>> al.lovasz(y_true, y_pred).round(4).tolist()
        [0.25, 1.0]

    Reference:
        Maxim Berman, Amal Rannen Triki and Matthew B. Blaschko, "The Lovasz-Softmax loss: A
        tractable surrogate for the optimization of the intersection-over-union measure in
        neural networks", CVPR 2018, https://arxiv.org/abs/1705.08790;
        segmentation_models_pytorch's ``LovaszLoss``.
    """
    xp, y_pred = B.prediction(y_pred)
    batch = B.shape(y_pred)[0] if B.ndim(y_pred) else 0
    # The batch size to reshape with: a 0-d tensor where it is unknown (tf.function).
    rows_of = B.dynamic_shape(y_pred)[0] if B.ndim(y_pred) else 0
    if B.ndim(y_pred) < 2:
        msg = (
            f"lovasz: `y_pred` needs a batch axis and at least one more axis, e.g. (batch, "
            f"height, width). Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    if variant == "hinge":
        y_true = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
        size = math.prod(B.shape(y_pred)[1:])
        if (
            B.ndim(y_true) < 1
            or not _same_size(B.shape(y_true)[0], batch)
            or (math.prod(B.shape(y_true)[1:]) != size)
        ):
            msg = (
                f"lovasz: `y_true` needs one 0/1 entry per score of `y_pred`, got "
                f"y_true.shape={B.shape(y_true)} and y_pred.shape={B.shape(y_pred)}. Reshape "
                "`y_true` to y_pred's shape."
            )
            raise ValueError(msg)
        rows = (rows_of, size) if per_image else (1, rows_of * size)
        labels = xp.reshape(y_true, rows)
        scores = xp.reshape(y_pred, rows)
        if ignore_index is None:
            valid = xp.ones_like(labels, dtype=xp.bool)
            truth = labels
        else:
            valid = xp.not_equal(labels, ignore_index)
            truth = xp.where(valid, labels, xp.zeros_like(labels))
        errors = 1.0 - scores * (2.0 * truth - 1.0)
        values = _lovasz_rows(xp, errors, truth, valid, hinge=True)
    else:
        layout_axis = normalize_axis(class_axis, B.ndim(y_pred), "class_axis")
        classes = B.shape(y_pred)[layout_axis]
        probs = _activate(xp, y_pred, "softmax", layout_axis) if apply_softmax else y_pred
        probs = xp.moveaxis(probs, layout_axis, -1)
        probs = xp.reshape(probs, (rows_of, -1, classes))  # (batch, pixels, classes)
        y_true = B.like(y_true, y_pred, xp, dtype=y_pred.dtype)
        if B.ndim(y_true) < 1 or not _same_size(B.shape(y_true)[0], batch):
            msg = (
                f"lovasz: `y_true` needs the batch size of `y_pred`, got y_true.shape="
                f"{B.shape(y_true)} and y_pred.shape={B.shape(y_pred)}. Reshape `y_true` to "
                "integer labels without the class axis, or to one-hot masks like y_pred."
            )
            raise ValueError(msg)
        if B.ndim(y_true) == B.ndim(y_pred):
            if B.shape(y_true)[layout_axis] != 1:  # one-hot masks
                onehot = xp.reshape(xp.moveaxis(y_true, layout_axis, -1), (rows_of, -1, classes))
                valid = xp.ones_like(onehot[..., 0], dtype=xp.bool)
            else:
                y_true = xp.squeeze(y_true, axis=layout_axis)
        if B.ndim(y_true) == B.ndim(y_pred) - 1:
            labels = xp.reshape(y_true, (rows_of, -1))
            B.check_whole_numbers(xp, labels, "y_true")
            B.check_label_range(xp, labels, classes, "lovasz", ignore_index, "ignore_index")
            valid = (
                xp.ones_like(labels, dtype=xp.bool)
                if ignore_index is None
                else xp.not_equal(labels, ignore_index)
            )
            ids = xp.arange(classes, dtype=y_pred.dtype, device=B.device_of(y_pred))
            onehot = xp.astype(xp.equal(labels[..., None], ids), y_pred.dtype)
        elif B.ndim(y_true) != B.ndim(y_pred):
            msg = (
                f"lovasz: `y_true` must be integer labels without the class axis or one-hot "
                f"masks shaped like y_pred; got y_true.shape={B.shape(y_true)} and "
                f"y_pred.shape={B.shape(y_pred)}."
            )
            raise ValueError(msg)
        if B.shape(onehot)[1] != B.shape(probs)[1]:
            msg = (
                f"lovasz: `y_true` of shape {B.shape(y_true)} does not match y_pred.shape="
                f"{B.shape(y_pred)} (class_axis={class_axis}). Reshape `y_true` to integer "
                "labels without the class axis, or to one-hot masks like y_pred."
            )
            raise ValueError(msg)
        if not per_image:
            probs = xp.reshape(probs, (1, -1, classes))
            onehot = xp.reshape(onehot, (1, -1, classes))
            valid = xp.reshape(valid, (1, -1))
        truth = xp.permute_dims(onehot, (0, 2, 1))  # (rows, classes, pixels)
        errors = xp.abs(truth - xp.permute_dims(probs, (0, 2, 1)))
        valid = xp.broadcast_to(valid[:, None, :], B.dynamic_shape(errors))
        per_class = _lovasz_rows(xp, errors, truth, valid, hinge=False)
        present = xp.astype(
            xp.sum(truth * xp.astype(valid, truth.dtype), axis=-1) > 0, per_class.dtype
        )
        count = xp.sum(present, axis=-1)
        values = B.divide_no_nan(xp, xp.sum(per_class * present, axis=-1), count)
    if not per_image:
        values = xp.broadcast_to(xp.reshape(values, (1,)), (rows_of,))
    return B.as_float(xp, values, y_pred.dtype)


@_documented
class Jaccard(BuiltinLoss, function=jaccard):
    """Jaccard (soft IoU) loss for segmentation: one minus the soft IoU, averaged over classes.

    Wraps :func:`jaccard`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0: an empty class predicted empty then scores 1. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        eps: Lower bound of the denominator (and of the IoU in ``log_loss``), a float >= 0.
            Default: 1e-7.
        log_loss: Whether the loss is ``-log(iou)`` instead of ``1 - iou``. Default: False.
        ignore_empty: Whether a class with no target pixel (over the summed axes) counts 0, as
            segmentation_models_pytorch does. Default: False.
        from_logits: Whether ``y_pred`` holds logits, turned into probabilities by
            ``activation``. Default: False (probabilities).
        activation: ``"auto"`` (default: softmax over the class axis with two or more classes,
            sigmoid for one), ``"sigmoid"`` (independent labels) or ``"softmax"``.
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        name: The loss' name. Default: ``"jaccard"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0]], [[1.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[0.8], [0.2]], [[0.6], [0.4]]])
        >>> round(float(al.Jaccard()(y_true, y_pred)), 4)
        0.4167
        >>> loss = al.get("smp.losses.JaccardLoss", mode="binary", from_logits=False)
        >>> round(float(loss(np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1))), 4)
        0.4375
    """

    smooth: float
    smooth_dr: Any
    eps: float
    log_loss: bool
    ignore_empty: bool
    from_logits: bool
    activation: str
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str

    def __init__(
        self,
        smooth: float = 1e-05,
        smooth_dr: Any = None,
        eps: float = 1e-07,
        log_loss: bool = False,
        ignore_empty: bool = False,
        from_logits: bool = False,
        activation: str = "auto",
        class_axis: Any = -1,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        reduction: Any = "sum_over_batch_size",
        name: str = "jaccard",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            smooth=smooth,
            smooth_dr=smooth_dr,
            eps=eps,
            log_loss=log_loss,
            ignore_empty=ignore_empty,
            from_logits=from_logits,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
        )


@_documented
class FocalTversky(BuiltinLoss, function=focal_tversky):
    """Focal Tversky loss for segmentation: the class mean of ``1 - TI``, raised to ``gamma``.

    Wraps :func:`focal_tversky`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        alpha: Weight of the false positives, a float >= 0. Default: 0.5.
        beta: Weight of the false negatives, a float >= 0. Default: 0.5.
        gamma: The focal exponent, a float >= 0. Default: 0.75 (``1 / (4/3)``, the paper's).
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0: an empty class predicted empty then scores 1. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        eps: Lower bound of the denominator (and of the index in ``log_loss``), a float >= 0.
            Default: 1e-7.
        log_loss: Whether the per-class loss is ``-log(TI)`` instead of ``1 - TI``.
            Default: False.
        ignore_empty: Whether a class with no target pixel (over the summed axes) counts 0, as
            segmentation_models_pytorch does. Default: False.
        from_logits: Whether ``y_pred`` holds logits, turned into probabilities by
            ``activation``. Default: False (probabilities).
        activation: ``"auto"`` (default: softmax over the class axis with two or more classes,
            sigmoid for one), ``"sigmoid"`` (independent labels) or ``"softmax"``.
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        name: The loss' name. Default: ``"focal_tversky"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0]], [[1.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[0.8], [0.2]], [[0.6], [0.4]]])
        >>> round(float(al.FocalTversky(alpha=0.3, beta=0.7)(y_true, y_pred)), 4)
        0.4065
    """

    alpha: float
    beta: float
    gamma: float
    smooth: float
    smooth_dr: Any
    eps: float
    log_loss: bool
    ignore_empty: bool
    from_logits: bool
    activation: str
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        gamma: float = 0.75,
        smooth: float = 1e-05,
        smooth_dr: Any = None,
        eps: float = 1e-07,
        log_loss: bool = False,
        ignore_empty: bool = False,
        from_logits: bool = False,
        activation: str = "auto",
        class_axis: Any = -1,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        reduction: Any = "sum_over_batch_size",
        name: str = "focal_tversky",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            gamma=gamma,
            smooth=smooth,
            smooth_dr=smooth_dr,
            eps=eps,
            log_loss=log_loss,
            ignore_empty=ignore_empty,
            from_logits=from_logits,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
        )


@_documented
class GeneralizedDice(BuiltinLoss, function=generalized_dice):
    """Generalized Dice loss: Dice with classes weighted by their inverse squared size.

    Wraps :func:`generalized_dice`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        weight_type: The class weights: ``"square"`` (default, ``1 / T_c**2``), ``"simple"``
            (``1 / T_c``) or ``"uniform"`` (1).
        smooth: Added to the numerator (and the denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to the denominator, a float >= 0, or ``None`` for ``smooth``.
        from_logits: Whether ``y_pred`` holds logits, turned into probabilities by
            ``activation``. Default: False (probabilities).
        activation: ``"auto"`` (default: softmax over the class axis with two or more classes,
            sigmoid for one), ``"sigmoid"`` (independent labels) or ``"softmax"``.
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        combine: ``"ratio"`` (default, MONAI's) or ``"mean"`` (optax': the class mean of the
            per-class Dice losses weighted by the whole batch's class sizes).
        name: The loss' name. Default: ``"generalized_dice"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]])  # (batch, pixels, classes)
        >>> y_pred = np.array([[[0.7, 0.3], [0.4, 0.6], [0.2, 0.8]]])
        >>> round(float(al.GeneralizedDice()(y_true, y_pred)), 4)
        0.3488
    """

    weight_type: str
    smooth: float
    smooth_dr: Any
    from_logits: bool
    activation: str
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str
    combine: str

    def __init__(
        self,
        weight_type: str = "square",
        smooth: float = 1e-05,
        smooth_dr: Any = None,
        from_logits: bool = False,
        activation: str = "auto",
        class_axis: Any = -1,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        combine: str = "ratio",
        reduction: Any = "sum_over_batch_size",
        name: str = "generalized_dice",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            weight_type=weight_type,
            smooth=smooth,
            smooth_dr=smooth_dr,
            from_logits=from_logits,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
            combine=combine,
        )


@_documented
class DiceCE(BuiltinLoss, function=dice_ce):
    """Dice plus cross-entropy loss on logits, for segmentation.

    Wraps :func:`dice_ce`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        lambda_dice: Weight of the Dice term, a float >= 0. Default: 1.0.
        lambda_ce: Weight of the cross-entropy term, a float >= 0. Default: 1.0.
        smooth: Added to Dice's numerator (and denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to Dice's denominator, a float >= 0, or ``None`` for ``smooth``.
        activation: What turns the logits into the Dice term's probabilities: ``"auto"``
            (default: softmax over two or more classes, sigmoid for one), ``"softmax"``,
            ``"sigmoid"`` or ``None`` (the raw logits, as MONAI's default does).
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        name: The loss' name. Default: ``"dice_ce"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0, 1, 1]])  # integer labels, (batch, pixels)
        >>> y_pred = np.array([[[2.0, -1.0], [0.0, 1.0], [-1.0, 1.5]]])  # (batch, pixels, classes)
        >>> round(float(al.DiceCE(lambda_ce=0.5)(y_true, y_pred)), 4)
        0.2118
    """

    lambda_dice: float
    lambda_ce: float
    smooth: float
    smooth_dr: Any
    activation: Any
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str

    def __init__(
        self,
        lambda_dice: float = 1.0,
        lambda_ce: float = 1.0,
        smooth: float = 1e-05,
        smooth_dr: Any = None,
        activation: Any = "auto",
        class_axis: Any = -1,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        reduction: Any = "sum_over_batch_size",
        name: str = "dice_ce",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            lambda_dice=lambda_dice,
            lambda_ce=lambda_ce,
            smooth=smooth,
            smooth_dr=smooth_dr,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
        )


@_documented
class DiceFocal(BuiltinLoss, function=dice_focal):
    """Dice plus sigmoid focal loss on logits, for segmentation.

    Wraps :func:`dice_focal`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        gamma: The focusing exponent, a float >= 0. Default: 2.0.
        alpha: The weight of the positives in ``[0, 1]``, or ``None`` (no weighting,
            the default).
        lambda_dice: Weight of the Dice term, a float >= 0. Default: 1.0.
        lambda_focal: Weight of the focal term, a float >= 0. Default: 1.0.
        smooth: Added to Dice's numerator (and denominator when ``smooth_dr`` is None), a float
            >= 0. Default: 1e-5.
        smooth_dr: Added to Dice's denominator, a float >= 0, or ``None`` for ``smooth``.
        activation: What turns the logits into the Dice term's probabilities: ``"auto"``
            (default: softmax over two or more classes, sigmoid for one), ``"softmax"``,
            ``"sigmoid"`` or ``None`` (the raw logits, as MONAI's default does).
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``-1``.
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        name: The loss' name. Default: ``"dice_focal"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[[1.0], [0.0], [1.0]]])  # (batch, pixels, 1 class)
        >>> y_pred = np.array([[[2.0], [-1.0], [0.5]]])
        >>> round(float(al.DiceFocal(gamma=1.0)(y_true, y_pred)), 4)
        0.2958
    """

    gamma: float
    alpha: Any
    lambda_dice: float
    lambda_focal: float
    smooth: float
    smooth_dr: Any
    activation: Any
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: Any = None,
        lambda_dice: float = 1.0,
        lambda_focal: float = 1.0,
        smooth: float = 1e-05,
        smooth_dr: Any = None,
        activation: Any = "auto",
        class_axis: Any = -1,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        reduction: Any = "sum_over_batch_size",
        name: str = "dice_focal",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            alpha=alpha,
            lambda_dice=lambda_dice,
            lambda_focal=lambda_focal,
            smooth=smooth,
            smooth_dr=smooth_dr,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
        )


@_documented
class MCC(BuiltinLoss, function=mcc):
    """Matthews correlation coefficient loss: one minus the soft MCC, averaged over classes.

    Wraps :func:`mcc`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        eps: Added to each of the four counts, a float >= 0 (segmentation_models_pytorch adds
            1e-5). Default: 0.0.
        smooth_nr: Added to the numerator, a float >= 0. Default: 0.0.
        smooth_dr: Added under the square root of the denominator, a float >= 0. Default: 1e-5.
        from_logits: Whether ``y_pred`` holds logits, turned into probabilities by
            ``activation``. Default: False (probabilities).
        activation: ``"auto"`` (default: softmax over the class axis with two or more classes,
            sigmoid for one), ``"sigmoid"`` (independent labels) or ``"softmax"``.
        class_axis: The class (channel) axis of ``y_pred``: ``-1`` (channels-last) or ``1``
            (channels-first, as PyTorch's segmentation libraries); ``None`` for binary masks
            without a class axis. Default: ``None`` (the MCC is a binary measure: one class).
        axis: The axis or axes summed per sample. Default: ``None``, every axis but the batch
            axis (0) and ``class_axis``.
        include_background: Whether class 0 counts; ``False`` drops it (with two or more
            classes). Default: True.
        aggregation: ``"sample"`` (default: one value per sample) or ``"batch"``: the sums also
            run over the batch axis, and the batch's single value is returned for every sample
            (the number of batch-aggregated libraries; ``sample_weight`` then only rescales it).
        name: The loss' name. Default: ``"mcc"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0, 0.0]])  # (batch, pixels)
        >>> y_pred = np.array([[0.9, 0.2, 0.6, 0.1]])
        >>> round(float(al.MCC()(y_true, y_pred)), 4)
        0.397
    """

    eps: float
    smooth_nr: float
    smooth_dr: float
    from_logits: bool
    activation: str
    class_axis: Any
    axis: Any
    include_background: bool
    aggregation: str

    def __init__(
        self,
        eps: float = 0.0,
        smooth_nr: float = 0.0,
        smooth_dr: float = 1e-05,
        from_logits: bool = False,
        activation: str = "auto",
        class_axis: Any = None,
        axis: Any = None,
        include_background: bool = True,
        aggregation: str = "sample",
        reduction: Any = "sum_over_batch_size",
        name: str = "mcc",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            eps=eps,
            smooth_nr=smooth_nr,
            smooth_dr=smooth_dr,
            from_logits=from_logits,
            activation=activation,
            class_axis=class_axis,
            axis=axis,
            include_background=include_background,
            aggregation=aggregation,
        )


@_documented
class Lovasz(BuiltinLoss, function=lovasz):
    """Lovasz loss (hinge or softmax): a convex surrogate of the Jaccard loss.

    Wraps :func:`lovasz`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        variant: ``"hinge"`` (default, binary) or ``"softmax"`` (multi-class).
        per_image: Whether each sample is its own set of pixels (default: True). False sorts
            the errors of the whole batch together (segmentation_models_pytorch's default):
            the batch's one value is returned for every sample, so ``sample_weight`` only
            rescales it.
        ignore_index: A label of ``y_true`` whose pixels do not count, or ``None``.
        apply_softmax: ``"softmax"``: whether ``y_pred`` holds logits, turned into
            probabilities by a softmax over ``class_axis`` (default: True), or probabilities.
            ``"hinge"`` always takes scores.
        class_axis: ``"softmax"``: the class axis of ``y_pred``. Default: ``-1``.
        name: The loss' name. Default: ``"lovasz"``.
        <reduction arguments>

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[2.0, -1.0, 0.5], [1.0, -2.0, 3.0]])  # scores
        >>> round(float(al.Lovasz()(y_true, y_pred)), 4)
        0.625
        >>> al.Lovasz(per_image=False, reduction="none")(y_true, y_pred).round(4).tolist()
        [0.625, 0.625]
    """

    variant: str
    per_image: bool
    ignore_index: Any
    apply_softmax: bool
    class_axis: Any

    def __init__(
        self,
        variant: str = "hinge",
        per_image: bool = True,
        ignore_index: Any = None,
        apply_softmax: bool = True,
        class_axis: Any = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "lovasz",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            variant=variant,
            per_image=per_image,
            ignore_index=ignore_index,
            apply_softmax=apply_softmax,
            class_axis=class_axis,
        )
