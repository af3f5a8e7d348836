"""Segmentation losses (``segmentation.py``: jaccard, focal_tversky, generalized_dice, dice_ce,
dice_focal, mcc, lovasz) against their peers, values and gradients with respect to ``y_pred``
in float64, three seeds, on NumPy, torch and JAX inputs:

- MONAI (runs here): every spelling through ``al.get`` (keywords and config) against MONAI's
  ``reduction="mean"``; per-sample values against MONAI run on each sample alone; the classes
  for every reduction, with and without sample weights.
- segmentation_models_pytorch (its own environment): the numbers recorded by
  ``scripts/references/smp_segmentation.py`` in ``references/smp_segmentation.json`` (for
  ``FocalLoss`` also smp on each sample alone: the per-sample values, every reduction and
  sample weights).
- optax ``dice_loss``, ``binary_dice_loss`` and ``multiclass_generalized_dice_loss`` (run
  here; the latter's per-sample values from optax' ``dice_loss`` with its batch weights).

Then ``jax.jit``, lazy Dask and ``torch.compile(fullgraph=True)``.

Known differences, asserted with their tolerance: MONAI computes the generalized Dice weights
in float32 (``ground_o.float()``) and its focal term in float32 (``input.float()``); smp's Lovasz
runs in float32 (its recorded numbers are float32).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss.losses._builtin import PEERS
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
monai_losses = pytest.importorskip("monai.losses")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

SEEDS = [0, 1, 2]
LIBS = ["numpy", "torch", "jax", "tensorflow"]
#: JAX compiles once per shape and configuration (up to seconds on a busy CI machine): JAX runs
#: every third configuration (every seed), NumPy and torch run all of them.
JAX_EVERY = 3
BATCH, CLASSES, HEIGHT, WIDTH = 3, 3, 4, 5
SMP = json.loads((Path(__file__).parent / "references/smp_segmentation.json").read_text())


def _t(x: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(x))


def _close(actual: Any, expected: Any, what: str = "", rtol: float = 1e-10,
           atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol,
                               err_msg=what)


def _value_and_grad(lib: str, fn: Callable[[Any, Any], Any], y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(y_true, y_pred)`` on ``lib`` and the gradient of its sum (None on NumPy)."""
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    labels = Backend.load(lib).asarray(y_true)
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    if lib == "torch":
        x = _t(y_pred).requires_grad_(True)
        out = fn(labels, x)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()
    (_, value), grad = _jitted(fn)(labels, jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


_JITTED: dict[Any, Any] = {}


def _jitted(fn: Callable[[Any, Any], Any]) -> Any:
    """``fn``'s value and gradient under ``jax.jit``, compiled once per ``fn`` (and shape): one
    XLA compile per case instead of one per primitive and seed (eager JAX runs the same
    formula; the property batteries run it eagerly)."""
    if fn not in _JITTED:
        def total(t: Any, p: Any) -> tuple[Any, Any]:
            out = fn(t, p)
            return jnp.sum(out), out

        _JITTED[fn] = jax.jit(jax.value_and_grad(total, argnums=1, has_aux=True))
    return _JITTED[fn]


# --- MONAI --------------------------------------------------------------------------------------


def _inputs(seed: int, kind: str, channels: int = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Channels-first ``(y_true, y_pred)``: ``kind`` is "onehot" (masks, y_pred probabilities),
    "onehot-logits", "labels-logits" ((N, 1, H, W) labels) or "multilabel-logits". Class 2 is
    absent from sample 0 (an empty class)."""
    rng = np.random.default_rng(seed)
    logits = 2.0 * rng.normal(size=(BATCH, channels, HEIGHT, WIDTH))
    labels = rng.integers(0, channels, size=(BATCH, 1, HEIGHT, WIDTH))
    labels[0][labels[0] == 2] = 1
    onehot = (labels == np.arange(channels)[None, :, None, None]).astype(float)
    if kind == "multilabel-logits":
        return (rng.uniform(size=logits.shape) < 0.4).astype(float), logits
    if kind == "labels-logits":
        return labels, logits
    if kind == "onehot-logits":
        return onehot, logits
    e = np.exp(logits - logits.max(1, keepdims=True))
    return onehot, e / e.sum(1, keepdims=True)


@dataclass
class Monai:
    spelling: str
    kwargs: dict[str, Any]
    kind: str
    channels: int = CLASSES
    rtol: float = 1e-10
    atol: float = 1e-12
    #: MONAI's batch=True: one value for the batch, not a per-sample one.
    batch: bool = field(init=False)

    _cache: dict[tuple[int, bool], tuple[Any, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.batch = bool(self.kwargs.get("batch"))
        self._cache = {}

    @property
    def id(self) -> str:
        return f"{self.spelling.rsplit('.', 1)[1]}-{self.kwargs}-{self.kind}-{self.channels}"

    def data(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return _inputs(seed, self.kind, self.channels)

    def peer(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, np.ndarray]:
        """MONAI's ``reduction="mean"`` value and its gradient."""
        loss = getattr(monai_losses, self.spelling.rsplit(".", 1)[1])(**self.kwargs)
        x = _t(y_pred).requires_grad_(True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = loss(x, _t(y_true))
        (grad,) = torch.autograd.grad(out, x)
        return float(out.detach()), grad.numpy()

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MONAI on each sample alone: the per-sample values and the gradient of their sum."""
        pairs = [self.peer(y_true[b:b + 1], y_pred[b:b + 1]) for b in range(len(y_pred))]
        return np.array([v for v, _ in pairs]), np.concatenate([g for _, g in pairs])

    def reference(self, seed: int, per_sample: bool = False) -> tuple[Any, ...]:
        """``(y_true, y_pred, value, gradient)`` of ``seed``: MONAI's mean (or per-sample
        values), computed once per case and seed (every library compares with it)."""
        key = (seed, per_sample)
        if key not in self._cache:
            y_true, y_pred = self.data(seed)
            peer = self.per_sample if per_sample else self.peer
            self._cache[key] = (y_true, y_pred, *peer(y_true, y_pred))
        return self._cache[key]

    def close(self, actual: Any, expected: Any, what: str = "") -> None:
        _close(actual, expected, what, self.rtol, self.atol)


# MONAI computes the generalized Dice weights in float32, its focal term in float32.
GDL = {"rtol": 1e-8, "atol": 1e-9}
FOCAL = {"rtol": 1e-6, "atol": 1e-7}

MONAI_CASES = [
    Monai("monai.losses.DiceLoss", {}, "onehot"),
    Monai("monai.losses.DiceLoss", {"jaccard": True}, "onehot"),
    Monai("monai.losses.DiceLoss", {"softmax": True, "to_onehot_y": True}, "labels-logits"),
    Monai("monai.losses.DiceLoss", {"softmax": True, "batch": True,
                                    "include_background": False}, "onehot-logits"),
    Monai("monai.losses.DiceLoss", {"sigmoid": True}, "multilabel-logits"),
    Monai("monai.losses.TverskyLoss", {}, "onehot"),
    Monai("monai.losses.TverskyLoss", {"alpha": 0.3, "beta": 0.7, "smooth_nr": 0.1,
                                       "smooth_dr": 0.2}, "onehot"),
    Monai("monai.losses.TverskyLoss", {"sigmoid": True, "batch": True},
          "multilabel-logits"),
    Monai("monai.losses.TverskyLoss", {"softmax": True, "include_background": False},
          "onehot-logits"),
    Monai("monai.losses.GeneralizedDiceLoss", {}, "onehot", **GDL),
    Monai("monai.losses.GeneralizedDiceLoss", {"w_type": "simple"}, "onehot", **GDL),
    Monai("monai.losses.GeneralizedDiceLoss", {"w_type": "uniform"}, "onehot"),
    Monai("monai.losses.GeneralizedDiceLoss", {"batch": True}, "onehot", **GDL),
    Monai("monai.losses.GeneralizedDiceLoss", {"softmax": True, "include_background": False,
                                               "smooth_nr": 0.0, "smooth_dr": 1e-3},
          "onehot-logits", **GDL),
    Monai("monai.losses.DiceCELoss", {}, "onehot-logits"),
    Monai("monai.losses.DiceCELoss", {"softmax": True, "to_onehot_y": True}, "labels-logits"),
    Monai("monai.losses.DiceCELoss", {"softmax": True, "batch": True, "lambda_dice": 0.3,
                                      "lambda_ce": 2.0}, "onehot-logits"),
    Monai("monai.losses.DiceCELoss", {"sigmoid": True, "include_background": False},
          "onehot-logits"),
    Monai("monai.losses.DiceCELoss", {"sigmoid": True}, "multilabel-logits", channels=1),
    Monai("monai.losses.DiceFocalLoss", {}, "onehot-logits", **FOCAL),
    Monai("monai.losses.DiceFocalLoss", {"sigmoid": True, "gamma": 1.5, "alpha": 0.25},
          "multilabel-logits", **FOCAL),
    Monai("monai.losses.DiceFocalLoss", {"softmax": True, "batch": True,
                                         "include_background": False, "lambda_focal": 2.0,
                                         "smooth_nr": 0.0}, "onehot-logits", **FOCAL),
    Monai("monai.losses.MCCLoss", {}, "onehot"),
    Monai("monai.losses.MCCLoss", {"sigmoid": True, "smooth_nr": 0.01}, "multilabel-logits"),
    Monai("monai.losses.MCCLoss", {"softmax": True, "batch": True,
                                   "include_background": False}, "onehot-logits"),
    Monai("monai.losses.MCCLoss", {"sigmoid": True}, "multilabel-logits", channels=1),
]
PER_SAMPLE = [c for c in MONAI_CASES if not c.batch]


def _lib_cases(cases: list[Any]) -> list[Any]:
    """(case, lib) pairs: NumPy and torch for every case, JAX for every JAX_EVERY-th."""
    return [pytest.param(c, lib, id=f"{c.id}-{lib}") for i, c in enumerate(cases)
            for lib in LIBS if lib != "jax" or i % JAX_EVERY == 0]


@pytest.mark.parametrize(("case", "lib"), _lib_cases(MONAI_CASES))
def test_monai_spellings_give_monai_numbers(case, lib):
    config = {"class_name": case.spelling, "config": case.kwargs}
    losses = (al.get(case.spelling, **case.kwargs), al.get(config))
    for seed in SEEDS:
        y_true, y_pred, expected, expected_grad = case.reference(seed)
        for loss in losses:
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            case.close(value, expected, f"seed {seed}")
            if grad is not None:
                case.close(grad, expected_grad, f"gradient, seed {seed}")


@pytest.mark.parametrize(("case", "lib"), _lib_cases(PER_SAMPLE))
def test_function_per_sample_equals_monai_on_each_sample(case, lib):
    loss = al.get(case.spelling, **case.kwargs)
    fn, arguments = loss.fn, loss.arguments()

    def function(t: Any, p: Any) -> Any:
        return fn(t, p, **arguments)

    for seed in SEEDS:
        y_true, y_pred, expected, expected_grad = case.reference(seed, per_sample=True)
        value, grad = _value_and_grad(lib, function, y_true, y_pred)
        assert value.shape == (BATCH,)
        case.close(value, expected, f"seed {seed}")
        if grad is not None:
            case.close(grad, expected_grad, f"gradient, seed {seed}")


@pytest.mark.parametrize("lib", ["numpy", "torch"])
@pytest.mark.parametrize("case", PER_SAMPLE[::3], ids=lambda c: c.id)
def test_class_reductions_and_weights_equal_monai_per_sample(case, lib):
    y_true, y_pred, values, _ = case.reference(0, per_sample=True)
    weights = np.linspace(0.0, 2.0, BATCH)
    expected = {
        "sum_over_batch_size": values.mean(),
        "sum": values.sum(),
        "none": values,
        "mean_with_sample_weight": values.mean(),
    }
    for reduction, want in expected.items():
        loss = al.get(case.spelling, **case.kwargs)
        loss.reduction = reduction
        value, _ = _value_and_grad(lib, loss, y_true, y_pred)
        case.close(value, want, reduction)
    loss = al.get(case.spelling, **case.kwargs)
    weighted, _ = _value_and_grad(
        lib, lambda t, p: loss(t, p, sample_weight=Backend.load(lib).asarray(weights)),
        y_true, y_pred)
    case.close(weighted, (values * weights).sum() / BATCH, "weighted")


def test_jaccard_function_equals_monai_jaccard_per_sample():
    # MONAI's DiceLoss(jaccard=True) is (2 TP + s) / (2 (TP + FP + FN) + s): jaccard with s / 2.
    for seed in SEEDS:
        y_true, y_pred = _inputs(seed, "onehot")
        x = _t(y_pred).requires_grad_(True)
        out = monai_losses.DiceLoss(jaccard=True, reduction="none")(x, _t(y_true))
        expected = out.mean(dim=(1, 2, 3))
        (grad,) = torch.autograd.grad(expected.sum(), x)
        value, mine = _value_and_grad(
            "torch", lambda t, p: al.jaccard(t, p, smooth=5e-6, eps=0.0, class_axis=1),
            y_true, y_pred)
        _close(value, expected.detach().numpy())
        _close(mine, grad.numpy())


# --- segmentation_models_pytorch (recorded) -----------------------------------------------------


def _smp_tolerance(case: dict[str, Any]) -> dict[str, float]:
    return {"rtol": 1e-5, "atol": 1e-6} if case["dtype"] == "float32" else {}


@pytest.mark.parametrize("lib", LIBS)
def test_smp_spellings_give_smp_numbers(lib):
    assert SMP["provenance"]["peer"] == "segmentation-models-pytorch"
    cases = SMP["cases"]
    if lib == "jax":  # the first (loss, arguments) of every peer class
        first = {}
        for c in cases:
            first.setdefault(c["loss"], json.dumps(c["kwargs"]))
        cases = [c for c in cases if first[c["loss"]] == json.dumps(c["kwargs"])]
    built: dict[str, list[Any]] = {}
    for case in cases:
        y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
        what = f"{case['loss']}({case['kwargs']}) seed {case['seed']}"
        key = case["loss"] + json.dumps(case["kwargs"])
        if key not in built:
            config = {"class_name": case["loss"], "config": case["kwargs"]}
            built[key] = [al.get(case["loss"], **case["kwargs"])]
            if lib == "numpy":
                built[key].append(al.get(config))
        for loss in built[key]:
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            _close(value, case["value"], what, **_smp_tolerance(case))
            if grad is not None:
                _close(grad, case["grad"], "gradient " + what, **_smp_tolerance(case))


def test_smp_batch_value_is_every_samples_value_and_per_image_is_the_sample_mean():
    """smp's batch-aggregated number comes back for every sample (aggregation="batch" or
    per_image=False); Lovasz' per_image=True and the focal loss (a mean over every pixel) are
    the mean of anyloss' per-sample values."""
    for case in SMP["cases"]:
        y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
        loss = al.get(case["loss"], **case["kwargs"])
        values = loss.fn(y_true, y_pred, **loss.arguments())
        assert values.shape == (len(y_pred),)
        if case["kwargs"].get("per_image") or case["loss"] == "smp.losses.FocalLoss":
            _close(values.mean(), case["value"], case["loss"], **_smp_tolerance(case))
        else:
            _close(values, np.full(len(y_pred), case["value"]), case["loss"],
                   **_smp_tolerance(case))


SMP_FOCAL = [c for c in SMP["cases"] if c["loss"] == "smp.losses.FocalLoss"]


@pytest.mark.parametrize("lib", LIBS)
def test_smp_focal_per_sample_values_reductions_and_weights_equal_smp_on_each_sample(lib):
    """smp's FocalLoss on each sample alone (recorded) is the per-sample value; every reduction,
    with and without sample weights, reduces those values."""
    cases = SMP_FOCAL if lib in ("numpy", "torch") else SMP_FOCAL[::4]
    weights = np.linspace(0.0, 2.0, 2)
    for case in cases:
        y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"])
        values, grad = np.array(case["per_sample"]), np.array(case["per_sample_grad"])
        what = f"{case['kwargs']} seed {case['seed']}"
        loss = al.get(case["loss"], **case["kwargs"])
        fn, arguments = loss.fn, loss.arguments()
        mine, mine_grad = _value_and_grad(
            lib, lambda t, p, fn=fn, arguments=arguments: fn(t, p, **arguments), y_true, y_pred)
        _close(mine, values, what)
        if mine_grad is not None:
            _close(mine_grad, grad, "gradient " + what)
        for reduction, want in (("sum_over_batch_size", values.mean()), ("sum", values.sum()),
                                ("mean", values.mean()), ("none", values)):
            loss = al.get(case["loss"], **case["kwargs"])  # a new one: JAX compiles per object
            loss.reduction = reduction
            _close(_value_and_grad(lib, loss, y_true, y_pred)[0], want, reduction + what)
        weight = Backend.load(lib).asarray(weights)
        for reduction, want in (("sum_over_batch_size", (values * weights).mean()),
                                ("sum", (values * weights).sum()),
                                ("mean_with_sample_weight",
                                 (values * weights).sum() / weights.sum())):
            loss = al.get(case["loss"], **case["kwargs"])
            loss.reduction = reduction
            value, weighted_grad = _value_and_grad(
                lib, lambda t, p, loss=loss, w=weight: loss(t, p, sample_weight=w), y_true,
                y_pred)
            _close(value, want, f"weighted {reduction} {what}")
            if weighted_grad is not None and reduction == "sum":
                _close(weighted_grad, weights[:, None, None, None] * grad, "weighted " + what)


def test_smp_focal_refuses_what_it_cannot_reproduce():
    with pytest.raises(ValueError, match=r"normalized=True is not supported.*Supported values: "
                                         r"False"):
        al.get("smp.losses.FocalLoss", mode="binary", normalized=True)
    with pytest.raises(ValueError, match=r"reduced_threshold=0\.5 is not supported"):
        al.get("smp.losses.FocalLoss", mode="binary", reduced_threshold=0.5)
    with pytest.raises(ValueError, match=r"reduction='sum' is not supported"):
        al.get("smp.losses.FocalLoss", mode="multiclass", reduction="sum")
    with pytest.raises(ValueError, match=r"from_logits=False is not supported"):
        al.get("smp.losses.FocalLoss", mode="multilabel", from_logits=False)
    for argument, value in (("ignore_index", 255), ("class_weights", [1.0, 2.0]),
                            ("eps", 1e-6)):
        with pytest.raises(TypeError, match=rf"'{argument}'.*Supported arguments: alpha, "
                                            "from_logits, gamma, mode"):
            al.get("smp.losses.FocalLoss", mode="multiclass", **{argument: value})


#: The smp spellings whose numbers the reference records (compared above).
SMP_SPELLINGS = {"smp.losses.DiceLoss", "smp.losses.JaccardLoss", "smp.losses.TverskyLoss",
                 "smp.losses.LovaszLoss", "smp.losses.MCCLoss", "smp.losses.FocalLoss"}


def test_smp_spellings_in_the_reference_cover_every_declared_smp_spelling():
    recorded = {case["loss"] for case in SMP["cases"]}
    declared = {s for s in PEERS if s.startswith("smp.") and PEERS[s][0] in SEGMENTATION}
    assert declared == recorded == SMP_SPELLINGS, (declared, recorded)


# --- optax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "channels"), [
    ({}, 3), ({}, 1), ({"alpha": 0.3, "beta": 0.7, "smooth": 0.1, "ignore_background": True}, 3),
])
def test_optax_dice_loss_spelling_gives_optax_numbers(kwargs, channels):
    loss = al.get("optax.dice_loss", **kwargs)
    loss.reduction = "none"

    def total(t: Any, p: Any) -> tuple[Any, Any]:
        out = optax.losses.dice_loss(p, t, **kwargs)
        return jnp.sum(out), out

    peer = jax.jit(jax.value_and_grad(total, argnums=1, has_aux=True))
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y_pred = rng.normal(size=(BATCH, HEIGHT, WIDTH, channels))
        y_true = (np.eye(channels)[rng.integers(0, channels, (BATCH, HEIGHT, WIDTH))]
                  if channels > 1 else (rng.uniform(size=y_pred.shape) < 0.5).astype(float))
        t, p = jnp.asarray(y_true), jnp.asarray(y_pred)
        (_, expected), expected_grad = peer(t, p)
        value, grad = _value_and_grad("jax", loss, y_true, y_pred)
        _close(value, expected, f"seed {seed}")
        _close(grad, expected_grad, f"seed {seed}")
        mean = al.get({"class_name": "optax.losses.dice_loss", "config": kwargs})
        _close(mean(y_true, y_pred), np.mean(np.asarray(expected)))


@pytest.mark.parametrize(("kwargs", "shape"), [
    ({}, (BATCH, HEIGHT, WIDTH)), ({}, (BATCH, HEIGHT, WIDTH, 1)),
    ({"smooth": 0.1, "apply_sigmoid": False}, (BATCH, HEIGHT * WIDTH)),
])
def test_optax_binary_dice_loss_spelling_gives_optax_numbers(kwargs, shape):
    loss = al.get("optax.binary_dice_loss", **kwargs)
    loss.reduction = "none"
    # optax' apply_sigmoid=False checks that the one channel sums to 1 (it refuses every
    # probability but 1): probabilities p are compared with optax on the logits log(p / (1 - p)).
    probabilities = kwargs.get("apply_sigmoid") is False
    peer_kwargs = {**kwargs, "apply_sigmoid": True}

    def total(t: Any, p: Any) -> tuple[Any, Any]:
        out = optax.losses.binary_dice_loss(jnp.log(p / (1 - p)) if probabilities else p, t,
                                            **peer_kwargs)
        return jnp.sum(out), out

    peer = jax.jit(jax.value_and_grad(total, argnums=1, has_aux=True))
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y_pred = rng.normal(size=shape)
        if kwargs.get("apply_sigmoid") is False:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        y_true = (rng.uniform(size=shape) < 0.5).astype(float)
        (_, expected), expected_grad = peer(jnp.asarray(y_true), jnp.asarray(y_pred))
        for lib in LIBS:
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            _close(value, expected, f"{lib}, seed {seed}")
            if grad is not None:
                _close(grad, expected_grad, f"{lib}, seed {seed}")


def _gdl_inputs(seed: int, probabilities: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Channels-last one-hot targets (class 2 absent from the whole batch for seed 1) and
    logits (or softmax probabilities)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2 if seed == 1 else CLASSES, (BATCH, HEIGHT, WIDTH))
    y_pred = 2.0 * rng.normal(size=(BATCH, HEIGHT, WIDTH, CLASSES))
    if probabilities:
        e = np.exp(y_pred - y_pred.max(-1, keepdims=True))
        y_pred = e / e.sum(-1, keepdims=True)
    return np.eye(CLASSES)[labels], y_pred


def _optax_gdl(y_true: np.ndarray, y_pred: np.ndarray,
               kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """optax' scalar and its gradient (jitted), and the per-sample values it averages: optax'
    own dice_loss with its batch weights (1 / (F_c^2 + 1e-7) scaled to sum to C), asserted to
    average to optax' scalar."""
    t, p = jnp.asarray(y_true), jnp.asarray(y_pred)
    peer = jax.value_and_grad(
        lambda p: optax.losses.multiclass_generalized_dice_loss(p, t, **kwargs))
    # apply_softmax=False checks the probabilities' values in Python: not under jax.jit.
    value, grad = (peer if kwargs.get("apply_softmax") is False else jax.jit(peer))(p)
    inverse = 1.0 / (jnp.sum(t, axis=(0, 1, 2)) ** 2 + 1e-7)
    weights = inverse / jnp.sum(inverse) * CLASSES
    per_class = optax.losses.dice_loss(p, t, class_weights=weights, reduction="none",
                                       **kwargs)
    per_sample = np.asarray(jnp.mean(per_class, axis=-1))
    _close(per_sample.mean(), value, "optax' per-sample values")
    return np.asarray(value), np.asarray(grad), per_sample


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("kwargs", [{}, {"ignore_background": True}, {"apply_softmax": False}],
                         ids=str)
def test_optax_multiclass_generalized_dice_spelling_gives_optax_numbers(kwargs, lib):
    name = "optax.multiclass_generalized_dice_loss"
    losses = [al.get(name, **kwargs), al.get({"class_name": name, "config": kwargs})]
    assert losses[0].get_config() == losses[1].get_config()
    for seed in SEEDS:
        y_true, y_pred = _gdl_inputs(seed, probabilities=kwargs.get("apply_softmax") is False)
        expected, expected_grad, _ = _optax_gdl(y_true, y_pred, kwargs)
        for loss in losses[:1] if lib == "jax" else losses:
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            _close(value, expected, f"seed {seed}")
            if grad is not None:
                _close(grad, expected_grad, f"gradient, seed {seed}")


@pytest.mark.parametrize("lib", LIBS)
def test_generalized_dice_mean_per_sample_reductions_weights_and_smoothing_equal_optax(lib):
    """combine="mean": the function's per-sample values are optax' class means (batch weights),
    every reduction with and without sample weights reduces them; optax' smooth s is anyloss'
    smooth = smooth_dr = 2 s."""
    w = np.linspace(0.0, 2.0, BATCH)
    ww = Backend.load(lib).asarray(w)
    for seed in SEEDS:
        y_true, y_pred = _gdl_inputs(seed)
        _, _, values = _optax_gdl(y_true, y_pred, {"smooth": 0.3})
        arguments = {"combine": "mean", "smooth": 0.6, "smooth_dr": 0.6, "from_logits": True}
        value, _ = _value_and_grad(
            lib, lambda t, p, kw=arguments: al.generalized_dice(t, p, **kw), y_true, y_pred)
        _close(value, values, f"seed {seed}")
        for reduction, want in (("sum_over_batch_size", values.mean()), ("sum", values.sum()),
                                ("mean", values.mean()), ("none", values)):
            loss = al.GeneralizedDice(reduction=reduction, **arguments)
            _close(_value_and_grad(lib, loss, y_true, y_pred)[0], want, reduction)
        for reduction, want in (("sum_over_batch_size", (w * values).mean()),
                                ("sum", (w * values).sum()),
                                ("mean_with_sample_weight", (w * values).sum() / w.sum())):
            loss = al.GeneralizedDice(reduction=reduction, **arguments)
            value, _ = _value_and_grad(
                lib, lambda t, p, loss=loss: loss(t, p, sample_weight=ww), y_true, y_pred)
            _close(value, want, "weighted " + reduction)


def test_generalized_dice_mean_weights_are_batch_level_and_monai_ratio_is_unchanged():
    y_true, y_pred = _gdl_inputs(0)
    whole = al.generalized_dice(y_true, y_pred, combine="mean", from_logits=True)
    alone = al.generalized_dice(y_true[:1], y_pred[:1], combine="mean", from_logits=True)
    assert not np.allclose(whole[0], alone[0])  # the weights come from the batch
    # Uniform weights: the plain class mean of the Dice losses, per sample.
    uniform = al.generalized_dice(y_true, y_pred, combine="mean", weight_type="uniform",
                                  from_logits=True)
    per_sample = [al.generalized_dice(y_true[b:b + 1], y_pred[b:b + 1], combine="mean",
                                      weight_type="uniform", from_logits=True)[0]
                  for b in range(BATCH)]
    _close(uniform, per_sample)
    assert al.get("monai.losses.GeneralizedDiceLoss").combine == "ratio"
    with pytest.raises(ValueError, match=r"`combine` of generalized_dice must be one of 'ratio', "
                                         r"'mean'\. Received: combine='sum'"):
        al.GeneralizedDice(combine="sum")
    with pytest.raises(TypeError, match=r"'smooth'.*Note: .*smooth = smooth_dr = 2 s"):
        al.get("optax.multiclass_generalized_dice_loss", smooth=0.5)


# --- layout, arguments --------------------------------------------------------------------------

SEGMENTATION = ("jaccard", "focal_tversky", "generalized_dice", "dice_ce", "dice_focal", "mcc",
                "lovasz")


@pytest.mark.parametrize("name", SEGMENTATION[:-1])
def test_channels_last_equals_channels_first_and_labels_equal_one_hot(name):
    fn = al.losses.FUNCTIONS[name]
    labels, y_pred = _inputs(0, "labels-logits")
    onehot, _ = _inputs(0, "onehot-logits")
    kwargs = {} if name in ("dice_ce", "dice_focal") else {"from_logits": True}
    first = fn(onehot, y_pred, class_axis=1, **kwargs)
    last = fn(np.moveaxis(onehot, 1, -1), np.moveaxis(y_pred, 1, -1), class_axis=-1, **kwargs)
    _close(last, first)
    _close(fn(labels[:, 0], y_pred, class_axis=1, **kwargs), first)
    _close(fn(labels, y_pred, class_axis=1, **kwargs), first)
    _close(fn(onehot, y_pred, class_axis=1, axis=(2, 3), **kwargs), first)


def test_explicit_axis_leaves_the_other_axes_per_sample():
    y_true, y_pred = _inputs(1, "onehot")
    rows = al.jaccard(y_true, y_pred, class_axis=1, axis=3)
    assert rows.shape == (BATCH, HEIGHT)
    _close(rows[:, 2], al.jaccard(y_true[:, :, 2], y_pred[:, :, 2], class_axis=1))


def test_lovasz_softmax_takes_one_hot_and_probabilities():
    labels, y_pred = _inputs(2, "labels-logits")
    onehot, probs = _inputs(2, "onehot")
    base = al.lovasz(labels[:, 0], y_pred, variant="softmax", class_axis=1)
    _close(al.lovasz(onehot, y_pred, variant="softmax", class_axis=1), base)
    _close(al.lovasz(labels[:, 0], probs, variant="softmax", class_axis=1, apply_softmax=False),
           base)


@pytest.mark.parametrize(("name", "kwargs", "error", "match"), [
    ("jaccard", {"class_axis": 0}, ValueError, "batch axis"),
    ("focal_tversky", {"activation": "relu"}, ValueError, "activation"),
    ("generalized_dice", {"weight_type": "cube"}, ValueError, "weight_type"),
    ("mcc", {"aggregation": "image"}, ValueError, "aggregation"),
    ("dice_focal", {"alpha": 1.5}, ValueError, "alpha"),
    ("lovasz", {"variant": "sigmoid"}, ValueError, "variant"),
    ("lovasz", {"ignore_index": 1.5}, TypeError, "ignore_index"),
    ("dice_ce", {"include_background": "no"}, TypeError, "include_background"),
    ("jaccard", {"axis": (1, 2)}, ValueError, "class axis"),
])
def test_bad_arguments_name_the_argument(name, kwargs, error, match):
    y_true, y_pred = np.zeros((2, 3, 4)), np.full((2, 3, 4), 0.25)
    with pytest.raises(error, match=match):
        al.losses.FUNCTIONS[name](y_true, y_pred, **kwargs)


def test_peer_modes_not_listed_are_refused():
    with pytest.raises(ValueError, match="mode='binary-ish'"):
        al.get("smp.losses.LovaszLoss", mode="binary-ish")
    with pytest.raises(ValueError, match="reduction='sum'"):
        al.get("monai.losses.DiceCELoss", reduction="sum")
    with pytest.raises(TypeError, match="class_weights"):
        al.get("smp.losses.DiceLoss", mode="multiclass", class_weights=[1.0, 2.0])


# --- jit, lazy Dask, torch.compile --------------------------------------------------------------

COMPILED = [
    ("jaccard", {"from_logits": True, "class_axis": 1}),
    ("focal_tversky", {"from_logits": True, "class_axis": 1, "alpha": 0.3, "beta": 0.7}),
    ("generalized_dice", {"from_logits": True, "class_axis": 1}),
    ("dice_ce", {"class_axis": 1, "aggregation": "batch"}),
    ("dice_focal", {"class_axis": 1, "alpha": 0.25}),
    ("mcc", {"from_logits": True, "class_axis": 1}),
    ("lovasz", {"variant": "softmax", "class_axis": 1}),
    ("lovasz", {"per_image": False}),
    ("generalized_dice", {"from_logits": True, "class_axis": 1, "combine": "mean",
                          "include_background": False}),
    ("dice_focal", {"class_axis": 1, "lambda_dice": 0.0, "gamma": 1.5}),
]


def _compiled_inputs(name: str, kwargs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    if name == "lovasz" and kwargs.get("variant") != "softmax":
        onehot, y_pred = _inputs(1, "multilabel-logits")
        return onehot, y_pred
    labels, y_pred = _inputs(1, "labels-logits")
    return labels[:, 0], y_pred


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_jax_jit(name, kwargs):
    fn = al.losses.FUNCTIONS[name]
    y_true, y_pred = _compiled_inputs(name, kwargs)
    jitted = jax.jit(lambda t, p: fn(t, p, **kwargs))
    _close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), fn(y_true, y_pred, **kwargs))


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_dask_stays_lazy(name, kwargs):
    da = pytest.importorskip("dask.array")
    fn = al.losses.FUNCTIONS[name]
    y_true, y_pred = _compiled_inputs(name, kwargs)
    out = fn(da.from_array(y_true, chunks=2), da.from_array(y_pred, chunks=2), **kwargs)
    assert isinstance(out, da.Array)
    _close(out.compute(), fn(y_true, y_pred, **kwargs))


#: torch.compile costs seconds per loss: the Tversky family (jaccard shares focal_tversky's
#: code), generalized Dice (both combines), the compound losses (dice_focal shares dice_ce's),
#: MCC and Lovasz.
TORCH_COMPILED = [COMPILED[i] for i in (1, 2, 3, 5, 6, 8)]


@pytest.mark.parametrize(("name", "kwargs"), TORCH_COMPILED, ids=lambda x: str(x))
def test_torch_compile_fullgraph(name, kwargs):
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[name]]
    loss = cls(**kwargs)
    y_true, y_pred = _compiled_inputs(name, kwargs)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), fullgraph=True, backend="aot_eager")
    x = _t(y_pred).requires_grad_(True)
    (grad,) = torch.autograd.grad(compiled(_t(y_true), x), x)
    x2 = _t(y_pred).requires_grad_(True)
    (expected_grad,) = torch.autograd.grad(loss(_t(y_true), x2), x2)
    _close(compiled(_t(y_true), _t(y_pred)).detach().numpy(), loss(y_true, y_pred))
    _close(grad.numpy(), expected_grad.numpy())


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", SEGMENTATION)
def test_a_label_outside_the_classes_is_refused_not_one_hot_encoded_to_zeros(name, lib):
    # Label 5 of 3 classes one-hot encoded to an all-zero mask: a silent wrong answer before.
    backend = Backend.load(lib)
    labels, y_pred = _inputs(0, "labels-logits")
    labels = labels[:, 0].copy()
    labels[0, 1, 2] = 5
    kwargs = {"variant": "softmax"} if name == "lovasz" else {}
    fn = al.losses.FUNCTIONS[name]
    with pytest.raises(ValueError, match=rf"{name}: `y_true` holds the label 5(\.0)?, outside "
                                         r"\[0, 3\)") as info:
        fn(backend.asarray(labels), backend.asarray(y_pred), class_axis=1, **kwargs)
    assert ("ignore_index=" in str(info.value)) == (name == "lovasz")
    fractional = labels.astype(np.float64)
    fractional[0, 1, 2] = 1.5
    with pytest.raises(ValueError, match="non-integer values"):
        fn(backend.asarray(fractional), backend.asarray(y_pred), class_axis=1, **kwargs)


def test_lovasz_ignore_index_outside_the_classes_is_not_a_range_error():
    labels, y_pred = _inputs(0, "labels-logits")
    labels = labels[:, 0].copy()
    kept = al.lovasz(labels, y_pred, variant="softmax", class_axis=1, ignore_index=255)
    labels[0, 1, 2] = 255
    ignored = al.lovasz(labels, y_pred, variant="softmax", class_axis=1, ignore_index=255)
    assert np.all(np.isfinite(ignored)) and not np.allclose(ignored, kept)
