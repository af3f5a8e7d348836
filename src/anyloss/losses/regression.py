"""Regression losses: squared/absolute/percentage/log errors, Huber, log-cosh, Poisson, cosine.

Each function returns one value per sample, reducing the last axis only: ``(batch, d)`` inputs
give ``(batch,)``. Numbers match Keras 3 (``keras.losses``).
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_axis_type, check_number, normalize_axis
from anyloss.backend import EPSILON as EPS
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, builtin
from anyloss.losses._prepare import prepare


@builtin(
    inputs=Inputs.REGRESSION, aliases=("mse", "MSE"), torch_kernel=torch_kernels.mean_squared_error
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
    inputs=Inputs.REGRESSION, aliases=("mae", "MAE"), torch_kernel=torch_kernels.mean_absolute_error
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


@builtin(inputs=Inputs.REGRESSION, aliases=("logcosh",))
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


def _l2_normalize(xp: Any, x: Any, axis: Any) -> Any:
    # x / max(||x||, eps): zero vectors map to zero with a finite gradient.
    sq = xp.sum(xp.square(x), axis=axis, keepdims=True)
    return x / xp.sqrt(xp.clip(sq, EPS * EPS, None))


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
    return -xp.sum(_l2_normalize(xp, y_true, axis) * _l2_normalize(xp, y_pred, axis), axis=axis)


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
