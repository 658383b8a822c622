r"""Learner-facing checker for a scalar autograd class (chapter 3's ``Value``, with ``exp`` and ``log``).

The checker knows the learner's class only through what chapter 3's ``Value`` offers: ``cls(x)``
makes a leaf holding the float ``x``; nodes combine with ``a + b`` and ``a * b`` (both nodes) and
have ``.exp()``, ``.log()``, ``.backward()``, ``.data`` and ``.grad``. It builds seeded
expressions with them (a softmax cross-entropy among them), calls ``backward()`` on the result
and compares the result's ``.data`` and every leaf's ``.grad`` with :mod:`torch.autograd` in
float64, which runs the very same expression code on tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import reduce

import numpy as np

from mlp_lab.check._engine import Case, Mistake, Spec, checker, one_torch_thread, run_check
from mlp_lab.check.result import CheckResult

__all__ = ["value"]

# An expression: (leaves by name, make_constant) -> output node. The same code runs on the
# learner's nodes and on torch tensors; constants are nodes too (cls(c)), never bare floats.
Expression = Callable[[dict, Callable[[float], object]], object]


def _add_all(nodes):
    return reduce(lambda a, b: a + b, nodes)


def _used_twice(v, const):  # x feeds exp and a product: its two contributions must add up
    return v["x"].exp() * v["x"] + v["y"].log()


def _log_of_product(v, const):
    return (v["a"] * v["b"] + v["c"]).log()


def _power_by_exp_log(v, const):  # u ** w = exp(w log u)
    return (v["u"].log() * v["w"]).exp()


def _cross_entropy(z: list, label: int, const) -> object:
    """-log softmax(z)[label] = log sum_k exp(z_k - z_label); each exp and log input used once."""
    minus = z[label] * const(-1.0)
    return _add_all([(z_k + minus).exp() for z_k in z]).log()


def _softmax_ce(v, const):
    return _cross_entropy([v["z0"], v["z1"], v["z2"]], 1, const)


def _mean_ce_linear(v, const):  # logits z_k = w_k x + b_k of two samples, mean cross-entropy
    samples = ((0.7, 2), (-1.3, 0))
    losses = [_cross_entropy([v[f"w{k}"] * const(x) + v[f"b{k}"] for k in range(3)], label, const)
              for x, label in samples]
    return _add_all(losses) * const(1.0 / len(samples))


def _leaves(seed: int) -> list[tuple[str, Expression, dict[str, float]]]:
    rng = np.random.default_rng(seed)

    def draw(*names, low=-2.0, high=2.0):
        return {n: float(x) for n, x in zip(names, rng.uniform(low, high, len(names)), strict=True)}

    abc = draw("a", "b")
    abc["c"] = abs(abc["a"] * abc["b"]) + float(rng.uniform(0.5, 2.0))
    return [
        ("x used twice: exp(x) * x + log(y)", _used_twice, {**draw("x"), **draw("y", low=0.5, high=3.0)}),
        ("log(a * b + c)", _log_of_product, abc),
        ("exp(log(u) * w), u ** w", _power_by_exp_log, {**draw("u", low=0.5, high=3.0), **draw("w")}),
        ("softmax cross-entropy, 3 logits, label 1", _softmax_ce, draw("z0", "z1", "z2", low=-3.0, high=3.0)),
        ("mean cross-entropy of a linear model, 2 samples", _mean_ce_linear,
         draw("w0", "w1", "w2", "b0", "b1", "b2")),
    ]


def _torch_reference(expression: Expression, data: dict[str, float]) -> tuple[float, ...]:
    """(output, d output / d leaf for each leaf) by torch.autograd, float64."""
    import torch

    with one_torch_thread():
        leaves = {n: torch.tensor(x, dtype=torch.float64, requires_grad=True) for n, x in data.items()}
        out = expression(leaves, lambda c: torch.tensor(c, dtype=torch.float64))
        out.backward()
    return (float(out), *(float(t.grad) for t in leaves.values()))


def _runner(expression: Expression, data: dict[str, float]):
    def run(cls):
        leaves = {n: cls(x) for n, x in data.items()}
        out = expression(leaves, cls)
        out.backward()
        return (out.data, *(leaf.grad for leaf in leaves.values())), ()

    return run


# ------------------------------------------------------------ mistaken classes


class _Scalar:
    """Chapter 3's Value with exp and log, or (``mistake``) a mistaken variant of them."""

    mistake = ""

    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev, self._backward = float(data), 0.0, _children, lambda: None

    def __add__(self, other):
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = type(self)(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def _unary(self, data: float, local: float):
        out = type(self)(data, (self,))

        def _backward():
            if self.mistake == "assigned":
                self.grad = local * out.grad
            else:
                self.grad += local * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        local = {"exp_derivative_missing": 1.0, "exp_derivative_at_input": self.data}.get(self.mistake, e)
        return self._unary(e, local)

    def log(self):
        if self.mistake == "log10":
            return self._unary(math.log10(self.data), 1.0 / (self.data * math.log(10.0)))
        y = math.log(self.data)
        local = {"log_derivative_missing": 1.0, "log_derivative_at_output": 1.0 / y}.get(self.mistake,
                                                                                        1.0 / self.data)
        return self._unary(y, local)

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth first, iterative: a node after all of its inputs
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node._prev))
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


_VALUE_MISTAKES = {
    "assigned": "a gradient is assigned (=) instead of accumulated (+=) in exp or log: x, used by exp(x) and by "
    "the product, keeps only one of its two contributions. Hint: self.grad += local derivative * out.grad.",
    "exp_derivative_missing": "exp's local derivative is missing: d exp(x)/dx = exp(x). Hint: in exp's _backward, "
    "self.grad += out.data * out.grad.",
    "exp_derivative_at_input": "exp's local derivative is taken as x: d exp(x)/dx = exp(x), the output. Hint: "
    "self.grad += out.data * out.grad.",
    "log_derivative_missing": "log's local derivative is missing: d log(x)/dx = 1 / x. Hint: in log's _backward, "
    "self.grad += out.grad / self.data.",
    "log_derivative_at_output": "log's derivative is taken at the output, 1 / log(x): it is 1 / x, at the input. "
    "Hint: self.grad += out.grad / self.data (self is the input x).",
    "log10": "log is the base-10 logarithm: the cross-entropy uses the natural log, math.log(x).",
}


def _mistaken_class(key: str) -> type:
    return type(f"Value_{key}", (_Scalar,), {"mistake": key})


@checker
def value(cls: object, *, seed: int = 0) -> CheckResult:
    r"""Check a scalar autograd class: chapter 3's ``Value`` with ``exp()`` and ``log()`` added.

    ``cls(x)`` must make a leaf holding the float ``x``; nodes must support ``a + b`` and
    ``a * b`` between nodes, ``.exp()`` and ``.log()`` (natural log), and ``.backward()``, after
    which ``.grad`` holds d(output)/d(node). The local derivatives to add are

    .. math:: \frac{d\, e^x}{dx} = e^x, \qquad \frac{d \log x}{dx} = \frac1x ,

    each accumulated (``+=``) into the input's ``grad``. Five seeded expressions, each using
    ``exp`` or ``log`` (a node used twice, a softmax cross-entropy, the mean cross-entropy of
    a small linear model among them), are built from fresh leaves; the output's ``.data`` and
    every leaf's ``.grad`` are compared with :mod:`torch.autograd` (float64) running the same
    expression.

    (Here ``fn`` below is the learner's class itself, ``cls``.)
    """
    name = getattr(cls, "__name__", "")
    name = name if name.isidentifier() else "MyValue"
    hint = (f"to see the traceback, build a small expression yourself, e.g. ({name}(2.0).exp() * "
            f"{name}(3.0)).log().backward(). An AttributeError about exp or log on a 'Value' means that + or * "
            "return another class than yours: create nodes with type(self)(...).")
    spec = Spec("value", "your Value's exp or log", hints={"error": hint})
    if not callable(cls):
        tol = f"rtol {spec.rtol:.0e}, atol {spec.atol:.0e}"
        diagnosis = (f"pass your class itself, e.g. check.value(Value), not one of its values; got a "
                     f"{type(cls).__name__}.")
        return CheckResult(spec.exercise, spec.signature, False, True, diagnosis, "not_a_class", (), tol)

    def cases() -> list[Case]:
        out = []
        for what, expression, data in _leaves(seed):
            labels = ("output .data", *(f"{n}.grad" for n in data))
            out.append(Case(what, _runner(expression, data), _torch_reference(expression, data), labels,
                            lambda o: tuple(o)))
        return out

    mistakes = [Mistake(key, text, _mistaken_class(key)) for key, text in _VALUE_MISTAKES.items()]
    return run_check(spec, cls, cases, mistakes)
