"""Regression losses: squared/absolute/percentage/log errors, Huber, log-cosh, Poisson, cosine;
smooth L1, Poisson and Gaussian negative log-likelihoods, pinball (quantile).

Each function returns one value per sample, reducing the last axis only: ``(batch, d)`` inputs
give ``(batch,)``. The Keras set's numbers match Keras 3 (``keras.losses``); ``smooth_l1``,
``poisson_nll`` and ``gaussian_nll`` match ``torch.nn.functional``, ``pinball`` TensorFlow
Addons.

Other libraries' names (``al.get("torch.nn.MSELoss")``): PyTorch's losses average every
element, which is the mean of anyloss' per-sample values, so their ``reduction="mean"`` is
supported; their ``"sum"`` and ``"none"`` are per element, while anyloss' values are per sample
(the mean over the last axis), so those are refused rather than given different numbers. optax'
``squared_error``, ``l2_loss`` (:func:`half_squared_error`), ``huber_loss`` and ``log_cosh``
are element-wise and unreduced: their spellings return anyloss' per-sample values unreduced,
the mean of optax' array over the last axis (optax' own numbers for a last axis of size 1).
``optax.cosine_distance`` is :func:`cosine_distance`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss._arguments import check_axis_type, check_flag, check_number, normalize_axis
from anyloss._text import shown
from anyloss.backend import EPSILON as EPS
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.backend._checks import first_where
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import TORCH_MEAN, Inputs, Peer, builtin
from anyloss.losses._prepare import prepare
from anyloss.losses._reduction import check_same_shape

_TORCH_NOTE = (
    "anyloss is called as loss(y_true, y_pred) (torch: loss(input, target)). Only "
    "reduction='mean' is supported: torch's 'sum' and 'none' are per element, anyloss' values "
    "are per sample (the mean over the last axis)."
)
#: tf.keras' ``reduction`` values (TensorFlow Addons classes reduce per-sample values as Keras).
#: optax' element-wise regression losses (``squared_error``, ``huber_loss``, ...).
_OPTAX_NOTE = (
    "Call as loss(y_true, y_pred): optax's is (predictions, targets), and its targets=None "
    "(zeros) is not supported: pass zeros. optax returns one value per element; anyloss' value "
    "is the mean of optax's output over the last axis (shape (batch, 1) gives optax's numbers)."
)
_TF_REDUCTIONS: Mapping[Any, Mapping[str, Any]] = {
    "auto": {"reduction": "sum_over_batch_size"},
    "sum_over_batch_size": {"reduction": "sum_over_batch_size"},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
}


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("mse", "MSE"),
    torch_kernel=torch_kernels.mean_squared_error,
    peers=(
        Peer(
            "torch.nn.MSELoss",
            choices={"reduction": TORCH_MEAN},
            note=_TORCH_NOTE,
        ),
        Peer("optax.squared_error", settings={"reduction": "none"}, note=_OPTAX_NOTE),
    ),
)
def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """Mean squared error per sample.

    The default regression loss: it penalises large errors quadratically, so outliers weigh
    heavily (see :func:`huber` or :func:`mean_absolute_error` for robust alternatives). The
    numbers match ``keras.losses.mean_squared_error``.

    ::

        loss = mean(square(y_true - y_pred), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> al.mean_squared_error(y_true, y_pred).tolist()
        [0.5, 0.5]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_squared_error")
    return xp.mean(xp.square(y_true - y_pred), axis=-1)


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("mae", "MAE"),
    torch_kernel=torch_kernels.mean_absolute_error,
    peers=(
        Peer(
            "torch.nn.L1Loss",
            choices={"reduction": TORCH_MEAN},
            note=_TORCH_NOTE,
        ),
    ),
)
def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Mean absolute error per sample.

    Penalises errors linearly, so it is less sensitive to outliers than the squared error; its
    minimiser is the median rather than the mean. The numbers match
    ``keras.losses.mean_absolute_error``.

    ::

        loss = mean(abs(y_true - y_pred), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> al.mean_absolute_error(y_true, y_pred).tolist()
        [0.5, 0.5]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_error")
    return xp.mean(xp.abs(y_true - y_pred), axis=-1)


@builtin(inputs=Inputs.REGRESSION, aliases=("mape", "MAPE"))
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """Mean absolute percentage error per sample.

    The absolute error relative to the target, in percent: for targets of very different
    magnitudes. The denominator is clipped at ``eps = 1e-7``, so a zero target gives a huge
    (finite) value, as in Keras.

    ::

        loss = 100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 2.0], [4.0, 5.0]])
        >>> y_pred = np.array([[1.5, 2.0], [3.0, 5.0]])
        >>> al.mean_absolute_percentage_error(y_true, y_pred).tolist()
        [25.0, 12.5]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = xp.abs((y_true - y_pred) / xp.clip(xp.abs(y_true), EPS, None))
    return 100.0 * xp.mean(diff, axis=-1)


@builtin(inputs=Inputs.REGRESSION, aliases=("msle", "MSLE"))
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """Mean squared logarithmic error per sample.

    The squared error of ``log(1 + x)``: it measures relative rather than absolute error, for
    non-negative targets spanning several orders of magnitude, and penalises under-prediction
    more than over-prediction. Values are clipped at ``eps = 1e-7`` first, as in Keras.

    ::

        loss = mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``, expected >= 0 (negative values count as
            ``eps``).
        y_pred: Predictions, same shape as ``y_true``, expected >= 0.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> al.mean_squared_logarithmic_error(y_true, y_pred).round(4).tolist()
        [0.2402, 0.2402]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    first = xp.log1p(xp.clip(y_pred, EPS, None))
    second = xp.log1p(xp.clip(y_true, EPS, None))
    return xp.mean(xp.square(first - second), axis=-1)


def _check_huber(arguments: dict[str, Any]) -> dict[str, Any]:
    delta = check_number(arguments["delta"], "delta", minimum=0.0, open_minimum=True, owner="huber")
    return {"delta": delta}


def _check_cosine(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    return arguments


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("huber_loss",),
    check=_check_huber,
    torch_kernel=torch_kernels.huber,
    peers=(
        Peer(
            "torch.nn.HuberLoss",
            settings={"delta": 1.0},
            renames={"delta": "delta"},
            choices={"reduction": TORCH_MEAN},
            note=_TORCH_NOTE,
        ),
        Peer(
            "optax.huber_loss",
            settings={"delta": 1.0, "reduction": "none"},
            renames={"delta": "delta"},
            note=_OPTAX_NOTE + " delta must be > 0 (optax also takes 0 and arrays).",
        ),
    ),
)
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """Huber loss per sample: quadratic for small errors, linear beyond ``delta``.

    A robust regression loss: it behaves like the squared error near zero (smooth gradients)
    and like the absolute error for errors larger than ``delta`` (bounded gradients, so outliers
    weigh less). Also known as ``huber_loss`` (the tf-keras alias, D6).

    ::

        e = y_pred - y_true
        loss = mean(0.5 * e^2                     if |e| <= delta
                    delta * |e| - 0.5 * delta^2   otherwise,      axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.
        delta: The error size where the loss turns from quadratic to linear; a float > 0.
            Default: 1.0.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [3.0, 0.0]])
        >>> al.huber(y_true, y_pred).round(4).tolist()
        [0.18, 1.25]
        >>> al.huber(y_true, y_pred, delta=2.0).round(4).tolist()
        [0.18, 2.0]

    Reference:
        Peter J. Huber, "Robust Estimation of a Location Parameter", The Annals of Mathematical
        Statistics 35(1), 1964, https://doi.org/10.1214/aoms/1177703732
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "huber")
    error = y_pred - y_true
    abs_error = xp.abs(error)
    quadratic = 0.5 * xp.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return xp.mean(xp.where(abs_error <= delta, quadratic, linear), axis=-1)


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("logcosh",),
    peers=(Peer("optax.log_cosh", settings={"reduction": "none"}, note=_OPTAX_NOTE),),
)
def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """Logarithm of the hyperbolic cosine of the error, per sample.

    A smooth robust loss: about ``x^2 / 2`` for small errors and ``|x| - log(2)`` for large
    ones, like :func:`huber` but twice differentiable everywhere. Also known as ``logcosh``.
    It is computed as ``logaddexp(x, -x) - log(2)`` (Keras: ``x + softplus(-2x) - log(2)``, the
    same number), so large errors do not overflow (see :func:`anyloss.backend.log_cosh`).

    ::

        x = y_pred - y_true
        loss = mean(log(cosh(x)), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [0.0, 0.0]])
        >>> al.log_cosh(y_true, y_pred).round(4).tolist()
        [0.2169, 0.0]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "log_cosh")
    return xp.mean(B.log_cosh(xp, y_pred - y_true), axis=-1)


@builtin(inputs=Inputs.REGRESSION, torch_kernel=torch_kernels.poisson)
def poisson(y_true: Any, y_pred: Any) -> Any:
    """Poisson negative log-likelihood (up to a constant), per sample.

    For count targets, with ``y_pred`` the predicted Poisson rate (e.g. the output of an
    ``exp`` or ``softplus`` activation); ``y_pred`` must be >= 0. ``eps = 1e-7`` keeps the
    logarithm finite at a zero rate.

    ::

        loss = mean(y_pred - y_true * log(y_pred + eps), axis=-1)

    Args:
        y_true: Observed counts, shape ``(batch, ..., d)``, >= 0.
        y_pred: Predicted rates, same shape as ``y_true``, >= 0.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [0.0, 0.0]])
        >>> al.poisson(y_true, y_pred).round(4).tolist()
        [1.0, 0.0]

    Reference:
        Keras API docs, probabilistic losses,
        https://keras.io/api/losses/probabilistic_losses/#poisson-function
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "poisson")
    return xp.mean(y_pred - y_true * xp.log(y_pred + EPS), axis=-1)


@builtin(
    inputs=Inputs.REGRESSION, check=_check_cosine, torch_kernel=torch_kernels.cosine_similarity
)
def cosine_similarity(y_true: Any, y_pred: Any, axis: Any = -1) -> Any:
    """Negative cosine similarity along ``axis``: -1 for identical directions, 0 orthogonal.

    Compares directions and ignores magnitudes, e.g. for embeddings; minimising it aligns
    ``y_pred`` with ``y_true``. Both are L2-normalised with the norm clipped at ``eps = 1e-7``,
    so a zero vector gives 0 (with a finite gradient).

    ::

        l2_normalize(x) = x / max(sqrt(sum(square(x), axis)), eps)
        loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.
        axis: The axis (or tuple of axes) along which the similarity is computed. Default: -1.

    Returns:
        The loss, in ``[-1, 1]``, with ``axis`` removed (shape ``y_pred.shape[:-1]`` for the
        default), an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 1.0]])
        >>> al.cosine_similarity(y_true, y_pred).round(4).tolist()
        [-0.7071, -1.0]

    Reference:
        Keras API docs, regression losses, https://keras.io/api/losses/regression_losses/
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "cosine_similarity")
    axis = normalize_axis(axis, B.ndim(y_pred))
    # The same number as normalising both inputs first, with three full-size passes, not five:
    # sum(t p) / (max(|t|, eps) max(|p|, eps)).
    dot = xp.sum(y_true * y_pred, axis=axis)
    floor = EPS * EPS
    norm_true = xp.sqrt(xp.clip(xp.sum(xp.square(y_true), axis=axis), floor, None))
    norm_pred = xp.sqrt(xp.clip(xp.sum(xp.square(y_pred), axis=axis), floor, None))
    return -(dot / (norm_true * norm_pred))


class MeanSquaredError(BuiltinLoss, function=mean_squared_error):
    """Mean squared error loss: the mean of ``square(y_true - y_pred)`` over the last axis.

    Wraps :func:`mean_squared_error`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"mean_squared_error"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> loss = al.MeanSquaredError()
        >>> float(loss(y_true, y_pred))
        0.5
        >>> float(loss(y_true, y_pred, sample_weight=np.array([0.7, 0.3])))
        0.25
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(BuiltinLoss, function=mean_absolute_error):
    """Mean absolute error loss: the mean of ``abs(y_true - y_pred)`` over the last axis.

    Wraps :func:`mean_absolute_error`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"mean_absolute_error"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> float(al.MeanAbsoluteError()(y_true, y_pred))
        0.5
        >>> al.MeanAbsoluteError(reduction="none")(y_true, y_pred).tolist()
        [0.5, 0.5]
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(BuiltinLoss, function=mean_absolute_percentage_error):
    """Mean absolute percentage error loss (in percent of the target).

    Wraps :func:`mean_absolute_percentage_error`: calling the loss computes it per sample, weights
    the values with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"mean_absolute_percentage_error"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 2.0], [4.0, 5.0]])
        >>> y_pred = np.array([[1.5, 2.0], [3.0, 5.0]])
        >>> float(al.MeanAbsolutePercentageError()(y_true, y_pred))
        18.75
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(BuiltinLoss, function=mean_squared_logarithmic_error):
    """Mean squared logarithmic error loss: the squared error of ``log(1 + x)``.

    Wraps :func:`mean_squared_logarithmic_error`: calling the loss computes it per sample, weights
    the values with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"mean_squared_logarithmic_error"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> round(float(al.MeanSquaredLogarithmicError()(y_true, y_pred)), 4)
        0.2402
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Huber(BuiltinLoss, function=huber):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond.

    Wraps :func:`huber`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    ``delta`` survives ``get_config`` (Keras 3.15 drops it; D3 in docs/keras-differences.md).

    Args:
        delta: The error size where the loss turns from quadratic to linear; a float > 0.
            Default: 1.0.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"huber_loss"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [3.0, 0.0]])
        >>> round(float(al.Huber(delta=2.0)(y_true, y_pred)), 4)
        1.09
        >>> round(float(al.Huber()(y_true, y_pred, sample_weight=np.array([1.0, 0.0]))), 4)
        0.09
    """

    delta: float

    def __init__(
        self,
        delta: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(BuiltinLoss, function=log_cosh):
    """Log-cosh loss: the mean of ``log(cosh(y_pred - y_true))`` over the last axis.

    Wraps :func:`log_cosh`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"log_cosh"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [0.0, 0.0]])
        >>> round(float(al.LogCosh()(y_true, y_pred)), 4)
        0.1084
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(BuiltinLoss, function=poisson):
    """Poisson loss: the Poisson negative log-likelihood of counts given predicted rates.

    Wraps :func:`poisson`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"poisson"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [0.0, 0.0]])
        >>> round(float(al.Poisson()(y_true, y_pred)), 4)
        0.5
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "poisson", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(BuiltinLoss, function=cosine_similarity):
    """Negative cosine similarity loss: -1 where ``y_pred`` points the way ``y_true`` does.

    Wraps :func:`cosine_similarity`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    ``axis`` survives ``get_config`` (Keras' config drops it; D3 in docs/keras-differences.md).

    Args:
        axis: The axis (or tuple of axes) along which the similarity is computed.
            Default: -1.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"cosine_similarity"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 1.0]])
        >>> round(float(al.CosineSimilarity()(y_true, y_pred)), 4)
        -0.8536
        >>> w = np.array([1.0, 0.0])
        >>> round(float(al.CosineSimilarity()(y_true, y_pred, sample_weight=w)), 4)
        -0.3536
    """

    axis: Any

    def __init__(
        self,
        axis: Any = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


# --- torch's and TensorFlow Addons' regression losses -------------------------------------------


def _check_smooth_l1(arguments: dict[str, Any]) -> dict[str, Any]:
    beta = check_number(arguments["beta"], "beta", minimum=0.0, owner="smooth_l1")
    return {"beta": beta}


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("smooth_l1_loss",),
    check=_check_smooth_l1,
    torch_kernel=torch_kernels.smooth_l1,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.SmoothL1Loss",
            settings={"beta": 1.0},
            renames={"beta": "beta"},
            choices={"reduction": TORCH_MEAN},
            note=_TORCH_NOTE,
        ),
    ),
)
def smooth_l1(y_true: Any, y_pred: Any, beta: float = 1.0) -> Any:
    """Smooth L1 loss per sample: quadratic below ``beta``, absolute error beyond.

    The box-regression loss of Fast R-CNN: robust to outliers like the absolute error, smooth
    near zero. It is :func:`huber` divided by ``beta`` (``huber(delta=beta) / beta``): as
    ``beta`` grows it tends to 0, where Huber tends to the squared error, and ``beta = 0`` gives
    the absolute error. The numbers match ``torch.nn.SmoothL1Loss`` (``F.smooth_l1_loss``),
    averaged over the last axis (torch averages every element: the same mean).

    ::

        e = y_pred - y_true
        loss = mean(0.5 * e^2 / beta     if |e| < beta
                    |e| - 0.5 * beta     otherwise,      axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.
        beta: The error size where the loss turns from quadratic to linear; a float >= 0
            (0: the absolute error). Default: 1.0, torch's.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [3.0, 0.0]])
        >>> al.smooth_l1(y_true, y_pred).round(4).tolist()
        [0.18, 1.25]
        >>> al.smooth_l1(y_true, y_pred, beta=0.5).round(4).tolist()
        [0.35, 1.375]

    Reference:
        Ross Girshick, "Fast R-CNN", ICCV 2015, https://arxiv.org/abs/1504.08083; PyTorch,
        ``torch.nn.SmoothL1Loss``,
        https://pytorch.org/docs/stable/generated/torch.nn.SmoothL1Loss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "smooth_l1")
    abs_error = xp.abs(y_pred - y_true)
    if beta == 0.0:  # a hyperparameter, not a value: the quadratic branch would divide by 0
        return xp.mean(abs_error, axis=-1)
    quadratic = 0.5 * xp.square(abs_error) / beta
    linear = abs_error - 0.5 * beta
    return xp.mean(xp.where(abs_error < beta, quadratic, linear), axis=-1)


def _check_poisson_nll(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "log_input": check_flag(arguments["log_input"], "log_input"),
        "full": check_flag(arguments["full"], "full"),
        "eps": check_number(arguments["eps"], "eps", minimum=0.0, owner="poisson_nll"),
    }


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("poisson_nll_loss",),
    check=_check_poisson_nll,
    torch_kernel=torch_kernels.poisson_nll,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.PoissonNLLLoss",
            settings={"log_input": True, "full": False, "eps": 1e-8},
            renames={"full": "full", "eps": "eps"},
            choices={
                "log_input": {True: {"log_input": True}, False: {"log_input": False}},
                "reduction": TORCH_MEAN,
            },
            note=_TORCH_NOTE + " y_pred is a log-rate by default (log_input=True).",
        ),
    ),
)
def poisson_nll(
    y_true: Any, y_pred: Any, log_input: bool = True, full: bool = False, eps: float = 1e-8
) -> Any:
    """Poisson negative log-likelihood per sample, of a log-rate (default) or a rate.

    For count targets. By default ``y_pred`` is the predicted **log**-rate (a linear output,
    no activation), as in ``torch.nn.PoissonNLLLoss``; with ``log_input=False`` it is the rate
    itself, and the loss is Keras' :func:`poisson` with torch's ``eps = 1e-8`` (``poisson``
    uses 1e-7). ``full=True`` adds the Stirling approximation of ``log(y_true!)``, only where
    ``y_true > 1`` (torch's convention: 0 elsewhere), so the values are the negative
    log-likelihood itself rather than up to a constant. The numbers match
    ``F.poisson_nll_loss``, averaged over the last axis.

    ::

        loss = exp(y_pred) - y_true * y_pred                 (log_input=True)
        loss = y_pred - y_true * log(y_pred + eps)           (log_input=False)
        loss += y_true * log(y_true) - y_true + 0.5 * log(2 pi y_true)   (full, y_true > 1)
        loss = mean(loss, axis=-1)

    Args:
        y_true: Observed counts, shape ``(batch, ..., d)``, >= 0.
        y_pred: Predicted log-rates (``log_input=True``) or rates (>= 0), same shape.
        log_input: Whether ``y_pred`` is a log-rate. Default: True, torch's.
        full: Whether to add the Stirling term. Default: False.
        eps: Added to the rate inside the logarithm when ``log_input=False``; a float >= 0.
            Default: 1e-8, torch's.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 2.0], [3.0, 1.0]])
        >>> log_rates = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> al.poisson_nll(y_true, log_rates).round(4).tolist()
        [0.8591, 0.3591]
        >>> al.poisson_nll(y_true, np.exp(log_rates), log_input=False).round(4).tolist()
        [0.8591, 0.3591]
        >>> al.poisson_nll(y_true, log_rates, full=True).round(4).tolist()
        [1.185, 1.2412]

    Reference:
        PyTorch, ``torch.nn.PoissonNLLLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.PoissonNLLLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "poisson_nll")
    if log_input:
        values = xp.exp(y_pred) - y_true * y_pred
    else:
        values = y_pred - y_true * xp.log(y_pred + eps)
    if full:
        counted = y_true > 1.0
        safe = xp.where(counted, y_true, xp.ones_like(y_true))  # no log(0) in the unused branch
        stirling = safe * xp.log(safe) - safe + 0.5 * xp.log(2.0 * math.pi * safe)
        values = values + xp.where(counted, stirling, xp.zeros_like(stirling))
    return xp.mean(values, axis=-1)


def _check_gaussian_nll(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "full": check_flag(arguments["full"], "full"),
        "eps": check_number(
            arguments["eps"], "eps", minimum=0.0, open_minimum=True, owner="gaussian_nll"
        ),
    }


def _means_and_variances(xp: Any, y_true: Any, y_pred: Any) -> tuple[Any, Any, Any]:
    """``(y_true, means, variances)``: ``y_pred`` split in two halves on the last axis."""
    st, sp = B.shape(y_true), B.shape(y_pred)
    if len(st) == len(sp) - 1 and len(sp) >= 1 and sp[-1] == 2:
        y_true = xp.expand_dims(y_true, axis=-1)  # one target per row: (N,) with (N, 2)
        st = B.shape(y_true)
    if len(st) == 0 or len(st) != len(sp) or st[:-1] != sp[:-1] or sp[-1] != 2 * st[-1]:
        msg = (
            "gaussian_nll: `y_pred` must be the predicted means and variances concatenated on "
            "the last axis, twice as wide as `y_true` (y_true (..., d), y_pred (..., 2 * d)), "
            f"got y_true.shape={st} and y_pred.shape={sp}. Reshape `y_true`, or build y_pred "
            "as concat([mean, variance], axis=-1)."
        )
        raise ValueError(msg)
    d = st[-1]
    return y_true, y_pred[..., :d], y_pred[..., d:]


def _check_variances(xp: Any, variances: Any) -> None:
    """``ValueError`` on a negative variance, where values can be read (``B.checks_apply``)."""
    if not B.checks_apply(variances) or 0 in B.shape(variances):
        return
    low, _ = B.min_max(xp, variances)
    if bool(low < 0):
        msg = (
            "gaussian_nll: the variances (the second half of `y_pred`'s last axis) must be "
            f">= 0, got {first_where(variances, variances < 0)}. Predict them through a "
            "positive activation, e.g. softplus(x) or exp(log_variance)."
        )
        raise ValueError(msg)


@builtin(
    inputs=Inputs.MEAN_VARIANCE,
    aliases=("gaussian_nll_loss",),
    check=_check_gaussian_nll,
    torch_kernel=torch_kernels.gaussian_nll,
    align_ranks=False,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.GaussianNLLLoss",
            settings={"full": False, "eps": 1e-6},
            renames={"full": "full", "eps": "eps"},
            choices={"reduction": TORCH_MEAN},
            note=_TORCH_NOTE
            + " torch's forward(input, target, var) is loss(target, concat([input, var], -1)),"
            " var of input's shape (repeat a homoscedastic var).",
        ),
    ),
)
def gaussian_nll(y_true: Any, y_pred: Any, full: bool = False, eps: float = 1e-6) -> Any:
    """Gaussian negative log-likelihood per sample, of predicted means and variances.

    For heteroscedastic regression: the model predicts a mean and a variance per target, and
    the loss weighs each error by the predicted uncertainty. ``y_pred`` holds the means and the
    variances concatenated on the last axis: ``y_true (..., d)`` goes with
    ``y_pred (..., 2 * d) = concat([mean, variance], axis=-1)`` (one target per row may be
    ``(N,)`` with ``y_pred (N, 2)``). Variances must be >= 0 (apply softplus or exp first):
    a negative one raises ``ValueError`` where values are read (NumPy, CPU tensors, outside
    ``jax.jit``/``torch.compile``; see ``anyloss.backend.value_checks``), elsewhere it is
    clamped like 0. The numbers and gradients match ``torch.nn.GaussianNLLLoss``: variances
    are clamped at ``eps`` and, as torch clamps them under ``no_grad``, the gradient passes
    straight through the clamp (it is the gradient at the clamped value, not 0).

    ::

        mean, var = y_pred[..., :d], y_pred[..., d:]
        v = max(var, eps)    # value; d v / d var = 1 (straight through)
        loss = mean(0.5 * (log(v) + (mean - y_true)^2 / v) [+ 0.5 * log(2 pi) if full], axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Means then variances, shape ``(batch, ..., 2 * d)``.
        full: Whether to add the constant ``0.5 * log(2 pi)``. Default: False, torch's.
        eps: The smallest variance used; a float > 0. Default: 1e-6, torch's.

    Returns:
        The loss per sample, shape ``y_true.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 2.0], [0.0, 0.0]])
        >>> mean = np.array([[1.0, 3.0], [0.5, 0.0]])
        >>> var = np.array([[1.0, 4.0], [0.25, 1.0]])
        >>> al.gaussian_nll(y_true, np.concatenate([mean, var], axis=-1)).round(4).tolist()
        [0.4091, -0.0966]

    Reference:
        David A. Nix and Andreas S. Weigend, "Estimating the mean and variance of the target
        probability distribution", ICNN 1994, https://doi.org/10.1109/ICNN.1994.374138;
        PyTorch, ``torch.nn.GaussianNLLLoss``,
        https://pytorch.org/docs/stable/generated/torch.nn.GaussianNLLLoss.html
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "gaussian_nll", align=False, same_shape=False)
    y_true, mean, var = _means_and_variances(xp, y_true, y_pred)
    _check_variances(xp, var)
    # max(var, eps) in value, gradient 1 everywhere (torch's in-place clamp under no_grad).
    clamped = eps + (var - B.stop_gradient(xp, var))
    var = xp.where(var < eps, clamped, var)
    values = 0.5 * (xp.log(var) + xp.square(mean - y_true) / var)
    if full:
        values = values + 0.5 * math.log(2.0 * math.pi)
    return xp.mean(values, axis=-1)


def _check_pinball(arguments: dict[str, Any]) -> dict[str, Any]:
    tau = arguments["tau"]
    if isinstance(tau, (list, tuple, np.ndarray)) and np.ndim(tau) != 0:
        if np.ndim(tau) != 1 or len(tau) == 0:
            msg = (
                "Argument `tau` of pinball must be a number in [0, 1] or a flat sequence of "
                f"them (one quantile per output). Received: tau={shown(tau)}"
            )
            raise ValueError(msg)
        return {"tau": tuple(check_number(t, "tau", minimum=0.0, maximum=1.0) for t in tau)}
    if isinstance(tau, (np.ndarray, np.generic)):
        tau = tau.item()
    if not isinstance(tau, numbers.Real) and not isinstance(tau, str):
        msg = (
            "Argument `tau` of pinball must be a number in [0, 1] or a sequence of them (a "
            f"list, tuple or 1-D NumPy array). Received: tau={shown(tau)}"
        )
        raise TypeError(msg)
    return {"tau": check_number(tau, "tau", minimum=0.0, maximum=1.0, owner="pinball")}


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("pinball_loss", "quantile_loss"),
    check=_check_pinball,
    origin="tfa",
    peers=(
        Peer(
            "tfa.losses.PinballLoss",
            settings={"tau": 0.5},
            renames={"tau": "tau", "name": "name"},
            choices={"reduction": _TF_REDUCTIONS},
            note="anyloss is called as loss(y_true, y_pred), as TensorFlow Addons.",
        ),
    ),
)
def pinball(y_true: Any, y_pred: Any, tau: Any = 0.5) -> Any:
    """Pinball (quantile) loss per sample: fits the ``tau``-quantile of the target.

    For quantile regression and prediction intervals: under-predictions cost ``tau`` per unit,
    over-predictions ``1 - tau``, so the minimiser is the ``tau``-quantile (``tau = 0.5``, the
    median, gives half the absolute error). The numbers match TensorFlow Addons'
    ``pinball_loss``/``PinballLoss``; ``al.pinball_loss`` is this function under TensorFlow
    Addons' name (same arguments), and ``quantile_loss`` another alias.

    Several quantiles at once: give ``tau`` one quantile per output, e.g.
    ``tau=[0.1, 0.5, 0.9]`` with ``y_pred`` of shape ``(batch, 3)``, the model's three quantile
    predictions in that order; ``y_true`` is then either ``(batch, 3)`` or one target per row,
    ``(batch,)`` or ``(batch, 1)``, broadcast over the quantiles. Each entry of the last axis
    uses its own ``tau``, and the loss averages them.

    ::

        e = y_true - y_pred
        loss = mean(max(tau * e, (tau - 1) * e), axis=-1)    # tau broadcast over the last axis

    At ``e = 0`` the gradient with respect to ``y_pred`` is ``-tau``, TensorFlow's choice.

    Args:
        y_true: Targets, shape ``(batch, ..., d)``, or ``(batch, ..., 1)``/``(batch, ...)``
            with several quantiles; cast to ``y_pred``'s library and dtype.
        y_pred: Predicted quantiles, shape ``(batch, ..., d)``.
        tau: The quantile, a float in ``[0, 1]``, or a sequence of ``d`` of them (one per
            entry of the last axis). Default: 0.5, the median.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 2.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.0, 3.0], [1.0, -1.0]])
        >>> al.pinball(y_true, y_pred, tau=0.9).round(4).tolist()
        [0.5, 0.5]
        >>> quantiles = np.array([[0.5, 1.0, 1.5], [0.0, 0.0, 1.0]])
        >>> al.pinball(np.array([1.0, 0.5]), quantiles, tau=[0.1, 0.5, 0.9]).round(4).tolist()
        [0.0333, 0.1167]

    Reference:
        Roger Koenker and Gilbert Bassett, "Regression Quantiles", Econometrica 46(1), 1978,
        https://doi.org/10.2307/1913643; TensorFlow Addons, ``tfa.losses.PinballLoss``,
        https://www.tensorflow.org/addons/api_docs/python/tfa/losses/PinballLoss
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "pinball", same_shape=False)
    if isinstance(tau, tuple):
        st, sp = B.shape(y_true), B.shape(y_pred)
        if len(sp) == 0 or sp[-1] != len(tau):
            msg = (
                f"pinball: `tau` holds {len(tau)} quantiles, one per entry of `y_pred`'s last "
                f"axis, but y_pred.shape={sp}. Give y_pred one column per quantile, shape "
                f"(batch, {len(tau)})."
            )
            raise ValueError(msg)
        if len(st) == len(sp) - 1:
            y_true = xp.expand_dims(y_true, axis=-1)
        if B.shape(y_true)[-1:] != (1,) or B.shape(y_true)[:-1] != sp[:-1]:
            check_same_shape(y_true, y_pred, "pinball")
        tau = xp.asarray(tau, dtype=y_pred.dtype, device=B.device_of(y_pred))
    else:
        check_same_shape(y_true, y_pred, "pinball")
    error = y_true - y_pred
    # max(tau e, (tau - 1) e) is tau e exactly where e >= 0 (for any tau in [0, 1]).
    return xp.mean(xp.where(error >= 0, tau * error, (tau - 1.0) * error), axis=-1)


class SmoothL1(BuiltinLoss, function=smooth_l1):
    """Smooth L1 loss: quadratic for errors below ``beta``, absolute beyond (torch's).

    Wraps :func:`smooth_l1`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. With the default
    reduction its numbers equal ``torch.nn.SmoothL1Loss(beta=beta)`` (``reduction="mean"``).

    Args:
        beta: The error size where the loss turns from quadratic to linear; a float >= 0
            (0: the absolute error). Default: 1.0.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"smooth_l1"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [3.0, 0.0]])
        >>> round(float(al.SmoothL1()(y_true, y_pred)), 4)
        0.715
        >>> w = np.array([1.0, 0.0])
        >>> round(float(al.SmoothL1(beta=0.5)(y_true, y_pred, sample_weight=w)), 4)
        0.175
    """

    beta: float

    def __init__(
        self,
        beta: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "smooth_l1",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, beta=beta)


class PoissonNLL(BuiltinLoss, function=poisson_nll):
    """Poisson negative log-likelihood loss of log-rates (default) or rates (torch's).

    Wraps :func:`poisson_nll`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. With the default
    reduction its numbers equal ``torch.nn.PoissonNLLLoss`` (``reduction="mean"``) with the same
    ``log_input``, ``full`` and ``eps``.

    Args:
        log_input: Whether ``y_pred`` is a log-rate (``exp`` is applied) rather than a rate.
            Default: True.
        full: Whether to add the Stirling term of ``log(y_true!)`` where ``y_true > 1``.
            Default: False.
        eps: Added to the rate inside the logarithm when ``log_input=False``; a float >= 0.
            Default: 1e-8.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"poisson_nll"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 2.0], [3.0, 1.0]])
        >>> log_rates = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> round(float(al.PoissonNLL()(y_true, log_rates)), 4)
        0.6091
        >>> round(float(al.PoissonNLL(log_input=False)(y_true, np.exp(log_rates))), 4)
        0.6091
    """

    log_input: bool
    full: bool
    eps: float

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        eps: float = 1e-8,
        reduction: Any = "sum_over_batch_size",
        name: str = "poisson_nll",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction, name=name, dtype=dtype, log_input=log_input, full=full, eps=eps
        )


class GaussianNLL(BuiltinLoss, function=gaussian_nll):
    """Gaussian negative log-likelihood loss of predicted means and variances (torch's).

    Wraps :func:`gaussian_nll`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. ``y_pred`` is
    ``concat([mean, variance], axis=-1)``, twice as wide as ``y_true``. With the default
    reduction its numbers and gradients equal ``torch.nn.GaussianNLLLoss`` (``reduction="mean"``)
    called as ``(mean, y_true, variance)``.

    Args:
        full: Whether to add the constant ``0.5 * log(2 pi)``. Default: False.
        eps: The smallest variance used (the gradient passes straight through the clamp); a
            float > 0. Default: 1e-6.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"gaussian_nll"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 2.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 3.0, 1.0, 4.0], [0.5, 0.0, 0.25, 1.0]])
        >>> round(float(al.GaussianNLL()(y_true, y_pred)), 4)
        0.1562
        >>> round(float(al.GaussianNLL(full=True)(y_true, y_pred)), 4)
        1.0752
    """

    full: bool
    eps: float

    def __init__(
        self,
        full: bool = False,
        eps: float = 1e-6,
        reduction: Any = "sum_over_batch_size",
        name: str = "gaussian_nll",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, full=full, eps=eps)


class Pinball(BuiltinLoss, function=pinball):
    """Pinball (quantile) loss: fits the ``tau``-quantile of the target (TensorFlow Addons').

    Wraps :func:`pinball`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says; the numbers equal
    ``tfa.losses.PinballLoss(tau=tau)`` with the same reduction. ``tau`` may hold one quantile
    per entry of ``y_pred``'s last axis (several quantiles at once; see :func:`pinball`).

    Args:
        tau: The quantile, a float in ``[0, 1]``, or a sequence of them, one per entry of
            ``y_pred``'s last axis (saved as a list in the config). Default: 0.5.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"pinball"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0], [0.5]])
        >>> quantiles = np.array([[0.5, 1.0, 1.5], [0.0, 0.0, 1.0]])
        >>> loss = al.Pinball(tau=[0.1, 0.5, 0.9])
        >>> round(float(loss(y_true, quantiles)), 4)
        0.075
        >>> loss.get_config()["tau"]
        [0.1, 0.5, 0.9]
    """

    tau: Any

    def __init__(
        self,
        tau: Any = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "pinball",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, tau=tau)


# --- optax' regression losses ----------------------------------------------------------------------


@builtin(
    inputs=Inputs.REGRESSION,
    aliases=("l2_loss",),
    torch_kernel=torch_kernels.half_squared_error,
    origin="optax",
    peers=(Peer("optax.l2_loss", settings={"reduction": "none"}, note=_OPTAX_NOTE),),
)
def half_squared_error(y_true: Any, y_pred: Any) -> Any:
    """Half the squared error, averaged per sample: optax' ``l2_loss``.

    The squared error with the factor 1/2 that makes its gradient the plain error
    ``y_pred - y_true`` (Bishop's convention): half of :func:`mean_squared_error`. Also known as
    ``l2_loss`` (optax' name; TensorFlow's ``tf.nn.l2_loss`` sums instead of averaging).

    ::

        loss = mean(0.5 * square(y_pred - y_true), axis=-1)

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.

    Returns:
        The loss per sample, shape ``y_pred.shape[:-1]`` (the last axis is averaged), an array
        of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 0.0]])
        >>> al.half_squared_error(y_true, y_pred).tolist()
        [0.25, 1.0]

    Reference:
        Christopher M. Bishop, "Pattern Recognition and Machine Learning", Springer 2006,
        section 1.1; optax' ``optax.losses.l2_loss``.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "half_squared_error")
    return xp.mean(0.5 * xp.square(y_pred - y_true), axis=-1)


def _check_cosine_distance(arguments: dict[str, Any]) -> dict[str, Any]:
    check_axis_type(arguments["axis"])
    epsilon = check_number(arguments["epsilon"], "epsilon", minimum=0.0, owner="cosine_distance")
    return {"epsilon": epsilon, "axis": arguments["axis"]}


@builtin(
    inputs=Inputs.REGRESSION,
    check=_check_cosine_distance,
    torch_kernel=torch_kernels.cosine_distance,
    origin="optax",
    peers=(
        Peer(
            "optax.cosine_distance",
            settings={"epsilon": 0.0, "axis": -1, "reduction": "none"},
            renames={"epsilon": "epsilon", "axis": "axis"},
            note="Call as loss(y_true, y_pred): optax's is (predictions, targets). One value "
            "per vector, as optax returns; optax's `where` mask is not supported (pass "
            "sample_weight or mask when calling).",
        ),
    ),
)
def cosine_distance(y_true: Any, y_pred: Any, epsilon: float = 0.0, axis: Any = -1) -> Any:
    """Cosine distance along ``axis``: ``1 - cos``, 0 for identical directions, 2 for opposite.

    Compares directions and ignores magnitudes; :func:`cosine_similarity` (Keras') is ``-cos``,
    the same gradients shifted by 1. The numbers match ``optax.cosine_distance``: each squared
    norm is clipped at ``epsilon`` before the square root, so with the default 0 a zero vector
    gives NaN; pass ``epsilon > 0`` (e.g. 1e-12) where one may occur.

    ::

        norm(x) = sqrt(max(sum(square(x), axis), epsilon))
        loss = 1 - sum(y_true * y_pred, axis) / (norm(y_true) * norm(y_pred))

    Args:
        y_true: Targets, shape ``(batch, ..., d)``; cast to ``y_pred``'s library and dtype.
        y_pred: Predictions, same shape as ``y_true``.
        epsilon: The lower bound of each squared norm, a float >= 0. Default: 0.0 (optax').
        axis: The axis (or tuple of axes) along which the distance is computed. Default: -1.

    Returns:
        The loss, in ``[0, 2]``, with ``axis`` removed (shape ``y_pred.shape[:-1]`` for the
        default), an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [-1.0, -1.0]])
        >>> al.cosine_distance(y_true, y_pred).round(4).tolist()
        [0.2929, 2.0]

    Reference:
        Wikipedia, "Cosine similarity", section "Cosine distance",
        https://en.wikipedia.org/wiki/Cosine_similarity#Cosine_distance; optax'
        ``optax.losses.cosine_distance``.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "cosine_distance")
    axis = normalize_axis(axis, B.ndim(y_pred))
    dot = xp.sum(y_true * y_pred, axis=axis)
    norm_true = xp.sqrt(xp.clip(xp.sum(xp.square(y_true), axis=axis), epsilon, None))
    norm_pred = xp.sqrt(xp.clip(xp.sum(xp.square(y_pred), axis=axis), epsilon, None))
    return 1.0 - dot / (norm_true * norm_pred)


class HalfSquaredError(BuiltinLoss, function=half_squared_error):
    """Half the squared error (optax' ``l2_loss``), averaged over the last axis.

    Wraps :func:`half_squared_error`: calling the loss computes it per sample, weights the
    values with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"half_squared_error"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [0.0, 0.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 0.0]])
        >>> float(al.HalfSquaredError()(y_true, y_pred))
        0.625
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "half_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineDistance(BuiltinLoss, function=cosine_distance):
    """Cosine distance loss (optax'): ``1 - cos`` between ``y_true`` and ``y_pred``.

    Wraps :func:`cosine_distance`: calling the loss computes it per sample, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        epsilon: The lower bound of each squared norm, a float >= 0 (0: a zero vector gives
            NaN). Default: 0.0.
        axis: The axis (or tuple of axes) along which the distance is computed. Default: -1.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"cosine_distance"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 1.0], [1.0, 1.0]])
        >>> round(float(al.CosineDistance()(y_true, y_pred)), 4)
        0.1464
    """

    epsilon: float
    axis: Any

    def __init__(
        self,
        epsilon: float = 0.0,
        axis: Any = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "cosine_distance",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, epsilon=epsilon, axis=axis)
