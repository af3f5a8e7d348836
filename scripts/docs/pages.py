"""The generated part of the documentation site: one page per loss family (each loss' formula,
arguments, example, plot and other libraries' names), the losses overview, and the API
reference, all read from the loss declarations and the docstrings.

``scripts/docs/hooks.py`` adds these pages to the MkDocs build; ``tests/test_docs.py`` checks
them without building. Building also runs every example of the documented names and draws every
plot: a failing example, a missing docstring or a loss without a plot fails the build.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import inspect
import io
import math
import multiprocessing
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_exports  # noqa: E402
import markup  # noqa: E402

import anyloss  # noqa: E402
from anyloss import _catalog  # noqa: E402
from anyloss.losses import _peers  # noqa: E402
from anyloss.losses._builtin import Inputs  # noqa: E402

#: What ``y_true`` and ``y_pred`` hold, per input kind (the losses overview shows it).
INPUT_KINDS = {
    Inputs.REGRESSION: "real targets and predictions of the same shape",
    Inputs.BINARY: "0/1 targets; probabilities (or logits with `from_logits=True`)",
    Inputs.MARGIN: "0/1 or -1/1 targets; real scores",
    Inputs.CATEGORICAL: "one-hot (or soft) targets; class probabilities (or logits)",
    Inputs.CATEGORICAL_MARGIN: "one-hot targets; real class scores",
    Inputs.SPARSE: "integer class indices; class probabilities (or logits)",
    Inputs.SEQUENCE: "0-padded label sequences; `(batch, time, classes)` logits",
    Inputs.EMBEDDING: "integer labels; embeddings, one value per anchor",
    Inputs.MEAN_VARIANCE: "real targets `(..., d)`; means and variances `(..., 2 * d)`",
    Inputs.PAIRS: "-1/1 labels; two items per pair stacked on axis 1",
    Inputs.TRIPLETS: "`y_true` unused; anchor, positive, negative stacked on axis 1",
    Inputs.BOXES: "target and predicted boxes `(..., 4)` in a stated `box_format`",
    Inputs.LISTS: "graded relevance `(batch, list_size)` (negative: not in the list); scores",
    Inputs.LABEL_LISTS: "each sample's target class indices padded with -1 `(batch, classes)`; "
    "class scores",
}

#: The API reference pages of the names that are not losses: page -> (title, introduction).
TOPICS = {
    "lookup": (
        "Lookup and serialization",
        "Names and configs to losses and back: `get`, `serialize`, `deserialize`, and the "
        "registration of your own losses.",
    ),
    "base": (
        "Loss classes and reductions",
        "The base classes a loss is built on, the reductions, and the warning anyloss gives "
        "for a misused loss.",
    ),
    "declarations": (
        "Declarations and registries",
        "The tables every built-in loss is listed in, read from each loss' declaration.",
    ),
    "ops": (
        "ops",
        "Backend-neutral operations with `keras.backend`/`keras.ops` names, for writing custom "
        "losses that run on every array library.",
    ),
    "check": ("The checker", "`check_loss` runs a loss the way training will and names problems."),
    "container": (
        "Losses container",
        "What `Model.compile` builds from its `loss`, `loss_weights` and outputs.",
    ),
    "training": (
        "Training (models, layers, callbacks, optimizers, metrics)",
        "Keras' `keras.models`, `keras.layers`, `keras.callbacks`, `keras.optimizers` (with "
        "`keras.optimizers.schedules`) and `keras.metrics` import paths on PyTorch modules. "
        "Needs PyTorch.",
    ),
    "backend": (
        "Backend switches",
        "When value checks run (labels in range, whole numbers, mistakes).",
    ),
    "keras": (
        "Inside Keras",
        "`anyloss.keras` and `anyloss.tf_keras`: anyloss' losses in Keras 3's and tf-keras' "
        "`compile`, `fit`, `save` and `load_model`. Needs Keras 3 (tf-keras: TensorFlow).",
    ),
    "distributed": (
        "Across processes and devices",
        "`anyloss.distributed`: losses normalised over the global batch on `torch.distributed` "
        "and JAX meshes, gradient accumulation, batch-level losses across shards and "
        "vocabulary-parallel cross-entropy ([Scaling out](../scaling-out.md)).",
    ),
}
#: Defining module of a non-loss public name -> its reference page.
MODULE_TOPICS = {
    "anyloss.losses.serialization": "lookup",
    "anyloss.losses._names": "lookup",
    "anyloss.losses._base": "base",
    "anyloss.losses._reduction": "base",
    "anyloss.losses._mistakes": "base",
    "anyloss.losses._builtin": "declarations",
    "anyloss": "ops",
    "anyloss._version": "index",
    "anyloss.check": "check",
    "anyloss.container": "container",
}
#: Documented objects beyond ``anyloss.__all__``, per reference page (modules with members).
EXTRA_OBJECTS = {
    "check": ["anyloss.check.Problem"],
    "training": [
        "anyloss.models",
        "anyloss.layers",
        "anyloss.callbacks",
        "anyloss.optimizers",
        "anyloss.optimizers.schedules",
        "anyloss.metrics",
    ],
    "backend": ["anyloss.backend.value_checks"],
    "keras": ["anyloss.keras", "anyloss.tf_keras"],
    "distributed": ["anyloss.distributed"],
}
EXTRA_MODULES = {
    "anyloss.models",
    "anyloss.layers",
    "anyloss.callbacks",
    "anyloss.optimizers",
    "anyloss.optimizers.schedules",
    "anyloss.metrics",
    "anyloss.keras",
    "anyloss.tf_keras",
    "anyloss.distributed",
}
#: mkdocstrings options of a documented module: its public members (``__all__``), in full.
MEMBERS_OPTIONS = ["members: null", "filters: public", "heading_level: 2"]


def _slug(family: str) -> str:
    return family.replace(" ", "-")


def family_title(family: str) -> str:
    return f"{family[0].upper()}{family[1:]} losses"


def family_page(family: str) -> str:
    """The site path of a family's page."""
    return f"losses/{_slug(family)}.md"


# --- examples -----------------------------------------------------------------------------


class ExampleError(RuntimeError):
    """An example in a docstring or a page did not print what it shows."""


OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _run(tests: Iterable[doctest.DocTest]) -> int:
    """Run the doctests in order (sharing nothing but what each test's globals hold)."""
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    report: list[str] = []
    count = 0
    for test in tests:
        if test.examples:
            runner.run(test, out=report.append, clear_globs=False)
            count += 1
    if runner.failures:
        raise ExampleError("an example failed:\n" + "".join(report))
    return count


def documented_modules() -> list[Any]:
    """The modules whose docstrings the site shows: the family modules and ``anyloss.ops``."""
    modules = {e.function.__module__ for e in _catalog.entries()}
    return [importlib.import_module(m) for m in sorted(modules)] + [anyloss.ops]


def run_docstring_examples() -> int:
    """Run the examples of every public name and documented module; returns how many ran."""
    finder = doctest.DocTestFinder()
    tests: dict[tuple[str | None, str | None], doctest.DocTest] = {}  # one per docstring
    for module in documented_modules():
        for test in finder.find(module):
            tests[test.filename, test.docstring] = test
    for name in anyloss.__all__:
        obj = getattr(anyloss, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            for test in finder.find(obj, f"anyloss.{name}"):
                tests.setdefault((test.filename, test.docstring), test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run(sorted(tests.values(), key=lambda t: t.name))


_PYCON = re.compile(r"^```pycon\n(.*?)^```", re.DOTALL | re.MULTILINE)


def run_page_examples(markdown: str, path: str) -> int:
    """Run the ```` ```pycon ```` blocks of a page in order, in one namespace; returns how
    many blocks ran."""
    parser = doctest.DocTestParser()
    namespace: dict[str, Any] = {}
    tests = [
        parser.get_doctest(
            match.group(1), namespace, path, path, markdown[: match.start()].count("\n") + 1
        )
        for match in _PYCON.finditer(markdown)
    ]
    for test in tests:
        test.globs = namespace  # the page's blocks build on each other
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _run(tests)


# --- docstrings ---------------------------------------------------------------------------


def _defining_modules() -> dict[str, str]:
    """Public name -> the module that defines it, for every name of ``anyloss.__all__``."""
    found = {}
    for module, names in (*generate_exports.LOSSES_SUPPORT.items(), *_losses_by_module()):
        for name in names:
            found[name] = module
    for module, names in generate_exports.TOP_SUPPORT.items():
        for name in names:
            found[name] = module
    return found


def _losses_by_module() -> list[tuple[str, list[str]]]:
    by_module: dict[str, list[str]] = {}
    for e in _catalog.entries():
        by_module.setdefault(e.function.__module__, []).extend([e.name, e.class_name, *e.aliases])
    return list(by_module.items())


def _attribute_documented(module: str, name: str) -> bool:
    """Whether a module attribute has a ``#:`` comment above it (its docstring on the site)."""
    source = inspect.getsource(importlib.import_module(module))
    return re.search(rf"^#:.*\n{re.escape(name)}\b", source, re.MULTILINE) is not None


def missing_docstrings() -> list[str]:
    """Public names (``anyloss.__all__``, dunders aside) without a docstring."""
    modules = _defining_modules()
    missing = []
    for name in anyloss.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(anyloss, name)
        if inspect.ismodule(obj) or inspect.isfunction(obj) or inspect.isclass(obj):
            documented = bool((obj.__doc__ or "").strip())
        else:
            documented = _attribute_documented(modules[name], name)
        if not documented:
            missing.append(name)
    return missing


# --- plots --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """A plot of a loss `anyloss plot` cannot draw against one prediction: one input moves."""

    what: str  # what x is, for the axis and the caption
    lo: float
    hi: float
    #: curve label -> x -> (y_true, y_pred); the loss drawn is the mean over the batch
    curves: dict[str, Callable[[float], tuple[Any, Any]]]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _unit(angle: float) -> list[float]:
    return [math.cos(angle), math.sin(angle)]


def _embeddings(theta: float) -> tuple[Any, Any]:
    # Class 0 at angles 0 and theta, class 1 at 180 degrees (twice).
    labels = np.array([0, 0, 1, 1])
    return labels, np.array([_unit(0.0), _unit(theta), _unit(math.pi), _unit(math.pi)])


_EMBEDDING_SWEEP = Sweep(
    "angle (radians) between the two embeddings of class 0; class 1's two sit at 180°",
    0.0,
    3.0,
    {"4 embeddings, 2 classes, in 2-D": _embeddings},
)
_BOX_SWEEP = Sweep(
    "horizontal shift of the predicted box; the target is the unit square",
    -2.0,
    2.0,
    {
        "unit boxes, xyxy": lambda x: (
            np.array([[0.0, 0.0, 1.0, 1.0]]),
            np.array([[x, 0.0, x + 1, 1]]),
        )
    },
)
_LIST_SWEEP = Sweep(
    "score of the one relevant item of a list of 3 (the others score 0)",
    -6.0,
    6.0,
    {"relevance [1, 0, 0]": lambda x: (np.array([[1.0, 0.0, 0.0]]), np.array([[x, 0.0, 0.0]]))},
)
#: Sweeps by loss name, then by input kind.
SWEEPS_BY_NAME = {
    "cosine_embedding": Sweep(
        "cosine similarity of the pair's two embeddings",
        -0.99,
        0.99,
        {
            f"{label} pair (y_true = {y:g})": (
                lambda x, y=y: (
                    np.array([y]),
                    np.array([[_unit(0.0), _unit(math.acos(min(max(x, -1.0), 1.0)))]]),
                )
            )
            for label, y in (("similar", 1.0), ("dissimilar", -1.0))
        },
    ),
    "margin_ranking": Sweep(
        "score of the first item minus the second's",
        -3.0,
        3.0,
        {
            f"first should rank {label} (y_true = {y:g})": (
                lambda x, y=y: (np.array([y]), np.array([[x, 0.0]]))
            )
            for label, y in (("higher", 1.0), ("lower", -1.0))
        },
    ),
    "triplet_margin": Sweep(
        "distance from the anchor to the negative; the positive is at distance 1",
        0.0,
        3.0,
        {
            "anchor, positive, negative in 2-D": lambda x: (
                np.zeros(1),
                np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, x]]]),
            )
        },
    ),
    "arcface": Sweep(
        "angle (radians) between an embedding of class 0 and its class weight; class 1's "
        "weight is at 90°",
        0.0,
        math.pi,
        {"2 classes in 2-D": lambda x: (np.array([0]), np.array([_unit(x)]))},
        {"class_weights": np.eye(2)},
    ),
    "sparse_linear_cross_entropy": Sweep(
        "first input feature of one sample of class 0; the weight is the identity (3 classes, "
        "3 features), so the feature is class 0's logit and the others are 0",
        -6.0,
        6.0,
        {"3 classes, identity weight": lambda x: (np.array([0]), np.array([[x, 0.0, 0.0]]))},
        {"weight": np.eye(3)},
    ),
    "ctc": Sweep(
        "logit of the label's class in each of 2 frames (the blank and the other class: 0)",
        -6.0,
        6.0,
        {
            "label sequence [1], 3 classes": lambda x: (
                np.array([[1]]),
                np.array([[[0.0, x, 0.0]] * 2]),
            )
        },
    ),
}
SWEEPS_BY_KIND = {
    Inputs.EMBEDDING: _EMBEDDING_SWEEP,
    Inputs.BOXES: _BOX_SWEEP,
    Inputs.LISTS: _LIST_SWEEP,
}


def plot_kind(entry: _catalog.Entry) -> str | Sweep:
    """``"cli"`` when ``anyloss plot NAME`` draws the loss, else the sweep that does.

    Raises:
        LookupError: for a loss neither draws (add a sweep above).
    """
    from anyloss.cli._plot import PlotError, axis_of

    try:
        axis_of(entry, False)
    except PlotError:
        sweep = SWEEPS_BY_NAME.get(entry.name) or SWEEPS_BY_KIND.get(entry.inputs)
        if sweep is None:
            msg = (
                f"{entry.name} ({entry.inputs} inputs) has no plot: `anyloss plot` cannot draw "
                "it and scripts/docs/pages.py has no sweep for it. Add one to SWEEPS_BY_NAME."
            )
            raise LookupError(msg) from None
        return sweep
    return "cli"


def draw(entry: _catalog.Entry, out: Path, points: int = 301) -> str:
    """Draw ``entry``'s plot into ``out`` (a PNG) at ``points`` positions; returns the
    caption."""
    kind = plot_kind(entry)
    if kind == "cli":
        from anyloss.cli import main

        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()) as err,
        ):
            status = main(["plot", entry.name, "--out", str(out), "--points", str(points)])
        if status != 0:
            msg = f"`anyloss plot {entry.name}` failed: {err.getvalue()}"
            raise RuntimeError(msg)
        return (
            f"Loss and gradient along one prediction, drawn when this page was built by "
            f"`anyloss plot {entry.name} --out {entry.name}.png`."
        )
    assert isinstance(kind, Sweep)
    _draw_sweep(entry, kind, out, points)
    return (
        f"`anyloss plot` draws a loss along one prediction; `{entry.name}` takes "
        f"{entry.inputs} inputs, so this plot moves one input instead: x is the {kind.what}. "
        "Drawn when this page was built, with the same numerics."
    )


def _draw_sweep(entry: _catalog.Entry, sweep: Sweep, out: Path, points: int) -> None:
    import matplotlib

    matplotlib.use("Agg")

    from anyloss.cli._plot import CustomEntry, curve, draw

    curves = []
    for label, make in sweep.curves.items():

        def loss(_target: Any, y_pred: Any, make: Any = make) -> Any:
            y_true, inputs = make(float(np.asarray(y_pred)[0, 0]))
            return np.mean(np.asarray(entry.function(y_true, inputs, **sweep.kwargs)))

        curves.append(curve(CustomEntry(label, loss), 0.0, False, sweep.lo, sweep.hi, points))
    draw(
        curves,
        out,
        "x",
        f": {entry.name}",
        f"Loss and gradient as one input moves\nx = {sweep.what}",
    )


# --- pages --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _directive(path: str, *options: str) -> list[str]:
    lines = [f"::: {path}"]
    if options:
        lines.append("    options:")
        lines += [f"      {o}" for o in options]
    return [*lines, ""]


def _module_intro(module_name: str) -> str:
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    return markup.to_markdown(markup.example_sections(doc), set(anyloss.__all__))


def _peers_rows(name: str) -> list[tuple[str, str, dict[str, Any], str]]:
    return [row for row in _peers.table() if row[1] == name]


def peers_table(rows: Iterable[tuple[str, str, dict[str, Any], str]], link: bool) -> list[str]:
    """Other libraries' spellings as a Markdown table (``al.get(spelling)``)."""
    lines = [
        "| spelling | anyloss loss | set for the library's semantics | what to know |",
        "|---|---|---|---|",
    ]
    for spelling, loss, settings, note in rows:
        shown = ", ".join(f"`{k}={v!r}`" for k, v in settings.items())
        target = f"[`{loss}`][anyloss.{loss}]" if link else f"`{loss}`"
        lines.append(f"| `{spelling}` | {target} | {_cell(shown)} | {_cell(note)} |")
    return [*lines, ""]


def _origin(origin: str) -> str:
    return "Keras 3" if origin == "keras" else f"`{origin}`"


def render_family(family: str, entries: list[_catalog.Entry], captions: dict[str, str]) -> str:
    module = entries[0].function.__module__
    lines = [
        f"# {family_title(family)}",
        "",
        _module_intro(module),
        "",
        "Every example on this page ran, and printed what it shows, when the site was built; "
        "the plots were drawn then too.",
        "",
        "| loss | what it computes | class | defined by |",
        "|---|---|---|---|",
    ]
    for e in entries:
        lines.append(
            f"| [`{e.name}`](#{e.name}) | {_cell(markup.to_markdown(e.summary, set()))} | "
            f"`{e.class_name}` | {_origin(e.origin)} |"
        )
    lines.append("")
    for e in entries:
        facts = [
            f"**function** [`al.{e.name}`][anyloss.{e.name}]",
            f"**class** [`al.{e.class_name}`][anyloss.{e.class_name}]",
        ]
        if e.aliases:
            facts.append("**aliases** " + ", ".join(f"`{a}`" for a in e.aliases))
        lines += [
            f"## {e.name}",
            "",
            markup.to_markdown(e.summary, set()),
            "",
            " · ".join(facts) + "  ",
            f"**inputs** {e.inputs}: {INPUT_KINDS[e.inputs]}  ",
            f"**defined by** {_origin(e.origin)}: its numbers are tested equal",
            "",
            f"![{e.name}: loss and gradient](plots/{e.name}.png)",
            "",
            f"*{captions[e.name]}*",
            "",
        ]
        rows = _peers_rows(e.name)
        if rows:
            lines += [
                f"**Other libraries' names.** `al.get(spelling, **that library's arguments)` "
                f"returns `{e.class_name}` set up with that library's semantics:",
                "",
                *peers_table(rows, link=False),
            ]
        lines += _directive(f"anyloss.{e.name}")
        lines += _directive(f"anyloss.{e.class_name}")
    others = [
        name
        for name, defining in _defining_modules().items()
        if defining == module and name not in {n for e in entries for n in _names(e)}
    ]
    if others:
        lines += ["## Also in this family", ""]
        for name in sorted(others):
            lines += _directive(f"anyloss.{name}")
    return "\n".join(lines) + "\n"


def _names(entry: _catalog.Entry) -> list[str]:
    return [entry.name, entry.class_name, *entry.aliases]


def render_losses_index() -> str:
    groups = _catalog.by_family()
    total = sum(len(g) for g in groups.values())
    lines = [
        "# Losses",
        "",
        f"anyloss has {total} built-in losses in {len(groups)} families. Each one is a function "
        "(`al.huber(y_true, y_pred, delta=1.0)`, one value per sample) and a Keras class "
        "(`al.Huber(delta=1.0)`, with reductions, sample weights and a config), and both "
        "resolve by name (`al.get(\"huber\")`). Each family's page shows every loss' formula, "
        "arguments, example, plot and other libraries' names for it; "
        "[all losses in one table](../losses.md) lists them with the library that defines each.",
        "",
        "| family | losses |",
        "|---|---|",
    ]
    for family, entries in groups.items():
        names = ", ".join(f"[`{e.name}`]({_slug(family)}.md#{e.name})" for e in entries)
        lines.append(f"| [{family}]({_slug(family)}.md) | {names} |")
    lines += [
        "",
        "## Inputs",
        "",
        "Every loss is called as `loss(y_true, y_pred)`. What the two hold depends on the "
        "loss' input kind:",
        "",
        "| input kind | `y_true`; `y_pred` |",
        "|---|---|",
        *(f"| {kind} | {text} |" for kind, text in INPUT_KINDS.items()),
        "",
    ]
    return "\n".join(lines)


def reference_names() -> dict[str, str]:
    """Every name of ``anyloss.__all__`` -> the site page that documents it."""
    modules = _defining_modules()
    families = {id(e.function): e.family for e in _catalog.entries()}
    by_module = {e.function.__module__: e.family for e in _catalog.entries()}
    pages = {}
    for name in anyloss.__all__:
        obj = getattr(anyloss, name)
        entry_family = families.get(id(obj))
        if entry_family is None and inspect.isclass(obj):
            entry_family = next((e.family for e in _catalog.entries() if e.loss_class is obj), None)
        module = modules.get(name)
        if entry_family is not None:
            pages[name] = family_page(entry_family)
        elif module in by_module:
            pages[name] = family_page(by_module[module])
        elif module in MODULE_TOPICS:
            pages[name] = f"reference/{MODULE_TOPICS[module]}.md"
        else:
            msg = (
                f"anyloss.{name} (from {module}) has no page in the API reference: map its "
                "module in MODULE_TOPICS of scripts/docs/pages.py."
            )
            raise LookupError(msg)
    return pages


def _kind(obj: Any) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def render_reference() -> dict[str, str]:
    """The API reference pages: the index and one page per topic."""
    pages = reference_names()
    aliases = {a: e.name for e in _catalog.entries() for a in e.aliases}
    topic_names: dict[str, list[str]] = {}
    for name, page in pages.items():
        if page.startswith("reference/"):
            topic_names.setdefault(page[len("reference/") : -len(".md")], []).append(name)
    out = {}
    for topic, (title, intro) in TOPICS.items():
        lines = [f"# {title}", "", intro, ""]
        for name in sorted(topic_names.pop(topic, []), key=str.lower):
            if name == "ops":
                lines += render_ops()
            elif inspect.ismodule(getattr(anyloss, name)):
                lines += _directive(f"anyloss.{name}", *MEMBERS_OPTIONS)
            else:
                lines += _directive(f"anyloss.{name}")
        for path in EXTRA_OBJECTS.get(topic, []):
            lines += _directive(path, *(MEMBERS_OPTIONS if path in EXTRA_MODULES else ()))
        out[f"reference/{topic}.md"] = "\n".join(lines)
    topic_names.pop("index", None)
    if topic_names:
        msg = f"reference pages without a title in TOPICS: {sorted(topic_names)}"
        raise LookupError(msg)
    lines = [
        "# API reference",
        "",
        f"Every public name of `anyloss` (`anyloss.__all__`, {len(pages)} names), generated "
        "from the docstrings when the site was built. `import anyloss as al`, then "
        "`al.NAME`. The training front end lives in "
        "[`anyloss.models`, `anyloss.layers`, `anyloss.callbacks`, `anyloss.optimizers` and "
        "`anyloss.metrics`](training.md), the value-check switch in "
        "[`anyloss.backend`](backend.md), the Keras adapters in "
        "[`anyloss.keras` and `anyloss.tf_keras`](keras.md), losses across processes in "
        "[`anyloss.distributed`](distributed.md).",
        "",
        f"`anyloss.__version__` is the installed version, `{anyloss.__version__}` for this site.",
        "",
        "| name | kind | documented in |",
        "|---|---|---|",
    ]
    for name in sorted(pages, key=lambda n: (n.lower(), n)):
        page = pages[name]
        if name in aliases:
            kind, target = f"alias of `{aliases[name]}`", aliases[name]
        else:
            kind, target = _kind(getattr(anyloss, name)), name
        if page == "reference/index.md":
            where = "this page"
        elif page.startswith("losses/"):
            where = (
                f"[{family_title(page[len('losses/') : -3].replace('-', ' '))}][anyloss.{target}]"
            )
        else:
            where = f"[{TOPICS[page[len('reference/') : -3]][0]}][anyloss.{target}]"
        lines.append(f"| `{name}` | {kind} | {where} |")
    out["reference/index.md"] = "\n".join(lines) + "\n"
    return out


def render_ops() -> list[str]:
    """``anyloss.ops``, read from the imported module: many ops are made by factories at
    import time, which reading the source does not see."""
    ops = anyloss.ops
    missing = [n for n in ops.__all__ if not (getattr(ops, n).__doc__ or "").strip()]
    if missing:
        msg = f"ops without a docstring: {', '.join(missing)}"
        raise LookupError(msg)
    linkable = set(anyloss.__all__)
    intro = markup.example_sections(inspect.getdoc(ops) or "")
    lines = ["## anyloss.ops {#anyloss.ops}", "", markup.to_markdown(intro, linkable), ""]
    for name in sorted(ops.__all__):
        op = getattr(ops, name)
        parameters = inspect.signature(op).parameters.values()
        signature = ", ".join(
            f"{'*' if p.kind is p.VAR_POSITIONAL else '**' if p.kind is p.VAR_KEYWORD else ''}"
            f"{p.name}{'' if p.default is p.empty else f'={p.default!r}'}"
            for p in parameters
        )
        lines += [
            f"### ops.{name} {{#anyloss.ops.{name}}}",
            "",
            f"```python\nops.{name}({signature})\n```",
            "",
            markup.to_markdown(inspect.getdoc(op) or "", linkable),
            "",
        ]
    return lines


def reference_nav() -> list[dict[str, str]]:
    return [{TOPICS[page][0]: f"reference/{page}.md"} for page in TOPICS]


def losses_nav() -> list[dict[str, str]]:
    return [{family_title(f): family_page(f)} for f in _catalog.by_family()]


@dataclass
class Site:
    """The generated pages (site path -> Markdown) and images (site path -> PNG bytes)."""

    pages: dict[str, str]
    images: dict[str, bytes]
    examples_run: int


def _draw_to_bytes(name: str) -> tuple[str, bytes]:
    """The caption and PNG of the loss ``name`` (run in a worker process)."""
    entry = next(e for e in _catalog.entries() if e.name == name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.png"
        return draw(entry, path), path.read_bytes()


def build(plots: bool = True) -> Site:
    """Every generated page and plot; raises if an example fails, a public name has no
    docstring, or a loss has no plot."""
    missing = missing_docstrings()
    if missing:
        msg = f"public names without a docstring: {', '.join(missing)}"
        raise LookupError(msg)
    examples = run_docstring_examples()
    entries = _catalog.entries()
    for entry in entries:
        plot_kind(entry)  # every loss has a plot, before any is drawn
    captions = {entry.name: "" for entry in entries}
    images: dict[str, bytes] = {}
    if plots:
        context = multiprocessing.get_context("fork")
        workers = min(os.cpu_count() or 1, 4)
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            drawn = pool.map(_draw_to_bytes, [e.name for e in entries])
            for entry, (caption, png) in zip(entries, drawn, strict=True):
                captions[entry.name] = caption
                images[f"{family_page(entry.family).rsplit('/', 1)[0]}/plots/{entry.name}.png"] = (
                    png
                )
    pages = {"losses/index.md": render_losses_index()}
    for family, entries in _catalog.by_family().items():
        pages[family_page(family)] = render_family(family, entries, captions)
    pages.update(render_reference())
    return Site(pages, images, examples)
