"""Optimizers by Keras name, mapped to ``torch.optim`` with Keras' default hyper-parameters.

Keras and PyTorch disagree on defaults (Adam's epsilon 1e-7 vs 1e-8, RMSprop's learning rate
1e-3 vs 1e-2 and ``rho`` 0.9 vs ``alpha`` 0.99), so ``compile(optimizer="adam")`` trains as a
Keras program would. The update rules are PyTorch's: e.g. torch's RMSprop adds epsilon outside
the square root, Keras inside, which only matters for tiny gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

__all__ = [
    "KERAS_DEFAULTS",
    "OptimizerLike",
    "from_config",
    "get",
    "name_config",
    "optimizer_config",
]

#: Keras name -> (torch.optim class name, Keras' defaults as torch keyword arguments).
KERAS_DEFAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {"lr": 1e-2, "momentum": 0.0, "nesterov": False}),
    "adam": ("Adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
    "adamw": ("AdamW", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004}),
    "rmsprop": (
        "RMSprop",
        {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False},
    ),
    "adagrad": ("Adagrad", {"lr": 1e-3, "initial_accumulator_value": 0.1, "eps": 1e-7}),
    "adadelta": ("Adadelta", {"lr": 1e-3, "rho": 0.95, "eps": 1e-7}),
    "adamax": ("Adamax", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
    "nadam": ("NAdam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-7}),
}

# Keras argument names -> torch's, for config dicts such as {"learning_rate": 0.01}.
_KERAS_ARGS = {"learning_rate": "lr", "epsilon": "eps"}


def _torch_class(class_name: str) -> type[torch.optim.Optimizer]:
    cls = getattr(torch.optim, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        msg = (
            f"Unknown optimizer {class_name!r}. Valid names: {sorted(KERAS_DEFAULTS)} or a "
            "torch.optim class name such as 'Adam'."
        )
        raise ValueError(msg)
    return cls


def _torch_kwargs(name: str, config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    class_name, defaults = KERAS_DEFAULTS.get(name.lower(), (name, {}))
    kwargs = dict(defaults)
    betas = list(kwargs.get("betas", (0.9, 0.999)))
    for key, value in config.items():
        if key in ("beta_1", "beta_2"):
            betas[int(key[-1]) - 1] = value
            kwargs["betas"] = tuple(betas)
        elif key == "rho" and class_name == "RMSprop":
            kwargs["alpha"] = value
        else:
            kwargs[_KERAS_ARGS.get(key, key)] = value
    return class_name, kwargs


def get(identifier: Any, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """An optimizer over ``parameters`` from a name, a config dict, an instance or a factory.

    Args:
        identifier: ``"adam"``-style Keras name (Keras defaults); ``{"class_name": "adam",
            "config": {"learning_rate": 0.01}}`` (Keras or torch argument names); a
            ``torch.optim.Optimizer`` (used as is); or a callable ``factory(parameters)``.
        parameters: the model's parameters.
    """
    if isinstance(identifier, torch.optim.Optimizer):
        return identifier
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if isinstance(identifier, Mapping):
        config = dict(identifier.get("config") or {})
        steps = config.pop("gradient_accumulation_steps", None)
        class_name, kwargs = _torch_kwargs(str(identifier.get("class_name")), config)
        try:
            optimizer = _torch_class(class_name)(parameters, **kwargs)
        except TypeError as err:
            msg = f"Invalid optimizer config {dict(identifier)!r}: {err}"
            raise ValueError(msg) from err
        if steps is not None:
            # Keras 3's optimizer argument: fit() reads it (see accumulation_steps).
            optimizer.gradient_accumulation_steps = check_accumulation_steps(  # type: ignore[attr-defined]
                steps, " of the optimizer config"
            )
        return optimizer
    if callable(identifier):
        optimizer = identifier(parameters)
        if not isinstance(optimizer, torch.optim.Optimizer):
            msg = (
                f"The optimizer factory {identifier!r} returned {type(optimizer).__name__}; "
                "it must return a torch.optim.Optimizer, e.g. "
                "`lambda params: torch.optim.SGD(params, lr=0.1)`."
            )
            raise ValueError(msg)
        return optimizer
    msg = (
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name such as "
        f"'adam' (one of {sorted(KERAS_DEFAULTS)}), a torch.optim.Optimizer, or a factory "
        "`lambda params: torch.optim.SGD(params, lr=0.1)`."
    )
    raise ValueError(msg)


def optimizer_config(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """A JSON-safe ``{"class_name", "config"}`` that :func:`from_config` rebuilds."""
    config = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in optimizer.defaults.items()
        if isinstance(v, (int, float, bool, str, tuple, type(None)))
    }
    return {"class_name": type(optimizer).__name__, "config": config}


def check_accumulation_steps(steps: Any, where: str = "") -> int:
    """``steps`` as a positive ``int``; ``ValueError`` naming the argument otherwise."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        msg = (
            f"Argument `gradient_accumulation_steps`{where} must be a positive integer "
            f"(micro-batches per optimizer step; 1 means no accumulation). Received: {steps!r}"
        )
        raise ValueError(msg)
    return steps


def accumulation_steps(optimizer: torch.optim.Optimizer | None, requested: int | None) -> int:
    """Micro-batches per optimizer step: ``fit``'s argument, else the optimizer's own
    ``gradient_accumulation_steps`` (Keras 3 optimizers take it), else 1."""
    if requested is not None:
        return check_accumulation_steps(requested)
    steps = getattr(optimizer, "gradient_accumulation_steps", None)
    return 1 if steps is None else check_accumulation_steps(steps)


def name_config(identifier: Any) -> dict[str, Any]:
    """The torch config of a not-yet-built optimizer given by Keras name or config dict."""
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    if not isinstance(identifier, Mapping):
        msg = (
            "Cannot save an optimizer factory before it has been built: train one step (or "
            "call model.build(x)) first, or compile with a torch.optim instance."
        )
        raise ValueError(msg)
    config = {
        k: v
        for k, v in (identifier.get("config") or {}).items()
        if k != "gradient_accumulation_steps"  # fit's business, not torch's
    }
    class_name, kwargs = _torch_kwargs(str(identifier.get("class_name")), config)
    return {
        "class_name": class_name,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
    }


def from_config(
    config: Mapping[str, Any], parameters: Iterable[torch.nn.Parameter]
) -> torch.optim.Optimizer:
    """Rebuild a ``torch.optim`` optimizer saved by :func:`optimizer_config`."""
    cls = _torch_class(str(config.get("class_name")))
    kwargs: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in (config.get("config") or {}).items()
    }
    return cls(parameters, **kwargs)


OptimizerLike = str | Mapping[str, Any] | torch.optim.Optimizer | Callable[..., Any]
