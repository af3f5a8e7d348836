"""The `anyloss` command line, run as `python -m anyloss` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import needs

SRC = str(Path(__file__).resolve().parents[1] / "src")

USER_LOSSES = '''
import numpy as np
import anyloss as al
from anyloss import ops

@al.register(package="cli_test")
def weighted_mse(y_true, y_pred):
    return ops.mean(ops.multiply(ops.square(y_true - y_pred), [0.3, 0.7]), axis=-1)

def numpy_mse(y_true, y_pred):
    return np.mean(np.square(y_true - y_pred), axis=-1)
'''


def anyloss(*args: str, cwd: Path | None = None, code: str | None = None):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + str(cwd or ""), "COLUMNS": "200"}
    command = [sys.executable, "-m", "anyloss", *args] if code is None else [
        sys.executable, "-c", code, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def user_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("user")
    (folder / "my_losses.py").write_text(USER_LOSSES)
    return folder


@needs("torch")
def test_list_shows_every_loss_and_the_backends():
    result = anyloss("list")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy",
                 "kld, KLD, kullback_leibler_divergence", "metric learning", "ctc"):
        assert text in out
    assert out.count("│") > 22 * 4  # one table row per built-in
    assert "Backends installed: numpy" in out and "torch" in out


@pytest.mark.parametrize("name", ["huber_loss", "Huber", "huber"])
def test_describe_accepts_aliases_and_class_names(name):
    result = anyloss("describe", name)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("huber: Huber loss per sample")
    assert "class: Huber" in out and "delta" in out and "1.0" in out
    assert "Robust Estimation of a Location Parameter" in out
    config = json.loads(out[out.index("{"):])
    assert config["class_name"] == "Huber" and config["config"]["delta"] == 1.0


def test_describe_unknown_name_is_a_usage_error():
    result = anyloss("describe", "msee")
    assert result.returncode == 2
    assert "Unknown loss 'msee'" in result.stderr and "'mse'" in result.stderr


@needs("torch")
def test_check_passes_a_correct_loss(user_module: Path):
    result = anyloss("check", "my_losses:weighted_mse", "--backends", "numpy,torch",
                     cwd=user_module)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check_loss(weighted_mse): OK, 0 error(s), 0 warning(s)" in result.stdout


@needs("torch")
def test_check_fails_a_numpy_loss_with_exit_status_1(user_module: Path):
    result = anyloss("check", str(user_module / "my_losses.py") + ":numpy_mse")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "FAILED" in out and "numpy-call" in out and "not-registered" in out
    assert "Can't call numpy() on Tensor that requires grad" in out
    assert "fix:" in out


@pytest.mark.parametrize(("spec", "message"), [
    ("my_losses", "expected MODULE:FUNCTION"),
    ("no_such_module:fn", "cannot import module 'no_such_module'"),
    ("my_losses:missing", "has no attribute 'missing'"),
    ("missing.py:fn", "no such file"),
])
def test_check_usage_errors_exit_2(user_module: Path, spec: str, message: str):
    result = anyloss("check", spec, "--backends", "numpy", cwd=user_module)
    assert result.returncode == 2
    assert message in result.stderr


def test_check_bad_backend_is_a_usage_error(user_module: Path):
    result = anyloss("check", "my_losses:weighted_mse", "--backends", "tf", cwd=user_module)
    assert result.returncode == 2 and "--backends" in result.stderr


def test_missing_command_is_a_usage_error():
    assert anyloss().returncode == 2


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    height, width = matplotlib.image.imread(path).shape[:2]
    return width, height


@pytest.mark.parametrize("args", [
    ["mse,huber,log_cosh,mae", "--y-true", "1"],
    ["bce,binary_focal_crossentropy,categorical_crossentropy", "--y-true", "1"],
    ["bce,hinge", "--from-logits"],
])
@needs("matplotlib")
def test_plot_writes_a_png(tmp_path: Path, args: list[str]):
    out = tmp_path / "loss.png"
    result = anyloss("plot", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    width, height = _png_size(out)
    assert width >= 800 and height >= 350
    assert out.stat().st_size > 20_000


@pytest.mark.parametrize(("args", "message"), [
    (["bce,mse"], "cannot share an x-axis"),
    (["ctc"], "not plottable against one prediction"),
    (["bce", "--y-true", "0.5"], "--y-true must be 0 or 1"),
    (["categorical_crossentropy", "--y-true", "3"], "integer in 0..2"),
    (["msee"], "Did you mean"),
    (["mse", "--range", "2", "1"], "LO < HI"),
])
def test_plot_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str):
    result = anyloss("plot", *args, "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_plot_without_matplotlib_names_the_extra(tmp_path: Path):
    code = textwrap.dedent("""
        import sys
        sys.modules["matplotlib"] = None  # what an environment without matplotlib sees
        from anyloss.cli import main
        sys.exit(main(["plot", "mse", "--out", sys.argv[1]]))
    """)
    result = anyloss(str(tmp_path / "x.png"), code=code)
    assert result.returncode == 2
    assert "pip install anyloss[plot]" in result.stderr
