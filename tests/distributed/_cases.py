"""Discovery of the multi-process cases: functions named ``<prefix><name>`` in the modules
``tests/distributed/cases_*.py``, in a stable order."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def case_modules() -> list[str]:
    return sorted(f"tests.distributed.{p.stem}" for p in HERE.glob("cases_*.py"))


def case_functions(prefix: str) -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_name in case_modules():
        module = importlib.import_module(module_name)
        for name in sorted(vars(module)):
            fn = getattr(module, name)
            if name.startswith(prefix) and callable(fn):
                yield f"{module_name.rsplit('.', 1)[1]}::{name}", fn
