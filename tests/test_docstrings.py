"""The docstrings: every example in the package runs, and every built-in loss is documented.

(1) Runs the doctests of every module of ``anyloss``, one case per module, so an example whose
printed result drifts from the code fails here with doctest's report.
(2) Checks that each built-in loss function documents its formula (a ``::`` literal block),
``Args:``, ``Returns:``, an example and a reference, and that each loss class documents every
constructor argument and has an example.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

import anyloss
from anyloss.losses._builtin import BUILTINS

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
#: Optional libraries a module or an example may import; missing ones skip rather than fail.
OPTIONAL = ("torch", "jax", "jaxlib", "dask", "array_api_strict", "keras", "tensorflow",
            "tf_keras")


def _module_names() -> list[str]:
    names = ["anyloss"]
    for info in pkgutil.walk_packages(anyloss.__path__, "anyloss.", onerror=lambda name: None):
        if info.name.rsplit(".", 1)[-1] != "__main__":  # running it would start the CLI
            names.append(info.name)
    return sorted(names)


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        missing = (getattr(err, "name", None) or "").split(".")[0]
        if missing in OPTIONAL:
            pytest.skip(f"{name} needs {missing}, which is not installed")
        raise


@pytest.mark.parametrize("module_name", _module_names())
def test_doctests_run(module_name: str) -> None:
    if "torch" in module_name.rsplit(".", 1)[-1]:
        pytest.importorskip("torch")  # a torch-only module binds torch when doctest inspects it
    module = _import(module_name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    sources = "\n".join(ex.source for t in tests for ex in t.examples)
    for library in OPTIONAL:
        if re.search(rf"^\s*(?:import|from)\s+{library}\b", sources, re.MULTILINE):
            pytest.importorskip(library)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)


SPECS = sorted(BUILTINS.values(), key=lambda spec: spec.name)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_loss_function_docstring_is_complete(spec) -> None:
    doc = inspect.getdoc(spec.function) or ""
    missing = [
        section
        for section in ("Args:", "Returns:", "Example", "Reference", "::")
        if section not in doc
    ]
    assert not missing, f"{spec.name}'s docstring lacks {missing}"
    assert ">>>" in doc, f"{spec.name}'s example has no doctest"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_loss_class_docstring_documents_every_argument(spec) -> None:
    cls = spec.loss_class
    assert cls is not None, f"{spec.name} declares no class"
    doc = inspect.cleandoc(cls.__doc__ or "")
    assert "Args:" in doc, f"{cls.__name__}'s docstring has no Args: section"
    args = doc.split("Args:", 1)[1]
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    undocumented = [
        p for p in params if not re.search(rf"^\s*{p}(?: \(.*?\))?:", args, re.MULTILINE)
    ]
    assert not undocumented, f"{cls.__name__}'s Args: does not document {undocumented}"
    assert "Example" in doc, f"{cls.__name__}'s docstring has no Example: section"
    assert ">>>" in doc, f"{cls.__name__}'s example has no doctest"
