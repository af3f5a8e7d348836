"""Argument checks shared by the losses and ``ops``: axes, numbers, probabilities, flags.

Each raises an error that names the argument, what it received and what it needs."""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np

from anyloss._text import shown


def normalize_axis(axis: Any, rank: int, arg: str = "axis") -> Any:
    """``axis`` as an int or tuple of non-negative ints (lists from JSON configs accepted).

    ``None`` stays ``None`` (reduce everything); out-of-range axes raise ``ValueError``.
    """
    if axis is None:
        return None
    if isinstance(axis, bool):
        msg = f"Argument `{arg}` must be an int or a tuple of ints, got the bool {shown(axis)}."
        raise TypeError(msg)
    many = isinstance(axis, (list, tuple))
    axes = tuple(axis) if many else (axis,)
    out = []
    for a in axes:
        try:
            a = operator.index(a)
        except TypeError:
            msg = (
                f"Argument `{arg}` must be an int or a tuple of ints. Received: {arg}={shown(axis)}"
            )
            raise TypeError(msg) from None
        if rank == 0:
            msg = (
                f"Argument `{arg}`={shown(axis)} cannot index inputs of rank 0 (scalars have "
                "no axis). Pass arrays with at least one axis, e.g. shape (batch, classes)."
            )
            raise ValueError(msg)
        if not -rank <= a < rank:
            msg = (
                f"Argument `{arg}`={shown(axis)} is out of range for inputs of rank {rank}. "
                f"Use an axis in [{-rank}, {rank - 1}]."
            )
            raise ValueError(msg)
        out.append(a % rank)
    if len(set(out)) != len(out):
        msg = (
            f"Argument `{arg}`={shown(axis)} names the same axis more than once (inputs of "
            f"rank {rank}). Name each axis once, e.g. {arg}={tuple(sorted(set(out)))}."
        )
        raise ValueError(msg)
    return tuple(out) if many else out[0]


def check_axis_type(axis: Any, arg: str = "axis", *, single: bool = False) -> None:
    """Raise ``TypeError`` unless ``axis`` is ``None``, an int or (``single=False``) a list or
    tuple of ints: constructors check the type, calls check the range against the rank."""
    axes = axis if isinstance(axis, (list, tuple)) and not single else (axis,)
    if (axis is None and not single) or all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
    ):
        return
    kind = "an int" if single else "an int, a tuple of ints or None"
    msg = f"Argument `{arg}` must be {kind}. Received: {arg}={shown(axis)}"
    raise TypeError(msg)


def check_number(
    value: Any,
    arg: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_minimum: bool = False,
    open_maximum: bool = False,
    owner: str | None = None,
) -> float:
    """``value`` as a float; ``ValueError`` unless it is a finite real number within bounds.

    Booleans, strings, NaN, infinities and ints too large for a float are refused: a
    hyperparameter read from a config must not turn into a silent NaN or an OverflowError.
    """
    number = math.nan
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.nan
    ok = math.isfinite(number)
    if ok and minimum is not None:
        ok = number > minimum if open_minimum else number >= minimum
    if ok and maximum is not None:
        ok = number < maximum if open_maximum else number <= maximum
    if not ok:
        if minimum is not None and maximum is not None:
            need = (
                f"a number in {'(' if open_minimum else '['}{minimum:g}, {maximum:g}"
                f"{')' if open_maximum else ']'}"
            )
        elif minimum is not None:
            need = f"a finite number {'>' if open_minimum else '>='} {minimum:g}"
        else:
            need = "a finite number"
        where = f" of {owner}" if owner else ""
        msg = f"Argument `{arg}`{where} must be {need}. Received: {arg}={shown(value)}"
        raise ValueError(msg)
    return number


def check_probability(
    value: Any, arg: str, *, upper: float = 1.0, open_upper: bool = False
) -> None:
    """Raise unless ``0 <= value <= upper`` (or ``< upper``)."""
    check_number(value, arg, minimum=0.0, maximum=upper, open_maximum=open_upper)


def check_flag(value: Any, arg: str) -> bool:
    """``value`` as a bool; ``TypeError`` for anything else (the string ``"false"`` from a
    config is truthy and would silently switch the flag on)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    msg = f"Argument `{arg}` must be True or False. Received: {arg}={shown(value)}"
    raise TypeError(msg)
