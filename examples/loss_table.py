"""The lookup pipeline for a few identifiers, and every loss on every installed backend.

Run: ``make demo`` (or ``python examples/loss_table.py``).
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
from rich.console import Console
from rich.table import Table

import anyloss as al
from anyloss.losses import CLASS_OF_FUNCTION

# Wide enough for the tables when the output is piped (rich assumes 80 columns then).
console = Console(width=None if Console().is_terminal else 150)


def show_pipeline() -> None:
    table = Table(title="get -> object -> serialize -> deserialize")
    for col in ("identifier", "al.get(identifier)", "al.serialize(...)", "round trip"):
        table.add_column(col, overflow="fold")
    identifiers = ["mse", "huber_loss", "SparseCategoricalCrossentropy",
                   {"class_name": "Huber", "config": {"delta": 2.0}},
                   {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
                    "config": {"from_logits": True, "label_smoothing": 0.1,
                               "reduction": "sum_over_batch_size", "name": "cce"},
                    "registered_name": None}]
    for ident in identifiers:
        obj = al.get(ident)
        config = al.serialize(obj)
        again = al.deserialize(json.loads(json.dumps(config)))
        same = al.serialize(again) == config
        shown = getattr(obj, "__name__", None) or repr(obj)
        table.add_row(json.dumps(ident) if isinstance(ident, dict) else repr(ident), shown,
                      json.dumps(config), "identical" if same else "DIFFERENT")
    console.print(table)
    try:
        al.get("msee")
    except ValueError as err:
        console.print(f"[bold]al.get('msee')[/bold] -> ValueError: {err}")


def inputs(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Small valid inputs for each loss (4 samples)."""
    probs = rng.dirichlet(np.ones(3), size=4).astype("float32")
    onehot = np.eye(3, dtype="float32")[rng.integers(0, 3, 4)]
    if name in ("sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"):
        return rng.integers(0, 3, 4), probs, {}
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy",
                "categorical_hinge", "kl_divergence"):
        return onehot, probs, {}
    if name in ("binary_crossentropy", "binary_focal_crossentropy", "dice", "tversky"):
        return rng.integers(0, 2, (4, 3)).astype("float32"), probs, (
            {"axis": 1} if name in ("dice", "tversky") else {})
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], (4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype(
            "float32"), {}
    if name == "ctc":
        return np.array([[1, 2], [2, 0], [1, 1], [2, 1]]), rng.normal(size=(4, 5, 3)).astype(
            "float32"), {}
    if name == "circle":
        emb = rng.normal(size=(4, 3))
        return np.array([0, 1, 0, 1]), (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(
            "float32"), {}
    return rng.random((4, 3)).astype("float32"), rng.random((4, 3)).astype("float32"), {}


def backends() -> dict[str, object]:
    converters: dict[str, object] = {"numpy": np.asarray}
    if importlib.util.find_spec("torch"):
        import torch

        converters["torch"] = torch.from_numpy
    if importlib.util.find_spec("jax"):
        import jax.numpy as jnp

        converters["jax"] = jnp.asarray
    if importlib.util.find_spec("dask"):
        import dask.array as da

        converters["dask"] = lambda a: da.from_array(a, chunks=2)
    return converters


def show_losses() -> None:
    rng = np.random.default_rng(0)
    converters = backends()
    table = Table(title="Every loss, mean over 4 samples, same inputs on each backend")
    table.add_column("function")
    table.add_column("aliases")
    table.add_column("class")
    for name in converters:
        table.add_column(name, justify="right")
    aliases: dict[str, list[str]] = {}
    for alias, target in al.ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    for name, fn in al.FUNCTIONS.items():
        y_true, y_pred, kwargs = inputs(name, rng)
        cells = []
        for convert in converters.values():
            value = np.mean(np.asarray(_compute(fn(convert(y_true), convert(y_pred), **kwargs))))
            cells.append(f"{value:.6f}")
        table.add_row(name, ", ".join(aliases.get(name, [])), CLASS_OF_FUNCTION[name], *cells)
    console.print(table)


def _compute(x: object) -> object:
    if hasattr(x, "compute"):
        return x.compute()
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return x


if __name__ == "__main__":
    show_pipeline()
    show_losses()
