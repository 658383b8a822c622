"""How long does a learner wait for each checker of :mod:`mlp_lab.check`?

Run ``python -m benchmarks check`` or ``python benchmarks/bench_check.py`` (``--help`` for
options). Every checker is timed with two learners' functions:

``right``
    A correct function, the plain NumPy one of ``mlp_lab.check._answers`` (the one the tests
    pass too): every case runs once and passes.
``wrong``
    The same function with every number it returns scaled by 1.5. It is wrong on every case
    whose answer is not zero and is none of the checker's named mistakes, so the checker runs
    every mistaken implementation it knows on every case, then describes what differed
    ("P is the reference times 1.5 in every entry"): its slowest path.

Each time is the best of ``--repeats`` calls (default 5) after one untimed call (imports,
first calls), wall clock, in the process that runs the benchmark. Target, from the course's
promise to the learner: every checker answers in under a second, right or wrong. The output
is a table, a ``targets:`` line and, last, a JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from mlp_lab.check._answers import ACTIVATIONS, right_answers, warmup_cosine

TARGET_SECONDS = 1.0
SCALE = 1.5  # the wrong learner's factor: far from every reference and from every named mistake


def _value_classes() -> tuple[type, type]:
    """A right scalar-autograd class with exp and log, and one whose exp is 1.5 times too large."""
    from mlp_lab.check.autograd import _Scalar  # chapter 3's Value with exp and log (mistake="")

    class Wrong(_Scalar):
        def exp(self):
            out = super().exp()
            out.data *= SCALE  # its backward uses out.data: the gradients are wrong too
            return out

    return _Scalar, Wrong


def scaled(out: object) -> object:
    """``out`` with every number in it (arrays, floats, nested tuples and lists) times :data:`SCALE`."""
    if isinstance(out, tuple | list):
        return type(out)(scaled(x) for x in out)
    return np.asarray(out) * SCALE


def wrong(fn: Callable) -> Callable:
    """A learner's function that is right up to a factor of :data:`SCALE`: wrong, and no named mistake."""
    return lambda *args: scaled(fn(*args))


def contenders() -> dict[str, dict[str, Callable[[], object]]]:
    """``{checker: {"right": call, "wrong": call}}``; each call runs the checker once."""
    from mlp_lab import check

    g, g_prime = ACTIVATIONS["sigmoid"]
    out = {"activation": {"right": lambda: check.activation("sigmoid", g, g_prime),
                          "wrong": lambda: check.activation("sigmoid", wrong(g), wrong(g_prime))}}
    out["lr_schedule"] = {"right": lambda: check.lr_schedule("cosine", warmup_cosine),
                          "wrong": lambda: check.lr_schedule("cosine", wrong(warmup_cosine))}
    right_cls, wrong_cls = _value_classes()
    out["value"] = {"right": lambda: check.value(right_cls), "wrong": lambda: check.value(wrong_cls)}
    for name, fn in right_answers().items():
        checker = getattr(check, name)
        out[name] = {"right": lambda c=checker, f=fn: c(f), "wrong": lambda c=checker, f=fn: c(wrong(f))}
    return out


def best_seconds(call: Callable[[], object], repeats: int) -> float:
    """Best wall-clock time of ``repeats`` calls, after one untimed call."""
    call()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return min(times)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Time every checker, right and wrong; print a table, the targets and a final JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks check",
        description="Time each learner checker of mlp_lab.check on a right and a wrong answer (target: < 1 s).",
    )
    parser.add_argument("--repeats", type=positive_int, default=5, help="timed calls per checker, best kept (5)")
    args = parser.parse_args(argv)
    results = {name: {kind: best_seconds(call, args.repeats) for kind, call in calls.items()}
               for name, calls in contenders().items()}
    print(f"mlp_lab checker benchmark: best of {args.repeats} calls after a warm-up, wall clock")
    print(f"{'checker':<20} {'right ms':>9} {'wrong ms':>9}")
    for name, t in results.items():
        print(f"{name:<20} {1e3 * t['right']:>9.1f} {1e3 * t['wrong']:>9.1f}")
    slowest = max(max(t.values()) for t in results.values())
    targets = {f"every_checker_under_{TARGET_SECONDS:g}_s": slowest < TARGET_SECONDS}
    print(f"slowest: {1e3 * slowest:.1f} ms")
    print("targets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))
    print(json.dumps({"benchmark": "check", "repeats": args.repeats, "seconds": results, "targets": targets}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
