"""Every example runs and prints what it promises; `import anyloss` never needs torch."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import needs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("script", "expected"), [
    ("custom_weighted_mse.py", "compiled_loss.built after fit:  True"),
    ("string_losses.py", "history keys: ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', "
                         "'reg_mae']"),
    ("classification.py", "best val_accuracy: 0.9"),
    ("custom_loss_classes.py", "restored loss: SmoothedBCE("),
    ("demo.py", "compiled_loss.built before the first step: False"),
])
@needs("torch")  # the examples train with anyloss.models
def test_example_runs(script, expected, capsys):
    runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    assert expected in capsys.readouterr().out


def test_container_imports_without_torch(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nfor m in ('torch', 'jax', 'keras'):\n    sys.modules[m] = None\n")
    code = ("import anyloss, numpy as np; from anyloss.container import LossesContainer; "
            "print(float(LossesContainer(['mse', 'mae'])([np.ones(2), np.ones(2)], "
            "[np.zeros(2), np.zeros(2)])))\n"
            "try:\n    import anyloss.models\nexcept ImportError:\n    print('needs torch')")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.split() == ["2.0", "needs", "torch"]
