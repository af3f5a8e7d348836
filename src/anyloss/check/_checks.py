"""``check_loss``: run a custom loss on generated inputs on every backend and name its faults."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anyloss import backend as B
from anyloss.check import _inputs as inputs
from anyloss.check._inputs import Case
from anyloss.check._report import CheckReport, Problem
from anyloss.check._runners import Run, jit_error, run, select, tf_function_error
from anyloss.losses._base import Loss, LossFunctionWrapper
from anyloss.losses.serialization import deserialize, serialize

AUTODIFF = ("torch", "jax", "tensorflow")
ALIGN_FIX = (
    "Align the ranks before subtracting, e.g. `y_true = ops.reshape(y_true, "
    "ops.shape(y_pred))`, or wrap the function in `al.LossFunctionWrapper(fn)`, which "
    "aligns (N,) with (N, 1) as Keras does."
)
OPS_FIX = (
    "Write the loss with `anyloss.ops` (`ops.mean`, `ops.log`, `ops.where`, ...), which "
    "dispatch on the input's library and keep its gradient."
)
_PRED_NAMES = {
    "y_pred",
    "pred",
    "preds",
    "prediction",
    "predictions",
    "input",
    "inputs",
    "logits",
    "output",
    "outputs",
    "y_hat",
    "yhat",
    "scores",
}
_TRUE_NAMES = {"y_true", "true", "target", "targets", "label", "labels", "y"}


@dataclass
class _Kind:
    """The runs of one input kind and what they say about the loss."""

    case: Case
    runs: list[Run]
    status: str = "fails"  # "applicable", "ignores-y-pred", "non-finite" or "fails"
    reference: Run | None = None

    def reference_run(self) -> Run:
        """The finite run the kind was judged on: set for every status but "fails" and
        "non-finite" (an accepted or ignoring kind always has one)."""
        if self.reference is None:
            msg = f"internal: the {self.case.kind} kind ({self.status}) has no reference run"
            raise RuntimeError(msg)
        return self.reference


def check_loss(
    fn: Any, y_true: Any = None, y_pred: Any = None, backends: str | Sequence[str] | None = None
) -> CheckReport:
    """Run a custom loss on generated (or given) inputs on every installed backend; report faults.

    Inputs of each kind (regression, binary, categorical, sparse labels, sequences) are tried;
    a loss needs to work for one kind only. On the kinds it accepts, the loss is called on NumPy,
    PyTorch and JAX (with ``torch.autograd`` and ``jax.grad``/``jax.jit``; TensorFlow with
    ``tf.GradientTape`` when named in ``backends``), then on edge inputs
    (probabilities 0 and 1, a perfect prediction, +-1e4, float16) and on ``(N,)`` against
    ``(N, 1)`` targets. A plain function that broadcasts those to ``(N, N)`` gets a warning
    (``compile``/``fit`` align the ranks before calling it); a ``Loss`` subclass, called as is,
    an error. A zero gradient is an error only when it is zero at perturbed ``y_pred`` too.

    Args:
        fn: a function ``fn(y_true, y_pred)``, a ``Loss`` instance or a ``Loss`` subclass.
        y_true: targets to use instead of generated ones (any library; with ``y_pred``).
        y_pred: predictions to use instead of generated ones.
        backends: names among ``"numpy"``, ``"torch"``, ``"jax"``, ``"tensorflow"`` (default:
            every installed one of the first three; TensorFlow, slow to import, when named).

    Returns:
        A :class:`CheckReport`: ``report.ok`` is False when any problem is an error; each
        problem has a ``severity``, a ``code``, a ``message`` and a ``fix``.

    Example:
        >>> import anyloss as al
        >>> from anyloss import ops
        >>> def my_mse(y_true, y_pred):
        ...     return ops.mean(ops.square(y_true - y_pred), axis=-1)
        >>> report = al.check_loss(my_mse, backends=["numpy"])
        >>> report.ok  # compile() and fit() align (N,) labels with (N, 1) predictions
        True
        >>> [(problem.severity, problem.code) for problem in report.problems]
        [('warning', 'not-registered'), ('warning', 'broadcast-trap')]
        >>> class DirectMSE(al.Loss):  # a Loss subclass gets the inputs as they are
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_true - y_pred), axis=-1)
        >>> report = al.check_loss(DirectMSE(), backends=["numpy"])
        >>> report.ok  # (N,) against (N, 1) broadcasts to (N, N), in fit() too
        False
        >>> [problem.code for problem in report.errors]
        ['broadcast-trap']
        >>> @al.register("demo")
        ... def aligned_mse(y_true, y_pred):
        ...     y_true = ops.reshape(y_true, ops.shape(y_pred))
        ...     return ops.mean(ops.square(y_true - y_pred), axis=-1)
        >>> al.check_loss(aligned_mse, backends=["numpy"]).ok
        True
    """
    names = select(backends)
    if (y_true is None) != (y_pred is None):
        msg = (
            "check_loss needs both `y_true` and `y_pred` to use given inputs (or neither, to "
            f"generate them). Received: y_true={_kind_of(y_true)}, y_pred={_kind_of(y_pred)}"
        )
        raise ValueError(msg)
    report = CheckReport(_name(fn), backends=names)
    problems: dict[tuple[str, str | None], Problem] = {}

    def add(problem: Problem) -> None:
        problems.setdefault((problem.code, problem.backend), problem)

    loss, per_sample = _callable(fn, add)
    _check_restorable(fn, add)
    if loss is not None:
        if y_true is None:
            declared = _declared_kind(fn)
            cases = (
                inputs.declared_cases(declared)
                if declared in inputs.DECLARED_ONLY
                else [inputs.generated(kind) for kind in inputs.KINDS]
            )
        else:
            true, pred = _given(y_true, "y_true"), _given(y_pred, "y_pred")
            cases = [Case(inputs.infer_kind(true, pred), true, pred)]
        report.inputs = _check_runs(loss, cases, names, per_sample, add)
    report.problems = sorted(problems.values(), key=lambda p: p.severity != "error")
    return report


def _declared_kind(fn: Any) -> str | None:
    """The input kind a built-in loss (function, class or instance) declares, else ``None``."""
    from anyloss.losses._builtin import declaration_of

    spec = (
        getattr(fn, "builtin", None)
        or declaration_of(fn)
        or declaration_of(getattr(fn, "fn", None))
    )
    return None if spec is None else spec.inputs.value


def _given(x: Any, arg: str) -> np.ndarray:
    """A given input as a NumPy array; ``TypeError`` naming ``arg`` unless it is numeric."""
    arr = np.asarray(B.to_numpy(x))
    if arr.dtype.kind not in "biuf":
        msg = (
            f"check_loss: `{arg}` must be numeric, got {type(x).__name__} of dtype "
            f"{arr.dtype}. Pass a real float or int array, or leave both inputs out to use "
            "generated ones."
        )
        raise TypeError(msg)
    return arr


def _kind_of(x: Any) -> str:
    return "None" if x is None else f"a {type(x).__name__}"


def _name(fn: Any) -> str:
    if isinstance(fn, Loss):
        return f"{type(fn).__name__}()"
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


# --- what the loss is -----------------------------------------------------------------------


def _callable(fn: Any, add: Callable[[Problem], None]) -> tuple[Any, bool]:
    """``(loss to run, whether it should give one value per sample)``; ``None`` if unusable."""
    if inspect.isclass(fn) and issubclass(fn, Loss):
        try:
            fn = fn()
        except TypeError as err:
            add(
                Problem(
                    "error",
                    "bad-signature",
                    f"check_loss got the class {fn.__name__}, and {fn.__name__}() fails: {err}.",
                    f"Pass an instance: check_loss({fn.__name__}(...)).",
                )
            )
            return None, False
    if isinstance(fn, Loss):
        # Per-sample values come from the same loss without reduction.
        try:
            return type(fn).from_config({**fn.get_config(), "reduction": "none"}), True
        except Exception:  # a custom get_config may not round-trip
            return fn, False
    if not callable(fn):
        add(
            Problem(
                "error",
                "not-callable",
                f"check_loss expects a loss function fn(y_true, y_pred); got {fn!r} of "
                f"type {type(fn).__name__}.",
                "Pass the function itself (no call), e.g. check_loss(my_loss).",
            )
        )
        return None, False
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: just try it
        return fn, True
    try:
        signature.bind(None, None)
    except TypeError:
        add(
            Problem(
                "error",
                "bad-signature",
                f"{_name(fn)}{signature} cannot be called as fn(y_true, y_pred): Keras and "
                "anyloss call a loss with exactly two positional arguments.",
                "Define it as `def my_loss(y_true, y_pred):`; give extra hyper-parameters "
                "defaults, or bind them with functools.partial or "
                "al.LossFunctionWrapper(fn, name=..., **kwargs).",
            )
        )
        return None, False
    params = [p.name for p in signature.parameters.values()][:2]
    if len(params) == 2 and (params[0] in _PRED_NAMES or params[1] in _TRUE_NAMES):
        add(
            Problem(
                "warning",
                "argument-order",
                f"The parameters of {_name(fn)} are named ({params[0]}, {params[1]}), but "
                "Keras and anyloss pass (y_true, y_pred): targets first, unlike PyTorch's "
                "(input, target).",
                f"Use `def {getattr(fn, '__name__', 'my_loss')}(y_true, y_pred):` and "
                "check the body uses each argument as what it is.",
            )
        )
    return fn, True


def _check_restorable(fn: Any, add: Callable[[Problem], None]) -> None:
    """A saved model finds its loss again only by a registered (or built-in) name."""
    target = fn if inspect.isclass(fn) else type(fn) if isinstance(fn, Loss) else fn
    name = getattr(target, "__name__", "my_loss")
    try:
        deserialize(serialize(fn() if inspect.isclass(fn) else fn))
        return
    except (ValueError, TypeError):
        pass
    if name == "<lambda>":
        seen = "it is a lambda, which has no name a saved model could record"
        fix = (
            "Define it with `def my_loss(y_true, y_pred):` at module level and decorate it "
            "with `@al.register()`; `al.serialize`/`al.deserialize` then round-trip it."
        )
    elif "<locals>" in getattr(target, "__qualname__", ""):
        seen = (
            f"`{name}` is defined inside another function "
            f"({target.__qualname__}), so no module attribute can find it again"
        )
        fix = (
            f"Move `{name}` to module level and decorate it with `@al.register()`; for "
            "hyper-parameters, subclass al.LossFunctionWrapper so they go into the config."
        )
    else:
        seen = f"`{name}` is not registered, so al.deserialize(al.serialize({name})) cannot find it"
        fix = (
            f"Decorate it with `@al.register()` (it then saves as 'custom>{name}'), import "
            f"its module before loading, or load with custom_objects={{'{name}': {name}}}."
        )
    add(
        Problem(
            "warning",
            "not-registered",
            f"{_name(fn)} cannot be restored by name: {seen}. A model saved with it fails to "
            "load with 'Unknown loss'.",
            fix,
        )
    )


# --- running it -------------------------------------------------------------------------------


def _check_runs(
    fn: Any,
    cases: list[Case],
    backends: tuple[str, ...],
    per_sample: bool,
    add: Callable[[Problem], None],
) -> tuple[str, ...]:
    kinds = [_classify_kind(fn, case, backends) for case in cases]
    accepted = [k for k in kinds if k.status == "applicable"]
    if not accepted:
        _report_rejected(kinds, add)
        return ()
    for kind in accepted:
        for r in kind.runs:
            _check_run(r, per_sample, add)
        _check_finite(kind.runs, add)
        for edge in inputs.edges(kind.case):
            _check_finite([run(backend, fn, edge) for backend in backends], add)
    _check_gradients(fn, accepted, backends, add)
    first = accepted[0]
    _check_float16([run(backend, fn, inputs.float16(first.case)) for backend in backends], add)
    for kind in accepted:  # the first kind with a single-column form
        pair = inputs.broadcast_pair(kind.case) or inputs.given_trap_pair(kind.case)
        if pair is not None:
            _check_broadcast(fn, kind.case, pair, kind.reference_run().backend, add)
            break
    jax_run = next((r for r in first.runs if r.backend == "jax" and r.ok and r.native), None)
    if jax_run is not None:
        err = jit_error(fn, first.case)
        if err is not None:
            add(_exception_problem(err, "jax", first.case, "under jax.jit"))
    tf_run = next((r for r in first.runs if r.backend == "tensorflow" and r.ok and r.native), None)
    if tf_run is not None and np.ndim(first.case.y_pred) >= 1:
        err = tf_function_error(fn, first.case)
        if err is not None:
            add(_exception_problem(err, "tensorflow", first.case, "inside tf.function"))
    return tuple(k.case.kind for k in accepted)


def _classify_kind(fn: Any, case: Case, backends: tuple[str, ...]) -> _Kind:
    kind = _Kind(case, [run(b, fn, case) for b in backends])
    finite = [r for r in kind.runs if r.ok and r.finite]
    if not finite:
        kind.status = "non-finite" if any(r.ok for r in kind.runs) else "fails"
        return kind
    kind.reference = finite[0]
    other = run(kind.reference.backend, fn, inputs.perturbed(case), grad=False)
    values = kind.reference.values  # never None: the run is finite
    if (
        other.ok
        and other.values is not None
        and values is not None
        and other.values.shape == values.shape
        and (np.allclose(other.values.astype(np.float64), values.astype(np.float64)))
    ):
        kind.status = "ignores-y-pred"
    else:
        kind.status = "applicable"
    return kind


def _report_rejected(kinds: list[_Kind], add: Callable[[Problem], None]) -> None:
    """Nothing accepted: say why (ignores y_pred, NaN everywhere, or raises everywhere)."""
    ignoring = next((k for k in kinds if k.status == "ignores-y-pred"), None)
    if ignoring is not None:
        first = ignoring.reference_run()
        _check_dtype(first, add)
        add(
            Problem(
                "error",
                "ignores-y-pred",
                f"The output does not depend on y_pred: on {ignoring.case.describe()} it gave "
                f"{_show(first.values)} for two different y_pred ({first.backend}). No gradient "
                "reaches the model: Keras reports 'No gradients provided for any variable', torch "
                "'element 0 of tensors does not require grad'.",
                "Compute the loss from y_pred (check for a typo such as `y_true - y_true`, and that "
                "nothing replaces y_pred by a constant or a stopped copy).",
            )
        )
        return
    nan = next((k for k in kinds if k.status == "non-finite"), None)
    if nan is not None:
        r = next(r for r in nan.runs if r.ok)
        add(
            Problem(
                "error",
                "nan-or-inf",
                f"The loss is NaN/Inf on every generated input, e.g. {_show(r.values)} on "
                f"{nan.case.describe()} ({r.backend}).",
                _NAN_FIX,
            )
        )
        return
    reported = False
    for kind in kinds:
        for r in kind.runs:
            if r.error is None:  # never: every run of a kind that "fails" raised
                continue
            problem = _exception_problem(r.error, r.backend, kind.case)
            if problem.code != "backend-error":
                add(problem)
                reported = True
    if not reported:
        seen = "; ".join(f"{k.case.kind}: {_first_line(k.runs[0].error)}" for k in kinds)
        add(
            Problem(
                "error",
                "fails",
                f"The loss raises on every kind of input ({kinds[0].runs[0].backend}): {seen}.",
                "Call it by hand on a small batch, e.g. y_true and y_pred of shape (4, 3), "
                "and fix the first error; pass your own inputs with "
                "check_loss(fn, y_true=..., y_pred=...).",
            )
        )


_NAN_FIX = (
    "Keep logs and divisions away from 0: clip probabilities, e.g. "
    "`ops.clip(y_pred, ops.epsilon(), 1 - ops.epsilon())`, use stable forms "
    "(`ops.log_softmax`, `ops.log_sigmoid`, `ops.softplus`, `ops.logsumexp`) for logits, "
    "and `ops.divide_no_nan` for ratios."
)


def _check_run(r: Run, per_sample: bool, add: Callable[[Problem], None]) -> None:
    case = r.case
    if r.error is not None:
        add(_exception_problem(r.error, r.backend, case))
        return
    if not r.native:
        add(
            Problem(
                "error",
                "numpy-call",
                f"On {r.backend} inputs the loss returned a {r.output_type} ({case.describe()}): "
                f"a NumPy (or Python) call in it turned the {r.backend} array into something "
                "autodiff cannot follow, so no gradient reaches the model.",
                OPS_FIX,
                r.backend,
            )
        )
        return
    _check_dtype(r, add)
    values = r.values  # never None once the call returned
    if per_sample and case.y_pred.ndim >= 2 and values is not None:
        n = case.y_pred.shape[0]
        if values.ndim == 0:
            add(
                Problem(
                    "warning",
                    "scalar-output",
                    f"The loss returned a scalar for a batch of {n} samples ({case.describe()}). "
                    "Keras and anyloss then multiply it by the mean sample weight (D12): "
                    "per-sample weights and class weights are lost.",
                    "Return one value per sample: reduce over the last axis only, "
                    "`ops.mean(..., axis=-1)` instead of `ops.mean(...)`.",
                )
            )
        elif values.shape[0] != n:
            add(
                Problem(
                    "error",
                    "batch-mismatch",
                    f"The loss returned shape {values.shape} for a batch of {n} samples "
                    f"({case.describe()}): the first axis must be the batch. It probably reduced "
                    "over axis 0 (the batch) instead of the last axis.",
                    "Reduce over the features, not the batch: `ops.mean(..., axis=-1)`.",
                )
            )
    if r.backend in AUTODIFF and r.float_output and r.detached:
        if r.backend == "tensorflow":
            message = (
                f"On TensorFlow tf.GradientTape finds no path from y_pred to the output "
                f"({case.describe()}): `.numpy()`, `tf.stop_gradient` or a NumPy round trip cut "
                "the graph, and Keras fails with 'No gradients provided for any variable'."
            )
            fix = OPS_FIX + " Never rebuild the result with tf.constant(...)."
        else:
            message = (
                f"On torch the output has requires_grad=False although it depends on y_pred "
                f"({case.describe()}): `.detach()`, `.item()`, `torch.tensor(...)` or a NumPy "
                "round trip cut the graph, and backward() fails with 'element 0 of tensors does "
                "not require grad'."
            )
            fix = OPS_FIX + " Never rebuild the result with torch.tensor(...)."
        add(Problem("error", "no-gradient", message, fix, r.backend))


def _check_dtype(r: Run, add: Callable[[Problem], None]) -> None:
    if r.values is not None and r.values.dtype.kind in "biu":
        add(
            Problem(
                "error",
                "integer-output",
                f"The loss returned {r.values.dtype} values ({r.backend}, {r.case.describe()}): "
                "integers and booleans carry no gradient.",
                "Return floats: comparisons (`==`, `>`), `argmax` and `round` give integers or "
                "booleans with zero gradient; use a differentiable surrogate (e.g. cross-entropy "
                "instead of accuracy) and `ops.cast(x, 'float32')` for constants.",
            )
        )


def _finite_grad(r: Run) -> bool:
    return r.grad is None or bool(np.all(np.isfinite(r.grad)))


def _check_finite(runs: list[Run], add: Callable[[Problem], None]) -> None:
    """NaN/Inf in values or gradients of one case: one problem naming every backend."""
    bad = [r for r in runs if r.ok and r.float_output and not (r.finite and _finite_grad(r))]
    if not bad:
        return
    r = bad[0]
    what = f"the loss is {_show(r.values)}" if not r.finite else f"the gradient is {_show(r.grad)}"
    add(
        Problem(
            "error",
            "nan-or-inf",
            f"On {r.case.describe()} {what}; y_pred was {_show(r.case.y_pred)}. One NaN "
            "in a batch turns every weight into NaN.",
            _NAN_FIX,
            _backends(bad),
        )
    )


def _check_float16(runs: list[Run], add: Callable[[Problem], None]) -> None:
    bad = [r for r in runs if r.ok and r.float_output and not r.finite]
    if bad:
        add(
            Problem(
                "warning",
                "float16",
                f"On {bad[0].case.describe()} the loss is {_show(bad[0].values)}: float16 "
                "overflows above 65504 and rounds small probabilities to 0.",
                "Compute in float32: `y_pred = ops.cast(y_pred, 'float32')` (and y_true) "
                "first, as anyloss' built-ins do.",
                _backends(bad),
            )
        )


def _backends(runs: list[Run]) -> str:
    return ", ".join(r.backend for r in runs)


def _check_gradients(
    fn: Any, kinds: list[_Kind], backends: tuple[str, ...], add: Callable[[Problem], None]
) -> None:
    """A zero gradient on every accepted kind, also at perturbed ``y_pred``: the loss cannot
    train anything. (At a minimum, e.g. a perfect prediction, a zero gradient is normal.)"""
    for backend in backends:
        grads = [
            r
            for k in kinds
            for r in k.runs
            if r.backend == backend and r.ok and r.native and r.grad is not None
        ]
        if grads and all(not np.any(r.grad) for r in grads) and not _moves_elsewhere(fn, grads):
            r = grads[0]
            add(
                Problem(
                    "error",
                    "no-gradient",
                    f"The gradient of the loss with respect to y_pred is zero everywhere on "
                    f"{backend} ({r.case.describe()}, and at perturbed y_pred), although the "
                    "loss changes with y_pred: a step function (round, argmax, comparisons, "
                    "sign) or a stop_gradient sits between y_pred and the result.",
                    "Use a smooth surrogate (sigmoid instead of a threshold, softmax instead of "
                    "argmax) and keep ops.stop_gradient off the path from y_pred.",
                    backend,
                )
            )
        failed = next(
            (
                (r.grad_error, r.case)
                for k in kinds
                for r in k.runs
                if r.backend == backend and r.grad_error is not None
            ),
            None,
        )
        if failed is not None:
            err, case = failed
            add(_exception_problem(err, backend, case, "while taking the gradient"))


def _moves_elsewhere(fn: Any, grads: list[Run]) -> bool:
    """Whether the gradient is non-zero at a perturbed ``y_pred`` of any of the runs' cases:
    a zero gradient at one point may be a minimum (a perfect prediction), not a step."""
    for r in grads:
        for seed in (1, 2):
            other = run(r.backend, fn, inputs.perturbed(r.case, seed))
            if other.ok and other.grad is not None and np.any(other.grad):
                return True
    return False


def _check_broadcast(
    fn: Any,
    case: Case,
    pair: tuple[Case, Case],
    backend: str,
    add: Callable[[Problem], None],
) -> None:
    """``pair`` is ``(trap, aligned)``: ``y_true`` ``(N,)`` and ``(N, 1)`` against ``y_pred``
    ``(N, 1)`` (``inputs.broadcast_pair`` or ``inputs.given_trap_pair``).

    A function broadcasting ``(N,)`` against ``(N, 1)`` to ``(N, N)`` is a warning when the
    call ``compile``/``fit`` make (through ``LossFunctionWrapper``, which aligns the ranks)
    is right, and an error when that call is wrong too (a ``Loss`` subclass is called as is).
    """
    trap, aligned = (run(backend, fn, c, grad=False) for c in pair)
    if not (trap.ok and aligned.ok and trap.values is not None and aligned.values is not None):
        return
    n = case.y_pred.shape[0]
    if not _differs(trap.values, aligned.values):
        return
    widened = trap.values.size > aligned.values.size
    seen = (
        f"shape {trap.values.shape} instead of {aligned.values.shape}"
        if widened
        else f"{_show(trap.values)} instead of {_show(aligned.values)}"
    )
    what = (
        f"With y_true of shape ({n},) and y_pred of shape ({n}, 1) the loss gave {seen} "
        f"(what y_true of shape ({n}, 1) gives; {backend}): `y_true - y_pred` silently "
        f"broadcast to a ({n}, {n}) matrix. Models output (N, 1) while labels are often (N,)."
    )
    wrapped = aligned if isinstance(fn, Loss) else None
    if wrapped is None:
        wrapped = run(backend, LossFunctionWrapper(fn, reduction="none"), pair[0], grad=False)
    if isinstance(fn, Loss) or not (
        wrapped.ok and wrapped.values is not None and not _differs(wrapped.values, aligned.values)
    ):
        context = (
            " compile() and fit() call it this way too (a Loss subclass's call() gets the "
            "inputs as they are), so the model trains on the wrong loss."
            if isinstance(fn, Loss)
            else ""
        )
        add(Problem("error", "broadcast-trap", what + context, ALIGN_FIX))
        return
    add(
        Problem(
            "warning",
            "broadcast-trap",
            what + " This happens only when the function is called directly: compile(), "
            "fit() and al.LossFunctionWrapper align (N,) with (N, 1) first, so in a model it "
            "trains correctly.",
            ALIGN_FIX,
        )
    )


def _differs(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape != b.shape or not np.allclose(
        a.astype(np.float64), b.astype(np.float64), equal_nan=True
    )


# --- exceptions -------------------------------------------------------------------------------


def _first_line(err: BaseException | None) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {text[:200]}"


def _exception_problem(err: BaseException, backend: str, case: Case, when: str = "") -> Problem:
    """The problem an exception from the user's loss stands for."""
    names = {cls.__name__ for cls in type(err).__mro__}
    text = str(err)
    seen = f"{_first_line(err)} (on {backend}{', ' + when if when else ''}, {case.describe()})"
    if "Can't call numpy() on Tensor that requires grad" in text or (
        "TracerArrayConversionError" in names
    ):
        return Problem(
            "error",
            "numpy-call",
            f"A NumPy call (np.*, .numpy(), np.asarray) inside the loss breaks autodiff: {seen}.",
            OPS_FIX,
            backend,
        )
    if "'SymbolicTensor' object has no attribute 'numpy'" in text or (
        "not 'SymbolicTensor'" in text or names & {"OperatorNotAllowedInGraphError"}
    ):
        return Problem(
            "error",
            "not-tf-function",
            f"Inside tf.function (how Keras' fit runs a loss on TensorFlow) tensors have no "
            f"values: .numpy(), float(x) and NumPy calls on them fail: {seen}.",
            "Keep the computation in tensors: `ops.mean(x)` instead of "
            "`float(np.mean(x.numpy()))`, `ops.where(...)` instead of `if` on values. " + OPS_FIX,
            backend,
        )
    if names & {
        "ConcretizationTypeError",
        "TracerBoolConversionError",
        "TracerIntegerConversionError",
    }:
        return Problem(
            "error",
            "not-jittable",
            f"Python control flow or float()/int() on array values cannot be traced "
            f"by jax.jit/jax.grad: {seen}.",
            "Replace `if x > 0:` on arrays by `ops.where(x > 0, a, b)`, and keep "
            "values as arrays (no float(x), int(x), x.item()).",
            backend,
        )
    if isinstance(err, TypeError) and (
        "'list'" in text or "sequence" in text or "only integer tensors of a single element" in text
    ):
        return Problem(
            "error",
            "list-arithmetic",
            f"Arithmetic between an array and a Python list fails on {backend}: "
            f"{seen}. NumPy converts lists; torch and JAX do not.",
            "Use `ops.multiply(x, [0.3, 0.7])` (or wrap the list: "
            "`ops.convert_to_tensor([0.3, 0.7], like=x)`) instead of "
            "`x * [0.3, 0.7]`.",
            backend,
        )
    return Problem(
        "error",
        "backend-error",
        f"The loss raises {seen}.",
        OPS_FIX + " To check one library only, pass backends=[...].",
        backend,
    )


def _show(x: np.ndarray | None, limit: int = 6) -> str:
    if x is None:
        return "None"
    if np.ndim(x) == 0:
        value = np.asarray(x).item()
        return f"{value:.4g} (a scalar)" if isinstance(value, float) else f"{value} (a scalar)"
    flat = np.asarray(x).ravel()
    body = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:limit].tolist())
    more = ", ..." if flat.size > limit else ""
    return f"[{body}{more}] (shape {np.asarray(x).shape})"
