"""Every built-in loss (function and class), the base classes, and the lookup pipeline."""

from anyloss.losses._base import Loss, LossFunctionWrapper, MaskedValues
from anyloss.losses._reduction import Reduction, reduce_weighted_values
from anyloss.losses._registry import (
    ALIASES,
    CLASSES,
    FUNCTIONS,
    custom_objects,
    deserialize,
    get,
    register,
    serialize,
)
from anyloss.losses.hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from anyloss.losses.metric_learning import Circle, circle
from anyloss.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    linear_cross_entropy,
    sparse_categorical_crossentropy,
)
from anyloss.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
)
from anyloss.losses.segmentation import Dice, Tversky, dice, tversky
from anyloss.losses.sequence import CTC, ctc

# Aliases (Keras 3 legacy and tf-keras names), as attributes too: `al.mse(...)`.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
huber_loss = huber
logcosh = log_cosh
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy

__all__ = sorted([
    "ALIASES", "BCE", "CLASSES", "CTC", "FUNCTIONS", "KLD", "MAE", "MAPE", "MSE", "MSLE",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MaskedValues", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson", "Reduction",
    "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "bce", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle", "cosine_similarity",
    "ctc", "custom_objects", "deserialize", "dice", "get", "hinge", "huber", "huber_loss",
    "kl_divergence", "kld", "kullback_leibler_divergence", "linear_cross_entropy", "log_cosh",
    "logcosh", "mae", "mape",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "msle", "poisson", "reduce_weighted_values",
    "register", "serialize", "sparse_categorical_crossentropy", "squared_hinge", "tversky",
])
