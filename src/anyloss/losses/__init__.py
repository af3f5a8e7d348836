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
    LossParts,
    Reduction,
    reduce_weighted_values,
    reduction_parts,
)
from anyloss.losses.boxes import (
    CIoU,
    DIoU,
    GIoU,
    IoU,
    ciou,
    diou,
    giou,
    iou,
)
from anyloss.losses.hinge import (
    CategoricalHinge,
    Hinge,
    HingeEmbedding,
    MulticlassHinge,
    MultiLabelMargin,
    MultiMargin,
    Perceptron,
    SoftMargin,
    SquaredHinge,
    categorical_hinge,
    hinge,
    hinge_embedding,
    multi_margin,
    multiclass_hinge,
    multilabel_margin,
    perceptron,
    soft_margin,
    squared_hinge,
)
from anyloss.losses.metric_learning import (
    Circle,
    Contrastive,
    LiftedStructure,
    NPairs,
    TripletHard,
    TripletSemiHard,
    circle,
    contrastive,
    lifted_structure,
    npairs,
    triplet_hard,
    triplet_semihard,
)
from anyloss.losses.pairs import (
    CosineEmbedding,
    MarginRanking,
    TripletMargin,
    cosine_embedding,
    margin_ranking,
    triplet_margin,
)
from anyloss.losses.probabilistic import (
    NLL,
    Asymmetric,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    JensenShannon,
    KLDiv,
    KLDivergence,
    MultiLabelSoftMargin,
    Poly1CrossEntropy,
    SigmoidFocal,
    SparseCategoricalCrossentropy,
    asymmetric,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    jensen_shannon,
    kl_div,
    kl_divergence,
    linear_cross_entropy,
    multilabel_soft_margin,
    nll,
    poly1_cross_entropy,
    sigmoid_focal,
    sparse_categorical_crossentropy,
)
from anyloss.losses.proxies import (
    ArcFace,
    LinearCrossEntropy,
    arcface,
    sparse_linear_cross_entropy,
)
from anyloss.losses.ranking import (
    ListMLE,
    PairwiseLogistic,
    RankingSoftmax,
    listmle,
    pairwise_logistic,
    ranking_softmax,
)
from anyloss.losses.regression import (
    CosineDistance,
    CosineSimilarity,
    GaussianNLL,
    HalfSquaredError,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Pinball,
    Poisson,
    PoissonNLL,
    SmoothL1,
    cosine_distance,
    cosine_similarity,
    gaussian_nll,
    half_squared_error,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    pinball,
    poisson,
    poisson_nll,
    smooth_l1,
)
from anyloss.losses.segmentation import (
    MCC,
    Dice,
    DiceCE,
    DiceFocal,
    FocalTversky,
    GeneralizedDice,
    Jaccard,
    Lovasz,
    Tversky,
    dice,
    dice_ce,
    dice_focal,
    focal_tversky,
    generalized_dice,
    jaccard,
    lovasz,
    mcc,
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
from anyloss.losses.similarity import (
    MultiSimilarity,
    NTXent,
    SigLIP,
    SupCon,
    multi_similarity,
    ntxent,
    siglip,
    supcon,
)
from anyloss.losses.structured import (
    Sparsemax,
    sparsemax,
)

# Aliases (Keras 3 legacy and tf-keras names), as attributes too: `al.mse(...)`.
iou_loss = iou
generalized_iou = giou
diou_loss = diou
distance_iou = diou
ciou_loss = ciou
complete_iou = ciou
multi_margin_loss = multi_margin
soft_margin_loss = soft_margin
hinge_embedding_loss = hinge_embedding
multilabel_margin_loss = multilabel_margin
contrastive_loss = contrastive
triplet_semihard_loss = triplet_semihard
triplet_hard_loss = triplet_hard
batch_hard_triplet = triplet_hard
lifted_struct_loss = lifted_structure
lifted_structure_loss = lifted_structure
npairs_loss = npairs
n_pairs = npairs
cosine_embedding_loss = cosine_embedding
margin_ranking_loss = margin_ranking
bce = binary_crossentropy
BCE = binary_crossentropy
kld = kl_divergence
KLD = kl_divergence
kullback_leibler_divergence = kl_divergence
nll_loss = nll
negative_log_likelihood = nll
poly1 = poly1_cross_entropy
multilabel_soft_margin_loss = multilabel_soft_margin
jsd = jensen_shannon
JSD = jensen_shannon
jensen_shannon_divergence = jensen_shannon
asymmetric_loss = asymmetric
asl = asymmetric
kl_div_loss = kl_div
nt_xent = ntxent
infonce = ntxent
info_nce = ntxent
ntxent_loss = ntxent
supervised_contrastive = supcon
supcon_loss = supcon
multi_similarity_loss = multi_similarity
ms_loss = multi_similarity
sigmoid_contrastive = siglip
siglip_loss = siglip
arcface_loss = arcface
additive_angular_margin = arcface
listnet = ranking_softmax
pairwise_logistic_loss = pairwise_logistic
ranknet = pairwise_logistic
listmle_loss = listmle
list_mle = listmle
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
smooth_l1_loss = smooth_l1
poisson_nll_loss = poisson_nll
gaussian_nll_loss = gaussian_nll
pinball_loss = pinball
quantile_loss = pinball
l2_loss = half_squared_error
soft_iou = jaccard
jaccard_loss = jaccard
focal_tversky_loss = focal_tversky
generalized_dice_loss = generalized_dice
gdl = generalized_dice
dice_ce_loss = dice_ce
dice_cross_entropy = dice_ce
dice_focal_loss = dice_focal
mcc_loss = mcc
matthews = mcc
lovasz_loss = lovasz
lovasz_hinge = lovasz
lovasz_softmax = lovasz
sparsemax_loss = sparsemax

__all__ = [
    "ALIASES",
    "BCE",
    "CLASSES",
    "CLASS_OF_FUNCTION",
    "CTC",
    "FUNCTIONS",
    "JSD",
    "KLD",
    "MAE",
    "MAPE",
    "MCC",
    "MSE",
    "MSLE",
    "NLL",
    "ArcFace",
    "Asymmetric",
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "BuiltinLoss",
    "CIoU",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "Contrastive",
    "CosineDistance",
    "CosineEmbedding",
    "CosineSimilarity",
    "DIoU",
    "Dice",
    "DiceCE",
    "DiceFocal",
    "FocalTversky",
    "GIoU",
    "GaussianNLL",
    "GeneralizedDice",
    "HalfSquaredError",
    "Hinge",
    "HingeEmbedding",
    "Huber",
    "Inputs",
    "IoU",
    "Jaccard",
    "JensenShannon",
    "KLDiv",
    "KLDivergence",
    "LiftedStructure",
    "LinearCrossEntropy",
    "ListMLE",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "LossInputWarning",
    "LossParts",
    "Lovasz",
    "MarginRanking",
    "MaskedValues",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "MultiLabelMargin",
    "MultiLabelSoftMargin",
    "MultiMargin",
    "MultiSimilarity",
    "MulticlassHinge",
    "NPairs",
    "NTXent",
    "PairwiseLogistic",
    "Perceptron",
    "Pinball",
    "Poisson",
    "PoissonNLL",
    "Poly1CrossEntropy",
    "RankingSoftmax",
    "Reduction",
    "SigLIP",
    "SigmoidFocal",
    "SmoothL1",
    "SoftMargin",
    "SparseCategoricalCrossentropy",
    "Sparsemax",
    "SquaredHinge",
    "SupCon",
    "TripletHard",
    "TripletMargin",
    "TripletSemiHard",
    "Tversky",
    "additive_angular_margin",
    "arcface",
    "arcface_loss",
    "asl",
    "asymmetric",
    "asymmetric_loss",
    "batch_hard_triplet",
    "bce",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "ciou",
    "ciou_loss",
    "circle",
    "complete_iou",
    "contrastive",
    "contrastive_loss",
    "cosine_distance",
    "cosine_embedding",
    "cosine_embedding_loss",
    "cosine_similarity",
    "ctc",
    "custom_objects",
    "deserialize",
    "dice",
    "dice_ce",
    "dice_ce_loss",
    "dice_cross_entropy",
    "dice_focal",
    "dice_focal_loss",
    "diou",
    "diou_loss",
    "distance_iou",
    "focal_tversky",
    "focal_tversky_loss",
    "gaussian_nll",
    "gaussian_nll_loss",
    "gdl",
    "generalized_dice",
    "generalized_dice_loss",
    "generalized_iou",
    "get",
    "giou",
    "half_squared_error",
    "hinge",
    "hinge_embedding",
    "hinge_embedding_loss",
    "huber",
    "huber_loss",
    "info_nce",
    "infonce",
    "iou",
    "iou_loss",
    "jaccard",
    "jaccard_loss",
    "jensen_shannon",
    "jensen_shannon_divergence",
    "jsd",
    "kl_div",
    "kl_div_loss",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "l2_loss",
    "lifted_struct_loss",
    "lifted_structure",
    "lifted_structure_loss",
    "linear_cross_entropy",
    "list_mle",
    "listmle",
    "listmle_loss",
    "listnet",
    "log_cosh",
    "logcosh",
    "lovasz",
    "lovasz_hinge",
    "lovasz_loss",
    "lovasz_softmax",
    "mae",
    "mape",
    "margin_ranking",
    "margin_ranking_loss",
    "matthews",
    "mcc",
    "mcc_loss",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "ms_loss",
    "mse",
    "msle",
    "multi_margin",
    "multi_margin_loss",
    "multi_similarity",
    "multi_similarity_loss",
    "multiclass_hinge",
    "multilabel_margin",
    "multilabel_margin_loss",
    "multilabel_soft_margin",
    "multilabel_soft_margin_loss",
    "n_pairs",
    "negative_log_likelihood",
    "nll",
    "nll_loss",
    "npairs",
    "npairs_loss",
    "nt_xent",
    "ntxent",
    "ntxent_loss",
    "pairwise_logistic",
    "pairwise_logistic_loss",
    "perceptron",
    "pinball",
    "pinball_loss",
    "poisson",
    "poisson_nll",
    "poisson_nll_loss",
    "poly1",
    "poly1_cross_entropy",
    "quantile_loss",
    "ranking_softmax",
    "ranknet",
    "reduce_weighted_values",
    "reduction_parts",
    "register",
    "serialize",
    "siglip",
    "siglip_loss",
    "sigmoid_contrastive",
    "sigmoid_focal",
    "smooth_l1",
    "smooth_l1_loss",
    "soft_iou",
    "soft_margin",
    "soft_margin_loss",
    "sparse_categorical_crossentropy",
    "sparse_linear_cross_entropy",
    "sparsemax",
    "sparsemax_loss",
    "squared_hinge",
    "supcon",
    "supcon_loss",
    "supervised_contrastive",
    "triplet_hard",
    "triplet_hard_loss",
    "triplet_margin",
    "triplet_semihard",
    "triplet_semihard_loss",
    "tversky",
]
