"""Losses that own learned weights: ArcFace's class weights (proxy-based metric learning) and
LinearCrossEntropy's output layer.

The function is the declared formula and takes the class weights as an argument; the class
holds them as state that a training loop optimises (a ``torch.nn.Parameter`` on PyTorch,
gathered by ``anyloss.models.Model.fit``; a pytree ``loss.variables`` on JAX).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Self

import numpy as np

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss, _fused_kernel, _kernel_values
from anyloss.losses._builtin import TORCH_REDUCTIONS, Inputs, MaskedValues, Peer, builtin
from anyloss.losses._prepare import integer_labels
from anyloss.losses.probabilistic import (
    _check_chunk_size,
    _check_ignore_class,
    check_probability,
    linear_crossentropy_values,
    linear_inputs,
)
from anyloss.losses.similarity import l2_normalize


def _check_arcface(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        **arguments,
        "margin": check_number(
            arguments["margin"], "margin", minimum=0.0, maximum=180.0, owner="arcface"
        ),
        "scale": check_number(
            arguments["scale"], "scale", minimum=0.0, open_minimum=True, owner="arcface"
        ),
    }


@builtin(
    inputs=Inputs.EMBEDDING,
    aliases=("arcface_loss", "additive_angular_margin"),
    check=_check_arcface,
    origin="pml",
    peers=(
        Peer(
            "pytorch_metric_learning.losses.ArcFaceLoss",
            settings={"margin": 28.6, "scale": 64.0},
            renames={
                "num_classes": "num_classes",
                "embedding_size": "embedding_size",
                "margin": "margin",
                "scale": "scale",
            },
            note="anyloss calls loss(y_true=labels, y_pred=embeddings). margin is in degrees, "
            "as there. The class weights, shape (embedding_size, num_classes) as the peer's W, "
            "are the loss' state: copy them with loss.load_state_dict(peer.state_dict()). "
            "Weight regularizers, reducers and miners are not supported.",
        ),
    ),
)
def arcface(
    y_true: Any,
    y_pred: Any,
    class_weights: Any = None,
    margin: float = 28.6,
    scale: float = 64.0,
) -> Any:
    """ArcFace (additive angular margin) loss per embedding.

    A softmax cross-entropy over the cosines between an embedding and one learned weight
    vector per class, with an angular margin added to the true class' angle, so embeddings
    gather tightly around their class' weight vector (face recognition, retrieval). The class
    weights are trained with the model: :class:`ArcFace` holds them; this function takes them::

        cos = normalize(y_pred) @ normalize(class_weights, axis=0)     (batch, classes)
        theta = arccos(cos[y_true])          m = radians(margin)
        target = cos(theta + m)      if theta <= pi - m
                 cos(theta) - m * sin(m)     otherwise (keeps the logit decreasing in theta)
        logits = scale * cos, with scale * target in the true class' column
        loss = -log_softmax(logits)[y_true]

    Args:
        y_true: Integer class labels in ``[0, num_classes)``, shape ``(batch,)`` (or
            ``(batch, 1)``).
        y_pred: Embeddings, shape ``(batch, embedding_size)``; need not be normalised.
        class_weights: The class weights, shape ``(embedding_size, num_classes)`` (one column
            per class; normalised here). Required.
        margin: The additive angular margin in degrees, in ``[0, 180]``. Default: 28.6
            (about the paper's 0.5 radian).
        scale: The factor applied to the cosines, a float > 0. Default: 64.0.

    Returns:
        The loss per embedding, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([0, 1])
        >>> y_pred = np.array([[1.0, 0.2], [0.1, 1.0]])
        >>> class_weights = np.eye(2)
        >>> al.arcface(y_true, y_pred, class_weights, scale=4.0).round(4).tolist()
        [0.097, 0.0533]

    Reference:
        Jiankang Deng, Jia Guo, Niannan Xue and Stefanos Zafeiriou, "ArcFace: Additive Angular
        Margin Loss for Deep Face Recognition", CVPR 2019, https://arxiv.org/abs/1801.07698;
        pytorch-metric-learning's ``ArcFaceLoss``.
    """
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 2:
        msg = (
            "arcface: `y_pred` must be embeddings of shape (batch, embedding_size). Received: "
            f"y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    if class_weights is None:
        msg = (
            "arcface: `class_weights` is required, shape (embedding_size, num_classes). Use "
            "the class anyloss.ArcFace(num_classes, embedding_size), which owns and trains them, "
            "or pass the weights: arcface(y_true, y_pred, class_weights=W)."
        )
        raise ValueError(msg)
    weights = B.like(class_weights, y_pred, xp, dtype=y_pred.dtype, arg="class_weights")
    if B.ndim(weights) != 2 or B.shape(weights)[0] != B.shape(y_pred)[1]:
        msg = (
            f"arcface: `class_weights` must have shape (embedding_size, num_classes) = "
            f"({B.shape(y_pred)[1]}, num_classes) for y_pred.shape={B.shape(y_pred)}. "
            f"Received: class_weights.shape={B.shape(weights)}. One column per class."
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    if B.ndim(labels) == 2 and true_shape[1] == 1:
        labels = xp.reshape(labels, (-1,))
    if B.ndim(labels) != 1 or B.shape(labels)[0] != B.shape(y_pred)[0]:
        msg = (
            f"arcface: `y_true` needs one label per embedding (a class index), shape "
            f"({B.shape(y_pred)[0]},) for y_pred.shape={B.shape(y_pred)}. Received: "
            f"y_true.shape={true_shape}."
        )
        raise ValueError(msg)
    num_classes = B.shape(weights)[1]
    B.check_label_range(xp, labels, num_classes, "arcface")
    if B.shape(y_pred)[0] == 0:  # no rows: Dask's max over an empty chunk fails
        return xp.sum(y_pred, axis=1)
    cosine = xp.matmul(l2_normalize(xp, y_pred, axis=1), l2_normalize(xp, weights, axis=0))
    target = B.one_hot(xp, labels, num_classes, xp.bool)
    c = xp.clip(xp.sum(xp.where(target, cosine, xp.zeros_like(cosine)), axis=1), -1.0, 1.0)
    m = math.radians(margin)
    # cos(theta + m) = cos(theta) cos(m) - sin(theta) sin(m); sin(theta) = sqrt(1 - c^2) with a
    # finite gradient where c = +-1 exactly.
    sin2 = 1.0 - c * c
    inside = sin2 > 0
    sin = xp.where(inside, xp.sqrt(xp.where(inside, sin2, xp.ones_like(sin2))), xp.zeros_like(c))
    # theta <= pi - m  <=>  cos(theta) >= cos(pi - m) = -cos(m)
    modified = xp.where(c >= -math.cos(m), c * math.cos(m) - sin * math.sin(m), c - m * math.sin(m))
    logits = scale * xp.where(target, modified[:, None], cosine)
    return B.logsumexp(xp, logits, axis=1) - scale * modified


def _torch_parameter(weights: Any, like: Any = None) -> Any:
    """``weights`` as a ``torch.nn.Parameter`` (on ``like``'s device, if given)."""
    import torch

    if isinstance(weights, torch.nn.Parameter):
        if like is not None and weights.device != like.device:
            weights.data = weights.data.to(like.device)  # in place: optimizers keep it
        return weights
    tensor = torch.as_tensor(
        np.asarray(B.to_numpy(weights))
        if not B.is_torch_array(weights)
        else weights.detach().clone()
    )
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.float32)
    if like is not None:
        tensor = tensor.to(like.device)
    return torch.nn.Parameter(tensor)


class _OwnsWeights:
    """The state of a loss that owns learned arrays (ArcFace's class weights, a linear layer's
    weight and bias): mixed in before ``BuiltinLoss``.

    The arrays are state, not config: ``variables`` (a dict; a JAX pytree), ``parameters()``
    (``torch.nn.Parameter``, gathered by ``anyloss.models.Model.fit``), ``state_dict`` /
    ``load_state_dict`` (the peer's keys), ``to``. A subclass names its arrays in
    ``_state_keys`` (variable -> state-dict key), and implements ``_no_weights`` (the error
    when none are held) and ``_check_shapes`` (raises, or adopts unknown sizes).
    """

    #: Variable name -> its state-dict key (the peer's), in order.
    _state_keys: ClassVar[Mapping[str, str]] = {}
    #: Other state-dict keys :meth:`load_state_dict` takes -> the variable.
    _state_aliases: ClassVar[Mapping[str, str]] = {}
    #: Variable name -> its symbol in messages (``{'class_weights': W}``).
    _symbols: ClassVar[Mapping[str, str]] = {}
    #: The held arrays (None until the shapes are known); per-call arrays (``variables=``).
    _weights: dict[str, Any] | None
    _call_weights: dict[str, Any] | None

    def _init_state(self) -> None:
        object.__setattr__(self, "_weights", None)
        object.__setattr__(self, "_call_weights", None)

    def _names(self) -> tuple[str, ...]:
        return tuple(self._state_keys)

    def _no_weights(self) -> str:  # pragma: no cover - every subclass words it
        raise NotImplementedError

    def _check_shapes(self, shapes: dict[str, tuple[int, ...] | None]) -> None:
        raise NotImplementedError  # pragma: no cover

    def _form(self) -> str:
        return "{" + ", ".join(f"'{k}': {self._symbols.get(k, k)}" for k in self._names()) + "}"

    def _require_weights(self) -> dict[str, Any]:
        if self._weights is None:
            raise ValueError(self._no_weights())
        return self._weights

    def _set_variables(self, values: Mapping[str, Any]) -> None:
        shapes = {k: tuple(B.shape(v)) if B.is_array(v) else None for k, v in values.items()}
        self._check_shapes(shapes)
        current = self.__dict__.get("_weights") or {}
        held: dict[str, Any] = {}
        for key in self._names():
            old: Any = current.get(key)
            new = values[key]
            if B.is_torch_array(old) and B.is_torch_array(new):
                # In place: the Parameter an optimizer holds stays the same (dtype as given).
                old.data = new.detach().to(old.device).clone()
                new = old
            held[key] = new
        object.__setattr__(self, "_weights", held)

    @property
    def variables(self) -> dict[str, Any]:
        """The state, a dict of the held arrays (``torch.nn.Parameter`` once used on PyTorch).
        Assign a dict of the same form to replace it (a JAX pytree after training, say)."""
        return dict(self._require_weights())

    @variables.setter
    def variables(self, value: Mapping[str, Any]) -> None:
        if not isinstance(value, Mapping) or set(value) != set(self._names()):
            msg = (
                f"{type(self).__name__}.variables must be a dict {self._form()}. Received: "
                f"{shown(value)}"
            )
            raise ValueError(msg)
        self._set_variables(value)

    def parameters(self) -> Iterator[Any]:
        """The trainable ``torch.nn.Parameter`` objects (the held arrays), for an optimizer."""
        weights = self._require_weights()
        parameters = {k: _torch_parameter(weights[k]) for k in self._names()}
        object.__setattr__(self, "_weights", parameters)
        yield from parameters.values()

    def state_dict(self) -> dict[str, Any]:
        """The held arrays by their state-dict keys (PyTorch tensors), for ``torch.save``."""
        return dict(
            zip([self._state_keys[k] for k in self._names()], self.parameters(), strict=True)
        )

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load arrays saved by :meth:`state_dict` (or by the peer, the same keys)."""
        values = {}
        for name in self._names():
            accepted = [self._state_keys[name]]
            accepted += [key for key, to in self._state_aliases.items() if to == name]
            keys = [key for key in accepted if key in state_dict]
            if len(keys) != 1:
                msg = (
                    f"{type(self).__name__}.load_state_dict needs one of the keys "
                    f"{' or '.join(map(repr, accepted))}. Received the keys {sorted(state_dict)}."
                )
                raise ValueError(msg)
            values[name] = state_dict[keys[0]]
        if self._weights is not None:
            list(self.parameters())  # PyTorch state loads into the held Parameters, in place
        self._set_variables(values)

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Move the held arrays (PyTorch: ``loss.to(device)``, as for a module)."""
        for parameter in self.parameters():
            parameter.data = parameter.data.to(*args, **kwargs)
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Self:
        return self.to("cuda")

    def cpu(self) -> Self:
        return self.to("cpu")

    def __call__(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
        mask: Any = None,
        variables: Mapping[str, Any] | None = None,
    ) -> Any:
        """The reduced loss; ``variables`` (a dict as :attr:`variables`) replaces the held
        arrays for this call (JAX: differentiate with respect to them)."""
        if variables is not None:
            if not isinstance(variables, Mapping) or not set(self._names()) <= set(variables):
                msg = (
                    f"Argument `variables` must be a dict {self._form()}. Received: "
                    f"{shown(variables)}"
                )
                raise ValueError(msg)
            object.__setattr__(self, "_call_weights", {k: variables[k] for k in self._names()})
        try:
            return super().__call__(y_true, y_pred, sample_weight, mask)  # type: ignore[misc]
        finally:
            object.__setattr__(self, "_call_weights", None)

    def _call_variables(self, y_pred: Any) -> dict[str, Any]:
        """The arrays of a call: ``variables=``'s, else the held ones (PyTorch: as Parameters on
        ``y_pred``'s device)."""
        if self._call_weights is not None:
            return self._call_weights
        weights = self._require_weights()
        if B.is_torch_array(y_pred):
            weights = {k: _torch_parameter(v, y_pred) for k, v in weights.items()}
            object.__setattr__(self, "_weights", weights)
        return weights


class ArcFace(_OwnsWeights, BuiltinLoss, function=arcface):
    """ArcFace loss that owns its class weights (see :func:`arcface`).

    A stateful loss: it holds the class weights, shape ``(embedding_size, num_classes)``,
    initialised from a standard normal as pytorch-metric-learning's ``ArcFaceLoss``, and they
    must be trained with the model.

    - PyTorch: the weights become a ``torch.nn.Parameter`` (on ``y_pred``'s device) and
      :meth:`parameters` yields it. ``anyloss.models.Model.fit`` trains it when the loss is
      given to ``compile``; elsewhere add it to the optimizer:
      ``torch.optim.Adam([*model.parameters(), *loss.parameters()])``.
    - JAX: the weights are the pytree :attr:`variables`, ``{"class_weights": W}``; pass it to
      each call (``loss(y_true, y_pred, variables=v)``) to differentiate with respect to it, and
      assign the trained values back (``loss.variables = v``).

    The weights are state, not config: :meth:`get_config` stores the shapes and
    hyperparameters only. ``anyloss.models.Model.save`` stores them with the model; elsewhere
    save them with ``torch.save(loss.state_dict(), path)`` (load with
    :meth:`load_state_dict`, which also takes pytorch-metric-learning's ``{"W": ...}``) or with
    the JAX pytree in your checkpoint.

    Args:
        num_classes: The number of classes. Default: ``None``, taken from ``class_weights``
            (a loss with neither has no weights, and raises when called).
        embedding_size: The embeddings' size. Default: ``None``, taken from
            ``class_weights``.
        margin: The additive angular margin in degrees, in ``[0, 180]``. Default: 28.6.
        scale: The factor applied to the cosines, a float > 0. Default: 64.0.
        class_weights: Initial weights, shape ``(embedding_size, num_classes)``, of any array
            library. Default: ``None``, drawn from a standard normal.
        seed: The seed of that draw (an int), or ``None`` for a fresh one. Default: ``None``.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"arcface"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> loss = al.ArcFace(class_weights=np.eye(2), scale=4.0)
        >>> y_true = np.array([0, 1])
        >>> y_pred = np.array([[1.0, 0.2], [0.1, 1.0]])
        >>> round(float(loss(y_true, y_pred)), 4)
        0.0751
        >>> loss.get_config()["num_classes"], loss.variables["class_weights"].shape
        (2, (2, 2))
    """

    margin: float
    scale: float
    num_classes: int | None
    embedding_size: int | None
    seed: int | None

    def __init__(
        self,
        num_classes: int | None = None,
        embedding_size: int | None = None,
        margin: float = 28.6,
        scale: float = 64.0,
        class_weights: Any = None,
        seed: int | None = None,
        reduction: Any = "sum_over_batch_size",
        name: str = "arcface",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, margin=margin, scale=scale)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            msg = f"Argument `seed` of ArcFace must be an int or None. Received: seed={shown(seed)}"
            raise TypeError(msg)
        if class_weights is not None:
            shape = tuple(B.shape(class_weights)) if B.is_array(class_weights) else None
            if shape is None or len(shape) != 2:
                msg = (
                    "Argument `class_weights` of ArcFace must be an array of shape "
                    "(embedding_size, num_classes). Received: "
                    f"class_weights={shown(class_weights)}"
                )
                raise ValueError(msg)
            num_classes = shape[1] if num_classes is None else num_classes
            embedding_size = shape[0] if embedding_size is None else embedding_size
        for arg, value in (("num_classes", num_classes), ("embedding_size", embedding_size)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                msg = (
                    f"Argument `{arg}` of ArcFace must be a positive int. Received: "
                    f"{arg}={shown(value)}"
                )
                raise ValueError(msg)
        object.__setattr__(self, "num_classes", None if num_classes is None else int(num_classes))
        object.__setattr__(
            self, "embedding_size", None if embedding_size is None else int(embedding_size)
        )
        object.__setattr__(self, "seed", seed)
        self._init_state()
        if class_weights is None and num_classes is not None and embedding_size is not None:
            rng = np.random.default_rng(seed)
            class_weights = rng.standard_normal((int(embedding_size), int(num_classes)))
            class_weights = class_weights.astype(np.float32)
        if class_weights is not None:
            self._set_weights(class_weights)

    # ----------------------------------------------------------------- state
    _state_keys: ClassVar[Mapping[str, str]] = {"class_weights": "class_weights"}
    _state_aliases: ClassVar[Mapping[str, str]] = {"W": "class_weights"}
    _symbols: ClassVar[Mapping[str, str]] = {"class_weights": "W"}

    def _no_weights(self) -> str:
        return (
            "ArcFace has no class weights: give num_classes and embedding_size (or "
            "class_weights) to the constructor, e.g. ArcFace(num_classes=10, "
            "embedding_size=128)."
        )

    def _check_shapes(self, shapes: dict[str, tuple[int, ...] | None]) -> None:
        expected = (self.embedding_size, self.num_classes)
        shape = shapes["class_weights"]
        if shape is not None and len(shape) == 2 and None in expected:
            object.__setattr__(self, "embedding_size", shape[0])
            object.__setattr__(self, "num_classes", shape[1])
            expected = shape
        if shape != expected:
            msg = (
                f"ArcFace's class weights must have shape (embedding_size, num_classes) = "
                f"{expected}. Received: shape {shape}."
            )
            raise ValueError(msg)

    def _set_weights(self, weights: Any) -> None:
        self._set_variables({"class_weights": weights})

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load weights saved by :meth:`state_dict`, or pytorch-metric-learning's ``ArcFaceLoss``
        state (``{"W": ...}``, the same layout)."""
        super().load_state_dict(state_dict)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        arguments = {**self.arguments(), **self._call_variables(y_pred)}
        return self.builtin.per_sample(y_true, y_pred, arguments)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            num_classes=self.num_classes, embedding_size=self.embedding_size, seed=self.seed
        )
        return config


# The weights are state, not a hyperparameter: not an attribute checked on assignment, nor in
# the config.
ArcFace._arguments = ("margin", "scale")


def _check_linear_ce(arguments: dict[str, Any]) -> dict[str, Any]:
    check_probability(arguments["label_smoothing"], "label_smoothing")
    _check_ignore_class(arguments["ignore_class"])
    _check_chunk_size(arguments["chunk_size"], True)
    return arguments


@builtin(
    inputs=Inputs.EMBEDDING,
    check=_check_linear_ce,
    masked=True,
    torch_kernel=torch_kernels.sparse_linear_cross_entropy,
    align_ranks=False,
    origin="torch",
    peers=(
        Peer(
            "torch.nn.LinearCrossEntropyLoss",
            settings={"ignore_class": -100, "reduction": "sum_over_batch_size"},
            renames={
                "in_features": "in_features",
                "num_classes": "num_classes",
                "bias": "bias",
                "ignore_index": "ignore_class",
                "label_smoothing": "label_smoothing",
            },
            choices={
                "reduction": TORCH_REDUCTIONS,
                "out_features": {(): {}},
                "weight": {None: {}},
                "options": {None: {}},
                "device": {None: {}},
                "dtype": {None: {}},
            },
            note="call loss(target, input): integer class targets, input (batch, in_features). "
            "The linear layer's weight (num_classes, in_features) and bias are the loss' state, "
            "under torch's keys: copy them with loss.load_state_dict(peer.state_dict()). "
            "ignore_index=None ignores nothing (torch: -100, its default here too). Class "
            "`weight` is not supported: pass sample_weight=weight[target] with "
            "reduction='mean_with_sample_weight'. out_features (K-dimensional targets) is not "
            "supported: compute the logits and use torch.nn.CrossEntropyLoss' spelling. For "
            "`options` (torch's chunking) use chunk_size=rows; device and dtype: loss.to(...). "
            "Probability targets are not supported. An all-ignored batch averages to 0 "
            "(torch: NaN).",
        ),
    ),
)
def sparse_linear_cross_entropy(
    y_true: Any,
    y_pred: Any,
    weight: Any = None,
    bias: Any = None,
    ignore_class: int | None = None,
    label_smoothing: float = 0.0,
    chunk_size: int | None = None,
) -> Any:
    """Cross-entropy of a linear layer's logits per label: the loss of an output layer that the
    loss owns (:class:`LinearCrossEntropy` holds ``weight`` and ``bias``; this function takes
    them), as ``torch.nn.LinearCrossEntropyLoss``::

        logits = y_pred @ weight.T + bias                            (..., num_classes)
        loss   = (1 - ls) * (logsumexp(logits) - logits[y_true])
                 + ls * (logsumexp(logits) - mean(logits))           ls = label_smoothing

    Entries equal to ``ignore_class`` give 0 and do not count in a class' mean. On PyTorch,
    ``chunk_size`` rows at a time never hold the ``(N, num_classes)`` logits (see
    :func:`anyloss.linear_cross_entropy`).

    Args:
        y_true: Integer class labels in ``[0, num_classes)``, shape ``y_pred.shape[:-1]``.
        y_pred: The hidden states (the layer's input), shape ``(..., in_features)``.
        weight: The layer's weight, shape ``(num_classes, in_features)``. Required.
        bias: The layer's bias, shape ``(num_classes,)``, or ``None``. Default: ``None``.
        ignore_class: A label whose entries give 0 (e.g. -100), or ``None``. Default: ``None``.
        label_smoothing: In ``[0, 1]``. Default: 0.0.
        chunk_size: Rows per chunk (a positive int), or ``None``. Default: ``None``.

    Returns:
        The loss per label, shape ``y_true``'s, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_pred = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> weight = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> al.sparse_linear_cross_entropy(np.array([1, 2]), y_pred, weight).round(4).tolist()
        [1.862, 0.862]

    Reference:
        PyTorch's ``torch.nn.LinearCrossEntropyLoss`` and
        ``torch.nn.functional.linear_cross_entropy``.
    """
    name = "sparse_linear_cross_entropy"
    if weight is None:
        msg = (
            f"{name}: `weight` is required, shape (num_classes, in_features). Use the class "
            "anyloss.LinearCrossEntropy(in_features, num_classes), which owns and trains it, or "
            f"pass the layer's weight: {name}(y_true, y_pred, weight=W)."
        )
        raise ValueError(msg)
    xp, y_pred = B.prediction(y_pred)
    labels = integer_labels(xp, y_true, y_pred)
    true_shape = B.shape(labels)
    if B.ndim(y_pred) >= 1 and B.ndim(labels) == B.ndim(y_pred) and true_shape[-1] == 1:
        labels = xp.reshape(labels, true_shape[:-1])
    if B.ndim(y_pred) < 1 or B.shape(labels) != B.shape(y_pred)[:-1]:
        msg = (
            f"{name}: `y_true` needs one label per embedding (hidden state), shape "
            f"{B.shape(y_pred)[:-1]} for y_pred.shape={B.shape(y_pred)}. Received: "
            f"y_true.shape={true_shape}."
        )
        raise ValueError(msg)
    xp, hidden, weight, bias, labels = linear_inputs(name, y_pred, weight, bias, labels)
    if chunk_size is None:
        B.check_label_range(xp, labels, B.shape(weight)[0], name, ignore_class, "ignore_class")
    if 0 in B.shape(labels):  # no labels: Dask's max over an empty chunk fails
        return MaskedValues(xp.sum(hidden, axis=-1), None)
    return linear_crossentropy_values(
        xp, hidden, weight, bias, labels, ignore_class, label_smoothing, chunk_size, name
    )


class LinearCrossEntropy(_OwnsWeights, BuiltinLoss, function=sparse_linear_cross_entropy):
    """Cross-entropy of a linear layer that the loss owns, as ``torch.nn.LinearCrossEntropyLoss``
    (see :func:`sparse_linear_cross_entropy`), called ``loss(y_true=labels, y_pred=hidden)``.

    A stateful loss: it holds the layer's ``weight``, shape ``(num_classes, in_features)``, and,
    with ``bias=True``, its ``bias`` ``(num_classes,)``, initialised as ``torch.nn.Linear``
    (uniform in ``+-1/sqrt(in_features)``). They train with the model as :class:`ArcFace`'s
    weights: ``parameters()`` on PyTorch (``anyloss.models.Model.fit`` gathers them), the pytree
    ``variables`` (``{"weight": W, "bias": b}``) on JAX. They are state, not config:
    :meth:`get_config` stores the sizes; :meth:`state_dict` uses torch's keys
    (``linear.weight``, ``linear.bias``), so ``loss.load_state_dict(peer.state_dict())`` and
    the reverse copy them.

    Args:
        in_features: The hidden size. Default: ``None``, taken from ``weight``.
        num_classes: The number of classes. Default: ``None``, taken from ``weight``.
        bias: Whether the layer has a bias (a bool; ``None``: no bias), or its initial values
            ``(num_classes,)``. Default: ``False``.
        ignore_class: A label whose entries give 0 and do not count in the mean (torch's
            ``ignore_index``), or ``None``. Default: ``None``.
        label_smoothing: In ``[0, 1]``. Default: 0.0.
        chunk_size: Rows per chunk on PyTorch (never holds the logits), or ``None``.
        weight: Initial weight ``(num_classes, in_features)``, of any array library. Default:
            ``None``, drawn as torch's.
        seed: The seed of that draw (an int), or ``None`` for a fresh one. Default: ``None``.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"`` or ``"none"``; ignored labels do not count.
        name: The loss' name. Default: ``"sparse_linear_cross_entropy"``.
        dtype: Compute dtype. Default: ``None``, ``y_pred``'s float dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> loss = al.LinearCrossEntropy(weight=np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        >>> round(float(loss(np.array([1, 2]), np.array([[1.0, 0.0], [0.0, 1.0]]))), 4)
        1.362
        >>> sorted(loss.variables), loss.get_config()["num_classes"]
        (['weight'], 3)
    """

    in_features: int | None
    num_classes: int | None
    bias: bool
    ignore_class: int | None
    label_smoothing: float
    chunk_size: int | None
    seed: int | None
    _state_keys: ClassVar[Mapping[str, str]] = {"weight": "linear.weight", "bias": "linear.bias"}
    _symbols: ClassVar[Mapping[str, str]] = {"weight": "W", "bias": "b"}

    def __init__(
        self,
        in_features: int | None = None,
        num_classes: int | None = None,
        bias: Any = False,
        ignore_class: int | None = None,
        label_smoothing: float = 0.0,
        chunk_size: int | None = None,
        weight: Any = None,
        seed: int | None = None,
        reduction: Any = "sum_over_batch_size",
        name: str = "sparse_linear_cross_entropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            label_smoothing=label_smoothing,
            chunk_size=chunk_size,
        )
        owner = "LinearCrossEntropy"
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            msg = f"Argument `seed` of {owner} must be an int or None. Received: seed={shown(seed)}"
            raise TypeError(msg)
        bias_values = None
        if B.is_array(bias):
            bias_values, bias = bias, True
        elif bias is None:  # as the function's bias=None: no bias
            bias = False
        elif not isinstance(bias, (bool, np.bool_)):
            msg = (
                f"Argument `bias` of {owner} must be a bool (whether the layer has a bias) or "
                f"an array of shape (num_classes,). Received: bias={shown(bias)}"
            )
            raise TypeError(msg)
        if weight is not None:
            shape = tuple(B.shape(weight)) if B.is_array(weight) else None
            if shape is None or len(shape) != 2:
                msg = (
                    f"Argument `weight` of {owner} must be an array of shape (num_classes, "
                    f"in_features). Received: weight={shown(weight)}"
                )
                raise ValueError(msg)
            num_classes = shape[0] if num_classes is None else num_classes
            in_features = shape[1] if in_features is None else in_features
        for arg, value in (("in_features", in_features), ("num_classes", num_classes)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                msg = (
                    f"Argument `{arg}` of {owner} must be a positive int. Received: "
                    f"{arg}={shown(value)}"
                )
                raise ValueError(msg)
        object.__setattr__(self, "in_features", None if in_features is None else int(in_features))
        object.__setattr__(self, "num_classes", None if num_classes is None else int(num_classes))
        object.__setattr__(self, "bias", bool(bias))
        object.__setattr__(self, "seed", seed)
        self._init_state()
        if weight is None and self.in_features is not None and self.num_classes is not None:
            # torch.nn.Linear's initialisation: uniform in +-1/sqrt(in_features), both arrays.
            rng = np.random.default_rng(seed)
            bound = 1.0 / math.sqrt(self.in_features)
            weight = rng.uniform(-bound, bound, (self.num_classes, self.in_features))
            weight = weight.astype(np.float32)
            if self.bias and bias_values is None:
                bias_values = rng.uniform(-bound, bound, self.num_classes).astype(np.float32)
        if weight is not None:
            if self.bias and bias_values is None:
                bias_values = np.zeros(B.shape(weight)[0], np.float32)
            values = {"weight": weight}
            if self.bias:
                values["bias"] = bias_values
            self._set_variables(values)
        elif bias_values is not None:
            msg = (
                f"Argument `bias` of {owner} holds values, but the weight is unknown: give "
                "in_features and num_classes, or weight."
            )
            raise ValueError(msg)

    def _names(self) -> tuple[str, ...]:
        return ("weight", "bias") if self.bias else ("weight",)

    def _no_weights(self) -> str:
        return (
            "LinearCrossEntropy has no weight: give in_features and num_classes (or weight) to "
            "the constructor, e.g. LinearCrossEntropy(in_features=768, num_classes=32000)."
        )

    def _check_shapes(self, shapes: dict[str, tuple[int, ...] | None]) -> None:
        expected = (self.num_classes, self.in_features)
        shape = shapes["weight"]
        if shape is not None and len(shape) == 2 and None in expected:
            object.__setattr__(self, "num_classes", shape[0])
            object.__setattr__(self, "in_features", shape[1])
            expected = shape
        if shape != expected:
            msg = (
                f"LinearCrossEntropy's weight must have shape (num_classes, in_features) = "
                f"{expected}. Received: shape {shape}."
            )
            raise ValueError(msg)
        if self.bias and shapes.get("bias") != (expected[0],):
            msg = (
                f"LinearCrossEntropy's bias must have shape (num_classes,) = ({expected[0]},). "
                f"Received: shape {shapes.get('bias')}."
            )
            raise ValueError(msg)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load arrays saved by :meth:`state_dict`, or ``torch.nn.LinearCrossEntropyLoss``'
        state (``linear.weight``, ``linear.bias``: the same layout)."""
        if isinstance(state_dict, Mapping):
            for key, refused in (
                ("weight", "torch's class weights are not supported (see the peer's note)"),
                ("linear.bias" if not self.bias else "", "this loss has no bias: bias=True"),
            ):
                if key and key in state_dict:
                    msg = (
                        f"LinearCrossEntropy.load_state_dict got the key {key!r}: {refused}. "
                        f"Received the keys {sorted(state_dict)}."
                    )
                    raise ValueError(msg)
        super().load_state_dict(state_dict)

    def _layer_arguments(self, y_pred: Any) -> dict[str, Any]:
        return {**self.arguments(), "bias": None, **self._call_variables(y_pred)}

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return self.builtin.per_sample(y_true, y_pred, self._layer_arguments(y_pred))

    def fused(self, y_true: Any, y_pred: Any) -> Any:
        if not B.torch_kernels_apply(y_pred):
            return None
        kernel = type(self)._kernel
        arguments = self._layer_arguments(y_pred)
        return _fused_kernel(
            self.builtin, y_true, y_pred, self.reduction, self.dtype, arguments, kernel
        )

    def fused_values(self, y_true: Any, y_pred: Any) -> tuple[Any, Any] | None:
        if not B.torch_kernels_apply(y_pred):
            return None
        kernel = type(self)._kernel
        arguments = self._layer_arguments(y_pred)
        return _kernel_values(self.builtin, y_true, y_pred, self.dtype, arguments, kernel)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            in_features=self.in_features,
            num_classes=self.num_classes,
            bias=self.bias,
            seed=self.seed,
        )
        return config


# The layer's arrays are state, not hyperparameters (``bias`` is whether there is one).
LinearCrossEntropy._arguments = ("ignore_class", "label_smoothing", "chunk_size")
# Its call adds the layer's arrays, and so do its fused calls (with this kernel).
LinearCrossEntropy._kernel = torch_kernels.sparse_linear_cross_entropy
