"""Proxy-based metric-learning losses: losses that own learned class weights (ArcFace).

The function is the declared formula and takes the class weights as an argument; the class
holds them as state that a training loop optimises (a ``torch.nn.Parameter`` on PyTorch,
gathered by ``anyloss.models.Model.fit``; a pytree ``loss.variables`` on JAX).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, Peer, builtin
from anyloss.losses._prepare import integer_labels
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


class ArcFace(BuiltinLoss, function=arcface):
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
    #: The class weights (None until the shapes are known); per-call weights (``variables=``).
    _weights: Any
    _call_weights: Any

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
        object.__setattr__(self, "_weights", None)
        object.__setattr__(self, "_call_weights", None)
        if class_weights is None and num_classes is not None and embedding_size is not None:
            rng = np.random.default_rng(seed)
            class_weights = rng.standard_normal((int(embedding_size), int(num_classes)))
            class_weights = class_weights.astype(np.float32)
        if class_weights is not None:
            self._set_weights(class_weights)

    # ----------------------------------------------------------------- state
    def _require_weights(self) -> Any:
        if self._weights is None:
            msg = (
                "ArcFace has no class weights: give num_classes and embedding_size (or "
                "class_weights) to the constructor, e.g. ArcFace(num_classes=10, "
                "embedding_size=128)."
            )
            raise ValueError(msg)
        return self._weights

    def _set_weights(self, weights: Any) -> None:
        expected = (self.embedding_size, self.num_classes)
        shape = tuple(B.shape(weights)) if B.is_array(weights) else None
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
        current: Any = self.__dict__.get("_weights")
        if B.is_torch_array(current) and B.is_torch_array(weights):
            # In place: the Parameter an optimizer holds stays the same (dtype taken as given).
            current.data = weights.detach().to(current.device).clone()
            return
        object.__setattr__(self, "_weights", weights)

    @property
    def variables(self) -> dict[str, Any]:
        """The state, ``{"class_weights": W}`` with ``W`` of shape ``(embedding_size,
        num_classes)`` (a ``torch.nn.Parameter`` once used on PyTorch). Assign a dict of the same
        form to replace it (a JAX pytree after training, say)."""
        return {"class_weights": self._require_weights()}

    @variables.setter
    def variables(self, value: Mapping[str, Any]) -> None:
        if not isinstance(value, Mapping) or set(value) != {"class_weights"}:
            msg = (
                f"ArcFace.variables must be a dict {{'class_weights': W}}. Received: {shown(value)}"
            )
            raise ValueError(msg)
        self._set_weights(value["class_weights"])

    def parameters(self) -> Iterator[Any]:
        """The trainable ``torch.nn.Parameter`` (the class weights), for a PyTorch optimizer."""
        parameter = _torch_parameter(self._require_weights())
        object.__setattr__(self, "_weights", parameter)
        yield parameter

    def state_dict(self) -> dict[str, Any]:
        """``{"class_weights": tensor}`` (PyTorch), for ``torch.save``."""
        return {"class_weights": next(self.parameters())}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load weights saved by :meth:`state_dict`, or pytorch-metric-learning's ``ArcFaceLoss``
        state (``{"W": ...}``, the same layout)."""
        keys = [k for k in ("class_weights", "W") if k in state_dict]
        if len(keys) != 1:
            msg = (
                "ArcFace.load_state_dict needs one of the keys 'class_weights' or 'W'. "
                f"Received the keys {sorted(state_dict)}."
            )
            raise ValueError(msg)
        if self._weights is not None:
            next(self.parameters())  # PyTorch state loads into the held Parameter, in place
        self._set_weights(state_dict[keys[0]])

    def to(self, *args: Any, **kwargs: Any) -> ArcFace:
        """Move the class weights (PyTorch: ``loss.to(device)``, as for a module)."""
        parameter = next(self.parameters())
        parameter.data = parameter.data.to(*args, **kwargs)
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> ArcFace:
        return self.to("cuda")

    def cpu(self) -> ArcFace:
        return self.to("cpu")

    # ----------------------------------------------------------------- calls
    def __call__(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
        mask: Any = None,
        variables: Mapping[str, Any] | None = None,
    ) -> Any:
        """The reduced loss; ``variables`` (``{"class_weights": W}``) replaces the held weights
        for this call (JAX: differentiate with respect to them)."""
        if variables is not None:
            if not isinstance(variables, Mapping) or "class_weights" not in variables:
                msg = (
                    "Argument `variables` must be a dict {'class_weights': W}. Received: "
                    f"{shown(variables)}"
                )
                raise ValueError(msg)
            object.__setattr__(self, "_call_weights", variables["class_weights"])
        try:
            return super().__call__(y_true, y_pred, sample_weight, mask)
        finally:
            object.__setattr__(self, "_call_weights", None)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        weights = self._call_weights
        if weights is None:
            weights = self._require_weights()
            if B.is_torch_array(y_pred):
                weights = _torch_parameter(weights, y_pred)
                object.__setattr__(self, "_weights", weights)
        arguments = {**self.arguments(), "class_weights": weights}
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
