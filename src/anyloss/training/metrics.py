"""Compile metrics: ``"accuracy"`` resolved as Keras does, loss names, and callables.

Each metric is a running mean of per-sample values kept as (sum, count) on the model's device
(:class:`anyloss.container.Mean`); reading ``result()`` is the only host sync. Metrics are
unweighted (Keras' ``metrics=``, not ``weighted_metrics=``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

import anyloss
from anyloss.container import LossesContainer, Mean, flat_outputs
from anyloss.losses._reduction import squeeze_or_expand_to_same_rank

__all__ = [
    "CompileMetrics",
    "MetricWrapper",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
]


def binary_accuracy(
    y_true: torch.Tensor, y_pred: torch.Tensor, threshold: float = 0.5
) -> torch.Tensor:
    """Per-sample fraction of ``(y_pred > threshold) == y_true`` over the last axis."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    hits = ((y_pred > threshold) == (y_true > 0.5)).float()
    return hits.mean(dim=-1) if hits.ndim > 1 else hits


def categorical_accuracy(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Per-sample ``argmax(y_true) == argmax(y_pred)`` for one-hot labels."""
    return (y_true.argmax(dim=-1) == y_pred.argmax(dim=-1)).float()


def sparse_categorical_accuracy(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Per-sample ``y_true == argmax(y_pred)`` for integer labels of shape ``(N,)`` or ``(N, 1)``."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    return (y_true.long() == y_pred.argmax(dim=-1)).float()


_ACCURACIES = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
}


class MetricWrapper:
    """A named running mean of ``fn(y_true, y_pred)`` (per-sample values or a batch mean)."""

    def __init__(self, fn: Callable[..., Any], name: str) -> None:
        self.fn = fn
        self.name = name
        self._mean = Mean(name)

    def update_state(self, y_true: Any, y_pred: torch.Tensor) -> None:
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(y_true, device=y_pred.device)
        values = self.fn(y_true, y_pred)
        if values.numel() == 0:
            return
        count = values.numel() if values.ndim else y_pred.shape[0] if y_pred.ndim else 1
        self._mean.update_state(values.mean(), count)

    def result(self) -> float:
        return self._mean.result()

    def reset_state(self) -> None:
        self._mean.reset_state()

    @property
    def state(self) -> Mean:
        """The underlying (sum, count) pair, for reduction across processes."""
        return self._mean


def _accuracy_for(y_true: Any, y_pred: torch.Tensor, loss: anyloss.Loss | None) -> Callable:
    """Keras' ``"accuracy"``: binary, sparse or categorical from the loss and the shapes."""
    fn = getattr(loss, "fn", None)
    from_logits = bool(
        getattr(
            loss,
            "from_logits",  # built-ins keep it as an attribute
            getattr(loss, "_fn_kwargs", {}).get("from_logits", False),
        )
    )
    true_shape = tuple(getattr(y_true, "shape", ()))
    if (
        fn in (anyloss.binary_crossentropy, anyloss.binary_focal_crossentropy)
        or y_pred.ndim < 2
        or y_pred.shape[-1] == 1
    ):
        # Logits are thresholded at 0, the same decision as probabilities at 0.5 (Keras
        # thresholds logits at 0.5 too, a known trap; anyloss does not).
        threshold = 0.0 if from_logits else 0.5
        return lambda t, p: binary_accuracy(t, p, threshold)
    if (
        fn is anyloss.sparse_categorical_crossentropy
        or len(true_shape) < y_pred.ndim
        or (true_shape and true_shape[-1] == 1)
    ):
        return sparse_categorical_accuracy
    return categorical_accuracy


def _resolve(
    identifier: Any, y_true: Any, y_pred: torch.Tensor, loss: anyloss.Loss | None
) -> tuple[Callable[..., Any], str]:
    if identifier in ("accuracy", "acc"):
        return _accuracy_for(y_true, y_pred, loss), identifier
    if isinstance(identifier, str):
        if identifier in _ACCURACIES:
            return _ACCURACIES[identifier], identifier
        try:
            return anyloss.get(identifier), identifier
        except ValueError as err:
            msg = (
                f"Unknown metric {identifier!r} in `metrics`. Use 'accuracy', one of "
                f"{sorted(_ACCURACIES)}, a loss name such as 'mae', or a callable "
                f"fn(y_true, y_pred). ({err})"
            )
            raise ValueError(msg) from err
    if callable(identifier):
        name = (
            getattr(identifier, "name", None)
            or getattr(identifier, "__name__", None)
            or type(identifier).__name__
        )
        return identifier, name
    msg = (
        f"Could not interpret metric identifier {identifier!r} in `metrics`. Pass a name "
        "such as 'accuracy' or 'mae', or a callable fn(y_true, y_pred)."
    )
    raise ValueError(msg)


class CompileMetrics:
    """The ``metrics=`` of ``compile``, matched to the outputs on the first batch.

    A flat list applies to every output (named ``<output>_<metric>`` when there are several);
    a dict maps output names to a metric or a list; a list of lists goes by position.
    ``container`` is the compiled loss (``None`` for a model compiled without one): it pairs
    targets with outputs and tells ``"accuracy"`` which loss an output has.
    """

    def __init__(
        self,
        metrics: Any,
        container: LossesContainer | None,
        output_names: Sequence[str] | None = None,
    ) -> None:
        if metrics is not None and not isinstance(metrics, (list, tuple, Mapping)):
            msg = (
                f"Argument `metrics` must be a list (e.g. ['accuracy']) or a dict by output "
                f"name. Received: metrics={metrics!r}"
            )
            raise ValueError(msg)
        self.metrics_spec = metrics
        self.container = container
        self.output_names = list(output_names) if output_names is not None else None
        self.built = False
        self.metrics: list[tuple[int, MetricWrapper]] = []

    def _per_output(self, names: list[str]) -> list[Sequence[Any]]:
        spec = self.metrics_spec
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, Mapping):
            unknown = [k for k in spec if k not in names]
            if unknown:
                msg = (
                    f"Argument `metrics` has keys {unknown} that match no output; the "
                    f"outputs are named {names}."
                )
                raise ValueError(msg)
            return [_as_list(spec.get(name)) for name in names]
        if len(names) > 1 and spec and all(isinstance(m, (list, tuple)) or m is None for m in spec):
            if len(spec) != len(names):
                msg = (
                    f"Argument `metrics` is a list of {len(spec)} lists but the model has "
                    f"{len(names)} outputs {names}. Give one list per output."
                )
                raise ValueError(msg)
            return [_as_list(m) for m in spec]
        return [list(spec) for _ in names]

    def build(self, flat: list[tuple[str, Any, torch.Tensor]]) -> None:
        names = [name for name, _, _ in flat]
        losses = self.container.losses if self.container is not None else {}
        for index, (ids, (name, y_true, y_pred)) in enumerate(
            zip(self._per_output(names), flat, strict=True)
        ):
            for identifier in ids:
                fn, metric_name = _resolve(identifier, y_true, y_pred, losses.get(name))
                full_name = f"{name}_{metric_name}" if len(flat) > 1 else metric_name
                self.metrics.append((index, MetricWrapper(fn, full_name)))
        self.built = True

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any) -> None:
        if self.metrics_spec is None:
            return
        flat = (
            self.container.flat_outputs(y_true, y_pred)
            if self.container is not None
            else flat_outputs(y_true, y_pred, self.output_names)
        )
        if not self.built:
            self.build(flat)
        for index, metric in self.metrics:
            _, target, prediction = flat[index]
            metric.update_state(target, prediction.detach())

    def reset_state(self) -> None:
        for _, metric in self.metrics:
            metric.reset_state()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
