"""Bounding-box regression losses: IoU, GIoU, DIoU and CIoU, one value per box.

Every loss takes the target and predicted boxes as ``(..., 4)`` arrays in an explicit
``box_format`` (default ``"xyxy"``, torchvision's; TF Addons uses ``"yxyx"``):

- ``"xyxy"``: ``(x_min, y_min, x_max, y_max)``
- ``"yxyx"``: ``(y_min, x_min, y_max, x_max)``
- ``"xywh"``: ``(x_min, y_min, width, height)``
- ``"cxcywh"``: ``(x_center, y_center, width, height)``

Degenerate boxes (zero width or height, boxes that do not overlap, identical boxes) give finite
values and gradients: every ratio is guarded, so ``eps=0`` divides with 0 for 0/0 (TF Addons'
``divide_no_nan``).
"""

from __future__ import annotations

import math
from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import TORCH_REDUCTIONS, Inputs, Peer, builtin
from anyloss.losses._prepare import prepare

#: The box layouts the losses read (see the module docstring).
BOX_FORMATS = ("xyxy", "yxyx", "xywh", "cxcywh")
#: ``mode`` of :func:`iou`: how the IoU becomes a loss.
IOU_MODES = ("linear", "square", "log")
#: The floor of the IoU under the logarithm of ``mode="log"`` (no overlap: ``-ln(1e-7)``).
LOG_FLOOR = 1e-7
#: MONAI's epsilon: float32's machine epsilon (it computes in float32).
_FLOAT32_EPS = 2.0**-23


def _check_format(value: Any, owner: str) -> str:
    if not isinstance(value, str) or value not in BOX_FORMATS:
        msg = (
            f"Argument `box_format` of {owner} must be one of {', '.join(map(repr, BOX_FORMATS))}. "
            f"Received: box_format={shown(value)}. Name the layout of your boxes' last axis, "
            "e.g. 'xyxy' for (x_min, y_min, x_max, y_max)."
        )
        raise ValueError(msg)
    return value


def _checker(owner: str) -> Any:
    def check(arguments: dict[str, Any]) -> dict[str, Any]:
        out = {
            **arguments,
            "box_format": _check_format(arguments["box_format"], owner),
            "eps": check_number(arguments["eps"], "eps", minimum=0.0, owner=owner),
        }
        if "mode" in arguments:
            mode = arguments["mode"]
            if not isinstance(mode, str) or mode not in IOU_MODES:
                msg = (
                    f"Argument `mode` of {owner} must be one of "
                    f"{', '.join(map(repr, IOU_MODES))}. Received: mode={shown(mode)}. "
                    "'linear' is 1 - IoU, 'square' 1 - IoU**2, 'log' -ln(IoU)."
                )
                raise ValueError(msg)
        return out

    return check


def _corners(xp: Any, boxes: Any, box_format: str) -> tuple[Any, Any, Any, Any]:
    """``(x_min, y_min, x_max, y_max)`` of ``(..., 4)`` boxes in ``box_format``."""
    a, b, c, d = (boxes[..., i] for i in range(4))
    if box_format == "xyxy":
        return a, b, c, d
    if box_format == "yxyx":
        return b, a, d, c
    if box_format == "xywh":
        return a, b, a + c, b + d
    return a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d  # cxcywh


def _boxes(y_true: Any, y_pred: Any, loss: str, box_format: str) -> tuple[Any, Any, Any]:
    """``(xp, true corners, predicted corners)``, shapes checked."""
    xp, y_true, y_pred = prepare(y_true, y_pred, loss, align=False, same_shape=False)
    st, sp = B.shape(y_true), B.shape(y_pred)
    if B.ndim(y_pred) == 0 or sp[-1] != 4:
        msg = (
            f"{loss}: `y_pred` must hold boxes of 4 coordinates on its last axis, shape "
            f"(..., 4). Received: y_pred.shape={sp}. Reshape it to (batch, 4) or "
            f"(batch, n_boxes, 4), in box_format={box_format!r}."
        )
        raise ValueError(msg)
    if st != sp:
        msg = (
            f"{loss}: `y_true` and `y_pred` must hold the same boxes, shape (..., 4); got "
            f"y_true.shape={st} and y_pred.shape={sp}. Reshape y_true to {sp}: one target box "
            "per predicted box."
        )
        raise ValueError(msg)
    return xp, _corners(xp, y_true, box_format), _corners(xp, y_pred, box_format)


def _iou_parts(xp: Any, true: Any, pred: Any, eps: float) -> tuple[Any, Any]:
    """``(iou, union)``, as torchvision: the intersection counts only where both sides are
    positive, the areas are signed (valid boxes have ``max >= min``)."""
    x1, y1, x2, y2 = pred
    x1g, y1g, x2g, y2g = true
    width = xp.minimum(x2, x2g) - xp.maximum(x1, x1g)
    height = xp.minimum(y2, y2g) - xp.maximum(y1, y1g)
    overlap = (width > 0) & (height > 0)
    inter = xp.where(overlap, width * height, xp.zeros_like(width))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return B.divide_no_nan(xp, inter, union + eps), union


def _enclosing(xp: Any, true: Any, pred: Any) -> tuple[Any, Any]:
    """Width and height of the smallest box enclosing both boxes."""
    x1, y1, x2, y2 = pred
    x1g, y1g, x2g, y2g = true
    width = xp.maximum(x2, x2g) - xp.minimum(x1, x1g)
    height = xp.maximum(y2, y2g) - xp.minimum(y1, y1g)
    return width, height


def _diou(xp: Any, true: Any, pred: Any, eps: float) -> tuple[Any, Any]:
    """``(1 - IoU + centre distance² / enclosing diagonal², IoU)``."""
    iou_, _ = _iou_parts(xp, true, pred, eps)
    width, height = _enclosing(xp, true, pred)
    diagonal = width**2 + height**2 + eps
    x1, y1, x2, y2 = pred
    x1g, y1g, x2g, y2g = true
    distance = ((x1 + x2) - (x1g + x2g)) ** 2 / 4.0 + ((y1 + y2) - (y1g + y2g)) ** 2 / 4.0
    return 1.0 - iou_ + B.divide_no_nan(xp, distance, diagonal), iou_


def _angle(xp: Any, width: Any, height: Any) -> Any:
    """``atan(width / height)``, as ``atan2`` (``±pi/2`` where ``height == 0``, 0 for a point):
    finite gradients wherever the box is not a point, where the quotient's gradient
    ``-width / height**2`` overflows for a tiny height (NaN in torchvision, and in the quotient
    form at a height of 1e-38); a point has the angle 0 and a zero gradient."""
    one = xp.ones_like(height)
    sign = xp.where(height < 0, -one, one)  # atan(w / h) = atan2(s w, s h) for s = sign(h)
    point = xp.equal(width, 0) & xp.equal(height, 0)
    safe = xp.where(point, one, sign * height)
    return xp.where(point, xp.zeros_like(height), xp.atan2(sign * width, safe))


@builtin(
    inputs=Inputs.BOXES,
    aliases=("iou_loss",),
    check=_checker("iou"),
    origin="tfa",
)
def iou(
    y_true: Any, y_pred: Any, box_format: str = "xyxy", mode: str = "linear", eps: float = 1e-7
) -> Any:
    """IoU loss per box: one minus the intersection over union of target and predicted boxes.

    The plain overlap loss for box regression. It is scale-invariant, but its gradient is 0
    for boxes that do not overlap (``giou``, ``diou`` and ``ciou`` add a penalty that moves
    them). ``mode`` picks how the IoU becomes a loss, as keras-cv's ``IoULoss``; anyloss'
    default is ``"linear"`` (keras-cv's is ``"log"``): bounded in ``[0, 1]``, finite where
    boxes do not overlap, the base that GIoU, DIoU and CIoU add their penalties to, and TF
    Addons' ``giou_loss(mode="iou")``.

    ::

        inter = max(0, min(x2, x2') - max(x1, x1')) * max(0, min(y2, y2') - max(y1, y1'))
        union = area(box) + area(box') - inter
        iou = inter / (union + eps)                   (0 where union + eps == 0)
        loss = 1 - iou                                (mode="linear")
               1 - iou**2                             (mode="square")
               -log(max(iou, 1e-7))                   (mode="log")

    Args:
        y_true: Target boxes, shape ``(..., 4)``, e.g. ``(batch, 4)`` or
            ``(batch, n_boxes, 4)``.
        y_pred: Predicted boxes, the same shape.
        box_format: The layout of the last axis: ``"xyxy"`` (default, torchvision's:
            ``(x_min, y_min, x_max, y_max)``), ``"yxyx"`` (TF Addons'), ``"xywh"``
            (``(x_min, y_min, width, height)``) or ``"cxcywh"`` (centre, width, height).
        mode: ``"linear"`` (default), ``"square"`` or ``"log"``; see above.
        eps: Added to the union, a float >= 0. Default: 1e-7 (torchvision's); TF Addons
            uses 0.

    Returns:
        One value per box, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> al.iou(y_true, y_pred).round(4).tolist()
        [0.8571, 1.0]
        >>> al.iou(y_true, y_pred, mode="log").round(4).tolist()
        [1.9459, 16.1181]

    Reference:
        Jiahui Yu, Yuning Jiang, Zhangyang Wang, Zhimin Cao and Thomas Huang, "UnitBox: An
        Advanced Object Detection Network", ACM MM 2016, https://arxiv.org/abs/1608.01471;
        TF Addons' ``tfa.losses.giou_loss(mode="iou")``.
    """
    xp, true, pred = _boxes(y_true, y_pred, "iou", box_format)
    value, _ = _iou_parts(xp, true, pred, eps)
    if mode == "square":
        return 1.0 - value**2
    if mode == "log":
        return -xp.log(xp.clip(value, LOG_FLOOR, None))
    return 1.0 - value


@builtin(
    inputs=Inputs.BOXES,
    aliases=("generalized_iou",),
    check=_checker("giou"),
    origin="torchvision",
    peers=(
        Peer(
            "torchvision.ops.generalized_box_iou_loss",
            settings={"reduction": "none", "box_format": "xyxy"},
            renames={"eps": "eps"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torchvision's (boxes1, boxes2) is symmetric; call (y_true, y_pred).",
        ),
        Peer(
            "tfa.losses.GIoULoss",
            settings={"box_format": "yxyx", "eps": 0.0},
            renames={"reduction": "reduction", "name": "name"},
            choices={"mode": {"giou": {}}},
            note="TF Addons' boxes are yxyx; for mode='iou' use anyloss iou(box_format='yxyx', "
            "eps=0.0).",
        ),
        Peer(
            "tfa.losses.giou_loss",
            settings={"box_format": "yxyx", "eps": 0.0, "reduction": "none"},
            choices={"mode": {"giou": {}}},
            note="TF Addons' boxes are yxyx; for mode='iou' use anyloss iou(box_format='yxyx', "
            "eps=0.0).",
        ),
        Peer(
            "monai.losses.BoxGIoULoss",
            settings={"box_format": "xyxy", "eps": _FLOAT32_EPS},
            choices={"reduction": TORCH_REDUCTIONS},
            note="MONAI's forward(input, target) is symmetric; call (y_true, y_pred). MONAI "
            "computes in float32 and also takes 3-D (N, 6) boxes, which anyloss does not.",
        ),
    ),
)
def giou(y_true: Any, y_pred: Any, box_format: str = "xyxy", eps: float = 1e-7) -> Any:
    """Generalized IoU loss per box: ``1 - IoU`` plus the empty share of the enclosing box.

    For box regression: the penalty is non-zero when the boxes do not fill their smallest
    enclosing box, so boxes that do not overlap still get a gradient that pulls them together.
    In ``[0, 2)``. The same numbers as torchvision's ``generalized_box_iou_loss``, TF Addons'
    ``GIoULoss`` (``box_format="yxyx"``, ``eps=0``) and MONAI's ``BoxGIoULoss``.

    ::

        iou = inter / (union + eps)                       (see iou)
        enclosing = (max(x2, x2') - min(x1, x1')) * (max(y2, y2') - min(y1, y1'))
        loss = 1 - iou + (enclosing - union) / (enclosing + eps)

    Ratios whose denominator is 0 (only possible with ``eps=0``) are 0.

    Args:
        y_true: Target boxes, shape ``(..., 4)``, e.g. ``(batch, 4)`` or
            ``(batch, n_boxes, 4)``.
        y_pred: Predicted boxes, the same shape.
        box_format: The layout of the last axis: ``"xyxy"`` (default, torchvision's:
            ``(x_min, y_min, x_max, y_max)``), ``"yxyx"`` (TF Addons'), ``"xywh"``
            (``(x_min, y_min, width, height)``) or ``"cxcywh"`` (centre, width, height).
        eps: Added to the denominators, a float >= 0. Default: 1e-7 (torchvision's).

    Returns:
        One value per box, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> al.giou(y_true, y_pred).round(4).tolist()
        [1.0794, 1.7778]

    Reference:
        Hamid Rezatofighi, Nathan Tsoi, JunYoung Gwak, Amir Sadeghian, Ian Reid and Silvio
        Savarese, "Generalized Intersection over Union: A Metric and A Loss for Bounding Box
        Regression", CVPR 2019, https://arxiv.org/abs/1902.09630; torchvision's
        ``torchvision.ops.generalized_box_iou_loss``.
    """
    xp, true, pred = _boxes(y_true, y_pred, "giou", box_format)
    iou_, union = _iou_parts(xp, true, pred, eps)
    width, height = _enclosing(xp, true, pred)
    area = width * height
    return 1.0 - iou_ + B.divide_no_nan(xp, area - union, area + eps)


@builtin(
    inputs=Inputs.BOXES,
    aliases=("diou_loss", "distance_iou"),
    check=_checker("diou"),
    origin="torchvision",
    peers=(
        Peer(
            "torchvision.ops.distance_box_iou_loss",
            settings={"reduction": "none", "box_format": "xyxy"},
            renames={"eps": "eps"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torchvision's (boxes1, boxes2) is symmetric; call (y_true, y_pred).",
        ),
    ),
)
def diou(y_true: Any, y_pred: Any, box_format: str = "xyxy", eps: float = 1e-7) -> Any:
    """Distance IoU loss per box: ``1 - IoU`` plus the normalised distance of the centres.

    For box regression: the penalty, the squared distance between the boxes' centres over the
    squared diagonal of their enclosing box, moves boxes that do not overlap straight towards
    the target and converges faster than GIoU. The same numbers as torchvision's
    ``distance_box_iou_loss``.

    ::

        iou = inter / (union + eps)                       (see iou)
        diagonal = (max(x2, x2') - min(x1, x1'))**2 + (max(y2, y2') - min(y1, y1'))**2 + eps
        distance = (centre_x - centre_x')**2 + (centre_y - centre_y')**2
        loss = 1 - iou + distance / diagonal

    Args:
        y_true: Target boxes, shape ``(..., 4)``, e.g. ``(batch, 4)`` or
            ``(batch, n_boxes, 4)``.
        y_pred: Predicted boxes, the same shape.
        box_format: The layout of the last axis: ``"xyxy"`` (default, torchvision's:
            ``(x_min, y_min, x_max, y_max)``), ``"yxyx"`` (TF Addons'), ``"xywh"``
            (``(x_min, y_min, width, height)``) or ``"cxcywh"`` (centre, width, height).
        eps: Added to the denominators, a float >= 0. Default: 1e-7 (torchvision's).

    Returns:
        One value per box, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> al.diou(y_true, y_pred).round(4).tolist()
        [0.9683, 1.4444]

    Reference:
        Zhaohui Zheng, Ping Wang, Wei Liu, Jinze Li, Rongguang Ye and Dongwei Ren,
        "Distance-IoU Loss: Faster and Better Learning for Bounding Box Regression", AAAI
        2020, https://arxiv.org/abs/1911.08287; torchvision's
        ``torchvision.ops.distance_box_iou_loss``.
    """
    xp, true, pred = _boxes(y_true, y_pred, "diou", box_format)
    loss, _ = _diou(xp, true, pred, eps)
    return loss


@builtin(
    inputs=Inputs.BOXES,
    aliases=("ciou_loss", "complete_iou"),
    check=_checker("ciou"),
    origin="torchvision",
    peers=(
        Peer(
            "torchvision.ops.complete_box_iou_loss",
            settings={"reduction": "none", "box_format": "xyxy"},
            renames={"eps": "eps"},
            choices={"reduction": TORCH_REDUCTIONS},
            note="torchvision's (boxes1, boxes2) is symmetric; call (y_true, y_pred). "
            "torchvision's eps reaches only the aspect-ratio weight (its DIoU part keeps 1e-7); "
            "anyloss' eps is used throughout (the same at the default).",
        ),
    ),
)
def ciou(y_true: Any, y_pred: Any, box_format: str = "xyxy", eps: float = 1e-7) -> Any:
    """Complete IoU loss per box: DIoU plus a penalty on the difference of aspect ratios.

    For box regression: besides overlap and centre distance, it matches the boxes' shapes. The
    trade-off weight ``alpha`` is held constant in the gradient (as in the paper and
    torchvision). The same numbers as torchvision's ``complete_box_iou_loss`` wherever that is
    finite; a box of zero (or a tiny) height has the angle ``±pi/2`` with a finite gradient, a
    point box the angle 0 with a zero gradient, where torchvision gives NaN.

    ::

        diou_loss, iou = see diou
        v = 4 / pi**2 * (atan(w' / h') - atan(w / h))**2
        alpha = v / (1 - iou + v + eps)                  (no gradient)
        loss = diou_loss + alpha * v

    Args:
        y_true: Target boxes, shape ``(..., 4)``, e.g. ``(batch, 4)`` or
            ``(batch, n_boxes, 4)``.
        y_pred: Predicted boxes, the same shape.
        box_format: The layout of the last axis: ``"xyxy"`` (default, torchvision's:
            ``(x_min, y_min, x_max, y_max)``), ``"yxyx"`` (TF Addons'), ``"xywh"``
            (``(x_min, y_min, width, height)``) or ``"cxcywh"`` (centre, width, height).
        eps: Added to the denominators, a float >= 0. Default: 1e-7 (torchvision's).

    Returns:
        One value per box, shape ``y_pred.shape[:-1]``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 4.0], [2.0, 2.0, 3.0, 3.0]])
        >>> al.ciou(y_true, y_pred).round(4).tolist()
        [1.0192, 1.4444]

    Reference:
        Zhaohui Zheng, Ping Wang, Dongwei Ren, Wei Liu, Rongguang Ye, Qinghua Hu and Wangmeng
        Zuo, "Enhancing Geometric Factors in Model Learning and Inference for Object Detection
        and Instance Segmentation", IEEE TCYB 2021, https://arxiv.org/abs/2005.03572;
        torchvision's ``torchvision.ops.complete_box_iou_loss``.
    """
    xp, true, pred = _boxes(y_true, y_pred, "ciou", box_format)
    loss, iou_ = _diou(xp, true, pred, eps)
    x1, y1, x2, y2 = pred
    x1g, y1g, x2g, y2g = true
    gap = _angle(xp, x2g - x1g, y2g - y1g) - _angle(xp, x2 - x1, y2 - y1)
    v = (4.0 / math.pi**2) * gap**2
    alpha = B.stop_gradient(xp, B.divide_no_nan(xp, v, 1.0 - iou_ + v + eps))
    return loss + alpha * v


class IoU(BuiltinLoss, function=iou):
    """IoU loss for box regression: one minus the intersection over union, per box.

    Wraps :func:`iou`: calling the loss computes it per box, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        box_format: The layout of the boxes' last axis: ``"xyxy"`` (default),
            ``"yxyx"``, ``"xywh"`` or ``"cxcywh"``.
        mode: ``"linear"`` (default: ``1 - IoU``), ``"square"`` (``1 - IoU**2``) or ``"log"``
            (``-ln(max(IoU, 1e-7))``; keras-cv's default).
        eps: Added to the union, a float >= 0. Default: 1e-7.
        reduction: How the per-box values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            boxes), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-box values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"iou"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> round(float(al.IoU()(y_true, y_pred)), 4)
        0.9286
    """

    box_format: str
    mode: str
    eps: float

    def __init__(
        self,
        box_format: str = "xyxy",
        mode: str = "linear",
        eps: float = 1e-7,
        reduction: Any = "sum_over_batch_size",
        name: str = "iou",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, box_format=box_format, mode=mode, eps=eps
        )


class GIoU(BuiltinLoss, function=giou):
    """Generalized IoU loss for box regression, per box.

    Wraps :func:`giou`: calling the loss computes it per box, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        box_format: The layout of the boxes' last axis: ``"xyxy"`` (default),
            ``"yxyx"``, ``"xywh"`` or ``"cxcywh"``.
        eps: Added to the denominators, a float >= 0. Default: 1e-7.
        reduction: How the per-box values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            boxes), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-box values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"giou"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> round(float(al.GIoU()(y_true, y_pred)), 4)
        1.4286
    """

    box_format: str
    eps: float

    def __init__(
        self,
        box_format: str = "xyxy",
        eps: float = 1e-7,
        reduction: Any = "sum_over_batch_size",
        name: str = "giou",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, box_format=box_format, eps=eps
        )


class DIoU(BuiltinLoss, function=diou):
    """Distance IoU loss for box regression, per box.

    Wraps :func:`diou`: calling the loss computes it per box, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        box_format: The layout of the boxes' last axis: ``"xyxy"`` (default),
            ``"yxyx"``, ``"xywh"`` or ``"cxcywh"``.
        eps: Added to the denominators, a float >= 0. Default: 1e-7.
        reduction: How the per-box values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            boxes), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-box values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"diou"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> round(float(al.DIoU()(y_true, y_pred)), 4)
        1.2063
    """

    box_format: str
    eps: float

    def __init__(
        self,
        box_format: str = "xyxy",
        eps: float = 1e-7,
        reduction: Any = "sum_over_batch_size",
        name: str = "diou",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, box_format=box_format, eps=eps
        )


class CIoU(BuiltinLoss, function=ciou):
    """Complete IoU loss for box regression, per box.

    Wraps :func:`ciou`: calling the loss computes it per box, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        box_format: The layout of the boxes' last axis: ``"xyxy"`` (default),
            ``"yxyx"``, ``"xywh"`` or ``"cxcywh"``.
        eps: Added to the denominators, a float >= 0. Default: 1e-7.
        reduction: How the per-box values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            boxes), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-box values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"ciou"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0, 3.0, 4.0], [2.0, 2.0, 3.0, 3.0]])
        >>> round(float(al.CIoU()(y_true, y_pred)), 4)
        1.2318
    """

    box_format: str
    eps: float

    def __init__(
        self,
        box_format: str = "xyxy",
        eps: float = 1e-7,
        reduction: Any = "sum_over_batch_size",
        name: str = "ciou",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, box_format=box_format, eps=eps
        )
