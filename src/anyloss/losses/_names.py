"""Names of loss functions and classes beyond the built-ins: ``@register`` and
``custom_objects``, and how a function is written in a config and found again.

Built-in names come from the declarations (``_builtin``); this module adds the user's names.
It sits below ``Loss`` (a ``LossFunctionWrapper`` saves and finds its ``fn`` here) and below
:mod:`anyloss.losses.serialization`, which resolves whole configs.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from anyloss._text import shown
from anyloss.losses._builtin import ALIASES, BUILTINS, CLASSES, FUNCTIONS
from anyloss.losses._peers import PREFIXES, bare_hint

_REGISTERED: dict[str, Any] = {}
_REGISTERED_NAMES: dict[int, str] = {}
_SCOPES = threading.local()
#: Called with ``(key, obj)`` for every registration, past and future (``on_register``).
_LISTENERS: list[Callable[[str, Any], None]] = []


def scoped() -> dict[str, Any]:
    """The names of every enclosing ``custom_objects(...)`` block (inner ones win)."""
    merged: dict[str, Any] = {}
    for scope in getattr(_SCOPES, "stack", []):
        merged.update(scope)
    return merged


def registered() -> Mapping[str, Any]:
    """Objects registered with :func:`register`, by ``"package>name"``."""
    return _REGISTERED


@contextlib.contextmanager
def custom_objects(objects: Mapping[str, Any]) -> Iterator[None]:
    """Make extra names resolvable by ``get``/``deserialize`` inside a ``with`` block.

    Args:
        objects: name -> loss function or ``Loss`` subclass.

    Example:
        >>> import anyloss as al
        >>> def my_loss(y_true, y_pred):
        ...     return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)
        >>> with al.custom_objects({"my_loss": my_loss}):
        ...     al.get("my_loss") is my_loss
        True
    """
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

    Args:
        package: the namespace of the name (default ``"custom"``).
        name: the registered name (default: the object's ``__name__``).

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:
        >>> import anyloss as al
        >>> @al.register("demo")
        ... def scaled_mse(y_true, y_pred):
        ...     return 2.0 * al.mean_squared_error(y_true, y_pred)
        >>> al.serialize(scaled_mse)
        'demo>scaled_mse'
    """
    if not isinstance(package, str) or ">" in package:
        msg = f"Argument `package` must be a string without '>'. Received: package={shown(package)}"
        raise ValueError(msg)
    if name is not None and (not isinstance(name, str) or ">" in name or not name):
        msg = (
            f"Argument `name` must be a non-empty string without '>' (or None for the "
            f"object's own name). Received: name={shown(name)}"
        )
        raise ValueError(msg)

    def decorator(obj: Any) -> Any:
        key_name = name or getattr(obj, "__name__", None)
        if not callable(obj) or not key_name or key_name == "<lambda>":
            msg = (
                f"register() needs a named function or a Loss subclass, got {obj!r}. Define "
                "the loss with `def` (lambdas have no name to save)."
            )
            raise ValueError(msg)
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            msg = "Cannot register a class that does not have a get_config() method."
            raise ValueError(msg)
        key = f"{package}>{key_name}"
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        for listener in _LISTENERS:
            listener(key, obj)
        return obj

    return decorator


def on_register(listener: Callable[[str, Any], None]) -> None:
    """Call ``listener(key, obj)`` for every object registered with :func:`register`: those
    registered already, now, and each later one as it is registered. Adding the same listener
    twice adds it once. ``anyloss.keras`` and ``anyloss.tf_keras`` use it to register the same
    objects, under the same ``"package>name"`` keys, with Keras' serialization."""
    if listener in _LISTENERS:
        return
    _LISTENERS.append(listener)
    for key, obj in list(_REGISTERED.items()):
        listener(key, obj)


def registered_name(obj: Any) -> str | None:
    """The ``"package>name"`` key of a registered object, else ``None``."""
    return _REGISTERED_NAMES.get(id(obj))


def all_names() -> list[str]:
    """Every name a string identifier may take now (for did-you-mean suggestions)."""
    return [*FUNCTIONS, *ALIASES, *CLASSES, *_REGISTERED, *scoped()]


#: Other libraries' names for losses that anyloss has no spelling of (the declared spellings,
#: ``al.get("torch.nn.MSELoss")``, are in each loss' declaration; a bare declared name gets
#: those spellings in its error): an unknown-name error points at the anyloss loss and
#: arguments that compute the nearest thing, instead of a look-alike name. These are hints,
#: not aliases: the arguments and their order differ (anyloss takes ``(y_true, y_pred)``,
#: PyTorch ``(input, target)``).
PEER_NAMES: dict[str, str] = {
    # optax
    # Qualified: the bare "cosine_similarity" is anyloss' own (Keras') loss.
    "optax.cosine_similarity": (
        "optax's cosine_similarity is the similarity itself (higher is better), not a loss: "
        "use cosine_distance(targets, predictions) (1 - cos, optax.cosine_distance) or "
        "cosine_similarity(targets, predictions) (Keras' -cos)"
    ),
    "make_fenchel_young_loss": (
        "optax's make_fenchel_young_loss builds a loss from a max function, it is not one: "
        "for the sparsemax loss use sparsemax(labels, scores), for softmax (the log-sum-exp "
        "max) categorical_crossentropy(labels, logits, from_logits=True)"
    ),
    "smooth_labels": (
        "optax's smooth_labels is a label transform, not a loss: pass label_smoothing= to the "
        "loss instead, e.g. categorical_crossentropy(labels, logits, from_logits=True, "
        "label_smoothing=alpha)"
    ),
}
_PEER_KEYS = {key.lower(): key for key in PEER_NAMES}


def peer_hint(name: str) -> str | None:
    """What to use for another library's loss name (``"CrossEntropyLoss"``,
    ``"torch.nn.CrossEntropyLoss"``, ``"optax.smooth_labels"``), or ``None``. A key with its
    library's prefix (``"optax.cosine_similarity"``) matches that library's spellings only."""
    key = _PEER_KEYS.get(_qualified(name).lower()) or _PEER_KEYS.get(
        name.rsplit(".", 1)[-1].lower()
    )
    return None if key is None else PEER_NAMES[key]


def _qualified(name: str) -> str:
    """``name`` with its library's prefix as the keys write it (``"optax.losses.x"`` ->
    ``"optax.x"``)."""
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if name.startswith(prefix):
            return PREFIXES[prefix] + name[len(prefix) :]
    return name


def suggestions(name: str) -> list[str]:
    """Up to three known names close to ``name`` (or its case-insensitive twin)."""
    names = all_names()
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return close


def _builtin_name(fn: Any) -> str | None:
    spec = BUILTINS.get(getattr(fn, "__name__", ""))
    return spec.name if spec is not None and spec.function is fn else None


def function_config(fn: Any) -> Any:
    """How a config writes the function ``fn``: a built-in's name, a registered
    ``"package>name"``, or ``{"module", "class_name": "function", "config": name, ...}``."""
    name = _builtin_name(fn) or registered_name(fn)
    if name is not None:
        return name
    name = getattr(fn, "__name__", None)
    if name is None or name == "<lambda>" or "<locals>" in getattr(fn, "__qualname__", ""):
        msg = (
            f"Cannot serialize {fn!r} by name: lambdas and functions defined inside "
            "other functions cannot be found again when a model loads. Define it at "
            "module level with `def` and decorate it with @anyloss.register()."
        )
        raise ValueError(msg)
    return {
        "module": getattr(fn, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


#: The package of anyloss' built-ins in Keras' serialization registry (``anyloss.keras`` and
#: ``anyloss.tf_keras`` register ``Huber`` as ``"anyloss>Huber"``); configs Keras writes with
#: that key name the built-in.
KERAS_PACKAGE = "anyloss"


def builtin_key(name: str) -> str:
    """``"anyloss>huber"`` -> ``"huber"``: a built-in's name as Keras' registry writes it, back
    to anyloss' own; any other name unchanged."""
    prefix = f"{KERAS_PACKAGE}>"
    return name[len(prefix) :] if name.startswith(prefix) else name


def lookup(name: str, extra: Mapping[str, Any] | None = None) -> Any:
    """The object a string names (custom objects first, then built-ins), or ``None``; classes
    are returned as classes."""
    for table in (extra or {}, scoped(), _REGISTERED):
        if name in table:
            return table[name]
    name = builtin_key(name)
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if name in ALIASES:
        return FUNCTIONS[ALIASES[name]]
    if name in CLASSES:
        return CLASSES[name]
    # Models saved under a registered name that changed package (Keras' ">name" fallback).
    matches = [obj for key, obj in _REGISTERED.items() if key.split(">", 1)[1] == name]
    return matches[0] if len(matches) == 1 else None


def missing(name: str, kind: str = "function") -> ValueError:
    """The error for a name in a config found nowhere, with suggestions and the fix."""
    short = name.split(">")[-1][:60]
    peer = bare_hint(name) or peer_hint(name)
    close = [] if peer else difflib.get_close_matches(name, all_names(), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    hint = f" {peer}." if peer else hint
    msg = (
        f"Unknown {kind} {shown(name)} in a loss config: it is not a built-in, not registered "
        f"and not in custom_objects.{hint} If it is your own loss, decorate it with "
        f"@anyloss.register() and import its module before loading, or pass "
        f"custom_objects={{{shown(short)}: {short}}}."
    )
    return ValueError(msg)


def resolve_function(config: Any, extra: Mapping[str, Any] | None = None) -> Any:
    """The function a config's ``fn`` names (a name, or a function config dict), or ``fn``
    itself when it is already callable."""
    if callable(config) and not isinstance(config, (str, Mapping)):
        return config
    name = config
    if isinstance(config, Mapping):
        if config.get("class_name") != "function":
            msg = (
                f"A loss function config needs class_name 'function'. Received: "
                f"{shown(dict(config))}"
            )
            raise ValueError(msg)
        inner = config.get("config")
        name = inner if isinstance(inner, str) else config.get("registered_name")
    if not isinstance(name, str):
        msg = f"A function config needs its name in 'config'. Received: {shown(config)}"
        raise ValueError(msg)
    obj = lookup(name, extra)
    if obj is None or inspect.isclass(obj) or not callable(obj):
        raise missing(name)
    return obj
