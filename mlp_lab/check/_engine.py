"""The machinery shared by the learner-facing checkers.

A checker builds a few :class:`Case` objects (inputs drawn from a seeded generator, plus
edge cases) with their reference outputs, and a list of :class:`Mistake` objects: small
implementations of the usual wrong answers. :func:`run_check` calls the learner's function
on every case (each call bounded in time, see :data:`TIME_LIMIT`), judges each output against
the reference with :func:`~mlp_lab.check.compare` and, if something is wrong, runs every
mistaken implementation on the same cases: the one whose outputs match the learner's on every
case names the mistake. When none matches, the diagnosis describes what differed in the first
failing case (:func:`shape_problem`, :func:`describe_values`, or the checker's own
``Spec.describe``), and says which case that was. Nothing the learner's function does
(raising, returning ``None``, a wrong shape, NaN, overflow warnings, never returning) escapes
as an exception or a warning.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from mlp_lab.check.compare import compare
from mlp_lab.check.result import CaseResult, CheckResult

__all__ = [
    "BadOutput", "Case", "CaseResult", "CheckResult", "Mistake", "Outcome", "Spec", "call_with", "checker",
    "execute", "misuse", "not_a_function", "one", "one_torch_thread", "run_check", "several", "time_limit",
    "value_problem",
]

Runner = Callable[[object], tuple[object, tuple[str, ...]]]

TIME_LIMIT = 10.0
"""Seconds one call of the learner's function (one case) may take before it is stopped."""

SHARED_DOC = f"""
    Parameters
    ----------
    fn : callable
        The learner's function itself (not its result), with the signature above. It is called
        on copies of the inputs; whatever it raises or returns is reported, never propagated.
        Misusing the checker (passing ``None`` or a result instead of a function, a wrong
        activation name) gives a report too, not a traceback.
    seed : int, keyword-only, default 0
        Seed of ``np.random.default_rng`` for the random cases (the edge cases are fixed).

    Returns
    -------
    CheckResult
        Prints, and displays in a notebook, as a short report: a verdict per case and, when
        something is wrong, the likely mistake, or else a true description of what differed in
        the first failing case (and which case: ordinary inputs, large inputs, ties, a batch of
        one, ...). Its text depends on the mathematics only, never on the machine.

    Notes
    -----
    *What is accepted.* Every output is converted with ``np.asarray`` to float64 before it is
    compared, so any array-like is accepted: NumPy arrays, lists, tuples, ``np.matrix``, torch
    tensors (detached), Python and NumPy numbers. Its **shape must be the expected one exactly**
    (no broadcasting, no squeezing): a loss is a single number (shape ``()``), so a ``(1,)``
    array or a per-sample vector is reported, with what came, what was expected and the likely
    cause. Values must agree at the stated tolerance; a float32 result is named as such.

    *Time limit.* Each call of ``fn`` (one case) may take {TIME_LIMIT:g} s; a call that takes
    longer is stopped and reported ("took longer than {TIME_LIMIT:g} s on case ..."), and the
    remaining cases are not run. The bound uses ``SIGALRM``, so it holds on Linux and macOS when
    the check runs in the main thread (a notebook cell, a script); on Windows, or from another
    thread, calls are not bounded. A call stuck inside one long NumPy operation is stopped only
    when that operation returns.
"""


def checker(func: Callable) -> Callable:
    """Decorator: append :data:`SHARED_DOC` to a checker's docstring, so ``help()`` shows it."""
    func.__doc__ = (func.__doc__ or "").rstrip() + "\n" + SHARED_DOC
    return func


class BadOutput(Exception):
    """Raised by an unpacker when the learner's output does not have the expected structure."""


class _TookTooLong(BaseException):
    """Raised inside the learner's function by the alarm (a BaseException: ``except Exception`` won't catch it)."""


KIND_WORDS = {
    "ordinary": "ordinary random inputs",
    "large": "large inputs, entries near +-1000",
    "ties": "ties: equal entries",
    "batch of 1": "a batch of one sample",
    "zeros": "all-zero inputs",
    "zero division": "a 0 / 0 case",
    "square": "square shapes",
    "edge": "an edge case",
}
"""What each ``Case.kind`` is, in the words of a diagnosis."""


@dataclass(frozen=True)
class Case:
    """One input of a check.

    ``run(fn)`` calls the learner's function (or a mistaken one) and returns its raw output
    and the names of the inputs it changed; ``expected`` holds the reference outputs, one per
    entry of ``labels``. With ``per_step`` the outputs have a leading step axis (Adam).
    ``kind`` (a key of :data:`KIND_WORDS`, or ``""`` when unspecified) says what the case is
    about, so that a hint fits the evidence (NaN on ordinary inputs is no overflow).
    """

    name: str
    run: Runner
    expected: tuple[object, ...]
    labels: tuple[str, ...]
    unpack: Callable[[object], tuple[object, ...]]
    per_step: bool = False
    kind: str = ""


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer: its key, the diagnosis shown to the learner, an implementation."""

    key: str
    text: str
    fn: object


Description = tuple[str | None, str]
"""What ``Spec.describe`` returns: a mistake key (or ``None``) and a true sentence about the output."""


@dataclass(frozen=True)
class Spec:
    """What a checker checks: its name, the learner's signature, the tolerance.

    The default tolerance, ``rtol=1e-10, atol=1e-12``, suits float64: an algebraically equal
    rearrangement (another summation order, ``exp(log_softmax)`` for ``softmax``, the 1/m applied
    later) differs by a few units of rounding (about ``1e-16`` relative), amplified by cancellation
    at worst to ``1e-13`` or so on these small cases, whereas each listed mistake changes the result
    by far more than ``1e-10``. Finite differences use a looser one (their own rounding is about
    ``1e-16 |f| / eps``).

    ``hints`` overrides :data:`GENERIC_HINTS` per kind of problem (``"modified"``, ``"nonfinite"``,
    ...; ``"error:ZeroDivisionError"`` for one exception type). ``describe(case, values)``, given the
    learner's converted outputs on a failing case (right shapes, finite), may return a
    :data:`Description` that is true of them (``"rows sum to 0.25 instead of 1"``), else ``None``.
    """

    exercise: str
    signature: str
    rtol: float = 1e-10
    atol: float = 1e-12
    hints: dict[str, str] = field(default_factory=dict)
    describe: Callable[[Case, tuple[np.ndarray, ...]], Description | None] | None = None


@dataclass
class Outcome:
    """What happened when a function ran on one case."""

    status: str  # "ran", "not implemented", "error", "bad output", "timeout", "skipped"
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
        if isinstance(out, tuple | list) and len(out) == len(labels):
            return tuple(out)
        expected = f"expected a tuple ({', '.join(labels)})"
        if isinstance(out, tuple | list):
            raise BadOutput(f"returned {len(out)} values, {expected}")
        if isinstance(out, np.ndarray) and out.ndim >= 1:
            if out.dtype != object and len(out) == len(labels):
                return tuple(out)  # an array of numbers or of equal-shaped arrays, one per label
            raise BadOutput(f"returned one array of shape {out.shape}, {expected}")
        raise BadOutput(f"returned a {type(out).__name__}, {expected}")

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


def _can_bound() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_TookTooLong` in the block after ``seconds`` (POSIX, main thread; else no bound).

    An alarm already set (pytest-timeout, say) is put back afterwards, less the time spent here.
    """
    if not seconds or not _can_bound():
        yield
        return

    def alarm(signum, frame):
        raise _TookTooLong

    before = signal.signal(signal.SIGALRM, alarm)
    pending, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
        if pending > 0:
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - t0), 1e-3))


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _describe_error(err: BaseException) -> str:
    """``"ValueError: message"``: first line, no object addresses, at most 120 characters."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = _ADDRESS.sub("0x...", text)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def execute(fn: object, case: Case, limit: float | None = None) -> Outcome:
    """Run ``fn`` on ``case``; every exception and warning is captured, floating-point errors silenced.

    ``limit`` bounds the call in seconds (see :func:`time_limit`). Whether a CPU's vectorised
    ``exp`` raises the overflow *flag* can differ between kernels, so overflow is not recorded
    here: the resulting inf or NaN is, and a mistaken implementation that overflows the same way
    names the cause.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                with time_limit(limit):
                    raw, changed = case.run(fn)
                values = case.unpack(raw)
            except _TookTooLong:
                return Outcome("timeout", message=f"took longer than {limit:g} s and was stopped")
            except NotImplementedError:
                return Outcome("not implemented")
            except BadOutput as err:
                return Outcome("bad output", message=str(err))
            except RecursionError:
                return Outcome("error", message="RecursionError: the function calls itself without end")
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


# ------------------------------------------------------------------ describing a difference


def _num(x: float) -> str:
    """A number with 4 significant digits: far more than a real difference needs, far fewer than rounding."""
    return f"{float(x):.4g}"


def _agrees(a: np.ndarray, ref: np.ndarray, spec: Spec) -> bool:
    return a.shape == ref.shape and bool(np.all(np.isfinite(a))) and compare("", a, ref, rtol=spec.rtol,
                                                                                  atol=spec.atol).agrees


CAUSE = " -- "
"""Separates a note (what came, what was expected) from the likely cause, shown in the diagnosis."""


def shape_problem(label: str, ours: np.ndarray, ref: np.ndarray, spec: Spec) -> str:
    """What came, what was expected, and the likely cause (from the shapes and values alone).

    The cause follows :data:`CAUSE`; a case's note in the table keeps only what precedes it.
    """
    got, want = ours.shape, ref.shape
    head = f"{label} has shape {got}, expected {want}"
    if want == ():
        if ours.size == 1:
            right = _agrees(ours.reshape(()), ref, spec)
            return (f"{label}: value right, but shape {got} instead of (){CAUSE}a single number wrapped in an array "
                    "(return float(...) or .item())" if right else
                    f"{head}{CAUSE}a single number wrapped in an array (and its value differs too)")
        if ours.ndim == 1:
            mean_right = _agrees(np.asarray(ours.mean()), ref, spec)
            return f"{head}{CAUSE}one value per entry where a single number belongs (a missing reduction" + (
                "; their mean is the expected value: np.mean)" if mean_right else ", such as the mean?)")
        return f"{head}{CAUSE}an array where a single number belongs"
    if want == (1, *got):
        right = _agrees(ours.reshape(want), ref, spec)
        return (f"{label}: {'values right, but ' if right else ''}shape {got} instead of {want}{CAUSE}the batch axis "
                "is missing (with one sample, a squeeze() or an index [0] drops it)")
    if ours.size == ref.size and ours.ndim == 1 and ref.ndim >= 2:
        if _agrees(ours.reshape(want), ref, spec):
            return (f"{label}: values right, but shape {got} instead of {want}{CAUSE}flattened (a ravel, flatten "
                    "or reshape(-1)?)")
        return f"{head}{CAUSE}the same number of entries in one dimension (flattened?)"
    if ours.ndim == 2 and want == got[::-1]:
        if _agrees(ours.T, ref, spec):
            return f"{label}: values right, but shape {got} instead of {want}{CAUSE}it equals the reference transposed"
        return f"{head}{CAUSE}the dimensions swapped (transposed?), and the values differ too"
    if got == (1, *want) or got == (*want, 1):
        where = "leading" if got == (1, *want) else "trailing"
        right = _agrees(ours.reshape(want), ref, spec)
        return (f"{label}: {'values right, but ' if right else ''}shape {got} instead of {want}{CAUSE}an extra {where} "
                "axis of length 1 (keepdims=True, or a reshape to a row or column?)")
    if len(want) == 1 and got == (want[0], want[0]):
        return (f"{head}{CAUSE}a vector of shape {want} met a column of shape ({want[0]}, 1) and broadcast into a "
                "matrix (check keepdims and the axes of your sums)")
    if len(want) == 2 and len(got) == 2 and got[1] == want[1] and got[0] != want[0]:
        return f"{head}{CAUSE}the number of rows (samples) differs"
    return head


def describe_values(label: str, ours: np.ndarray, ref: np.ndarray, spec: Spec) -> str:
    """A true description of how ``ours`` (same shape as ``ref``, finite) differs from ``ref``."""
    close = np.isclose(ours, ref, rtol=spec.rtol, atol=spec.atol)
    if np.all(ours == np.round(ours)) and not np.all(np.isclose(ref, np.round(ref), rtol=0, atol=1e-9)):
        for cut, how in ((np.trunc, "truncated toward 0"), (np.floor, "rounded down")):
            if np.allclose(ours, cut(ref), rtol=0, atol=1e-9):
                return (f"{label} is the expected value {how} to a whole number"
                        f"{'' if ref.ndim == 0 else ' in every entry'} (an integer array, astype(int), or // ?)")
        return f"{label} holds whole numbers only; the expected values are not whole (an integer dtype somewhere?)"
    if ref.ndim == 0:
        ratio = ""
        if ref != 0 and ours != 0:  # a ratio is told only when it is a whole number or one over one
            r = float(ours / ref)
            for whole, text in ((r, f"{round(r)} times"), (1 / r, f"1/{round(1 / r)} of")):
                if abs(whole - round(whole)) < 1e-6 * abs(whole) and round(whole) not in (0, 1):
                    ratio = f" ({text} the expected value)"
                    break
        return f"{label} is {_num(ours)}, expected {_num(ref)}{ratio}"
    if ref.ndim == 2 and ref.shape[0] == ref.shape[1] and _agrees(ours.T, ref, spec):
        return f"{label} equals the reference transposed"
    if _agrees(-ours, ref, spec):
        return f"{label} is the reference with the opposite sign"
    if np.all(ours == 0):
        return f"{label} is 0 in every entry"
    nonzero = np.abs(ref) > 1e3 * spec.atol
    if nonzero.any() and np.all(np.abs(ours[~nonzero]) <= 10 * spec.atol):
        ratios = ours[nonzero] / ref[nonzero]
        if np.allclose(ratios, ratios[0], rtol=1e-8, atol=0):
            return f"{label} is the reference times {_num(ratios[0])} in every entry"
    diff = ours - ref
    if np.allclose(diff, diff.flat[0], rtol=1e-8, atol=spec.atol):
        return f"{label} is the reference plus {_num(diff.flat[0])} in every entry"
    if ref.ndim == 2 and ref.shape[0] > 1 and np.allclose(diff, diff[:1], rtol=1e-8, atol=spec.atol):
        return (f"{label} is off by the same row vector in every row (an error that depends on the column only, "
                "such as a wrong bias)")
    wrong = np.argwhere(~close)
    first = tuple(int(i) for i in wrong[0])
    detail = f"first at index {list(first)}: expected {_num(ref[first])}, got {_num(ours[first])}"
    if ref.ndim == 2 and ref.shape[0] > 1:
        rows = sorted({int(i) for i in wrong[:, 0]})
        cols = sorted({int(j) for j in wrong[:, 1]})
        if len(rows) < ref.shape[0]:
            return f"{label} is wrong in rows {rows} only, of {ref.shape[0]} ({detail})"
        if len(cols) < ref.shape[1]:
            return f"{label} is wrong in columns {cols} only, of {ref.shape[1]} ({detail})"
    if len(wrong) < close.size:
        return f"{label} is wrong in {len(wrong)} of {close.size} entries ({detail})"
    return f"{label} differs from the reference in every entry ({detail})"


def _nonfinite(label: str, ours: np.ndarray) -> str:
    nan, inf = bool(np.isnan(ours).any()), bool(np.isinf(ours).any())
    what = "NaN and inf" if nan and inf else ("NaN" if nan else "inf")
    return f"{label} has {what}"


def value_problem(label: str, value: object, expected: object, spec: Spec, case: Case) -> str:
    """Why ``value`` does not agree with ``expected``, in a short note (``""`` when it does)."""
    if value is None:
        return f"{label} is None (missing return?)"
    try:
        ours = as_numbers(value)
    except (TypeError, ValueError):
        return f"{label} is a {type(value).__name__}, not numbers"
    ref = np.asarray(expected, dtype=np.float64)
    if ours.shape != ref.shape:
        return shape_problem(label, ours, ref, spec)
    if not np.all(np.isfinite(ours)):
        return _nonfinite(label, ours)
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
    if outcome.status in ("timeout", "skipped"):
        return CaseResult(case.name, False, outcome.message), outcome.status
    if outcome.status == "bad output":
        return CaseResult(case.name, False, outcome.message), "structure"
    problems = [
        (label, value_problem(label, value, ref, spec, case))
        for label, value, ref in zip(case.labels, outcome.values, case.expected, strict=True)
    ]
    problems = [(label, note) for label, note in problems if note]
    changed = f"changed its input {', '.join(outcome.modified)}" if outcome.modified else ""
    if problems:
        note = problems[0][1].split(CAUSE)[0]
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
    markers = (("is None", "none"), ("not numbers", "type"), ("shape", "shape"), (" has NaN", "nonfinite"),
               (" has inf", "nonfinite"), ("float64", "dtype"))
    for marker, kind in markers:
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


# ------------------------------------------------------------------ hints

GENERIC_HINTS = {
    "not implemented": "part of the function still raises NotImplementedError; finish it for every input.",
    "error": "to see the traceback, call your function yourself on inputs of that case's shapes.",
    "timeout": "look for a loop that never ends (a while loop whose condition never changes, an index that is "
    "never advanced).",
    "none": "the function must end with `return ...`.",
    "type": "return NumPy arrays or floats, in the order of the signature.",
    "structure": "return the results together, as a tuple in the order of the signature (return a, b, c).",
    "shape": "rows are samples: compare the shape of each intermediate array with the one in the text.",
    "modified": "do not change the arrays you are given: write `Z = Z - c`, not `Z -= c`, or work on a copy.",
    "dtype": "compute in float64, the dtype of the inputs (a torch tensor made with torch.tensor(float_list) is "
    "float32; pass dtype=torch.float64 or keep to NumPy).",
    "values": "compare your code with the formula in the text, one term at a time, on this case's inputs.",
}

_NONFINITE_HINTS = {
    "large": "exp of a large number overflows to inf (and inf / inf = NaN, log(0) = -inf): this case needs a "
    "numerically stable formula.",
    "ordinary": "this case has ordinary inputs, so no large-input overflow: look for 0 / 0, log of 0 or of a "
    "negative number, sqrt of a negative number, or an array from np.empty that was never filled.",
    "zeros": "look for a division by something that is 0 when the inputs are all 0 (a sum, a count, a norm).",
    "ties": "look for a division by something that is 0 when the entries are equal (a difference, a range).",
    "zero division": "a division by a count that is 0 here (0 / 0 = NaN).",
    "": "NaN or inf comes from an overflow (exp of a large number), 0 / 0, or log of 0 or of a negative number.",
}


def _case_words(case: Case) -> str:
    what = KIND_WORDS.get(case.kind)
    return f"on case '{case.name}'" + (f" ({what})" if what else "")


def _learners_signature(signature: str, fn: object) -> str:
    """The signature under the learner's own function name (``backprop_relu(weights, ...)``)."""
    name = getattr(fn, "__name__", "")
    if not name.isidentifier() or "(" not in signature:
        return signature
    return name + signature[signature.index("("):]


def misuse(spec: Spec, problem: str) -> CheckResult:
    """The report of a checker called the wrong way: no case run, the problem and the right call."""
    return CheckResult(spec.exercise, spec.signature, False, True, problem, "misuse", (),
                       f"rtol {spec.rtol:.0e}, atol {spec.atol:.0e}")


def not_a_function(spec: Spec, fn: object, usage: str) -> CheckResult:
    """The report for ``check.X(obj)`` where ``obj`` is not callable."""
    if fn is None:
        got = "None (did the cell that defines your function run, and does the name refer to the function?)"
    else:
        got = f"a {type(fn).__name__} (the result of your function, perhaps?)"
    return CheckResult(spec.exercise, spec.signature, False, True,
                       f"a function is expected: pass your function itself, e.g. {usage}; got {got}.",
                       "not_a_function", (), f"rtol {spec.rtol:.0e}, atol {spec.atol:.0e}")


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
    everywhere else, on every case, with at least one case where both returned values. Each call
    of ``fn`` is bounded by :data:`TIME_LIMIT`; after one that is stopped, the rest are skipped.
    """
    tol = f"rtol {spec.rtol:.0e}, atol {spec.atol:.0e}"
    if not callable(fn) and not (isinstance(fn, tuple) and all(callable(f) for f in fn)):
        return not_a_function(spec, fn, f"check.{spec.exercise}({spec.signature.split('(')[0]})")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        case_list = list(cases() if callable(cases) else cases)
        outcomes: list[Outcome] = []
        for case in case_list:
            if outcomes and outcomes[-1].status in ("timeout", "skipped"):
                outcomes.append(Outcome("skipped", message="not run (an earlier case took too long)"))
            else:
                outcomes.append(execute(fn, case, TIME_LIMIT))
        if all(o.status == "not implemented" for o in outcomes):
            signature = _learners_signature(spec.signature, fn)
            return CheckResult(spec.exercise, signature, False, False, None, None, (), tol)
        judged = [judge(case, o, spec) for case, o in zip(case_list, outcomes, strict=True)]
        results = tuple(r for r, _ in judged)
        rows, title = table(case_list, outcomes) if table is not None else ((), "")
        if all(r.ok for r in results):
            return CheckResult(spec.exercise, spec.signature, True, True, None, None, results, tol, rows, title)
        diagnosis, key = diagnose(spec, case_list, outcomes, judged, mistakes)
    return CheckResult(spec.exercise, spec.signature, False, True, diagnosis, key, results, tol, rows, title)


def diagnose(spec, cases, outcomes, judged, mistakes) -> tuple[str, str | None]:
    """The named mistake that matches every case, else a description of the first failing case."""
    kinds = [kind for _, kind in judged]
    if not {"not implemented", "timeout"} & set(kinds):
        found = match_mistake(cases, outcomes, list(mistakes() if callable(mistakes) else mistakes), spec)
        if found is not None:
            return found.text, found.key
    first = next(i for i, (r, _) in enumerate(judged) if not r.ok)
    case, outcome = cases[first], outcomes[first]
    (result, kind), where = judged[first], _case_words(cases[first])
    if kind == "timeout":
        return (f"your function took longer than {TIME_LIMIT:g} s {where} and was stopped "
                f"(the cases after it were not run). Hint: {spec.hints.get('timeout', GENERIC_HINTS['timeout'])}",
                "timeout")
    if kind == "error":
        error_type = outcome.message.split(":")[0]
        special = spec.hints.get(f"error:{error_type}")
        if special:
            return f"{where}: raised {outcome.message}. {special}", f"error:{error_type}"
    if kind == "values":
        text, key = _describe_failure(spec, case, outcome)
        return f"{where}: {text}.", key
    if kind == "nonfinite" and case.per_step and spec.describe is not None:  # a trajectory: where it went wrong
        found = spec.describe(case, tuple(as_numbers(v) for v in outcome.values))
        if found is not None:
            return f"{where}: {found[1]}.", found[0]
    if kind == "nonfinite":
        hint = spec.hints.get("nonfinite", _NONFINITE_HINTS.get(case.kind, _NONFINITE_HINTS[""]))
        return f"{where}: {result.note}. Hint: {hint}", None
    if kind == "shape" and outcome.status == "ran":
        full = next(note for note in (value_problem(label, value, ref, spec, case) for label, value, ref in
                                      zip(case.labels, outcome.values, case.expected, strict=True)) if note)
        if CAUSE in full:  # the likely cause, guessed from the shapes
            return f"{where}: {full.replace(CAUSE, ': ')}.", None
    hint = spec.hints.get(kind, GENERIC_HINTS[kind])
    return f"{where}: {result.note}. Hint: {hint}", None


def _describe_failure(spec: Spec, case: Case, outcome: Outcome) -> tuple[str, str | None]:
    """What differed in a case whose outputs have the right shapes and are finite."""
    values = tuple(as_numbers(v) for v in outcome.values)
    if spec.describe is not None:
        found = spec.describe(case, values)
        if found is not None:
            key, text = found
            return text, key
    refs = [np.asarray(r, dtype=np.float64) for r in case.expected]
    wrong = [(label, v, r) for label, v, r in zip(case.labels, values, refs, strict=True)
             if not _agrees(v, r, spec)]
    label, ours, ref = wrong[0]
    if case.per_step:  # a trajectory: describe the first step that differs
        close = np.isclose(ours, ref, rtol=spec.rtol, atol=spec.atol).reshape(len(ref), -1).all(axis=1)
        step = int(np.argmin(close))
        text = f"from step {step + 1}: " + describe_values(f"{label}", ours[step], ref[step], spec)
    else:
        text = describe_values(label, ours, ref, spec)
    right = [lab for lab in case.labels if lab not in {w[0] for w in wrong}]
    if len(case.labels) > 1:
        text += f" (wrong: {', '.join(w[0] for w in wrong)}; right: {', '.join(right) or 'none'})"
    return text, None
