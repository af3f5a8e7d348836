"""Hostile and random configs fed to ``deserialize`` and ``get``.

Only ``ValueError``/``TypeError`` may come out (or a working loss, for a valid config), and
nothing is ever imported or executed. The proof is a canary: a module written into a temporary
directory on ``sys.path`` whose import, class instantiation, ``call`` and function each write a
marker file. The configs name it in every way a config can name code (``module``,
``class_name``, ``registered_name``, ``fn``, dotted and ``package>name`` forms); afterwards the
canary is not in ``sys.modules``, no marker exists, and ``sys.modules`` gained no entries.

Each fuzz test records how many configs it generated (the ``fuzz_examples`` user property),
which the terminal summary adds up (tests/reliability_summary.py).
"""

from __future__ import annotations

import json
import sys
import uuid
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import anyloss as al
from anyloss.losses import ALIASES, CLASSES, FUNCTIONS
from anyloss.losses._base import BASES
from tests.properties.families import CLASS_OF, example, scaled

BUILTIN_NAMES = sorted([*FUNCTIONS, *ALIASES, *CLASSES, *BASES])
HOSTILE = [
    "__import__", "os.system", "os", "subprocess", "subprocess.Popen", "builtins", "builtins.eval",
    "eval", "exec", "compile", "open", "getattr", "posix.system", "importlib.import_module",
    "pickle.loads", "marshal.loads", "__builtins__", "__main__", "sys.modules", "function",
    "__lambda__", "Loss", "LossFunctionWrapper", "keras.losses", "keras.src.losses.losses",
    "tf_keras.losses", "anyloss.losses", "anyloss.training.saving", "tests.fuzz",
    "custom>mse", ">mse", "custom>", ">", "", " ", "mse ", "../../etc/passwd", "$(touch x)",
    "\x00", "\u202emse", "ｍｓｅ", "a" * 5000, "Huber\n", "lambda y_true, y_pred: 0",
]
NUMBERS = st.one_of(st.integers(), st.integers(-10**400, 10**400),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -1, 1, 0.5, 2, 1e308, -1e308, float("nan"),
                                     float("inf"), 10**400]))


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    """A module that leaves a marker file when imported, instantiated, called or looked up."""
    folder = tmp_path_factory.mktemp("canary")
    name = f"anyloss_canary_{uuid.uuid4().hex[:8]}"
    marker = folder / "marker"
    (folder / f"{name}.py").write_text(f'''
import pathlib
MARKER = pathlib.Path({str(marker)!r})
MARKER.write_text("imported")

from anyloss import Loss


def canary_loss(y_true, y_pred):
    MARKER.with_suffix(".fn").write_text("called")
    return y_pred


class CanaryLoss(Loss):
    def __init__(self, *args, **kwargs):
        MARKER.with_suffix(".init").write_text("instantiated")
        super().__init__()

    def call(self, y_true, y_pred):
        MARKER.with_suffix(".call").write_text("called")
        return y_pred


def __getattr__(attr):
    MARKER.with_suffix(".getattr").write_text(attr)
    raise AttributeError(attr)
''')
    sys.path.insert(0, str(folder))
    yield name, folder
    sys.path.remove(str(folder))
    assert name not in sys.modules
    assert list(folder.iterdir()) == [folder / f"{name}.py"], "the canary left a marker"


def canary_names(module: str) -> list[str]:
    return [module, f"{module}.CanaryLoss", f"{module}.canary_loss", f"{module}:canary_loss",
            f"{module}>CanaryLoss", f"{module}>canary_loss", "CanaryLoss", "canary_loss",
            "custom>CanaryLoss", f"{module}.sub.CanaryLoss"]


def canary_configs(module: str) -> list[Any]:
    """Every way a config can name the canary's code."""
    configs: list[Any] = list(canary_names(module))
    for class_name in ("CanaryLoss", "canary_loss", "function", f"{module}.CanaryLoss",
                       "MeanSquaredError", "LossFunctionWrapper"):
        for registered in (None, "CanaryLoss", f"{module}>CanaryLoss", f"{module}.CanaryLoss",
                           "custom>CanaryLoss"):
            for config in ({}, "canary_loss", {"fn": "canary_loss"},
                           {"fn": f"{module}.canary_loss"},
                           {"fn": {"module": module, "class_name": "function",
                                   "config": "canary_loss", "registered_name": "canary_loss"}}):
                configs.append({"module": module, "class_name": class_name, "config": config,
                                "registered_name": registered})
    configs.append({"class_name": "__lambda__", "config": {"code": f"__import__('{module}')"}})
    return configs


def near_misses() -> st.SearchStrategy[str]:
    """Built-in names with one character dropped, doubled, swapped in case, or changed."""

    @st.composite
    def mutate(draw: Any) -> str:
        name = draw(st.sampled_from(BUILTIN_NAMES))
        i = draw(st.integers(0, len(name) - 1))
        how = draw(st.sampled_from(["drop", "double", "case", "replace", "suffix", "prefix"]))
        if how == "drop":
            return name[:i] + name[i + 1:]
        if how == "double":
            return name[:i] + name[i] + name[i:]
        if how == "case":
            return name[:i] + name[i].swapcase() + name[i + 1:]
        if how == "replace":
            return name[:i] + draw(st.characters()) + name[i + 1:]
        return name + draw(st.text(max_size=3)) if how == "suffix" else draw(
            st.text(max_size=3)) + name

    return mutate()


def names(module: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(BUILTIN_NAMES), near_misses(),
                     st.sampled_from(HOSTILE + canary_names(module)), st.text(max_size=30))


def json_values(module: str) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), NUMBERS, names(module))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(names(module), st.sampled_from(CONFIG_KEYS)), inner,
                        max_size=4)), max_leaves=12)


CONFIG_KEYS = ["name", "reduction", "dtype", "fn", "axis", "from_logits", "label_smoothing",
               "delta", "alpha", "beta", "gamma", "q", "margin", "ignore_class",
               "apply_class_balancing", "remove_diagonal", "module", "class_name", "config",
               "registered_name", "epsilon", "combine", "labels"]
# Values that are valid for some argument, to reach past the first check.
PLAUSIBLE = st.sampled_from([None, True, False, -1, 0, 1, 2, 0.0, 0.1, 0.5, 1.0, 80.0,
                             "sum", "none", "sum_over_batch_size", "mean", "auto", "float32",
                             "float64", "float16", "mse", "huber", [1], [1, 2], (1,), {}])


def configs(module: str) -> st.SearchStrategy[Any]:
    """Loss config dicts: the four Keras keys (each optional), hostile or plausible values,
    inner configs with real and random argument names, nested through ``fn``."""
    value = st.one_of(PLAUSIBLE, json_values(module))

    def config_dict(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        arguments = st.dictionaries(st.one_of(st.sampled_from(CONFIG_KEYS), names(module)),
                                    st.one_of(value, inner), max_size=4)
        return st.fixed_dictionaries({}, optional={
            "module": st.one_of(st.sampled_from(["anyloss.losses", "keras.losses", module]),
                                names(module), value),
            "class_name": st.one_of(st.sampled_from([*BUILTIN_NAMES, "function"]),
                                    names(module), value),
            "config": st.one_of(arguments, names(module), value),
            "registered_name": st.one_of(names(module), value),
            "fn": st.one_of(names(module), inner, value),
        })

    return st.recursive(names(module), config_dict, max_leaves=6)


def _try_loss(loss: Any) -> None:
    """A resolved loss works on valid inputs, or refuses them with ValueError/TypeError."""
    name = getattr(loss, "__name__", None) or getattr(getattr(loss, "fn", None), "__name__",
                                                      None)
    if type(loss) is al.Loss:
        return  # the bare base class (deserialize resolves it, as Keras does) has no `call`
    if name not in FUNCTIONS:
        name = next((n for n, c in CLASS_OF.items() if isinstance(loss, c)), "mean_squared_error")
    y_true, y_pred, _ = example(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss(y_true, y_pred)
    except (ValueError, TypeError):
        pass


def _resolve(fn: Any, config: Any) -> None:
    try:
        out = fn(config)
    except (ValueError, TypeError):
        return
    if out is None:
        assert config is None, config
        return
    assert isinstance(out, al.Loss) or out in FUNCTIONS.values(), (config, out)
    _try_loss(out)


@pytest.fixture
def modules_unchanged(canary):
    module, folder = canary
    # Warm up what loading and computing import lazily (array-api-compat's NumPy namespace).
    for name, cls in CLASS_OF.items():
        _try_loss(al.deserialize(al.serialize(cls())))
        _try_loss(FUNCTIONS[name])
    before = set(sys.modules)
    yield module
    # Hypothesis imports parts of itself mid-run (its optimiser): test machinery, not a config.
    assert {m for m in set(sys.modules) - before if not m.startswith("hypothesis.")} == set()
    assert module not in sys.modules
    assert list(folder.iterdir()) == [folder / f"{module}.py"], "the canary left a marker"


def test_every_way_of_naming_the_canary_is_refused(modules_unchanged, record_property):
    module = modules_unchanged
    tried = 0
    for config in canary_configs(module):
        for fn in (al.deserialize, al.get):
            tried += 1
            with pytest.raises((ValueError, TypeError)):
                fn(config)
        with pytest.raises((ValueError, TypeError)):
            al.deserialize(config, custom_objects={"unrelated": al.mse})
    record_property("fuzz_examples", tried)


def test_random_configs_only_raise_value_or_type_errors(modules_unchanged, record_property):
    module = modules_unchanged
    count = 0

    @scaled(8.0)
    @given(config=configs(module))
    def check(config):
        nonlocal count
        count += 1
        _resolve(al.deserialize, config)
        _resolve(al.get, config)

    check()
    record_property("fuzz_examples", count)


def test_random_json_values_only_raise_value_or_type_errors(modules_unchanged, record_property):
    module = modules_unchanged
    count = 0

    @scaled(4.0)
    @given(value=json_values(module))
    def check(value):
        nonlocal count
        count += 1
        _resolve(al.deserialize, value)
        _resolve(al.get, value)
        # A JSON round trip (what a saved file gives back) behaves the same.
        try:
            text = json.dumps(value)
        except (ValueError, TypeError):
            return
        _resolve(al.deserialize, json.loads(text))

    check()
    record_property("fuzz_examples", count)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_random_arguments_of_every_class(name, modules_unchanged, record_property):
    """Each built-in class's config with random values for its real arguments."""
    import inspect

    module = modules_unchanged
    params = [p for p in inspect.signature(CLASSES[name].__init__).parameters if p != "self"]
    count = 0

    @scaled(0.5)
    @given(arguments=st.dictionaries(st.sampled_from(params),
                                     st.one_of(PLAUSIBLE, json_values(module)), max_size=3))
    def check(arguments):
        nonlocal count
        count += 1
        _resolve(al.deserialize, {"module": "anyloss.losses", "class_name": name,
                                  "config": arguments, "registered_name": None})

    check()
    record_property("fuzz_examples", count)


def test_deep_nesting_and_huge_values_raise_value_error():
    nested: Any = "mse"
    for _ in range(500):
        nested = {"class_name": "LossFunctionWrapper", "config": {"fn": nested}}
    with pytest.raises(ValueError, match="nests more than"):
        al.deserialize(nested)
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    for config in ({"class_name": deep}, {"class_name": "Huber", "config": deep},
                   {"class_name": "Huber", "config": {"delta": deep}},
                   {"class_name": "Dice", "config": {"axis": deep}},
                   {"class_name": "Huber", "config": {"dtype": deep}},
                   {"class_name": "function", "config": deep}, deep):
        for fn in (al.deserialize, al.get):
            with pytest.raises((ValueError, TypeError)) as info:
                fn(config)
            assert len(str(info.value)) < 1000
    huge = "m" * 10**6
    for config in (huge, {"class_name": huge}, {"class_name": "Huber", "config": {huge: 1}}):
        with pytest.raises(ValueError) as info:  # noqa: PT011 - its length is checked below
            al.deserialize(config)
        assert len(str(info.value)) < 2000
    with pytest.raises(ValueError, match="finite number"):
        al.deserialize({"class_name": "Huber", "config": {"delta": 10**400}})


def test_the_canary_works(canary, tmp_path):
    """The canary does leave markers when its code is actually run (so silence means safety)."""
    import subprocess

    module, folder = canary
    code = (f"import sys; sys.path.insert(0, {str(folder)!r}); import {module}; "
            f"{module}.CanaryLoss()(1.0, 1.0); {module}.canary_loss(1, 1)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path,
                   env={"PYTHONPATH": ":".join(sys.path), "PYTHONDONTWRITEBYTECODE": "1"})
    markers = sorted(p.name for p in folder.iterdir() if p.name != f"{module}.py")
    assert markers == ["marker", "marker.call", "marker.fn", "marker.init"]
    for name in markers:
        (folder / name).unlink()
