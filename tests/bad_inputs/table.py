"""The bad-input table: wrong inputs for every public entry point, and what each must raise.

A row is one wrong call. It must raise exactly ``error`` (ValueError or TypeError: never an
IndexError/RuntimeError/AttributeError from inside a library), and the message must contain
three pieces, each checked case-insensitively: ``arg`` (the argument's name), ``seen`` (the
shape/dtype/value that was given) and ``fix`` (a few words of what to do). Rows whose inputs
are arrays run on NumPy, PyTorch and JAX inputs (``call`` receives ``A``, which makes an array
of the backend under test).

NaN is not an error: NaN in a float input gives NaN in the loss (never a silent number, never
an obscure exception). NaN where an integer label is expected is an error. ``NAN_ROWS`` checks
the first for every loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import ops
from tests.properties.families import CLASS_OF, SPECS, example

Maker = Callable[..., Any]


@dataclass(frozen=True)
class Bad:
    id: str
    call: Callable[[Maker], Any]
    error: type[Exception]
    arg: str
    seen: str
    fix: str
    arrays: bool = True


ROWS: list[Bad] = []


def row(id: str, call: Callable[[Maker], Any], error: type[Exception], arg: str, seen: str,
        fix: str, arrays: bool = True) -> None:
    ROWS.append(Bad(id, call, error, arg, seen, fix, arrays))


def f32(shape: tuple[int, ...], value: float = 0.5) -> np.ndarray:
    return np.full(shape, value, np.float32)


FN = al.losses.FUNCTIONS
NAMES = sorted(SPECS)
FLOAT_TARGETS = [n for n in NAMES if not SPECS[n].integer_labels]
LABEL_LOSSES = [n for n in NAMES if SPECS[n].integer_labels]


def _call(name: str, y_true: Any, y_pred: Any, **kw: Any) -> Callable[[Maker], Any]:
    """A call of loss ``name`` on NumPy ``y_true``/``y_pred`` made into the backend's arrays."""
    base_kw = example(name)[2]
    return lambda A: FN[name](A(y_true), A(y_pred), **{**base_kw, **kw})


# --- shapes: a batch that does not match, for every loss ---------------------------------------

_BATCH_MESSAGES = {
    # family: (argument, fix); `seen` is y_true's shape.
    "sparse": ("y_true", "integer class indices"),
    "sequence": ("y_true", "batch size of y_pred"),
    "embedding": ("y_true", "one label per embedding"),
}
for _name in NAMES:
    _t, _, _ = example(_name, batch=3)
    _, _p, _ = example(_name, batch=4)
    _arg, _fix = _BATCH_MESSAGES.get(SPECS[_name].family, ("y_true", "reshape"))
    if _name == "categorical_generalized_cross_entropy":
        _fix = "one integer label per row"
    row(f"{_name}-batch-mismatch", _call(_name, _t, _p), ValueError, _arg, str(_t.shape), _fix)

for _name in ("mean_squared_error", "binary_crossentropy", "categorical_crossentropy", "hinge",
              "dice", "kl_divergence"):
    _t, _p, _ = example(_name)
    row(f"{_name}-rank-mismatch", _call(_name, _t[..., None, None], _p), ValueError, "y_true",
        str(_t[..., None, None].shape), "reshape")

row("ctc-y_pred-rank-2", lambda A: al.ctc(A(np.array([[1, 2]])), A(f32((1, 6)))), ValueError,
    "y_pred", "(1, 6)", "(batch_size, time, num_classes)")
row("ctc-y_true-rank-1", lambda A: al.ctc(A(np.array([1, 2])), A(f32((1, 6, 3)))), ValueError,
    "y_true", "(2,)", "(batch_size, max_label_length)")
row("circle-y_pred-rank-1", lambda A: al.circle(A(np.array([0, 1])), A(f32((2,)))), ValueError,
    "y_pred", "(2,)", "(batch, dim)")
row("circle-ref-embeddings-width",
    lambda A: al.circle(A(np.array([0, 1])), A(f32((2, 4))), ref_embeddings=A(f32((3, 5))),
                        ref_labels=A(np.array([0, 1, 1]))),
    ValueError, "ref_embeddings", "(3, 5)", "same model")
row("circle-ref-labels-count",
    lambda A: al.circle(A(np.array([0, 1])), A(f32((2, 4))), ref_embeddings=A(f32((3, 4))),
                        ref_labels=A(np.array([0, 1]))),
    ValueError, "ref_labels", "2 reference labels", "one label per")
row("sparse_linear_cross_entropy-weight-width",
    lambda A: al.sparse_linear_cross_entropy(A(np.array([0, 1])), A(f32((2, 4))),
                                             A(f32((3, 5)))),
    ValueError, "weight", "(3, 5)", "(num_classes, 4)")
row("sparse_linear_cross_entropy-bias-shape",
    lambda A: al.sparse_linear_cross_entropy(A(np.array([0, 1])), A(f32((2, 4))),
                                             A(f32((3, 4))), A(f32((2,)))),
    ValueError, "bias", "(2,)", "one entry per row of `weight`")
row("sparse_linear_cross_entropy-label-range",
    lambda A: al.sparse_linear_cross_entropy(A(np.array([0, 3])), A(f32((2, 4))),
                                             A(f32((3, 4)))),
    ValueError, "y_true", "3", "ignore_class=")
row("sparse_linear_cross_entropy-no-weight",
    lambda A: al.sparse_linear_cross_entropy(A(np.array([0, 1])), A(f32((2, 4)))),
    ValueError, "weight", "(num_classes, in_features)", "LinearCrossEntropy(in_features")
row("LinearCrossEntropy-no-weight",
    lambda A: al.LinearCrossEntropy()(A(np.array([0, 1])), A(f32((2, 4)))),
    ValueError, "weight", "no weight", "in_features and num_classes")
row("scce-y_pred-rank-1",
    lambda A: al.sparse_categorical_crossentropy(A(np.array([0, 1])), A(f32((2,)))),
    ValueError, "y_true", "(2,)", "integer class indices")
row("scce-y_pred-scalar",
    lambda A: al.sparse_categorical_crossentropy(A(np.array(0)), A(np.float32(0.5))),
    ValueError, "axis", "rank 0", "at least one axis")

# --- wrong dtypes ------------------------------------------------------------------------------

for _name in NAMES:
    _t, _p, _ = example(_name)
    row(f"{_name}-y_pred-strings", _call(_name, _t, _p.astype(str)), TypeError, "y_pred", "<U",
        "float")
    row(f"{_name}-y_pred-objects", _call(_name, _t, _p.astype(object)), TypeError, "y_pred",
        "object", "float")
    row(f"{_name}-y_pred-complex", _call(_name, _t, _p.astype(np.complex64)), TypeError,
        "y_pred", "complex64", "float")
    row(f"{_name}-y_true-strings", _call(_name, _t.astype(str), _p), TypeError, "y_true", "<U",
        "numeric")
    row(f"{_name}-y_true-complex", _call(_name, _t.astype(np.complex64), _p), TypeError,
        "y_true", "complex64", "numeric")
    row(f"{_name}-y_pred-none", _call(_name, _t, None), TypeError, "y_pred", "NoneType", "float")
    if SPECS[_name].uses_y_true:  # losses that ignore y_true accept None (their own tests)
        row(f"{_name}-y_true-none", _call(_name, None, _p), TypeError, "y_true", "NoneType",
            "numeric")

# --- labels: out of range, negative, fractional, NaN, boolean ---------------------------------

_P3 = example("sparse_categorical_crossentropy")[1]
_LABEL_CASES = {
    "label-too-large": (np.array([0, 1, 3]), ValueError, "3", "0..num_classes-1"),
    "label-negative": (np.array([0, -1, 2]), ValueError, "-1", "0..num_classes-1"),
    "label-fractional": (np.array([0.0, 1.5, 2.0]), ValueError, "1.5", "Round or cast"),
    "label-nan": (np.array([0.0, np.nan, 2.0]), ValueError, "nan", "Round or cast"),
    "label-inf": (np.array([0.0, np.inf, 2.0]), ValueError, "inf", "Round or cast"),
    "label-bool": (np.array([True, False, True]), TypeError, "boolean", "integer class indices"),
}
for _case, (_labels, _err, _seen, _fix) in _LABEL_CASES.items():
    for _name in ("sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"):
        row(f"{_name}-{_case}", _call(_name, _labels, _P3), _err, "y_true", _seen, _fix)
        row(f"{CLASS_OF[_name].__name__}-{_case}",
            lambda A, c=CLASS_OF[_name], y=_labels: c()(A(y), A(_P3)), _err, "y_true", _seen,
            _fix)
    _ctc_labels = np.stack([_labels, _labels])
    if _case in ("label-too-large", "label-negative"):
        # CTC labels live in 1..classes-1 (0 is the blank and the padding): 3 of 3 is too large.
        _ctc_labels = np.array([[1, 3], [1, 2]]) if _case == "label-too-large" else np.array(
            [[1, -1], [1, 2]])
    row(f"ctc-{_case}", _call("ctc", _ctc_labels, example("ctc", 2)[1]), _err, "y_true", _seen,
        _fix)
    if _case not in ("label-too-large", "label-negative"):
        row(f"circle-{_case}", _call("circle", _labels, example("circle")[1]), _err, "y_true",
            _seen, _fix)

row("ctc-blank-before-a-label", _call("ctc", np.array([[1, 2], [0, 1]]), example("ctc", 2)[1]),
    ValueError, "y_true", "[0, 1]", "pad the end")
row("CTC-blank-before-a-label",
    lambda A: al.CTC()(A(np.array([[1, 2], [0, 1]])), A(example("ctc", 2)[1])), ValueError,
    "y_true", "[0, 1]", "pad the end")
row("SparseCategoricalCrossentropy-label-negative-besides-ignore_class",
    lambda A: al.SparseCategoricalCrossentropy(ignore_class=-1)(A(np.array([0, -2, -1])), A(_P3)),
    ValueError, "y_true", "-2", "ignore_class")

# --- hyperparameters ----------------------------------------------------------------------------

_BAD_NUMBERS = {"string": "'x'", "nan": "nan", "inf": "inf", "bool": "True", "huge": "1000000"}
_BAD_VALUES = {"string": "x", "nan": float("nan"), "inf": float("inf"), "bool": True,
               "huge": 10 ** 400}


def _hyper(name: str, arg: str, bad: dict[str, Any], fix: str,
           cls_kw: dict[str, Any] | None = None) -> None:
    """Rows for ``arg`` of loss ``name``: the function (on arrays) and the class constructor."""
    t, p, _ = example(name)
    for label, value in bad.items():
        seen = _BAD_NUMBERS.get(label, repr(value))
        row(f"{name}-{arg}-{label}", _call(name, t, p, **{arg: value}), ValueError, arg, seen,
            fix)
        cls = CLASS_OF[name]
        row(f"{cls.__name__}-{arg}-{label}",
            lambda A, c=cls, a=arg, v=value: c(**{**(cls_kw or {}), a: v}), ValueError, arg,
            seen, fix, arrays=False)


_hyper("huber", "delta", {"zero": 0, "negative": -1.0, **_BAD_VALUES}, "finite number > 0")
for _name in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
              "categorical_focal_crossentropy", "sparse_categorical_crossentropy"):
    _hyper(_name, "label_smoothing", {"negative": -0.1, "above-one": 1.5, "string": "x",
                                      "nan": float("nan")}, "number in [0, 1]")
for _name in ("binary_focal_crossentropy", "categorical_focal_crossentropy"):
    _hyper(_name, "gamma", {"negative": -1.0, "string": "x", "nan": float("nan"),
                            "inf": float("inf")}, "finite number >= 0")
_hyper("binary_focal_crossentropy", "alpha", {"negative": -0.5, "above-one": 2.0,
                                              "nan": float("nan")}, "number in [0, 1]")
_hyper("categorical_focal_crossentropy", "alpha", {"negative": -1.0, "nan": float("nan")},
       "finite number >= 0")
_hyper("categorical_generalized_cross_entropy", "q", {"zero": 0.0, "one": 1.0, "negative": -0.5,
                                                      "string": "x", "nan": float("nan")},
       "number in (0, 1)")
for _arg in ("alpha", "beta"):
    _hyper("tversky", _arg, {"negative": -1.0, "string": "x", "nan": float("nan")},
           "finite number >= 0")
_hyper("circle", "gamma", {"zero": 0.0, "negative": -80.0, "string": "x", "nan": float("nan")},
       "finite number > 0")
_hyper("circle", "margin", {"string": "x", "nan": float("nan"), "inf": float("inf")},
       "finite number")

row("categorical_focal_crossentropy-alpha-per-class-shape",
    _call("categorical_focal_crossentropy", *example("categorical_focal_crossentropy")[:2],
          alpha=[1.0, 2.0]),
    ValueError, "alpha", "(2,)", "one weight per class")
row("categorical_focal_crossentropy-alpha-strings",
    _call("categorical_focal_crossentropy", *example("categorical_focal_crossentropy")[:2],
          alpha=["a", "b", "c"]),
    TypeError, "alpha", "<U1", "numeric")

for _name in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
              "categorical_focal_crossentropy", "sparse_categorical_crossentropy"):
    _t, _p, _ = example(_name)
    for _value in ("false", 1, None):
        row(f"{_name}-from_logits-{_value!r}", _call(_name, _t, _p, from_logits=_value),
            TypeError, "from_logits", repr(_value), "True or False")
    row(f"{CLASS_OF[_name].__name__}-from_logits-string",
        lambda A, c=CLASS_OF[_name]: c(from_logits="false"), TypeError, "from_logits",
        "'false'", "True or False", arrays=False)
row("binary_focal_crossentropy-apply_class_balancing-string",
    _call("binary_focal_crossentropy", *example("binary_focal_crossentropy")[:2],
          apply_class_balancing="yes"),
    TypeError, "apply_class_balancing", "'yes'", "True or False")
row("Circle-remove_diagonal-string", lambda A: al.Circle(remove_diagonal="no"), TypeError,
    "remove_diagonal", "'no'", "True or False", arrays=False)
for _value in ("x", 1.5, True):
    row(f"sparse_categorical_crossentropy-ignore_class-{_value!r}",
        _call("sparse_categorical_crossentropy", *example("sparse_categorical_crossentropy")[:2],
              ignore_class=_value),
        TypeError, "ignore_class", repr(_value), "integer label")
    row(f"SparseCategoricalCrossentropy-ignore_class-{_value!r}",
        lambda A, v=_value: al.SparseCategoricalCrossentropy(ignore_class=v), TypeError,
        "ignore_class", repr(_value), "integer label", arrays=False)

# --- regression family's catalogue losses (smooth_l1, poisson_nll, gaussian_nll, pinball) ---------

_hyper("smooth_l1", "beta", {"negative": -1.0, **_BAD_VALUES}, "finite number >= 0")
_hyper("poisson_nll", "eps", {"negative": -1.0, "string": "x", "nan": float("nan")},
       "finite number >= 0")
_hyper("gaussian_nll", "eps", {"zero": 0.0, "negative": -1.0, "string": "x",
                               "nan": float("nan")}, "finite number > 0")
_hyper("pinball", "tau", {"negative": -0.1, "above-one": 1.5, "string": "x",
                          "nan": float("nan")}, "number in [0, 1]")
for _name, _flag in (("poisson_nll", "log_input"), ("poisson_nll", "full"),
                     ("gaussian_nll", "full")):
    row(f"{_name}-{_flag}-string", _call(_name, *example(_name)[:2], **{_flag: "false"}),
        TypeError, _flag, "'false'", "True or False")
_t, _p, _ = example("gaussian_nll")
_p = _p.copy()
_p[1, -1] = -0.5
row("gaussian_nll-negative-variance", _call("gaussian_nll", _t, _p), ValueError, "y_pred",
    "-0.5", "softplus")
row("GaussianNLL-negative-variance", lambda A, t=_t, p=_p: al.GaussianNLL()(A(t), A(p)),
    ValueError, "y_pred", "-0.5", "softplus")
row("gaussian_nll-y_pred-not-twice-as-wide",
    _call("gaussian_nll", _t, example("gaussian_nll")[1][:, :3]), ValueError, "y_pred",
    "(3, 3)", "concat([mean, variance]")
row("pinball-tau-one-per-column",
    _call("pinball", *example("pinball")[:2], tau=[0.1, 0.9]), ValueError, "tau", "(3, 3)",
    "one column per quantile")

# --- optax' regression losses (half_squared_error, cosine_distance) -------------------------------

_hyper("cosine_distance", "epsilon", {"negative": -1.0, **_BAD_VALUES}, "finite number >= 0")
_t, _p, _ = example("cosine_distance")
row("cosine_distance-axis-out-of-range", _call("cosine_distance", _t, _p, axis=5), ValueError,
    "axis", "5", "Use an axis in")
row("cosine_distance-axis-string", _call("cosine_distance", _t, _p, axis="x"), TypeError, "axis",
    "'x'", "int")
row("CosineDistance-axis-float", lambda A: al.CosineDistance(axis=1.0), TypeError, "axis", "1.0",
    "int", arrays=False)
row("half_squared_error-shape-mismatch", _call("half_squared_error", _t, _p[:, :2]), ValueError,
    "y_pred", "(3, 2)", "same shape")
row("optax.cosine_distance-where", lambda A: al.get("optax.cosine_distance", where=A(_t) > 0),
    TypeError, "where", "optax.cosine_distance", "Supported arguments: axis, epsilon")

# --- segmentation family's catalogue losses (jaccard, focal_tversky, generalized_dice, dice_ce,
# dice_focal, mcc, lovasz) ------------------------------------------------------------------------

for _arg in ("alpha", "beta", "gamma", "smooth", "eps"):
    _hyper("focal_tversky", _arg, {"negative": -1.0, "string": "x", "nan": float("nan")},
           "finite number >= 0")
_hyper("dice_focal", "alpha", {"negative": -0.5, "above-one": 2.0, "nan": float("nan")},
       "number in [0, 1]")
for _name, _arg in (("dice_ce", "lambda_ce"), ("mcc", "smooth_dr"), ("jaccard", "smooth")):
    _hyper(_name, _arg, {"negative": -1.0, "string": "x", "inf": float("inf")},
           "finite number >= 0")
for _name, _arg, _value in (("jaccard", "activation", "relu"), ("mcc", "aggregation", "image"),
                            ("generalized_dice", "weight_type", "cube"),
                            ("generalized_dice", "combine", "sum"),
                            ("perceptron", "labels", "binary"),
                            ("lovasz", "variant", "sigmoid")):
    row(f"{_name}-{_arg}-{_value}", _call(_name, *example(_name)[:2], **{_arg: _value}),
        ValueError, _arg, repr(_value), "must be one of")
row("jaccard-class_axis-batch", _call("jaccard", *example("jaccard")[:2], class_axis=0),
    ValueError, "class_axis", "class_axis=0", "channels-first")
row("FocalTversky-class_axis-string", lambda A: al.FocalTversky(class_axis="last"), TypeError,
    "class_axis", "'last'", "an int", arrays=False)
row("Lovasz-ignore_index-float", lambda A: al.Lovasz(ignore_index=1.5), TypeError,
    "ignore_index", "1.5", "int label", arrays=False)
row("dice_ce-include_background-string",
    _call("dice_ce", *example("dice_ce")[:2], include_background="no"), TypeError,
    "include_background", "'no'", "True or False")
row("jaccard-axis-names-the-class-axis",
    _call("jaccard", *example("jaccard")[:2], axis=(1, 2)), ValueError, "axis", "(1, 2)",
    "never summed per sample")
row("smp.losses.FocalLoss-normalized", lambda A: al.get("smp.losses.FocalLoss", mode="binary",
                                                        normalized=True),
    ValueError, "normalized", "normalized=True", "Supported values: False", arrays=False)
row("smp.losses.FocalLoss-ignore_index", lambda A: al.get("smp.losses.FocalLoss",
                                                          mode="multiclass", ignore_index=255),
    TypeError, "ignore_index", "smp.losses.FocalLoss", "Supported arguments", arrays=False)
row("optax.multiclass_generalized_dice_loss-smooth",
    lambda A: al.get("optax.multiclass_generalized_dice_loss", smooth=0.5), TypeError, "smooth",
    "multiclass_generalized_dice_loss", "smooth = smooth_dr = 2 s", arrays=False)

# --- hinge family's catalogue losses (hinge_embedding, multilabel_margin, multiclass_hinge) -----

for _name in ("hinge_embedding", "multiclass_hinge"):
    _hyper(_name, "margin", {"string": "x", "nan": float("nan"), "inf": float("inf"),
                             "bool": True, "huge": 10 ** 400}, "finite number")
_t, _p, _ = example("hinge_embedding")
for _case, _labels, _seen in (("fractional", np.where(_t > 0, 0.5, -1.0), "0.5"),
                              ("mixed-0-1-minus-1", np.where(_t > 0, 0.0, -1.0), "0.0"),
                              ("two", np.where(_t > 0, 2.0, 1.0), "2.0")):
    row(f"hinge_embedding-label-{_case}", _call("hinge_embedding", _labels, _p), ValueError,
        "y_true", _seen, "map your targets to -1/1")
    row(f"HingeEmbedding-label-{_case}",
        lambda A, y=_labels, p=_p: al.HingeEmbedding()(A(y), A(p)), ValueError, "y_true", _seen,
        "map your targets to -1/1")
_t, _p, _ = example("multilabel_margin")
_ML_LABELS = {
    "label-too-large": (np.where(_t == 0, 4, _t), ValueError, "4", "padded with -1"),
    "label-below-minus-one": (np.where(_t == 0, -2, _t), ValueError, "-2", "padded with -1"),
    "label-fractional": (np.where(_t == 0, 0.5, _t), ValueError, "0.5", "Round or cast"),
    "label-nan": (np.where(_t == 0, np.nan, _t), ValueError, "nan", "Round or cast"),
    "label-bool": (_t > 0, TypeError, "boolean", "integer class indices"),
}
for _case, (_labels, _err, _seen, _fix) in _ML_LABELS.items():
    row(f"multilabel_margin-{_case}", _call("multilabel_margin", _labels, _p), _err, "y_true",
        _seen, _fix)
    row(f"MultiLabelMargin-{_case}", lambda A, y=_labels, p=_p: al.MultiLabelMargin()(A(y), A(p)),
        _err, "y_true", _seen, _fix)
row("multilabel_margin-one-label-per-sample", _call("multilabel_margin", _t[:, 0], _p),
    ValueError, "y_true", "(3,)", "pad each row with -1")
row("multilabel_margin-y_pred-scalar",
    lambda A: al.multilabel_margin(A(np.array(0)), A(np.float32(0.5))), ValueError, "y_pred",
    "()", "one score per class")
_t, _p, _ = example("multiclass_hinge")
for _case, (_labels, _err, _seen, _fix) in _LABEL_CASES.items():
    row(f"multiclass_hinge-{_case}", _call("multiclass_hinge", _labels, _p), _err, "y_true", _seen,
        _fix)
row("multiclass_hinge-one-hot-labels", _call("multiclass_hinge", np.eye(3)[_t], _p), ValueError,
    "y_true", "(3, 3)", "not one-hot")

# --- kl_div, ctc's and sparsemax' flags, and their peer spellings ------------------------------

for _name, _flag in (("kl_div", "log_target"), ("kl_div", "generalized"),
                     ("ctc", "divide_by_label_length"), ("ctc", "zero_infinity"),
                     ("sparsemax", "binary")):
    row(f"{_name}-{_flag}-string", _call(_name, *example(_name)[:2], **{_flag: "false"}),
        TypeError, _flag, "'false'", "True or False")
    row(f"{CLASS_OF[_name].__name__}-{_flag}-string",
        lambda A, c=CLASS_OF[_name], f=_flag: c(**{f: "false"}), TypeError, _flag, "'false'",
        "True or False", arrays=False)
_t, _p, _ = example("kl_div")
row("kl_div-axis-out-of-range", _call("kl_div", _t, _p, axis=5), ValueError, "axis", "5",
    "Use an axis in")
row("kl_div-axis-string", _call("kl_div", _t, _p, axis="x"), TypeError, "axis", "'x'", "int")
row("KLDiv-axis-float", lambda A: al.KLDiv(axis=1.0), TypeError, "axis", "1.0", "int",
    arrays=False)
row("kl_div-rank-mismatch", _call("kl_div", _t[..., None, None], _p), ValueError, "y_true",
    str(_t[..., None, None].shape), "reshape")
row("torch.nn.KLDivLoss-reduction-elementwise_mean",
    lambda A: al.get("torch.nn.KLDivLoss", reduction="elementwise_mean"), ValueError,
    "reduction", "'elementwise_mean'", "Supported values: 'mean', 'batchmean', 'sum', 'none'",
    arrays=False)
row("torch.nn.KLDivLoss-size_average", lambda A: al.get("torch.nn.KLDivLoss", size_average=True),
    TypeError, "size_average", "torch.nn.KLDivLoss", "Supported arguments: log_target, reduction",
    arrays=False)
row("optax.kl_divergence-where", lambda A: al.get("optax.kl_divergence", where=A(_t) > 0),
    TypeError, "where", "optax.kl_divergence", "Supported arguments: axis")
row("torch.nn.CTCLoss-blank", lambda A: al.get("torch.nn.CTCLoss", blank=1), ValueError, "blank",
    "blank=1", "Supported values: 0", arrays=False)
row("optax.ctc_loss-blank_id", lambda A: al.get("optax.ctc_loss", blank_id=2), ValueError,
    "blank_id", "blank_id=2", "Supported values: 0", arrays=False)
row("sparsemax-binary-shape-mismatch",
    _call("sparsemax", np.array([0.0, 1.0, 1.0]), np.array([[0.5, 0.5, 2.0]] * 2), binary=True),
    ValueError, "y_true", "(3,)", "reshape")

# --- axis ---------------------------------------------------------------------------------------

for _name in ("binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
              "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
              "cosine_similarity", "dice", "tversky"):
    _t, _p, _ = example(_name)
    row(f"{_name}-axis-out-of-range", _call(_name, _t, _p, axis=5), ValueError, "axis", "5",
        "Use an axis in")
    row(f"{_name}-axis-string", _call(_name, _t, _p, axis="x"), TypeError, "axis", "'x'", "int")
    row(f"{_name}-axis-float", _call(_name, _t, _p, axis=1.0), TypeError, "axis", "1.0", "int")
    row(f"{CLASS_OF[_name].__name__}-axis-string", lambda A, c=CLASS_OF[_name]: c(axis="x"),
        TypeError, "axis", "'x'", "int", arrays=False)
for _name in ("dice", "tversky"):
    _t, _p, _ = example(_name)
    row(f"{_name}-axis-repeated", _call(_name, _t, _p, axis=(1, 1)), ValueError, "axis",
        "(1, 1)", "each axis once")
    row(f"{_name}-axis-negative-out-of-range", _call(_name, _t, _p, axis=(0, -3)), ValueError,
        "axis", "(0, -3)", "Use an axis in")

# --- the classes: constructors and __call__ ----------------------------------------------------

for _name in NAMES:
    _cls = CLASS_OF[_name]
    _t, _p, _kw = example(_name)
    _c = _cls.__name__
    row(f"{_c}-reduction-unknown", lambda A, c=_cls: c(reduction="avg"), ValueError,
        "reduction", "'avg'", "Expected one of", arrays=False)
    row(f"{_c}-reduction-list", lambda A, c=_cls: c(reduction=["sum"]), ValueError,
        "reduction", "['sum']", "Expected one of", arrays=False)
    row(f"{_c}-name-int", lambda A, c=_cls: c(name=5), TypeError, "name", "5",
        "must be a string", arrays=False)
    row(f"{_c}-dtype-int32", lambda A, c=_cls: c(dtype="int32"), ValueError, "dtype", "int32",
        "float32", arrays=False)
    _kw_cls = {k: v for k, v in _kw.items() if k != "from_logits"}
    row(f"{_c}-sample_weight-batch",
        lambda A, c=_cls, t=_t, p=_p, k=_kw_cls: c(**k)(A(t), A(p), sample_weight=A(f32((4,)))),
        ValueError, "sample_weight", "(4,)", "one weight per sample")
    row(f"{_c}-sample_weight-strings",
        lambda A, c=_cls, t=_t, p=_p, k=_kw_cls: c(**k)(A(t), A(p),
                                                        sample_weight=np.array(["a"] * 3)),
        TypeError, "sample_weight", "<U1", "numeric")
    row(f"{_c}-mask-batch",
        lambda A, c=_cls, t=_t, p=_p, k=_kw_cls: c(**k)(A(t), A(p), mask=A(np.ones(5, bool))),
        ValueError, "mask", "(5,)", "per sample")
    row(f"{_c}-mask-strings",
        lambda A, c=_cls, t=_t, p=_p, k=_kw_cls: c(**k)(A(t), A(p), mask=np.array(["a"] * 3)),
        TypeError, "mask", "<U1", "numeric")

row("MeanSquaredError-sample_weight-extra-axes",
    lambda A: al.MeanSquaredError()(A(f32((3, 2))), A(f32((3, 2))),
                                    sample_weight=A(f32((3, 2, 2)))),
    ValueError, "sample_weight", "(3, 2, 2)", "one weight per sample")
row("Loss-without-call", lambda A: al.Loss()(A(f32((2,))), A(f32((2,)))), NotImplementedError,
    "call", "Loss", "must implement")
row("LossFunctionWrapper-fn-not-callable", lambda A: al.LossFunctionWrapper(5), TypeError, "fn",
    "5", "callable", arrays=False)

# --- get / serialize / deserialize / register -----------------------------------------------------

def _no_arrays(id: str, call: Callable[[], Any], error: type[Exception], arg: str, seen: str,
               fix: str) -> None:
    row(id, lambda A: call(), error, arg, seen, fix, arrays=False)


_no_arrays("get-int", lambda: al.get(5), ValueError, "identifier", "5", "Pass a loss name")
_no_arrays("get-list", lambda: al.get([1]), ValueError, "identifier", "[1]", "Pass a loss name")
_no_arrays("get-near-miss", lambda: al.get("msee"), ValueError, "loss", "'msee'",
           "Did you mean 'mse'")
_no_arrays("get-wrong-case", lambda: al.get("Mse"), ValueError, "loss", "'Mse'",
           "Did you mean")
_no_arrays("get-empty-string", lambda: al.get(""), ValueError, "loss", "''", "@anyloss.register")
_no_arrays("get-foreign-class", lambda: al.get(int), ValueError, "identifier", "int",
           "subclass of anyloss.Loss")
_no_arrays("get-base-class", lambda: al.get(al.Loss), ValueError, "identifier", "Loss",
           "implements `call`")
_no_arrays("get-empty-dict", lambda: al.get({}), ValueError, "class_name", "{}", "needs a string")
_no_arrays("serialize-int", lambda: al.serialize(5), TypeError, "serialize", "5",
           "loss function or an anyloss.Loss")
_no_arrays("serialize-lambda", lambda: al.serialize(lambda t, p: t), ValueError, "lambda",
           "<lambda>", "@anyloss.register")
_no_arrays("deserialize-int", lambda: al.deserialize(5), TypeError, "deserialize", "int",
           "loss name or a config dict")
_no_arrays("deserialize-unknown-name", lambda: al.deserialize("msee"), ValueError, "function",
           "'msee'", "Did you mean")
_no_arrays("deserialize-class_name-int", lambda: al.deserialize({"class_name": 5}), ValueError,
           "class_name", "5", "needs a string")
_no_arrays("deserialize-config-list",
           lambda: al.deserialize({"class_name": "Huber", "config": [1]}), ValueError, "config",
           "[1]", "must be a dict")
_no_arrays("deserialize-unknown-argument",
           lambda: al.deserialize({"class_name": "Huber", "config": {"foo": 1}}), ValueError,
           "foo", "Huber", "arguments are")
_no_arrays("deserialize-bad-hyperparameter",
           lambda: al.deserialize({"class_name": "Huber", "config": {"delta": -1}}), ValueError,
           "delta", "-1", "finite number > 0")
_no_arrays("deserialize-custom_objects-list", lambda: al.deserialize("mse", custom_objects=[1]),
           TypeError, "custom_objects", "list", "dict of name -> object")
_no_arrays("deserialize-lambda", lambda: al.deserialize({"class_name": "__lambda__"}),
           ValueError, "lambda", "__lambda__", "@anyloss.register")
_no_arrays("deserialize-foreign-module",
           lambda: al.deserialize({"module": "os", "class_name": "system", "config": {}}),
           ValueError, "module", "'os'", "@anyloss.register")
_no_arrays("deserialize-function-config-int",
           lambda: al.deserialize({"class_name": "function", "config": 5}), ValueError,
           "config", "5", "needs its name")
_no_arrays("deserialize-class-as-function",
           lambda: al.deserialize({"class_name": "function", "config": "Huber"}), ValueError,
           "function", "'Huber'", "Did you mean")
_no_arrays("deserialize-wrapper-without-fn",
           lambda: al.deserialize({"class_name": "LossFunctionWrapper", "config": {}}),
           ValueError, "fn", "LossFunctionWrapper", "naming the loss function")
_no_arrays("deserialize-wrong-fn",
           lambda: al.deserialize({"class_name": "MeanSquaredError",
                                   "config": {"fn": "mean_absolute_error"}}),
           ValueError, "fn", "'mean_absolute_error'", "expected 'mean_squared_error'")
_no_arrays("deserialize-fn-list",
           lambda: al.deserialize({"class_name": "MeanSquaredError", "config": {"fn": [1]}}),
           ValueError, "fn", "[1]", "expected 'mean_squared_error'")
_no_arrays("deserialize-dtype-policy-not-a-dict",
           lambda: al.deserialize({"class_name": "Huber", "config": {"dtype": {"config": 5}}}),
           ValueError, "dtype", "5", "float32")
_no_arrays("deserialize-dtype-policy-name-list",
           lambda: al.deserialize({"class_name": "Huber",
                                   "config": {"dtype": {"config": {"name": [1]}}}}),
           ValueError, "dtype", "[1]", "float32")
_no_arrays("deserialize-from_logits-string",
           lambda: al.deserialize({"class_name": "BinaryCrossentropy",
                                   "config": {"from_logits": "false"}}),
           ValueError, "from_logits", "'false'", "True or False")
_no_arrays("deserialize-axis-dict",
           lambda: al.deserialize({"class_name": "Dice", "config": {"axis": {"a": 1}}}),
           ValueError, "axis", "{'a': 1}", "int")
_no_arrays("register-package-int", lambda: al.register(package=5), ValueError, "package", "5",
           "string without '>'")
_no_arrays("register-name-int", lambda: al.register(name=5), ValueError, "name", "5",
           "string without '>'")
_no_arrays("register-non-callable", lambda: al.register()(5), ValueError, "register", "5",
           "Define the loss with `def`")
_no_arrays("register-class-without-config", lambda: al.register()(int), ValueError, "class",
           "get_config", "get_config() method")
_no_arrays("custom_objects-list", lambda: al.custom_objects([1]).__enter__(), TypeError,
           "custom_objects", "list", "dict of name -> object")

# --- LossesContainer --------------------------------------------------------------------------

_no_arrays("LossesContainer-loss_weights-string", lambda: al.LossesContainer("mse", "x"),
           ValueError, "loss_weights", "'x'", "one weight per output")
_no_arrays("LossesContainer-output_names-string",
           lambda: al.LossesContainer("mse", output_names="x"), ValueError, "output_names",
           "'x'", "one per output")
row("LossesContainer-unknown-loss",
    lambda A: al.LossesContainer("msee")(A(f32((2, 1))), A(f32((2, 1)))), ValueError, "loss",
    "'msee'", "Did you mean")
row("LossesContainer-list-for-one-output",
    lambda A: al.LossesContainer(["mse", "mae"])(A(f32((2, 1))), A(f32((2, 1)))), ValueError,
    "loss", "[*, *]", "Pass a single value")
row("LossesContainer-dict-keys-unknown",
    lambda A: al.LossesContainer({"a": "mse"})([A(f32((2, 1)))] * 2, [A(f32((2, 1)))] * 2),
    ValueError, "loss", "['a']", "Use those names as keys")
row("LossesContainer-missing-targets",
    lambda A: al.LossesContainer("mse")(None, A(f32((2, 1)))), ValueError, "y", "output_1",
    "Pass its labels")
row("LossesContainer-loss_weights-nan",
    lambda A: al.LossesContainer("mse", loss_weights=float("nan"))(A(f32((2, 1))),
                                                                   A(f32((2, 1)))),
    ValueError, "loss_weights", "nan", "finite")
row("LossesContainer-loss_weights-strings",
    lambda A: al.LossesContainer(["mse", "mse"], loss_weights=["a", 1])([A(f32((2, 1)))] * 2,
                                                                        [A(f32((2, 1)))] * 2),
    ValueError, "loss_weights", "'a'", "loss_weights={'output_1': 0.5}")
row("LossesContainer-sample_weight-batch",
    lambda A: al.LossesContainer("mse")(A(f32((2, 1))), A(f32((2, 1))),
                                        sample_weight=A(f32((5,)))),
    ValueError, "sample_weight", "(5,)", "one weight per sample")


def _structure_changes(A: Maker) -> Any:
    container = al.LossesContainer("mse")
    container(A(f32((2, 1))), A(f32((2, 1))))
    return container([A(f32((2, 1)))] * 2, [A(f32((2, 1)))] * 2)


row("LossesContainer-structure-changed", _structure_changes,
    ValueError, "y_pred", "[*, *]", "expected *")


def _torch_module_loss() -> Any:
    torch = pytest.importorskip("torch")  # the core install has no torch: nothing to refuse
    return al.LossesContainer(torch.nn.MSELoss())(f32((2, 1)), f32((2, 1)))


_no_arrays("LossesContainer-torch-loss-module", _torch_module_loss, ValueError, "loss",
           "MSELoss()", "wrap it")

# --- check_loss ---------------------------------------------------------------------------------

_no_arrays("check_loss-only-y_true", lambda: al.check_loss(al.mse, y_true=f32((2,))), ValueError,
           "y_pred", "None", "or neither")
_no_arrays("check_loss-unknown-backend", lambda: al.check_loss(al.mse, backends=["mxnet"]),
           ValueError, "backends", "'mxnet'", "Expected names from")
_no_arrays("check_loss-backends-int", lambda: al.check_loss(al.mse, backends=5), TypeError,
           "backends", "5", "Expected names from")
_no_arrays("check_loss-backends-empty", lambda: al.check_loss(al.mse, backends=[]), ValueError,
           "backends", "empty", "name at least one")
_no_arrays("check_loss-y_true-strings",
           lambda: al.check_loss(al.mse, y_true=np.array(["a", "b"]), y_pred=f32((2,))),
           TypeError, "y_true", "<U1", "numeric")
_no_arrays("check_loss-y_pred-strings",
           lambda: al.check_loss(al.mse, y_true=f32((2,)), y_pred="ab"), TypeError, "y_pred",
           "<U2", "numeric")

# --- ops ------------------------------------------------------------------------------------------

row("ops.add-strings", lambda A: ops.add(A(f32((2,))), np.array(["a", "b"])), TypeError,
    "operand", "<U1", "numeric")
row("ops.cast-unknown-dtype", lambda A: ops.cast(A(f32((2,))), "floaty"), ValueError, "dtype",
    "'floaty'", "float32")
for _op in ("sum", "mean", "max", "min", "argmax"):
    row(f"ops.{_op}-axis-out-of-range", lambda A, o=_op: getattr(ops, o)(A(f32((2, 3))), axis=5),
        ValueError, "axis", "5", "Use an axis in")
for _op in ("softmax", "log_softmax", "logsumexp"):
    row(f"ops.{_op}-axis-out-of-range", lambda A, o=_op: getattr(ops, o)(A(f32((2, 3))), axis=5),
        ValueError, "axis", "5", "Use an axis in")
row("ops.matmul-inner-sizes", lambda A: ops.matmul(A(f32((2, 3))), A(f32((2, 3)))), ValueError,
    "x2", "(2, 3)", "inner")
row("ops.reshape-size", lambda A: ops.reshape(A(f32((4,))), (3,)), ValueError, "new_shape",
    "(3,)", "4 elements")
row("ops.one_hot-num_classes-string", lambda A: ops.one_hot(A(np.array([0, 1])), "x"), TypeError,
    "num_classes", "'x'", "positive int")

ARRAY_ROWS = [r for r in ROWS if r.arrays]
PLAIN_ROWS = [r for r in ROWS if not r.arrays]

# --- NaN in, NaN out ------------------------------------------------------------------------------

LOGIT_LOSSES = ["binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
                "categorical_focal_crossentropy", "sparse_categorical_crossentropy"]
#: (loss, where the NaN is, from_logits)
NAN_ROWS: list[tuple[str, str, bool]] = (
    [(n, "y_pred", False) for n in NAMES]
    + [(n, "y_true", False) for n in FLOAT_TARGETS if SPECS[n].uses_y_true]
    + [(n, "y_pred", True) for n in LOGIT_LOSSES])
