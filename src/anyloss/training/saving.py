"""``model.save(path)`` and ``load_model(path)``: weights, optimizer state and compile config.

One ``torch.save`` file holding only tensors, numbers, strings and dicts, read back with
``torch.load(weights_only=True)``: loading never unpickles code. The architecture is JSON (a
``Sequential`` of anyloss layers rebuilds itself); for ``Model(module)`` pass the module again
with ``load_model(path, module=...)``. Losses are stored with :func:`anyloss.serialize`, so a
registered custom loss restores by name and an unregistered one raises the error that says how
to fix it. Writes are atomic: a failed save leaves the previous file intact. A SHA-256 checksum
of the contents is stored and checked on load, so a damaged file raises instead of loading other
weights; any file that is not a complete anyloss model raises ``ValueError`` naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch
import torch.distributed as dist

import anyloss
from anyloss.training import optimizers
from anyloss.training.layers import LAYERS

if TYPE_CHECKING:
    from anyloss.training.model import Model

__all__ = ["load_model", "save_model"]

FORMAT = "anyloss.model"
VERSION = 1
#: The entries the checksum covers (every one ``load_model`` reads).
CONTENTS = ("architecture", "compile_config", "weights", "optimizer_state")


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
    return digest.hexdigest()


def _serialize_structure(spec: Any) -> Any:
    """Losses/metrics in their list/dict structure; every leaf through ``anyloss.serialize``."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, Mapping):
        return {str(k): _serialize_structure(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_serialize_structure(v) for v in spec]
    return anyloss.serialize(spec)


def _deserialize_structure(spec: Any, custom_objects: Mapping[str, Any] | None) -> Any:
    """Inverse of :func:`_serialize_structure`; a dict with ``class_name`` is one object.

    Built-in names (``"mse"``, ``"accuracy"``) stay strings, as the user wrote them; registered
    names (``"package>name"``) resolve now, so a missing registration fails at load time.
    """
    if spec is None or (isinstance(spec, str) and ">" not in spec):
        return spec
    if isinstance(spec, Mapping) and "class_name" not in spec:
        return {k: _deserialize_structure(v, custom_objects)
                for k, v in spec.items()}
    if isinstance(spec, list):
        return [_deserialize_structure(v, custom_objects) for v in spec]
    return anyloss.deserialize(spec, custom_objects=custom_objects)


def _architecture(model: Model) -> dict[str, Any]:
    from anyloss.training.model import Sequential

    if isinstance(model, Sequential) and all(type(layer) in LAYERS.values()
                                             for layer in model.layers):
        layers = [{"class_name": type(layer).__name__, "config": layer.get_config()}
                  for layer in model.layers]
        return {"class_name": "Sequential", "layers": layers}
    return {"class_name": "Model", "module": type(model.module).__name__,
            "output_names": model.output_names}


def save_model(model: Model, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically (temporary file + ``os.replace``)."""
    if dist.is_available() and dist.is_initialized() and dist.get_rank() != 0:
        return
    compile_config = None
    if model.compile_args is not None:
        args = model.compile_args
        optimizer = model.optimizer
        compile_config = {
            "optimizer": optimizers.optimizer_config(optimizer) if optimizer is not None
            else optimizers.name_config(args["optimizer"]),
            "loss": _serialize_structure(args["loss"]),
            "loss_weights": args["loss_weights"],
            "metrics": _serialize_structure(args["metrics"]),
        }
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": json.dumps(_architecture(model)),
        "compile_config": json.dumps(compile_config),
        "weights": {k: v.detach().cpu() for k, v in model.module.state_dict().items()},
        "optimizer_state": model.optimizer.state_dict() if model.optimizer is not None else None,
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


def _read(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        msg = f"No model file at {path!r}."
        raise FileNotFoundError(msg)
    if os.path.isdir(path):
        msg = (f"{path!r} is a directory, not an anyloss model file. Pass the path of the file "
               "that model.save() wrote.")
        raise ValueError(msg)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        msg = (f"{path!r} is not a readable anyloss model file (truncated, corrupted, or not "
               f"written by model.save()). Re-save the model with model.save(). Cause: "
               f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        raise ValueError(msg) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        msg = (f"{path!r} is a PyTorch file but not an anyloss model (no {FORMAT!r} header). "
               "Load plain state_dicts with module.load_state_dict(torch.load(path)).")
        raise ValueError(msg)
    if payload.get("version") != VERSION:
        msg = (f"{path!r} has anyloss model format version {payload.get('version')!r}; this "
               f"anyloss reads version {VERSION}.")
        raise ValueError(msg)
    missing = [key for key in CONTENTS if key not in payload]
    if missing:
        raise _damaged(path, f"it lacks the entries {missing}")
    # Files written before the checksum existed have none; every file written now has one.
    if "checksum" in payload and payload["checksum"] != _checksum(payload):
        raise _damaged(path, "its contents do not match the checksum model.save() stored")
    return payload


def _damaged(path: str, what: str) -> ValueError:
    msg = (f"{path!r} is a damaged anyloss model file: {what}. It was changed or corrupted "
           "after model.save() wrote it; re-save the model with model.save().")
    return ValueError(msg)


def _json_entry(payload: Mapping[str, Any], key: str, path: str) -> Any:
    try:
        return json.loads(payload[key])
    except (TypeError, ValueError) as err:
        raise _damaged(path, f"its {key!r} entry is not valid JSON ({type(err).__name__})") \
            from None


def _build(architecture: Any, module: torch.nn.Module | None, path: str) -> Model:
    from anyloss.training.model import Model, Sequential

    if not isinstance(architecture, dict) or architecture.get("class_name") not in (
            "Sequential", "Model"):
        raise _damaged(path, "its architecture is not a Sequential or Model description")
    if module is not None:
        return Model(module, output_names=architecture.get("output_names"))
    if architecture.get("class_name") != "Sequential":
        msg = (f"This file holds a Model({architecture.get('module')}) whose architecture is "
               "Python code, which loading never executes. Build the module again and pass it: "
               f"load_model(path, module={architecture.get('module')}(...)).")
        raise ValueError(msg)
    entries = architecture.get("layers")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("class_name") in LAYERS and isinstance(
                e.get("config"), dict) for e in entries):
        raise _damaged(path, "its Sequential architecture names unknown layers or configs")
    try:
        layers = [LAYERS[entry["class_name"]](**entry["config"]) for entry in entries]
    except (TypeError, ValueError) as err:
        raise _damaged(path, f"a layer cannot be rebuilt ({type(err).__name__}: {err})") \
            from None
    return Sequential(layers)


def load_model(path: str | os.PathLike[str], custom_objects: Mapping[str, Any] | None = None,
               module: torch.nn.Module | None = None, compile: bool = True) -> Model:
    """Load a model written by ``model.save(path)``.

    Args:
        path: the file.
        custom_objects: ``{name: object}`` for custom losses that are not registered.
        module: the ``torch.nn.Module`` of a ``Model(module)`` (its architecture is code, which
            is never stored); not needed for a ``Sequential`` of anyloss layers.
        compile: restore the optimizer (with its state), losses and metrics.
    """
    path = os.fspath(path)
    payload = _read(path)
    model = _build(_json_entry(payload, "architecture", path), module, path)
    if not isinstance(payload["weights"], Mapping):
        raise _damaged(path, "its weights are not a state_dict")
    try:
        model.module.load_state_dict(payload["weights"])
    except RuntimeError as err:
        msg = (f"The weights in {os.fspath(path)!r} do not fit the module: "
               f"{str(err).splitlines()[0]} Pass the same architecture that was saved.")
        raise ValueError(msg) from None
    config = _json_entry(payload, "compile_config", path)
    if config is not None and not (isinstance(config, dict) and {
            "optimizer", "loss", "loss_weights", "metrics"} <= set(config)):
        raise _damaged(path, "its compile config lacks optimizer, loss, loss_weights or metrics")
    if compile and config is not None:
        loss = _deserialize_structure(config["loss"], custom_objects)
        metrics = _deserialize_structure(config["metrics"], custom_objects)
        try:
            optimizer = optimizers.from_config(config["optimizer"], model.module.parameters())
        except ValueError as err:
            msg = (f"{err} The saved optimizer is not a torch.optim class, so it cannot be "
                   "rebuilt by name: load with compile=False and call compile() again.")
            raise ValueError(msg) from None
        except (AttributeError, KeyError, TypeError) as err:
            raise _damaged(path, f"its optimizer config cannot be rebuilt ({type(err).__name__})"
                           ) from None
        model.compile(optimizer=optimizer, loss=loss,
                      loss_weights=config["loss_weights"], metrics=metrics)
        if payload["optimizer_state"] is not None and model.optimizer is not None:
            try:
                model.optimizer.load_state_dict(payload["optimizer_state"])
            except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
                raise _damaged(path, f"its optimizer state does not fit the optimizer "
                                     f"({type(err).__name__}); load_model(path, compile=False) "
                                     "restores the weights alone") from None
    return model
