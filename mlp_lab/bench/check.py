"""How long does a learner wait for each checker of :mod:`mlp_lab.check`?

Run ``python -m mlp_lab.bench check`` (``--help`` for options). Every checker is timed with
two learners' functions:

``right``
    A correct function, written from ``mlp_lab``'s own implementations (``losses``,
    ``metrics``, ``gradcheck``, ``optim``, ``scratch``): every case runs once and passes.
``wrong``
    The same function with every number it returns scaled by 1.5. It is wrong on every case
    whose answer is not zero and is none of the checker's named mistakes, so the checker runs
    every mistaken implementation it knows on every case before it gives up: its slowest path.

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

from mlp_lab._cli import positive_int

TARGET_SECONDS = 1.0
SCALE = 1.5  # the wrong learner's factor: far from every reference and from every named mistake


def _dense_forward(A_prev, W, b):
    return A_prev @ W.T + b  # (m, n_out)


def _dense_backward(dZ, A_prev, W):
    return dZ.T @ A_prev, dZ.sum(axis=0), dZ @ W  # dW, db, dA_prev


def _backprop(weights, biases, X, y):
    from mlp_lab.scratch import MLP

    net = MLP([W.shape[1] for W in weights] + [weights[-1].shape[0]], activation="relu")
    net.weights, net.biases = [W.copy() for W in weights], [b.copy() for b in biases]
    _, dW, db = net.loss_and_grads(X, y)
    return dW, db


def _numerical_gradient(f, x, eps):
    from mlp_lab.scratch.gradcheck import numerical_gradient

    return numerical_gradient(f, x, eps=eps)


def _adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    from mlp_lab.scratch.optim import Adam

    opt = Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.m[0][...], opt.v[0][...], opt.t = m, v, t - 1
    opt.step([g])
    return w, opt.m[0].copy(), opt.v[0].copy()


def _precision_recall_f1(y_true, y_pred):
    from mlp_lab import metrics

    return metrics.precision(y_true, y_pred), metrics.recall(y_true, y_pred), metrics.f1_score(y_true, y_pred)


def right_answers() -> dict[str, Callable]:
    """A correct learner's function for each checker that takes one function."""
    from mlp_lab.scratch import losses

    return {
        "dense_forward": _dense_forward,
        "softmax": losses.softmax,
        "cross_entropy": losses.cross_entropy,
        "bce_with_logits": losses.binary_cross_entropy_with_logits,
        "dense_backward": _dense_backward,
        "backprop": _backprop,
        "numerical_gradient": _numerical_gradient,
        "adam_step": _adam_step,
        "precision_recall_f1": _precision_recall_f1,
    }


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
    from mlp_lab.scratch import activations

    g, g_prime = activations.ACTIVATIONS["sigmoid"]
    out = {"activation": {"right": lambda: check.activation("sigmoid", g, g_prime),
                          "wrong": lambda: check.activation("sigmoid", wrong(g), wrong(g_prime))}}
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


def main(argv: Sequence[str] | None = None) -> int:
    """Time every checker, right and wrong; print a table, the targets and a final JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m mlp_lab.bench check",
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
