"""The ``anyloss`` command: ``list``, ``describe NAME``, ``check MODULE:FUNCTION``, ``plot NAMES``.

Exit status: 0 on success, 1 when ``check`` finds errors, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from anyloss import _catalog
from anyloss.check import check_loss
from anyloss.check._runners import BACKENDS as CHECK_BACKENDS

__all__ = ["main"]

#: Array libraries anyloss runs on, for `anyloss list` (found without importing them).
LIBRARIES = ("numpy", "torch", "jax", "array_api_strict", "dask", "cupy")


class UsageError(Exception):
    """A command line that cannot be run; the message says what to type instead."""


def _console(stderr: bool = False) -> Console:
    # Piped output keeps whole identifiers on one line (rich would fold at 80 columns).
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
    return Console(width=width, stderr=stderr, highlight=False)


def _installed() -> list[str]:
    found = []
    for name in LIBRARIES:
        if importlib.util.find_spec(name) is not None:
            try:
                found.append(f"{name} {importlib.metadata.version(name)}")
            except importlib.metadata.PackageNotFoundError:
                found.append(name)
    return found


def cmd_list(args: argparse.Namespace, out: Console) -> int:
    if getattr(args, "peers", False):
        return _list_peers(out)
    table = Table(title="anyloss built-in losses, by family", title_justify="left")
    for column in ("identifier", "aliases", "class", "family", "inputs", "defined by"):
        table.add_column(column, no_wrap=column in ("identifier", "class"))
    for family, group in _catalog.by_family().items():
        for e in group:
            table.add_row(e.name, ", ".join(e.aliases), e.class_name, family, e.inputs, e.origin)
        table.add_section()
    out.print(table)
    out.print("Other libraries' names: `anyloss list --peers`.")
    out.print("Backends installed: " + (", ".join(_installed()) or "none"))
    return 0


def _list_peers(out: Console) -> int:
    from anyloss.losses import _peers

    table = Table(
        title="Other libraries' names (al.get(name, **their arguments))", title_justify="left"
    )
    for column in ("spelling", "anyloss loss", "set for the peer's semantics", "note"):
        table.add_column(column, no_wrap=column == "spelling")
    for spelling, loss, settings, note in _peers.table():
        shown_settings = ", ".join(f"{k}={v!r}" for k, v in settings.items())
        table.add_row(spelling, loss, _escape(shown_settings), _escape(note))
    out.print(table)
    return 0


def cmd_describe(args: argparse.Namespace, out: Console) -> int:
    try:
        e = _catalog.lookup(args.name)
    except ValueError as err:
        raise UsageError(str(err)) from None
    out.print(f"[bold]{e.name}[/bold]: {_plain(e.summary)}")
    out.print(
        f"  aliases: {', '.join(e.aliases) or '-'}    class: {e.class_name}    "
        f"family: {e.family}    inputs: {e.inputs}    defined by: {e.origin}"
    )
    if e.peers:
        out.print(f"  other libraries' names: {', '.join(e.peers)}")
    if e.description:
        out.print("\n[bold]Description and formula[/bold]")
        out.print(_plain(e.description), markup=False)
    function_only = e.function_arguments()
    note = (
        f", plus {', '.join(n for n, _ in function_only)} (function only)" if function_only else ""
    )
    out.print(
        f"\n[bold]Arguments[/bold] of {e.class_name}; al.{e.name} takes the same "
        f"without reduction, name and dtype{note}:"
    )
    table = Table()
    table.add_column("argument", no_wrap=True)
    table.add_column("default")
    table.add_column("meaning")
    meanings = e.argument_help()
    for name, default in e.arguments():
        table.add_row(name, repr(default), _escape(_plain(meanings.get(name, ""))))
    function_meanings = e.function_argument_help()
    for name, default in function_only:
        meaning = f"(al.{e.name} only) {function_meanings.get(name, '')}"
        table.add_row(name, repr(default), _escape(_plain(meaning.strip())))
    out.print(table)
    out.print(f"\n[bold]Reference[/bold]: {_escape(_plain(e.reference or '-'))}", markup=True)
    out.print(
        f"\n[bold]Config[/bold] (al.serialize(al.{e.class_name}()); the function "
        f"serializes to {json.dumps(e.name)}):"
    )
    out.print(json.dumps(e.config_example(), indent=2), markup=False)
    return 0


_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`]+)`")


def _plain(text: str) -> str:
    """Docstring text for a terminal without reST markup: a role (:func:, :class:, ...)
    becomes its target's name, a double-backtick literal its plain text."""
    text = _ROLE.sub(lambda m: m.group(1), text)
    return text.replace("``", "")


def _load(spec: str) -> Any:
    """The object ``module:attribute`` (or ``path/to/file.py:attribute``) names."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        msg = (
            f"expected MODULE:FUNCTION, e.g. `anyloss check mypackage.losses:my_loss`. "
            f"Received: {spec!r}"
        )
        raise UsageError(msg)
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            msg = f"no such file: {module_name!r} (in {spec!r})"
            raise UsageError(msg)
        file_spec = importlib.util.spec_from_file_location(path.stem, path)
        if file_spec is None or file_spec.loader is None:  # not a loadable source file
            msg = f"cannot load {module_name!r} as a Python file (in {spec!r})"
            raise UsageError(msg)
        module = importlib.util.module_from_spec(file_spec)
        sys.modules[path.stem] = module
        loader = file_spec.loader
    else:
        # Like `python -m`, the current directory is importable.
        sys.path.insert(0, os.getcwd())
        loader = None
    try:
        if loader is not None:
            loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        msg = (
            f"cannot import module {module_name!r}: {err}. Run from the directory that "
            "contains it, or set PYTHONPATH."
        )
        raise UsageError(msg) from None
    except Exception as err:  # the user's module may raise anything while importing
        msg = f"importing {module_name!r} failed: {type(err).__name__}: {err}"
        raise UsageError(msg) from None
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = sorted(n for n in vars(module) if not n.startswith("_"))
            msg = (
                f"module {module_name!r} has no attribute {attr!r}. Its public names: "
                f"{', '.join(names[:20]) or '(none)'}"
            )
            raise UsageError(msg)
        obj = getattr(obj, part)
    return obj


def _backends(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECK_BACKENDS]
    if unknown or not names:
        msg = (
            f"--backends takes a comma-separated list of {', '.join(CHECK_BACKENDS)}. "
            f"Received: {text!r}"
        )
        raise UsageError(msg)
    return names


def cmd_check(args: argparse.Namespace, out: Console) -> int:
    fn = _load(args.spec)
    try:
        report = check_loss(fn, backends=_backends(args.backends))
    except ValueError as err:
        raise UsageError(str(err)) from None
    style = "bold green" if report.ok else "bold red"
    out.print(f"[{style}]{_escape(report.summary())}[/{style}]", markup=True)
    if report.problems:
        table = Table(show_lines=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("code", no_wrap=True)
        table.add_column("backend")
        table.add_column("problem and fix", ratio=1)
        for p in report.problems:
            color = "red" if p.severity == "error" else "yellow"
            table.add_row(
                f"[{color}]{p.severity}[/{color}]",
                p.code,
                p.backend or "-",
                f"{_escape(p.message)}\n[bold]fix:[/bold] {_escape(p.fix)}",
            )
        out.print(table)
    return 0 if report.ok else 1


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _plot_entries(args: argparse.Namespace) -> list[Any]:
    """Catalogue entries for loss names, and user functions for ``module:function``."""
    from anyloss.cli._plot import CustomEntry

    entries: list[Any] = []
    for name in (n.strip() for n in args.names.split(",")):
        if not name:
            continue
        if ":" in name:
            fn = _load(name)
            if not callable(fn):
                msg = f"{name} is a {type(fn).__name__}, not a loss function fn(y_true, y_pred)"
                raise UsageError(msg)
            entries.append(CustomEntry(name.rpartition(":")[2], fn, args.inputs))
            continue
        try:
            entries.append(_catalog.lookup(name))
        except ValueError as err:
            raise UsageError(str(err)) from None
    return entries


def _loss_args(pairs: Sequence[str] | None) -> dict[str, Any]:
    """``--arg NAME=VALUE`` pairs; values as Python/JSON literals (``2``, ``0.5``, ``true``,
    ``[0.3, 0.7]``), else as strings."""
    parsed: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            msg = f"--arg takes NAME=VALUE, e.g. --arg delta=2. Received: --arg {pair!r}"
            raise UsageError(msg)
        parsed[name.strip()] = _literal(text.strip())
    return parsed


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text


def cmd_plot(args: argparse.Namespace, out: Console) -> int:
    from anyloss.cli._plot import PlotError, plot

    entries = _plot_entries(args)
    if not entries:
        msg = f"name at least one loss, e.g. `anyloss plot mse,huber`. Received: {args.names!r}"
        raise UsageError(msg)
    try:
        path = plot(
            entries,
            args.y_true,
            args.out,
            from_logits=args.from_logits,
            x_range=tuple(args.range) if args.range else None,
            points=args.points,
            loss_args=_loss_args(args.arg),
        )
    except PlotError as err:
        raise UsageError(str(err)) from None
    out.print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anyloss",
        description="Keras' losses for every array library: browse the "
        "built-ins, check a custom loss, plot losses and their gradients.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = sub.add_parser(
        "list", help="every built-in loss by family: identifier, aliases, class, inputs"
    )
    listing.add_argument(
        "--peers",
        action="store_true",
        help="list other libraries' loss names (torch.nn, optax, TF Addons, smp, MONAI, "
        "pytorch-metric-learning) and the anyloss loss each resolves to",
    )
    describe = sub.add_parser(
        "describe",
        help="formula, arguments, reference and config of a "
        "loss (function name, alias or class name)",
    )
    describe.add_argument("name", metavar="NAME")
    check = sub.add_parser("check", help="run check_loss on your loss; exit 1 on errors")
    check.add_argument(
        "spec",
        metavar="MODULE:FUNCTION",
        help="e.g. mypackage.losses:weighted_mse or path/to/file.py:my_loss",
    )
    check.add_argument(
        "--backends",
        metavar="NAMES",
        help="comma-separated subset of numpy,torch,jax (default: all installed)",
    )
    plot = sub.add_parser(
        "plot",
        help="a loss and its gradient against y_pred, as a PNG "
        "(needs matplotlib: pip install anyloss[plot])",
    )
    plot.add_argument(
        "names",
        metavar="NAME[,NAME...]",
        help="built-in losses (see `anyloss list`) and/or your own as MODULE:FUNCTION or "
        "path/to/file.py:FUNCTION",
    )
    plot.add_argument(
        "--arg",
        action="append",
        metavar="NAME=VALUE",
        help="a loss argument, e.g. --arg delta=2 (repeatable; values are Python/JSON "
        "literals); given to every plotted loss that takes it",
    )
    plot.add_argument(
        "--inputs",
        choices=("regression", "binary", "categorical", "sparse"),
        default="regression",
        help="the input kind of your own MODULE:FUNCTION losses (default: regression)",
    )
    plot.add_argument(
        "--y-true",
        type=float,
        default=None,
        help="the target: a value (regression), 0/1 (binary) or the true class "
        "(default: 1 for regression and binary, class 0 otherwise)",
    )
    plot.add_argument("--out", required=True, metavar="FILE.png")
    plot.add_argument(
        "--from-logits",
        action="store_true",
        help="draw cross-entropies against the logit of the true class",
    )
    plot.add_argument(
        "--range",
        nargs=2,
        type=float,
        metavar=("LO", "HI"),
        help="the x range (default: around y_true, or the probability/logit range)",
    )
    plot.add_argument("--points", type=int, default=301, help=argparse.SUPPRESS)
    return parser


COMMANDS = {"list": cmd_list, "describe": cmd_describe, "check": cmd_check, "plot": cmd_plot}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "plot" and args.y_true is None:
        args.y_true = _default_y_true(args.names, args.inputs)
    try:
        return COMMANDS[args.command](args, _console())
    except UsageError as err:
        _console(stderr=True).print(f"anyloss {args.command}: error: {err}", markup=False)
        return 2


def _default_y_true(names: str, custom_inputs: str) -> float:
    try:
        kinds = {
            custom_inputs if ":" in n else _catalog.lookup(n.strip()).inputs
            for n in names.split(",")
            if n.strip()
        }
    except ValueError:
        return 1.0  # the unknown name is reported by the command itself
    return 0.0 if kinds & {"categorical", "categorical-margin", "sparse", "label-lists"} else 1.0
