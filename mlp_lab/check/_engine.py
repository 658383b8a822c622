"""The machinery shared by the learner-facing checkers.

A checker builds a few :class:`Case` objects (inputs drawn from a seeded generator, plus
edge cases) with their reference outputs, and a list of :class:`Mistake` objects: small
implementations of the usual wrong answers. :func:`run_check` calls the learner's function
on every case, judges each output against the reference with :func:`~mlp_lab.check.compare`
and, if something is wrong, runs every mistaken implementation on the same cases: the one
whose outputs match the learner's on every case names the mistake. Nothing the learner's
function does (raising, returning ``None``, a wrong shape, NaN, overflow warnings) escapes
as an exception or a warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from mlp_lab.check.compare import compare
from mlp_lab.check.result import CaseResult, CheckResult

Runner = Callable[[object], tuple[object, tuple[str, ...]]]


class BadOutput(Exception):
    """Raised by an unpacker when the learner's output does not have the expected structure."""


@dataclass(frozen=True)
class Case:
    """One input of a check.

    ``run(fn)`` calls the learner's function (or a mistaken one) and returns its raw output
    and the names of the inputs it changed; ``expected`` holds the reference outputs, one per
    entry of ``labels``. With ``per_step`` the outputs have a leading step axis (Adam).
    """

    name: str
    run: Runner
    expected: tuple[object, ...]
    labels: tuple[str, ...]
    unpack: Callable[[object], tuple[object, ...]]
    per_step: bool = False


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer: its key, the diagnosis shown to the learner, an implementation."""

    key: str
    text: str
    fn: object


@dataclass(frozen=True)
class Spec:
    """What a checker checks: its name, the learner's signature, the tolerance.

    The default tolerance, ``rtol=1e-10, atol=1e-12``, suits float64: an algebraically equal
    rearrangement (another summation order, ``exp(log_softmax)`` for ``softmax``, the 1/m applied
    later) differs by a few units of rounding (about ``1e-16`` relative), amplified by cancellation
    at worst to ``1e-13`` or so on these small cases, whereas each listed mistake changes the result
    by far more than ``1e-10``. Finite differences use a looser one (their own rounding is about
    ``1e-16 |f| / eps``).
    """

    exercise: str
    signature: str
    rtol: float = 1e-10
    atol: float = 1e-12
    hints: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What happened when a function ran on one case."""

    status: str  # "ran", "not implemented", "error", "bad output"
    values: tuple[object, ...] = ()
    message: str = ""
    modified: tuple[str, ...] = ()


def call_with(inputs: Sequence[tuple[str, object]]) -> Runner:
    """A runner calling ``fn(*inputs)`` on copies, reporting the inputs ``fn`` changed."""

    def run(fn: object) -> tuple[object, tuple[str, ...]]:
        copies = [np.array(x, copy=True) if isinstance(x, np.ndarray) else x for _, x in inputs]
        out = fn(*copies)  # type: ignore[operator]
        changed = tuple(
            name
            for (name, x), c in zip(inputs, copies, strict=True)
            if isinstance(x, np.ndarray) and not (c.shape == x.shape and np.array_equal(c, x, equal_nan=True))
        )
        return out, changed

    return run


def one(out: object) -> tuple[object, ...]:
    """Unpacker of a function that returns one array or number."""
    return (out,)


def several(*labels: str) -> Callable[[object], tuple[object, ...]]:
    """Unpacker of a function that returns a tuple ``(labels[0], labels[1], ...)``."""

    def unpack(out: object) -> tuple[object, ...]:
        sequence = isinstance(out, tuple | list) or (isinstance(out, np.ndarray) and out.ndim >= 1)
        if not sequence or len(out) != len(labels):
            got = f"{len(out)} values" if sequence else f"a {type(out).__name__}"
            raise BadOutput(f"returned {got}, expected a tuple ({', '.join(labels)})")
        return tuple(out)

    return unpack


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run PyTorch on one intra-op thread for a block, then restore the setting.

    The references are tiny (a few dozen numbers), and on a busy machine waking a thread pool
    for each of them costs far more than the arithmetic (tens of milliseconds each).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _describe_error(err: BaseException) -> str:
    """``"ValueError: message"``: first line, no object addresses, at most 120 characters."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = _ADDRESS.sub("0x...", text)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def execute(fn: object, case: Case) -> Outcome:
    """Run ``fn`` on ``case``; every exception and warning is captured, floating-point errors silenced.

    Whether a CPU's vectorised ``exp`` raises the overflow *flag* can differ between kernels, so
    overflow is not recorded here: the resulting inf or NaN is, and a mistaken implementation
    that overflows the same way names the cause.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                raw, changed = case.run(fn)
                values = case.unpack(raw)
            except NotImplementedError:
                return Outcome("not implemented")
            except BadOutput as err:
                return Outcome("bad output", message=str(err))
            except Exception as err:  # the learner's code may raise anything: report it
                return Outcome("error", message=_describe_error(err))
    return Outcome("ran", tuple(values), modified=changed)


def as_numbers(x: object) -> np.ndarray:
    """``x`` as a float64 array; TypeError for ``None``, strings, ragged lists and the like."""
    if x is None or isinstance(x, str | bytes):
        raise TypeError(type(x).__name__)
    if hasattr(x, "detach"):  # torch.Tensor
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"array of dtype {arr.dtype}" if arr.dtype != object else type(x).__name__)
    return arr.astype(np.float64)


def value_problem(label: str, value: object, expected: object, spec: Spec, case: Case) -> str:
    """Why ``value`` does not agree with ``expected`` (``""`` when it does)."""
    if value is None:
        return f"{label} is None (missing return?)"
    try:
        ours = as_numbers(value)
    except (TypeError, ValueError):
        return f"{label} is a {type(value).__name__}, not numbers"
    ref = np.asarray(expected, dtype=np.float64)
    if ref.ndim == 0 and ours.ndim != 0:
        return f"{label} has shape {ours.shape}; expected a single number"
    if ours.shape != ref.shape:
        return f"{label} has shape {ours.shape}, expected {ref.shape}"
    if not np.all(np.isfinite(ours)):
        return f"{label} has NaN or inf"
    if compare(label, ours, ref, rtol=spec.rtol, atol=spec.atol).agrees:
        return ""
    dtype = str(getattr(value, "dtype", "")).removeprefix("torch.")
    if dtype in ("float32", "float16", "bfloat16"):
        return f"{label} is {dtype}: wrong values at float64 precision"
    if case.per_step:
        close = np.isclose(ours, ref, rtol=spec.rtol, atol=spec.atol).reshape(len(ref), -1).all(axis=1)
        return f"{label}: wrong values from step {int(np.argmin(close)) + 1}"
    return f"{label}: wrong values"


def judge(case: Case, outcome: Outcome, spec: Spec) -> tuple[CaseResult, str]:
    """The case's result and the kind of problem (``""``, "error", "none", "shape", ...)."""
    if outcome.status == "not implemented":
        return CaseResult(case.name, False, "raised NotImplementedError"), "not implemented"
    if outcome.status == "error":
        return CaseResult(case.name, False, f"raised {outcome.message}"), "error"
    if outcome.status == "bad output":
        return CaseResult(case.name, False, outcome.message), "shape" if "shape" in outcome.message else "type"
    problems = [
        (label, value_problem(label, value, ref, spec, case))
        for label, value, ref in zip(case.labels, outcome.values, case.expected, strict=True)
    ]
    problems = [(label, note) for label, note in problems if note]
    changed = f"changed its input {', '.join(outcome.modified)}" if outcome.modified else ""
    if problems:
        note = problems[0][1]
        if len(problems) > 1:
            note += f" (also wrong: {', '.join(label for label, _ in problems[1:])})"
        # a changed input is the likelier cause of wrong values than the other way round
        return CaseResult(case.name, False, f"{note}; {changed}" if changed else note), (
            "modified" if changed else _kind(problems[0][1])
        )
    if changed:
        return CaseResult(case.name, False, changed), "modified"
    return CaseResult(case.name, True), ""


def _kind(note: str) -> str:
    """The kind of a value problem, from the note :func:`value_problem` wrote."""
    markers = (("is None", "none"), ("not numbers", "type"), ("shape", "shape"), ("NaN", "nonfinite"))
    for marker, kind in (*markers, ("float64", "dtype")):
        if marker in note:
            return kind
    return "values"


def _close(a: object, b: object, rtol: float, atol: float) -> bool:
    try:
        x, y = as_numbers(a), as_numbers(b)
    except (TypeError, ValueError):
        return False
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))


def same(a: Outcome, b: Outcome, spec: Spec) -> bool:
    """Whether two outcomes look the same: both raised, or the same values (NaN = NaN)."""
    if a.status != b.status:
        return False
    if a.status == "bad output":
        return a.message == b.message
    if a.status != "ran":
        return True
    return len(a.values) == len(b.values) and all(
        _close(x, y, 10 * spec.rtol, 10 * spec.atol) for x, y in zip(a.values, b.values, strict=True)
    )


def match_mistake(cases: Sequence[Case], outcomes: Sequence[Outcome], mistakes: Sequence[Mistake], spec: Spec):
    """The first mistake whose outcomes match the learner's on every case, else ``None``."""
    for mistake in mistakes:
        ran_together = False
        for case, ours in zip(cases, outcomes, strict=True):
            theirs = execute(mistake.fn, case)
            if not same(ours, theirs, spec):
                break
            ran_together = ran_together or ours.status == "ran"
        else:
            if ran_together:
                return mistake
    return None


GENERIC_HINTS = {
    "not implemented": "part of the function still raises NotImplementedError; finish it for every input.",
    "error": "to see the traceback, call your function yourself on small arrays of that case's shapes.",
    "none": "the function must end with `return ...`.",
    "type": "return NumPy arrays or floats, in the order of the signature.",
    "shape": "rows are samples; check for a missing transpose, a sum over the wrong axis or a missing keepdims.",
    "nonfinite": "something overflowed or divided by zero; large inputs (such as logits of 1000) need a "
    "numerically stable formula.",
    "modified": "do not change the arrays you are given: write `Z = Z - c`, not `Z -= c`, or work on a copy.",
    "dtype": "compute in float64, the dtype of the inputs (a torch tensor made with torch.tensor(float_list) is "
    "float32; pass dtype=torch.float64 or keep to NumPy).",
    "values": "none of the usual mistakes matches; compare your code with the formula in the text, one term at "
    "a time, on the smallest case.",
}


def _learners_signature(signature: str, fn: object) -> str:
    """The signature under the learner's own function name (``backprop_relu(weights, ...)``)."""
    name = getattr(fn, "__name__", "")
    if not name.isidentifier() or "(" not in signature:
        return signature
    return name + signature[signature.index("("):]


def run_check(
    spec: Spec,
    fn: object,
    cases: Sequence[Case] | Callable[[], Sequence[Case]],
    mistakes: Sequence[Mistake] | Callable[[], Sequence[Mistake]],
    table: Callable[[Sequence[Case], Sequence[Outcome]], tuple[tuple, str]] | None = None,
) -> CheckResult:
    """Run ``fn`` on the cases, judge, diagnose, and build the :class:`CheckResult`.

    ``cases`` and ``mistakes`` may be given as callables; the mistakes are then built and run
    only when the learner's function fails. A mistaken implementation "matches" when it raises
    where the learner's raised and agrees with it (at ten times the tolerance, NaN equal to NaN)
    everywhere else, on every case, with at least one case where both returned values.
    """
    tol = f"rtol {spec.rtol:.0e}, atol {spec.atol:.0e}"
    if not callable(fn) and not (isinstance(fn, tuple) and all(callable(f) for f in fn)):
        name = spec.exercise.split("(")[0]
        usage = f"check.{name}({spec.exercise[len(name) + 1:-1]}, g, g_prime)" if "(" in spec.exercise else (
            f"check.{name}({name})"
        )
        diagnosis = f"pass your function itself (not its result), e.g. {usage}; got a {type(fn).__name__}."
        return CheckResult(spec.exercise, spec.signature, False, True, diagnosis, "not_a_function", (), tol)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case_list = list(cases() if callable(cases) else cases)
        outcomes = [execute(fn, case) for case in case_list]
        if all(o.status == "not implemented" for o in outcomes):
            signature = _learners_signature(spec.signature, fn)
            return CheckResult(spec.exercise, signature, False, False, None, None, (), tol)
        judged = [judge(case, o, spec) for case, o in zip(case_list, outcomes, strict=True)]
        results = tuple(r for r, _ in judged)
        rows, title = table(case_list, outcomes) if table is not None else ((), "")
        if all(r.ok for r in results):
            return CheckResult(spec.exercise, spec.signature, True, True, None, None, results, tol, rows, title)
        diagnosis, key = _diagnose(spec, case_list, outcomes, judged, mistakes)
    return CheckResult(spec.exercise, spec.signature, False, True, diagnosis, key, results, tol, rows, title)


def _diagnose(spec, cases, outcomes, judged, mistakes) -> tuple[str, str | None]:
    kinds = [kind for _, kind in judged]
    if "not implemented" not in kinds:
        found = match_mistake(cases, outcomes, list(mistakes() if callable(mistakes) else mistakes), spec)
        if found is not None:
            return found.text, found.key
    first = next(i for i, (r, _) in enumerate(judged) if not r.ok)
    result, kind = judged[first]
    hint = spec.hints.get(kind, GENERIC_HINTS[kind])
    return f"on case '{result.name}': {result.note}. Hint: {hint}", None
