"""Keras' functional API on PyTorch: ``Input``, symbolic tensors and the graph they record.

``Input(shape=...)`` returns a :class:`KerasTensor`: a symbolic tensor that holds no data, only
the shape (batch axis ``None``), dtype and name of a model input. Calling an anyloss layer on
symbolic tensors records a node and returns symbolic outputs; ``Model(inputs, outputs)`` turns
the recorded graph into a :class:`FunctionalModule`, a ``torch.nn.Module`` that runs the nodes
in order (each layer once per node: a layer called twice shares its weights, as in Keras).

Output shapes are found by running each layer on a small concrete example (two rows of ones in
the input's dtype), which also builds lazily shaped layers. An axis of unknown size (``None``
in ``shape``) is run at two sizes, 32 and 64: the output axes whose size changes with it are
``None``. Masks (``Embedding(mask_zero=True)``) travel on the tensors at run time, as in a
``Sequential``.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

__all__ = [
    "FunctionalModule",
    "Input",
    "KerasTensor",
    "Layer",
    "TorchModuleWrapper",
    "check_name",
    "graph_from_config",
    "input_config",
    "input_from_config",
    "is_symbolic",
    "model_graph",
    "reject_symbolic",
    "shape_text",
    "snake_case",
    "symbolic_call",
]

#: The sizes an unknown (``None``) axis takes in the two shape-inference examples.
_EXAMPLE_SIZES = (32, 64)
#: The batch size of the shape-inference examples (``Input(batch_size=...)`` overrides it).
_EXAMPLE_BATCH = 2
_WRAP_HINT = (
    "Only anyloss layers (anyloss.layers) run on symbolic tensors; wrap any other "
    "torch.nn.Module first: anyloss.layers.TorchModuleWrapper(module)(x)."
)

_name_counts: dict[str, int] = {}


def _unique_name(base: str) -> str:
    """Keras' auto names, unique in the process: ``base``, ``base_1``, ``base_2``, ..."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def snake_case(name: str) -> str:
    """Keras' layer names from class names: ``Dense`` -> ``dense``, ``Conv2D`` -> ``conv2d``,
    ``MaxPooling2D`` -> ``max_pooling2d``, ``LSTM`` -> ``lstm``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _torch_dtype(dtype: Any, where: str) -> torch.dtype:
    """A ``torch.dtype`` from Keras' dtype names (``"float32"``, ``"int64"``, ...) or itself."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    found = getattr(torch, str(dtype), None) if isinstance(dtype, str) else None
    if not isinstance(found, torch.dtype):
        name = getattr(dtype, "name", None)  # a NumPy dtype
        found = getattr(torch, name, None) if isinstance(name, str) else None
    if not isinstance(found, torch.dtype):
        msg = (
            f"Argument `dtype` of {where} must be a dtype name such as 'float32', 'int32' or "
            f"'int64', or a torch.dtype. Received: dtype={dtype!r}"
        )
        raise ValueError(msg)
    return found


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _example(shape: Sequence[int | None], dtype: torch.dtype, size: int) -> torch.Tensor:
    """A batch of ones of ``shape`` (batch axis included), ``None`` axes of ``size``."""
    concrete = [_EXAMPLE_BATCH if i == 0 and d is None else d for i, d in enumerate(shape)]
    return torch.ones(*[size if d is None else d for d in concrete], dtype=dtype)


class KerasTensor:
    """A symbolic tensor: the shape, dtype and name of a value in a functional model.

    Returned by :func:`Input` and by layers called on symbolic tensors; it holds no data.
    Pass it to layers and to ``Model(inputs, outputs)``, and arrays to ``fit``/``predict``.

    Attributes:
        shape: a tuple with ``None`` for the batch axis and any axis of unknown size.
        dtype: the dtype's name, such as ``"float32"``.
        name: the input's name (``Input(name=...)``), or an automatic one.
    """

    def __init__(
        self,
        shape: tuple[int | None, ...],
        dtype: torch.dtype,
        name: str,
        examples: tuple[torch.Tensor, torch.Tensor],
        node: Node | None = None,
        index: int = 0,
    ) -> None:
        self.shape = shape
        self.name = name
        self._torch_dtype = dtype
        # Two concrete batches that differ on the axes of unknown size (the same tensor twice
        # when there are none); the layers called on this tensor run on them.
        self._examples = examples
        self._node = node
        self._index = index
        # Set by Input(): the batch size given, and whether the dtype was given (then inputs
        # are cast to it, as Keras converts them).
        self._batch_size: int | None = None
        self._cast = False

    @property
    def dtype(self) -> str:
        return _dtype_name(self._torch_dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _variable(self) -> bool:
        return self._examples[0] is not self._examples[1]

    @property
    def _is_input(self) -> bool:
        return self._node is not None and self._node.layer is None

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def _no_data(self, what: str) -> TypeError:
        return TypeError(
            f"{what} needs data, but {self!r} is a symbolic tensor (from anyloss.layers.Input "
            "or a layer called on one): it only describes a model's values. Pass arrays "
            "(np.ndarray, torch.Tensor) to the model, and symbolic tensors only to layers and "
            "to Model(inputs, outputs)."
        )

    @classmethod
    def __torch_function__(cls, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = getattr(func, "__name__", repr(func))
        msg = f"torch.{name} received a symbolic tensor (anyloss.layers.Input). {_WRAP_HINT}"
        raise TypeError(msg)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # protocols and internal lookups: a plain AttributeError
            raise AttributeError(name)
        msg = (
            f"A symbolic tensor has no attribute {name!r}: it is not a torch.Tensor but stands "
            f"for one in a functional model. {_WRAP_HINT}"
        )
        raise AttributeError(msg)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._no_data("Converting it to an array")

    def __iter__(self) -> Iterator[Any]:
        raise self._no_data("Iterating over it")

    def __len__(self) -> int:
        raise self._no_data("len()")

    def __bool__(self) -> bool:
        raise self._no_data("A truth value")


class Node:
    """One call of a layer (``layer is None``: an ``Input``) on symbolic ``args``/``kwargs``."""

    def __init__(
        self,
        layer: nn.Module | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        outputs: list[KerasTensor],
        single: bool,
    ) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.single = single  # the layer returned one tensor, not a tuple/list/dict
        self.parents = [t for t in _leaves((args, kwargs)) if isinstance(t, KerasTensor)]


def _leaves(struct: Any) -> Iterator[Any]:
    if isinstance(struct, Mapping):
        for value in struct.values():
            yield from _leaves(value)
    elif isinstance(struct, (list, tuple)):
        for value in struct:
            yield from _leaves(value)
    else:
        yield struct


def _map(fn: Callable[[Any], Any], struct: Any) -> Any:
    if isinstance(struct, Mapping):
        return {k: _map(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return type(struct)(_map(fn, v) for v in struct)
    return fn(struct)


def Input(
    shape: Sequence[int | None] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Sequence[int | None] | None = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input of a functional model, like ``keras.Input``.

    Args:
        shape: the shape of one sample (no batch axis); ``None`` for an axis of any size,
            e.g. ``(None,)`` for sequences of any length.
        batch_size: a fixed batch size (default: any).
        dtype: ``"float32"`` (default), ``"int32"``, ``"int64"``, ... or a ``torch.dtype``.
            Given explicitly, inputs are cast to it (as Keras converts them).
        sparse: only ``False``/``None`` (no sparse tensors).
        batch_shape: ``(batch_size, *shape)`` in one argument, instead of both.
        name: the input's name: ``fit(x={name: array, ...})`` keys and ``summary()`` rows
            (default: ``input_layer``, ``input_layer_1``, ...).
        tensor, optional: not supported (Keras' wrapping of an existing tensor, optional
            inputs).

    Returns:
        A :class:`KerasTensor`: call layers on it, then ``Model(inputs, outputs)``.

    Example:
        >>> import numpy as np
        >>> from anyloss.layers import Dense, Input
        >>> from anyloss.models import Model
        >>> x = Input(shape=(3,), name="features")
        >>> x.shape, x.dtype, x.name
        ((None, 3), 'float32', 'features')
        >>> y = Dense(2, name="scores")(x)
        >>> y.shape
        (None, 2)
        >>> model = Model(x, y)
        >>> model.output_names
        ['scores']
        >>> model.predict(np.ones((4, 3), dtype="float32")).shape
        (4, 2)
    """
    if sparse or tensor is not None or optional:
        given = "sparse=True" if sparse else "tensor=..." if tensor is not None else "optional"
        msg = f"Input({given}) is not supported: anyloss' inputs are dense torch tensors."
        raise ValueError(msg)
    if batch_shape is not None:
        if shape is not None or batch_size is not None:
            msg = "Input() takes `shape` (and `batch_size`) or `batch_shape`, not both."
            raise ValueError(msg)
        batch_shape = _shape_tuple("batch_shape", batch_shape)
        if not batch_shape:
            msg = "Argument `batch_shape` of Input must include the batch axis."
            raise ValueError(msg)
        batch_size, shape = batch_shape[0], batch_shape[1:]
    if shape is None:
        msg = (
            "Input() needs the shape of one sample (without the batch axis), e.g. "
            "Input(shape=(28, 28, 1)) or Input(shape=(None,)) for sequences of any length."
        )
        raise ValueError(msg)
    sample_shape = _shape_tuple("shape", shape)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        msg = f"Argument `batch_size` of Input must be a positive int. Received: {batch_size!r}"
        raise ValueError(msg)
    if name is not None and (not isinstance(name, str) or not name or "/" in name):
        msg = (
            f"Argument `name` of Input must be a non-empty string without '/'. Received: "
            f"name={name!r}"
        )
        raise ValueError(msg)
    torch_dtype = _torch_dtype(dtype, "Input")
    full = (batch_size, *sample_shape)
    first = _example(full, torch_dtype, _EXAMPLE_SIZES[0])
    second = _example(full, torch_dtype, _EXAMPLE_SIZES[1]) if None in sample_shape else first
    result = KerasTensor(full, torch_dtype, name or _unique_name("input_layer"), (first, second))
    result._node = Node(None, (), {}, [result], True)
    result._batch_size = batch_size
    result._cast = dtype is not None
    return result


def _shape_tuple(argument: str, shape: Any) -> tuple[int | None, ...]:
    if isinstance(shape, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in shape
    ):
        return tuple(shape)
    msg = (
        f"Argument `{argument}` of Input must be a tuple of ints (None for an axis of any "
        f"size), e.g. {argument}=(28, 28, 1). Received: {argument}={shape!r}"
    )
    raise ValueError(msg)


def is_symbolic(value: Any) -> bool:
    """Whether ``value`` is a :class:`KerasTensor` or a list/tuple/dict holding one."""
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple, Mapping)):
        return any(isinstance(leaf, KerasTensor) for leaf in _leaves(value))
    return False


def shape_text(value: Any) -> str:
    """Keras' summary text of a symbolic output's shape: ``(None, 3)``, or a list of them."""
    if isinstance(value, KerasTensor):
        return str(value.shape)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {shape_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(shape_text(v) for v in value) + "]"
    return "?"


def reject_symbolic(method: str, **arrays: Any) -> None:
    """``TypeError`` naming the argument of ``model.<method>()`` that is a symbolic tensor."""
    for argument, value in arrays.items():
        if is_symbolic(value):
            found = next(t for t in _leaves(value) if isinstance(t, KerasTensor))
            msg = (
                f"model.{method}() received a symbolic tensor as `{argument}`: {found!r}. "
                "Symbolic tensors (anyloss.layers.Input) describe a model's inputs and hold "
                f"no data; pass arrays instead, e.g. model.{method}({argument}=np.ones((8, "
                f"{', '.join(str(d or 1) for d in found.shape[1:])})))."
            )
            raise TypeError(msg)


# ------------------------------------------------------------------ calling layers
def check_name(layer: str, name: Any) -> str | None:
    """A layer's ``name=``: ``None`` (named by position) or a non-empty string without ``/``
    (Keras' rule, as names become paths in saved weights)."""
    if name is None or (isinstance(name, str) and name and "/" not in name):
        return name
    msg = (
        f"Argument `name` of {layer} must be a non-empty string without '/', or None. "
        f"Received: name={name!r}"
    )
    raise ValueError(msg)


class Layer(nn.Module):
    """The base of anyloss' layers: a ``torch.nn.Module`` that, called on symbolic tensors
    (:func:`Input`), records a node of a functional model instead of computing.

    Args:
        name: the layer's ``name=`` (Keras' rule: see :func:`check_name`).
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = check_name(type(self).__name__, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _any_symbolic(args) or (kwargs and _any_symbolic(tuple(kwargs.values()))):
            return symbolic_call(self, args, kwargs)
        return super().__call__(*args, **kwargs)


def _any_symbolic(args: tuple[Any, ...]) -> bool:
    for arg in args:
        if isinstance(arg, KerasTensor):
            return True
        if isinstance(arg, (list, tuple)) and any(isinstance(t, KerasTensor) for t in arg):
            return True
    return False


def _layer_label(layer: nn.Module) -> str:
    name = getattr(layer, "name", None)
    return f"{type(layer).__name__} {name!r}" if isinstance(name, str) else type(layer).__name__


def _check_arguments(layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A clear error when ``layer`` cannot take these inputs (before running it)."""
    try:
        signature = inspect.signature(layer.forward)
    except (TypeError, ValueError):
        return
    kinds = {p.kind for p in signature.parameters.values()}
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return  # a merge layer (Concatenate, Add) checks its list itself
    for arg in args:
        if isinstance(arg, (list, tuple)) and any(isinstance(t, KerasTensor) for t in arg):
            msg = (
                f"{_layer_label(layer)} takes one input tensor, but was called on a "
                f"{type(arg).__name__} of {len(arg)} symbolic tensors. Merge them first, "
                "e.g. Concatenate()([a, b]) or Add()([a, b]), and call the layer on the result."
            )
            raise ValueError(msg)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as err:
        msg = (
            f"{_layer_label(layer)} cannot be called on {len(args)} positional input(s)"
            f"{' and keywords ' + str(sorted(kwargs)) if kwargs else ''}: its forward "
            f"takes {signature} ({err})."
        )
        raise ValueError(msg) from None


def _run_example(layer: nn.Module, args: Any, kwargs: Any) -> Any:
    """``layer(*args, **kwargs)`` on concrete examples: inference mode, no gradients, on the
    layer's device; the layer's modes are restored after."""
    weight = next(itertools.chain(layer.parameters(), layer.buffers()), None)
    if weight is not None and not isinstance(weight, nn.parameter.UninitializedParameter):
        target = weight.device
        args, kwargs = _map(
            lambda t: t.to(target) if isinstance(t, torch.Tensor) else t, (args, kwargs)
        )
    modes = [(m, m.training) for m in layer.modules()]
    layer.train(False)
    try:
        with torch.no_grad():
            return nn.Module.__call__(layer, *args, **kwargs)
    finally:
        for module, mode in modes:
            module.training = mode


def _concrete(value: Any, index: int) -> Any:
    return value._examples[index] if isinstance(value, KerasTensor) else value


def symbolic_call(layer: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call ``layer`` on symbolic tensors: run it on their examples (building it), record a
    :class:`Node` and return symbolic outputs of the same structure as the layer's."""
    _check_arguments(layer, args, kwargs)
    inputs = [t for t in _leaves((args, kwargs)) if isinstance(t, KerasTensor)]
    variable = any(t._variable for t in inputs)
    runs = []
    for i in range(2 if variable else 1):
        concrete, concrete_kw = _map(functools.partial(_concrete, index=i), (args, kwargs))
        try:
            runs.append(_run_example(layer, concrete, concrete_kw))
        except Exception as err:
            shapes = ", ".join(str(t.shape) for t in inputs)
            err.add_note(
                f"(raised by {_layer_label(layer)} called on symbolic inputs of shape {shapes}; "
                "anyloss runs the layer on an example batch of ones to infer its output shape)"
            )
            raise
    first = list(_leaves(runs[0]))
    second = list(_leaves(runs[-1]))
    if not first or not all(isinstance(t, torch.Tensor) for t in first):
        msg = (
            f"{_layer_label(layer)} returned {type(runs[0]).__name__}, not tensors: a layer in "
            "a functional model must return a tensor or a tuple/list/dict of tensors."
        )
        raise TypeError(msg)
    fixed_batch = all(not t.shape or t.shape[0] is not None for t in inputs)
    outputs = []
    for a, b in zip(first, second, strict=True):
        if a.ndim != b.ndim:
            msg = (
                f"{_layer_label(layer)} returns outputs whose rank depends on the input's size "
                "on an axis of unknown size (None); give that axis a size in Input(shape=...)."
            )
            raise ValueError(msg)
        dims = [x if x == y else None for x, y in zip(a.shape, b.shape, strict=True)]
        if dims and not fixed_batch:
            dims[0] = None
        outputs.append(KerasTensor(tuple(dims), a.dtype, _unique_name("keras_tensor"), (a, b)))
    single = isinstance(runs[0], torch.Tensor)
    node = Node(layer, args, kwargs, outputs, single)
    for index, tensor in enumerate(outputs):
        tensor._node, tensor._index = node, index
    if single:
        return outputs[0]
    found = iter(outputs)
    return _map(lambda _: next(found), runs[0])


class TorchModuleWrapper(Layer):
    """Any ``torch.nn.Module`` as a layer of a functional model (Keras 3's
    ``keras.layers.TorchModuleWrapper``).

    Args:
        module: the module; it is called with the layer's inputs.
        name: the layer's name in ``summary()`` and output names.

    A model with a wrapped module saves its weights, but its architecture is Python code:
    load it with ``load_model(path, module=...)``.

    Example:
        >>> import torch
        >>> from anyloss.layers import Input, TorchModuleWrapper
        >>> x = Input(shape=(4,))
        >>> TorchModuleWrapper(torch.nn.Linear(4, 2))(x).shape
        (None, 2)
    """

    def __init__(self, module: nn.Module, name: str | None = None) -> None:
        super().__init__()
        if not isinstance(module, nn.Module):
            msg = (
                "Argument `module` of TorchModuleWrapper must be a torch.nn.Module. "
                f"Received: {type(module).__name__}"
            )
            raise TypeError(msg)
        self.module = module
        self.name = name

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)


# ------------------------------------------------------------------ the graph
class _Slot:
    """Where a tensor lives while the graph runs: index ``i`` of the value table."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i


def _fill(template: Any, values: list[Any]) -> Any:
    if isinstance(template, _Slot):
        return values[template.i]
    if isinstance(template, Mapping):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, (list, tuple)):
        return type(template)(_fill(v, values) for v in template)
    return template


def _structure(value: Any, argument: str) -> tuple[Any, list[KerasTensor]]:
    """``(structure, flat tensors)`` of ``inputs``/``outputs``: one tensor, a list/tuple or a
    dict of them; every leaf must be a symbolic tensor."""
    if isinstance(value, Mapping):
        flat = list(value.values())
    elif isinstance(value, (list, tuple)):
        flat = list(value)
    else:
        flat = [value]
    bad = [v for v in flat if not isinstance(v, KerasTensor)]
    if not flat or bad:
        kind = "Input(...) tensors" if argument == "inputs" else "layers' outputs"
        seen = f"a {type(bad[0]).__name__}" if bad else "an empty structure"
        msg = (
            f"Argument `{argument}` of Model(inputs, outputs) must be symbolic tensors ({kind}; "
            f"one, a list or a dict of them), but holds {seen}. Build them as x = "
            "Input(shape=(3,)); y = Dense(1)(x); then Model(x, y). To train a torch.nn.Module, "
            "use Model(module)."
        )
        raise TypeError(msg)
    return value, flat


def _graph(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[list[Node], list[Node]]:
    """Keras' ``map_graph``: ``(nodes in execution order, operations in Keras' order)``.

    The operations (one node per ``Input``, the first node of each layer) are ordered by
    decreasing depth (distance from the outputs), then by first visit of a depth-first walk
    from the outputs, as ``keras.Model.layers`` lists them.
    """
    known = {id(t) for t in inputs}
    visit_index: dict[int, int] = {}  # operation key -> first visit
    finished: set[int] = set()
    order: list[Node] = []

    def key(node: Node) -> int:
        return id(node.layer) if node.layer is not None else id(node)

    def visit(tensor: KerasTensor, consumer: Node | None) -> None:
        node = tensor._node
        assert node is not None
        if node.layer is None and id(tensor) not in known:
            used_by = (
                f" (used by {_layer_label(consumer.layer)})"
                if consumer is not None and consumer.layer is not None
                else ""
            )
            msg = (
                f"Model(inputs, outputs): the outputs depend on the input {tensor.name!r} "
                f"{tensor.shape}{used_by}, which is not in `inputs` "
                f"({[t.name for t in inputs]}). Add it to `inputs`, or build the outputs from "
                "the given inputs only."
            )
            raise ValueError(msg)
        if id(node) in finished:
            return
        visit_index.setdefault(key(node), len(visit_index))
        for parent in node.parents:
            visit(parent, node)
        finished.add(id(node))
        order.append(node)

    for tensor in outputs:
        visit(tensor, None)
    depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    parents_of = {id(n): [p._node for p in n.parents] for n in order}
    for node in reversed(order):
        d = max(depth.get(id(node), 0), op_depth.get(key(node), 0))
        op_depth[key(node)] = d
        depth[id(node)] = d
        for parent in parents_of[id(node)]:
            assert parent is not None
            depth[id(parent)] = max(d + 1, depth.get(id(parent), 0))
    first_node: dict[int, Node] = {}
    for node in order:
        first_node.setdefault(key(node), node)
    for tensor in inputs:  # inputs no output needs: depth 0, listed first at that depth
        assert tensor._node is not None
        if key(tensor._node) not in op_depth:
            op_depth[key(tensor._node)] = 0
            visit_index[key(tensor._node)] = -1
            first_node[key(tensor._node)] = tensor._node
    operations = sorted(first_node.values(), key=lambda n: (-op_depth[key(n)], visit_index[key(n)]))
    return [n for n in order if n.layer is not None], operations


class FunctionalModule(Layer):
    """The ``torch.nn.Module`` of ``Model(inputs, outputs)``: the layers (``self.layers``, in
    Keras' ``model.layers`` order) and the recorded nodes, run in order.

    Called with the inputs as positional tensors (in ``inputs`` order), one list of them, or
    keywords/one dict keyed by the inputs' names. Returns the outputs in the structure given
    to ``Model`` (one tensor, a list or a dict).
    """

    def __init__(self, inputs: Any, outputs: Any) -> None:
        super().__init__()
        input_struct, flat_inputs = _structure(inputs, "inputs")
        output_struct, flat_outputs = _structure(outputs, "outputs")
        for tensor in flat_inputs:
            if not tensor._is_input:
                msg = (
                    f"Argument `inputs` of Model(inputs, outputs) must hold the tensors that "
                    f"Input(...) returns; {tensor!r} is a layer's output. Start the model "
                    "from Input(...) tensors."
                )
                raise ValueError(msg)
        if len({id(t) for t in flat_inputs}) != len(flat_inputs):
            msg = "Argument `inputs` of Model(inputs, outputs) lists the same Input twice."
            raise ValueError(msg)
        walk = (  # Keras flattens a dict in key order: its layers come in that order
            [output_struct[k] for k in sorted(output_struct)]
            if isinstance(output_struct, Mapping)
            else flat_outputs
        )
        nodes, operations = _graph(flat_inputs, walk)
        layers: list[nn.Module] = []
        for op in operations:
            if op.layer is not None and not any(op.layer is seen for seen in layers):
                layers.append(op.layer)
        self.layers = nn.ModuleList(layers)
        index = {id(layer): i for i, layer in enumerate(layers)}
        self.input_names = (
            [str(k) for k in input_struct]
            if isinstance(input_struct, Mapping)
            else [t.name for t in flat_inputs]
        )
        if len(set(self.input_names)) != len(self.input_names):
            msg = (
                f"The model's inputs need distinct names; received {self.input_names}. Give "
                "each Input its own name=."
            )
            raise ValueError(msg)
        self.layer_names = _names(layers, self.input_names)
        # The value table: the inputs, then every node's outputs.
        slots: dict[int, int] = {id(t): i for i, t in enumerate(flat_inputs)}
        steps = []
        for node in nodes:
            template = _map(
                lambda t: _Slot(slots[id(t)]) if isinstance(t, KerasTensor) else t,
                (node.args, node.kwargs),
            )
            out = []
            for tensor in node.outputs:
                slots[id(tensor)] = len(slots)
                out.append(slots[id(tensor)])
            assert node.layer is not None
            steps.append((index[id(node.layer)], template[0], template[1], out, node.single))
        self._steps = steps
        self._slot_count = len(slots)
        self._outputs = _map(lambda t: _Slot(slots[id(t)]), output_struct)
        self._inputs = flat_inputs
        self._input_struct = input_struct
        self._output_struct = output_struct
        self._nodes = nodes
        self._operations = operations
        names = dict(zip(map(id, flat_inputs), self.input_names, strict=True))
        names.update(
            {id(layer): name for layer, name in zip(layers, self.layer_names, strict=True)}
        )
        self._op_names = names
        if isinstance(output_struct, Mapping):
            self.output_names = [str(k) for k in output_struct]
        else:
            self.output_names = [self._producer_name(t) for t in flat_outputs]

    def _producer_name(self, tensor: KerasTensor) -> str:
        node = tensor._node
        assert node is not None
        return self._op_names[id(node.layer) if node.layer is not None else id(tensor)]

    # ------------------------------------------------------------------ running
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        values: list[Any] = [None] * self._slot_count
        for i, value in enumerate(self._bind(args, kwargs)):
            values[i] = value
        layers = self.layers
        for layer_index, args_t, kwargs_t, out, single in self._steps:
            result = layers[layer_index](*_fill(args_t, values), **_fill(kwargs_t, values))
            if single:
                values[out[0]] = result
            else:
                for slot, tensor in zip(out, _leaves(result), strict=True):
                    values[slot] = tensor
        return _fill(self._outputs, values)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        """The inputs in ``inputs`` order, from positional tensors, one list, keywords or one
        dict keyed by input name; ranks adjusted and dtypes cast as Keras does."""
        names = self.input_names
        mapping: Mapping[str, Any] | None = None
        if kwargs and not args:
            mapping = kwargs
        elif len(args) == 1 and not kwargs and isinstance(args[0], Mapping):
            mapping = args[0]
        if mapping is not None:
            missing = [n for n in names if n not in mapping]
            if missing:
                msg = (
                    f"The model's inputs are named {names}; the data has keys "
                    f"{sorted(map(str, mapping))}, missing {missing}. Key x by the names given "
                    "to Input(name=...), or pass a list in the order of `inputs`."
                )
                raise ValueError(msg)
            found = [mapping[n] for n in names]
        else:
            if kwargs:
                msg = (
                    f"The model takes its inputs positionally or by name, not both; received "
                    f"{len(args)} positional and keywords {sorted(kwargs)}."
                )
                raise ValueError(msg)
            found = list(args)
            if len(found) == 1 and isinstance(found[0], (list, tuple)) and len(names) > 1:
                found = list(found[0])
            if len(found) == 1 and isinstance(found[0], (list, tuple)) and len(found[0]) == 1:
                found = list(found[0])
            if len(found) != len(names):
                msg = (
                    f"The model has {len(names)} input(s) {names}, but received "
                    f"{len(found)}. Pass x as a list of {len(names)} arrays in that order, or a "
                    "dict keyed by input name."
                )
                raise ValueError(msg)
        return [self._adjust(t, x) for t, x in zip(self._inputs, found, strict=True)]

    @staticmethod
    def _adjust(spec: KerasTensor, x: Any) -> Any:
        if not isinstance(x, torch.Tensor):
            return x
        rank = len(spec.shape)
        if x.ndim == rank + 1 and x.shape[-1] == 1:
            x = x.squeeze(-1)
        elif x.ndim == rank - 1 and spec.shape[-1] == 1:
            x = x.unsqueeze(-1)
        elif x.ndim != rank:
            msg = (
                f"Input {spec.name!r} expects arrays of shape {spec.shape} (batch axis first); "
                f"received shape {tuple(x.shape)}."
            )
            raise ValueError(msg)
        if spec._cast and x.dtype != spec._torch_dtype:
            x = x.to(spec._torch_dtype)
        return x

    # ------------------------------------------------------------------ description
    def summary_rows(self) -> list[tuple[str, str, str, nn.Module | None, str]]:
        """One row per operation in Keras' order: ``(name, class name, output shape, layer
        (None for an Input), connected to)``."""
        nodes_of: dict[int, list[Node]] = {}
        for node in self._nodes:
            nodes_of.setdefault(id(node.layer), []).append(node)

        def ref(tensor: KerasTensor) -> str:
            node = tensor._node
            assert node is not None
            if node.layer is None:
                return f"{self._op_names[id(tensor)]}[0][0]"
            position = next(i for i, n in enumerate(nodes_of[id(node.layer)]) if n is node)
            return f"{self._op_names[id(node.layer)]}[{position}][{tensor._index}]"

        rows: list[tuple[str, str, str, nn.Module | None, str]] = []
        for op in self._operations:
            if op.layer is None:
                tensor = op.outputs[0]
                rows.append(
                    (self._op_names[id(tensor)], "InputLayer", str(tensor.shape), None, "-")
                )
                continue
            node = nodes_of[id(op.layer)][0]
            shape = shape_text(node.outputs[0] if node.single else node.outputs)
            connected = ", ".join(
                ref(parent) for n in nodes_of[id(op.layer)] for parent in n.parents
            )
            rows.append(
                (self._op_names[id(op.layer)], type(op.layer).__name__, shape, op.layer, connected)
            )
        return rows

    def get_config(self, registry: Mapping[str, type[nn.Module]]) -> dict[str, Any] | None:
        """The graph as JSON-safe data, or ``None`` when a layer is not in ``registry`` (its
        architecture is code) or a call argument is not JSON data."""
        if not all(registry.get(type(layer).__name__) is type(layer) for layer in self.layers):
            return None
        nodes = []
        try:
            for layer_index, args_t, kwargs_t, out, _ in self._steps:
                nodes.append(
                    {
                        "layer": layer_index,
                        "args": _encode(args_t),
                        "kwargs": _encode(kwargs_t),
                        "outputs": len(out),
                    }
                )
            outputs = _encode(self._outputs)
        except TypeError:
            return None
        return {
            "class_name": "Functional",
            "layers": [
                {
                    "class_name": type(layer).__name__,
                    "config": layer.get_config(),  # type: ignore[operator]  # anyloss layers
                    "name": name,
                }
                for layer, name in zip(self.layers, self.layer_names, strict=True)
            ],
            "inputs": [input_config(t) for t in self._inputs],
            "input_names": self.input_names if isinstance(self._input_struct, Mapping) else None,
            "input_structure": _kind(self._input_struct),
            "nodes": nodes,
            "outputs": outputs,
            "output_names": self.output_names,
        }


def _kind(struct: Any) -> str:
    if isinstance(struct, Mapping):
        return "dict"
    if isinstance(struct, (list, tuple)):
        return "list"
    return "single"


def _names(layers: list[nn.Module], taken: list[str]) -> list[str]:
    """The layers' names: ``name=`` where given, else Keras' ``dense``, ``dense_1``, ... (in
    graph order, skipping names already used); ``ValueError`` for a name used twice."""
    given = [getattr(layer, "name", None) for layer in layers]
    fixed = [n for n in given if isinstance(n, str)]
    used = set(taken)
    for name in fixed:
        if name in used:
            msg = (
                f"All layer names in a model should be unique: {name!r} is used twice (by "
                "layers or Input tensors). Give the layers distinct name=."
            )
            raise ValueError(msg)
        used.add(name)
    counts: dict[str, int] = {}
    names = []
    for layer, own in zip(layers, given, strict=True):
        if isinstance(own, str):
            names.append(own)
            continue
        base = snake_case(type(layer).__name__)
        while True:
            count = counts.get(base, 0)
            counts[base] = count + 1
            candidate = base if count == 0 else f"{base}_{count}"
            if candidate not in used:
                break
        used.add(candidate)
        names.append(candidate)
    return names


def _encode(template: Any) -> Any:
    """A call template as JSON data: slots as ``{"__tensor__": i}``; ``TypeError`` for values
    JSON cannot hold."""
    if isinstance(template, _Slot):
        return {"__tensor__": template.i}
    if isinstance(template, Mapping):
        return {"__dict__": {str(k): _encode(v) for k, v in template.items()}}
    if isinstance(template, tuple):
        return {"__tuple__": [_encode(v) for v in template]}
    if isinstance(template, list):
        return [_encode(v) for v in template]
    if template is None or isinstance(template, (bool, int, float, str)):
        return template
    raise TypeError(type(template).__name__)


def _decode(data: Any, values: list[KerasTensor]) -> Any:
    if isinstance(data, dict):
        if set(data) == {"__tensor__"}:
            return values[data["__tensor__"]]
        if set(data) == {"__tuple__"}:
            return tuple(_decode(v, values) for v in data["__tuple__"])
        if set(data) == {"__dict__"}:
            return {k: _decode(v, values) for k, v in data["__dict__"].items()}
        raise KeyError(str(sorted(data)))
    if isinstance(data, list):
        return [_decode(v, values) for v in data]
    return data


def input_config(tensor: KerasTensor) -> dict[str, Any]:
    """An ``Input`` as JSON data (what :func:`input_from_config` takes)."""
    return {
        "shape": list(tensor.shape[1:]),
        "batch_size": tensor._batch_size,
        "dtype": tensor.dtype if tensor._cast else None,
        "name": tensor.name,
    }


def input_from_config(config: Mapping[str, Any]) -> KerasTensor:
    return Input(
        shape=tuple(config["shape"]),
        batch_size=config.get("batch_size"),
        dtype=config.get("dtype"),
        name=config.get("name"),
    )


def graph_from_config(
    config: Mapping[str, Any], registry: Mapping[str, type[nn.Module]]
) -> tuple[Any, Any]:
    """``(inputs, outputs)`` of the graph :meth:`FunctionalModule.get_config` described: the
    layers rebuilt from their configs and called again on new ``Input`` tensors.

    Raises ``KeyError``/``TypeError``/``ValueError``/``IndexError`` for a config that describes
    no graph (the caller turns them into its own error).
    """
    layers = []
    for entry in config["layers"]:
        cls = registry[entry["class_name"]]
        # A layer without name= is named by its position in the graph, the same again here.
        layers.append(cls(**entry["config"]))
    flat_inputs = [input_from_config(c) for c in config["inputs"]]
    values: list[Any] = list(flat_inputs)
    for node in config["nodes"]:
        layer = layers[node["layer"]]
        result = layer(*_decode(node["args"], values), **_decode(node["kwargs"], values))
        flat = list(_leaves(result))
        if len(flat) != node["outputs"]:
            raise ValueError("a node's outputs differ from the saved ones")
        values.extend(flat)
    kind = config["input_structure"]
    inputs: Any
    if kind == "dict":
        inputs = dict(zip(config["input_names"], flat_inputs, strict=True))
    elif kind == "list":
        inputs = flat_inputs
    else:
        (inputs,) = flat_inputs
    outputs = _decode(config["outputs"], values)
    return inputs, outputs


def model_graph(module: Any, output_names: Any, inputs: Any, outputs: Any) -> FunctionalModule:
    """The graph module of ``Model(inputs, outputs)``, from ``Model.__init__``'s arguments:
    Keras' positional ``Model(inputs, outputs)`` arrives as ``(module, output_names)``."""
    if is_symbolic(module):
        if inputs is not None:
            msg = "Model() got `inputs` twice: positionally and as inputs=."
            raise TypeError(msg)
        inputs, module = module, None
        if outputs is None:
            outputs, output_names = output_names, None
    if module is not None:
        msg = (
            "Model() takes a torch.nn.Module (Model(module)) or symbolic inputs and outputs "
            f"(Model(inputs, outputs)), not both; received module={type(module).__name__}."
        )
        raise TypeError(msg)
    if output_names is not None:
        msg = (
            "Model(inputs, outputs) names its outputs after the output layers (name=) or the "
            "keys of a dict of outputs; `output_names` is for Model(module)."
        )
        raise TypeError(msg)
    if inputs is None or outputs is None:
        missing = "inputs" if inputs is None else "outputs"
        msg = (
            f"Model(inputs, outputs) needs `{missing}`: e.g. x = Input(shape=(3,)); "
            "y = Dense(1)(x); Model(inputs=x, outputs=y)."
        )
        raise TypeError(msg)
    return FunctionalModule(inputs, outputs)
