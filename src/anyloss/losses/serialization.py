"""The ``get -> deserialize -> object lookup`` pipeline: names, aliases, classes, custom objects.

Safe by design: a config is resolved only against the explicit tables below, objects registered
with :func:`register`, and ``custom_objects``. Nothing is ever imported or executed because a
config names it (see ``SECURITY.md``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Mapping
from typing import Any

from anyloss._text import clipped, shown
from anyloss.losses import _names, _peers
from anyloss.losses._base import BASES, BuiltinLoss, Loss, LossFunctionWrapper, loss_config
from anyloss.losses._builtin import ALIASES, CLASS_OF_FUNCTION, CLASSES
from anyloss.losses._names import custom_objects, register, registered_name

__all__ = [
    "BASES",
    "TRUSTED_MODULES",
    "custom_objects",
    "deserialize",
    "get",
    "register",
    "registered_name",
    "serialize",
]


#: Modules whose configs name built-ins: anyloss' own, Keras 3's and tf-keras'.
TRUSTED_MODULES = ("anyloss", "keras", "tf_keras", "tensorflow")

_SCOPES = threading.local()


def _unknown(identifier: Any, what: str = "loss") -> ValueError:
    msg = f"Unknown {what} {shown(identifier)}."
    peer = _names.peer_hint(identifier) if isinstance(identifier, str) else None
    bare = _peers.bare_hint(identifier) if isinstance(identifier, str) else None
    peer = bare or peer
    if peer is not None:  # another library's name: say what computes it, not a look-alike
        msg += f" {peer}."
    elif isinstance(identifier, str):
        close = _names.suggestions(identifier)
        if close:
            msg += " Did you mean " + " or ".join(repr(c) for c in close) + "?"
    msg += (
        " Valid identifiers are the built-in names (see `anyloss list`), objects registered "
        "with @anyloss.register, and names passed in custom_objects."
    )
    return ValueError(msg)


def _lookup_name(name: str, extra: Mapping[str, Any] | None = None) -> Any:
    """The object a string names, instantiating ``Loss`` classes; ``None`` when nothing
    matches."""
    obj = _names.lookup(name, extra)
    return obj() if inspect.isclass(obj) and issubclass(obj, Loss) else obj


def get(identifier: Any, **arguments: Any) -> Any:
    """Resolve a loss identifier, as ``compile(loss=...)`` does.

    ``None`` -> ``None``; a function or ``Loss`` instance -> itself; a function name or alias ->
    that function; a class name or ``Loss`` subclass -> a default instance; a config dict ->
    :func:`deserialize`. Anything else raises ``ValueError`` (with suggestions for near misses).
    Names resolve against the built-ins, objects registered with :func:`register` and names in
    a :func:`custom_objects` scope.

    Another library's spelling (``"torch.nn.SmoothL1Loss"``, ``"optax.sigmoid_focal_loss"``,
    ``"smp.losses.DiceLoss"``; the table is docs/losses.md) resolves to the anyloss loss
    configured with that library's semantics and defaults, still called as
    ``loss(y_true, y_pred)``; its constructor arguments come as keywords.

    Args:
        identifier: ``None``, a loss name or alias (``"mse"``, ``"BinaryCrossentropy"``), a
            peer spelling, a function, a ``Loss`` instance or subclass, or a config dict.
        **arguments: constructor arguments, for a class name (anyloss' arguments) or a peer
            spelling (the peer's arguments).

    Returns:
        A loss function, a ``Loss`` instance, or ``None``.

    Raises:
        ValueError: an unknown name (with did-you-mean suggestions, D7 in
            ``docs/keras-differences.md``), a class that is not a usable ``Loss`` subclass, or
            anything else that is not a loss identifier; errors of :func:`deserialize` for dicts.

    Example:
        >>> import anyloss as al
        >>> al.get("mse") is al.mean_squared_error
        True
        >>> type(al.get("Huber")).__name__
        'Huber'
        >>> al.get({"class_name": "Huber", "config": {"delta": 2.0}}).delta
        2.0
        >>> al.get(None) is None
        True
        >>> al.get("msee")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Unknown loss 'msee'. Did you mean 'mse' or 'msle'? ...
    """
    if arguments:
        return _get_with_arguments(identifier, arguments)
    if identifier is None:
        return None
    if inspect.isclass(identifier):
        if issubclass(identifier, Loss) and identifier not in (Loss, LossFunctionWrapper):
            return identifier()
        msg = (
            f"Could not interpret loss identifier: {shown(identifier)}. A class must be a "
            "subclass of anyloss.Loss that implements `call`."
        )
        raise ValueError(msg)
    if isinstance(identifier, str):
        obj = _lookup_name(identifier)
        if obj is None:
            obj = _peers.resolve(identifier)
        if obj is None:
            raise _unknown(identifier)
        return obj
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    msg = (
        f"Could not interpret loss identifier: {shown(identifier)} (type "
        f"{type(identifier).__name__}). Pass a loss name such as 'mse', a function "
        "`fn(y_true, y_pred)`, a Loss instance or a config dict."
    )
    raise ValueError(msg)


def _get_with_arguments(identifier: Any, arguments: dict[str, Any]) -> Any:
    """``get(name, **arguments)``: a class (anyloss' or a peer's) built with ``arguments``."""
    if isinstance(identifier, str):
        peer = _peers.resolve(identifier, arguments)
        if peer is not None:
            return peer
        obj = _names.lookup(identifier)
        if obj is None:
            raise _unknown(identifier)
        cls = obj if inspect.isclass(obj) else CLASSES.get(CLASS_OF_FUNCTION.get(identifier, ""))
        if cls is None and identifier in ALIASES:
            cls = CLASSES.get(CLASS_OF_FUNCTION.get(ALIASES[identifier], ""))
        if cls is not None and issubclass(cls, Loss):
            return cls(**arguments)
    elif inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier(**arguments)
    msg = (
        f"get() takes keyword arguments only with a loss class or its name, or another "
        f"library's loss name; got {shown(identifier)} with {', '.join(arguments)}."
    )
    raise ValueError(msg)


def serialize(loss: Any) -> Any:
    """A JSON-safe description of ``loss`` that :func:`deserialize` turns back into it.

    Built-in functions serialize to their name, registered ones to ``"package>name"``; a
    ``Loss`` to ``{"module", "class_name", "config", "registered_name"}`` (Keras 3's form; the
    config holds every constructor argument).

    Args:
        loss: ``None``, a loss function or a ``Loss`` instance.

    Returns:
        ``None``, a name (str), a function config dict, or a ``Loss`` config dict.

    Raises:
        TypeError: ``loss`` is neither ``None``, a function nor a ``Loss``.
        ValueError: a function that cannot be found again by name (a lambda or a nested
            function).

    Example:
        >>> import pprint
        >>> import anyloss as al
        >>> al.serialize(al.mean_squared_error)
        'mean_squared_error'
        >>> pprint.pprint(al.serialize(al.Huber(delta=2.0)))
        {'class_name': 'Huber',
         'config': {'delta': 2.0,
                    'dtype': None,
                    'name': 'huber_loss',
                    'reduction': 'sum_over_batch_size'},
         'module': 'anyloss.losses',
         'registered_name': None}
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return loss_config(loss)
    if callable(loss):
        return _names.function_config(loss)
    msg = f"Cannot serialize {loss!r}: expected a loss function or an anyloss.Loss instance."
    raise TypeError(msg)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Turn :func:`serialize` output (or a Keras 3 / tf-keras loss config) into a loss.

    Resolves only built-ins, registered objects, ``custom_objects`` and names in a
    ``custom_objects(...)`` scope. Never imports a module or runs code named by the config.

    Args:
        config: ``None``, a loss name, or a config dict with ``"class_name"`` and ``"config"``
            (optionally ``"module"`` and ``"registered_name"``).
        custom_objects: optional dict of name -> loss function or ``Loss`` subclass, consulted
            first (also for configs nested in it).

    Returns:
        A loss function, a ``Loss`` instance, or ``None``.

    Raises:
        TypeError: ``custom_objects`` is not a dict, or ``config`` is neither a name nor a dict.
        ValueError: an unknown name or class (with the fix), a config without a string
            ``"class_name"``, a lambda, a config nested too deeply, or arguments the class
            does not take.

    Example:
        >>> import anyloss as al
        >>> al.deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).delta
        2.0
        >>> al.deserialize(al.serialize(al.Huber(delta=2.0))).delta
        2.0
        >>> al.deserialize("mse") is al.mean_squared_error
        True
        >>> def my_loss(y_true, y_pred):
        ...     return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)
        >>> al.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss
        True
    """
    if custom_objects is not None and not isinstance(custom_objects, Mapping):
        msg = (
            f"Argument `custom_objects` must be a dict of name -> object. Received: "
            f"{type(custom_objects).__name__}"
        )
        raise TypeError(msg)
    if config is None:
        return None
    if isinstance(config, str):
        obj = _lookup_name(config, custom_objects)
        if obj is None:
            obj = _peers.resolve(config)
        if obj is None:
            raise _names.missing(config, "function or class")
        return obj
    if not isinstance(config, Mapping):
        msg = (
            f"Cannot deserialize a {type(config).__name__}: expected a loss name or a config "
            f"dict with 'class_name'. Received: {shown(config)}"
        )
        raise TypeError(msg)
    return _deserialize_dict(config, custom_objects)


#: Loss configs nest only through a wrapper's ``fn``; a real one is one or two levels deep.
MAX_NESTING = 16


def _deserialize_dict(config: Mapping[str, Any], extra: Mapping[str, Any] | None) -> Any:
    depth = getattr(_SCOPES, "depth", 0)
    if depth >= MAX_NESTING:
        msg = (
            f"A loss config nests more than {MAX_NESTING} loss configs (through 'fn'); "
            "refusing it rather than recursing. A saved loss nests one or two levels: check "
            "where the config came from."
        )
        raise ValueError(msg)
    _SCOPES.depth = depth + 1
    try:
        return _deserialize_config(config, extra)
    finally:
        _SCOPES.depth = depth


def _deserialize_config(config: Mapping[str, Any], extra: Mapping[str, Any] | None) -> Any:
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        msg = f"A loss config dict needs a string 'class_name'. Received: {shown(dict(config))}"
        raise ValueError(msg)
    if class_name == "__lambda__":
        msg = (
            "Refusing to deserialize a Python lambda (class_name '__lambda__'): it would "
            "execute code from the config. "
            "Define the loss with `def`, register it with @anyloss.register(), and save again."
        )
        raise ValueError(msg)
    inner = config.get("config", {})
    registered = config.get("registered_name")
    module = config.get("module")
    if class_name == "function":
        return _names.resolve_function(config, extra)
    if _peers.canonical(class_name) is not None and not (extra and class_name in extra):
        return _peers.resolve(class_name, inner if inner is not None else {})
    cls = _resolve_class(class_name, registered, module, extra)
    if inner is None:
        inner = {}
    if not isinstance(inner, Mapping):
        msg = f"The 'config' of {class_name} must be a dict. Received: {shown(inner)}"
        raise ValueError(msg)
    # Nested configs (a wrapper's `fn`) resolve against the same custom objects.
    with custom_objects(extra or {}):
        return _build(cls, _clean_config(cls, dict(inner)))


def _resolve_class(
    class_name: str, registered: Any, module: Any, extra: Mapping[str, Any] | None
) -> type[Loss]:
    for key in (registered, class_name):
        if isinstance(key, str):
            for table in (extra or {}, _names.scoped(), _names.registered()):
                if key in table:
                    obj = table[key]
                    if inspect.isclass(obj) and issubclass(obj, Loss):
                        return obj
                    msg = f"{shown(key)} names {obj!r}, which is not an anyloss.Loss subclass."
                    raise ValueError(msg)
    trusted = module is None or (
        isinstance(module, str) and module.split(".")[0] in TRUSTED_MODULES
    )
    builtin = CLASSES.get(class_name) or BASES.get(class_name)
    if isinstance(registered, str):  # "anyloss>Huber": written by Keras (anyloss.keras)
        registered = _names.builtin_key(registered)
    if builtin is not None and trusted and registered in (None, class_name, "LossFunctionWrapper"):
        return builtin
    where = f" from module {shown(module)}" if module else ""
    raise _names.missing(registered if isinstance(registered, str) else class_name, f"class{where}")


def _clean_config(cls: type[Loss], config: dict[str, Any]) -> dict[str, Any]:
    """Keras/tf-keras config keys mapped to ours (tf-keras adds ``fn``; Keras 3 may give
    ``dtype`` as a DTypePolicy config); a plain wrapper's ``fn`` resolved."""
    if issubclass(cls, BuiltinLoss) and "fn" in config:
        fn = config.pop("fn")
        expected = cls.builtin.name
        fn_name = (
            fn if isinstance(fn, str) else fn.get("config") if isinstance(fn, Mapping) else None
        )
        if fn_name not in (expected, *[a for a, t in ALIASES.items() if t == expected]):
            msg = f"A {cls.__name__} config names fn={shown(fn)}; expected {expected!r}."
            raise ValueError(msg)
    dtype = config.get("dtype")
    if isinstance(dtype, Mapping):
        inner = dtype.get("config")
        policy = inner.get("name") if isinstance(inner, Mapping) else None
        if not isinstance(policy, str):
            msg = (
                "A dtype policy in a loss config needs a string name, e.g. "
                f"{{'config': {{'name': 'float32'}}}}. Received: dtype={shown(dtype)}"
            )
            raise ValueError(msg)
        config["dtype"] = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}.get(
            policy, policy
        )
    if cls is LossFunctionWrapper and "fn" in config:
        config["fn"] = deserialize(config["fn"])  # a name, a function or a loss config
    return config


def _build(cls: type[Loss], config: dict[str, Any]) -> Loss:
    try:
        return cls.from_config(config)
    except TypeError as err:
        params = list(inspect.signature(cls.__init__).parameters)[1:]
        msg = (
            f"Could not build {cls.__name__} from config {shown(config)}: "
            f"{clipped(str(err))}. "
            f"Its arguments are {params}."
        )
        raise ValueError(msg) from err
