"""Keras' convolution, pooling, normalisation and reshaping layers as ``torch.nn.Module``s.

``Conv1D``/``Conv2D``, ``MaxPooling1D``/``2D``, ``AveragePooling1D``/``2D``, the global poolings,
``BatchNormalization``, ``LayerNormalization`` and ``Reshape`` follow Keras' conventions:
channels-last inputs (``(batch, steps, channels)``, ``(batch, height, width, channels)``; the
layers transpose around PyTorch's channels-first ops), Keras' argument names and defaults,
Keras/TensorFlow's ``padding="same"`` (the extra padding of an even window goes right/bottom)
and Keras' initialisers. Weights are created from the first batch, as ``Dense`` does, unless
``input_shape`` is given. Weight names and layouts are PyTorch's (a ``Conv2D`` kernel is
``weight`` of shape ``(filters, in_channels // groups, kh, kw)``; Keras stores
``(kh, kw, in_channels // groups, filters)``).

``kernel_regularizer``/``bias_regularizer`` take ``"l1"``, ``"l2"``, ``"l1_l2"``, an
:class:`L1`/:class:`L2`/:class:`L1L2` or a callable on the weight; a layer's
``regularization_loss()`` returns the penalty as a tensor to add to the training loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from anyloss.training.functional import Layer
from anyloss.training.layers import (
    ACTIVATIONS,
    get_activation,
    initialize,
    mask_of,
    pass_mask,
)
from anyloss.training.regularizers import (
    L1,
    L1L2,
    L2,
    get_regularizer,
    regularizer_config,
    weight_penalty,
)

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "LAYER_CLASSES",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "LayerNormalization",
    "MaxPooling1D",
    "MaxPooling2D",
    "Reshape",
    "get_regularizer",
]


# ------------------------------------------------------------------ argument checks
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_tuple(layer: str, name: str, value: Any, rank: int, minimum: int = 1) -> tuple[int, ...]:
    """``value`` (an int or a ``rank``-tuple of ints >= ``minimum``) as a ``rank``-tuple."""
    values = (value,) * rank if _is_int(value) else value
    if (
        isinstance(values, Sequence)
        and not isinstance(values, str)
        and len(values) == rank
        and all(_is_int(v) and v >= minimum for v in values)
    ):
        return tuple(values)
    kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    example = ", ".join(["3"] * rank) + ("," if rank == 1 else "")
    msg = (
        f"Argument `{name}` of {layer} must be {kind} or a tuple of {rank} such ints, e.g. "
        f"{name}=({example}). Received: {name}={value!r}"
    )
    raise ValueError(msg)


def _choice(layer: str, name: str, value: Any, allowed: Sequence[str]) -> str:
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    msg = f"Argument `{name}` of {layer} must be one of {list(allowed)}. Received: {name}={value!r}"
    raise ValueError(msg)


def _data_format(layer: str, value: Any) -> str:
    if value is None:
        return "channels_last"
    return _choice(layer, "data_format", value, ("channels_last", "channels_first"))


def _input_shape(layer: str, value: Any, rank: int | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(_is_int(v) and v >= 1 for v in value)
        and (rank is None or len(value) == rank)
    ):
        return tuple(value)
    wanted = f"a tuple of {rank} positive ints" if rank is not None else "a tuple of ints"
    msg = (
        f"Argument `input_shape` of {layer} must be {wanted}: the input's shape without the "
        f"batch axis. Received: input_shape={value!r}"
    )
    raise ValueError(msg)


def _check_initializer(layer: str, argument: str, name: str) -> None:
    try:
        initialize(torch.empty(1), name, 1, 1)
    except ValueError as err:
        msg = f"Argument `{argument}` of {layer}: {err}"
        raise ValueError(msg) from None


def _same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's ``"same"`` padding: output size ``ceil(size / stride)``, the odd pixel of
    padding on the right."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _pads(
    padding: str,
    sizes: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> list[tuple[int, int]]:
    """``(left, right)`` padding per spatial axis."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "causal":
        return [((k - 1) * d, 0) for k, d in zip(kernel, dilation, strict=True)]
    return [
        _same_padding(n, k, s, d)
        for n, k, s, d in zip(sizes, kernel, strides, dilation, strict=True)
    ]


def _flat_pad(pads: Sequence[tuple[int, int]]) -> list[int]:
    """``F.pad``'s order: last axis first."""
    return [p for pair in reversed(pads) for p in pair]


_LAYOUTS = {
    (1, "channels_last"): "(batch, steps, channels)",
    (1, "channels_first"): "(batch, channels, steps)",
    (2, "channels_last"): "(batch, height, width, channels)",
    (2, "channels_first"): "(batch, channels, height, width)",
}


class _Spatial(Layer):
    """Shared by the convolution and pooling layers: rank checks and channels-last transposes."""

    rank: int
    data_format: str

    def _check_input(self, x: torch.Tensor) -> None:
        if x.ndim != self.rank + 2:
            layout = _LAYOUTS[(self.rank, self.data_format)]
            fix = (
                " Add the channels axis, e.g. x[..., None] for one channel."
                if x.ndim == self.rank + 1 and self.data_format == "channels_last"
                else ""
            )
            msg = (
                f"{type(self).__name__} expects inputs of shape {layout}; received shape "
                f"{tuple(x.shape)}.{fix}"
            )
            raise ValueError(msg)

    def _to_channels_first(self, x: torch.Tensor) -> torch.Tensor:
        return x.movedim(-1, 1) if self.data_format == "channels_last" else x

    def _from_channels_first(self, y: torch.Tensor) -> torch.Tensor:
        return y.movedim(1, -1) if self.data_format == "channels_last" else y


# ------------------------------------------------------------------ convolutions
_CONV = {1: F.conv1d, 2: F.conv2d}


class _Conv(_Spatial):
    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size: int | tuple[int, ...],
        strides: int | tuple[int, ...] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, ...] = 1,
        groups: int = 1,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        self.rank = rank
        if not _is_int(filters) or filters < 1:
            msg = (
                f"Argument `filters` of {name} must be a positive int (the number of output "
                f"channels). Received: filters={filters!r}"
            )
            raise ValueError(msg)
        if not _is_int(groups) or groups < 1 or filters % groups:
            msg = (
                f"Argument `groups` of {name} must be a positive int that divides "
                f"filters={filters}. Received: groups={groups!r}"
            )
            raise ValueError(msg)
        self.filters = filters
        self.groups = groups
        self.kernel_size = _int_tuple(name, "kernel_size", kernel_size, rank)
        self.strides = _int_tuple(name, "strides", strides, rank)
        self.dilation_rate = _int_tuple(name, "dilation_rate", dilation_rate, rank)
        modes = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = _choice(name, "padding", padding, modes)
        self.data_format = _data_format(name, data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            msg = (
                f"{name} does not support strides > 1 together with dilation_rate > 1 (as "
                f"Keras). Received: strides={strides!r}, dilation_rate={dilation_rate!r}; "
                "set one of them to 1."
            )
            raise ValueError(msg)
        self.activation_name = (
            activation
            if isinstance(activation, str) or activation is None
            else getattr(activation, "__name__", "custom")
        )
        self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        _check_initializer(name, "kernel_initializer", kernel_initializer)
        _check_initializer(name, "bias_initializer", bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._kernel_regularizer_arg = kernel_regularizer
        self._bias_regularizer_arg = bias_regularizer
        self.kernel_regularizer = get_regularizer(kernel_regularizer)
        self.bias_regularizer = get_regularizer(bias_regularizer)
        self.input_shape = _input_shape(name, input_shape, rank + 1)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        if self.input_shape is not None:
            axis = -1 if self.data_format == "channels_last" else 0
            self.build(self.input_shape[axis])

    @property
    def built(self) -> bool:
        return self.weight is not None

    def build(self, in_channels: int, device: Any = None, dtype: Any = None) -> None:
        """Create the kernel (and bias) for inputs with ``in_channels`` channels."""
        if in_channels % self.groups:
            msg = (
                f"{type(self).__name__}(groups={self.groups}) needs a number of input channels "
                f"divisible by groups; received {in_channels} channels."
            )
            raise ValueError(msg)
        receptive = math.prod(self.kernel_size)
        fan_in = receptive * in_channels // self.groups
        shape = (self.filters, in_channels // self.groups, *self.kernel_size)
        weight = torch.empty(shape, device=device, dtype=dtype)
        initialize(weight, self.kernel_initializer, fan_in, receptive * self.filters)
        self.weight = nn.Parameter(weight)
        if self.use_bias:
            bias = torch.empty(self.filters, device=device, dtype=dtype)
            initialize(bias, self.bias_initializer, self.filters, self.filters)
            self.bias = nn.Parameter(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x = self._to_channels_first(x)
        if self.weight is None:
            self.build(x.shape[1], x.device, x.dtype if x.is_floating_point() else None)
        assert self.weight is not None
        if x.shape[1] != self.weight.shape[1] * self.groups:
            expected = self.weight.shape[1] * self.groups
            msg = (
                f"{type(self).__name__}({self.filters}) was built for inputs with {expected} "
                f"channels but received {x.shape[1]} channels (input shape "
                f"{tuple(self._from_channels_first(x).shape)}). Give the data {expected} "
                "channels, or use a new layer."
            )
            raise ValueError(msg)
        pads = _pads(self.padding, x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)
        if all(left == right for left, right in pads):
            padding: Any = tuple(left for left, _ in pads)
        else:
            x = F.pad(x, _flat_pad(pads))
            padding = 0
        y = _CONV[self.rank](
            x, self.weight, self.bias, self.strides, padding, self.dilation_rate, self.groups
        )
        return self.activation(self._from_channels_first(y))

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # A checkpoint of a lazily built layer creates the parameters before loading them.
        if self.weight is None and prefix + "weight" in state_dict:
            self.build(state_dict[prefix + "weight"].shape[1] * self.groups)
        super()._load_from_state_dict(state_dict, prefix, *args)

    def regularization_loss(self) -> torch.Tensor:
        """The ``kernel_regularizer`` and ``bias_regularizer`` penalties (0 when none is set
        or the layer is not built yet)."""
        return weight_penalty(
            (self.kernel_regularizer, self.weight), (self.bias_regularizer, self.bias)
        )

    def get_config(self) -> dict[str, Any]:
        name = type(self).__name__
        if self.activation_name is not None and self.activation_name not in ACTIVATIONS:
            msg = (
                f"{name}(activation={self.activation_name!r}) is a custom callable and cannot "
                "be saved by name. Use a Keras activation name, or follow the layer with your "
                "own torch.nn.Module and load with load_model(path, module=...)."
            )
            raise ValueError(msg)
        config: dict[str, Any] = {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": self.groups,
            "activation": self.activation_name,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": regularizer_config(
                name, "kernel_regularizer", self.kernel_regularizer, self._kernel_regularizer_arg
            ),
            "bias_regularizer": regularizer_config(
                name, "bias_regularizer", self.bias_regularizer, self._bias_regularizer_arg
            ),
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }
        return config

    def extra_repr(self) -> str:
        channels = self.weight.shape[1] * self.groups if self.weight is not None else "?"
        return (
            f"in_channels={channels}, filters={self.filters}, kernel_size={self.kernel_size}, "
            f"strides={self.strides}, padding={self.padding!r}, activation={self.activation_name}"
        )


class Conv1D(_Conv):
    """1D convolution over ``(batch, steps, channels)``, Keras' ``Conv1D`` (wraps ``F.conv1d``).

    Args:
        filters: number of output channels.
        kernel_size: window length (an int or a 1-tuple).
        strides, dilation_rate: ints or 1-tuples (not both > 1, as Keras).
        padding: ``"valid"`` (none), ``"same"`` (output length ``ceil(steps / strides)``, the
            odd step of padding at the end) or ``"causal"`` (left padding only).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        groups: split the channels into this many independent groups.
        activation, use_bias, kernel_initializer, bias_initializer: as ``Dense``.
        kernel_regularizer, bias_regularizer: see :func:`get_regularizer`.
        input_shape: ``(steps, channels)``; without it the channels come from the first batch.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...],
        strides: int | tuple[int, ...] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, ...] = 1,
        groups: int = 1,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
            activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, input_shape, name=name,
        )  # fmt: skip


class Conv2D(_Conv):
    """2D convolution over ``(batch, height, width, channels)``, Keras' ``Conv2D`` (wraps
    ``F.conv2d``).

    Args:
        filters: number of output channels.
        kernel_size: window size (an int or a 2-tuple).
        strides, dilation_rate: ints or 2-tuples (not both > 1, as Keras).
        padding: ``"valid"`` (none) or ``"same"`` (output size ``ceil(size / strides)``, the
            odd pixel of padding at the bottom/right, as Keras/TensorFlow).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        groups: split the channels into this many independent groups.
        activation, use_bias, kernel_initializer, bias_initializer: as ``Dense``.
        kernel_regularizer, bias_regularizer: see :func:`get_regularizer`.
        input_shape: ``(height, width, channels)``; without it the channels come from the first
            batch.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...],
        strides: int | tuple[int, ...] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | tuple[int, ...] = 1,
        groups: int = 1,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
            activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, input_shape, name=name,
        )  # fmt: skip


# ------------------------------------------------------------------ pooling
class _Pooling(_Spatial):
    mode: str  # "max" or "average"
    rank: int  # 1 or 2: the spatial axes, set by each subclass

    def __init__(
        self,
        pool_size: int | tuple[int, ...] = 2,
        strides: int | tuple[int, ...] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        rank = self.rank
        self.pool_size = _int_tuple(name, "pool_size", pool_size, rank)
        self.strides = (
            self.pool_size if strides is None else _int_tuple(name, "strides", strides, rank)
        )
        self.padding = _choice(name, "padding", padding, ("valid", "same"))
        self.data_format = _data_format(name, data_format)
        self.input_shape = _input_shape(name, input_shape, rank + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x = self._to_channels_first(x)
        sizes = x.shape[2:]
        if self.padding == "valid" and any(
            n < k for n, k in zip(sizes, self.pool_size, strict=True)
        ):
            msg = (
                f"{type(self).__name__}(pool_size={self.pool_size}, padding='valid') needs "
                f"inputs at least as large as the pool; received shape "
                f"{tuple(self._from_channels_first(x).shape)}. Use padding='same' or a "
                "smaller pool_size."
            )
            raise ValueError(msg)
        ones = (1,) * self.rank
        pads = _flat_pad(_pads(self.padding, sizes, self.pool_size, self.strides, ones))
        if self.mode == "max":
            if any(pads):
                x = F.pad(x, pads, value=-math.inf)
            pool = F.max_pool1d if self.rank == 1 else F.max_pool2d
            y = pool(x, self.pool_size, self.strides)
        else:
            avg = F.avg_pool1d if self.rank == 1 else F.avg_pool2d
            if any(pads):
                # Keras/TF average only the real inputs under the window, not the padding.
                mask = F.pad(x.new_ones((1, 1, *sizes)), pads)
                y = avg(F.pad(x, pads), self.pool_size, self.strides) / avg(
                    mask, self.pool_size, self.strides
                )
            else:
                y = avg(x, self.pool_size, self.strides)
        return self._from_channels_first(y)

    def get_config(self) -> dict[str, Any]:
        return {
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, strides={self.strides}, padding={self.padding!r}"


class MaxPooling1D(_Pooling):
    """Max over windows of ``(batch, steps, channels)``, Keras' ``MaxPooling1D`` (wraps
    ``F.max_pool1d``).

    Args:
        pool_size: window length (default 2).
        strides: step between windows (default: ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (padding never wins the max).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        input_shape: ``(steps, channels)``, for a first layer.
    """

    mode = "max"
    rank = 1


class MaxPooling2D(_Pooling):
    """Max over windows of ``(batch, height, width, channels)``, Keras' ``MaxPooling2D`` (wraps
    ``F.max_pool2d``).

    Args:
        pool_size: window size, an int or a 2-tuple (default ``(2, 2)``).
        strides: step between windows (default: ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (padding never wins the max).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        input_shape: ``(height, width, channels)``, for a first layer.
    """

    mode = "max"
    rank = 2


class AveragePooling1D(_Pooling):
    """Mean over windows of ``(batch, steps, channels)``, Keras' ``AveragePooling1D`` (wraps
    ``F.avg_pool1d``).

    Args:
        pool_size: window length (default 2, as tf.keras; Keras 3 requires it).
        strides: step between windows (default: ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (windows average only real steps, as Keras).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        input_shape: ``(steps, channels)``, for a first layer.
    """

    mode = "average"
    rank = 1


class AveragePooling2D(_Pooling):
    """Mean over windows of ``(batch, height, width, channels)``, Keras' ``AveragePooling2D``
    (wraps ``F.avg_pool2d``).

    Args:
        pool_size: window size, an int or a 2-tuple (default ``(2, 2)``, as tf.keras; Keras 3
            requires it).
        strides: step between windows (default: ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (windows average only real pixels, as Keras).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        input_shape: ``(height, width, channels)``, for a first layer.
    """

    mode = "average"
    rank = 2


class _GlobalPooling(_Spatial):
    mode: str  # "max" or "average"
    rank: int  # 1 or 2: the spatial axes, set by each subclass

    def __init__(
        self,
        data_format: str | None = None,
        keepdims: bool = False,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        rank = self.rank
        self.data_format = _data_format(name, data_format)
        self.keepdims = bool(keepdims)
        self.input_shape = _input_shape(name, input_shape, rank + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        first = 1 if self.data_format == "channels_last" else 2
        dims = tuple(range(first, first + self.rank))
        if self.mode == "max":
            return x.amax(dim=dims, keepdim=self.keepdims)
        mask = mask_of(x)
        if self.rank == 1 and mask is not None and mask.ndim == 2:
            # Keras' GlobalAveragePooling1D: the mean over the unmasked steps only.
            keep = mask.to(torch.bool).unsqueeze(2 if first == 1 else 1)
            total = torch.where(keep, x, 0.0).sum(dim=dims, keepdim=self.keepdims)
            return total / keep.to(x.dtype).sum(dim=dims, keepdim=self.keepdims)
        return x.mean(dim=dims, keepdim=self.keepdims)

    def get_config(self) -> dict[str, Any]:
        return {
            "data_format": self.data_format,
            "keepdims": self.keepdims,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        return f"keepdims={self.keepdims}" if self.keepdims else ""


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps of ``(batch, steps, channels)``: ``(batch, channels)``; Keras'
    ``GlobalAveragePooling1D``.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the pooled axis with length 1.
        input_shape: ``(steps, channels)``, for a first layer.
    """

    mode = "average"
    rank = 1


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width of ``(batch, height, width, channels)``: ``(batch,
    channels)``; Keras' ``GlobalAveragePooling2D``.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the pooled axes with length 1.
        input_shape: ``(height, width, channels)``, for a first layer.
    """

    mode = "average"
    rank = 2


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps of ``(batch, steps, channels)``: ``(batch, channels)``; Keras'
    ``GlobalMaxPooling1D``.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the pooled axis with length 1.
        input_shape: ``(steps, channels)``, for a first layer.
    """

    mode = "max"
    rank = 1


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width of ``(batch, height, width, channels)``: ``(batch,
    channels)``; Keras' ``GlobalMaxPooling2D``.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the pooled axes with length 1.
        input_shape: ``(height, width, channels)``, for a first layer.
    """

    mode = "max"
    rank = 2


# ------------------------------------------------------------------ normalisation
def _axes(layer: str, axis: Any, ndim: int) -> list[int]:
    """``axis`` (an int or a list of ints) as sorted non-negative axes of an ``ndim`` input."""
    values = [axis] if _is_int(axis) else list(axis)
    positive = sorted({a % ndim for a in values if -ndim <= a < ndim})
    if len(positive) != len(values) or 0 in positive:
        msg = (
            f"Argument `axis` of {layer} must name distinct non-batch axes of the "
            f"{ndim}-dimensional input (e.g. axis=-1, the channels). Received: axis={axis!r}"
        )
        raise ValueError(msg)
    return positive


def _axis_arg(layer: str, axis: Any) -> int | list[int]:
    if _is_int(axis):
        return int(axis)
    if isinstance(axis, Sequence) and axis and all(_is_int(a) for a in axis):
        return [int(a) for a in axis]
    msg = (
        f"Argument `axis` of {layer} must be an int or a list of ints (e.g. axis=-1, the "
        f"channels). Received: axis={axis!r}"
    )
    raise ValueError(msg)


class BatchNormalization(Layer):
    """Normalises each feature along ``axis`` with the batch's mean and variance in training
    and the moving averages in inference, Keras' ``BatchNormalization``.

    Args:
        axis: the feature axis (default -1, the channels) or a list of axes.
        momentum: Keras' momentum: ``moving = moving * momentum + batch * (1 - momentum)``
            (PyTorch's ``BatchNorm`` momentum is ``1 - momentum``).
        epsilon: added to the variance (Keras' 1e-3; PyTorch's default is 1e-5).
        center, scale: learn ``beta`` (``bias``) and ``gamma`` (``weight``).
        beta_initializer: Keras initialiser name of ``beta``.
        gamma_initializer: Keras initialiser name of ``gamma``.
        moving_mean_initializer: Keras initialiser name of the moving mean.
        moving_variance_initializer: Keras initialiser name of the moving variance.
        input_shape: the input's shape without the batch axis, for a first layer.

    The moving statistics are buffers ``running_mean``/``running_var`` (Keras'
    ``moving_mean``/``moving_variance``) and are updated with the biased batch variance, as
    Keras does (PyTorch's ``BatchNorm`` uses the unbiased one).
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str = "zeros",
        gamma_initializer: str = "ones",
        moving_mean_initializer: str = "zeros",
        moving_variance_initializer: str = "ones",
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        self.axis = _axis_arg(name, axis)
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, int | float)
            or not 0.0 <= momentum <= 1.0
        ):
            msg = (
                f"Argument `momentum` of {name} must be a float in [0, 1] (Keras' convention, "
                "0.99 by default; PyTorch's momentum=0.1 is Keras' 0.9). Received: "
                f"momentum={momentum!r}"
            )
            raise ValueError(msg)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or epsilon <= 0:
            msg = f"Argument `epsilon` of {name} must be a positive float. Received: epsilon={epsilon!r}"
            raise ValueError(msg)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.initializers = {
            "beta_initializer": beta_initializer,
            "gamma_initializer": gamma_initializer,
            "moving_mean_initializer": moving_mean_initializer,
            "moving_variance_initializer": moving_variance_initializer,
        }
        for argument, init in self.initializers.items():
            _check_initializer(name, argument, init)
        self.input_shape = _input_shape(name, input_shape, None)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self.register_buffer("running_mean", None)
        self.register_buffer("running_var", None)
        if self.input_shape is not None:
            axes = _axes(name, self.axis, len(self.input_shape) + 1)
            self.build(tuple(self.input_shape[a - 1] for a in axes))

    @property
    def built(self) -> bool:
        return self.running_mean is not None

    def build(self, shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> None:
        """Create gamma, beta and the moving statistics of feature shape ``shape``."""

        def make(init: str) -> torch.Tensor:
            tensor = torch.empty(shape, device=device, dtype=dtype)
            initialize(tensor, self.initializers[init], shape[0], shape[-1])
            return tensor

        if self.scale:
            self.weight = nn.Parameter(make("gamma_initializer"))
        if self.center:
            self.bias = nn.Parameter(make("beta_initializer"))
        self.running_mean = make("moving_mean_initializer")
        self.running_var = make("moving_variance_initializer")

    def forward(self, x: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        name = type(self).__name__
        axes = _axes(name, self.axis, x.ndim)
        features = tuple(x.shape[a] for a in axes)
        if self.running_mean is None:
            self.build(features, x.device, x.dtype if x.is_floating_point() else None)
        assert self.running_mean is not None
        assert self.running_var is not None
        if features != tuple(self.running_mean.shape):
            msg = (
                f"{name}(axis={self.axis}) was built for {tuple(self.running_mean.shape)} "
                f"features but received inputs of shape {tuple(x.shape)} with {features} on "
                "that axis. Give the data the same feature size, or use a new layer."
            )
            raise ValueError(msg)
        broadcast = [1] * x.ndim
        for a in axes:
            broadcast[a] = x.shape[a]
        reduce = [d for d in range(x.ndim) if d not in axes]
        mask = mask_of(x)
        if mask is not None and mask.ndim != x.ndim - 1:
            mask = None  # not a timestep mask of these inputs
        if self.training if training is None else bool(training):
            if mask is None:
                mean = x.mean(dim=reduce, keepdim=True)
                var = x.var(dim=reduce, keepdim=True, unbiased=False)
            else:  # Keras: the moments of the unmasked steps only (eps-guarded counts)
                keep = mask.to(torch.bool)[..., None].expand(x.shape)
                count = keep.to(x.dtype).sum(dim=reduce, keepdim=True) + 1e-7
                mean = torch.where(keep, x, 0.0).sum(dim=reduce, keepdim=True) / count
                var = torch.where(keep, x - mean, 0.0).square().sum(dim=reduce, keepdim=True)
                var = var / count
            with torch.no_grad():
                m = self.momentum
                self.running_mean.mul_(m).add_(mean.reshape(features).detach(), alpha=1 - m)
                self.running_var.mul_(m).add_(var.reshape(features).detach(), alpha=1 - m)
        else:
            mean = self.running_mean.reshape(broadcast)
            var = self.running_var.reshape(broadcast)
        inv = torch.rsqrt(var + self.epsilon)
        if self.weight is not None:
            inv = inv * self.weight.reshape(broadcast)
        y = (x - mean) * inv
        if self.bias is not None:
            y = y + self.bias.reshape(broadcast)
        return pass_mask(x, y)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        if self.running_mean is None and prefix + "running_mean" in state_dict:
            self.build(tuple(state_dict[prefix + "running_mean"].shape))
        super()._load_from_state_dict(state_dict, prefix, *args)

    def get_config(self) -> dict[str, Any]:
        return {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **self.initializers,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        features = tuple(self.running_mean.shape) if self.running_mean is not None else "?"
        return (
            f"features={features}, axis={self.axis}, momentum={self.momentum}, "
            f"epsilon={self.epsilon}"
        )


class LayerNormalization(Layer):
    """Normalises each sample over ``axis`` (mean 0, variance 1), then scales and shifts,
    Keras' ``LayerNormalization`` (wraps ``F.layer_norm`` when the axes are the last ones).

    Args:
        axis: the axis or list of axes to normalise over (default -1).
        epsilon: added to the variance (Keras' 1e-3; PyTorch's default is 1e-5).
        center, scale: learn ``beta`` (``bias``) and ``gamma`` (``weight``).
        beta_initializer, gamma_initializer: Keras initialiser names.
        input_shape: the input's shape without the batch axis, for a first layer.
    """

    weight: nn.Parameter | None
    bias: nn.Parameter | None

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str = "zeros",
        gamma_initializer: str = "ones",
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        self.axis = _axis_arg(name, axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or epsilon <= 0:
            msg = f"Argument `epsilon` of {name} must be a positive float. Received: epsilon={epsilon!r}"
            raise ValueError(msg)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        _check_initializer(name, "beta_initializer", beta_initializer)
        _check_initializer(name, "gamma_initializer", gamma_initializer)
        self.input_shape = _input_shape(name, input_shape, None)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self._shape: tuple[int, ...] | None = None
        if self.input_shape is not None:
            axes = _axes(name, self.axis, len(self.input_shape) + 1)
            self.build(tuple(self.input_shape[a - 1] for a in axes))

    @property
    def built(self) -> bool:
        return self._shape is not None

    def build(self, shape: tuple[int, ...], device: Any = None, dtype: Any = None) -> None:
        """Create gamma and beta of shape ``shape`` (the sizes of the normalised axes)."""
        self._shape = tuple(shape)
        for attribute, wanted, init in (
            ("weight", self.scale, self.gamma_initializer),
            ("bias", self.center, self.beta_initializer),
        ):
            if wanted:
                tensor = torch.empty(shape, device=device, dtype=dtype)
                initialize(tensor, init, shape[0], shape[-1])
                setattr(self, attribute, nn.Parameter(tensor))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        axes = _axes(name, self.axis, x.ndim)
        shape = tuple(x.shape[a] for a in axes)
        if self._shape is None:
            self.build(shape, x.device, x.dtype if x.is_floating_point() else None)
        elif shape != self._shape:
            msg = (
                f"{name}(axis={self.axis}) was built for axes of sizes {self._shape} but "
                f"received inputs of shape {tuple(x.shape)}. Give the data the same sizes, or "
                "use a new layer."
            )
            raise ValueError(msg)
        if axes == list(range(x.ndim - len(axes), x.ndim)):
            return pass_mask(x, F.layer_norm(x, shape, self.weight, self.bias, self.epsilon))
        broadcast = [1] * x.ndim
        for a in axes:
            broadcast[a] = x.shape[a]
        mean = x.mean(dim=axes, keepdim=True)
        var = x.var(dim=axes, keepdim=True, unbiased=False)
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        if self.weight is not None:
            y = y * self.weight.reshape(broadcast)
        if self.bias is not None:
            y = y + self.bias.reshape(broadcast)
        return pass_mask(x, y)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        if self._shape is None:
            for key in ("weight", "bias"):
                if prefix + key in state_dict:
                    self.build(tuple(state_dict[prefix + key].shape))
                    break
        super()._load_from_state_dict(state_dict, prefix, *args)

    def get_config(self) -> dict[str, Any]:
        return {
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": self.beta_initializer,
            "gamma_initializer": self.gamma_initializer,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        return f"shape={self._shape or '?'}, axis={self.axis}, epsilon={self.epsilon}"


# ------------------------------------------------------------------ reshaping
class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (batch axis kept), Keras' ``Reshape``.

    Args:
        target_shape: the new shape without the batch axis; one entry may be -1 (inferred).
        input_shape: the input's shape without the batch axis, for a first layer.
    """

    def __init__(
        self,
        target_shape: tuple[int, ...],
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        valid = (
            isinstance(target_shape, Sequence)
            and not isinstance(target_shape, str)
            and all(_is_int(v) and (v >= 1 or v == -1) for v in target_shape)
            and list(target_shape).count(-1) <= 1
        )
        if not valid:
            msg = (
                "Argument `target_shape` of Reshape must be a tuple of positive ints with at "
                f"most one -1, without the batch axis, e.g. (4, -1). Received: "
                f"target_shape={target_shape!r}"
            )
            raise ValueError(msg)
        self.target_shape = tuple(target_shape)
        self.input_shape = _input_shape("Reshape", input_shape, None)
        if self.input_shape is not None:
            self._check(self.input_shape)

    def _check(self, shape: Sequence[int]) -> None:
        size = math.prod(shape)
        known = math.prod(v for v in self.target_shape if v != -1)
        if size % known if -1 in self.target_shape else size != known:
            msg = (
                f"Reshape(target_shape={self.target_shape}) cannot reshape samples of shape "
                f"{tuple(shape)} ({size} values). Choose a target_shape with {size} values, "
                "or put -1 on one axis to infer it."
            )
            raise ValueError(msg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim < 1:
            msg = (
                f"Reshape expects a batch of samples; received a scalar of shape {tuple(x.shape)}."
            )
            raise ValueError(msg)
        self._check(x.shape[1:])
        return x.reshape(x.shape[0], *self.target_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            "target_shape": list(self.target_shape),
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        return f"target_shape={self.target_shape}"


#: The layers above, for ``layer_registry.LAYERS`` (a saved ``Sequential`` of them is rebuilt
#: by class name).
LAYER_CLASSES: tuple[type[nn.Module], ...] = (
    Conv1D,
    Conv2D,
    MaxPooling1D,
    MaxPooling2D,
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    BatchNormalization,
    LayerNormalization,
    Reshape,
)
