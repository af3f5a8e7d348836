"""Checkpoints under damage: cut at any byte, bytes flipped, foreign files, and saves that fail
at any write step.

A damaged or foreign file must raise ``ValueError`` naming the file and the fix, never another
exception, never load other weights, and never run code; a failed save must leave the previous
checkpoint as it was.

Truncation: a torch checkpoint is a zip whose index (central directory and end record) is at the
end, so a cut anywhere removes the index and the reader fails before reading any entry. What a
cut can still leave differs only near the two ends: the first bytes (no zip signature at all, a
partial local header) and the last kilobyte (a partial index that may name entries). CI tries
every offset in those two regions and a hypothesis sample of the middle; the ``thorough``
profile tries every offset of the file.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from anyloss.layers import Dense
from anyloss.models import Sequential, load_model
from anyloss.training import saving
from tests.properties.families import scaled

X = np.random.default_rng(3).normal(size=(8, 3)).astype("float32")
HEAD, TAIL = 512, 1024


def small_model() -> Sequential:
    m = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    m.fit(X, X[:, :2], epochs=1, batch_size=4, verbose=0)
    return m


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> tuple[bytes, np.ndarray]:
    """The bytes of a small model's checkpoint and that model's predictions."""
    path = tmp_path_factory.mktemp("ckpt") / "m.pt"
    model = small_model()
    model.save(path)
    return path.read_bytes(), model.predict(X)


def assert_clear_error(path: Path, **kwargs) -> str:
    """``load_model(path)`` raises ValueError naming the file and saying what to do."""
    with pytest.raises(ValueError) as info:  # noqa: PT011 - the message is checked below
        load_model(path, **kwargs)
    message = str(info.value)
    assert str(path) in message, message
    assert any(fix in message for fix in ("model.save()", "Pass the path", "load_state_dict",
                                          "compile=False")), message
    return message


def test_the_checkpoint_loads(checkpoint, tmp_path):
    data, predictions = checkpoint
    (tmp_path / "m.pt").write_bytes(data)
    np.testing.assert_array_equal(load_model(tmp_path / "m.pt").predict(X), predictions)


def _offsets(size: int) -> list[int]:
    if settings.default.max_examples >= 1000:  # thorough: every byte
        return list(range(size))
    return sorted(set(range(min(HEAD, size))) | set(range(max(0, size - TAIL), size)))


def test_cut_at_every_offset_of_the_header_and_the_index(checkpoint, tmp_path):
    data, _ = checkpoint
    path = tmp_path / "cut.pt"
    offsets = _offsets(len(data))
    for n in offsets:
        path.write_bytes(data[:n])
        assert_clear_error(path)
    assert len(offsets) >= min(len(data), HEAD + TAIL)


def test_cut_anywhere_in_the_middle(checkpoint, tmp_path):
    data, _ = checkpoint
    path = tmp_path / "cut.pt"

    @scaled(0.5)
    @given(n=st.integers(HEAD, max(HEAD, len(data) - TAIL)))
    def check(n):
        path.write_bytes(data[:n])
        assert_clear_error(path)

    check()


def test_a_flipped_byte_never_loads_other_weights(checkpoint, tmp_path):
    """Any single damaged byte: a clear ValueError, or (zip padding and metadata) the same
    model. The stored checksum is what catches a damaged weight."""
    data, predictions = checkpoint
    path = tmp_path / "flip.pt"

    @scaled(1.0)
    @given(offset=st.integers(0, len(data) - 1), mask=st.integers(1, 255))
    def check(offset, mask):
        damaged = bytearray(data)
        damaged[offset] ^= mask
        path.write_bytes(bytes(damaged))
        try:
            model = load_model(path)
        except ValueError as err:
            message = str(err)
        else:
            np.testing.assert_array_equal(model.predict(X), predictions)
            return
        assert str(path) in message

    check()


def test_a_changed_weight_under_the_old_checksum_is_refused(checkpoint, tmp_path):
    data, _ = checkpoint
    payload = torch.load(io.BytesIO(data), weights_only=True)
    name = next(iter(payload["weights"]))
    payload["weights"][name] = payload["weights"][name] + 1.0
    torch.save(payload, tmp_path / "edited.pt")
    assert "checksum" in assert_clear_error(tmp_path / "edited.pt")


class _Opens:
    """Unpickling this calls ``open(marker, "w")``: the file appears if the pickle runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _header(**entries) -> dict:
    return {"format": saving.FORMAT, "version": saving.VERSION, **entries}


def _foreign_files(folder: Path, data: bytes) -> dict[str, Path]:
    marker = folder / "code-ran"
    files: dict[str, Path] = {}

    def write(name: str, content: bytes) -> None:
        files[name] = folder / f"{name}.pt"
        files[name].write_bytes(content)

    write("empty", b"")
    write("text", b"hello, I am not a model\n")
    write("json", json.dumps({"format": saving.FORMAT, "version": 1}).encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", b"not a pickle")
        z.writestr("archive/version", b"3\n")
    write("zip", buf.getvalue())
    write("plain-pickle", pickle.dumps(_header(architecture="{}"), protocol=2))
    write("pickle-that-runs-code", pickle.dumps(_Opens(marker)))
    write("numpy-npy", b"\x93NUMPY" + data[6:200])
    for name, obj in {
        "torch-with-code": _header(payload=_Opens(marker)),
        "torch-state_dict": {"weight": torch.ones(2)},
        "torch-list": [1, 2, 3],
        "torch-no-entries": _header(),
        "torch-bad-json": _header(architecture="{not json", compile_config="null", weights={},
                                  optimizer_state=None),
        "torch-unknown-layer": _header(
            architecture=json.dumps({"class_name": "Sequential",
                                     "layers": [{"class_name": "os.system", "config": {}}]}),
            compile_config="null", weights={}, optimizer_state=None),
        "torch-bad-layer-config": _header(
            architecture=json.dumps({"class_name": "Sequential",
                                     "layers": [{"class_name": "Dense",
                                                 "config": {"units": "x", "bogus": 1}}]}),
            compile_config="null", weights={}, optimizer_state=None),
        "torch-weights-list": _header(
            architecture=json.dumps({"class_name": "Sequential", "layers": []}),
            compile_config="null", weights=[1], optimizer_state=None),
        "torch-compile-config-list": _header(
            architecture=json.dumps({"class_name": "Sequential", "layers": []}),
            compile_config="[1]", weights={}, optimizer_state=None),
        "torch-architecture-module-path": _header(
            architecture=json.dumps({"class_name": "subprocess.Popen"}),
            compile_config="null", weights={}, optimizer_state=None),
    }.items():
        buf = io.BytesIO()
        torch.save(obj, buf)
        write(name, buf.getvalue())
    buf = io.BytesIO()
    torch.save(_header(), buf, _use_new_zipfile_serialization=False)
    write("torch-legacy-format", buf.getvalue())
    files["directory"] = folder / "a-directory.pt"
    files["directory"].mkdir()
    return files


FOREIGN = ["empty", "text", "json", "zip", "plain-pickle", "pickle-that-runs-code", "numpy-npy",
           "torch-with-code", "torch-state_dict", "torch-list", "torch-no-entries",
           "torch-bad-json", "torch-unknown-layer", "torch-bad-layer-config",
           "torch-weights-list", "torch-compile-config-list", "torch-architecture-module-path",
           "torch-legacy-format", "directory"]


@pytest.mark.parametrize("kind", FOREIGN)
def test_foreign_files_raise_a_clear_value_error_and_run_no_code(kind, checkpoint, tmp_path):
    files = _foreign_files(tmp_path, checkpoint[0])
    assert sorted(files) == sorted(FOREIGN)
    assert_clear_error(files[kind])
    assert_clear_error(files[kind], compile=False)
    assert not (tmp_path / "code-ran").exists()


def test_random_bytes_raise_a_clear_value_error(tmp_path):
    path = tmp_path / "random.pt"

    @scaled(0.5)
    @given(content=st.binary(max_size=2048))
    def check(content):
        path.write_bytes(content)
        assert_clear_error(path)

    check()


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "nothing.pt")


# --- a save that fails: the previous checkpoint stays ---------------------------------------

def _only_the_checkpoint(folder: Path, previous: bytes) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["m.pt"], "a temporary file was left"
    assert (folder / "m.pt").read_bytes() == previous
    load_model(folder / "m.pt")


class _FailingWrites:
    """A file whose ``n``-th ``write`` raises (``n=None``: count the writes)."""

    def __init__(self, f, fail_at: int | None, count: list[int]) -> None:
        self._f, self._fail_at, self._count = f, fail_at, count

    def write(self, b):
        self._count[0] += 1
        if self._fail_at is not None and self._count[0] == self._fail_at:
            self._f.write(bytes(b)[: len(b) // 2])
            raise OSError("No space left on device")
        return self._f.write(b)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def _patch_writes(monkeypatch, fail_at: int | None) -> list[int]:
    real = os.fdopen
    count = [0]
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingWrites(real(fd, mode), fail_at,
                                                                      count))
    return count


def test_a_save_failing_at_any_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model = small_model()
    path = tmp_path / "m.pt"
    model.save(path)
    previous = path.read_bytes()
    with monkeypatch.context() as m:
        writes = _patch_writes(m, None)
        model.save(tmp_path / "count.pt")
    (tmp_path / "count.pt").unlink()
    assert writes[0] > 10
    model.fit(X, X[:, :2], epochs=1, verbose=0)  # the next save would write other weights
    for fail_at in range(1, writes[0] + 1):
        with monkeypatch.context() as m:
            _patch_writes(m, fail_at)
            with pytest.raises(OSError, match="No space left"):
                model.save(path)
        _only_the_checkpoint(tmp_path, previous)


@pytest.mark.parametrize("step", ["mkstemp", "flush", "fsync", "replace", "interrupt"])
def test_a_save_failing_at_each_file_step_keeps_the_previous_checkpoint(step, tmp_path,
                                                                        monkeypatch):
    model = small_model()
    path = tmp_path / "m.pt"
    model.save(path)
    previous = path.read_bytes()
    error: type[BaseException] = OSError

    def fail(*args, **kwargs):
        raise OSError(f"{step} failed")

    if step == "mkstemp":
        monkeypatch.setattr(saving.tempfile, "mkstemp", fail)
    elif step == "flush":
        real = os.fdopen

        class FailingFlush(_FailingWrites):
            def flush(self):
                raise OSError("flush failed")

        monkeypatch.setattr(os, "fdopen", lambda fd, mode: FailingFlush(real(fd, mode), None,
                                                                        [0]))
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", fail)
    elif step == "replace":
        monkeypatch.setattr(os, "replace", fail)
    else:
        def interrupted(obj, f):
            f.write(b"PK\x03\x04 partial")
            raise KeyboardInterrupt

        monkeypatch.setattr(torch, "save", interrupted)
        error = KeyboardInterrupt
    with pytest.raises(error):
        model.save(path)
    monkeypatch.undo()
    _only_the_checkpoint(tmp_path, previous)


def test_a_process_killed_mid_save_keeps_the_previous_checkpoint(tmp_path):
    """``os._exit`` in the middle of writing: nothing can clean up, but ``m.pt`` is untouched
    and loads; the orphan is a hidden ``.anyloss-*.tmp`` file beside it."""
    model = small_model()
    path = tmp_path / "m.pt"
    model.save(path)
    previous = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, sys, torch
        sys.path[:0] = {sys.path!r}
        from anyloss.models import load_model
        model = load_model({str(path)!r})
        real, count = os.fdopen, [0]

        class Dying:
            def __init__(self, f): self.f = f
            def write(self, b):
                count[0] += 1
                if count[0] == 20:
                    self.f.write(bytes(b)[:3]); self.f.flush(); os._exit(9)
                return self.f.write(b)
            def __getattr__(self, name): return getattr(self.f, name)
            def __enter__(self): return self
            def __exit__(self, *exc): return self.f.__exit__(*exc)

        os.fdopen = lambda fd, mode: Dying(real(fd, mode))
        model.save({str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 9, result.stderr.decode()[-2000:]
    assert path.read_bytes() == previous
    load_model(path)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "m.pt"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".anyloss-"), leftovers
