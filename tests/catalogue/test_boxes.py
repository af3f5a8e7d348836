"""Box losses (``boxes.py``: iou, giou, diou, ciou) against their peers: torchvision's
``generalized_box_iou_loss``, ``distance_box_iou_loss`` and ``complete_box_iou_loss``, TF
Addons' ``giou_loss``/``GIoULoss`` (also ``mode="iou"``) and MONAI's ``BoxGIoULoss``; values and
gradients with respect to ``y_pred`` in float64, three seeds, on NumPy, torch and JAX inputs;
the classes for every reduction, with and without sample weights; every peer spelling through
``al.get`` (keywords and config); ``jax.jit``; lazy Dask; ``torch.compile(fullgraph=True)``.

torchvision and TensorFlow Addons cannot be installed beside the dev set: their numbers come
from ``tests/catalogue/references/torchvision_boxes.json`` (``scripts/references/
torchvision_boxes.py``, torchvision 0.28.0 on torch 2.13.0) and ``tfa_boxes.json``
(``scripts/references/tfa_boxes.py``, TensorFlow 2.15.1, TensorFlow Addons 0.23.0). MONAI runs
here.

Known differences, asserted below: torchvision's CIoU is NaN for a point box (0/0 in its
aspect-ratio angle) where anyloss is finite; at ties (identical or touching edges) the
gradient is a subgradient, which TensorFlow's ``maximum`` gives to one side and anyloss (like
torch) splits, so TF Addons' degenerate case is compared on values only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import anyloss as al
from tests.helpers import Backend, tf_value_and_grad

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

REFERENCES = Path(__file__).parent / "references"
TORCHVISION = json.loads((REFERENCES / "torchvision_boxes.json").read_text())
TFA = json.loads((REFERENCES / "tfa_boxes.json").read_text())
LIBS = ["numpy", "torch", "jax", "tensorflow"]
LOSSES = ["giou", "diou", "ciou"]
SPELLING = {
    "giou": "torchvision.ops.generalized_box_iou_loss",
    "diou": "torchvision.ops.distance_box_iou_loss",
    "ciou": "torchvision.ops.complete_box_iou_loss",
}


def _close(actual: Any, expected: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol,
                               atol=atol)


def _array(x: Any) -> np.ndarray:
    """A JSON list as float64, ``null`` (the peer's NaN/inf) as NaN."""
    return np.array(x, dtype=np.float64)


def _value_and_grad(lib: str, fn: Any, y_true: np.ndarray,
                    y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(y_true, y_pred)`` on ``lib``'s arrays and the gradient of its sum (None on NumPy)."""
    if lib == "numpy":
        return np.asarray(fn(y_true, y_pred)), None
    if lib == "tensorflow":
        return tf_value_and_grad(fn, y_true, y_pred)
    if lib == "torch":
        x = torch.tensor(y_pred, requires_grad=True)
        out = fn(torch.tensor(y_true), x)
        (grad,) = torch.autograd.grad(out.sum(), x)
        return out.detach().numpy(), grad.numpy()
    value, grad = _jitted(fn)(jnp.asarray(y_true), jnp.asarray(y_pred))
    return np.asarray(value), np.asarray(grad)


_JITTED: dict[Any, Any] = {}


def _jitted(fn: Any) -> Any:
    """``jax.jit`` of (values, gradient of their sum): compiled once per function and shape."""
    if fn not in _JITTED:
        def both(t: Any, p: Any) -> Any:
            values, vjp = jax.vjp(lambda q: fn(t, q), p)
            return values, vjp(jnp.ones_like(values))[0]

        _JITTED[fn] = jax.jit(both)
    return _JITTED[fn]


def to_format(xyxy: np.ndarray, box_format: str) -> np.ndarray:
    """xyxy boxes written in ``box_format``."""
    x1, y1, x2, y2 = np.moveaxis(xyxy, -1, 0)
    columns = {
        "yxyx": (y1, x1, y2, x2),
        "xywh": (x1, y1, x2 - x1, y2 - y1),
        "cxcywh": ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1),
    }[box_format]
    return np.stack(columns, axis=-1)


def _case_ids(data: dict[str, Any]) -> list[str]:
    return [c["name"] for c in data["cases"]]


def _case(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["cases"] if c["name"] == name)


# --- torchvision ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("case", _case_ids(TORCHVISION))
def test_function_equals_torchvision_per_box(case, loss, lib):
    c = _case(TORCHVISION, case)
    ref = c[loss]
    values, grad = _value_and_grad(lib, al.losses.FUNCTIONS[loss], _array(c["y_true"]),
                                   _array(c["y_pred"]))
    expected, expected_grad = _array(ref["values"]), _array(ref["grad"])
    assert np.all(np.isfinite(values))
    finite = np.isfinite(expected)
    _close(values[finite], expected[finite])
    if grad is not None:
        assert np.all(np.isfinite(grad))
        rows = np.all(np.isfinite(expected_grad), axis=-1)
        _close(grad[rows], expected_grad[rows])
    # Only torchvision's CIoU of point boxes is NaN (atan(0/0)); anyloss gives the angle 0.
    assert finite.all() or (loss == "ciou" and case == "degenerate")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("case", ["seed0", "seed1", "seed2", "seed10-batch-of-box-sets"])
def test_classes_and_spellings_equal_torchvision_reductions(case, loss):
    c = _case(TORCHVISION, case)
    ref = c[loss]
    y_true, y_pred = _array(c["y_true"]), _array(c["y_pred"])
    cls = al.losses.CLASSES[al.losses.CLASS_OF_FUNCTION[loss]]
    _close(cls()(y_true, y_pred), ref["mean"])
    _close(cls(reduction="sum")(y_true, y_pred), ref["sum"])
    _close(cls(reduction="none")(y_true, y_pred), _array(ref["values"]))
    weights = np.linspace(0.0, 2.0, y_true.shape[0])
    per_box = _array(ref["values"]).reshape(y_true.shape[0], -1)
    _close(cls(reduction="sum")(y_true, y_pred, sample_weight=weights),
           np.sum(weights[:, None] * per_box))
    spelling = SPELLING[loss]
    _close(al.get(spelling)(y_true, y_pred), _array(ref["values"]))  # torchvision's "none"
    for reduction in ("mean", "sum"):
        by_keywords = al.get(spelling, reduction=reduction)
        by_config = al.get({"class_name": spelling, "config": {"reduction": reduction}})
        assert by_keywords.get_config() == by_config.get_config()
        _close(by_keywords(y_true, y_pred), ref[reduction])
    x = torch.tensor(y_pred, requires_grad=True)
    al.get(spelling, reduction="sum", eps=1e-7)(torch.tensor(y_true), x).backward()
    _close(x.grad.numpy(), _array(ref["grad"]))


@pytest.mark.parametrize("box_format", ["yxyx", "xywh", "cxcywh"])
@pytest.mark.parametrize("loss", ["iou", *LOSSES])
def test_every_box_format_gives_the_xyxy_numbers(loss, box_format):
    c = _case(TORCHVISION, "seed0")
    y_true, y_pred = _array(c["y_true"]), _array(c["y_pred"])
    fn = al.losses.FUNCTIONS[loss]
    expected = fn(y_true, y_pred)
    _close(fn(to_format(y_true, box_format), to_format(y_pred, box_format),
              box_format=box_format), expected, rtol=1e-9)


# --- TF Addons (yxyx, eps=0, divide_no_nan) ------------------------------------------------------


def _tfa_giou(t: Any, p: Any) -> Any:
    return al.giou(t, p, box_format="yxyx", eps=0.0)


def _tfa_iou(t: Any, p: Any) -> Any:
    return al.iou(t, p, box_format="yxyx", eps=0.0)


TFA_FUNCTIONS = {"giou": _tfa_giou, "iou": _tfa_iou}


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("loss", ["giou", "iou"])
@pytest.mark.parametrize("case", _case_ids(TFA))
def test_function_equals_tfa_giou_loss(case, loss, lib):
    c = _case(TFA, case)
    ref = c[loss]

    values, grad = _value_and_grad(lib, TFA_FUNCTIONS[loss], _array(c["y_true"]),
                                   _array(c["y_pred"]))
    _close(values, _array(ref["values"]))
    if grad is not None and case != "degenerate":  # ties: subgradients differ (module doc)
        _close(grad, _array(ref["grad"]))


@pytest.mark.parametrize("case", _case_ids(TFA))
def test_iou_modes_transform_tfa_iou(case):
    c = _case(TFA, case)
    y_true, y_pred = _array(c["y_true"]), _array(c["y_pred"])
    overlap = 1.0 - _array(c["iou"]["values"])  # TF Addons' IoU
    kwargs = {"box_format": "yxyx", "eps": 0.0}
    _close(al.iou(y_true, y_pred, mode="square", **kwargs), 1.0 - overlap**2)
    _close(al.iou(y_true, y_pred, mode="log", **kwargs), -np.log(np.maximum(overlap, 1e-7)))
    assert np.all(np.isfinite(al.iou(y_true, y_pred, mode="log", **kwargs)))


@pytest.mark.parametrize("reduction", ["auto", "sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("case", _case_ids(TFA))
def test_tfa_spellings_give_tfa_numbers(case, reduction):
    c = _case(TFA, case)
    y_true, y_pred = _array(c["y_true"]), _array(c["y_pred"])
    weights = _array(c["sample_weight"])
    ref = c["class"][reduction]
    loss = al.get("tfa.losses.GIoULoss", reduction=reduction)
    config = al.get({"class_name": "tfa.losses.GIoULoss",
                     "config": {"reduction": reduction, "mode": "giou"}})
    assert loss.get_config() == config.get_config()
    _close(loss(y_true, y_pred), ref["value"])
    _close(loss(y_true, y_pred, sample_weight=weights), ref["weighted"])
    _close(al.get("tfa.losses.giou_loss")(y_true, y_pred), _array(c["giou"]["values"]))


def test_tfa_iou_mode_is_refused_with_the_way_to_get_it():
    with pytest.raises(ValueError, match=r"mode='iou'.*'giou'"):
        al.get("tfa.losses.GIoULoss", mode="iou")


# --- MONAI (runs here; float32 compute, eps = float32's machine epsilon) --------------------------


def _valid_boxes(seed: int) -> tuple[np.ndarray, np.ndarray]:
    c = _case(TORCHVISION, f"seed{seed}")
    return _array(c["y_true"]), _array(c["y_pred"])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monai_box_giou_loss_spelling_gives_monai_numbers(seed, reduction):
    monai_losses = pytest.importorskip("monai.losses")
    y_true, y_pred = _valid_boxes(seed)
    x = torch.tensor(y_pred, requires_grad=True)
    expected = monai_losses.BoxGIoULoss(reduction=reduction)(x, torch.tensor(y_true))
    (expected_grad,) = torch.autograd.grad(expected.sum(), x)
    loss = al.get("monai.losses.BoxGIoULoss", reduction=reduction)
    assert loss.get_config() == al.get(
        {"class_name": "monai.losses.BoxGIoULoss", "config": {"reduction": reduction}}
    ).get_config()
    x2 = torch.tensor(y_pred, requires_grad=True)
    value = loss(torch.tensor(y_true), x2)
    (grad,) = torch.autograd.grad(value.sum(), x2)
    # MONAI computes in float32: agreement to float32 rounding.
    _close(value.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-6)
    _close(grad.numpy(), expected_grad.numpy(), rtol=1e-5, atol=1e-6)


# --- shapes, arguments, compilation ---------------------------------------------------------------


def test_boxes_keep_their_leading_axes():
    c = _case(TORCHVISION, "seed10-batch-of-box-sets")
    y_true, y_pred = _array(c["y_true"]), _array(c["y_pred"])
    assert y_true.shape == (2, 3, 4)
    for loss in ("iou", *LOSSES):
        assert al.losses.FUNCTIONS[loss](y_true, y_pred).shape == (2, 3)
    assert al.giou(y_true[0, 0], y_pred[0, 0]).shape == ()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"box_format": "xyzw"}, ValueError, r"`box_format` of giou.*'xyxy'.*xyzw"),
        ({"box_format": None}, ValueError, r"`box_format` of giou"),
        ({"eps": -1.0}, ValueError, r"`eps` of giou must be a finite number >= 0"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        al.giou(np.zeros((2, 4)), np.ones((2, 4)), **kwargs)
    with pytest.raises(error, match=match):
        al.GIoU(**kwargs)


def test_bad_mode_and_shapes_are_named():
    with pytest.raises(ValueError, match=r"`mode` of iou.*'linear'.*Received: mode='exp'"):
        al.IoU(mode="exp")
    with pytest.raises(ValueError, match=r"y_pred.*\(\.\.\., 4\).*\(2, 3\)"):
        al.ciou(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"y_true.shape=\(3, 4\).*y_pred.shape=\(2, 4\)"):
        al.diou(np.zeros((3, 4)), np.ones((2, 4)))


COMPILED = [("iou", {"mode": "log"}), ("giou", {}), ("diou", {}), ("ciou", {})]


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_jax_jit(name, kwargs):
    fn = al.losses.FUNCTIONS[name]
    y_true, y_pred = _valid_boxes(1)
    jitted = jax.jit(lambda t, p: fn(t, p, **kwargs))
    _close(jitted(jnp.asarray(y_true), jnp.asarray(y_pred)), fn(y_true, y_pred, **kwargs))


@pytest.mark.parametrize(("name", "kwargs"), COMPILED, ids=lambda x: str(x))
def test_dask_stays_lazy(name, kwargs):
    da = pytest.importorskip("dask.array")
    fn = al.losses.FUNCTIONS[name]
    y_true, y_pred = _valid_boxes(1)
    out = fn(da.from_array(y_true, chunks=3), da.from_array(y_pred, chunks=3), **kwargs)
    assert isinstance(out, da.Array)
    _close(out.compute(), fn(y_true, y_pred, **kwargs))


def test_torch_compile_fullgraph():
    """CIoU and the log IoU in one compiled graph (plain torch ops; one compilation keeps the
    test short, and GIoU and DIoU use a subset of CIoU's operations)."""
    losses = [al.CIoU(), al.IoU(mode="log")]
    y_true, y_pred = _valid_boxes(2)

    def total(t: Any, p: Any) -> Any:
        return torch.stack([loss(t, p) for loss in losses])

    torch._dynamo.reset()
    compiled = torch.compile(total, fullgraph=True, backend="eager")
    x = torch.tensor(y_pred, requires_grad=True)
    values = compiled(torch.tensor(y_true), x)
    (grad,) = torch.autograd.grad(values.sum(), x)
    x2 = torch.tensor(y_pred, requires_grad=True)
    expected = total(torch.tensor(y_true), x2)
    (expected_grad,) = torch.autograd.grad(expected.sum(), x2)
    _close(values.detach().numpy(), expected.detach().numpy())
    _close(grad.numpy(), expected_grad.numpy())


@pytest.mark.parametrize("lib", ["torch", "jax"])
def test_ciou_gradient_is_finite_for_a_tiny_height(lib):
    # Found by the property test: a predicted height of 1.2e-38 overflowed atan(w / h)'s
    # gradient -w / h**2 to -inf, times atan's 1 / (1 + (w / h)**2) = 0: NaN.
    backend = Backend.load(lib)
    y_true = np.zeros((1, 4), np.float32)
    y_pred = np.array([[0.0, 0.0, 1.0, 1.17549435e-38]], np.float32)

    def total(p: Any) -> Any:
        return backend.module.sum(al.ciou(backend.asarray(y_true), p))

    value, grad = backend.value_and_grad(total, y_pred)
    assert np.isfinite(value) and np.all(np.isfinite(grad)), (value, grad)
    # The angle term equals the quotient form's wherever that is finite.
    h = np.array([1.0, 1e-3, 2.0, -0.5])
    w = np.array([2.0, 1.0, 0.0, 1.0])
    # The namespace anyloss computes with (raw torch's `equal` compares whole tensors).
    wa, ha = backend.asarray(w), backend.asarray(h)
    np.testing.assert_allclose(backend.to_numpy(al.losses.boxes._angle(
        al.backend.namespace(ha), wa, ha)), np.arctan(w / h), rtol=1e-6)
