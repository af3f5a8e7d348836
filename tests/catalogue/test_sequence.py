"""CTC (``sequence.py``) against its peers: ``torch.nn.functional.ctc_loss`` (and the
``torch.nn.CTCLoss`` spelling: its "mean" divides by the label lengths, ``zero_infinity``) and
``optax.ctc_loss`` / ``optax.ctc_loss_with_forward_probs``.

Values and gradients with respect to ``y_pred`` in float64, three seeds, on NumPy, torch, JAX
and TensorFlow inputs; the class for every reduction, with and without sample weights; each
peer spelling through ``al.get`` (keywords and config); the documented recipe for torch's
``input_lengths`` (frames past a length set to a certain blank). Keras' own CTC (the defaults)
is compared in ``tests/parity``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
F = torch.nn.functional

SEEDS = [0, 1, 2]
LIBS = ["numpy", "torch", "jax", "tensorflow"]
BATCH, TIME, CLASSES, MAX_LEN = 5, 8, 5, 5


def _labels(rng: np.random.Generator, infeasible: bool = False) -> np.ndarray:
    """0-padded labels in 1..CLASSES-1, lengths 0..3 (every alignment fits in TIME frames);
    with ``infeasible``, the last row is [1, 1, 1, 1, 1], which needs 9 frames (blanks between
    the repeats)."""
    labels = np.zeros((BATCH, MAX_LEN), np.int64)
    for row, n in enumerate(rng.permutation([0, 1, 2, 3, 3])):
        labels[row, :n] = rng.integers(1, CLASSES, n)
    if infeasible:
        labels[-1] = 1
    return labels


def _inputs(seed: int, infeasible: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return _labels(rng, infeasible), rng.normal(0.0, 2.0, (BATCH, TIME, CLASSES))


def _torch_ctc(labels: np.ndarray, logits: Any, reduction: str = "none",
               zero_infinity: bool = False) -> Any:
    t = torch.from_numpy(labels)
    return F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), t,
                      torch.full((BATCH,), TIME, dtype=torch.long), (t != 0).sum(1),
                      blank=0, reduction=reduction, zero_infinity=zero_infinity)


def _torch_values_and_grad(fn: Callable[[Any], Any], logits: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(logits, requires_grad=True)
    out = fn(x)
    (grad,) = torch.autograd.grad(out.sum(), x)
    return out.detach().numpy(), grad.numpy()


def _anyloss(fn: Callable[..., Any], lib: str, labels: np.ndarray, logits: np.ndarray,
             **kw: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(labels, logits, **kw)`` on ``lib`` and the gradient of its sum w.r.t. the logits
    (``None`` on NumPy); JAX jitted, once per function and arguments."""
    b = Backend.load(lib)
    if lib == "numpy":
        return np.asarray(fn(labels, logits, **kw)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, labels, logits, **kw)
    if lib == "torch":
        return _torch_values_and_grad(lambda x: fn(b.asarray(labels), x, **kw), logits)
    values, grad = _jitted(fn, json.dumps(kw, sort_keys=True))(jnp.asarray(labels),
                                                               jnp.asarray(logits))
    return np.asarray(values), np.asarray(grad)


@functools.cache
def _jitted(fn: Callable[..., Any], kw: str) -> Callable[..., Any]:
    arguments = json.loads(kw)

    def run(t: Any, p: Any) -> Any:
        values, vjp = jax.vjp(lambda q: fn(t, q, **arguments), p)
        return values, vjp(jnp.ones_like(values))[0]

    return jax.jit(run)


@functools.cache
def _optax_jitted(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(labels: Any, logits: Any) -> Any:
        def total(x: Any) -> Any:
            out = fn(x, jnp.zeros(x.shape[:2], x.dtype), labels,
                     (labels == 0).astype(x.dtype), blank_id=0)
            out = out[0] if isinstance(out, tuple) else out
            return out.sum(), out

        (_, values), grad = jax.value_and_grad(total, has_aux=True)(logits)
        return values, grad

    return jax.jit(run)


def _optax(fn: Callable[..., Any], labels: np.ndarray, logits: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    values, grad = _optax_jitted(fn)(jnp.asarray(labels), jnp.asarray(logits))
    return np.asarray(values), np.asarray(grad)


def _close(actual: tuple[Any, Any], expected: tuple[Any, Any], what: str = "",
           rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(actual[0], expected[0], rtol=rtol, atol=1e-12, err_msg=what)
    assert np.shape(actual[0]) == np.shape(expected[0]), what
    if actual[1] is not None:
        np.testing.assert_allclose(actual[1], expected[1], rtol=rtol, atol=1e-12,
                                   err_msg=f"{what} gradient")


# --- the function against F.ctc_loss and optax.ctc_loss ------------------------------------------

OPTIONS = [
    {},
    {"divide_by_label_length": True},
    {"zero_infinity": True},
    {"divide_by_label_length": True, "zero_infinity": True},
]


def _torch_expected(labels: np.ndarray, logits: np.ndarray, divide_by_label_length: bool = False,
                    zero_infinity: bool = False) -> tuple[np.ndarray, np.ndarray]:
    lengths = torch.from_numpy((labels != 0).sum(1)).clamp(min=1)

    def fn(x: Any) -> Any:
        values = _torch_ctc(labels, x, zero_infinity=zero_infinity)
        return values / lengths if divide_by_label_length else values

    return _torch_values_and_grad(fn, logits)


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "defaults")
def test_function_equals_torch_ctc_loss(options, lib):
    # zero_infinity: the last row has no alignment (torch: a 0 loss and a 0 gradient).
    for seed in SEEDS:
        labels, logits = _inputs(seed, infeasible=options.get("zero_infinity", False))
        _close(_anyloss(al.ctc, lib, labels, logits, **options),
               _torch_expected(labels, logits, **options), f"{lib} seed {seed}")


def test_no_alignment_is_inf_without_zero_infinity():
    labels, logits = _inputs(0, infeasible=True)
    expected = _torch_ctc(labels, torch.from_numpy(logits)).numpy()
    assert np.isinf(expected[-1])
    for lib in ("numpy", "torch", "jax"):
        b = Backend.load(lib)
        np.testing.assert_allclose(b.to_numpy(al.ctc(b.asarray(labels), b.asarray(logits))),
                                   expected, rtol=1e-10)


@pytest.mark.parametrize("lib", LIBS)
def test_function_equals_optax_ctc_loss(lib):
    for seed in SEEDS:
        labels, logits = _inputs(seed)
        expected = _optax(optax.losses.ctc_loss, labels, logits)
        _close(_anyloss(al.ctc, lib, labels, logits), expected, f"{lib} seed {seed}")


# --- the class: every reduction, with and without sample weights ---------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("lib", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "defaults")
def test_class_reductions_equal_torchs_values_reduced(options, lib, weighted):
    labels, logits = _inputs(7, infeasible=options.get("zero_infinity", False))
    values, _ = _torch_expected(labels, logits, **options)
    weight = np.random.default_rng(7).uniform(0.0, 2.0, BATCH) if weighted else None
    w = np.ones(BATCH) if weight is None else weight
    expected = {"sum_over_batch_size": np.sum(values * w) / BATCH, "sum": np.sum(values * w),
                "mean_with_sample_weight": np.sum(values * w) / np.sum(w), "none": values * w}
    b = Backend.load(lib)
    for reduction, value in expected.items():
        loss = al.CTC(reduction=reduction, **options)
        out = loss(b.asarray(labels), b.asarray(logits),
                   sample_weight=None if weight is None else b.asarray(weight))
        np.testing.assert_allclose(b.to_numpy(out), value, rtol=1e-10, err_msg=reduction)


# --- peer spellings through al.get ----------------------------------------------------------------


def _spelled(spelling: str, config: dict[str, Any]) -> list[Any]:
    by_keywords = al.get(spelling, **config)
    by_config = al.get({"class_name": spelling, "config": config})
    assert type(by_keywords) is type(by_config) is al.CTC
    assert by_keywords.get_config() == by_config.get_config()
    return [by_keywords, by_config]


TORCH_CONFIGS = [
    {"reduction": reduction, "zero_infinity": zero_infinity, **extra}
    for reduction in ("mean", "sum", "none")
    for zero_infinity in (False, True)
    for extra in ({}, {"blank": 0})
] + [{}]


@pytest.mark.parametrize("config", TORCH_CONFIGS, ids=lambda c: json.dumps(c))
def test_torch_spelling_equals_torch_ctc_loss(config):
    # torch takes (time, batch, classes) log-probabilities: the same logits, transposed.
    zero_infinity = config.get("zero_infinity", False)
    module = torch.nn.CTCLoss(**config)
    for seed in SEEDS:
        labels, logits = _inputs(seed, infeasible=zero_infinity)
        lengths = torch.from_numpy((labels != 0).sum(1))

        def peer(x: Any, labels: np.ndarray = labels, lengths: Any = lengths) -> Any:
            log_probs = x.log_softmax(-1).transpose(0, 1)
            return module(log_probs, torch.from_numpy(labels),
                          torch.full((BATCH,), TIME, dtype=torch.long), lengths)

        expected = _torch_values_and_grad(peer, logits)
        for loss in _spelled("torch.nn.CTCLoss", config):
            # torch's log-probabilities are valid logits: log_softmax is idempotent.
            log_probs = np.asarray(torch.from_numpy(logits).log_softmax(-1))
            _close(_anyloss(lambda t, p, loss=loss: loss(t, p), "torch", labels, logits),
                   expected, json.dumps(config))
            _close(_anyloss(lambda t, p, loss=loss: loss(t, p), "numpy", labels, log_probs),
                   expected, f"log-probabilities, {json.dumps(config)}")


def test_torch_spelling_refuses_another_blank():
    with pytest.raises(ValueError, match=r"blank=1 is not supported.*Supported values: 0"):
        al.get("torch.nn.CTCLoss", blank=1)
    with pytest.raises(TypeError, match=r"'size_average'.*blank, reduction, zero_infinity"):
        al.get("torch.nn.CTCLoss", size_average=True)


@pytest.mark.parametrize("lib", ["torch", "jax"])
@pytest.mark.parametrize("spelling", ["optax.ctc_loss", "optax.ctc_loss_with_forward_probs"])
def test_optax_spellings_equal_optax(spelling, lib):
    fn = getattr(optax.losses, spelling.split(".", 1)[1])
    for config in ({}, {"blank_id": 0, "log_epsilon": -1e5}):
        for seed in SEEDS:
            labels, logits = _inputs(seed)
            expected = _optax(fn, labels, logits)
            for loss in _spelled(spelling, config):
                _close(_anyloss(lambda t, p, loss=loss: loss(t, p), lib, labels, logits),
                       expected, f"{spelling} {config} {lib}")


def test_optax_spellings_refuse_another_blank_or_log_epsilon():
    with pytest.raises(ValueError, match=r"blank_id=3 is not supported.*Supported values: 0"):
        al.get("optax.ctc_loss", blank_id=3)
    with pytest.raises(ValueError, match=r"log_epsilon=-50\.0 is not supported"):
        al.get("optax.ctc_loss_with_forward_probs", log_epsilon=-50.0)


def test_shorter_inputs_through_blank_frames_equal_torch_input_lengths():
    # The spellings' note: frames past a length set to a certain blank (logits [0, -1e4, ...])
    # give torch's loss with input_lengths, and no gradient reaches those frames when they
    # are set with a where.
    labels, logits = _inputs(3)
    input_lengths = torch.tensor([8, 6, 7, 8, 5])
    lengths = torch.from_numpy((labels != 0).sum(1))

    def peer(x: Any) -> Any:
        return F.ctc_loss(x.log_softmax(-1).transpose(0, 1), torch.from_numpy(labels),
                          input_lengths, lengths, reduction="none")

    expected = _torch_values_and_grad(peer, logits)
    blank = torch.full((CLASSES,), -1e4, dtype=torch.float64)
    blank[0] = 0.0
    padded = torch.arange(TIME)[None, :, None] >= input_lengths[:, None, None]

    def ours(x: Any) -> Any:
        return al.ctc(torch.from_numpy(labels), torch.where(padded, blank, x))

    got = _torch_values_and_grad(ours, logits)
    _close(got, expected, "input lengths")
    assert not got[1][padded.expand(-1, -1, CLASSES).numpy()].any()


def test_jit_and_torch_compile():
    labels, logits = _inputs(0, infeasible=True)
    options = {"divide_by_label_length": True, "zero_infinity": True}
    expected = _torch_expected(labels, logits, **options)[0]
    jitted = jax.jit(lambda t, p: al.ctc(t, p, **options))(jnp.asarray(labels),
                                                           jnp.asarray(logits))
    np.testing.assert_allclose(jitted, expected, rtol=1e-10)
    loss = al.CTC(reduction="none", **options)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t, p: loss(t, p), backend="eager")
    np.testing.assert_allclose(
        compiled(torch.from_numpy(labels), torch.from_numpy(logits)).numpy(), expected,
        rtol=1e-10)
