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

    ``loss = mean(square(y_true - y_pred), axis=-1)``

    Example:
        >>> import anyloss as al
        >>> al.mean_squared_error([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]).tolist()
        [0.5, 0.5]
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_squared_error")
    return xp.mean(xp.square(y_true - y_pred), axis=-1)


@builtin(
    inputs=Inputs.REGRESSION, aliases=("mae", "MAE"), torch_kernel=torch_kernels.mean_absolute_error
)
def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Mean absolute error per sample: ``mean(abs(y_true - y_pred), axis=-1)``."""
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_error")
    return xp.mean(xp.abs(y_true - y_pred), axis=-1)


@builtin(inputs=Inputs.REGRESSION, aliases=("mape", "MAPE"))
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """Mean absolute percentage error per sample.

    ``loss = 100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``, eps = 1e-7:
    a zero target gives a huge (finite) value, as in Keras.
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = xp.abs((y_true - y_pred) / xp.clip(xp.abs(y_true), EPS, None))
    return 100.0 * xp.mean(diff, axis=-1)


@builtin(inputs=Inputs.REGRESSION, aliases=("msle", "MSLE"))
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """Mean squared logarithmic error per sample.

    ``loss = mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``
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

    With ``e = y_pred - y_true``: ``mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2)``.

    Reference: Huber, "Robust Estimation of a Location Parameter" (1964).
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

    ``mean(log(cosh(x)), axis=-1)`` with ``x = y_pred - y_true``, computed as
    ``logaddexp(x, -x) - log(2)`` (Keras: ``x + softplus(-2x) - log(2)``, the same number), so
    large errors do not overflow (see :func:`anyloss.backend.log_cosh`).
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "log_cosh")
    return xp.mean(B.log_cosh(xp, y_pred - y_true), axis=-1)


@builtin(inputs=Inputs.REGRESSION, torch_kernel=torch_kernels.poisson)
def poisson(y_true: Any, y_pred: Any) -> Any:
    """Poisson negative log-likelihood (up to a constant), per sample.

    ``loss = mean(y_pred - y_true * log(y_pred + eps), axis=-1)``; ``y_pred`` must be >= 0.
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

    ``loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``
    """
    xp, y_true, y_pred = prepare(y_true, y_pred, "cosine_similarity")
    axis = normalize_axis(axis, B.ndim(y_pred))
    return -xp.sum(_l2_normalize(xp, y_true, axis) * _l2_normalize(xp, y_pred, axis), axis=axis)


class MeanSquaredError(BuiltinLoss, function=mean_squared_error):
    """Mean of squared errors. See :func:`mean_squared_error`; ``reduction``: see ``Loss``."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(BuiltinLoss, function=mean_absolute_error):
    """Mean of absolute errors. See :func:`mean_absolute_error`."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(BuiltinLoss, function=mean_absolute_percentage_error):
    """Mean absolute percentage error. See :func:`mean_absolute_percentage_error`."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(BuiltinLoss, function=mean_squared_logarithmic_error):
    """Mean squared logarithmic error. See :func:`mean_squared_logarithmic_error`."""

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Huber(BuiltinLoss, function=huber):
    """Huber loss. See :func:`huber`. ``delta`` survives ``get_config`` (Keras 3.15 drops it)."""

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
    """Log-cosh loss. See :func:`log_cosh`."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(BuiltinLoss, function=poisson):
    """Poisson loss. See :func:`poisson`."""

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "poisson", dtype: Any = None
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(BuiltinLoss, function=cosine_similarity):
    """Negative cosine similarity. See :func:`cosine_similarity`. ``axis`` survives configs."""

    axis: Any

    def __init__(
        self,
        axis: Any = -1,
        reduction: Any = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)
