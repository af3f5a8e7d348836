"""Turn ``fit``/``evaluate``/``predict`` inputs into batches of torch tensors.

Owns ``x``/``y``/``sample_weight``/``class_weight``, ``validation_split``, shuffling and
batching (Keras' DataAdapter + EpochIterator). Inputs are NumPy arrays, torch tensors, lists,
or tuples/lists/dicts of those (multi-input/output), or an iterable such as a
``torch.utils.data.DataLoader`` yielding ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

from anyloss.container import flatten_with_path

__all__ = [
    "ArrayBatches",
    "EpochIterator",
    "LoaderBatches",
    "class_weight_to_sample_weight",
    "is_array_data",
    "make_batches",
    "seed_from_env",
    "to_device",
    "to_tensors",
    "train_validation_split",
    "with_class_weight",
]


def map_structure(fn: Any, data: Any) -> Any:
    """Apply ``fn`` to every leaf of a tuple/list/dict structure."""
    if isinstance(data, Mapping):
        return {k: map_structure(fn, v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(map_structure(fn, v) for v in data)
    return fn(data)


def _leaf_to_tensor(value: Any) -> Any:
    if value is None or isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind == "f":
        # Keras' floatx: float64 NumPy data trains in float32.
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    if array.dtype.kind in "biu":
        return torch.from_numpy(np.ascontiguousarray(array))
    msg = (
        f"Cannot turn an array of dtype {array.dtype} into a tensor: x, y and sample_weight "
        "must be numeric."
    )
    raise ValueError(msg)


def _is_leaf_array(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, np.ndarray)) or (
        isinstance(value, list)
        and bool(value)
        and not isinstance(value[0], (list, tuple, np.ndarray, torch.Tensor))
    )


def to_tensors(data: Any) -> Any:
    """NumPy arrays, lists and tensors (nested) -> torch tensors; a list of numbers is one array."""
    if data is None or _is_leaf_array(data):
        return _leaf_to_tensor(data)
    if isinstance(data, list) and data and isinstance(data[0], list):
        return _leaf_to_tensor(data)
    return map_structure(_leaf_to_tensor, data)


def to_device(data: Any, device: torch.device) -> Any:
    """Move every tensor of a nested structure to ``device`` (a no-op when already there)."""
    if isinstance(data, torch.Tensor):
        return data if data.device == device else data.to(device, non_blocking=True)
    if data is None:
        return None
    return map_structure(lambda t: to_device(t, device) if t is not None else None, data)


def is_array_data(x: Any) -> bool:
    """True for arrays and tuples/lists/dicts of arrays (not for loaders or generators)."""
    if x is None or isinstance(x, (torch.Tensor, np.ndarray, list)):
        return True
    if isinstance(x, Mapping):
        return all(is_array_data(v) for v in x.values())
    if isinstance(x, tuple):
        return all(is_array_data(v) for v in x)
    return False


def reject_scalars(**arrays: Any) -> None:
    """``ValueError`` naming the argument when a leaf of ``x``/``y``/``sample_weight`` is a
    scalar (a number or a 0-d array): data needs a batch axis."""
    for arg, data in arrays.items():
        if data is None:
            continue
        one_array = _is_leaf_array(data) or (
            isinstance(data, list) and bool(data) and isinstance(data[0], list)
        )  # a list of numbers (or of lists) is one array, as in to_tensors
        leaves = (
            [(arg, data)]
            if _is_scalar(data)
            else [(n, v) for n, v in _named_leaves(data, arg) if _is_scalar(v)]
            if isinstance(data, (list, tuple, Mapping)) and not one_array
            else []
        )
        for name, value in leaves:
            msg = (
                f"Argument `{name}` is a scalar ({value!r}); fit, evaluate and predict need "
                "arrays whose first axis is the batch, e.g. np.array([[5.0]]) for one sample "
                "with one feature, or x.reshape(-1, 1) for one feature per sample."
            )
            raise ValueError(msg)


def _is_scalar(value: Any) -> bool:
    if isinstance(value, (bool, int, float, complex, np.generic)):
        return True
    return isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim == 0


def _named_leaves(data: Any, name: str) -> list[tuple[str, Any]]:
    """``(label, leaf)`` for every non-``None`` leaf, labelled like ``y['a'][0]``."""
    return [
        (name + "".join(f"[{key!r}]" for key in path), leaf)
        for path, leaf in flatten_with_path(data)
        if leaf is not None
    ]


def num_samples(**arrays: Any) -> int:
    """The common first dimension of every array; ``ValueError`` naming the odd one out."""
    sizes = [
        (name, int(leaf.shape[0]))
        for arg, data in arrays.items()
        for name, leaf in _named_leaves(data, arg)
    ]
    if not sizes:
        msg = "Argument `x` is empty: fit/evaluate/predict need at least one input array."
        raise ValueError(msg)
    if len({n for _, n in sizes}) > 1:
        listing = ", ".join(f"{name}: {n}" for name, n in sizes)
        msg = (
            f"Data cardinality is ambiguous: every array needs the same number of samples "
            f"(first dimension). Received {listing}. Make x, y and sample_weight the same "
            "length."
        )
        raise ValueError(msg)
    return sizes[0][1]


def _take(data: Any, index: Any) -> Any:
    if data is None:
        return None
    return map_structure(lambda t: None if t is None else t[index], data)


def train_validation_split(
    arrays: tuple[Any, ...],
    validation_split: float,
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Split off the **last** ``validation_split`` fraction, before any shuffling (Keras)."""
    if not 0.0 < validation_split < 1.0:
        msg = (
            f"Argument `validation_split` must be a float in (0, 1). Received: "
            f"validation_split={validation_split!r}"
        )
        raise ValueError(msg)
    n = num_samples(**{f"arg{i}": a for i, a in enumerate(arrays)})
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        msg = (
            f"validation_split={validation_split} leaves one side empty with {n} samples "
            f"({split_at} for training, {n - split_at} for validation). Use more data or a "
            "split between them."
        )
        raise ValueError(msg)
    train = tuple(_take(a, slice(0, split_at)) for a in arrays)
    val = tuple(_take(a, slice(split_at, n)) for a in arrays)
    return train, val


def class_weight_to_sample_weight(y: Any, class_weight: Mapping[int, float]) -> torch.Tensor:
    """Per-sample weights from a ``{class index: weight}`` dict (missing classes weigh 1)."""
    if not isinstance(class_weight, Mapping) or not all(
        isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in class_weight
    ):
        msg = (
            f"Argument `class_weight` must be a dict of int class index -> weight, e.g. "
            f"{{0: 1.0, 1: 5.0}}. Received: class_weight={class_weight!r}"
        )
        raise ValueError(msg)
    if not isinstance(y, torch.Tensor):
        msg = (
            "Argument `class_weight` needs a single-output `y` array; it is not supported "
            "for multi-output models. Pass per-output `sample_weight` instead."
        )
        raise ValueError(msg)
    labels = y
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(dim=-1)
    elif labels.ndim > 1:
        labels = labels.squeeze(-1)
    labels = torch.round(labels.double()).long()
    table = torch.ones(int(max(labels.max().item(), *class_weight)) + 1, dtype=torch.float32)
    for k, weight in class_weight.items():
        table[int(k)] = float(weight)
    return table[labels]


SEED_VARIABLE = "ANYLOSS_SEED"


def with_class_weight(y: Any, sample_weight: Any, class_weight: Mapping[int, float] | None) -> Any:
    """``sample_weight``, or the sample weights that ``class_weight`` stands for (Keras:
    the two are mutually exclusive)."""
    if class_weight is None:
        return sample_weight
    if sample_weight is not None:
        msg = (
            "Arguments `sample_weight` and `class_weight` are mutually exclusive: "
            "fold the class weights into your sample weights."
        )
        raise ValueError(msg)
    return class_weight_to_sample_weight(y, class_weight)


def seed_from_env() -> int | None:
    """The shuffling seed in ``ANYLOSS_SEED`` (``None`` when unset): with it, the order of
    epoch ``e`` is a function of ``(seed, e)`` alone, so a run resumed with
    ``fit(..., initial_epoch=e)`` shuffles exactly as the uninterrupted run did, however much
    of torch's global random stream the script used before ``fit``."""
    raw = os.environ.get(SEED_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        seed = int(raw)
    except ValueError:
        seed = -1
    if not 0 <= seed < 2**62:
        msg = (
            f"{SEED_VARIABLE}={raw!r} is not a seed: set it to a non-negative integer below "
            f"2**62, e.g. {SEED_VARIABLE}=0, or unset it to shuffle from torch's global "
            "random generator."
        )
        raise ValueError(msg)
    return seed


class ArrayBatches:
    """Batches of in-memory tensors, reshuffled every epoch.

    In distributed training every process draws the same permutation (``seed``) and takes its
    contiguous share of each **global** batch of ``batch_size`` samples, so the processes
    together see exactly the batches a single process would. ``loss_scale`` (yielded with
    each batch) is ``local_size * world_size / global_size``: averaging gradients over
    processes then gives the gradient of the global batch mean even for a short last batch.

    Without ``seed``, the order is drawn from ``ANYLOSS_SEED`` and the epoch when the variable
    is set, else from torch's global generator.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        batch_size: int,
        shuffle: bool,
        rank: int = 0,
        world_size: int = 1,
        seed: int | None = None,
    ) -> None:
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.size = num_samples(x=x, y=y, sample_weight=sample_weight)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rank, self.world_size = rank, world_size
        self.seed = seed_from_env() if seed is None and shuffle else seed
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(self.size / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _order(self) -> torch.Tensor | None:
        if not self.shuffle:
            return None
        if self.seed is None:
            return torch.randperm(self.size)
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return torch.randperm(self.size, generator=generator)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any, float]]:
        order = self._order()
        for start in range(0, self.size, self.batch_size):
            stop = min(start + self.batch_size, self.size)
            index: Any = slice(start, stop) if order is None else order[start:stop]
            scale = 1.0
            if self.world_size > 1:
                positions = torch.arange(start, stop).tensor_split(self.world_size)[self.rank]
                index = positions if order is None else order[positions]
                scale = len(positions) * self.world_size / (stop - start)
            yield (
                _take(self.x, index),
                _take(self.y, index),
                _take(self.sample_weight, index),
                scale,
            )


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> a 3-tuple."""
    if isinstance(data, (tuple, list)):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data[0], data[1], data[2]
        msg = (
            f"A batch from the data iterable must be x, (x, y) or (x, y, sample_weight); "
            f"got a {type(data).__name__} of {len(data)} elements."
        )
        raise ValueError(msg)
    return data, None, None


class LoaderBatches:
    """Batches from an iterable (e.g. a ``DataLoader``), resharded with a
    ``DistributedSampler`` in distributed training."""

    def __init__(self, loader: Any, rank: int = 0, world_size: int = 1) -> None:
        if (
            world_size > 1
            and isinstance(loader, DataLoader)
            and not isinstance(loader.sampler, DistributedSampler)
        ):
            sampler: DistributedSampler[Any] = DistributedSampler(
                loader.dataset,
                num_replicas=world_size,
                rank=rank,
                shuffle=isinstance(loader.sampler, RandomSampler),
            )
            loader = DataLoader(
                loader.dataset,
                batch_size=loader.batch_size,
                sampler=sampler,
                num_workers=loader.num_workers,
                collate_fn=loader.collate_fn,
                pin_memory=loader.pin_memory,
                drop_last=loader.drop_last,
            )
        self.loader = loader

    def __len__(self) -> int:
        return len(self.loader)

    def set_epoch(self, epoch: int) -> None:
        sampler = getattr(self.loader, "sampler", None)
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any, float]]:
        for data in self.loader:
            x, y, sample_weight = unpack_x_y_sample_weight(data)
            yield to_tensors(x), to_tensors(y), to_tensors(sample_weight), 1.0


def make_batches(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    batch_size: int | None = 32,
    shuffle: bool = False,
    rank: int = 0,
    world_size: int = 1,
    seed: int | None = None,
) -> ArrayBatches | LoaderBatches:
    """Batches for arrays (``batch_size`` is the global batch) or for a data iterable."""
    reject_scalars(x=x, y=y, sample_weight=sample_weight)
    if not is_array_data(x):
        if y is not None or sample_weight is not None:
            msg = (
                "When `x` is a DataLoader or another iterable, it must yield the targets "
                "itself: do not pass `y` or `sample_weight`."
            )
            raise ValueError(msg)
        return LoaderBatches(x, rank, world_size)
    batch_size = 32 if batch_size is None else batch_size
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        msg = f"Argument `batch_size` must be a positive int. Received: batch_size={batch_size!r}"
        raise ValueError(msg)
    return ArrayBatches(
        to_tensors(x),
        to_tensors(y),
        to_tensors(sample_weight),
        batch_size,
        shuffle,
        rank,
        world_size,
        seed,
    )


def _check_steps(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = (
            f"Argument `{name}` must be a positive int (batches per epoch) or None (the whole "
            f"data). Received: {name}={value!r}"
        )
        raise ValueError(msg)
    return value


class EpochIterator:
    """One epoch of batches at a time, with Keras' ``steps_per_epoch`` rules.

    Without ``steps``, every epoch runs over the whole data: a ``DataLoader``, array batches or
    any re-iterable restart each epoch. With ``steps``, an epoch takes the next ``steps``
    batches of **one** iterator that persists across epochs (a Python generator can be
    endless), restarted when data of known length has been seen whole. A one-shot iterator
    (``iter(x) is x``, e.g. a generator) that runs out sets :attr:`ran_out`: ``fit`` then warns
    and stops, as Keras says it does ("Your input ran out of data; interrupting training").

    Args:
        batches: :class:`ArrayBatches` or :class:`LoaderBatches`.
        steps: batches per epoch, or ``None`` for the whole data.
        argument: the argument's name for error messages (``steps_per_epoch``, ...).
    """

    def __init__(self, batches: Any, steps: int | None = None, argument: str = "steps") -> None:
        self.batches = batches
        self.steps = _check_steps(steps, argument)
        try:
            self.num_batches: int | None = len(batches)
        except TypeError:
            self.num_batches = None
        source = getattr(batches, "loader", batches)
        self.one_shot = iter(source) is source if isinstance(source, Iterator) else False
        self._iterator: Iterator[Any] | None = None
        self._seen = 0
        self._peeked: list[Any] = []
        self.ran_out = False

    def __len__(self) -> int:
        if self.steps is not None:
            return self.steps
        if self.num_batches is None:
            raise TypeError("the number of batches of this data is not known")
        return self.num_batches

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def peek(self) -> Any:
        """The next epoch's first batch, without consuming it (to build lazy layers)."""
        if not self.one_shot and self.steps is None:
            return next(iter(self.batches))
        if not self._peeked:
            iterator = self._current()
            try:
                self._peeked.append(next(iterator))
            except StopIteration:
                msg = (
                    "The data iterable yielded no batch. Pass a generator or DataLoader that "
                    "yields (x, y) or (x, y, sample_weight) batches."
                )
                raise ValueError(msg) from None
        return self._peeked[0]

    def _current(self) -> Iterator[Any]:
        if self._iterator is None:
            self._iterator = iter(self.batches)
            self._seen = 0
        return self._iterator

    def _next(self, iterator: Iterator[Any]) -> Any:
        if self._peeked:
            return self._peeked.pop()
        return next(iterator)

    def __iter__(self) -> Iterator[Any]:
        if self.ran_out:
            return
        if self.steps is None and not self.one_shot:
            self._iterator = None
        iterator = self._current()
        step = 0
        while self.steps is None or step < self.steps:
            if self.num_batches is not None and self._seen >= self.num_batches:
                break
            try:
                batch = self._next(iterator)
            except StopIteration:
                if self.one_shot:
                    self.ran_out = True
                self._iterator = None
                break
            self._seen += 1
            step += 1
            yield batch
        if self.num_batches is not None and self._seen >= self.num_batches:
            self._iterator = None
