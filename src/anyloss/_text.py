"""``shown(value)``: a bounded ``repr`` for error messages.

Configs come from files: a value may be a megabyte-long string or a list nested thousands of
levels deep, whose plain ``repr`` is huge or raises ``RecursionError``. Error messages show at
most a few levels and a few dozen characters of it.
"""

from __future__ import annotations

import reprlib
from typing import Any

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8
_REPR.maxlong = 40


def shown(value: Any) -> str:
    """``repr(value)``, cut to a few levels and characters."""
    return _REPR.repr(value)


def clipped(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters (e.g. a library's message quoting a huge value)."""
    return text if len(text) <= limit else text[:limit] + "..."
