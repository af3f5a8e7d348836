"""What ``anyloss.keras`` and ``anyloss.tf_keras`` share, without importing either Keras.

Which objects ``Model.compile`` should hand to anyloss (:func:`anyloss_loss`), the objects to
register with a Keras serialization registry (:func:`registrations`), and the checked install of
the ``losses.get`` hook (:func:`install_get_hook`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from anyloss.losses import _names
from anyloss.losses._base import Loss as AnylossLoss
from anyloss.losses._base import LossFunctionWrapper
from anyloss.losses._builtin import CLASSES, FUNCTIONS
from anyloss.losses.serialization import deserialize, get, serialize

#: Marks the ``losses.get`` that anyloss installed (so a second import installs nothing).
HOOK_MARK = "_anyloss_adapts_losses"


def is_anyloss_function(obj: Any) -> bool:
    """Whether ``obj`` is a built-in anyloss function or a function registered with
    ``@anyloss.register()``."""
    if inspect.isclass(obj) or not callable(obj):
        return False
    builtin = FUNCTIONS.get(getattr(obj, "__name__", ""))
    return builtin is obj or _names.registered_name(obj) is not None


def anyloss_loss(identifier: Any) -> Any:
    """The anyloss loss ``compile`` was given: a ``Loss`` instance, a ``Loss`` subclass (built
    with its defaults, as Keras does with a class), an anyloss or registered function; ``None``
    for anything else (strings stay Keras' names)."""
    if isinstance(identifier, AnylossLoss):
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, AnylossLoss):
        return get(identifier)  # refuses the base classes, as anyloss.get does
    if is_anyloss_function(identifier):
        return identifier
    return None


def registrations() -> Iterator[tuple[str, str, Any]]:
    """``(package, name, object)`` of every built-in class and function, for a Keras registry:
    ``("anyloss", "Huber", Huber)``, ``("anyloss", "huber", huber)``, and the base class
    ``LossFunctionWrapper`` (a wrapped registered function)."""
    package = _names.KERAS_PACKAGE
    for name, cls in CLASSES.items():
        yield package, name, cls
    yield package, "LossFunctionWrapper", LossFunctionWrapper
    for name, fn in FUNCTIONS.items():
        yield package, name, fn


def install_get_hook(
    module: Any, caller: Any, alias: str, adapt: Callable[[Any], Any], where: str
) -> None:
    """Replace ``module.get`` by a function that returns ``adapt(identifier)`` for anyloss
    losses and calls the original for anything else. Does nothing when installed already.

    Args:
        module: the Keras losses module whose ``get`` compile calls.
        caller: the function of Keras' compile machinery that calls ``module.get`` (checked,
            so that a Keras that resolves losses elsewhere fails here, not silently later).
        alias: the name ``caller``'s module imports ``module`` under.
        adapt: anyloss loss -> Keras ``Loss``.
        where: how the error names Keras and the caller.

    Raises:
        ImportError: this Keras does not resolve compile's losses through ``module.get``.
    """
    original = getattr(module, "get", None)
    if getattr(original, HOOK_MARK, False):
        return
    names = set(getattr(getattr(caller, "__code__", None), "co_names", ()))
    calls = getattr(caller, "__globals__", {}).get(alias) is module and {alias, "get"} <= names
    if original is None or not calls:
        msg = (
            f"anyloss cannot hook into this Keras: {where} no longer resolves compile's losses "
            f"through `{getattr(module, '__name__', module)}.get`, which anyloss adapts. Wrap "
            "each anyloss loss yourself: `compile(loss=KerasLoss(loss))`, and report the Keras "
            "version at the anyloss issue tracker."
        )
        raise ImportError(msg)

    @functools.wraps(original)
    def get(identifier: Any) -> Any:
        loss = anyloss_loss(identifier)
        return original(identifier) if loss is None else adapt(loss)

    setattr(get, HOOK_MARK, True)
    module.get = get


class KerasLossMethods:
    """The methods ``anyloss.keras.KerasLoss`` and ``anyloss.tf_keras.KerasLoss`` share (their
    Keras base classes differ): per-sample values, the anyloss config, the repr."""

    loss: Any
    _anyloss: Any
    _per_sample: Any

    def _wrap(self, loss: Any) -> None:
        """Resolve ``loss`` with ``anyloss.get`` into ``self.loss`` and the ``Loss`` to call."""
        resolved = get(loss)
        self.loss = resolved
        self._anyloss = (
            resolved if isinstance(resolved, AnylossLoss) else LossFunctionWrapper(resolved)
        )
        self._per_sample = None

    def call(self, y_true: Any, y_pred: Any) -> Any:
        """Per-sample values, unweighted and unreduced (``reduction="none"``).

        Args:
            y_true: the targets.
            y_pred: the predictions.

        Returns:
            The anyloss loss' values before the reduction.
        """
        if self._per_sample is None:
            config = {**self._anyloss.get_config(), "reduction": "none"}
            self._per_sample = type(self._anyloss).from_config(config)
        return self._per_sample(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        """``{"loss": anyloss.serialize(loss)}``.

        Returns:
            The anyloss config of the wrapped loss (every argument), under ``"loss"``.
        """
        return {"loss": serialize(self.loss)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """The loss of ``anyloss.deserialize(config["loss"])``.

        Args:
            config: a dict as :meth:`get_config` returns it.

        Returns:
            A new ``KerasLoss``.
        """
        return cls(deserialize(config["loss"]))  # type: ignore[call-arg]

    def __repr__(self) -> str:
        return f"KerasLoss({self.loss!r})"


def register_everything(register_keras_serializable: Callable[..., Any]) -> None:
    """Register every built-in anyloss class and function with a Keras registry, and every loss
    registered with ``@anyloss.register()``, now or later, under its own ``"package>name"``.

    Args:
        register_keras_serializable: that Keras' ``saving.register_keras_serializable``.
    """
    for package, name, obj in registrations():
        register_keras_serializable(package=package, name=name)(obj)

    def register(key: str, obj: Any) -> None:
        package, name = key.split(">", 1)
        register_keras_serializable(package=package, name=name)(obj)

    _names.on_register(register)
