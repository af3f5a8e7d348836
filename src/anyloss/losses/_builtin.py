"""The declaration of a built-in loss, and the tables derived from the declarations.

A built-in loss is declared once, above its array-API formula::

    @builtin(aliases=("mse", "MSE"), inputs=Inputs.REGRESSION,
             torch_kernel=torch_kernels.mean_squared_error)
    def mean_squared_error(y_true, y_pred):
        ...  # the formula, on any array library

and its Keras class names the function it wraps::

    class MeanSquaredError(BuiltinLoss, function=mean_squared_error): ...

Everything else is derived from those two lines: the lookup tables below (``FUNCTIONS``,
``ALIASES``, ``CLASSES``, ``CLASS_OF_FUNCTION``), ``get``/``serialize``, ``anyloss list``, the
package's exports (``make api`` writes them; a test fails when they are stale) and the test
tables. Adding a loss is one edit of its family module plus its tests.

How a call runs (:meth:`Builtin.per_sample`): the hyperparameters are checked once, by the
declaration's ``check``; on a PyTorch tensor the ``torch_kernel`` (a ``torch.nn.functional``
kernel with exactly these semantics, in ``backend/_torch_kernels.py``) is tried first and
returns ``None`` for inputs it does not cover; otherwise, or then, the formula runs. Kernels and
formulas trust the hyperparameters they are given.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from anyloss import backend as B

F = TypeVar("F", bound=Callable[..., Any])


class Inputs(str, enum.Enum):
    """What ``y_true`` and ``y_pred`` hold for a loss (``anyloss list``, ``plot``, the checker
    and the test generators all use these names)."""

    REGRESSION = "regression"  #: real targets and predictions
    BINARY = "binary"  #: 0/1 targets, probabilities (or logits)
    MARGIN = "margin"  #: 0/1 or -1/1 targets, real scores
    CATEGORICAL = "categorical"  #: one-hot (or soft) targets, class probabilities
    CATEGORICAL_MARGIN = "categorical-margin"  #: one-hot targets, real class scores
    SPARSE = "sparse"  #: integer class indices, class probabilities (or logits)
    SEQUENCE = "sequence"  #: 0-padded label sequences, (batch, time, classes) logits
    EMBEDDING = "embedding"  #: integer labels, L2-normalised embeddings
    #: real targets ``(..., d)``; predicted means and variances ``(..., 2 * d)`` (means first)
    MEAN_VARIANCE = "mean-variance"
    #: -1/1 (or 0/1) labels ``(batch,)``; two items per pair stacked on axis 1 ``(batch, 2, ...)``
    PAIRS = "pairs"
    #: anchor, positive, negative stacked on axis 1 ``(batch, 3, dim)``; ``y_true`` unused
    TRIPLETS = "triplets"
    #: target and predicted boxes ``(..., 4)`` in a stated ``box_format``
    BOXES = "boxes"
    #: graded relevance ``(batch, list_size)`` (negative: not in the list), scores alike
    LISTS = "lists"
    #: -1-padded class indices ``(batch, classes)`` (each sample's target classes), real class
    #: scores alike
    LABEL_LISTS = "label-lists"

    def __str__(self) -> str:
        return self.value

    @property
    def integer_labels(self) -> bool:
        """Whether ``y_true`` holds integer labels (kept as integers, never cast to float)."""
        return self in (Inputs.SPARSE, Inputs.SEQUENCE, Inputs.EMBEDDING, Inputs.LABEL_LISTS)


#: The libraries a loss' numbers are defined by (``origin=``): Keras 3 for the Keras set,
#: else the peer whose implementation the loss is tested equal to.
ORIGINS = (
    "keras",
    "torch",
    "torchvision",
    "optax",
    "tfa",
    "smp",
    "monai",
    "pml",
    "timm",
    "keras-hub",
    "rax",
)


@dataclass(frozen=True)
class Peer:
    """Another library's spelling of a loss, as data: the anyloss arguments that give that
    library's numbers, and how its constructor arguments translate (``losses/_peers.py``
    resolves it; nothing of the peer is ever imported).

    Example: ``Peer("torch.nn.SmoothL1Loss", renames={"beta": "beta"},
    choices={"reduction": TORCH_REDUCTIONS})``.
    """

    #: The fully qualified name: ``torch.nn.SmoothL1Loss``, ``optax.sigmoid_focal_loss``,
    #: ``tfa.losses.TripletSemiHardLoss``, ``smp.losses.DiceLoss``, ``monai.losses.DiceLoss``,
    #: ``pytorch_metric_learning.losses.NTXentLoss``, ``torchvision.ops.sigmoid_focal_loss``.
    name: str
    #: anyloss arguments (hyperparameters and ``reduction``) reproducing the peer's defaults.
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Peer constructor argument -> the anyloss argument it sets, value unchanged.
    renames: Mapping[str, str] = field(default_factory=dict)
    #: Peer argument -> {peer value -> anyloss arguments}: values that change the semantics
    #: (``reduction``, smp's ``mode``); a value not listed is refused, naming those listed.
    choices: Mapping[str, Mapping[Any, Mapping[str, Any]]] = field(default_factory=dict)
    #: What a user moving from the peer must know (call order, inputs, what is not supported).
    note: str = ""


#: torch.nn's ``reduction`` values as anyloss reductions, for losses whose per-sample value is
#: torch's per-element value (torch's ``"none"`` has anyloss' shape, so ``"sum"`` agrees too).
TORCH_REDUCTIONS: Mapping[Any, Mapping[str, Any]] = {
    "mean": {"reduction": "sum_over_batch_size"},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
}
#: torch.nn's ``reduction="mean"`` only, for losses that average the last axis per sample: the
#: mean over every element is the mean of per-sample means, but torch's ``"sum"`` and ``"none"``
#: are per element, which no anyloss reduction gives (the peer spelling refuses them).
TORCH_MEAN: Mapping[Any, Mapping[str, Any]] = {"mean": {"reduction": "sum_over_batch_size"}}


class MaskedValues(NamedTuple):
    """Per-sample values with a validity mask: what a loss returns when some entries do not
    count (sparse CE's ``ignore_class``, circle loss). Reductions divide by the valid count;
    ``mask`` is ``None`` when every entry counts."""

    values: Any
    mask: Any


def _no_check(arguments: dict[str, Any]) -> dict[str, Any]:
    return arguments


@dataclass(eq=False)
class Builtin:
    """One built-in loss: its formula, names, class, inputs and native kernel."""

    formula: Callable[..., Any]
    aliases: tuple[str, ...]
    inputs: Inputs
    #: ``check(arguments) -> arguments``: validates (and normalises) the hyperparameters; the
    #: one place they are checked, for the function and for the class alike.
    check: Callable[[dict[str, Any]], dict[str, Any]]
    #: ``kernel(y_true, y_pred, reduction, dtype, **arguments)``: the loss from
    #: ``torch.nn.functional`` with the reduction fused, or ``None`` where it does not cover the
    #: inputs (the formula then runs, and raises the errors).
    torch_kernel: Callable[..., Any] | None
    #: Whether the formula returns :class:`MaskedValues` (the function returns the values).
    masked: bool
    #: Whether a class call aligns ranks first (``(N,)`` against ``(N, 1)``); losses whose
    #: labels have one axis less than ``y_pred`` by design do not.
    align_ranks: bool
    #: The Keras class (a ``BuiltinLoss`` subclass; typed loosely: this module sits below it).
    loss_class: type | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    #: The public function (checks, kernel, formula); set by :func:`builtin`.
    function: Callable[..., Any] | None = None
    #: ``mistakes(y_true, y_pred, arguments, name) -> message or None``: a classic mistake
    #: seen in the inputs' values (``_mistakes.py``), warned as a ``LossInputWarning``.
    mistakes: Callable[..., Any] | None = None
    #: The library whose numbers define the loss (one of ``ORIGINS``); tests compare with it.
    origin: str = "keras"
    #: Other libraries' spellings of this loss (``al.get("torch.nn.SmoothL1Loss")``).
    peers: tuple[Peer, ...] = ()
    #: What ``anyloss plot`` draws the loss against where the input kind's axis does not fit:
    #: ``"distance"`` (``y_pred`` a distance, the same for both labels: hinge_embedding).
    plot_axis: str | None = None

    def inspect_inputs(self, y_true: Any, y_pred: Any, arguments: Mapping[str, Any]) -> bool:
        """Warn about a classic mistake in the inputs; whether it warned."""
        if self.mistakes is None:
            return False
        message = self.mistakes(y_true, y_pred, arguments, self.name)
        if message is None:
            return False
        from anyloss.losses._mistakes import warn

        warn(message)
        return True

    @property
    def name(self) -> str:
        return self.formula.__name__

    def arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The checked hyperparameters of a call ``fn(y_true, y_pred, *args, **kwargs)``."""
        if args or not kwargs.keys() <= self.defaults.keys():
            kwargs = self._bind(args, kwargs)
        return self.check({**self.defaults, **kwargs})

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = list(self.defaults)
        if len(args) > len(names):
            msg = (
                f"{self.name}() takes {len(names) + 2} positional arguments (y_true, y_pred"
                f"{''.join(', ' + n for n in names)}) but {len(args) + 2} were given."
            )
            raise TypeError(msg)
        bound = dict(zip(names, args, strict=False))  # fewer args than names
        for key, value in kwargs.items():
            if key not in self.defaults:
                valid = ", ".join(names) or "none besides y_true and y_pred"
                msg = (
                    f"{self.name}() got an unexpected keyword argument {key!r}. Its "
                    f"arguments: {valid}."
                )
                raise TypeError(msg)
            if key in bound:
                msg = f"{self.name}() got multiple values for argument {key!r}."
                raise TypeError(msg)
            bound[key] = value
        return bound

    def per_sample(self, y_true: Any, y_pred: Any, arguments: Mapping[str, Any]) -> Any:
        """Per-sample values (:class:`MaskedValues` for masked losses), arguments checked."""
        if self.torch_kernel is not None and B.torch_kernels_apply(y_pred):
            out = self.torch_kernel(y_true, y_pred, "none", None, **arguments)
            if out is not None:
                return MaskedValues(*out) if self.masked else out
        return self.formula(y_true, y_pred, **arguments)


#: Every built-in, by canonical name, in declaration order (grouped by family).
BUILTINS: dict[str, Builtin] = {}
#: Built-in loss functions by canonical name.
FUNCTIONS: dict[str, Callable[..., Any]] = {}
#: Alias -> canonical name (Keras 3 and tf-keras spellings).
ALIASES: dict[str, str] = {}
#: Built-in ``Loss`` classes by class name.
CLASSES: dict[str, type] = {}
#: Canonical function name -> class name.
CLASS_OF_FUNCTION: dict[str, str] = {}
#: Peer spelling (``"torch.nn.SmoothL1Loss"``) -> (canonical loss name, its :class:`Peer`).
PEERS: dict[str, tuple[str, Peer]] = {}


def builtin(
    *,
    inputs: Inputs,
    aliases: tuple[str, ...] = (),
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    torch_kernel: Callable[..., Any] | None = None,
    masked: bool = False,
    align_ranks: bool = True,
    mistakes: Callable[..., Any] | None = None,
    origin: str = "keras",
    peers: tuple[Peer, ...] = (),
    plot_axis: str | None = None,
) -> Callable[[F], F]:
    """Declare the decorated array-API formula a built-in loss (see the module docstring).

    The decorated function becomes the public loss function: it checks the hyperparameters with
    ``check``, tries ``torch_kernel`` on PyTorch tensors, then runs the formula, and returns one
    value per sample (the values alone for a ``masked`` loss).
    """

    if origin not in ORIGINS:
        msg = f"origin={origin!r} is not one of {ORIGINS}."
        raise ValueError(msg)

    def declare(formula: F) -> F:
        name = formula.__name__
        params = list(inspect.signature(formula).parameters.values())[2:]
        spec = Builtin(
            formula=formula,
            aliases=tuple(aliases),
            inputs=Inputs(inputs),
            check=check or _no_check,
            torch_kernel=torch_kernel,
            masked=masked,
            align_ranks=align_ranks,
            defaults={p.name: p.default for p in params},
            mistakes=mistakes,
            origin=origin,
            peers=tuple(peers),
            plot_axis=plot_axis,
        )

        @functools.wraps(formula)
        def function(y_true: Any, y_pred: Any, *args: Any, **kwargs: Any) -> Any:
            arguments = spec.arguments(args, kwargs)
            spec.inspect_inputs(y_true, y_pred, arguments)  # Python's filter: once per site
            out = spec.per_sample(y_true, y_pred, arguments)
            return out.values if spec.masked else out

        spec.function = function
        for key in (name, *spec.aliases):
            taken = key in FUNCTIONS or key in ALIASES
            if taken:
                msg = f"The loss name {key!r} is declared twice."
                raise ValueError(msg)
        for peer in spec.peers:
            if peer.name in PEERS:
                msg = f"The peer spelling {peer.name!r} is declared twice."
                raise ValueError(msg)
            PEERS[peer.name] = (name, peer)
        BUILTINS[name] = spec
        FUNCTIONS[name] = function
        ALIASES.update(dict.fromkeys(spec.aliases, name))
        return function  # type: ignore[return-value]  # same signature as the formula

    return declare


def declaration_of(function: Any) -> Builtin | None:
    """The declaration of a built-in loss function, or ``None`` for any other object."""
    spec = BUILTINS.get(getattr(function, "__name__", ""))
    return spec if spec is not None and spec.function is function else None


def declaration(function: Callable[..., Any]) -> Builtin:
    """The declaration of a built-in loss function (``KeyError`` for any other function)."""
    spec = declaration_of(function)
    if spec is None:
        msg = f"{function!r} is not a built-in loss function."
        raise KeyError(msg)
    return spec


def bind_class(function: Callable[..., Any], cls: type) -> Builtin:
    """Record ``cls`` as the Keras class of the built-in ``function`` (``BuiltinLoss`` does it
    for ``class X(BuiltinLoss, function=fn)``)."""
    spec = declaration(function)
    if spec.loss_class is not None:
        msg = f"{spec.name} already has the class {spec.loss_class.__name__}."
        raise ValueError(msg)
    spec.loss_class = cls
    CLASSES[cls.__name__] = cls
    CLASS_OF_FUNCTION[spec.name] = cls.__name__
    return spec
