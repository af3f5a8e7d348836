"""The five Keras example programs of examples/keras/ run as written (only their imports
differ from Keras') and reach Keras 3's score within the stated margin.

The floors are Keras 3's own scores (torch backend, median over seeds 1-3, the same programs
with ``from keras import``) minus the margin, measured by benchmarks/keras_examples.py and
recorded in benchmarks/RESULTS-keras-examples.md.
"""

from __future__ import annotations

import contextlib
import io
import re
import runpy
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "keras"

#: program -> (printed line, Keras 3's median score, margin, higher is better)
KERAS_SCORES = {
    "mnist_convnet": ("Test accuracy", 0.9663, 0.03, True),
    "text_classification": ("Test accuracy", 0.805, 0.05, True),
    "timeseries_lstm": ("Test loss", 0.0328, 0.01, False),
    "subclassed_model": ("Test accuracy", 0.9375, 0.05, True),
    "multi_input_output": ("Test priority accuracy", 0.905, 0.05, True),
}


@pytest.mark.parametrize("program", sorted(KERAS_SCORES))
def test_the_keras_program_runs_and_scores_like_keras(program, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(EXAMPLES / f"{program}.py"), run_name="__main__")
    label, keras_score, margin, higher = KERAS_SCORES[program]
    found = re.search(rf"^{label}: ([0-9.eE+-]+)$", out.getvalue(), re.MULTILINE)
    assert found, out.getvalue()[-2000:]
    score = float(found.group(1))
    if higher:
        assert score >= keras_score - margin
    else:
        assert score <= keras_score + margin


@pytest.mark.parametrize("program", sorted(KERAS_SCORES))
def test_only_the_import_lines_name_anyloss(program):
    source = (EXAMPLES / f"{program}.py").read_text()
    code = source.split('"""', 2)[2]  # after the module docstring
    lines = [line for line in code.splitlines() if "anyloss" in line]
    assert lines and all(re.fullmatch(r"from anyloss import [\w, ]+", line) for line in lines)
