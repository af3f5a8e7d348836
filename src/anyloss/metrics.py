"""Keras' ``keras.metrics`` import path: ``from anyloss.metrics import AUC, Precision``.

Metrics for ``Model.compile(metrics=[...])`` (or ``weighted_metrics=``), computed on torch
tensors with Keras' formulas; each has ``update_state``, ``result`` and ``reset_state``. Needs
PyTorch.
"""

from anyloss.training.metrics import (
    AUC,
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanMetricWrapper,
    Metric,
    Precision,
    Recall,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)

__all__ = [
    "AUC",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "MeanMetricWrapper",
    "Metric",
    "Precision",
    "Recall",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
