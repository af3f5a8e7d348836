"""Other libraries' names for losses: ``al.get("torch.nn.SmoothL1Loss")`` and the like.

Each loss declares its peers' spellings as data (:class:`~anyloss.losses._builtin.Peer`, in
its ``@builtin`` declaration); this module resolves them. A spelling gives the anyloss loss
(always an anyloss ``Loss``, called as ``loss(y_true, y_pred)``) configured with that library's
semantics and defaults, and translates the library's constructor arguments, given as keywords
or as a config (``{"class_name": "smp.losses.DiceLoss", "config": {"mode": "binary"}}``).
Nothing of the peer is imported. A bare class name (``"DiceLoss"``) is refused with the
namespaced spellings it may mean: bare names are anyloss' own namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anyloss._text import shown
from anyloss.losses._builtin import BUILTINS, PEERS, Peer

#: How each library's names may be written -> the prefix the declarations use.
PREFIXES: dict[str, str] = {
    "torch.nn.modules.loss.": "torch.nn.",
    "torch.nn.": "torch.nn.",
    "nn.": "torch.nn.",
    "optax.losses.": "optax.",
    "optax.": "optax.",
    "tensorflow_addons.losses.": "tfa.losses.",
    "tfa.losses.": "tfa.losses.",
    "segmentation_models_pytorch.losses.": "smp.losses.",
    "smp.losses.": "smp.losses.",
    "monai.losses.": "monai.losses.",
    "pytorch_metric_learning.losses.": "pytorch_metric_learning.losses.",
    "pml.losses.": "pytorch_metric_learning.losses.",
    "torchvision.ops.": "torchvision.ops.",
    "timm.loss.": "timm.loss.",
    "keras_rs.losses.": "keras_rs.losses.",
}


def canonical(name: str) -> str | None:
    """The declared spelling ``name`` stands for (``"optax.losses.ntxent"`` ->
    ``"optax.ntxent"``), or ``None`` when it is not a peer spelling."""
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if name.startswith(prefix):
            key = PREFIXES[prefix] + name[len(prefix) :]
            return key if key in PEERS else None
    return None


def bare(name: str) -> list[str]:
    """The declared spellings whose last component is ``name`` (``"DiceLoss"`` ->
    ``["monai.losses.DiceLoss", "smp.losses.DiceLoss"]``)."""
    if "." in name:
        return []
    return sorted(key for key in PEERS if key.rsplit(".", 1)[-1] == name)


def bare_hint(name: str) -> str | None:
    """The error text for a bare peer name, or ``None`` when no peer uses it."""
    matches = bare(name)
    if not matches:
        return None
    spelled = ", ".join(f"{key!r} (anyloss {PEERS[key][0]})" for key in matches)
    return (
        f"{name!r} is another library's name and may mean {spelled}: write it with its "
        "library's prefix, as listed"
    )


def _arguments(spelling: str, peer: Peer, given: Mapping[str, Any]) -> dict[str, Any]:
    """The anyloss arguments for the peer's constructor arguments ``given``."""
    arguments = dict(peer.settings)
    for key, value in given.items():
        if key in peer.renames:
            arguments[peer.renames[key]] = value
        elif key in peer.choices:
            options = peer.choices[key]
            try:
                chosen = options[value]
            except (KeyError, TypeError):
                valid = ", ".join(repr(v) for v in options)
                msg = (
                    f"{spelling}: {key}={shown(value)} is not supported by anyloss' equivalent "
                    f"({PEERS[spelling][0]}). Supported values: {valid}."
                )
                if peer.note:
                    msg += f" Note: {peer.note}"
                raise ValueError(msg) from None
            arguments.update(chosen)
        else:
            known = ", ".join(sorted([*peer.renames, *peer.choices])) or "none"
            msg = (
                f"{spelling} got the argument {key!r}, which anyloss' equivalent "
                f"({PEERS[spelling][0]}) does not support. Supported arguments: {known}."
            )
            if peer.note:
                msg += f" Note: {peer.note}"
            raise TypeError(msg)
    return arguments


def resolve(name: str, given: Mapping[str, Any] | None = None) -> Any:
    """The anyloss loss the peer spelling ``name`` stands for, configured with the peer's
    semantics and the peer constructor arguments ``given``; ``None`` when ``name`` is not a
    peer spelling."""
    spelling = canonical(name)
    if spelling is None:
        return None
    if given is not None and not isinstance(given, Mapping):
        msg = f"The config of {name!r} must be a dict of its arguments, got {shown(given)}."
        raise TypeError(msg)
    loss_name, peer = PEERS[spelling]
    cls = BUILTINS[loss_name].loss_class
    if cls is None:  # pragma: no cover - every built-in declares its class
        msg = f"{loss_name} has no class."
        raise LookupError(msg)
    return cls(**_arguments(spelling, peer, given or {}))


def table() -> list[tuple[str, str, dict[str, Any], str]]:
    """Every peer spelling: (spelling, anyloss loss, the settings it implies, the note)."""
    return [
        (spelling, loss, dict(peer.settings), peer.note)
        for spelling, (loss, peer) in sorted(PEERS.items())
    ]
