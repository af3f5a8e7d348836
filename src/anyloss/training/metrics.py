"""Compile metrics: Keras' metric names and classes on torch tensors.

``compile(metrics=[...])`` takes ``"accuracy"`` (resolved as Keras does), Keras' metric names
(``"top_k_categorical_accuracy"``, ``"auc"``, ``"precision"``, ...), loss names, callables and
metric objects (:class:`AUC`, :class:`Precision`, ...); ``weighted_metrics=[...]`` the same,
weighted by the ``sample_weight`` given to ``fit``/``evaluate``.

Mean metrics keep a (weighted sum, total weight) pair on the model's device; confusion metrics
(``AUC``, ``Precision``, ``Recall``) keep their true/false positive/negative counts per
threshold there, accumulated over the epoch. Reading ``result()`` is the only host sync. The
formulas, thresholds and bucketing are Keras 3's, in float32 as Keras computes them.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

import anyloss
from anyloss.container import LossesContainer, _per_output_values, flat_outputs

__all__ = [
    "AUC",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "CompileMetrics",
    "MeanMetricWrapper",
    "Metric",
    "MetricWrapper",
    "Precision",
    "Recall",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "deserialize_metrics",
    "serialize_metrics",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]

#: Keras' ``backend.epsilon()``: AUC's outer thresholds are ``-epsilon`` and ``1 + epsilon``.
EPSILON = 1e-7
#: Keras' ``NEG_INF``: the value of the predictions outside the top k (``top_k=``).
NEG_INF = -1e10


# ---------------------------------------------------------------------------- functions
def binary_accuracy(
    y_true: torch.Tensor, y_pred: torch.Tensor, threshold: float = 0.5
) -> torch.Tensor:
    """Per-sample fraction of ``(y_pred > threshold) == y_true`` over the last axis."""
    y_true, y_pred = _same_rank(y_true, y_pred)
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


def _in_top_k(targets: torch.Tensor, scores: torch.Tensor, k: int) -> torch.Tensor:
    """Keras' ``ops.in_top_k``: the target's score is at least the k-th largest (ties count)."""
    k = min(int(k), scores.shape[-1])
    kth = torch.topk(scores, k, dim=-1).values[..., -1:]
    return (scores.gather(-1, targets.long().unsqueeze(-1)) >= kth).squeeze(-1)


def top_k_categorical_accuracy(
    y_true: torch.Tensor, y_pred: torch.Tensor, k: int = 5
) -> torch.Tensor:
    """Per-sample 1.0 when the true class of one-hot ``y_true`` is among the ``k`` highest
    scores of ``y_pred`` (ties with the k-th score count, as in Keras), else 0.0."""
    targets = y_true.argmax(dim=-1)
    shape = targets.shape
    scores = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    return _in_top_k(targets.reshape(-1), scores, k).float().reshape(shape)


def sparse_top_k_categorical_accuracy(
    y_true: torch.Tensor, y_pred: torch.Tensor, k: int = 5
) -> torch.Tensor:
    """Per-sample 1.0 when the integer label ``y_true`` is among the ``k`` highest scores of
    ``y_pred``, else 0.0, shaped like ``y_true`` (labels of shape ``(N,)`` or ``(N, 1)``)."""
    shape = y_true.shape
    scores = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    return _in_top_k(y_true.reshape(-1), scores, k).float().reshape(shape)


_ACCURACIES: dict[str, Callable[..., torch.Tensor]] = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
}


# ---------------------------------------------------------------------------- base classes
class Metric:
    """Base of the stateful metrics (Keras' ``Metric`` API): ``update_state(y_true, y_pred,
    sample_weight=None)`` adds a batch, ``result()`` reads the value (a float), and
    ``reset_state()`` forgets every batch (``fit`` does at each epoch's start).

    Subclasses keep their state as tensors listed by ``variables()`` (summed across processes
    in distributed training) and compute the result from them in ``result_from``.
    """

    #: Whether a larger value is better (what ``mode="auto"`` of the callbacks would pick).
    direction = "up"

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            msg = f"{type(self).__name__}: argument `name` must be a string. Received: {name!r}"
            raise ValueError(msg)
        self.name = name or _snake(type(self).__name__)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def variables(self) -> list[torch.Tensor]:
        """The state tensors (empty before the first update)."""
        return []

    def result_from(self, variables: Sequence[torch.Tensor]) -> Any:
        raise NotImplementedError

    def result(self) -> Any:
        """The metric's value over every batch since the last reset (a float)."""
        variables = self.variables()
        return self.result_from(variables) if variables else 0.0

    def reset_state(self) -> None:
        raise NotImplementedError

    @property
    def state(self) -> Metric:
        """What ``fit`` reads the logs from (and reduces across processes)."""
        return self

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (Keras' ``get_config``), JSON-safe."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Metric:
        return cls(**config)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """``update_state`` then ``result()`` (Keras' ``metric(y_true, y_pred)``)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _snake(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and (not name[i - 1].isupper() or name[i + 1 : i + 2].islower()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _same_rank(
    x1: torch.Tensor, x2: torch.Tensor, expand_rank_1: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keras' ``squeeze_or_expand_to_same_rank`` (with its ``expand_rank_1`` switch)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _as_tensor(value: Any, like: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(like.device) if dtype is None else value.to(like.device, dtype)
    return torch.as_tensor(np.asarray(value), device=like.device, dtype=dtype)


class MetricWrapper(Metric):
    """A named (weighted) running mean of ``fn(y_true, y_pred)`` (per-sample values or a
    batch mean): Keras' ``MeanMetricWrapper``.

    Values are first averaged per sample (over timesteps...), then over the samples, weighted
    by ``sample_weight`` when given (``sum(w * value) / sum(w)``), as Keras does. A function
    that returns one value per batch counts it once per sample of the batch (Keras counts it
    once).
    """

    direction = "up"

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        if not callable(fn):
            msg = f"MetricWrapper: argument `fn` must be a function. Received: fn={fn!r}"
            raise ValueError(msg)
        super().__init__(name or getattr(fn, "__name__", None) or type(fn).__name__)
        self.fn = fn
        self._fn_kwargs = kwargs
        self.reset_state()

    def reset_state(self) -> None:
        self.total: Any = 0.0
        self.count: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not isinstance(y_pred, torch.Tensor):
            y_pred = torch.as_tensor(np.asarray(y_pred))
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(np.asarray(y_true), device=y_pred.device)
        values = self.fn(y_true, y_pred, **self._fn_kwargs)
        if not isinstance(values, torch.Tensor):
            values = torch.as_tensor(np.asarray(values), device=y_pred.device)
        values = values.detach()
        if values.numel() == 0:
            return
        if not values.is_floating_point():
            values = values.float()
        if sample_weight is None:
            if values.ndim > 1:  # Keras averages per sample, then over the samples
                values = values.mean(dim=tuple(range(1, values.ndim)))
            # A batch mean (0-d) counts as many samples as the batch has.
            count = values.shape[0] if values.ndim else y_pred.shape[0] if y_pred.ndim else 1
            self.total = self.total + (values.sum() if values.ndim else values * count)
            self.count += count
            return
        # Keras' reduce_to_samplewise_values, then sum(values) / sum(weights).
        weight = _as_tensor(sample_weight, values, values.dtype)
        values, weight = _same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = values.mean(dim=tuple(range(weight.ndim, values.ndim)))
        weight = torch.broadcast_to(weight, values.shape)
        values = values * weight
        if weight.ndim > 1:
            weight = weight.mean(dim=tuple(range(1, weight.ndim)))
        if values.ndim > 1:
            values = values.mean(dim=tuple(range(1, values.ndim)))
        self.total = self.total + values.sum()
        self.count = self.count + weight.sum()

    def variables(self) -> list[torch.Tensor]:
        if isinstance(self.total, float) and isinstance(self.count, float):
            return []
        like = self.total if isinstance(self.total, torch.Tensor) else self.count
        return [_as_tensor(self.total, like).float(), _as_tensor(self.count, like).float()]

    def result_from(self, variables: Sequence[torch.Tensor]) -> float:
        count = float(variables[1])
        return float(variables[0]) / count if count else 0.0

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self._fn_kwargs}


class MeanMetricWrapper(MetricWrapper):
    """Keras' ``MeanMetricWrapper(fn, name=None, **kwargs)``: the mean of
    ``fn(y_true, y_pred, **kwargs)`` over the batches, weighted by ``sample_weight``.

    Args:
        fn: ``fn(y_true, y_pred, **kwargs)`` giving per-sample values.
        name: the logged name (default: ``fn``'s name).
        **kwargs: passed to ``fn``.

    Example:
        >>> import torch
        >>> from anyloss.metrics import MeanMetricWrapper
        >>> m = MeanMetricWrapper(lambda t, p: (t - p).abs(), name="abs_error")
        >>> m.update_state(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]),
        ...                sample_weight=torch.tensor([3.0, 1.0]))
        >>> m.result()
        0.75
    """


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary labels (Keras' ``BinaryAccuracy``).

    Args:
        name: the logged name.
        threshold: the decision threshold on ``y_pred``.

    Example:
        >>> import torch
        >>> from anyloss.metrics import BinaryAccuracy
        >>> BinaryAccuracy()(torch.tensor([[1.0], [0.0]]), torch.tensor([[0.9], [0.7]]))
        0.5
    """

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` is the one-hot label's class (Keras'
    ``CategoricalAccuracy``).

    Args:
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import CategoricalAccuracy
        >>> CategoricalAccuracy()(torch.eye(2), torch.tensor([[0.9, 0.1], [0.8, 0.2]]))
        0.5
    """

    def __init__(self, name: str = "categorical_accuracy") -> None:
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` is the integer label (Keras'
    ``SparseCategoricalAccuracy``).

    Args:
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import SparseCategoricalAccuracy
        >>> SparseCategoricalAccuracy()(torch.tensor([0, 1]), torch.tensor([[0.9, 0.1], [0.8, 0.2]]))
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy") -> None:
        super().__init__(sparse_categorical_accuracy, name=name)


def _check_k(k: Any, owner: str) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        msg = f"{owner}: argument `k` must be a positive integer. Received: k={k!r}"
        raise ValueError(msg)
    return k


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest scores (Keras'
    ``TopKCategoricalAccuracy``; a score tied with the k-th counts).

    Args:
        k: how many of the highest scores count.
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import TopKCategoricalAccuracy
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m(torch.tensor([[0, 0, 1], [0, 1, 0]]), torch.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy") -> None:
        super().__init__(
            top_k_categorical_accuracy, name=name, k=_check_k(k, "TopKCategoricalAccuracy")
        )
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest scores (Keras'
    ``SparseTopKCategoricalAccuracy``).

    Args:
        k: how many of the highest scores count.
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import SparseTopKCategoricalAccuracy
        >>> m = SparseTopKCategoricalAccuracy(k=1)
        >>> m(torch.tensor([2, 1]), torch.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
        0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy") -> None:
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            k=_check_k(k, "SparseTopKCategoricalAccuracy"),
        )
        self.k = k


# ---------------------------------------------------------------------------- confusion counts
def _evenly_distributed(thresholds: Sequence[float]) -> bool:
    """Keras' ``is_evenly_distributed_thresholds``: ``i / (n - 1)`` within 1e-7, n >= 3."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def _check_thresholds(thresholds: Any, owner: str) -> list[float] | None:
    if thresholds is None:
        return None
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [
        t
        for t in values
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1
    ]
    if bad or not values:
        msg = (
            f"{owner}: argument `thresholds` must be a number in [0, 1] or a list of them. "
            f"Received: thresholds={thresholds!r}"
        )
        raise ValueError(msg)
    return [float(t) for t in values]


def _check_index(value: Any, name: str, owner: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{owner}: argument `{name}` must be a non-negative integer or None. Received: {name}={value!r}"
        raise ValueError(msg)
    return value


def _confusion_counts(
    y_true: Any,
    y_pred: Any,
    thresholds: Sequence[float],
    evenly: bool,
    sample_weight: Any = None,
    top_k: int | None = None,
    class_id: int | None = None,
    multi_label: bool = False,
    label_weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch's ``(tp, fp, tn, fn)`` per threshold: Keras'
    ``update_confusion_matrix_variables`` (float32; shape ``(T,)``, or ``(T, labels)`` with
    ``multi_label``). ``evenly``: Keras' bucketed computation for evenly spaced thresholds."""
    if not isinstance(y_pred, torch.Tensor):
        y_pred = torch.as_tensor(np.asarray(y_pred))
    y_pred = y_pred.detach().to(torch.float32)
    y_true = _as_tensor(y_true, y_pred).detach().to(torch.float32)
    y_pred, y_true = _same_rank(y_pred, y_true)
    weight = None
    if sample_weight is not None:
        weight = _as_tensor(sample_weight, y_pred, torch.float32).unsqueeze(-1)
        _, weight = _same_rank(y_true, weight, expand_rank_1=False)
    if top_k is not None:
        k = min(top_k, y_pred.shape[-1])
        index = torch.topk(y_pred, k, dim=-1).indices
        mask = torch.zeros_like(y_pred).scatter_(-1, index, 1.0)
        y_pred = y_pred * mask + NEG_INF * (1 - mask)
    if class_id is not None:
        if y_pred.ndim == 1:
            msg = (
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
            raise ValueError(msg)
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if y_true.shape != y_pred.shape:
        msg = (
            f"y_true and y_pred must have the same shape for a confusion metric; got "
            f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}."
        )
        raise ValueError(msg)
    t = torch.tensor(thresholds, dtype=torch.float32, device=y_pred.device)
    n_thresholds = t.shape[0]
    w = torch.ones_like(y_pred) if weight is None else torch.broadcast_to(weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        w = w * torch.broadcast_to(label_weights.to(y_pred.device), y_pred.shape)
    is_pos = (y_true != 0).to(torch.float32)
    if evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        pred = y_pred.clamp(0.0, 1.0)
        true_w = is_pos * w
        false_w = (1.0 - is_pos) * w
        bucket = torch.ceil(pred * (n_thresholds - 1)) - 1
        if with_epsilon:
            bucket = torch.relu(bucket)
        bucket = bucket.long()
        valid = bucket >= 0  # Keras' segment_sum ignores the -1 bucket
        bucket = bucket.clamp(min=0)
        if multi_label:  # (N, labels): one set of counts per label
            b, v = bucket.T, valid.T
            zeros = torch.zeros(pred.shape[1], n_thresholds, device=pred.device)
            tp = zeros.scatter_add(1, b, true_w.T * v).flip(1).cumsum(1).flip(1).T
            fp = zeros.scatter_add(1, b, false_w.T * v).flip(1).cumsum(1).flip(1).T
            total_true, total_false = true_w.sum(0), false_w.sum(0)
        else:
            b, v = bucket.reshape(-1), valid.reshape(-1)
            tw, fw = true_w.reshape(-1) * v, false_w.reshape(-1) * v
            zeros = torch.zeros(n_thresholds, device=pred.device)
            tp = zeros.scatter_add(0, b, tw).flip(0).cumsum(0).flip(0)
            fp = zeros.scatter_add(0, b, fw).flip(0).cumsum(0).flip(0)
            total_true, total_false = true_w.sum(), false_w.sum()
        return tp, fp, total_false - fp, total_true - tp
    if multi_label:
        pred = y_pred.unsqueeze(0)  # (1, N, labels)
        pos = is_pos.unsqueeze(0).bool()
        ww = w.unsqueeze(0)
        above = pred > t.reshape(-1, 1, 1)  # (T, N, labels)
    else:
        pred = y_pred.reshape(1, -1)
        pos = is_pos.reshape(1, -1).bool()
        ww = w.reshape(1, -1)
        above = pred > t.reshape(-1, 1)  # (T, N)

    def count(mask: torch.Tensor) -> torch.Tensor:
        return torch.where(mask, ww, torch.zeros((), device=ww.device)).sum(1)

    return (
        count(pos & above),
        count(~pos & above),
        count(~pos & ~above),
        count(pos & ~above),
    )


class _ConfusionMetric(Metric):
    """Counts per threshold, accumulated over the batches (on the batches' device)."""

    def __init__(self, name: str | None) -> None:
        super().__init__(name)
        self._counts: list[torch.Tensor] = []

    def _add(self, *counts: torch.Tensor) -> None:
        if not self._counts:
            self._counts = [c.clone() for c in counts]
        else:
            for total, c in zip(self._counts, counts, strict=True):
                total.add_(c.to(total.device))

    def variables(self) -> list[torch.Tensor]:
        return list(self._counts)

    def state_shapes(self) -> list[tuple[int, ...]]:
        """The shapes of ``variables()`` (known before the first batch, except for a
        multi-label ``AUC`` without ``num_labels``)."""
        raise NotImplementedError

    def reset_state(self) -> None:
        self._counts = []


def _divide_no_nan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.where(b != 0, a / torch.where(b != 0, b, torch.ones_like(b)), torch.zeros_like(a))


class _PrecisionRecall(_ConfusionMetric):
    _owner = ""

    def __init__(
        self,
        thresholds: float | Sequence[float] | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.init_thresholds = _check_thresholds(thresholds, self._owner)
        if isinstance(thresholds, (int, float)) and not isinstance(thresholds, bool):
            self.init_thresholds_value: Any = float(thresholds)
        else:
            self.init_thresholds_value = thresholds
        self.top_k = _check_index(top_k, "top_k", self._owner)
        if self.top_k == 0:
            msg = f"{self._owner}: argument `top_k` must be a positive integer or None. Received: top_k=0"
            raise ValueError(msg)
        self.class_id = _check_index(class_id, "class_id", self._owner)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = self.init_thresholds or [default]
        self._evenly = _evenly_distributed(self.thresholds)

    def state_shapes(self) -> list[tuple[int, ...]]:
        return [(len(self.thresholds),)] * 2

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        tp, fp, _, fn = _confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            self._evenly,
            sample_weight,
            top_k=self.top_k,
            class_id=self.class_id,
        )
        self._add(tp, fp if self._owner == "Precision" else fn)

    def result_from(self, variables: Sequence[torch.Tensor]) -> Any:
        tp, other = variables
        values = _divide_no_nan(tp, tp + other).tolist()
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self) -> dict[str, Any]:
        return {
            "thresholds": self.init_thresholds_value,
            "top_k": self.top_k,
            "class_id": self.class_id,
            "name": self.name,
        }


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)`` over every batch since the last reset (Keras'
    ``Precision``): a prediction counts as positive when it is above the threshold.

    Args:
        thresholds: a float in [0, 1] or a list of them (default 0.5); with several,
            ``result()`` is a list, one value per threshold.
        top_k: only the ``top_k`` highest predictions of each sample are positive.
        class_id: score only this class (the last axis' index).
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import Precision
        >>> m = Precision()
        >>> m.update_state(torch.tensor([0, 1, 1, 1]), torch.tensor([1.0, 0.0, 1.0, 1.0]))
        >>> round(m.result(), 6)
        0.666667
    """

    _owner = "Precision"


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)`` over every batch since the last reset (Keras' ``Recall``).

    Args:
        thresholds: a float in [0, 1] or a list of them (default 0.5); with several,
            ``result()`` is a list, one value per threshold.
        top_k: only the ``top_k`` highest predictions of each sample are positive.
        class_id: score only this class (the last axis' index).
        name: the logged name.

    Example:
        >>> import torch
        >>> from anyloss.metrics import Recall
        >>> m = Recall()
        >>> m.update_state(torch.tensor([0, 1, 1, 1]), torch.tensor([1.0, 0.0, 1.0, 1.0]))
        >>> round(m.result(), 6)
        0.666667
    """

    _owner = "Recall"


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve (Keras' ``AUC``), from true/false
    positive/negative counts at ``num_thresholds`` thresholds accumulated over the batches.

    The thresholds are Keras': ``-1e-7``, ``i / (num_thresholds - 1)`` for ``i = 1 ..
    num_thresholds - 2``, and ``1 + 1e-7``. The area is a Riemann sum over them::

        ROC: sum_i (fpr[i] - fpr[i+1]) * (tpr[i] + tpr[i+1]) / 2
        PR:  Davis & Goadrich's interpolation of precision between thresholds (Keras'
             ``interpolate_pr_auc``)

    Args:
        num_thresholds: how many thresholds (> 1).
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (trapezoids; for PR, the interpolation
            above), ``"minoring"`` or ``"majoring"`` (left or right Riemann heights).
        name: the logged name.
        thresholds: explicit thresholds in [0, 1] instead of ``num_thresholds`` (the outer
            ``-1e-7`` and ``1 + 1e-7`` are added).
        multi_label: treat each column as its own label and average the per-label areas
            (weighted by ``label_weights``); otherwise every entry is one binary decision.
        num_labels: the number of labels (with ``multi_label``; otherwise inferred).
        label_weights: per-label weights of the counts (or of the average with
            ``multi_label``).
        from_logits: apply a sigmoid to ``y_pred`` first.

    Example:
        >>> import torch
        >>> from anyloss.metrics import AUC
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state(torch.tensor([0, 0, 1, 1]), torch.tensor([0.0, 0.5, 0.3, 0.9]))
        >>> m.result()
        0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        thresholds: Sequence[float] | None = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        super().__init__(name)
        if not isinstance(curve, str) or curve.lower() not in _CURVES:
            msg = (
                f"AUC: argument `curve` must be 'ROC', 'PR' or 'PRGAIN'. Received: curve={curve!r}"
            )
            raise ValueError(msg)
        if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS:
            msg = (
                f"AUC: argument `summation_method` must be one of {list(_SUMMATIONS)}. "
                f"Received: summation_method={summation_method!r}"
            )
            raise ValueError(msg)
        self.curve = _CURVES[curve.lower()]
        self.summation_method = summation_method.lower()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_check_thresholds(list(thresholds), "AUC") or [])
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0, *inner, 1.0])
        else:
            if (
                isinstance(num_thresholds, bool)
                or not isinstance(num_thresholds, int)
                or (num_thresholds <= 1)
            ):
                msg = (
                    "AUC: argument `num_thresholds` must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds!r}"
                )
                raise ValueError(msg)
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = [0.0 - EPSILON, *inner, 1.0 + EPSILON]
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            msg = "AUC: argument `num_labels` is needed only when `multi_label` is True."
            raise ValueError(msg)
        self.num_labels = _check_index(num_labels, "num_labels", "AUC")
        self.label_weights = (
            None if label_weights is None else torch.as_tensor(label_weights, dtype=torch.float32)
        )
        if self.label_weights is not None and bool((self.label_weights < 0).any()):
            msg = f"AUC: argument `label_weights` must be non-negative. Received: {label_weights!r}"
            raise ValueError(msg)
        self.from_logits = bool(from_logits)

    @property
    def thresholds(self) -> list[float]:
        """Every threshold, the outer two included."""
        return list(self._thresholds)

    def state_shapes(self) -> list[tuple[int, ...]]:
        if not self.multi_label:
            return [(self.num_thresholds,)] * 4
        labels = self._counts[0].shape[1] if self._counts else self.num_labels
        if labels is None:
            msg = (
                "A multi-label AUC that saw no batch on this process cannot be reduced across "
                "processes: pass num_labels= to AUC."
            )
            raise ValueError(msg)
        return [(self.num_thresholds, labels)] * 4

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not isinstance(y_pred, torch.Tensor):
            y_pred = torch.as_tensor(np.asarray(y_pred))
        if self.multi_label and y_pred.ndim != 2:
            msg = (
                "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                f"{y_pred.ndim}. Full shape received for `y_pred`: {tuple(y_pred.shape)}"
            )
            raise ValueError(msg)
        if self.from_logits:
            y_pred = torch.sigmoid(y_pred.detach().float())
        tp, fp, tn, fn = _confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            self._evenly,
            sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )
        self._add(tp, fp, tn, fn)

    def _by_label(self, terms: torch.Tensor) -> torch.Tensor:
        if not self.multi_label:
            return terms.sum()
        by_label = terms.sum(0)
        if self.label_weights is None:
            return by_label.mean()
        weights = self.label_weights.to(by_label.device)
        return _divide_no_nan((by_label * weights).sum(), weights.sum())

    def _interpolate_pr(self, tp: torch.Tensor, fp: torch.Tensor, fn: torch.Tensor) -> float:
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = _divide_no_nan(dtp, dp.clamp(min=0))
        intercept = tp[1:] - slope * p[1:]
        ratio = torch.where(
            (p[: n - 1] > 0) & (p[1:] > 0),
            _divide_no_nan(p[: n - 1], p[1:].clamp(min=0)),
            torch.ones_like(p[1:]),
        )
        increments = _divide_no_nan(
            slope * (dtp + intercept * torch.log(ratio)), (tp[1:] + fn[1:]).clamp(min=0)
        )
        return float(self._by_label(increments))

    def result_from(self, variables: Sequence[torch.Tensor]) -> float:
        tp, fp, tn, fn = variables
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * _divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * _divide_no_nan(fp, tp)
            zero = tp == 0
            x = torch.where(zero, torch.zeros_like(tp), recall_gain).clamp(min=0.0)
            y = torch.where(zero, torch.ones_like(tp), precision_gain)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        return float(self._by_label((x[: n - 1] - x[1:]) * heights))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "name": self.name,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self.from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


#: Metric classes by Keras' class name and snake-case name (strings in ``metrics=[...]``).
METRIC_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        AUC,
        BinaryAccuracy,
        CategoricalAccuracy,
        Precision,
        Recall,
        SparseCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        TopKCategoricalAccuracy,
    )
}
_BY_SNAKE = {_snake(name): cls for name, cls in METRIC_CLASSES.items()}


# ---------------------------------------------------------------------------- compile
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
    identifier: Any, y_true: Any, y_pred: torch.Tensor, loss: anyloss.Loss | None, argument: str
) -> tuple[Metric, str]:
    """A fresh metric object for ``identifier`` and the name Keras logs it under."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return MetricWrapper(_accuracy_for(y_true, y_pred, loss), identifier), identifier
    if isinstance(identifier, str):
        if identifier in _ACCURACIES:
            return MetricWrapper(_ACCURACIES[identifier], identifier), identifier
        cls = METRIC_CLASSES.get(identifier) or _BY_SNAKE.get(identifier)
        if cls is not None:
            return cls(), identifier
        try:
            fn = anyloss.get(identifier)
        except ValueError as err:
            msg = (
                f"Unknown metric {identifier!r} in `{argument}`. Use 'accuracy', one of "
                f"{sorted(_ACCURACIES)}, a metric class name such as 'AUC' or 'precision', "
                f"a loss name such as 'mae', or a callable fn(y_true, y_pred). ({err})"
            )
            raise ValueError(msg) from err
        return MetricWrapper(fn, identifier), identifier
    if isinstance(identifier, Metric):
        return identifier, identifier.name
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        metric = identifier()
        return metric, metric.name
    if callable(identifier):
        name = (
            getattr(identifier, "name", None)
            or getattr(identifier, "__name__", None)
            or type(identifier).__name__
        )
        return MetricWrapper(identifier, name), name
    msg = (
        f"Could not interpret metric identifier {identifier!r} in `{argument}`. Pass a name "
        "such as 'accuracy', 'auc' or 'mae', a metric such as anyloss.metrics.AUC(), or a "
        "callable fn(y_true, y_pred)."
    )
    raise ValueError(msg)


class _Compiled:
    """One compiled metric: the object, the output it reads and the name it is logged as."""

    def __init__(self, metric: Metric, name: str, weighted: bool) -> None:
        self.metric = metric
        self.name = name
        self.weighted = weighted

    @property
    def state(self) -> Any:
        return self.metric.state

    def result(self) -> Any:
        return self.metric.result()

    def reset_state(self) -> None:
        self.metric.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self.metric.update_state(y_true, y_pred, sample_weight if self.weighted else None)


class CompileMetrics:
    """The ``metrics=`` and ``weighted_metrics=`` of ``compile``, matched to the outputs on
    the first batch.

    A flat list applies to every output (named ``<output>_<metric>`` when there are several);
    a dict maps output names to a metric or a list; a list of lists goes by position.
    ``container`` is the compiled loss (``None`` for a model compiled without one): it pairs
    targets with outputs and tells ``"accuracy"`` which loss an output has.

    Names follow Keras 3: a repeated name gets ``_1``, ``_2``...; a weighted metric whose name
    an unweighted one already has is logged as ``weighted_<name>``.
    """

    def __init__(
        self,
        metrics: Any,
        container: LossesContainer | None,
        output_names: Sequence[str] | None = None,
        weighted_metrics: Any = None,
    ) -> None:
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple, Mapping)):
                msg = (
                    f"Argument `{argument}` must be a list (e.g. ['accuracy']) or a dict by "
                    f"output name. Received: {argument}={value!r}"
                )
                raise ValueError(msg)
        self.metrics_spec = metrics
        self.weighted_spec = weighted_metrics
        self.container = container
        self.output_names = list(output_names) if output_names is not None else None
        self.built = False
        self.metrics: list[tuple[int, _Compiled]] = []

    def _per_output(self, spec: Any, names: list[str], argument: str) -> list[Sequence[Any]]:
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, Mapping):
            unknown = [k for k in spec if k not in names]
            if unknown:
                msg = (
                    f"Argument `{argument}` has keys {unknown} that match no output; the "
                    f"outputs are named {names}."
                )
                raise ValueError(msg)
            return [_as_list(spec.get(name)) for name in names]
        if len(names) > 1 and spec and all(isinstance(m, (list, tuple)) or m is None for m in spec):
            if len(spec) != len(names):
                msg = (
                    f"Argument `{argument}` is a list of {len(spec)} lists but the model has "
                    f"{len(names)} outputs {names}. Give one list per output."
                )
                raise ValueError(msg)
            return [_as_list(m) for m in spec]
        return [list(spec) for _ in names]

    def build(self, flat: list[tuple[str, Any, torch.Tensor]]) -> None:
        names = [name for name, _, _ in flat]
        losses = self.container.losses if self.container is not None else {}
        counters: dict[str, int] = {}
        used: set[int] = set()
        for weighted, spec, argument in (
            (False, self.metrics_spec, "metrics"),
            (True, self.weighted_spec, "weighted_metrics"),
        ):
            for index, (ids, (name, y_true, y_pred)) in enumerate(
                zip(self._per_output(spec, names, argument), flat, strict=True)
            ):
                for identifier in ids:
                    metric, metric_name = _resolve(
                        identifier, y_true, y_pred, losses.get(name), argument
                    )
                    if id(metric) in used:  # one object on several outputs: one state each
                        metric = copy.deepcopy(metric)
                        metric.reset_state()
                    used.add(id(metric))
                    prefix = f"{name}_" if len(flat) > 1 else ""
                    full = f"{prefix}{metric_name}"
                    if full not in counters:
                        counters[full] = 1
                    elif not weighted:
                        counters[full] += 1
                        full = f"{full}_{counters[full] - 1}"
                    else:
                        full = f"{prefix}weighted_{metric_name}"
                        if full not in counters:
                            counters[full] = 1
                        else:
                            counters[full] += 1
                            full = f"{full}_{counters[full] - 1}"
                    self.metrics.append((index, _Compiled(metric, full, weighted)))
        self.built = True

    @torch.no_grad()
    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.metrics_spec is None and self.weighted_spec is None:
            return
        flat = (
            self.container.flat_outputs(y_true, y_pred)
            if self.container is not None
            else flat_outputs(y_true, y_pred, self.output_names)
        )
        if not self.built:
            self.build(flat)
        weights: list[Any] = [None] * len(flat)
        if sample_weight is not None and any(m.weighted for _, m in self.metrics):
            weights = _per_output_values(
                sample_weight, y_pred, [name for name, _, _ in flat], "sample_weight"
            )
        for index, metric in self.metrics:
            _, target, prediction = flat[index]
            metric.update_state(target, prediction.detach(), weights[index])

    def reset_state(self) -> None:
        for _, metric in self.metrics:
            metric.reset_state()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# ---------------------------------------------------------------------------- saving
def serialize_metrics(spec: Any) -> Any:
    """``metrics=``/``weighted_metrics=`` as JSON-safe data: names stay strings, metric
    objects become ``{"module": "anyloss.metrics", "class_name", "config"}``, functions go
    through :func:`anyloss.serialize`."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, Mapping):
        return {str(k): serialize_metrics(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [serialize_metrics(v) for v in spec]
    if isinstance(spec, Metric):
        if type(spec) not in METRIC_CLASSES.values():
            msg = (
                f"Cannot save the metric {spec!r}: only anyloss' built-in metric classes are "
                "stored in a model file. Compile with a function or a built-in metric, or load "
                "with compile=False and compile again."
            )
            raise ValueError(msg)
        return {
            "module": "anyloss.metrics",
            "class_name": type(spec).__name__,
            "config": spec.get_config(),
        }
    if inspect.isclass(spec) and issubclass(spec, Metric) and spec in METRIC_CLASSES.values():
        return spec.__name__
    return anyloss.serialize(spec)


def deserialize_metrics(spec: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize_metrics` (Keras' metric configs of these classes load
    too)."""
    if spec is None or (isinstance(spec, str) and ">" not in spec):
        return spec
    if isinstance(spec, Mapping) and "class_name" not in spec:
        return {k: deserialize_metrics(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [deserialize_metrics(v, custom_objects) for v in spec]
    if (
        isinstance(spec, Mapping)
        and spec.get("class_name") in METRIC_CLASSES
        and str(spec.get("module") or "anyloss.metrics").startswith(("anyloss.metrics", "keras"))
    ):
        cls = METRIC_CLASSES[spec["class_name"]]
        config = dict(spec.get("config") or {})
        config.pop("dtype", None)  # Keras' configs carry it; these metrics are float32
        try:
            return cls.from_config(config)
        except TypeError as err:
            msg = f"Cannot rebuild the metric {spec['class_name']!r} from {config!r}: {err}"
            raise ValueError(msg) from None
    return anyloss.deserialize(spec, custom_objects=custom_objects)
