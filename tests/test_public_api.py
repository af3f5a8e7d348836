"""The public surface: the documented names exist, `__all__` is sorted and complete."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import anyloss as al
from anyloss.losses import ALIASES, CLASS_OF_FUNCTION, CLASSES, FUNCTIONS
from tests.helpers import keras_losses

OPS_REQUIRED = (
    "add", "subtract", "multiply", "divide", "power", "negative", "square", "sqrt", "abs", "sign",
    "sum", "mean", "max", "min", "maximum", "minimum", "clip", "log", "log1p", "exp", "expm1",
    "tanh", "sigmoid", "softmax", "log_softmax", "logsumexp", "softplus", "relu", "where",
    "one_hot", "cast", "convert_to_tensor", "shape", "stop_gradient", "epsilon",
)


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_every_name_exists():
    assert list(al.__all__) == sorted(al.__all__, key=_isort_key)
    for name in al.__all__:
        assert hasattr(al, name), name


def test_api_md_names():
    for name in ("Loss", "LossFunctionWrapper", "Reduction", "get", "serialize",
                 "deserialize", "register", "custom_objects", "ops"):
        assert name in al.__all__
    assert len(keras_losses()) == 22 and len(CLASSES) == len(FUNCTIONS)
    for fn_name, cls_name in CLASS_OF_FUNCTION.items():
        assert fn_name in al.__all__ and cls_name in al.__all__
        assert getattr(al, cls_name)().fn is getattr(al, fn_name)
    for alias in ALIASES:
        assert alias in al.__all__


def test_ops_has_the_required_set():
    ops = importlib.import_module("anyloss.ops")
    assert sorted(ops.__all__) == list(ops.__all__)
    for name in OPS_REQUIRED:
        assert callable(getattr(ops, name)), name


def test_import_works_without_torch_or_jax(tmp_path: Path):
    # A sitecustomize that makes torch and jax unimportable proves the NumPy-only path.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nfor m in ('torch', 'jax', 'jaxlib', 'keras'):\n    sys.modules[m] = None\n")
    src = Path(al.__file__).resolve().parents[1]
    code = ("import anyloss as al, numpy as np; "
            "print(float(al.MeanSquaredError()(np.zeros((2, 2)), np.ones((2, 2)))))")
    env = {"PYTHONPATH": f"{tmp_path}:{src}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == "1.0"
