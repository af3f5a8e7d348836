"""Regression losses (``regression.py``: smooth_l1, poisson_nll, gaussian_nll, pinball,
half_squared_error, cosine_distance, and the torch and optax spellings of mean_squared_error,
mean_absolute_error, huber and log_cosh) against their peers: torch.nn.functional, optax (run
here, under ``jax.jit``) and TensorFlow Addons, values and gradients with respect to ``y_pred`` in
float64, three seeds, on NumPy, torch and JAX inputs; the classes for every reduction, with and
without sample weights; every peer spelling through ``al.get`` (keywords and config);
``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.

TensorFlow Addons cannot be installed beside the dev set: its numbers come from
``tests/catalogue/references/tfa_regression.json``, written by
``scripts/references/tfa_regression.py`` (TensorFlow 2.15.1, TensorFlow Addons 0.23.0).

torch's losses are element-wise: its ``reduction="mean"`` is anyloss' default reduction (every
sample has as many elements), and anyloss' per-sample value is the mean of torch's
``reduction="none"`` values over the last axis (what the references below compute).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from anyloss import backend as B
from anyloss.losses._builtin import PEERS
from tests.helpers import tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
F = torch.nn.functional

SEEDS = [0, 1, 2]
LIBS = ["numpy", "torch", "jax", "tensorflow"]
BATCH = 7
TFA = json.loads((Path(__file__).parent / "references" / "tfa_regression.json").read_text())


def _t(x: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(x))


def _close(actual: Any, expected: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol,
                               atol=atol)


# --- torch's losses on anyloss' layout ------------------------------------------------------------
# Each takes torch tensors (y_true, y_pred) in anyloss' layout and returns torch's value for
# torch's `reduction`.


def _torch_smooth_l1(t: Any, p: Any, reduction: str, beta: float = 1.0) -> Any:
    return F.smooth_l1_loss(p, t, beta=beta, reduction=reduction)


def _torch_poisson_nll(t: Any, p: Any, reduction: str, log_input: bool = True,
                       full: bool = False, eps: float = 1e-8) -> Any:
    return F.poisson_nll_loss(p, t, log_input=log_input, full=full, eps=eps,
                              reduction=reduction)


def _torch_gaussian_nll(t: Any, p: Any, reduction: str, full: bool = False,
                        eps: float = 1e-6) -> Any:
    d = t.shape[-1]
    return F.gaussian_nll_loss(p[..., :d], t, p[..., d:], full=full, eps=eps,
                               reduction=reduction)


# --- inputs --------------------------------------------------------------------------------------


def _reals(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 2.0 * rng.normal(size=(BATCH, 3)), 2.0 * rng.normal(size=(BATCH, 3))


def _counts(log_input: bool) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    def data(seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        counts = rng.poisson(3.0, size=(BATCH, 3)).astype(float)
        counts[0, :2] = (0.0, 1.0)  # the Stirling term is 0 at and below 1
        if log_input:
            return counts, rng.normal(size=(BATCH, 3))
        rates = rng.uniform(0.0, 5.0, size=(BATCH, 3))
        rates[1, 0] = 0.0  # eps keeps the logarithm finite
        return counts, rates

    return data


def _mean_variance(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(BATCH, 2))
    means = rng.normal(size=(BATCH, 2))
    variances = rng.uniform(0.05, 2.0, size=(BATCH, 2))
    variances[0] = (0.0, 1e-8)  # below eps: clamped, the gradient passes straight through
    return y_true, np.concatenate([means, variances], axis=-1)


@dataclass(frozen=True)
class Case:
    id: str
    loss: str
    data: Callable[[int], tuple[np.ndarray, np.ndarray]]
    peer: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def reference(self, y_true: np.ndarray, y_pred: np.ndarray,
                  reduction: str = "none") -> tuple[np.ndarray, np.ndarray]:
        """torch's value (per sample for "none": the mean over the last axis) and its gradient
        with respect to y_pred."""
        x = _t(y_pred).requires_grad_(True)
        if reduction == "mean":
            value = self.peer(_t(y_true), x, "mean", **self.kwargs)
        else:
            value = self.peer(_t(y_true), x, "none", **self.kwargs).mean(-1)
            value = value.sum() if reduction == "sum" else value
        (grad,) = torch.autograd.grad(value.sum(), x)
        return value.detach().numpy(), grad.numpy()


CASES = [
    Case("smooth_l1", "smooth_l1", _reals, _torch_smooth_l1),
    Case("smooth_l1-beta0.5", "smooth_l1", _reals, _torch_smooth_l1, {"beta": 0.5}),
    Case("smooth_l1-beta0", "smooth_l1", _reals, _torch_smooth_l1, {"beta": 0.0}),
    Case("poisson_nll", "poisson_nll", _counts(True), _torch_poisson_nll),
    Case("poisson_nll-full", "poisson_nll", _counts(True), _torch_poisson_nll, {"full": True}),
    Case("poisson_nll-rates", "poisson_nll", _counts(False), _torch_poisson_nll,
         {"log_input": False}),
    Case("poisson_nll-rates-full-eps", "poisson_nll", _counts(False), _torch_poisson_nll,
         {"log_input": False, "full": True, "eps": 1e-3}),
    Case("gaussian_nll", "gaussian_nll", _mean_variance, _torch_gaussian_nll),
    Case("gaussian_nll-full-eps", "gaussian_nll", _mean_variance, _torch_gaussian_nll,
         {"full": True, "eps": 0.1}),
]


def _value_and_grad(lib: str, fn: Callable[[Any, Any], Any], y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(y_true, y_pred)`` on ``lib``'s arrays (JAX: under ``jax.jit``), and the gradient of
    its sum (None on NumPy)."""
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    if lib == "torch":
        x = _t(y_pred).requires_grad_(True)
        value = fn(_t(y_true), x)
        (grad,) = torch.autograd.grad(value.sum(), x)
        return value.detach().numpy(), grad.numpy()

    def both(t: Any, p: Any) -> Any:
        value, vjp = jax.vjp(lambda p: fn(t, p), p)
        return value, vjp(jnp.ones_like(value))[0]

    # Under jax.jit: eager JAX compiles every primitive per new shape (seconds per call).
    value, grad = jax.jit(both)(jnp.asarray(y_true), jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


# --- the functions, per sample -------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_function_equals_torch(case, lib):
    fn = al.losses.FUNCTIONS[case.loss]
    for seed in SEEDS:
        y_true, y_pred = case.data(seed)
        expected, expected_grad = case.reference(y_true, y_pred)
        value, grad = _value_and_grad(lib, lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
        _close(value, expected)
        if grad is not None:
            _close(grad, expected_grad)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_torch_kernel_and_array_api_formula_agree(case):
    fn = al.losses.FUNCTIONS[case.loss]
    y_true, y_pred = case.data(0)
    kernel = _value_and_grad("torch", lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    with B.generic_only():
        formula = _value_and_grad("torch", lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    _close(kernel[0], formula[0], rtol=1e-13)
    _close(kernel[1], formula[1], rtol=1e-13)


# --- the classes, every reduction, with and without sample weights --------------------------------


#: One case per loss and input space (the functions' tests cover every case).
CLASS_CASES = [CASES[1], CASES[4], CASES[6], CASES[8]]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", CLASS_CASES, ids=lambda c: c.id)
def test_class_equals_torch_for_every_reduction(case, lib):
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[case.loss]]
    y_true, y_pred = case.data(1)
    per_sample, per_sample_grad = case.reference(y_true, y_pred)
    for reduction, peer_reduction in (("sum_over_batch_size", "mean"), ("mean", "mean"),
                                      ("sum", "sum"), ("none", "none")):
        loss = cls(reduction=reduction, **case.kwargs)
        value, grad = _value_and_grad(lib, loss, y_true, y_pred)
        expected, expected_grad = case.reference(y_true, y_pred, peer_reduction)
        _close(value, expected)
        if grad is not None:
            _close(grad, expected_grad)
    # Sample weights scale each sample's value (and gradient); the reductions divide by the
    # batch size or by the sum of the weights.
    w = np.random.default_rng(5).uniform(0.0, 2.0, BATCH)
    ww = _t(w) if lib == "torch" else jnp.asarray(w) if lib == "jax" else w
    for reduction, denominator in (("sum_over_batch_size", BATCH), ("sum", 1.0),
                                   ("mean_with_sample_weight", w.sum())):
        loss = cls(reduction=reduction, **case.kwargs)
        value, grad = _value_and_grad(
            lib, lambda t, p, loss=loss: loss(t, p, sample_weight=ww), y_true, y_pred)
        _close(value, (w * per_sample).sum() / denominator)
        if grad is not None:
            _close(grad, w[:, None] * per_sample_grad / denominator)


# --- peer spellings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spelling:
    name: str
    module: Callable[..., Any]  # the torch.nn class
    data: Callable[[int], tuple[np.ndarray, np.ndarray]]
    arguments: dict[str, Any] = field(default_factory=dict)
    #: torch.nn's forward on anyloss' layout (default: module(y_pred, y_true)).
    forward: Callable[..., Any] | None = None


def _gaussian_forward(module: Any, t: Any, p: Any) -> Any:
    d = t.shape[-1]
    return module(p[..., :d], t, p[..., d:])


SPELLINGS = [
    Spelling("torch.nn.MSELoss", torch.nn.MSELoss, _reals),
    Spelling("torch.nn.L1Loss", torch.nn.L1Loss, _reals),
    Spelling("torch.nn.HuberLoss", torch.nn.HuberLoss, _reals),
    Spelling("torch.nn.HuberLoss", torch.nn.HuberLoss, _reals, {"delta": 0.7}),
    Spelling("torch.nn.SmoothL1Loss", torch.nn.SmoothL1Loss, _reals),
    Spelling("torch.nn.SmoothL1Loss", torch.nn.SmoothL1Loss, _reals,
             {"beta": 0.5, "reduction": "mean"}),
    Spelling("torch.nn.PoissonNLLLoss", torch.nn.PoissonNLLLoss, _counts(True)),
    Spelling("torch.nn.PoissonNLLLoss", torch.nn.PoissonNLLLoss, _counts(True), {"full": True}),
    Spelling("torch.nn.PoissonNLLLoss", torch.nn.PoissonNLLLoss, _counts(False),
             {"log_input": False}),
    Spelling("torch.nn.PoissonNLLLoss", torch.nn.PoissonNLLLoss, _counts(False),
             {"log_input": False, "full": True, "eps": 1e-4}),
    Spelling("torch.nn.GaussianNLLLoss", torch.nn.GaussianNLLLoss, _mean_variance,
             forward=_gaussian_forward),
    Spelling("torch.nn.GaussianNLLLoss", torch.nn.GaussianNLLLoss, _mean_variance,
             {"full": True, "eps": 1e-2}, forward=_gaussian_forward),
]


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: f"{s.name}-{s.arguments}")
def test_torch_spellings_equal_torch(spelling):
    module = spelling.module(**spelling.arguments)
    forward = spelling.forward or (lambda m, t, p: m(p, t))
    by_keywords = al.get(spelling.name, **spelling.arguments)
    by_config = al.get({"class_name": spelling.name, "config": dict(spelling.arguments)})
    assert by_keywords.get_config() == by_config.get_config()
    for seed in SEEDS:
        y_true, y_pred = spelling.data(seed)
        x = _t(y_pred).requires_grad_(True)
        expected = forward(module, _t(y_true), x)
        (expected_grad,) = torch.autograd.grad(expected, x)
        # The config gives the same class and arguments (asserted above): one library suffices.
        for loss, libs in ((by_keywords, LIBS), (by_config, LIBS[:1])):
            for lib in libs:
                value, grad = _value_and_grad(lib, loss, y_true, y_pred)
                _close(value, expected.detach().numpy())
                if grad is not None:
                    _close(grad, expected_grad.numpy())


@pytest.mark.parametrize("name", sorted({s.name for s in SPELLINGS}))
def test_torch_per_element_reductions_are_refused(name):
    # torch's "sum" and "none" are per element; anyloss' values are per sample.
    for reduction in ("sum", "none"):
        with pytest.raises(ValueError, match=r"Supported values: 'mean'"):
            al.get(name, reduction=reduction)


# --- optax' regression losses ------------------------------------------------------------------
# optax' squared_error, l2_loss, huber_loss and log_cosh are element-wise: anyloss' per-sample
# value is the mean of optax' array over the last axis; cosine_distance is per vector.


def _large_errors(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Errors up to 1e4: log_cosh's |x| - log 2 branch, where a naive log(cosh(x)) overflows."""
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=(BATCH, 3))
    y_pred = y_true + rng.choice([-1e4, -60.0, -15.0, 15.0, 60.0, 1e4], size=(BATCH, 3))
    return y_true, y_pred


def _short_vectors(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectors whose squared norm is below epsilon = 1e-4 in rows 0 (y_pred) and 1 (y_true)."""
    y_true, y_pred = _reals(seed)
    y_pred[0] *= 1e-4
    y_true[1] *= 1e-4
    return y_true, y_pred


def _volumes(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(BATCH, 2, 3)), rng.normal(size=(BATCH, 2, 3))


@dataclass(frozen=True)
class Optax:
    name: str  # the spelling
    loss: str  # the anyloss function
    data: Callable[[int], tuple[np.ndarray, np.ndarray]] = _reals
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: optax returns one value per element (averaged over the last axis by anyloss).
    elementwise: bool = True

    @property
    def id(self) -> str:
        return f"{self.name}-{self.kwargs}-{self.data.__name__}"

    def reference(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """optax' values (per element: their mean over the last axis) and the gradient of their
        sum with respect to y_pred, under jax.jit."""
        optax = pytest.importorskip("optax")
        fn = getattr(optax, self.name.removeprefix("optax."))

        def per_sample(p: Any, t: Any) -> Any:
            out = fn(p, t, **self.kwargs)
            return out.mean(-1) if self.elementwise else out

        def total(p: Any, t: Any) -> tuple[Any, Any]:
            out = per_sample(p, t)
            return jnp.sum(out), out

        (_, value), grad = jax.jit(jax.value_and_grad(total, has_aux=True))(
            jnp.asarray(y_pred), jnp.asarray(y_true))
        return np.asarray(value), np.asarray(grad)


OPTAX = [
    Optax("optax.squared_error", "mean_squared_error"),
    Optax("optax.l2_loss", "half_squared_error"),
    Optax("optax.huber_loss", "huber"),
    Optax("optax.huber_loss", "huber", kwargs={"delta": 0.7}),
    Optax("optax.huber_loss", "huber", _large_errors, {"delta": 3.0}),
    Optax("optax.log_cosh", "log_cosh"),
    Optax("optax.log_cosh", "log_cosh", _large_errors),
    Optax("optax.cosine_distance", "cosine_distance", elementwise=False),
    Optax("optax.cosine_distance", "cosine_distance", _short_vectors, {"epsilon": 1e-4},
          elementwise=False),
    Optax("optax.cosine_distance", "cosine_distance", _volumes, {"axis": [1, 2]},
          elementwise=False),
]
#: One case per new loss of optax' (the others' classes are tested against torch above).
OPTAX_CLASS_CASES = [OPTAX[1], OPTAX[7], OPTAX[8]]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", OPTAX, ids=lambda c: c.id)
def test_optax_spellings_equal_optax(case, lib):
    by_keywords = al.get(case.name, **case.kwargs)
    by_config = al.get({"class_name": case.name, "config": dict(case.kwargs)})
    assert type(by_keywords) is type(by_config) is al.losses.CLASSES[
        al.losses.CLASS_OF_FUNCTION[case.loss]]
    assert by_keywords.get_config() == by_config.get_config()
    assert by_keywords.reduction == "none"  # optax does not reduce
    for seed in SEEDS:
        y_true, y_pred = case.data(seed)
        expected, expected_grad = case.reference(y_true, y_pred)
        for loss in (by_keywords, by_config):
            value, grad = _value_and_grad(lib, loss, y_true, y_pred)
            _close(value, expected)
            if grad is not None:
                _close(grad, expected_grad)


@pytest.mark.parametrize("case", [c for c in OPTAX if c.elementwise], ids=lambda c: c.id)
def test_optax_elementwise_numbers_for_a_last_axis_of_one(case):
    # Shape (batch, 1): anyloss' per-sample values are optax' per-element array itself.
    optax = pytest.importorskip("optax")
    fn = getattr(optax, case.name.removeprefix("optax."))
    y_true, y_pred = case.data(0)
    t, p = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
    _close(al.get(case.name, **case.kwargs)(t, p), np.asarray(
        fn(jnp.asarray(p), jnp.asarray(t), **case.kwargs))[:, 0])


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", OPTAX_CLASS_CASES, ids=lambda c: c.id)
def test_optax_losses_function_and_class_equal_optax_for_every_reduction(case, lib):
    fn = al.losses.FUNCTIONS[case.loss]
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[case.loss]]
    y_true, y_pred = case.data(1)
    per_sample, per_sample_grad = case.reference(y_true, y_pred)
    value, grad = _value_and_grad(lib, lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    _close(value, per_sample)
    if grad is not None:
        _close(grad, per_sample_grad)
    for reduction, expected, scale in (
            ("sum_over_batch_size", per_sample.mean(), 1.0 / BATCH),
            ("mean", per_sample.mean(), 1.0 / BATCH), ("sum", per_sample.sum(), 1.0),
            ("none", per_sample, 1.0)):
        value, grad = _value_and_grad(lib, cls(reduction=reduction, **case.kwargs), y_true,
                                      y_pred)
        _close(value, expected)
        if grad is not None:
            _close(grad, scale * per_sample_grad)
    w = np.random.default_rng(5).uniform(0.0, 2.0, BATCH)
    ww = _t(w) if lib == "torch" else jnp.asarray(w) if lib == "jax" else w
    shape = (BATCH,) + (1,) * (per_sample_grad.ndim - 1)
    for reduction, denominator in (("sum_over_batch_size", BATCH), ("sum", 1.0),
                                   ("mean_with_sample_weight", w.sum())):
        loss = cls(reduction=reduction, **case.kwargs)
        value, grad = _value_and_grad(
            lib, lambda t, p, loss=loss: loss(t, p, sample_weight=ww), y_true, y_pred)
        _close(value, (w * per_sample).sum() / denominator)
        if grad is not None:
            _close(grad, w.reshape(shape) * per_sample_grad / denominator)


@pytest.mark.parametrize("case", OPTAX_CLASS_CASES, ids=lambda c: c.id)
def test_optax_losses_torch_kernel_and_array_api_formula_agree(case):
    fn = al.losses.FUNCTIONS[case.loss]
    y_true, y_pred = case.data(0)
    kernel = _value_and_grad("torch", lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    with B.generic_only():
        formula = _value_and_grad("torch", lambda t, p: fn(t, p, **case.kwargs), y_true, y_pred)
    _close(kernel[0], formula[0], rtol=1e-13)
    _close(kernel[1], formula[1], rtol=1e-13)


def test_cosine_distance_is_one_plus_keras_cosine_similarity_and_zero_vectors_follow_epsilon():
    y_true, y_pred = _reals(2)
    _close(al.cosine_distance(y_true, y_pred), 1.0 + al.cosine_similarity(y_true, y_pred))
    zeros = np.zeros((2, 3))
    with np.errstate(invalid="ignore"):
        assert np.all(np.isnan(al.cosine_distance(zeros, y_pred[:2])))  # optax' 0 / 0
    _close(al.cosine_distance(zeros, y_pred[:2], epsilon=1e-12), np.ones(2))
    with pytest.raises(ValueError, match=r"`epsilon` of cosine_distance must be a finite number "
                                         r">= 0\. Received: epsilon=-1"):
        al.CosineDistance(epsilon=-1.0)
    with pytest.raises(TypeError, match=r"optax\.cosine_distance got the argument 'where'"):
        al.get("optax.cosine_distance", where=np.ones((2, 3), bool))


def test_optax_spellings_take_no_reduction():
    # optax does not reduce: its spellings give per-sample values and take no `reduction`.
    for name in ("optax.squared_error", "optax.l2_loss", "optax.huber_loss", "optax.log_cosh",
                 "optax.cosine_distance"):
        assert name in PEERS
        with pytest.raises(TypeError, match=rf"{name.replace('.', '[.]')} got the argument "
                                            "'reduction'"):
            al.get(name, reduction="mean")


# --- TensorFlow Addons' pinball loss (reference file) -----------------------------------------------


def _tau(case: dict[str, Any]) -> Any:
    return tuple(case["tau"]) if isinstance(case["tau"], list) else case["tau"]


def _arrays(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(case["y_true"]), np.asarray(case["y_pred"])


def test_reference_file_names_its_peer():
    provenance = TFA["provenance"]
    assert provenance["peer"] == "tensorflow-addons" and provenance["peer_version"] == "0.23.0"
    assert provenance["script"] == "scripts/references/tfa_regression.py"
    assert len(TFA["cases"]) >= 8


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", TFA["cases"], ids=lambda c: c["name"])
def test_pinball_function_equals_tfa(case, lib):
    y_true, y_pred = _arrays(case)
    value, grad = _value_and_grad(lib, lambda t, p: al.pinball(t, p, tau=_tau(case)), y_true,
                                  y_pred)
    _close(value, case["function"]["values"])
    if grad is not None:
        _close(grad, case["function"]["grad"])


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("case", TFA["cases"], ids=lambda c: c["name"])
def test_pinball_class_and_spelling_equal_tfa_for_every_reduction(case, lib):
    y_true, y_pred = _arrays(case)
    weights = case["sample_weight"]
    kwargs: dict[str, Any] = {}
    if weights is not None:
        w = np.asarray(weights)
        kwargs["sample_weight"] = _t(w) if lib == "torch" else jnp.asarray(w) if lib == "jax" else w
    for reduction, expected in case["class"].items():
        config = {"tau": case["tau"], "reduction": reduction}
        losses = [al.Pinball(tau=_tau(case), reduction=reduction)]
        if lib == "numpy":  # the spellings give the same class, on every library
            losses += [
                al.get("tfa.losses.PinballLoss", **config),
                al.get({"class_name": "tfa.losses.PinballLoss", "config": config}),
            ]
            assert all(type(x) is al.Pinball for x in losses)
        for loss in losses:
            value, grad = _value_and_grad(lib, lambda t, p, loss=loss: loss(t, p, **kwargs),
                                          y_true, y_pred)
            _close(value, expected["value"])
            if grad is not None:
                _close(grad, expected["grad"])


def test_pinball_one_target_per_row_broadcasts_over_the_quantiles():
    case = next(c for c in TFA["cases"] if c["name"].startswith("multi-quantile"))
    y_true, y_pred = _arrays(case)  # y_true (N, 1), y_pred (N, 3)
    tau = _tau(case)
    _close(al.pinball(y_true[:, 0], y_pred, tau=tau), case["function"]["values"])
    _close(al.pinball(np.repeat(y_true, 3, axis=1), y_pred, tau=tau), case["function"]["values"])
    with pytest.raises(ValueError, match=r"`tau` holds 3 quantiles.*y_pred.shape=\(6, 2\)"):
        al.pinball(y_true, y_pred[:, :2], tau=tau)


def test_pinball_tau_round_trips_as_a_list():
    loss = al.Pinball(tau=np.array([0.1, 0.9]))
    assert loss.tau == (0.1, 0.9) and loss.get_config()["tau"] == [0.1, 0.9]
    again = al.deserialize(json.loads(json.dumps(al.serialize(loss))))
    assert again.tau == (0.1, 0.9)
    for bad, error in ((1.5, ValueError), ([0.5, -0.1], ValueError), ([[0.5]], ValueError),
                       ([], ValueError), ({"tau": 0.5}, TypeError)):
        with pytest.raises(error, match="tau"):
            al.Pinball(tau=bad)


# --- gaussian_nll: negative variances ---------------------------------------------------------------


def test_gaussian_nll_refuses_a_negative_variance_where_values_are_read():
    y_true, y_pred = _mean_variance(0)
    y_pred[3, 3] = -0.5
    for p in (y_pred, _t(y_pred), _t(y_pred).requires_grad_(True), jnp.asarray(y_pred)):
        with pytest.raises(ValueError, match=r"variances .* must be >= 0, got -0\.5"):
            al.gaussian_nll(y_true, p)
        with pytest.raises(ValueError, match=r"variances .* must be >= 0"):
            al.GaussianNLL()(y_true, p)
    # Under jax.jit the values cannot be read: clamped at eps like 0, as torch's clamp does.
    jitted = jax.jit(al.gaussian_nll)(jnp.asarray(y_true), jnp.asarray(y_pred))
    y_pred[3, 3] = 0.0
    _close(jitted, al.gaussian_nll(y_true, y_pred))


def test_gaussian_nll_shapes():
    y_true, y_pred = _mean_variance(0)
    with pytest.raises(ValueError, match=r"y_true.shape=\(7, 2\) and y_pred.shape=\(7, 3\)"):
        al.gaussian_nll(y_true, y_pred[:, :3])
    # One target per row: (N,) with (N, 2) is (N, 1) with (N, 2).
    _close(al.gaussian_nll(y_true[:, 0], y_pred[:, [0, 2]]),
           al.gaussian_nll(y_true[:, :1], y_pred[:, [0, 2]]))


# --- jit, lazy Dask, torch.compile -------------------------------------------------------------


def _jit_cases() -> list[Any]:
    """(loss, kwargs, y_true, y_pred, the peer's per-sample values and the gradient of their
    sum): torch's for its losses, optax' for its own, TensorFlow Addons' for pinball."""
    out = []
    for case in [*CLASS_CASES, *OPTAX_CLASS_CASES]:
        y_true, y_pred = case.data(1)
        out.append(pytest.param(case.loss, case.kwargs, y_true, y_pred,
                                *case.reference(y_true, y_pred), id=case.id))
    for case in TFA["cases"][6:7]:  # several quantiles
        out.append(pytest.param("pinball", {"tau": _tau(case)}, *_arrays(case),
                                np.asarray(case["function"]["values"]),
                                np.asarray(case["function"]["grad"]), id=case["name"]))
    return out


JIT_CASES = _jit_cases()
ARGS = "loss,kwargs,y_true,y_pred,expected,expected_grad"


@pytest.mark.parametrize(ARGS, JIT_CASES)
def test_jax_jit(loss, kwargs, y_true, y_pred, expected, expected_grad):
    fn = al.losses.FUNCTIONS[loss]
    t, p = jnp.asarray(y_true), jnp.asarray(y_pred)
    _close(jax.jit(lambda t, p: fn(t, p, **kwargs))(t, p), expected)
    grad = jax.jit(jax.grad(lambda p, t: jnp.sum(fn(t, p, **kwargs))))(p, t)
    _close(grad, expected_grad)


@pytest.mark.parametrize(ARGS, JIT_CASES)
def test_dask_stays_lazy(loss, kwargs, y_true, y_pred, expected, expected_grad):
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")

    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the loss computed a lazy array")

    fn = al.losses.FUNCTIONS[loss]
    with dask.config.set(scheduler=refuse):
        out = fn(da.from_array(y_true, chunks=3), da.from_array(y_pred, chunks=3), **kwargs)
    assert isinstance(out, da.Array)
    _close(out.compute(), expected)


@pytest.mark.parametrize(ARGS, JIT_CASES)
def test_torch_compile_fullgraph(loss, kwargs, y_true, y_pred, expected, expected_grad):
    instance = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[loss]](**kwargs)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: instance(t, p), fullgraph=True, backend="aot_eager")
    x = _t(y_pred).requires_grad_(True)
    value = compiled(_t(y_true), x)
    (grad,) = torch.autograd.grad(value, x)
    _close(value.detach().numpy(), expected.mean())
    _close(grad.numpy(), expected_grad / len(expected))
