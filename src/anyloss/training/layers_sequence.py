"""Keras-named sequence layers over PyTorch modules: ``Embedding``, ``LSTM``, ``GRU``,
``Bidirectional``, and the merge layers ``Concatenate`` and ``Add``.

Inputs are batch-first ``(batch, timesteps, features)`` as in Keras. Weights use Keras'
initialisers and are created from the first batch when the input size is not given.

Masking follows Keras: ``Embedding(mask_zero=True)`` sets ``out._keras_mask = inputs != 0``; a
recurrent layer reads it, skips the masked steps (the state is carried over them, and so is the
output) and passes the mask on when it returns sequences. anyloss' losses read
``y_pred._keras_mask`` too.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils import rnn as rnn_utils

from anyloss.training.functional import Layer
from anyloss.training.layers import initialize, mask_of, with_mask

__all__ = ["GRU", "LSTM", "Add", "Bidirectional", "Concatenate", "Embedding"]

# Keras' short initialiser names that ``initialize`` knows by their long names.
_ALIASES = {"uniform": "random_uniform", "normal": "random_normal"}


def _init(tensor: torch.Tensor, name: str, fan_in: int, fan_out: int) -> None:
    initialize(tensor, _ALIASES.get(name, name), fan_in, fan_out)


def _positive_int(layer: str, argument: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        msg = f"Argument `{argument}` of {layer} must be a positive int. Received: {argument}={value!r}"
        raise ValueError(msg)
    return value


def _rate(layer: str, argument: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        msg = f"Argument `{argument}` of {layer} must be a float in [0, 1). Received: {argument}={value!r}"
        raise ValueError(msg)
    return float(value)


class Embedding(Layer):
    """Maps integer ids to vectors, like ``keras.layers.Embedding`` (wraps ``nn.Embedding``).

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the vector size.
        embeddings_initializer: a Keras initialiser name (Keras' ``"uniform"``:
            uniform in [-0.05, 0.05]).
        mask_zero: id 0 is padding: the output carries ``_keras_mask = inputs != 0``.
        input_length: the sequence length, used as ``input_shape`` (deprecated in Keras 3).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: str = "uniform",
        mask_zero: bool = False,
        input_length: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        if input_length is not None:
            _positive_int("Embedding", "input_length", input_length)
        self.embeddings_initializer = embeddings_initializer
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.input_shape = (input_length,) if input_length is not None else None
        self.embedding = nn.Embedding(input_dim, output_dim)
        _init(self.embedding.weight, embeddings_initializer, input_dim, output_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ids = x if x.dtype in (torch.int32, torch.int64) else x.long()
        try:
            out = self.embedding(ids)
        except IndexError:
            msg = (
                f"Embedding(input_dim={self.input_dim}) received ids outside [0, "
                f"{self.input_dim - 1}] (min {int(ids.min())}, max {int(ids.max())}). Set "
                "input_dim to the vocabulary size (largest id + 1)."
            )
            raise ValueError(msg) from None
        return with_mask(out, ids != 0 if self.mask_zero else None)

    def get_config(self) -> dict[str, Any]:
        return {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": self.embeddings_initializer,
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }

    def extra_repr(self) -> str:
        return f"{self.input_dim}, {self.output_dim}, mask_zero={self.mask_zero}"


class _RNN(Layer):
    """The shared part of ``LSTM`` and ``GRU``: argument checks, lazy build, masking."""

    _torch_class: Any  # nn.LSTM or nn.GRU
    _gates: int
    _default_recurrent_activation = "sigmoid"

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        use_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        kernel_initializer: str = "glorot_uniform",
        recurrent_initializer: str = "orthogonal",
        bias_initializer: str = "zeros",
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        name = type(self).__name__
        self.units = _positive_int(name, "units", units)
        for argument, value, default in (
            ("activation", activation, "tanh"),
            ("recurrent_activation", recurrent_activation, self._default_recurrent_activation),
        ):
            if value != default:
                msg = (
                    f"{name}({argument}={value!r}) is not supported: torch.nn.{name}'s fused "
                    f"kernels fix it to {default!r}. Use {argument}={default!r}."
                )
                raise ValueError(msg)
        self.activation = activation
        self.recurrent_activation = recurrent_activation
        self.use_bias = bool(use_bias)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.dropout = _rate(name, "dropout", dropout)
        if recurrent_dropout:
            msg = (
                f"{name}(recurrent_dropout={recurrent_dropout!r}) is not supported: "
                f"torch.nn.{name} has no dropout on the recurrent state. Use "
                "recurrent_dropout=0.0 (and `dropout` on the inputs, or a Dropout layer)."
            )
            raise ValueError(msg)
        self.recurrent_dropout = 0.0
        for initializer in (kernel_initializer, recurrent_initializer, bias_initializer):
            _init(torch.empty(2, 2), initializer, 2, 2)  # unknown names fail now, not on build
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        # Keras' Bidirectional zeroes the outputs at masked steps (not a public argument here).
        self.zero_output_for_mask = False
        self.rnn: nn.RNNBase | None = None
        if self.input_shape is not None:
            self.build(self.input_shape[-1])

    @property
    def built(self) -> bool:
        return self.rnn is not None

    def build(self, in_features: int, device: Any = None, dtype: Any = None) -> None:
        """Create the ``torch.nn`` module for inputs with ``in_features`` features."""
        rnn: Any = self._torch_class(
            in_features,
            self.units,
            bias=self.use_bias,
            batch_first=True,
            device=device,
            dtype=dtype,
        )
        g, u = self._gates, self.units
        # Keras' kernels are (in, g*u) and (u, g*u): fans of those shapes.
        _init(rnn.weight_ih_l0, self.kernel_initializer, in_features, g * u)
        _init(rnn.weight_hh_l0, self.recurrent_initializer, u, g * u)
        if self.use_bias:
            self._init_biases(rnn, in_features)
        self.rnn = rnn

    def _init_biases(self, rnn: Any, in_features: int) -> None:
        raise NotImplementedError

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # A checkpoint of a lazily built layer creates the module before loading it.
        key = prefix + "rnn.weight_ih_l0"
        if self.rnn is None and key in state_dict:
            self.build(state_dict[key].shape[1])
        super()._load_from_state_dict(state_dict, prefix, *args)

    def forward(self, x: torch.Tensor, training: bool | None = None) -> Any:
        """``training`` (Keras' call argument) overrides the module's mode for ``dropout``."""
        mask = mask_of(x)
        if x.ndim != 3:
            msg = (
                f"{type(self).__name__} expects inputs of shape (batch, timesteps, features), "
                f"but received shape {tuple(x.shape)}. Add a time axis (x[:, None, :]) or an "
                "Embedding layer before it."
            )
            raise ValueError(msg)
        if self.rnn is None:
            self.build(x.shape[-1], device=x.device, dtype=x.dtype)
        assert self.rnn is not None
        if x.shape[-1] != self.rnn.input_size:
            msg = (
                f"{type(self).__name__}({self.units}) was built for {self.rnn.input_size} "
                f"features but received inputs of shape {tuple(x.shape)}. Give the data "
                f"{self.rnn.input_size} features."
            )
            raise ValueError(msg)
        if (self.training if training is None else training) and self.dropout:
            # Keras' recurrent-layer dropout: one input mask per sequence, for every step.
            keep = torch.empty_like(x[:, :1]).bernoulli_(1.0 - self.dropout)
            x = x * keep / (1.0 - self.dropout)
        if mask is not None:
            mask = mask.to(device=x.device, dtype=torch.bool)
            if tuple(mask.shape) != tuple(x.shape[:2]):
                mask = None
        outputs, states = self._run(x, mask)
        out = outputs if self.return_sequences else outputs[:, -1]
        if self.return_sequences:
            out = with_mask(out, mask)
        return (out, *states) if self.return_state else out

    def _run(
        self, x: torch.Tensor, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Outputs ``(batch, time, units)`` in processing order and the final states."""
        assert self.rnn is not None
        if self.go_backwards:
            x = x.flip(1)
            mask = mask.flip(1) if mask is not None else None
        if mask is None:
            outputs, state = self.rnn(x)
            return outputs, self._states(state)
        return self._masked(x, mask)

    def _masked(
        self, x: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Any mask, as Keras: a masked step leaves the state as it was and repeats the last
        output (zeros before the first valid step, or always with ``zero_output_for_mask``).

        Masked steps change nothing, so the recurrence over the valid steps alone, moved to
        the front of each row, gives the same states: one packed run of the fused kernel
        instead of a step-by-step loop. Outputs are then gathered back to their steps."""
        assert self.rnn is not None
        lengths = mask.sum(1)
        order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)  # valid steps first
        compact = torch.gather(x, 1, order[..., None].expand_as(x))
        packed = rnn_utils.pack_padded_sequence(
            compact, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False
        )
        packed_out, state = self.rnn(packed)
        compact_out, _ = rnn_utils.pad_packed_sequence(
            packed_out, batch_first=True, total_length=x.shape[1]
        )
        empty = (lengths == 0)[:, None]  # a fully masked row keeps the initial zero state
        states = [torch.where(empty, 0.0, s) for s in self._states(state)]
        seen = mask.cumsum(1)  # valid steps up to and including each step
        index = (seen - 1).clamp(min=0)
        outputs = torch.gather(
            compact_out, 1, index[..., None].expand(-1, -1, compact_out.shape[-1])
        )
        keep = mask if self.zero_output_for_mask else (seen > 0)
        outputs = torch.where(keep[..., None], outputs, 0.0)
        return outputs, states

    @staticmethod
    def _states(state: Any) -> list[torch.Tensor]:
        """Keras' state list ``[h]`` or ``[h, c]`` from torch's ``(layers, batch, units)``."""
        if isinstance(state, tuple):
            return [s[0] for s in state]
        return [state[0]]

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "kernel_initializer": self.kernel_initializer,
            "recurrent_initializer": self.recurrent_initializer,
            "bias_initializer": self.bias_initializer,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    def extra_repr(self) -> str:
        size = self.rnn.input_size if self.rnn is not None else "?"
        return (
            f"in_features={size}, units={self.units}, "
            f"return_sequences={self.return_sequences}, go_backwards={self.go_backwards}"
        )


class LSTM(_RNN):
    """Long short-term memory, like ``keras.layers.LSTM`` (wraps ``torch.nn.LSTM``).

    Args:
        units: the state size.
        activation, recurrent_activation: must be ``"tanh"`` and ``"sigmoid"`` (torch's).
        use_bias: whether to add a bias (one per gate, as Keras).
        return_sequences: return every step's output ``(batch, time, units)``, not the last.
        return_state: also return the final ``h`` and ``c``: ``(output, h, c)``.
        go_backwards: process the sequence in reverse (outputs in processing order).
        dropout: fraction of the inputs dropped in training (one mask per sequence).
        recurrent_dropout: only 0.0 (torch has none).
        kernel_initializer, recurrent_initializer, bias_initializer: Keras initialiser names.
        unit_forget_bias: start the forget gate's bias at 1 (Keras' default).
        input_shape: ``(timesteps, features)``; otherwise built from the first batch.

    Keras' kernel ``(in, 4u)``, recurrent kernel and bias are torch's ``rnn.weight_ih_l0.T``,
    ``rnn.weight_hh_l0.T`` and ``rnn.bias_ih_l0`` (same gate order i, f, c, o). Torch's second
    bias ``bias_hh_l0`` is a constant zero buffer, not a weight, so the weights equal Keras'.
    """

    _torch_class = nn.LSTM
    _gates = 4

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        use_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        kernel_initializer: str = "glorot_uniform",
        recurrent_initializer: str = "orthogonal",
        bias_initializer: str = "zeros",
        unit_forget_bias: bool = True,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(
            units,
            activation,
            recurrent_activation,
            use_bias,
            return_sequences,
            return_state,
            go_backwards,
            dropout,
            recurrent_dropout,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            input_shape,
            name=name,
        )

    def _init_biases(self, rnn: Any, in_features: int) -> None:
        u = self.units
        bias = rnn.bias_ih_l0
        _init(bias, self.bias_initializer, in_features, 4 * u)
        if self.unit_forget_bias:
            with torch.no_grad():
                bias[u : 2 * u] = 1.0
        # One bias as in Keras: torch's recurrent bias becomes a constant zero buffer.
        zero = torch.zeros_like(rnn.bias_hh_l0).detach()
        del rnn.bias_hh_l0
        rnn.register_buffer("bias_hh_l0", zero, persistent=False)
        rnn._init_flat_weights()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """Gated recurrent unit, like ``keras.layers.GRU`` with ``reset_after=True`` (wraps
    ``torch.nn.GRU``, which has the same formulation).

    The arguments are :class:`LSTM`'s (``return_state`` adds ``h``), and:

    Args:
        reset_after: only ``True`` (Keras 3's default; torch has no other formulation).

    Keras' gates are ordered z, r, h and torch's r, z, n: Keras' kernel ``[:, u:2u]`` (r) is
    torch's ``weight_ih_l0[:u].T``, ``[:, :u]`` (z) is ``[u:2u].T``, the rest is ``[2u:].T``
    (likewise the recurrent kernel). Keras' bias ``(2, 3u)`` is ``bias_ih_l0`` and ``bias_hh_l0``.
    """

    _torch_class = nn.GRU
    _gates = 3

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        use_bias: bool = True,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        kernel_initializer: str = "glorot_uniform",
        recurrent_initializer: str = "orthogonal",
        bias_initializer: str = "zeros",
        reset_after: bool = True,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
    ) -> None:
        if reset_after is not True:
            msg = (
                f"GRU(reset_after={reset_after!r}) is not supported: torch.nn.GRU applies the "
                "reset gate after the recurrent matmul. Use reset_after=True (Keras 3's default)."
            )
            raise ValueError(msg)
        self.reset_after = True
        super().__init__(
            units,
            activation,
            recurrent_activation,
            use_bias,
            return_sequences,
            return_state,
            go_backwards,
            dropout,
            recurrent_dropout,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            input_shape,
            name=name,
        )

    def _init_biases(self, rnn: Any, in_features: int) -> None:
        for bias in (rnn.bias_ih_l0, rnn.bias_hh_l0):
            _init(bias, self.bias_initializer, in_features, 3 * self.units)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "reset_after": self.reset_after}


_RECURRENT: dict[str, type[_RNN]] = {"LSTM": LSTM, "GRU": GRU}
_MERGE_MODES = ("concat", "sum", "ave", "mul", None)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards and merges them, like
    ``keras.layers.Bidirectional``.

    Args:
        layer: an ``LSTM`` or ``GRU`` (or its ``{"class_name", "config"}``); two new
            layers are made from its config, as in Keras.
        merge_mode: ``"concat"``, ``"sum"``, ``"ave"``, ``"mul"`` or ``None`` (a tuple).

    The backward copy has ``go_backwards=True``; its sequence output is flipped back to time
    order. With a mask and ``return_sequences``, masked steps output zeros (as Keras).
    """

    def __init__(
        self,
        layer: _RNN | dict[str, Any],
        merge_mode: str | None = "concat",
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        if isinstance(layer, dict) and layer.get("class_name") in _RECURRENT:
            layer = _RECURRENT[layer["class_name"]](**layer.get("config", {}))
        if not isinstance(layer, _RNN):
            msg = (
                "Argument `layer` of Bidirectional must be an LSTM or GRU layer of "
                f"anyloss.layers. Received: layer={layer!r}"
            )
            raise ValueError(msg)
        if merge_mode not in _MERGE_MODES:
            msg = (
                f"Argument `merge_mode` of Bidirectional must be one of {list(_MERGE_MODES)}. "
                f"Received: merge_mode={merge_mode!r}"
            )
            raise ValueError(msg)
        self.merge_mode = merge_mode
        config = layer.get_config()
        self.forward_layer = type(layer)(**{**config, "go_backwards": False})
        self.backward_layer = type(layer)(**{**config, "go_backwards": True})
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = self.return_sequences
        self.input_shape = layer.input_shape

    @property
    def built(self) -> bool:
        return self.forward_layer.built

    def forward(self, x: torch.Tensor, training: bool | None = None) -> Any:
        y = self.forward_layer(x, training=training)
        y_rev = self.backward_layer(x, training=training)
        states: list[torch.Tensor] = []
        if self.return_state:
            states = [*y[1:], *y_rev[1:]]
            y, y_rev = y[0], y_rev[0]
        mask = mask_of(y)
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            out: Any = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            out = y + y_rev
        elif self.merge_mode == "ave":
            out = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            out = y * y_rev
        else:
            out = (y, y_rev)
        if isinstance(out, torch.Tensor):
            out = with_mask(out, mask)
            return (out, *states) if self.return_state else out
        return (*out, *states)

    def get_config(self) -> dict[str, Any]:
        config = self.forward_layer.get_config()
        return {
            "layer": {"class_name": type(self.forward_layer).__name__, "config": config},
            "merge_mode": self.merge_mode,
        }


def _inputs_list(layer: str, inputs: tuple[Any, ...]) -> list[torch.Tensor]:
    found = (
        list(inputs[0])
        if len(inputs) == 1 and isinstance(inputs[0], (list, tuple))
        else list(inputs)
    )
    if len(found) < 2 or not all(isinstance(t, torch.Tensor) for t in found):
        msg = (
            f"{layer} needs a list of at least 2 tensors, e.g. {layer.lower()}([a, b]). "
            f"Received: {[type(t).__name__ for t in found]}"
        )
        raise ValueError(msg)
    return found


class Concatenate(Layer):
    """Concatenates a list of tensors along ``axis``, like ``keras.layers.Concatenate``.

    Args:
        axis: the axis to join on (default: the last).
    """

    def __init__(self, axis: int = -1, name: str | None = None) -> None:
        super().__init__(name)
        if not isinstance(axis, int) or isinstance(axis, bool):
            msg = f"Argument `axis` of Concatenate must be an int. Received: axis={axis!r}"
            raise ValueError(msg)
        self.axis = axis

    def forward(self, *inputs: Any) -> torch.Tensor:
        tensors = _inputs_list("Concatenate", inputs)
        try:
            out = torch.cat(tensors, dim=self.axis)
        except (RuntimeError, IndexError):
            msg = (
                f"Concatenate(axis={self.axis}) needs inputs whose shapes match except on axis "
                f"{self.axis}. Received shapes {[tuple(t.shape) for t in tensors]}."
            )
            raise ValueError(msg) from None
        return with_mask(out, self._mask(tensors))

    def _mask(self, tensors: list[torch.Tensor]) -> torch.Tensor | None:
        """Keras' rule: each input's mask (all True where it has none) broadcast to the input's
        shape, joined on ``axis``, then ``any`` over the last axis: timestep masks joined on
        the features axis are OR-ed; joined on the time axis they are concatenated."""
        masks = [mask_of(t) for t in tensors]
        if all(m is None for m in masks):
            return None
        full = []
        for tensor, mask in zip(tensors, masks, strict=True):
            if mask is None:
                full.append(torch.ones_like(tensor, dtype=torch.bool))
            elif mask.ndim < tensor.ndim:
                full.append(mask.to(torch.bool)[..., None].expand(tensor.shape))
            else:
                full.append(mask.to(torch.bool))
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class Add(Layer):
    """Adds a list of tensors of the same shape, like ``keras.layers.Add``."""

    def forward(self, *inputs: Any) -> torch.Tensor:
        tensors = _inputs_list("Add", inputs)
        shapes = {tuple(t.shape) for t in tensors}
        if len(shapes) > 1:
            msg = (
                "Add needs inputs of the same shape. Received shapes "
                f"{[tuple(t.shape) for t in tensors]}."
            )
            raise ValueError(msg)
        out = tensors[0]
        for t in tensors[1:]:
            out = out + t
        # Keras' merge rule: the OR of the inputs' masks, none if an input has none.
        masks = [m for m in (mask_of(t) for t in tensors) if m is not None]
        if len(masks) < len(tensors):
            return out
        mask = masks[0]
        for m in masks[1:]:
            mask = mask | m
        return with_mask(out if len(tensors) > 1 else out.clone(), mask)

    def get_config(self) -> dict[str, Any]:
        return {}


def concatenate(inputs: Any, axis: int = -1, name: str | None = None) -> Any:
    """Keras' functional form ``keras.layers.concatenate([a, b])``:
    ``Concatenate(axis=axis, name=name)(inputs)``."""
    return Concatenate(axis=axis, name=name)(inputs)


def add(inputs: Any, name: str | None = None) -> Any:
    """Keras' functional form ``keras.layers.add([a, b])``: ``Add(name=name)(inputs)``."""
    return Add(name=name)(inputs)


#: The layers above, for ``layer_registry.LAYERS`` (a saved ``Sequential`` of them is rebuilt
#: by class name).
LAYER_CLASSES: tuple[type[nn.Module], ...] = (
    Embedding,
    LSTM,
    GRU,
    Bidirectional,
    Concatenate,
    Add,
)
