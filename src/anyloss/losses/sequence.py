"""Connectionist temporal classification (CTC) loss."""

from __future__ import annotations

from typing import Any

from anyloss import backend as B
from anyloss._arguments import check_flag
from anyloss.backend import _torch_kernels as torch_kernels
from anyloss.losses._base import BuiltinLoss
from anyloss.losses._builtin import Inputs, Peer, builtin
from anyloss.losses._prepare import integer_labels

BLANK = 0


def _check_ctc(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "divide_by_label_length": check_flag(
            arguments["divide_by_label_length"], "divide_by_label_length"
        ),
        "zero_infinity": check_flag(arguments["zero_infinity"], "zero_infinity"),
    }


_LAYOUT = (
    "anyloss takes labels padded at the end with 0, (batch, max_label_length) (0 is the blank "
    "and the padding: blank 0 only), and batch-major logits (batch, time, classes); every frame "
    "counts. For shorter inputs, set the frames past each length to a certain blank (logits "
    "[0, -1e4, ..., -1e4]): paths stay on the blank there with probability 1, which gives the "
    "loss of the shorter input (its gradient stops at those frames when they are set with a "
    "where)."
)


@builtin(
    inputs=Inputs.SEQUENCE,
    align_ranks=False,
    check=_check_ctc,
    torch_kernel=torch_kernels.ctc,
    peers=(
        Peer(
            "torch.nn.CTCLoss",
            settings={"divide_by_label_length": True, "reduction": "sum_over_batch_size"},
            renames={"zero_infinity": "zero_infinity"},
            choices={
                "blank": {0: {}},
                "reduction": {
                    "mean": {"divide_by_label_length": True, "reduction": "sum_over_batch_size"},
                    "sum": {"divide_by_label_length": False, "reduction": "sum"},
                    "none": {"divide_by_label_length": False, "reduction": "none"},
                },
            },
            note=(
                "call loss(targets, log_probs.transpose(0, 1)): torch's input is time-major "
                "(time, batch, classes), anyloss' batch-major; log-probabilities are valid "
                "logits (log_softmax of a log_softmax is itself). input_lengths are the time "
                "length and target_lengths the count of non-zero targets; concatenated 1-D "
                "targets are not supported. 'mean' divides each loss by its target length "
                "(divide_by_label_length=True), then averages. " + _LAYOUT
            ),
        ),
        Peer(
            "optax.ctc_loss",
            settings={"reduction": "none"},
            choices={"blank_id": {0: {}}, "log_epsilon": {-1e5: {}}},
            note=(
                "call loss(labels, logits): label_paddings are (labels == 0) and "
                "logit_paddings all 0. Where no alignment exists (labels too long for the "
                "frames) optax gives a large finite number from log_epsilon, anyloss inf (0 "
                "with zero_infinity=True). " + _LAYOUT
            ),
        ),
        Peer(
            "optax.ctc_loss_with_forward_probs",
            settings={"reduction": "none"},
            choices={"blank_id": {0: {}}, "log_epsilon": {-1e5: {}}},
            note=(
                "anyloss returns the loss values only (optax's first output), not the "
                "forward probabilities. Call loss(labels, logits), as for optax.ctc_loss. "
                + _LAYOUT
            ),
        ),
    ),
)
def ctc(
    y_true: Any, y_pred: Any, divide_by_label_length: bool = False, zero_infinity: bool = False
) -> Any:
    """CTC loss per sample: ``-log p(labels | logits)`` summed over all alignments.

    Connectionist temporal classification trains sequence models (speech, handwriting) whose
    outputs are not aligned with the labels: it sums the probability of every frame-level path
    that collapses to the label sequence (merge repeats, then drop blanks). Class 0 is the blank
    (and the padding value, as in Keras); the label length is the count of non-zero labels, the
    logit length is ``time``. A 0 before a label (``[1, 0, 2]``) raises ``ValueError`` where
    labels can be read (see docs/keras-differences.md, "CTC"). Labels too long for the frames
    have no alignment: the loss is ``inf`` (0, with a zero gradient, with
    ``zero_infinity=True``). ``divide_by_label_length=True`` divides each loss by its label
    length (at least 1): with a mean, PyTorch's ``CTCLoss(reduction="mean")``. Computed with
    the forward (alpha) recursion in log space; where the labels can be read, with
    ``F.ctc_loss`` on torch and TensorFlow's CTC kernel on eager TensorFlow tensors.

    ::

        p_t = softmax(y_pred[:, t, :])
        loss = -log(sum over paths pi with collapse(pi) = labels of prod_t p_t[pi_t])
        loss = 0                            where loss is inf  (zero_infinity=True)
        loss = loss / max(label_length, 1)                     (divide_by_label_length=True)

    Args:
        y_true: Integer labels, shape ``(batch, max_label_length)``, classes
            ``1..num_classes-1``, padded at the end of each row with 0.
        y_pred: **Logits** (not probabilities), shape ``(batch, time, num_classes)``.
        divide_by_label_length: whether to divide each loss by its label length (at least 1).
            Default ``False``.
        zero_infinity: whether an infinite loss (no alignment) and its gradient are 0. Default
            ``False``.

    Returns:
        The loss per sample, shape ``(batch,)``, an array of ``y_pred``'s library.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1, 0], [1, 2]])  # labels "1" and "1 2", 0-padded
        >>> y_pred = np.zeros((2, 2, 3))  # 2 time steps, uniform over 3 classes
        >>> al.ctc(y_true, y_pred).round(4).tolist()  # log(3): 3 of 9 paths; log(9): 1 of 9
        [1.0986, 2.1972]

    Reference:
        Alex Graves, Santiago Fernandez, Faustino Gomez and Juergen Schmidhuber,
        "Connectionist Temporal Classification: Labelling Unsegmented Sequence Data with
        Recurrent Neural Networks", ICML 2006, https://www.cs.toronto.edu/~graves/icml_2006.pdf
    """
    xp, y_pred = B.prediction(y_pred)
    if B.ndim(y_pred) != 3:
        msg = (
            "ctc: logits `y_pred` must have shape (batch_size, time, num_classes). "
            f"Received: y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    labels = integer_labels(xp, y_true, y_pred)
    if B.ndim(labels) != 2 or B.shape(labels)[0] != B.shape(y_pred)[0]:
        msg = (
            "ctc: targets `y_true` must have shape (batch_size, max_label_length) with the "
            f"batch size of y_pred. Received: y_true.shape={B.shape(labels)}, "
            f"y_pred.shape={B.shape(y_pred)}"
        )
        raise ValueError(msg)
    classes = B.shape(y_pred)[-1]
    batch = B.dynamic_shape(y_pred)[0]  # a 0-d tensor for an unknown batch in tf.function
    B.check_label_range(xp, labels, classes, "ctc")
    _check_trailing_padding(xp, labels)
    native = B.ctc_loss(xp, y_pred, labels)  # TensorFlow's kernel, eager, where labels are read
    if native is not None:
        return _adjusted(xp, native, labels, divide_by_label_length, zero_infinity)
    device = B.device_of(y_pred)
    log_probs = B.log_softmax(xp, y_pred, axis=-1)
    label_length = xp.sum(xp.astype(xp.not_equal(labels, BLANK), labels.dtype), axis=-1)

    # Extended sequence: blank, l1, blank, l2, ..., blank (length S = 2L + 1).
    max_len = B.shape(labels)[1]
    blanks = xp.zeros_like(labels)
    ext = xp.reshape(xp.stack([blanks, labels], axis=-1), (batch, 2 * max_len))
    ext = xp.concat([ext, xp.zeros((batch, 1), dtype=labels.dtype, device=device)], axis=-1)
    # log p_t(ext_s) for every t and s, by a one-hot product (no gather: works everywhere).
    onehot = B.one_hot(xp, ext, classes, log_probs.dtype)  # (B, S, C)
    emit = xp.matmul(log_probs, xp.permute_dims(onehot, (0, 2, 1)))  # (B, T, S)

    positions = xp.arange(2 * max_len + 1, device=device)
    neg_inf = xp.full((batch, 1), -xp.inf, dtype=emit.dtype, device=device)
    # A skip from s-2 to s is allowed onto a label that differs from the label before it.
    previous = xp.concat(
        [xp.full((batch, 2), -1, dtype=ext.dtype, device=device), ext[:, :-2]], axis=-1
    )
    can_skip = xp.not_equal(ext, BLANK) & xp.not_equal(ext, previous)

    def advance(alpha: Any, emit_t: Any) -> Any:
        stay = alpha
        step = xp.concat([neg_inf, alpha[:, :-1]], axis=-1)
        skip = xp.concat([neg_inf, neg_inf, alpha[:, :-2]], axis=-1)
        skip = xp.where(can_skip, skip, xp.full_like(skip, -xp.inf))
        return B.logsumexp(xp, xp.stack([stay, step, skip], axis=0), axis=0) + emit_t

    alpha = xp.where(positions < 2, emit[:, 0, :], xp.full_like(emit[:, 0, :], -xp.inf))
    alpha = B.scan(xp, advance, alpha, xp.permute_dims(emit, (1, 0, 2))[1:, ...])  # over time

    end = 2 * label_length
    last = B.gather_classes(xp, alpha, end)
    before = B.gather_classes(xp, alpha, xp.where(end > 0, end - 1, end))
    before = xp.where(end > 0, before, xp.full_like(before, -xp.inf))
    loss = -B.logsumexp(xp, xp.stack([last, before], axis=0), axis=0)
    return _adjusted(xp, loss, labels, divide_by_label_length, zero_infinity)


def _adjusted(
    xp: Any, loss: Any, labels: Any, divide_by_label_length: bool, zero_infinity: bool
) -> Any:
    """The per-sequence ``loss`` with infinities zeroed and divided by the label lengths."""
    if zero_infinity:
        loss = xp.where(xp.isinf(loss), xp.zeros_like(loss), loss)
    if divide_by_label_length:
        length = xp.sum(xp.astype(xp.not_equal(labels, BLANK), loss.dtype), axis=-1)
        loss = loss / xp.clip(length, 1.0, None)
    return loss


def _check_trailing_padding(xp: Any, labels: Any) -> None:
    """``ValueError`` where a 0 (the blank) comes before a label: 0 may only pad a row's end.

    Keras counts the non-zero labels and reads that many from the start of the row, so
    ``[1, 0, 2, 0]`` would score the blank as a label; that is a bug in the targets, not a loss.
    Checked where labels can be read (``backend._checks``)."""
    if not B.checks_apply(labels) or B.shape(labels)[1] < 2:
        return
    present = xp.not_equal(labels, BLANK)
    gap = present[:, 1:] & ~present[:, :-1]
    if bool(xp.any(gap)):
        row = int(B.to_numpy(xp.any(gap, axis=1)).argmax())
        msg = (
            f"ctc: row {row} of `y_true` has the blank 0 before a label "
            f"({B.to_numpy(labels[row, ...]).tolist()}). 0 is the blank and may only pad the "
            "end of a row: write the labels first, e.g. [1, 2, 0, 0], and use classes "
            "1..num_classes-1 for them."
        )
        raise ValueError(msg)


class CTC(BuiltinLoss, function=ctc):
    """CTC (connectionist temporal classification) loss for unaligned sequences.

    Wraps :func:`ctc`: calling the loss computes it per sample, weights the values with
    ``sample_weight`` (if given) and reduces them as ``reduction`` says.

    Args:
        divide_by_label_length: whether to divide each loss by its label length (at least 1):
            with the default reduction, PyTorch's ``CTCLoss()``. Default ``False``.
        zero_infinity: whether an infinite loss (no alignment) and its gradient are 0. Default
            ``False``.
        reduction: How the per-sample values are reduced:
            ``"sum_over_batch_size"`` (default: the weighted sum divided by the number of
            samples), ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"`` (divided by the sum
            of the weights) or ``"none"``/``None`` (the per-sample values, unreduced);
            tf-keras' ``"auto"`` means ``"sum_over_batch_size"``.
        name: The loss' name. Default: ``"ctc"``.
        dtype: Compute dtype, e.g. ``"float64"``. Default: ``None``, ``y_pred``'s float
            dtype, at least float32.

    Example:
        >>> import numpy as np
        >>> import anyloss as al
        >>> y_true = np.array([[1, 0], [1, 2]])  # labels "1" and "1 2", 0-padded
        >>> y_pred = np.zeros((2, 2, 3))  # 2 time steps, uniform over 3 classes
        >>> round(float(al.CTC()(y_true, y_pred)), 4)
        1.6479
        >>> round(float(al.CTC(divide_by_label_length=True)(y_true, y_pred)), 4)  # torch's mean
        1.0986
    """

    divide_by_label_length: bool
    zero_infinity: bool

    def __init__(
        self,
        divide_by_label_length: bool = False,
        zero_infinity: bool = False,
        reduction: Any = "sum_over_batch_size",
        name: str = "ctc",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            divide_by_label_length=divide_by_label_length,
            zero_infinity=zero_infinity,
        )
