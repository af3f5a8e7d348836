"""The model file format: one atomic, checksummed ``torch.save`` file that never runs code.

A file holds only tensors, numbers, strings and dicts, read back with
``torch.load(weights_only=True)``: loading never unpickles code. Its entries are the
architecture and compile config (JSON strings, from :meth:`Model.get_config` and
:meth:`Model.get_compile_config`), the weights and the optimizer state. Writes are atomic: a
failed save leaves the previous file intact. A SHA-256 checksum of the contents is stored and
checked on load, so a damaged file raises instead of loading other weights; any file that is not
a complete anyloss model raises ``ValueError`` naming it.

This module knows files, not models: ``Model.save`` and ``load_model``
(:mod:`anyloss.training.model`) turn a model into these entries and back.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.distributed as dist

__all__ = [
    "CONTENTS",
    "EXTENSION",
    "FOREIGN_EXTENSIONS",
    "FORMAT",
    "VERSION",
    "InvalidConfig",
    "check_extension",
    "damaged",
    "json_entry",
    "read_model_file",
    "write_model_file",
]

FORMAT = "anyloss.model"
VERSION = 1
#: The entries the checksum covers (every one ``load_model`` reads).
CONTENTS = ("architecture", "compile_config", "weights", "optimizer_state")
#: Entries a file may lack (written before they existed): the weights that compiled losses own
#: (``anyloss.ArcFace``'s class weights), in ``loss_parameters`` order.
OPTIONAL = ("loss_weights",)


def _checksum(payload: Mapping[str, Any]) -> str:
    """SHA-256 over the contents: tensors by dtype, shape and bytes, containers in key order."""
    digest = hashlib.sha256()

    def feed(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            flat = value.detach().cpu().contiguous().reshape(-1)
            digest.update(f"tensor {flat.dtype} {tuple(value.shape)}:".encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes())
        elif isinstance(value, Mapping):
            digest.update(b"{")
            for key in sorted(value, key=repr):
                digest.update(repr(key).encode() + b":")
                feed(value[key])
            digest.update(b"}")
        elif isinstance(value, (list, tuple)):
            digest.update(b"[")
            for item in value:
                feed(item)
            digest.update(b"]")
        else:
            digest.update(repr(value).encode() + b";")

    feed({key: payload.get(key) for key in CONTENTS})
    for key in OPTIONAL:
        if key in payload:
            feed({key: payload[key]})
    return digest.hexdigest()


class InvalidConfig(ValueError):
    """A model or compile config that cannot be rebuilt (``load_model`` reports it as a
    damaged file)."""


#: The native extension (any name works; ``.pt``/``.pth`` too, since the file is a
#: ``torch.save`` archive that ``torch.load(weights_only=True)`` reads).
EXTENSION = ".anyloss"
#: Extensions that promise another library's format, which ``model.save`` does not write.
FOREIGN_EXTENSIONS = {
    ".h5": "a Keras/HDF5 file",
    ".hdf5": "a Keras/HDF5 file",
    ".keras": "a Keras 3 .keras archive",
    ".pb": "a TensorFlow SavedModel protobuf",
    ".tf": "a TensorFlow checkpoint",
    ".onnx": "an ONNX model",
    ".safetensors": "a safetensors file",
    ".tflite": "a TensorFlow Lite model",
}


def check_extension(path: str | os.PathLike[str]) -> None:
    """``ValueError`` when ``path``'s extension promises a format anyloss does not write."""
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower()
    if suffix in FOREIGN_EXTENSIONS:
        stem = name[: len(name) - len(suffix)]
        msg = (
            f"Cannot save to {name!r}: {suffix!r} promises {FOREIGN_EXTENSIONS[suffix]}, but "
            f"model.save() writes anyloss' own format (a torch.save archive with the "
            f"weights, optimizer state and configs). Use the extension {EXTENSION!r} "
            f"({stem + EXTENSION!r}; '.pt' works too), and load it with "
            "anyloss.models.load_model()."
        )
        raise ValueError(msg)


def write_model_file(
    path: str | os.PathLike[str],
    architecture: Mapping[str, Any],
    compile_config: Mapping[str, Any] | None,
    weights: Mapping[str, torch.Tensor],
    optimizer_state: Mapping[str, Any] | None,
    loss_weights: Sequence[torch.Tensor] = (),
) -> None:
    """Write a model file to ``path`` atomically (temporary file + ``os.replace``); only
    process 0 writes in distributed training. Refuses extensions of other formats
    (:data:`FOREIGN_EXTENSIONS`)."""
    check_extension(path)
    if dist.is_available() and dist.is_initialized() and dist.get_rank() != 0:
        return
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": json.dumps(architecture),
        "compile_config": json.dumps(compile_config),
        "weights": {k: v.detach().cpu() for k, v in weights.items()},
        "optimizer_state": optimizer_state,
        "loss_weights": [w.detach().cpu() for w in loss_weights],
    }
    payload["checksum"] = _checksum(payload)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".anyloss-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            try:
                torch.save(payload, f)
            except RuntimeError as err:
                # torch's zip writer still writes its end record after a failed write and
                # raises "unexpected pos": the real cause (e.g. a full disk) is the context.
                if isinstance(err.__context__, OSError):
                    raise err.__context__ from None
                raise
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_model_file(path: str) -> dict[str, Any]:
    """The entries of the model file at ``path``, checked: format, version, entries, checksum.

    Raises ``FileNotFoundError`` or ``ValueError`` naming the file.
    """
    if not os.path.exists(path):
        msg = f"No model file at {path!r}."
        raise FileNotFoundError(msg)
    if os.path.isdir(path):
        msg = (
            f"{path!r} is a directory, not an anyloss model file. Pass the path of the file "
            "that model.save() wrote."
        )
        raise ValueError(msg)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        msg = (
            f"{path!r} is not a readable anyloss model file (truncated, corrupted, or not "
            f"written by model.save()). Re-save the model with model.save(). Cause: "
            f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        )
        raise ValueError(msg) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        msg = (
            f"{path!r} is a PyTorch file but not an anyloss model (no {FORMAT!r} header). "
            "Load plain state_dicts with module.load_state_dict(torch.load(path))."
        )
        raise ValueError(msg)
    if payload.get("version") != VERSION:
        msg = (
            f"{path!r} has anyloss model format version {payload.get('version')!r}; this "
            f"anyloss reads version {VERSION}."
        )
        raise ValueError(msg)
    missing = [key for key in CONTENTS if key not in payload]
    if missing:
        raise damaged(path, f"it lacks the entries {missing}")
    # Files written before the checksum existed have none; every file written now has one.
    if "checksum" in payload and payload["checksum"] != _checksum(payload):
        raise damaged(path, "its contents do not match the checksum model.save() stored")
    return payload


def damaged(path: str, what: str) -> ValueError:
    msg = (
        f"{path!r} is a damaged anyloss model file: {what}. It was changed or corrupted "
        "after model.save() wrote it; re-save the model with model.save()."
    )
    return ValueError(msg)


def json_entry(payload: Mapping[str, Any], key: str, path: str) -> Any:
    try:
        return json.loads(payload[key])
    except (TypeError, ValueError) as err:
        raise damaged(path, f"its {key!r} entry is not valid JSON ({type(err).__name__})") from None
