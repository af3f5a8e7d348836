"""Each built-in loss is declared once (``losses/_builtin.py``) and every table, export and
lookup derives from that declaration; the package has no import cycle."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import anyloss as al
from anyloss import _catalog
from anyloss.losses import _builtin
from anyloss.losses._builtin import BUILTINS, Inputs, builtin
from tests.helpers import needs

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "anyloss"
GENERATOR = ROOT / "scripts" / "generate_exports.py"


@needs("ruff")  # the generator formats what it writes with ruff
def test_exports_are_written_from_the_declarations():
    proc = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", list(BUILTINS))
def test_every_declaration_reaches_every_table(name):
    spec = BUILTINS[name]
    cls = spec.loss_class
    assert cls is not None, f"{name} has no class"
    assert al.FUNCTIONS[name] is spec.function
    assert al.CLASSES[cls.__name__] is cls
    assert al.CLASS_OF_FUNCTION[name] == cls.__name__
    for key in (name, cls.__name__, *spec.aliases):
        assert key in al.__all__ and key in al.losses.__all__
    for alias in spec.aliases:
        assert al.ALIASES[alias] == name
        assert getattr(al, alias) is spec.function
        assert al.get(alias) is spec.function
    assert al.get(name) is spec.function
    assert isinstance(al.get(cls.__name__), cls)
    assert al.serialize(spec.function) == name
    entry = _catalog.lookup(name)
    assert (entry.name, entry.class_name, entry.inputs) == (name, cls.__name__, spec.inputs)
    restored = al.deserialize(json.loads(json.dumps(al.serialize(cls()))))
    assert type(restored) is cls and restored.get_config() == cls().get_config()


def test_tables_hold_the_declared_losses_and_nothing_else():
    assert set(al.FUNCTIONS) == set(BUILTINS)
    assert {c.__name__ for c in al.CLASSES.values()} == {
        s.loss_class.__name__ for s in BUILTINS.values() if s.loss_class}
    assert set(al.ALIASES) == {a for s in BUILTINS.values() for a in s.aliases}
    assert [e.name for e in _catalog.entries()] == list(BUILTINS)


TOY = '''

@builtin(inputs=Inputs.REGRESSION, aliases=("toy_alias",))
def toy_error(y_true: Any, y_pred: Any, scale: float = 1.0) -> Any:
    """Toy loss: ``scale * mean(|y_true - y_pred|)``."""
    xp, y_true, y_pred = prepare(y_true, y_pred, "toy_error")
    return scale * xp.mean(xp.abs(y_true - y_pred), axis=-1)


class ToyError(BuiltinLoss, function=toy_error):
    """Toy loss class."""

    def __init__(self, scale: float = 1.0, reduction: Any = "sum_over_batch_size",
                 name: str = "toy_error", dtype: Any = None) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, scale=scale)
'''

TOY_CHECK = '''
import json, anyloss as al
from anyloss.cli import main
assert al.__file__.startswith(SRC), al.__file__
assert {"toy_error", "ToyError", "toy_alias"} <= set(al.__all__)
assert al.get("toy_alias") is al.toy_error is al.toy_alias
assert float(al.toy_error([[0.0, 2.0]], [[1.0, 0.0]], scale=2.0)[0]) == 3.0
loss = al.deserialize(json.loads(json.dumps(al.serialize(al.ToyError(scale=3.0)))))
assert type(loss) is al.ToyError and loss.scale == 3.0, loss
assert float(loss([[0.0, 2.0]], [[1.0, 0.0]])) == 4.5
main(["list"])
'''


@pytest.mark.slow
@needs("ruff")
def test_a_new_loss_is_one_declaration(tmp_path):
    """Add a toy loss to a copy of the package in one edit, regenerate the exports, and find
    it in ``get``, ``anyloss list``, ``__all__`` and the serialization round trip."""
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "anyloss", ignore=shutil.ignore_patterns("__pycache__"))
    family = src / "anyloss" / "losses" / "regression.py"
    family.write_text(family.read_text() + TOY)
    env = {**os.environ, "PYTHONPATH": str(src)}
    gen = subprocess.run([sys.executable, str(GENERATOR), "--package", str(src / "anyloss")],
                         capture_output=True, text=True, check=False, env=env, timeout=120)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    script = f"SRC = {str(src)!r}\n" + textwrap.dedent(TOY_CHECK)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, env={**env, "COLUMNS": "200"}, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "toy_error" in proc.stdout and "toy_alias" in proc.stdout and "ToyError" in proc.stdout


def test_a_name_declared_twice_is_refused_and_changes_nothing():
    before = (dict(al.FUNCTIONS), dict(al.ALIASES), dict(BUILTINS))

    def unique_toy_name(y_true, y_pred):
        return y_pred

    with pytest.raises(ValueError, match="'mse' is declared twice"):
        builtin(inputs=Inputs.REGRESSION, aliases=("mse",))(unique_toy_name)
    assert (dict(al.FUNCTIONS), dict(al.ALIASES), dict(BUILTINS)) == before


# --- one home for a class's arguments -----------------------------------------------------------

def test_setting_an_argument_changes_config_and_result():
    y_true, logits = np.array([[1.0], [0.0]]), np.array([[2.0], [-1.0]])
    loss = al.BinaryCrossentropy()
    loss.from_logits = True
    assert loss.get_config()["from_logits"] is True
    np.testing.assert_allclose(loss(y_true, logits),
                               al.BinaryCrossentropy(from_logits=True)(y_true, logits))
    assert float(loss(y_true, logits)) != float(al.BinaryCrossentropy()(y_true, logits))


def test_setting_an_invalid_argument_raises_and_keeps_the_old_value():
    loss = al.Huber(delta=2)
    assert loss.delta == 2.0
    with pytest.raises(ValueError, match="`delta` of huber must be a finite number > 0"):
        loss.delta = -1.0
    assert loss.delta == 2.0 and loss.get_config()["delta"] == 2.0


def test_arguments_are_the_constructors_not_the_per_call_ones():
    # circle's ref_labels/ref_embeddings are call data: not constructor arguments or config.
    assert set(al.Circle().get_config()) == {"name", "reduction", "dtype", "gamma", "margin",
                                             "remove_diagonal"}


def test_positional_hyperparameters_bind_as_in_keras():
    t, p = np.array([[0.0, 3.0]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(al.huber(t, p, 2.0), al.huber(t, p, delta=2.0))
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'delt'.*delta"):
        al.huber(t, p, delt=2.0)
    with pytest.raises(TypeError, match="multiple values for argument 'delta'"):
        al.huber(t, p, 2.0, delta=2.0)
    with pytest.raises(TypeError, match="takes 3 positional arguments"):
        al.huber(t, p, 2.0, 3.0)


def test_a_subclass_that_overrides_call_never_takes_the_kernel():
    torch = pytest.importorskip("torch")

    class Doubled(al.MeanSquaredError):
        def call(self, y_true, y_pred):
            return 2.0 * super().call(y_true, y_pred)

    assert al.MeanSquaredError._kernel is not None and Doubled._kernel is None
    t, p = torch.zeros(4, 3), torch.ones(4, 3)
    assert float(Doubled()(t, p)) == 2.0 * float(al.MeanSquaredError()(t, p)) == 2.0


def test_input_kinds_are_one_vocabulary():
    from anyloss.check import _inputs as check_inputs

    assert set(check_inputs.KINDS) <= {k.value for k in Inputs}
    assert {e.inputs for e in _catalog.entries()} <= set(Inputs)


# --- no import cycles -------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The ``anyloss`` modules ``path`` imports anywhere (functions included), ignoring
    ``if TYPE_CHECKING:`` blocks; ``from pkg import mod`` counts as importing ``pkg.mod``."""
    found: set[str] = set()
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in modules} - {this}


def test_no_import_cycle_in_the_package():
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _imports(p, modules) for p in paths}
    state: dict[str, str] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph[module]):
            assert state.get(dep) != "open", f"import cycle: {' -> '.join([*stack, dep])}"
            if dep not in state:
                visit(dep, [*stack, dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # The edges the issue named: serialization above the losses, saving below the model.
    assert "anyloss.losses.serialization" not in set().union(
        *(graph[m] for m in graph if m.startswith("anyloss.losses.") and "serial" not in m))
    assert "anyloss.training.model" not in graph["anyloss.training.saving"]


def test_importing_anyloss_imports_no_array_library_but_numpy():
    code = ("import sys, anyloss\n"
            "print(sorted(m for m in ('torch', 'jax', 'dask', 'keras', 'tensorflow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == "[]"


def test_declarations_live_in_the_family_modules():
    for spec in BUILTINS.values():
        assert spec.formula.__module__.startswith("anyloss.losses.")
        assert not spec.formula.__module__.rsplit(".", 1)[1].startswith("_")
    assert _builtin.FUNCTIONS is al.FUNCTIONS


# --- a plain wrapper of a built-in (what compile(loss="...") builds) acts as its class ---------

def test_a_wrapped_builtin_keeps_its_mask_like_its_class():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 4))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2, 3])  # rows 4 and 5 have no positive pair: loss 0
    wrapped = al.LossFunctionWrapper(al.circle)(labels, emb)
    np.testing.assert_allclose(wrapped, al.Circle()(labels, emb))
    values = al.circle(labels, emb)
    assert (values == 0).sum() == 2
    np.testing.assert_allclose(wrapped, values[values > 0].mean())  # rows with a positive loss


def test_a_wrapped_builtin_checks_its_arguments():
    with pytest.raises(ValueError, match="`delta` of huber must be a finite number > 0"):
        al.LossFunctionWrapper(al.huber, delta=-1.0)(np.zeros((2, 2)), np.ones((2, 2)))


def test_a_compiled_string_loss_takes_the_fused_kernel(spy_kernels):
    torch = pytest.importorskip("torch")
    container = al.LossesContainer("sparse_categorical_crossentropy")
    logits = torch.randn(8, 5, dtype=torch.float64)
    labels = torch.randint(0, 5, (8,))
    out = container(labels, logits.softmax(-1))
    assert spy_kernels == [("sparse_categorical_crossentropy", "sum_over_batch_size")]
    expected = torch.nn.functional.nll_loss(logits.log_softmax(-1), labels)
    torch.testing.assert_close(out, expected)


@pytest.fixture
def spy_kernels(monkeypatch):
    calls: list[tuple[str, str]] = []
    for spec in BUILTINS.values():
        if spec.torch_kernel is None:
            continue

        def wrapped(y_true, y_pred, reduction, dtype, *args, _k=spec.torch_kernel,
                    _n=spec.name, **kwargs):
            calls.append((_n, reduction))
            return _k(y_true, y_pred, reduction, dtype, *args, **kwargs)

        monkeypatch.setattr(spec, "torch_kernel", wrapped)
    return calls
