"""A griffe extension (``mkdocs.yml``) that gives mkdocstrings the package's docstrings as
Markdown (``markup.py``).

Docstrings filled in at import time (a decorator adding shared argument descriptions) are taken
as imported; ``#:`` comments above a module attribute become its docstring; ``Any`` annotations
(every array argument has one) are left out of signatures and tables.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parent))

import markup


def _walk(obj: Any) -> Iterator[Any]:
    """``obj`` and every object defined under it (aliases are not followed)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _comment_docstring(obj: griffe.Attribute) -> str | None:
    """The ``#:`` comment lines right above a module attribute, if any."""
    if obj.lineno is None:
        return None
    lines = obj.module.lines
    found: list[str] = []
    i = obj.lineno - 2
    while i >= 0 and lines[i].strip().startswith("#:"):
        found.insert(0, lines[i].strip()[2:].strip())
        i -= 1
    return " ".join(found) or None


def _runtime_docstring(obj: Any) -> str | None:
    """The docstring ``help()`` shows, where the code fills it in at import time (a decorator
    adding shared argument descriptions); ``None`` where the module does not import here."""
    if not (obj.is_function or obj.is_class or obj.is_module) or obj.module.name == "__main__":
        return None
    try:
        value: Any = importlib.import_module(obj.module.path)
    except Exception:  # a module that needs an optional library: its static text stands
        return None
    for part in obj.path[len(obj.module.path) :].split(".")[1:]:
        value = getattr(value, part, None)
    doc = getattr(value, "__doc__", None) if value is not None else None
    return inspect.cleandoc(doc) if isinstance(doc, str) else None


def _drop_any(annotation: Any) -> Any:
    return None if str(annotation) in ("Any", "typing.Any") else annotation


class RestToMarkdown(griffe.Extension):
    """Rewrites the package's docstrings as Markdown once griffe has loaded it."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        linkable = set(pkg.exports or ()) if pkg.name == "anyloss" else set()
        for obj in _walk(pkg):
            if obj.is_attribute and obj.docstring is None:
                comment = _comment_docstring(obj)
                if comment:
                    obj.docstring = griffe.Docstring(comment, parent=obj)
            if obj.is_function:
                for parameter in obj.parameters:
                    parameter.annotation = _drop_any(parameter.annotation)
                obj.returns = _drop_any(obj.returns)
            runtime = _runtime_docstring(obj) if obj.docstring is not None else None
            if runtime and obj.docstring is not None and runtime != obj.docstring.value:
                obj.docstring.value = runtime
            if obj.docstring is not None:
                obj.docstring.value = markup.to_markdown(obj.docstring.value, linkable)
