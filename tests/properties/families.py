"""Valid inputs for every built-in loss, by family: hypothesis strategies, fixed examples and
the extreme-but-valid cases.

Every loss in ``anyloss.losses.FUNCTIONS`` has a ``Spec`` here (``test_coverage`` fails when
one is added without it). Inputs are NumPy float64 (labels int64); tests cast them to the dtype
and library they need. Where a number is valid is decided by the loss' math, not by anyloss:
probabilities in [0, 1] (rows summing to 1 for categorical losses), class indices in
[0, classes), CTC labels 1..classes-1 padded with the blank 0 and at most (time - 1) / 2 long
(so an alignment always exists), circle embeddings L2-normalised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import anyloss as al

Inputs = tuple[np.ndarray, np.ndarray, dict[str, Any]]


#: The ``thorough`` profile (``make test-thorough``): slow checks that CI samples run in full.
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def scaled(fraction: float, minimum: int = 4) -> settings:
    """Hypothesis settings with ``fraction`` of the active profile's examples (``ci``: 60,
    ``thorough``: 1000), so slow properties stay in CI's budget and ``thorough`` runs more."""
    n = max(minimum, round(settings.default.max_examples * fraction))
    return settings(max_examples=n, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors])


# --- element strategies -----------------------------------------------------------------------

def _reals(lo: float = -50.0, hi: float = 50.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32)


def _unit() -> st.SearchStrategy[float]:
    # Exact 0 and 1 appear often: they are where clipping and logs bite.
    return st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0, width=32))


#: Shapes come from small sets: values vary freely, but JAX compiles every primitive once per
#: shape, so a new shape per example would spend the budget compiling.
BATCHES = (1, 2, 5)


@st.composite
def _shape2(draw: Any, min_d: int = 1) -> tuple[int, int]:
    return (draw(st.sampled_from(BATCHES)), draw(st.sampled_from((max(min_d, 1), 3))))


@st.composite
def _rows(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Probability rows (last axis sums to 1); some entries exactly 0, some rows one-hot."""
    raw = draw(hnp.arrays(np.float64, shape, elements=_unit()))
    sums = raw.sum(axis=-1, keepdims=True)
    return np.where(sums > 0, raw / np.where(sums > 0, sums, 1.0), 1.0 / shape[-1])


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


# --- per-family draws -------------------------------------------------------------------------

@st.composite
def regression(draw: Any, lo: float = -50.0, hi: float = 50.0, true_lo: float | None = None,
               pred_lo: float | None = None) -> Inputs:
    shape = draw(_shape2())
    y_true = draw(hnp.arrays(np.float64, shape, elements=_reals(
        lo if true_lo is None else true_lo, hi)))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=_reals(
        lo if pred_lo is None else pred_lo, hi)))
    return y_true, y_pred, {}


@st.composite
def signed_labels(draw: Any) -> Inputs:
    """Hinge: labels -1/1 (or 0/1, converted by the loss), real scores."""
    shape = draw(_shape2())
    values = draw(st.sampled_from([(-1.0, 1.0), (0.0, 1.0)]))
    y_true = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(values)))
    return y_true, draw(hnp.arrays(np.float64, shape, elements=_reals())), {}


@st.composite
def binary(draw: Any, logits: bool = False) -> Inputs:
    shape = draw(_shape2())
    y_true = draw(hnp.arrays(np.float64, shape, elements=st.one_of(
        st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=_reals(-30, 30) if logits else _unit()))
    return y_true, y_pred, {"from_logits": logits}


@st.composite
def categorical(draw: Any, logits: bool = False, soft: bool = True) -> Inputs:
    batch, classes = draw(_shape2(min_d=2))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    y_true = draw(_rows((batch, classes))) if soft and draw(st.booleans()) else _one_hot(
        labels, classes)
    y_pred = (draw(hnp.arrays(np.float64, (batch, classes), elements=_reals(-30, 30)))
              if logits else draw(_rows((batch, classes))))
    return y_true, y_pred, {"from_logits": logits} if logits else {}


@st.composite
def categorical_scores(draw: Any) -> Inputs:
    """Categorical hinge: one-hot targets, real scores."""
    batch, classes = draw(_shape2(min_d=2))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    y_pred = draw(hnp.arrays(np.float64, (batch, classes), elements=_reals()))
    return _one_hot(labels, classes), y_pred, {}


@st.composite
def sparse(draw: Any, logits: bool = False) -> Inputs:
    batch, classes = draw(_shape2(min_d=2))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    y_pred = (draw(hnp.arrays(np.float64, (batch, classes), elements=_reals(-30, 30)))
              if logits else draw(_rows((batch, classes))))
    return labels, y_pred, {"from_logits": logits} if logits else {}


@st.composite
def sparse_probabilities(draw: Any) -> Inputs:
    labels, y_pred, _ = draw(sparse())
    return labels, y_pred, {}


@st.composite
def overlap(draw: Any) -> Inputs:
    """Dice/Tversky: binary masks and probabilities, one value per sample (axis=1)."""
    shape = draw(_shape2())
    y_true = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0])))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=_unit()))
    return y_true, y_pred, {"axis": draw(st.sampled_from([None, 1, (1,)]))}


@st.composite
def sequences(draw: Any) -> Inputs:
    # One time length: CTC's time loop makes every new shape an expensive JAX compile.
    batch, classes, max_len = draw(st.sampled_from((1, 3))), 3, 2
    time = 2 * max_len + 2
    labels = np.zeros((batch, max_len), np.int64)
    for b in range(batch):
        n = draw(st.integers(0, max_len))
        labels[b, :n] = draw(hnp.arrays(np.int64, (n,), elements=st.integers(1, classes - 1)))
    logits = draw(hnp.arrays(np.float64, (batch, time, classes), elements=_reals(-20, 20)))
    return labels, logits, {"divide_by_label_length": draw(st.booleans()),
                            "zero_infinity": draw(st.booleans())}


@st.composite
def embeddings(draw: Any) -> Inputs:
    batch, dim = draw(st.sampled_from((2, 5))), 3
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, 2)))
    raw = draw(hnp.arrays(np.float64, (batch, dim), elements=_reals(-1, 1)))
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    raw = np.where(norms > 1e-3, raw, 1.0)
    return labels, raw / np.linalg.norm(raw, axis=1, keepdims=True), {}


# --- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """How to feed one loss: its valid-input strategy and what its math promises."""

    family: str
    strategy: Callable[[], st.SearchStrategy[Inputs]]
    #: 0 when y_pred == y_true (regression losses).
    zero_at_equal: bool = False
    #: Never negative on valid inputs (up to rounding).
    non_negative: bool = True
    #: Labels are integers (y_true keeps an integer dtype).
    integer_labels: bool = False
    #: The strategy of the same inputs as logits (``from_logits=True``), if the loss has one.
    logits: Callable[[], st.SearchStrategy[Inputs]] | None = None
    #: Keyword arguments for the extreme cases.
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: ``example(batch) -> Inputs``: one small valid input (families of the catalogue's
    #: losses bring their own; the Keras families are in :func:`example`).
    example: Callable[[int], Inputs] | None = None
    #: ``extremes() -> {case: Inputs}``: extreme but valid inputs, besides "batch of 1".
    extremes: Callable[[], dict[str, Inputs]] | None = None
    #: Whether the loss reads ``y_true`` (explicit triplets do not: it may be None, and a NaN
    #: there changes nothing).
    uses_y_true: bool = True


SPECS: dict[str, Spec] = {
    "mean_squared_error": Spec("regression", regression, zero_at_equal=True),
    "mean_absolute_error": Spec("regression", regression, zero_at_equal=True),
    "mean_absolute_percentage_error": Spec("regression", regression, zero_at_equal=True),
    "mean_squared_logarithmic_error": Spec("regression", regression, zero_at_equal=True),
    "huber": Spec("regression", regression, zero_at_equal=True),
    "log_cosh": Spec("regression", regression, zero_at_equal=True),
    # Poisson: y_pred - y_true log(y_pred) is negative for y_true = y_pred > e.
    "poisson": Spec("counts", lambda: regression(lo=0.0, hi=50.0), non_negative=False),
    # Cosine similarity is -1 for equal vectors, by definition.
    "cosine_similarity": Spec("regression", regression, non_negative=False),
    "kl_divergence": Spec("categorical", lambda: categorical()),
    "binary_crossentropy": Spec("binary", lambda: binary(), logits=lambda: binary(True)),
    "binary_focal_crossentropy": Spec("binary", lambda: binary(), logits=lambda: binary(True)),
    "categorical_crossentropy": Spec("categorical", lambda: categorical(),
                                     logits=lambda: categorical(True)),
    "categorical_focal_crossentropy": Spec("categorical", lambda: categorical(),
                                           logits=lambda: categorical(True)),
    "sparse_categorical_crossentropy": Spec("sparse", lambda: sparse(), integer_labels=True,
                                            logits=lambda: sparse(True)),
    "categorical_generalized_cross_entropy": Spec("sparse", sparse_probabilities,
                                                  integer_labels=True),
    "hinge": Spec("signed", signed_labels),
    "squared_hinge": Spec("signed", signed_labels),
    "categorical_hinge": Spec("categorical_scores", categorical_scores),
    "dice": Spec("overlap", overlap),
    "tversky": Spec("overlap", overlap),
    "ctc": Spec("sequence", sequences, integer_labels=True),
    "circle": Spec("embedding", embeddings, integer_labels=True),
}



def _catalogue_specs() -> dict[str, Spec]:
    """The specs of the catalogue's losses: one module per family in ``tests/properties/specs``
    (each defines ``SPECS``), so that families are added side by side."""
    import importlib
    import pkgutil

    from tests.properties import specs

    merged: dict[str, Spec] = {}
    for module in pkgutil.iter_modules(specs.__path__):
        found = importlib.import_module(f"{specs.__name__}.{module.name}").SPECS
        overlap = merged.keys() & found.keys()
        assert not overlap, f"specs declared twice: {sorted(overlap)}"
        merged.update(found)
    return merged


SPECS.update(_catalogue_specs())

CLASS_OF = {name: getattr(al, cls) for name, cls in
            al.losses.CLASS_OF_FUNCTION.items()}


# --- fixed examples and extremes ----------------------------------------------------------------

def example(name: str, batch: int = 3) -> Inputs:
    """One small valid input of ``name``'s family, deterministic (for table-driven tests)."""
    rng = np.random.default_rng(0)
    if SPECS[name].example is not None:
        return SPECS[name].example(batch)
    family = SPECS[name].family
    if family in ("regression", "counts"):
        return rng.uniform(0.5, 2.0, (batch, 2)), rng.uniform(0.5, 2.0, (batch, 2)), {}
    if family == "binary":
        return (rng.integers(0, 2, (batch, 1)).astype(float), rng.uniform(0.1, 0.9, (batch, 1)),
                {})
    if family == "signed":
        return np.sign(rng.normal(size=(batch, 2))), rng.normal(size=(batch, 2)), {}
    if family in ("categorical", "categorical_scores"):
        p = rng.uniform(0.1, 1.0, (batch, 3))
        return _one_hot(np.arange(batch) % 3, 3), p / p.sum(1, keepdims=True), {}
    if family == "sparse":
        p = rng.uniform(0.1, 1.0, (batch, 3))
        return np.arange(batch) % 3, p / p.sum(1, keepdims=True), {}
    if family == "overlap":
        return (rng.integers(0, 2, (batch, 4)).astype(float), rng.uniform(0, 1, (batch, 4)),
                {"axis": 1})
    if family == "sequence":
        return np.tile([[1, 2]], (batch, 1)), rng.normal(size=(batch, 6, 3)), {}
    if family == "embedding":
        e = rng.normal(size=(batch, 4))
        return np.arange(batch) % 2, e / np.linalg.norm(e, axis=1, keepdims=True), {}
    raise AssertionError(family)


def extremes(name: str) -> dict[str, Inputs]:
    """Extreme but valid inputs of ``name``'s family, by case name."""
    family = SPECS[name].family
    y_true, y_pred, kw = example(name)
    cases: dict[str, Inputs] = {"batch of 1": example(name, batch=1)}
    if SPECS[name].extremes is not None:
        return {**cases, **SPECS[name].extremes()}
    zeros = np.zeros_like(y_true)
    if family in ("regression", "counts"):
        cases["all-zero targets"] = (zeros, y_pred, kw)
        cases["predictions +-1e4"] = (y_true, np.array([[1e4, -1e4]] * 3) if family ==
                                      "regression" else np.full_like(y_pred, 1e4), kw)
        cases["prediction exactly 0"] = (y_true, np.zeros_like(y_pred), kw)
        cases["prediction equals target"] = (y_true, y_true.copy(), kw)
    elif family == "binary":
        cases["probabilities exactly 0 and 1"] = (np.array([[0.0], [1.0], [0.0], [1.0]]),
                                                  np.array([[0.0], [1.0], [1.0], [0.0]]), kw)
        cases["all-zero targets"] = (zeros, y_pred, kw)
        cases["logits +-1e4"] = (np.array([[0.0], [1.0], [0.0], [1.0]]),
                                 np.array([[1e4], [1e4], [-1e4], [-1e4]]),
                                 {**kw, "from_logits": True})
    elif family == "signed":
        cases["scores +-1e4"] = (y_true, np.array([[1e4, -1e4]] * 3), kw)
        cases["all-zero targets"] = (zeros, y_pred, kw)
    elif family in ("categorical", "categorical_scores"):
        one_hot = _one_hot(np.array([0, 1, 2]), 3)
        cases["probabilities exactly 0 and 1"] = (one_hot, _one_hot(np.array([0, 2, 1]), 3), kw)
        cases["all-zero targets"] = (np.zeros_like(one_hot), y_pred, kw)
        if SPECS[name].logits is not None or family == "categorical_scores":
            logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
            cases["logits +-1e4"] = (one_hot, logits, {**kw, "from_logits": True}
                                     if SPECS[name].logits is not None else kw)
    elif family == "sparse":
        labels = np.array([0, 1, 2])
        cases["probabilities exactly 0 and 1"] = (labels, _one_hot(np.array([0, 2, 1]), 3), kw)
        if SPECS[name].logits is not None:
            logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
            cases["logits +-1e4"] = (labels, logits, {**kw, "from_logits": True})
    elif family == "overlap":
        cases["probabilities exactly 0 and 1"] = (y_true, (y_pred > 0.5).astype(float), kw)
        cases["all-zero targets"] = (zeros, y_pred, kw)
        cases["all-zero targets and predictions"] = (zeros, np.zeros_like(y_pred), kw)
    elif family == "sequence":
        cases["logits +-1e4"] = (y_true, np.where(np.arange(3) == 1, 1e4, -1e4)[None, None, :]
                                 * np.ones((3, 6, 1)), kw)
        cases["all-zero targets (empty labels)"] = (np.zeros_like(y_true), y_pred, kw)
        # [1, 1, 1, 1] needs 7 frames (a blank between repeats): no alignment in 6.
        cases["no alignment, zero_infinity"] = (np.tile([[1, 1, 1, 1]], (3, 1)), y_pred,
                                                {**kw, "zero_infinity": True})
        cases["divided by the label length"] = (y_true, y_pred,
                                                {**kw, "divide_by_label_length": True})
    elif family == "embedding":
        cases["identical embeddings"] = (y_true, np.tile(y_pred[:1], (3, 1)), kw)
        cases["all one class"] = (np.zeros_like(y_true), y_pred, kw)
    return cases
