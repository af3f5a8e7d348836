"""Learning-to-rank losses on lists of scores: softmax (ListNet), pairwise logistic (RankNet)
and ListMLE, one value per list.

``y_true`` holds graded relevance labels ``(batch, list_size)`` (any leading axes; the list is
the last axis): an item with a label < 0 is not in its list (padding). ``y_pred`` holds the
model's scores, the same shape. A list with no item in it (every label < 0) is masked: it
counts neither in the loss nor in the ``sum_over_batch_size`` mean (its value is 0).
"""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_number
from anyloss._text import shown
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, MaskedValues, Peer, builtin
from anyloss.losses._prepare import prepare

#: keras-rs' constructor arguments that anyloss takes unchanged.
_KERAS_RS = {"temperature": "temperature", "reduction": "reduction", "name": "name"}
#: ``normalization`` of :func:`pairwise_logistic`.
PAIR_NORMALIZATIONS = ("sum", "pairs", "list_size")
#: keras-rs' pairwise losses return one value per item (its pairs summed), so its Keras mean
#: runs over ``batch * list_size`` items: a list's sum divided by ``list_size``, then the mean
#: over lists; its ``"sum"`` is the sum over lists.
_KERAS_RS_PAIRWISE = {
    reduction: {"reduction": reduction, "normalization": "list_size"}
    for reduction in ("sum_over_batch_size", "auto", "mean", "mean_with_sample_weight")
} | {"sum": {"reduction": "sum", "normalization": "sum"}}


def _lists(y_true: Any, y_pred: Any, loss: str) -> tuple[Any, Any, Any, Any]:
    """``(xp, labels, scores, valid)``: shapes checked, ``valid`` the items in the lists."""
    xp, y_true, y_pred = prepare(y_true, y_pred, loss, align=False, same_shape=False)
    st, sp = B.shape(y_true), B.shape(y_pred)
    if B.ndim(y_pred) == 0:
        msg = (
            f"{loss}: `y_pred` must hold one score per item, shape (batch, list_size). "
            f"Received: y_pred.shape={sp}. Reshape it to (batch, list_size)."
        )
        raise ValueError(msg)
    if st != sp:
        msg = (
            f"{loss}: `y_true` and `y_pred` must have the same shape (batch, list_size): one "
            f"relevance label per scored item. Received: y_true.shape={st} and "
            f"y_pred.shape={sp}. Reshape y_true to {sp}, with a label < 0 for padding."
        )
        raise ValueError(msg)
    # A NaN label is in the list (``not < 0``), so the loss of its list is NaN, not silent.
    return xp, y_true, y_pred, ~(y_true < 0)


def _no_lists(shape: tuple[Any, ...]) -> bool:
    """Whether there is no list at all (an empty batch): the max inside log-sum-exp then has
    nothing to reduce (Dask refuses a zero-size chunk), and every value is known to be empty."""
    return any(size == 0 for size in shape[:-1])


def _masked(xp: Any, values: Any, valid: Any, labels: Any) -> MaskedValues:
    """Per-list values, masked where the list has no item; NaN where a label is NaN (pairs
    and sort orders compare labels, which would drop a NaN silently)."""
    nan = xp.any(xp.isnan(labels), axis=-1)
    values = xp.where(nan, xp.full_like(values, xp.nan), values)
    return MaskedValues(values, xp.any(valid, axis=-1))


def _check_temperature(owner: str) -> Any:
    def check(arguments: dict[str, Any]) -> dict[str, Any]:
        normalization = arguments.get("normalization", "sum")
        if not isinstance(normalization, str) or normalization not in PAIR_NORMALIZATIONS:
            msg = (
                f"Argument `normalization` of {owner} must be one of "
                f"{', '.join(map(repr, PAIR_NORMALIZATIONS))}. Received: normalization="
                f"{shown(normalization)}. 'sum' sums each list's pairs, 'pairs' averages them, "
                "'list_size' divides the sum by the list's length (keras-rs)."
            )
            raise ValueError(msg)
        return {
            **arguments,
            "temperature": check_number(
                arguments["temperature"],
                "temperature",
                minimum=0.0,
                open_minimum=True,
                owner=owner,
            ),
        }

    return check


@builtin(
    inputs=Inputs.LISTS,
    aliases=("listnet",),
    masked=True,
    origin="optax",
    peers=(
        Peer(
            "optax.ranking_softmax_loss",
            note="optax's (logits, labels) is anyloss' (y_true=labels, y_pred=logits); optax's "
            "where=False is a label < 0 here; its weights= is not supported; reduce_fn=jnp.mean "
            "is the default reduction, jnp.sum is reduction='sum', None is reduction='none'.",
        ),
    ),
)
def ranking_softmax(y_true: Any, y_pred: Any) -> Any:
    """Ranking softmax loss (ListNet) per list: cross-entropy of the labels against the
    softmax of the scores over the list.

    A listwise learning-to-rank loss: it raises the softmax share of the relevant items of
    each list. The labels are used as they are (not normalised to sum to 1), as optax and rax
    do, so a list with more relevance weighs more. The same numbers as optax's
    ``ranking_softmax_loss`` (with ``where=labels >= 0``).

    ::

        valid = y_true >= 0
        loss = -sum_i valid_i * y_true_i * log(softmax(y_pred over the valid items)_i)

    Args:
        y_true: Graded relevance labels, shape ``(batch, list_size)``; items with a label
            < 0 are not in the list.
        y_pred: Scores, the same shape.

    Returns:
        One value per list, shape ``(batch,)``, an array of ``y_pred``'s library; 0 for a
        list without items (masked in ``RankingSoftmax``'s mean).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, -1.0]])
        >>> y_pred = np.array([[2.0, 1.0, 3.0], [1.0, 0.5, 9.0]])
        >>> al.ranking_softmax(y_true, y_pred).round(4).tolist()
        [1.4076, 1.9482]

    Reference:
        Zhe Cao, Tao Qin, Tie-Yan Liu, Ming-Feng Tsai and Hang Li, "Learning to Rank: From
        Pairwise Approach to Listwise Approach", ICML 2007; optax's
        ``optax.losses.ranking_softmax_loss``.
    """
    xp, labels, scores, valid = _lists(y_true, y_pred, "ranking_softmax")
    if _no_lists(B.shape(scores)):
        return _masked(xp, xp.sum(scores, axis=-1), valid, labels)
    # The library's log-softmax over the valid items (a list without items gives NaN there,
    # which the where drops, in value and gradient). A NaN label is valid (``_lists``), so its
    # list is NaN through the product: no NaN pass over the labels as the pair losses need.
    log_p = B.log_softmax(xp, xp.where(valid, scores, xp.full_like(scores, -xp.inf)), axis=-1)
    values = -xp.sum(xp.where(valid, labels * log_p, xp.zeros_like(scores)), axis=-1)
    return MaskedValues(values, xp.any(valid, axis=-1))


@builtin(
    inputs=Inputs.LISTS,
    aliases=("pairwise_logistic_loss", "ranknet"),
    check=_check_temperature("pairwise_logistic"),
    masked=True,
    origin="rax",
    peers=(
        Peer(
            "keras_rs.losses.PairwiseLogisticLoss",
            settings={"normalization": "list_size"},
            renames={"temperature": "temperature", "name": "name"},
            choices={"reduction": _KERAS_RS_PAIRWISE},
            note="keras-rs returns one value per item, so its mean divides each list's sum by "
            "list_size (normalization='list_size'); its reduction=None (per item) is not "
            "supported. keras-rs counts a list without items as 0 in its mean; anyloss leaves "
            "it out. Its y_true dict {'labels', 'mask'} is not supported: give masked items a "
            "label < 0.",
        ),
    ),
)
def pairwise_logistic(
    y_true: Any, y_pred: Any, temperature: float = 1.0, normalization: str = "sum"
) -> Any:
    """Pairwise logistic loss (RankNet) per list: the logistic loss of every pair of items
    whose labels differ, summed over the list's pairs.

    A pairwise learning-to-rank loss: for each pair where item ``i`` is more relevant than
    item ``j`` it penalises ``s_i - s_j`` not being large. Summed over each list's pairs, as
    rax's ``pairwise_logistic_loss`` defines it (its ``reduce_fn=jnp.sum`` is
    ``reduction="sum"``; its default ``reduce_fn=jnp.mean`` averages over every pair of the
    batch, which is ``normalization="pairs"`` for a single list). keras-rs'
    ``PairwiseLogisticLoss`` returns each item's pairs, so its mean is
    ``normalization="list_size"``.

    ::

        valid = y_true >= 0
        pairs = {(i, j): i, j valid, y_true_i > y_true_j}
        total = sum_{(i, j) in pairs} log(1 + exp(-(s_i - s_j) / temperature))
        loss = total                         (normalization="sum")
               total / max(len(pairs), 1)    (normalization="pairs")
               total / list_size             (normalization="list_size", keras-rs)

    Args:
        y_true: Graded relevance labels, shape ``(batch, list_size)``; items with a label
            < 0 are not in the list.
        y_pred: Scores, the same shape.
        temperature: Divides the score differences, a float > 0. Default: 1.0.
        normalization: ``"sum"`` (default), ``"pairs"`` or ``"list_size"``; see above.

    Returns:
        One value per list, shape ``(batch,)``, an array of ``y_pred``'s library; 0 for a
        list without pairs (masked in ``PairwiseLogistic``'s mean when it has no item).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0, 3.0, 2.0]])
        >>> y_pred = np.array([[1.0, 3.0, 2.0, 4.0, 0.8]])
        >>> al.pairwise_logistic(y_true, y_pred).round(4).tolist()
        [8.5354]

    Reference:
        Chris Burges, Tal Shaked, Erin Renshaw, Ari Lazier, Matt Deeds, Nicole Hamilton and
        Greg Hullender, "Learning to Rank using Gradient Descent", ICML 2005; rax's
        ``rax.pairwise_logistic_loss`` and keras-rs' ``keras_rs.losses.PairwiseLogisticLoss``.
    """
    xp, labels, scores, valid = _lists(y_true, y_pred, "pairwise_logistic")
    # y_true_i > y_true_j >= 0 makes i valid too (a NaN label compares False), so only j's
    # validity is tested. The (n, n) pairs are flattened to n * n: jitted JAX sums one axis
    # faster than two (32x10 lists: fwd+bwd 0.8x the time).
    pairs = (labels[..., :, None] > labels[..., None, :]) & valid[..., None, :]
    sizes = B.dynamic_shape(scores)
    flat = (*sizes[:-1], sizes[-1] * sizes[-1])
    pairs = xp.reshape(pairs, flat)
    # -(s_i - s_j) / temperature
    losses = B.softplus_one_exp(
        xp, xp.reshape((scores[..., None, :] - scores[..., :, None]) / temperature, flat)
    )
    values = xp.sum(xp.where(pairs, losses, xp.zeros_like(losses)), axis=-1)
    if normalization == "pairs":
        count = xp.sum(xp.astype(pairs, values.dtype), axis=-1)
        values = values / xp.clip(count, 1.0, None)
    elif normalization == "list_size":
        values = values / max(B.shape(scores)[-1], 1)
    return _masked(xp, values, valid, labels)


@builtin(
    inputs=Inputs.LISTS,
    aliases=("listmle_loss", "list_mle"),
    check=_check_temperature("listmle"),
    masked=True,
    origin="rax",
    peers=(
        Peer(
            "keras_rs.losses.ListMLELoss",
            renames=_KERAS_RS,
            note="keras-rs adds 1e-10 inside the log of its max-shifted normalisers (it differs "
            "where a list's trailing scores are ~15 or more below its largest) and counts a list "
            "without items as 0 in its mean; anyloss leaves it out. Its y_true dict is not "
            "supported: give masked items a label < 0.",
        ),
    ),
)
def listmle(y_true: Any, y_pred: Any, temperature: float = 1.0) -> Any:
    """ListMLE loss per list: the negative log-likelihood of the ranking by the labels under
    the Plackett-Luce model of the scores.

    A listwise learning-to-rank loss: the items sorted by decreasing label (ties keep their
    order in the list, as rax and keras-rs do) should be drawn in that order, each with the
    softmax probability of its score among the items not drawn yet. The same numbers as rax's
    ``listmle_loss``.

    ::

        valid = y_true >= 0;  s = y_pred / temperature
        after(i) = the valid j ranked at or after i: y_true_j < y_true_i, or
                   y_true_j == y_true_i and j >= i
        loss = sum_{i valid} (log(sum_{j in after(i)} exp(s_j)) - s_i)

    Args:
        y_true: Graded relevance labels, shape ``(batch, list_size)``; items with a label
            < 0 are not in the list.
        y_pred: Scores, the same shape.
        temperature: Divides the scores, a float > 0. Default: 1.0.

    Returns:
        One value per list, shape ``(batch,)``, an array of ``y_pred``'s library; 0 for a
        list without items (masked in ``ListMLE``'s mean).

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]])
        >>> y_pred = np.array([[0.8, 0.6, 0.4, 0.2], [0.0, 0.0, 5.0, 5.0]])
        >>> al.listmle(y_true, y_pred).round(4).tolist()
        [2.6212, 0.6931]

    Reference:
        Fen Xia, Tie-Yan Liu, Jue Wang, Wensheng Zhang and Hang Li, "Listwise Approach to
        Learning to Rank: Theory and Algorithm", ICML 2008; rax's ``rax.listmle_loss`` and
        keras-rs' ``keras_rs.losses.ListMLELoss``.
    """
    xp, labels, scores, valid = _lists(y_true, y_pred, "listmle")
    if _no_lists(B.shape(scores)):
        return _masked(xp, xp.sum(scores, axis=-1), valid, labels)
    scores = scores / temperature
    # The items in drawing order: decreasing label, ties in list order (a stable sort of
    # -label), items not in the list last. Each drawn item's normaliser is the log-sum-exp of
    # the scores of the items present from it to the end.
    key = xp.where(valid, -labels, xp.full_like(labels, xp.inf))
    order = xp.argsort(key, axis=-1, stable=True)
    drawn = B.take_along_last(xp, scores, order)
    present = B.take_along_last(xp, valid, order)
    normaliser = B.suffix_logsumexp(xp, drawn, present)
    terms = xp.where(present, normaliser - drawn, xp.zeros_like(drawn))
    return _masked(xp, xp.sum(terms, axis=-1), valid, labels)


class RankingSoftmax(BuiltinLoss, function=ranking_softmax):
    """Ranking softmax loss (ListNet) over lists of scores.

    Wraps :func:`ranking_softmax`: calling the loss computes it per list, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says. Lists without
    items (every label < 0) are masked out: the mean is over the other lists (optax's).

    Args:
        reduction: How the per-list values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            lists with items), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided
            by the sum of the weights) or ``"none"``/``None`` (the per-list values,
            unreduced); tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"ranking_softmax"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 0.0], [-1.0, -1.0, -1.0]])
        >>> y_pred = np.array([[2.0, 1.0, 3.0], [1.0, 0.5, 9.0]])
        >>> round(float(al.RankingSoftmax()(y_true, y_pred)), 4)  # the second list is empty
        1.4076
    """

    def __init__(
        self,
        reduction: Any = "sum_over_batch_size",
        name: str = "ranking_softmax",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class PairwiseLogistic(BuiltinLoss, function=pairwise_logistic):
    """Pairwise logistic loss (RankNet) over lists of scores, summed over each list's pairs.

    Wraps :func:`pairwise_logistic`: calling the loss computes it per list, weights the values
    with ``sample_weight`` (if given) and reduces them as ``reduction`` says. Lists without
    items (every label < 0) are masked out of the mean.

    Args:
        temperature: Divides the score differences, a float > 0. Default: 1.0.
        normalization: How each list's sum over pairs is scaled: ``"sum"`` (default: not),
            ``"pairs"`` (divided by its number of pairs) or ``"list_size"`` (divided by
            ``list_size``: keras-rs' mean over items).
        reduction: How the per-list values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            lists with items), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided
            by the sum of the weights) or ``"none"``/``None`` (the per-list values,
            unreduced); tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"pairwise_logistic"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1.0, 0.0, 1.0, 3.0, 2.0], [0.0, 0.0, 1.0, -1.0, -1.0]])
        >>> y_pred = np.array([[1.0, 3.0, 2.0, 4.0, 0.8], [1.0, 0.0, 0.5, 2.0, 2.0]])
        >>> round(float(al.PairwiseLogistic()(y_true, y_pred)), 4)
        4.9918
    """

    temperature: float
    normalization: str

    def __init__(
        self,
        temperature: float = 1.0,
        normalization: str = "sum",
        reduction: Any = "sum_over_batch_size",
        name: str = "pairwise_logistic",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            temperature=temperature,
            normalization=normalization,
        )


class ListMLE(BuiltinLoss, function=listmle):
    """ListMLE loss over lists of scores: the Plackett-Luce negative log-likelihood of the
    ranking by the labels.

    Wraps :func:`listmle`: calling the loss computes it per list, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says. Lists without items
    (every label < 0) are masked out of the mean (rax's).

    Args:
        temperature: Divides the scores, a float > 0. Default: 1.0.
        reduction: How the per-list values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            lists with items), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided
            by the sum of the weights) or ``"none"``/``None`` (the per-list values,
            unreduced); tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"listmle"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[3.0, 2.0, 1.0, 0.0]])
        >>> y_pred = np.array([[0.8, 0.6, 0.4, 0.2]])
        >>> round(float(al.ListMLE()(y_true, y_pred)), 4)
        2.6212
    """

    temperature: float

    def __init__(
        self,
        temperature: float = 1.0,
        reduction: Any = "sum_over_batch_size",
        name: str = "listmle",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, temperature=temperature)
