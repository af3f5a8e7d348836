"""Keras-named layers as ``torch.nn.Module``s: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``.

``Dense`` uses Keras' initialisers (Glorot-uniform kernel, zero bias), not PyTorch's, and infers
``in_features`` from the first batch when no ``input_shape`` is given, as Keras builds layers.
Each layer has a JSON-safe ``get_config`` so a ``Sequential`` of them saves without pickling.
Any other ``torch.nn.Module`` can sit beside them in a model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from anyloss.training.functional import Layer
from anyloss.training.regularizers import get_regularizer, regularizer_config, weight_penalty

__all__ = [
    "LAYER_CLASSES",
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "get_activation",
    "initialize",
    "mask_of",
    "pass_mask",
    "with_mask",
]

#: Keras' activations by name. ``gelu`` is exact (Keras' default ``approximate=False``),
#: ``leaky_relu`` has Keras' slope 0.2 and ``hard_sigmoid`` is Keras 3's ``relu6(x + 3) / 6``.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "linear": lambda x: x,
    "relu": F.relu,
    "relu6": F.relu6,
    "sigmoid": torch.sigmoid,
    "hard_sigmoid": lambda x: F.relu6(x + 3.0) / 6.0,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "log_softmax": lambda x: torch.log_softmax(x, dim=-1),
    "tanh": torch.tanh,
    "elu": F.elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "gelu": F.gelu,
    "silu": F.silu,
    "swish": F.silu,
    "mish": F.mish,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "exponential": torch.exp,
}


def mask_of(x: Any) -> torch.Tensor | None:
    """``x``'s Keras mask (``x._keras_mask``: ``True`` at the steps that count), or ``None``."""
    return getattr(x, "_keras_mask", None)


def with_mask(out: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``out`` carrying ``mask`` (nothing is set for ``None``)."""
    if mask is not None:
        out._keras_mask = mask  # type: ignore[attr-defined]
    return out


def pass_mask(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``y`` carrying ``x``'s Keras mask: the layers whose Keras twin supports masking pass it
    on, so a loss downstream still skips the padded steps."""
    return with_mask(y, mask_of(x))


def get_activation(identifier: str | Callable[..., Any] | None) -> Callable[..., Any]:
    """An activation by Keras name (``None`` is ``"linear"``), or the callable itself."""
    if identifier is None:
        return ACTIVATIONS["linear"]
    if callable(identifier):
        return identifier
    if identifier in ACTIVATIONS:
        return ACTIVATIONS[identifier]
    msg = (
        f"Unknown activation {identifier!r}. Valid names: {sorted(ACTIVATIONS)}; or pass a "
        "callable such as torch.tanh."
    )
    raise ValueError(msg)


# Keras' VarianceScaling family: (scale, mode, distribution) per initialiser name.
_VARIANCE_SCALING = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
}
# Standard deviation of a standard normal truncated to [-2, 2]: Keras divides by it so the
# truncated distribution keeps the requested variance.
_TRUNCATED_STD = 0.87962566103423978


@torch.no_grad()
def initialize(tensor: torch.Tensor, name: str, fan_in: int, fan_out: int) -> None:
    """Fill ``tensor`` in place with the Keras initialiser ``name``."""
    if name in _VARIANCE_SCALING:
        scale, mode, distribution = _VARIANCE_SCALING[name]
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(1.0, fan)
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            tensor.uniform_(-limit, limit)
        else:
            std = math.sqrt(variance) / _TRUNCATED_STD
            nn.init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)
    elif name == "zeros":
        tensor.zero_()
    elif name == "ones":
        tensor.fill_(1.0)
    elif name == "random_normal":
        tensor.normal_(0.0, 0.05)
    elif name == "random_uniform":
        tensor.uniform_(-0.05, 0.05)
    elif name == "orthogonal":
        nn.init.orthogonal_(tensor)
    else:
        valid = sorted(
            [*_VARIANCE_SCALING, "zeros", "ones", "random_normal", "random_uniform", "orthogonal"]
        )
        msg = f"Unknown initializer {name!r}. Valid names: {valid}."
        raise ValueError(msg)


class Dense(Layer):
    """``activation(x @ kernel + bias)`` on the last axis, like ``keras.layers.Dense``.

    Args:
        units: output size.
        activation: a Keras activation name or a callable (default: linear).
        use_bias: whether to add a bias.
        input_shape: the input's shape without the batch axis; without it ``in_features`` is
            taken from the first batch.
        kernel_initializer: a Keras initialiser name for the kernel.
        bias_initializer: a Keras initialiser name for the bias.
        kernel_regularizer: ``"l1"``, ``"l2"``, ``"l1_l2"``, an ``L1``/``L2``/``L1L2`` or a
            callable on the kernel: its penalty is added to the training loss.
        bias_regularizer: the same for the bias.
        input_dim: Keras 2's spelling of ``input_shape=(input_dim,)``.
        name: the layer's name in ``summary()``, saved configs and output names (default:
            ``dense``, ``dense_1``, ... by position in the model).

    The kernel is stored as ``weight`` of shape ``(units, in_features)``, as ``torch.nn.Linear``.
    """

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        input_shape: tuple[int, ...] | None = None,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        input_dim: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            msg = f"Argument `units` of Dense must be a positive int. Received: units={units!r}"
            raise ValueError(msg)
        if input_dim is not None:
            if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim < 1:
                msg = (
                    "Argument `input_dim` of Dense must be a positive int (the number of input "
                    f"features). Received: input_dim={input_dim!r}"
                )
                raise ValueError(msg)
            if input_shape is not None and tuple(input_shape)[-1:] != (input_dim,):
                msg = (
                    f"Dense got input_dim={input_dim} and input_shape={input_shape!r}, which "
                    "disagree: give one of them."
                )
                raise ValueError(msg)
            input_shape = (input_dim,)
        self._kernel_regularizer_arg = kernel_regularizer
        self._bias_regularizer_arg = bias_regularizer
        self.kernel_regularizer = get_regularizer(kernel_regularizer)
        self.bias_regularizer = get_regularizer(bias_regularizer)
        self.units = units
        self.activation_name = (
            activation
            if isinstance(activation, str) or activation is None
            else getattr(activation, "__name__", "custom")
        )
        self.activation = get_activation(activation)
        self.use_bias = use_bias
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        if self.input_shape is not None:
            self.build(self.input_shape[-1])

    @property
    def built(self) -> bool:
        return self.weight is not None

    def build(self, in_features: int, device: Any = None, dtype: Any = None) -> None:
        """Create the parameters for inputs with ``in_features`` features."""
        weight = torch.empty(self.units, in_features, device=device, dtype=dtype)
        initialize(weight, self.kernel_initializer, in_features, self.units)
        self.weight = nn.Parameter(weight)
        if self.use_bias:
            bias = torch.empty(self.units, device=device, dtype=dtype)
            initialize(bias, self.bias_initializer, in_features, self.units)
            self.bias = nn.Parameter(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None:
            self.build(
                x.shape[-1], device=x.device, dtype=x.dtype if x.is_floating_point() else None
            )
        elif x.ndim == 0 or x.shape[-1] != self.weight.shape[1]:
            raise self._shape_error(x)
        return pass_mask(x, self.activation(F.linear(x, self.weight, self.bias)))

    def _shape_error(self, x: torch.Tensor) -> ValueError:
        expected = self.weight.shape[1]
        received = x.shape[-1] if x.ndim else "no"
        origin = (
            f"input_shape={self.input_shape}"
            if self.input_shape is not None
            else "built from the first batch"
        )
        msg = (
            f"Layer Dense({self.units}) expects inputs with {expected} features on the last "
            f"axis ({origin}), but received inputs of shape {tuple(x.shape)}, with {received} "
            f"features. Give the data {expected} features, or set "
            f"input_shape=({received},) on the first layer."
            if x.ndim
            else f"Layer Dense({self.units}) expects inputs with {expected} features on the "
            f"last axis ({origin}), but received a scalar. Pass an array of shape "
            f"(samples, {expected})."
        )
        return ValueError(msg)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # A checkpoint of a lazily built layer creates the parameters before loading them.
        if self.weight is None and prefix + "weight" in state_dict:
            self.build(state_dict[prefix + "weight"].shape[1])
        super()._load_from_state_dict(state_dict, prefix, *args)

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self._activation_config(),
            "use_bias": self.use_bias,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": regularizer_config(
                "Dense", "kernel_regularizer", self.kernel_regularizer, self._kernel_regularizer_arg
            ),
            "bias_regularizer": regularizer_config(
                "Dense", "bias_regularizer", self.bias_regularizer, self._bias_regularizer_arg
            ),
            "name": self.name,
        }

    def regularization_loss(self) -> torch.Tensor:
        """The ``kernel_regularizer`` and ``bias_regularizer`` penalties (0 when none is set
        or the layer is not built yet)."""
        return weight_penalty(
            (self.kernel_regularizer, self.weight), (self.bias_regularizer, self.bias)
        )

    def _activation_config(self) -> str | None:
        if self.activation_name is None or self.activation_name in ACTIVATIONS:
            return self.activation_name
        msg = (
            f"Dense(activation={self.activation_name!r}) is a custom callable and cannot be "
            "saved by name. Use a Keras activation name, or an Activation-free Dense followed "
            "by your own torch.nn.Module and load with load_model(path, module=...)."
        )
        raise ValueError(msg)

    def extra_repr(self) -> str:
        shape = self.weight.shape[1] if self.weight is not None else "?"
        return f"in_features={shape}, units={self.units}, activation={self.activation_name}"


class Activation(Layer):
    """Applies a Keras activation by name (``Activation("relu")``)."""

    def __init__(self, activation: str, name: str | None = None) -> None:
        super().__init__(name)
        self.activation_name = activation
        self.activation = get_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pass_mask(x, self.activation(x))

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation_name}

    def extra_repr(self) -> str:
        return repr(self.activation_name)


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs during training (inverted dropout, as Keras)."""

    def __init__(self, rate: float, name: str | None = None) -> None:
        super().__init__(name)
        if not 0.0 <= rate < 1.0:
            msg = f"Argument `rate` of Dropout must be in [0, 1). Received: rate={rate!r}"
            raise ValueError(msg)
        self.rate = float(rate)

    def forward(self, x: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        """``training`` (Keras' call argument) overrides the module's train/eval mode."""
        if not (self.training if training is None else training):
            return x  # its mask, if any, is already on it
        return pass_mask(x, F.dropout(x, self.rate, True))

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(x, start_dim=1)

    def get_config(self) -> dict[str, Any]:
        return {}


#: Layers a ``Sequential`` can save as JSON and rebuild on load.
#: The layers above (``layer_registry.LAYERS`` gathers every module's, by class name).
LAYER_CLASSES: tuple[type[nn.Module], ...] = (Dense, Activation, Dropout, Flatten)
