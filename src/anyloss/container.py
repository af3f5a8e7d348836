"""``LossesContainer``: the multi-output loss that ``compile`` builds (Keras' ``CompileLoss``).

The container resolves nothing when it is created. Its first call sees the model's outputs,
resolves every identifier with :func:`anyloss.get`, matches losses, weights and names to the
outputs, and raises ``ValueError`` on any mismatch (decision D8: Keras silently truncates a
short loss list and pairs list losses with dict weights by sorted key). Per-output metrics are
named after the outputs (D9), so two outputs with the same loss never collide.

Works on any array library: the total is a 0-d array of ``y_pred``'s library. Running means
keep a (sum, count) pair on the arrays' device, so training never syncs with the host per step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from anyloss import backend as B
from anyloss.losses import Loss, LossFunctionWrapper, get
from anyloss.losses._base import snake_case
from anyloss.losses._reduction import LossParts

__all__ = ["LossesContainer", "Mean", "batch_size", "flat_outputs", "flatten_with_path"]

Path = tuple[Any, ...]


class Mean:
    """A running mean kept as (weighted sum, total weight), read as a float only on demand.

    ``update_state(value, weight)`` adds ``value * weight`` without leaving the value's device;
    ``result()`` is the single host read. JAX tracers (inside ``jax.jit``) are not tracked.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        """Forget every update."""
        self.total: Any = 0.0
        self.count: float = 0.0

    def update_state(self, value: Any, weight: float = 1.0) -> None:
        """Add ``value`` (a scalar array or number) with ``weight`` (e.g. the batch size)."""
        if B.is_array(value):
            if not B.is_concrete(value):
                return
            value = B.stop_gradient(B.namespace(value), value)
        self.total = self.total + value * weight
        self.count += weight

    def result(self) -> float:
        """The mean so far, as a Python float (0.0 before any update)."""
        if not self.count:
            return 0.0
        return float(self.total) / self.count

    def __float__(self) -> float:
        return self.result()

    def add(self, total: Any, count: float) -> None:
        """Add a weighted sum and its weight directly (e.g. one process' share of a global
        mean: the shares' totals and counts add up over processes)."""
        if B.is_array(total):
            total = B.stop_gradient(B.namespace(total), total)
        self.total = self.total + total
        self.count += count

    def __repr__(self) -> str:
        return f"Mean(name={self.name!r}, result={self.result():.6g})"


class OutputParts(NamedTuple):
    """One output's loss parts in a :class:`LossesContainer` (see ``parts``)."""

    name: str
    weight: float
    parts: LossParts
    metric: Mean | None


@dataclass
class _Entry:
    """One output that has a loss: where it sits, its name, the loss object and weight."""

    index: int
    name: str
    loss: Loss
    weight: float
    metric: Mean | None


def _is_nested(value: Any) -> bool:
    return isinstance(value, (Mapping, list, tuple))


def flatten_with_path(struct: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """``(path, leaf)`` pairs in the structure's own order (dicts in insertion order); a path is
    the tuple of keys and list positions leading to the leaf. ``None`` leaves are kept."""
    if isinstance(struct, Mapping):
        return [
            pair for key, value in struct.items() for pair in flatten_with_path(value, (*path, key))
        ]
    if isinstance(struct, (list, tuple)):
        return [
            pair for i, value in enumerate(struct) for pair in flatten_with_path(value, (*path, i))
        ]
    return [(path, struct)]


def batch_size(y_pred: Any) -> int:
    """The first dimension of ``y_pred``'s first leaf (1 for a scalar or an unknown size)."""
    leaf = flatten_with_path(y_pred)[0][1]
    if not getattr(leaf, "ndim", 0):
        return 1
    size = B.shape(leaf)[0]
    return 1 if size is None else int(size)


def describe(struct: Any) -> str:
    """A structure with every leaf printed as ``*``: ``{'a': *, 'b': [*, *]}``."""
    if isinstance(struct, Mapping):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in struct.items()) + "}"
    if isinstance(struct, tuple):
        return (
            "(" + ", ".join(describe(v) for v in struct) + ("," if len(struct) == 1 else "") + ")"
        )
    if isinstance(struct, list):
        return "[" + ", ".join(describe(v) for v in struct) + "]"
    return "*"


def _path_name(path: Path) -> str:
    """tf-keras' pseudo output names: int positions become ``output_<i+1>``, keys stay."""
    return "_".join(f"output_{p + 1}" if isinstance(p, int) else str(p) for p in path)


class LossesContainer:
    """The loss of a (multi-output) model, matched to its outputs on the first call.

    Args:
        loss: one identifier (applied to every output), a list/tuple (by position), or a dict
            (by output name); nested structures follow the outputs. Entries go through
            :func:`anyloss.get`; ``None`` means "no loss for this output".
        loss_weights: a number (multiplies every output's loss), or a list/dict shaped like
            ``loss`` or the outputs; dict weights pair with outputs by name.
        output_names: the flat outputs' names. Default: dict keys, else ``output_1``,
            ``output_2``, ... (one-based, as tf-keras).

    Calling ``container(y_true, y_pred, sample_weight=None)`` returns the weighted total as a
    0-d array of ``y_pred``'s library. ``sample_weight`` is one array for every output or a
    list/dict with one entry per output. ``metrics`` maps ``"loss"`` and, with more than one
    output, ``"<output>_loss"`` (unweighted) to running :class:`Mean` objects, weighted by
    batch size.
    """

    def __init__(
        self, loss: Any, loss_weights: Any = None, output_names: Sequence[str] | None = None
    ) -> None:
        if loss_weights is not None and not isinstance(loss_weights, (Real, Mapping, list, tuple)):
            msg = (
                "Argument `loss_weights` must be a number (every output) or a list/tuple/dict "
                "(one weight per output). Received: "
                f"loss_weights={loss_weights!r} of type {type(loss_weights).__name__}"
            )
            raise ValueError(msg)
        if output_names is not None and (
            isinstance(output_names, str) or not all(isinstance(n, str) for n in output_names)
        ):
            msg = (
                "Argument `output_names` must be a list of strings, one per output. "
                f"Received: output_names={output_names!r}"
            )
            raise ValueError(msg)
        self.loss = loss
        self.loss_weights = loss_weights
        self.output_names = list(output_names) if output_names is not None else None
        self.built = False
        self._entries: list[_Entry] = []
        self._structure: str | None = None
        self._names: list[str] = []
        self._total = Mean("loss")

    # ------------------------------------------------------------------ building
    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolve the identifiers and match them to ``y_pred``'s outputs (first call only)."""
        outputs = flatten_with_path(y_pred)
        names = _output_names(y_pred, outputs, self.output_names)
        losses = self._per_output(self.loss, y_pred, names, "loss")
        weights = self._per_output(self.loss_weights, y_pred, names, "loss_weights")
        trues = _per_output_values(y_true, y_pred, names, "y_true")
        entries = []
        for i, (identifier, weight) in enumerate(zip(losses, weights, strict=True)):
            if identifier is None:
                continue
            weight = 1.0 if weight is None else weight
            if (
                isinstance(weight, bool)
                or not isinstance(weight, Real)
                or not math.isfinite(weight)
            ):
                msg = (
                    f"Argument `loss_weights` must hold numbers (finite, not NaN or inf); "
                    f"output {names[i]!r} got {weight!r}. Pass e.g. "
                    f"loss_weights={{{names[i]!r}: 0.5}}."
                )
                raise ValueError(msg)
            obj = self._resolve(identifier, trues[i], outputs[i][1])
            entries.append(_Entry(i, names[i], obj, float(weight), None))
        if not entries:
            msg = (
                f"No loss to compute: every output's loss is None (loss={self.loss!r}). "
                "Provide a `loss` argument in compile(), e.g. loss='mse'."
            )
            raise ValueError(msg)
        if len(outputs) > 1:
            for entry in entries:
                entry.metric = Mean(f"{entry.name}_loss")
        self._entries = entries
        self._names = names
        self._structure = describe(y_pred)
        self.built = True

    def _per_output(self, spec: Any, y_pred: Any, names: list[str], arg: str) -> list[Any]:
        """``spec`` (loss or weights) as one entry per flat output; raises on a mismatch."""
        n = len(names)
        if not _is_nested(spec):
            return [spec] * n
        if isinstance(spec, Mapping) and not isinstance(y_pred, Mapping):
            unknown = [k for k in spec if k not in names]
            if unknown:
                msg = (
                    f"Argument `{arg}` has keys {unknown} that match no output. The model's "
                    f"outputs are named {names}; given {arg}={_describe_keys(spec)}. Use those "
                    "names as keys, or pass `output_names` to name the outputs."
                )
                raise ValueError(msg)
            return [spec.get(name) for name in names]
        if isinstance(spec, (list, tuple)) and not _is_nested(y_pred):
            if len(spec) != 1:
                msg = (
                    f"Argument `{arg}` is a {type(spec).__name__} of {len(spec)} entries but "
                    f"the model has a single output. Expected structure: *; given: "
                    f"{describe(spec)}. Pass a single value instead of a list, or make the model "
                    "return one output per entry."
                )
                raise ValueError(msg)
            return [spec[0]]
        if (
            isinstance(spec, (list, tuple))
            and isinstance(y_pred, Mapping)
            and len(spec) == n
            and not any(_is_nested(s) for s in spec)
        ):
            return list(spec)
        matched = _match(spec, y_pred, arg)
        if len(matched) != n:
            raise _mismatch(arg, spec, y_pred)
        return matched

    def _resolve(self, identifier: Any, y_true: Any, y_pred: Any) -> Loss:
        name = identifier if isinstance(identifier, str) else None
        if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
            identifier = _crossentropy_for(y_true, y_pred)
        obj = get(identifier)
        if isinstance(obj, Loss):
            return obj
        if type(obj).__module__.startswith("torch.nn"):
            msg = (
                f"Argument `loss` got the PyTorch loss module {obj!r}. PyTorch losses take "
                "(input, target) and reduce to a scalar, Keras losses take (y_true, y_pred) "
                "and return one value per sample, so it is not accepted silently. Use the "
                "anyloss equivalent (e.g. 'mse', 'sparse_categorical_crossentropy') or "
                "wrap it: `def my_loss(y_true, y_pred): return torch_loss(y_pred, y_true)`."
            )
            raise ValueError(msg)
        if name is None:
            name = getattr(obj, "name", None) or snake_case(
                getattr(obj, "__name__", None) or type(obj).__name__
            )
        return LossFunctionWrapper(obj, name=name)

    # ------------------------------------------------------------------ calling
    def _inputs(
        self, y_true: Any, y_pred: Any, sample_weight: Any
    ) -> list[tuple[_Entry, Any, Any, Any]]:
        """``(entry, y_true, y_pred, sample_weight)`` of every output that has a loss."""
        if not self.built:
            self.build(y_true, y_pred)
        outputs = flatten_with_path(y_pred)
        if describe(y_pred) != self._structure:
            msg = (
                f"y_pred's structure changed since the container was built: expected "
                f"{self._structure}, given {describe(y_pred)}."
            )
            raise ValueError(msg)
        trues = _per_output_values(y_true, y_pred, self._names, "y_true")
        weights = _per_output_values(sample_weight, y_pred, self._names, "sample_weight")
        found = []
        for entry in self._entries:
            target = trues[entry.index]
            if target is None:
                msg = (
                    f"Target data is missing for output {entry.name!r}, which has the loss "
                    f"{entry.loss.name!r}. Pass its labels in `y` (e.g. "
                    f"y={{{entry.name!r}: labels}}) or set its loss to None."
                )
                raise ValueError(msg)
            found.append((entry, target, outputs[entry.index][1], weights[entry.index]))
        return found

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The weighted sum of every output's loss, a 0-d array of ``y_pred``'s library."""
        inputs = self._inputs(y_true, y_pred, sample_weight)
        size = batch_size(flatten_with_path(y_pred)[0][1])
        total = None
        for entry, target, pred, weight in inputs:
            value = entry.loss(target, pred, sample_weight=weight)
            if B.shape(value) == (0,):
                # An empty batch (a process' empty share of a short last batch) adds 0, still
                # connected to the graph so every process runs the same backward.
                value = B.namespace(value).sum(value)
            if entry.metric is not None:
                entry.metric.update_state(value, size)
            if entry.weight != 1.0:
                value = value * entry.weight
            total = value if total is None else total + value
        self._total.update_state(total, size)
        if isinstance(total, np.generic):
            total = np.asarray(total)
        return total

    def parts(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> list[OutputParts]:
        """Every output's loss as :class:`~anyloss.LossParts`, for a reduction over shards.

        Unlike calling the container, this updates no running mean: the caller knows the
        global values (``fit`` does, and :func:`anyloss.distributed.global_loss` combines the
        parts with the ``weight`` of each).

        Returns:
            One :class:`OutputParts` ``(name, weight, parts, metric)`` per output with a loss.
        """
        return [
            OutputParts(
                entry.name, entry.weight, entry.loss.parts(target, pred, weight), entry.metric
            )
            for entry, target, pred, weight in self._inputs(y_true, y_pred, sample_weight)
        ]

    @property
    def total_metric(self) -> Mean:
        """The running mean of the weighted total (``"loss"``)."""
        return self._total

    def flat_outputs(self, y_true: Any, y_pred: Any) -> list[tuple[str, Any, Any]]:
        """``(output name, y_true, y_pred)`` for every flat output, in output order."""
        if not self.built:
            self.build(y_true, y_pred)
        return flat_outputs(y_true, y_pred, self._names)

    @property
    def metrics(self) -> dict[str, Mean]:
        """``{"loss": Mean, "<output>_loss": Mean, ...}`` (per-output only for several outputs)."""
        found = {"loss": self._total}
        found.update({e.metric.name: e.metric for e in self._entries if e.metric is not None})
        return found

    def reset_state(self) -> None:
        """Reset every running mean (Keras does this at the start of each epoch)."""
        for metric in self.metrics.values():
            metric.reset_state()

    @property
    def losses(self) -> dict[str, Loss]:
        """``{output name: resolved Loss}`` once built."""
        return {entry.name: entry.loss for entry in self._entries}

    def __repr__(self) -> str:
        state = f"losses={self.losses}" if self.built else f"loss={self.loss!r}, built=False"
        return f"LossesContainer({state})"


def _output_names(
    y_pred: Any, outputs: list[tuple[Path, Any]], given: Sequence[str] | None
) -> list[str]:
    """One name per flat output: ``given`` (checked), dict keys/paths, else ``output_<i>``."""
    if given is not None:
        if len(given) != len(outputs):
            msg = (
                f"Argument `output_names` has {len(given)} names "
                f"{given} but the model returns {len(outputs)} outputs: "
                f"{describe(y_pred)}. Pass one name per output."
            )
            raise ValueError(msg)
        return list(given)
    if not _is_nested(y_pred):
        return ["output_1"]
    names = [_path_name(path) for path, _ in outputs]
    if len(set(names)) != len(names):
        names = [f"output_{i + 1}" for i in range(len(outputs))]
    return names


def _per_output_values(values: Any, y_pred: Any, names: list[str], arg: str) -> list[Any]:
    """``y_true`` or ``sample_weight`` as one value per flat output."""
    n = len(names)
    if n == 1:
        if isinstance(values, Mapping):
            if len(values) == 1:
                return list(values.values())
            raise _mismatch(arg, values, y_pred)
        if isinstance(values, (list, tuple)) and len(values) == 1 and _is_arraylike(values[0]):
            return [values[0]]
        return [values]
    if values is None:
        return [None] * n
    if isinstance(values, Mapping) and not isinstance(y_pred, Mapping):
        unknown = [k for k in values if k not in names]
        if unknown:
            msg = (
                f"Argument `{arg}` has keys {unknown} that match no output; the outputs "
                f"are named {names}."
            )
            raise ValueError(msg)
        return [values.get(name) for name in names]
    if isinstance(values, (list, tuple)) and isinstance(y_pred, Mapping) and len(values) == n:
        return list(values)
    if not _is_nested(values):
        if arg == "sample_weight":
            return [values] * n
        raise _mismatch(arg, values, y_pred)
    matched = _match(values, y_pred, arg)
    if len(matched) != n:
        raise _mismatch(arg, values, y_pred)
    return matched


def flat_outputs(
    y_true: Any, y_pred: Any, output_names: Sequence[str] | None = None
) -> list[tuple[str, Any, Any]]:
    """``(output name, y_true, y_pred)`` for every flat output, in output order (no loss
    needed: how a model compiled without a loss pairs its metrics with its outputs)."""
    outputs = flatten_with_path(y_pred)
    names = _output_names(y_pred, outputs, output_names)
    trues = _per_output_values(y_true, y_pred, names, "y_true")
    return [(name, t, p) for name, t, (_, p) in zip(names, trues, outputs, strict=True)]


def _describe_keys(spec: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k!r}: ..." for k in spec) + "}"


def _is_arraylike(value: Any) -> bool:
    return B.is_array(value) or isinstance(value, (list, np.ndarray))


def _mismatch(arg: str, given: Any, y_pred: Any) -> ValueError:
    msg = (
        f"Argument `{arg}` does not match the model's outputs. Expected structure: "
        f"{describe(y_pred)}; given: {describe(given)}. Give one entry per output (a list "
        "in output order, or a dict keyed by output name)."
    )
    return ValueError(msg)


def _match(spec: Any, y_pred: Any, arg: str) -> list[Any]:
    """Walk ``spec`` along ``y_pred``'s structure: one entry per output leaf."""
    if not _is_nested(y_pred):
        if _is_nested(spec) and not (
            arg in ("y_true", "sample_weight")
            and isinstance(spec, (list, tuple))
            and not any(_is_nested(s) for s in spec)
        ):
            raise _mismatch(arg, spec, y_pred)
        return [spec]
    if not _is_nested(spec):
        return [spec] * len(flatten_with_path(y_pred))
    if isinstance(y_pred, Mapping):
        if not isinstance(spec, Mapping):
            raise _mismatch(arg, spec, y_pred)
        unknown = [k for k in spec if k not in y_pred]
        if unknown:
            raise _mismatch(arg, spec, y_pred)
        return [v for key, sub in y_pred.items() for v in _match(spec.get(key), sub, arg)]
    if not isinstance(spec, (list, tuple)) or len(spec) != len(y_pred):
        raise _mismatch(arg, spec, y_pred)
    return [v for s, sub in zip(spec, y_pred, strict=True) for v in _match(s, sub, arg)]


def _crossentropy_for(y_true: Any, y_pred: Any) -> str:
    """Keras 3's ``"crossentropy"``: binary, sparse or categorical from the shapes."""
    pred_shape, true_shape = (
        B.shape(y_pred),
        np.shape(y_true) if not B.is_array(y_true) else B.shape(y_true),
    )
    if pred_shape and pred_shape[-1] == 1:
        return "binary_crossentropy"
    if len(true_shape) < len(pred_shape) or (
        true_shape and true_shape[-1] == 1 and pred_shape[-1] > 1
    ):
        return "sparse_categorical_crossentropy"
    return "categorical_crossentropy"
