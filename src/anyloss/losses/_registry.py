"""The ``get -> deserialize -> object lookup`` pipeline: names, aliases, classes, custom objects.

Safe by design: a config is resolved only against the explicit tables below, objects registered
with :func:`register`, and ``custom_objects``. Nothing is ever imported or executed because a
config names it (see ``SECURITY.md``).
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from anyloss._text import clipped, shown
from anyloss.losses import hinge, metric_learning, probabilistic, regression, segmentation, sequence
from anyloss.losses._base import Loss, LossFunctionWrapper

#: Built-in loss functions by canonical name, grouped by family.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        # Regression
        regression.mean_squared_error, regression.mean_absolute_error,
        regression.mean_absolute_percentage_error, regression.mean_squared_logarithmic_error,
        regression.huber, regression.log_cosh, regression.poisson, regression.cosine_similarity,
        # Probabilistic
        probabilistic.kl_divergence, probabilistic.binary_crossentropy,
        probabilistic.binary_focal_crossentropy, probabilistic.categorical_crossentropy,
        probabilistic.categorical_focal_crossentropy,
        probabilistic.sparse_categorical_crossentropy,
        probabilistic.categorical_generalized_cross_entropy,
        # Hinge
        hinge.hinge, hinge.squared_hinge, hinge.categorical_hinge,
        # Segmentation, sequence, metric learning
        segmentation.dice, segmentation.tversky, sequence.ctc, metric_learning.circle,
    )
}

#: Aliases of Keras 3 and tf-keras (D6: ``logcosh``, ``huber_loss`` and
#: ``kullback_leibler_divergence`` resolve although Keras 3 dropped them).
ALIASES: dict[str, str] = {
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "huber_loss": "huber", "logcosh": "log_cosh",
    "kld": "kl_divergence", "KLD": "kl_divergence", "kullback_leibler_divergence": "kl_divergence",
    "bce": "binary_crossentropy", "BCE": "binary_crossentropy",
}

#: Built-in ``Loss`` classes by class name, with the function each one wraps.
CLASSES: dict[str, type[Loss]] = {
    cls.__name__: cls
    for cls in (
        regression.MeanSquaredError, regression.MeanAbsoluteError,
        regression.MeanAbsolutePercentageError, regression.MeanSquaredLogarithmicError,
        regression.Huber, regression.LogCosh, regression.Poisson, regression.CosineSimilarity,
        probabilistic.KLDivergence, probabilistic.BinaryCrossentropy,
        probabilistic.BinaryFocalCrossentropy, probabilistic.CategoricalCrossentropy,
        probabilistic.CategoricalFocalCrossentropy, probabilistic.SparseCategoricalCrossentropy,
        probabilistic.CategoricalGeneralizedCrossEntropy,
        hinge.Hinge, hinge.SquaredHinge, hinge.CategoricalHinge,
        segmentation.Dice, segmentation.Tversky, sequence.CTC, metric_learning.Circle,
    )
}
#: Base classes, resolvable from configs (``get("Loss")`` is refused: it has no ``call``).
BASES: dict[str, type[Loss]] = {"Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper}

#: The function each built-in class wraps (for ``anyloss list`` and tests).
CLASS_OF_FUNCTION: dict[str, str] = {
    "mean_squared_error": "MeanSquaredError", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError", "huber": "Huber",
    "log_cosh": "LogCosh", "poisson": "Poisson", "cosine_similarity": "CosineSimilarity",
    "kl_divergence": "KLDivergence", "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_generalized_cross_entropy": "CategoricalGeneralizedCrossEntropy",
    "hinge": "Hinge", "squared_hinge": "SquaredHinge", "categorical_hinge": "CategoricalHinge",
    "dice": "Dice", "tversky": "Tversky", "ctc": "CTC", "circle": "Circle",
}

#: Modules whose configs name built-ins: anyloss' own, Keras 3's and tf-keras'.
TRUSTED_MODULES = ("anyloss", "keras", "tf_keras", "tensorflow")

_REGISTERED: dict[str, Any] = {}
_REGISTERED_NAMES: dict[int, str] = {}
_SCOPES = threading.local()
_BUILTIN_IDS = {id(fn): name for name, fn in FUNCTIONS.items()}


def _scoped() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for scope in getattr(_SCOPES, "stack", []):
        merged.update(scope)
    return merged


@contextlib.contextmanager
def custom_objects(objects: Mapping[str, Any]) -> Iterator[None]:
    """Make extra names resolvable by ``get``/``deserialize`` inside a ``with`` block."""
    if not isinstance(objects, Mapping):
        msg = f"custom_objects expects a dict of name -> object, got {type(objects).__name__}."
        raise TypeError(msg)
    stack = getattr(_SCOPES, "stack", None)
    if stack is None:
        stack = _SCOPES.stack = []
    stack.append(dict(objects))
    try:
        yield
    finally:
        stack.pop()


def register(package: str = "custom", name: str | None = None) -> Callable[[Any], Any]:
    """Decorator: register a custom loss function or ``Loss`` subclass as ``"package>name"``.

    Registered objects serialize by that name and resolve in ``get`` and ``deserialize``, so a
    saved model that uses them loads again.
    """
    if not isinstance(package, str) or ">" in package:
        msg = f"Argument `package` must be a string without '>'. Received: package={shown(package)}"
        raise ValueError(msg)
    if name is not None and (not isinstance(name, str) or ">" in name or not name):
        msg = (f"Argument `name` must be a non-empty string without '>' (or None for the "
               f"object's own name). Received: name={shown(name)}")
        raise ValueError(msg)

    def decorator(obj: Any) -> Any:
        key_name = name or getattr(obj, "__name__", None)
        if not callable(obj) or not key_name or key_name == "<lambda>":
            msg = (f"register() needs a named function or a Loss subclass, got {obj!r}. Define "
                   "the loss with `def` (lambdas have no name to save).")
            raise ValueError(msg)
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            msg = "Cannot register a class that does not have a get_config() method."
            raise ValueError(msg)
        key = f"{package}>{key_name}"
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        return obj

    return decorator


def registered_name(obj: Any) -> str | None:
    """The ``"package>name"`` key of a registered object, else ``None``."""
    return _REGISTERED_NAMES.get(id(obj))


def _all_names() -> list[str]:
    return [*FUNCTIONS, *ALIASES, *CLASSES, *_REGISTERED, *_scoped()]


def _unknown(identifier: Any, what: str = "loss") -> ValueError:
    msg = f"Unknown {what} {shown(identifier)}."
    if isinstance(identifier, str):
        close = difflib.get_close_matches(identifier, _all_names(), n=3, cutoff=0.6)
        if not close:
            lowered = {n.lower(): n for n in _all_names()}
            close = [lowered[identifier.lower()]] if identifier.lower() in lowered else []
        if close:
            msg += " Did you mean " + " or ".join(repr(c) for c in close) + "?"
    msg += (" Valid identifiers are the built-in names (see `anyloss list`), objects registered "
            "with @anyloss.register, and names passed in custom_objects.")
    return ValueError(msg)


def _lookup_name(name: str, extra: Mapping[str, Any] | None = None) -> Any:
    """The object a string names, instantiating classes; ``None`` when nothing matches."""
    for table in (extra or {}, _scoped(), _REGISTERED):
        if name in table:
            return _instantiate(table[name])
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if name in ALIASES:
        return FUNCTIONS[ALIASES[name]]
    if name in CLASSES:
        return CLASSES[name]()
    # Models saved under a registered name that changed package (Keras' ">name" fallback).
    matches = [obj for key, obj in _REGISTERED.items() if key.split(">", 1)[1] == name]
    return _instantiate(matches[0]) if len(matches) == 1 else None


def _instantiate(obj: Any) -> Any:
    return obj() if inspect.isclass(obj) and issubclass(obj, Loss) else obj


def get(identifier: Any) -> Any:
    """Resolve a loss identifier, as ``compile(loss=...)`` does.

    ``None`` -> ``None``; a function or ``Loss`` instance -> itself; a function name or alias ->
    that function; a class name or ``Loss`` subclass -> a default instance; a config dict ->
    :func:`deserialize`. Anything else raises ``ValueError`` (with suggestions for near misses).
    """
    if identifier is None:
        return None
    if inspect.isclass(identifier):
        if issubclass(identifier, Loss) and identifier not in (Loss, LossFunctionWrapper):
            return identifier()
        msg = (f"Could not interpret loss identifier: {shown(identifier)}. A class must be a "
               "subclass of anyloss.Loss that implements `call`.")
        raise ValueError(msg)
    if isinstance(identifier, str):
        obj = _lookup_name(identifier)
        if obj is None:
            raise _unknown(identifier)
        return obj
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    msg = (f"Could not interpret loss identifier: {shown(identifier)} (type "
           f"{type(identifier).__name__}). Pass a loss name such as 'mse', a function "
           "`fn(y_true, y_pred)`, a Loss instance or a config dict.")
    raise ValueError(msg)


def serialize(loss: Any) -> Any:
    """A JSON-safe description of ``loss`` that :func:`deserialize` turns back into it.

    Built-in functions serialize to their name, registered ones to ``"package>name"``; a
    ``Loss`` to ``{"module", "class_name", "config", "registered_name"}``.
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        cls = type(loss)
        key = registered_name(cls)
        builtin = CLASSES.get(cls.__name__) is cls or BASES.get(cls.__name__) is cls
        return {
            "module": "anyloss.losses" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": loss.get_config(),
            "registered_name": None if builtin else (key or cls.__name__),
        }
    if inspect.isfunction(loss) or callable(loss):
        if id(loss) in _BUILTIN_IDS:
            return _BUILTIN_IDS[id(loss)]
        key = registered_name(loss)
        if key is not None:
            return key
        name = getattr(loss, "__name__", None)
        if name is None or name == "<lambda>" or "<locals>" in getattr(loss, "__qualname__", ""):
            msg = (f"Cannot serialize {loss!r} by name: lambdas and functions defined inside "
                   "other functions cannot be found again when a model loads. Define it at "
                   "module level with `def` and decorate it with @anyloss.register().")
            raise ValueError(msg)
        return {"module": getattr(loss, "__module__", None), "class_name": "function",
                "config": name, "registered_name": name}
    msg = f"Cannot serialize {loss!r}: expected a loss function or an anyloss.Loss instance."
    raise TypeError(msg)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Turn :func:`serialize` output (or a Keras 3 / tf-keras loss config) into a loss.

    Resolves only built-ins, registered objects, ``custom_objects`` and names in a
    ``custom_objects(...)`` scope. Never imports a module or runs code named by the config.
    """
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        msg = (f"Argument `custom_objects` must be a dict of name -> object. Received: "
               f"{type(custom_objects).__name__}")
        raise TypeError(msg)
    if config is None:
        return None
    if isinstance(config, str):
        obj = _lookup_name(config, custom_objects)
        if obj is None:
            raise _missing(config, "function or class")
        return obj
    if not isinstance(config, Mapping):
        msg = (f"Cannot deserialize a {type(config).__name__}: expected a loss name or a config "
               f"dict with 'class_name'. Received: {shown(config)}")
        raise TypeError(msg)
    return _deserialize_dict(config, custom_objects)


def _missing(name: str, kind: str) -> ValueError:
    short = name.split(">")[-1][:60]
    close = difflib.get_close_matches(name, _all_names(), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    msg = (f"Unknown {kind} {shown(name)} in a loss config: it is not a built-in, not registered "
           f"and not in custom_objects.{hint} If it is your own loss, decorate it with "
           f"@anyloss.register() and import its module before loading, or pass "
           f"custom_objects={{{shown(short)}: {short}}}.")
    return ValueError(msg)


#: Loss configs nest only through a wrapper's ``fn``; a real one is one or two levels deep.
MAX_NESTING = 16


def _deserialize_dict(config: Mapping[str, Any], extra: Mapping[str, Any] | None) -> Any:
    depth = getattr(_SCOPES, "depth", 0)
    if depth >= MAX_NESTING:
        msg = (f"A loss config nests more than {MAX_NESTING} loss configs (through 'fn'); "
               "refusing it rather than recursing. A saved loss nests one or two levels: check "
               "where the config came from.")
        raise ValueError(msg)
    _SCOPES.depth = depth + 1
    try:
        return _deserialize_config(config, extra)
    finally:
        _SCOPES.depth = depth


def _deserialize_config(config: Mapping[str, Any], extra: Mapping[str, Any] | None) -> Any:
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        msg = (f"A loss config dict needs a string 'class_name'. Received: {shown(dict(config))}")
        raise ValueError(msg)
    if class_name == "__lambda__":
        msg = ("Refusing to deserialize a Python lambda (class_name '__lambda__'): it would "
               "execute code from the config. "
               "Define the loss with `def`, register it with @anyloss.register(), and save again.")
        raise ValueError(msg)
    inner = config.get("config", {})
    registered = config.get("registered_name")
    module = config.get("module")
    if class_name == "function":
        name = inner if isinstance(inner, str) else registered
        if not isinstance(name, str):
            msg = f"A function config needs its name in 'config'. Received: {shown(dict(config))}"
            raise ValueError(msg)
        obj = _lookup_name(name, extra)
        if obj is None or isinstance(obj, Loss):
            raise _missing(name, "function")
        return obj
    cls = _resolve_class(class_name, registered, module, extra)
    if inner is None:
        inner = {}
    if not isinstance(inner, Mapping):
        msg = f"The 'config' of {class_name} must be a dict. Received: {shown(inner)}"
        raise ValueError(msg)
    # Nested configs (a wrapper's `fn`) resolve against the same custom objects.
    with custom_objects(extra or {}):
        return _build(cls, _clean_config(cls, dict(inner)))


def _resolve_class(class_name: str, registered: Any, module: Any,
                   extra: Mapping[str, Any] | None) -> type[Loss]:
    for key in (registered, class_name):
        if isinstance(key, str):
            for table in (extra or {}, _scoped(), _REGISTERED):
                if key in table:
                    obj = table[key]
                    if inspect.isclass(obj) and issubclass(obj, Loss):
                        return obj
                    msg = f"{shown(key)} names {obj!r}, which is not an anyloss.Loss subclass."
                    raise ValueError(msg)
    trusted = module is None or (isinstance(module, str) and module.split(".")[0] in
                                 TRUSTED_MODULES)
    builtin = CLASSES.get(class_name) or BASES.get(class_name)
    if builtin is not None and trusted and registered in (None, class_name, "LossFunctionWrapper"):
        return builtin
    where = f" from module {shown(module)}" if module else ""
    raise _missing(registered if isinstance(registered, str) else class_name,
                   f"class{where}")


def _clean_config(cls: type[Loss], config: dict[str, Any]) -> dict[str, Any]:
    """Keras/tf-keras config keys mapped to ours (tf-keras adds ``fn``; Keras 3 may give
    ``dtype`` as a DTypePolicy config)."""
    if cls in CLASSES.values() and "fn" in config:
        fn = config.pop("fn")
        expected = {v: k for k, v in CLASS_OF_FUNCTION.items()}[cls.__name__]
        fn_name = fn if isinstance(fn, str) else fn.get("config") if isinstance(
            fn, Mapping) else None
        if fn_name not in (expected, *[a for a, t in ALIASES.items() if t == expected]):
            msg = f"A {cls.__name__} config names fn={shown(fn)}; expected {expected!r}."
            raise ValueError(msg)
    dtype = config.get("dtype")
    if isinstance(dtype, Mapping):
        inner = dtype.get("config")
        policy = inner.get("name") if isinstance(inner, Mapping) else None
        if not isinstance(policy, str):
            msg = ("A dtype policy in a loss config needs a string name, e.g. "
                   f"{{'config': {{'name': 'float32'}}}}. Received: dtype={shown(dtype)}")
            raise ValueError(msg)
        config["dtype"] = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}.get(
            policy, policy)
    return config


def _build(cls: type[Loss], config: dict[str, Any]) -> Loss:
    try:
        return cls.from_config(config)
    except TypeError as err:
        params = list(inspect.signature(cls.__init__).parameters)[1:]
        msg = (f"Could not build {cls.__name__} from config {shown(config)}: "
               f"{clipped(str(err))}. "
               f"Its arguments are {params}.")
        raise ValueError(msg) from err
