"""Every built-in loss (function and class), the base classes, and the lookup pipeline.

Written by ``scripts/generate_exports.py`` (``make api``) from the declarations in the
family modules; edit those, then regenerate.
"""

from anyloss.losses._base import (
    BuiltinLoss,
    Loss,
    LossFunctionWrapper,
)
from anyloss.losses._builtin import (
    ALIASES,
    CLASS_OF_FUNCTION,
    CLASSES,
    FUNCTIONS,
    Inputs,
    MaskedValues,
)
from anyloss.losses._mistakes import (
    LossInputWarning,
)
from anyloss.losses._names import (
    custom_objects,
    register,
)
from anyloss.losses._reduction import (
    Reduction,
    reduce_weighted_values,
)
from anyloss.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from anyloss.losses.metric_learning import (
    Circle,
    circle,
)
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
from anyloss.losses.segmentation import (
    Dice,
    Tversky,
    dice,
    tversky,
)
from anyloss.losses.sequence import (
    CTC,
    ctc,
)
from anyloss.losses.serialization import (
    deserialize,
    get,
    serialize,
)

# Aliases (Keras 3 legacy and tf-keras names), as attributes too: `al.mse(...)`.
bce = binary_crossentropy
BCE = binary_crossentropy
kld = kl_divergence
KLD = kl_divergence
kullback_leibler_divergence = kl_divergence
mse = mean_squared_error
MSE = mean_squared_error
mae = mean_absolute_error
MAE = mean_absolute_error
mape = mean_absolute_percentage_error
MAPE = mean_absolute_percentage_error
msle = mean_squared_logarithmic_error
MSLE = mean_squared_logarithmic_error
huber_loss = huber
logcosh = log_cosh

__all__ = [
    "ALIASES",
    "BCE",
    "CLASSES",
    "CLASS_OF_FUNCTION",
    "CTC",
    "FUNCTIONS",
    "KLD",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "BuiltinLoss",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "Inputs",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "LossInputWarning",
    "MaskedValues",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "Reduction",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "bce",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "custom_objects",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "huber_loss",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "linear_cross_entropy",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "reduce_weighted_values",
    "register",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]
