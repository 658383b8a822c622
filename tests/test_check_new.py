"""The checkers of issue 24 (value, momentum_step, lr_schedule, clip_grad_norm, dropout).

Correct answers in several styles pass on several seeds; every named mistake, written here the way
a learner would write it (independently of the checkers' own mistaken variants), is caught and
named; the skeleton is "not attempted"; misuse is a report, never an exception.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlp_lab import check
from mlp_lab.check import CheckResult

SEEDS = [0, 1, 7]


def skeleton(*args):
    raise NotImplementedError("your code here")


def assert_mistake(r: CheckResult, key: str) -> None:
    assert r.attempted and not r.passed, str(r)
    assert r.mistake == key, str(r)
    assert str(r).splitlines()[1].startswith("likely mistake: "), str(r)


# ============================================================== value


class Scalar:
    """A learner's class: chapter 3's Value with exp and log; ``bug`` selects a mistake."""

    bug = ""

    def __init__(self, data, _children=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = _children
        self._backward = lambda: None

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

    def exp(self):
        out = type(self)(math.exp(self.data), (self,))

        def _backward():
            if self.bug == "assigned":
                self.grad = out.data * out.grad
            elif self.bug == "exp_derivative_missing":
                self.grad += out.grad
            elif self.bug == "exp_derivative_at_input":
                self.grad += self.data * out.grad
            else:
                self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = type(self)(math.log10(self.data) if self.bug == "log10" else math.log(self.data), (self,))

        def _backward():
            if self.bug == "log_derivative_at_output":
                self.grad += out.grad / out.data
            elif self.bug == "log_derivative_missing":
                self.grad += out.grad
            elif self.bug == "log10":
                self.grad += out.grad / (self.data * math.log(10))
            else:
                self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(node):  # the chapter's recursive sort
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class TorchBacked:
    """Another style: each node wraps a 0-d float64 tensor and backward is torch.autograd's."""

    def __init__(self, data, _t=None):
        self.t = torch.tensor(float(data), dtype=torch.float64, requires_grad=True) if _t is None else _t
        self.leaf = _t is None

    @property
    def data(self):
        return float(self.t)

    @property
    def grad(self):
        return float(self.t.grad) if self.t.grad is not None else 0.0

    def __add__(self, o):
        return TorchBacked(0, self.t + o.t)

    def __mul__(self, o):
        return TorchBacked(0, self.t * o.t)

    def exp(self):
        return TorchBacked(0, self.t.exp())

    def log(self):
        return TorchBacked(0, self.t.log())

    def backward(self):
        self.t.backward()


class NoExpYet(Scalar):
    def exp(self):
        raise NotImplementedError("your code here")

    def log(self):
        raise NotImplementedError("your code here")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", [Scalar, TorchBacked], ids=["scalar", "torch-backed"])
def test_value_correct_classes_pass(cls, seed):
    r = check.value(cls, seed=seed)
    assert r.passed and r.mistake is None, str(r)
    assert len(r.cases) == 5


def test_value_against_the_library_value_with_exp_log_added():
    from mlp_lab.scratch.value import Value

    class Mine(Value):  # the library's + and * build plain Values, so exp/log go on a copy of the class
        pass

    assert check.value(Scalar).passed
    assert not check.value(Mine).passed  # Value has no exp: a report, not an exception
    assert "AttributeError" in str(check.value(Mine)) and "type(self)(...)" in str(check.value(Mine))


@pytest.mark.parametrize("bug", ["assigned", "exp_derivative_missing", "exp_derivative_at_input",
                                 "log_derivative_missing", "log_derivative_at_output", "log10"])
def test_value_mistakes_are_named(bug):
    r = check.value(type("Buggy", (Scalar,), {"bug": bug}))
    assert_mistake(r, bug)


def test_value_skeleton_and_misuse():
    r = check.value(NoExpYet)
    assert not r.attempted and str(r).startswith("not attempted yet: your Value's exp or log")
    r = check.value(Scalar(1.0))
    assert not r.passed and r.mistake == "not_a_class" and "check.value(Value)" in str(r)

    class Crashes(Scalar):
        def backward(self):
            raise RuntimeError("boom")

    r = check.value(Crashes)
    assert not r.passed and "raised RuntimeError: boom" in str(r)


# ============================================================== momentum


def momentum_loop(w, g, b, lr, mu, nesterov):
    """A learner writing it entry by entry."""
    w, b = w.copy(), b.copy()
    for i in np.ndindex(w.shape):
        b[i] = mu * b[i] + g[i]
        w[i] -= lr * (g[i] + mu * b[i]) if nesterov else lr * b[i]
    return w, b


def momentum_torch(w, g, b, lr, mu, nesterov):
    """A learner using torch tensors in place."""
    w_t, b_t, g_t = torch.from_numpy(w), torch.from_numpy(b), torch.from_numpy(g)
    b_t.mul_(mu).add_(g_t)
    w_t.sub_(lr * (g_t + mu * b_t) if nesterov else lr * b_t)
    return w_t.numpy(), b_t.numpy()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", [momentum_loop, momentum_torch])
def test_momentum_correct_pass(fn, seed):
    assert check.momentum_step(fn, seed=seed).passed


def _dampened(w, g, b, lr, mu, nesterov):
    b = mu * b + (1 - mu) * g  # an exponential moving average
    return w - lr * (g + mu * b if nesterov else b), b


MOMENTUM_BUGS = {
    "dampened": lambda w, g, b, lr, mu, n: _dampened(w, g, b, lr, mu, n),
    "step_before_buffer": lambda w, g, b, lr, mu, n: (w - lr * b, mu * b + g),
    "nesterov_ignored": lambda w, g, b, lr, mu, n: (w - lr * (mu * b + g), mu * b + g),
    "sign": lambda w, g, b, lr, mu, n: (w + lr * ((g + mu * (mu * b + g)) if n else (mu * b + g)), mu * b + g),
}


@pytest.mark.parametrize("key", sorted(MOMENTUM_BUGS))
def test_momentum_mistakes_are_named(key):
    assert_mistake(check.momentum_step(MOMENTUM_BUGS[key]), key)


def test_nesterov_with_the_old_buffer_is_plain_momentum():
    def old_buffer(w, g, b, lr, mu, nesterov):  # g + mu * b_old is the new buffer: no look-ahead
        return w - lr * ((g + mu * b) if nesterov else (mu * b + g)), mu * b + g

    assert_mistake(check.momentum_step(old_buffer), "nesterov_ignored")


# ============================================================== schedules


def cosine_numpy(step, total_steps, base_lr, warmup_steps):
    if step < warmup_steps:
        return base_lr * np.interp(step, [0, warmup_steps], [0.1, 1.0])
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return 0.5 * base_lr * (1 + np.cos(np.pi * progress))


def cosine_library(step, total_steps, base_lr, warmup_steps):
    from mlp_lab.scratch import schedules

    if warmup_steps == 0:
        return schedules.cosine_lr(step, lr=base_lr, T_max=total_steps)
    return schedules.warmup_cosine_lr(step, lr=base_lr, warmup=warmup_steps, T_max=total_steps - warmup_steps)


def step_loop(step, total_steps, base_lr, warmup_steps):
    lr = base_lr
    for t in range(1, step + 1):
        if t % (total_steps // 4) == 0:
            lr *= 0.3
    return lr


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", [cosine_numpy, cosine_library])
def test_cosine_correct_pass(fn, seed):
    assert check.lr_schedule("cosine", fn, seed=seed).passed


@pytest.mark.parametrize("seed", SEEDS)
def test_step_correct_passes(seed):
    assert check.lr_schedule("step", step_loop, seed=seed).passed
    assert check.lr_schedule("step", lambda t, T, lr, W: lr * 0.3 ** (t // (T // 4)), seed=seed).passed


def _cos(lr, x, period):
    return 0.5 * lr * (1 + math.cos(math.pi * x / period))


COSINE_BUGS = {
    "warmup_from_zero": lambda t, T, lr, W: lr * t / W if t < W else _cos(lr, t - W, T - W),
    "not_shifted": lambda t, T, lr, W: lr * (0.1 + 0.9 * t / W) if t < W else _cos(lr, t, T - W),
    "period_not_shortened": lambda t, T, lr, W: lr * (0.1 + 0.9 * t / W) if t < W else _cos(lr, t - W, T),
    "whole_run": lambda t, T, lr, W: lr * (0.1 + 0.9 * t / W) if t < W else _cos(lr, t, T),
    "ends_at_last_step": lambda t, T, lr, W: lr * (0.1 + 0.9 * t / W) if t < W else _cos(lr, t - W, T - W - 1),
    "missing_half": lambda t, T, lr, W: lr * (0.1 + 0.9 * t / W) if t < W else 2 * _cos(lr, t - W, T - W),
}
STEP_BUGS = {
    "no_floor": lambda t, T, lr, W: lr * 0.3 ** (t / (T // 4)),
    "float_step_size": lambda t, T, lr, W: lr * 0.3 ** math.floor(t / (T / 4)),
    "early": lambda t, T, lr, W: lr * 0.3 ** ((t + 1) // (T // 4)),
    "gamma_default": lambda t, T, lr, W: lr * 0.1 ** (t // (T // 4)),
}


@pytest.mark.parametrize("key", sorted(COSINE_BUGS))
def test_cosine_mistakes_are_named(key):
    assert_mistake(check.lr_schedule("cosine", COSINE_BUGS[key]), key)


@pytest.mark.parametrize("key", sorted(STEP_BUGS))
def test_step_mistakes_are_named(key):
    assert_mistake(check.lr_schedule("step", STEP_BUGS[key]), key)


def test_schedule_misuse_is_a_report():
    assert not check.lr_schedule("cosine", skeleton).attempted
    r = check.lr_schedule("cosine", lambda t, T, lr, W: None)
    assert not r.passed and "is None" in str(r)
    r = check.lr_schedule("step", lambda t, T, lr, W: np.full(3, lr))
    assert not r.passed and "expected one number" in str(r)
    r = check.lr_schedule("cosine", 0.1)
    assert not r.passed and r.mistake == "not_a_function"
    with pytest.raises(ValueError, match="name"):
        check.lr_schedule("linear", cosine_numpy)


# ============================================================== clipping


def clip_numpy(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    coef = min(1.0, max_norm / (norm + 1e-6))
    return [g * coef for g in grads], norm


def clip_torch(grads, max_norm):
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], norm


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", [clip_numpy, clip_torch])
def test_clip_correct_pass(fn, seed):
    assert check.clip_grad_norm(fn, seed=seed).passed


def _clip_in_place(grads, c):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    for g in grads:
        g *= min(1.0, c / (norm + 1e-6))
    return grads, norm


def _clip_only_norm(grads, c):
    return _clip_in_place(grads, c)[1]


CLIP_BUGS = {
    "per_tensor": lambda gs, c: ([g * min(1.0, c / (np.linalg.norm(g) + 1e-6)) for g in gs],
                                 np.sqrt(sum(np.sum(g**2) for g in gs))),
    "always_scaled": lambda gs, c: ([g * c / (np.sqrt(sum(np.sum(h**2) for h in gs)) + 1e-6) for g in gs],
                                    np.sqrt(sum(np.sum(g**2) for g in gs))),
    "norms_summed": lambda gs, c: clip_numpy(gs, c)[0] and (
        [g * min(1.0, c / (sum(np.linalg.norm(h) for h in gs) + 1e-6)) for g in gs],
        sum(np.linalg.norm(h) for h in gs)),
    "eps_missing": lambda gs, c: ([g * min(1.0, c / np.sqrt(sum(np.sum(h**2) for h in gs))) for g in gs],
                                  np.sqrt(sum(np.sum(g**2) for g in gs))),
    "in_place": _clip_in_place,
}


@pytest.mark.parametrize("key", sorted(CLIP_BUGS))
def test_clip_mistakes_are_named(key):
    assert_mistake(check.clip_grad_norm(CLIP_BUGS[key]), key)


def test_clip_returning_only_the_norm_gets_a_hint():
    r = check.clip_grad_norm(_clip_only_norm)
    assert not r.passed and "returned a single number, expected a tuple" in str(r)
    assert "torch's clip_grad_norm_ clips in place and returns only the norm" in str(r)


def test_clip_in_place_is_reported_as_a_changed_input():
    r = check.clip_grad_norm(_clip_in_place)
    assert "changed its input grads" in str(r)


def test_clip_misuse_is_a_report():
    assert not check.clip_grad_norm(skeleton).attempted
    r = check.clip_grad_norm(lambda gs, c: (gs[:1], 1.0))
    assert not r.passed and "expected a list of" in str(r)
    r = check.clip_grad_norm(lambda gs, c: (np.concatenate([g.ravel() for g in gs]), 1.0))
    assert not r.passed


# ============================================================== dropout


def dropout_ge(A, p, rng, training):
    if not training:
        return A, None
    D = (rng.random(A.shape) >= p) / (1 - p)
    return A * D, D


def dropout_binomial(A, p, rng, training):
    """Another style: a binomial draw, ones as the evaluation mask."""
    if not training:
        return A.copy(), np.ones_like(A)
    D = rng.binomial(1, 1 - p, size=A.shape).astype(float) / (1 - p)
    return A * D, D


def dropout_torch(A, p, rng, training):
    """Another style: torch tensors, the mask drawn from the given NumPy generator."""
    A_t = torch.from_numpy(A)
    if not training:
        return A_t, None
    D = torch.from_numpy(rng.uniform(size=A.shape) < 1 - p).double() / (1 - p)
    return A_t * D, D


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", [dropout_ge, dropout_binomial, dropout_torch])
def test_dropout_correct_pass(fn, seed):
    assert check.dropout(fn, seed=seed).passed


def _drop(A, p, rng, training, *, keep_if, scale, eval_too=False, return_M=False, make_rng=None):
    if not training and not eval_too:
        return A, None
    rng = make_rng() if make_rng else rng
    M = keep_if(rng.random(A.shape), p).astype(float)
    return (A * M * scale(p), M) if return_M else (A * M * scale(p), M * scale(p))


def _keep(u, p):
    return u >= p


def _inv(p):
    return 1 / (1 - p)


DROPOUT_BUGS = {
    "no_rescaling": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=lambda p: 1.0),
    "times_p": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=lambda p: p),
    "divided_by_p": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=lambda p: 1 / p),
    "swapped": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=lambda u, p: u < p, scale=_inv),
    "drops_in_eval": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=_inv, eval_too=True),
    "mask_unscaled": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=_inv, return_M=True),
    "global_rng": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=_inv,
                                            make_rng=lambda: np.random.mtrand._rand),
    "fixed_seed": lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=_keep, scale=_inv,
                                            make_rng=lambda: np.random.default_rng(42)),
}


@pytest.mark.parametrize("key", sorted(DROPOUT_BUGS))
def test_dropout_mistakes_are_named(key):
    assert_mistake(check.dropout(DROPOUT_BUGS[key]), key)


def test_dropout_swapped_with_1_over_p_is_named_swapped():
    r = check.dropout(lambda A, p, r, tr: _drop(A, p, r, tr, keep_if=lambda u, p: u < p, scale=lambda p: 1 / p))
    assert_mistake(r, "swapped")


def test_dropout_statistical_case_is_deterministic():
    assert str(check.dropout(DROPOUT_BUGS["no_rescaling"], seed=3)) == str(
        check.dropout(DROPOUT_BUGS["no_rescaling"], seed=3))


def test_dropout_misuse_is_a_report():
    assert not check.dropout(skeleton).attempted
    r = check.dropout(lambda A, p, rng, training: A)
    assert not r.passed and "expected a tuple (A_out, mask)" in str(r)
    r = check.dropout(lambda A, p, rng, training: (A, None))
    assert not r.passed and "mask is None in training" in str(r)

    def in_place(A, p, rng, training):
        if training:
            D = (rng.random(A.shape) >= p) / (1 - p)
            A *= D
            return A, D
        return A, None

    r = check.dropout(in_place)
    assert not r.passed and "changed its input A" in str(r)


# ============================================================== every new checker


@pytest.mark.parametrize("call", [
    lambda: check.value(Scalar), lambda: check.momentum_step(momentum_loop),
    lambda: check.lr_schedule("cosine", cosine_numpy), lambda: check.clip_grad_norm(clip_numpy),
    lambda: check.dropout(dropout_ge)])
def test_reports_are_deterministic_and_render(call):
    a, b = call(), call()
    assert str(a) == str(b) and a.passed
    assert "0x" not in str(a) and a._repr_html_().startswith('<div class="mlp-lab-check">')


@pytest.mark.parametrize("call", [
    lambda f: check.value(f), lambda f: check.momentum_step(f), lambda f: check.lr_schedule("step", f),
    lambda f: check.clip_grad_norm(f), lambda f: check.dropout(f)])
def test_a_raising_function_is_a_report(call):
    def raises(*args):
        raise ValueError("bad")

    r = call(raises)
    assert r.attempted and not r.passed and "raised ValueError: bad" in str(r)


# ============================================================== the course's use of the checkers


def test_each_checker_is_used_by_exactly_one_exercise_and_chapters_1_to_6_have_two():
    """Issue 24, item 13: no "Your turn" exercise repeats a checker; chapters 1-6 keep at least two."""
    from pathlib import Path

    used: dict[str, list[str]] = {}
    for md in sorted((Path(__file__).resolve().parents[1] / "book").glob("[0-9][0-9]-*.md")):
        in_solution = False
        for line in md.read_text().splitlines():
            if line.startswith("````{solution-start}"):
                in_solution = True
            elif line.startswith("````{solution-end}"):
                in_solution = False
            elif not in_solution and line.startswith("check."):
                name = line[len("check."):].split("(")[0]
                if name not in ("compare", "report"):
                    used.setdefault(name, []).append(md.name[:2])
    checkers = sorted(n for n in check.__all__ if n[0].islower() and n not in ("compare", "report"))
    assert sorted(used) == checkers, "every checker is used by an exercise"
    assert all(len(chapters) == 1 for chapters in used.values()), used
    per_chapter = {f"{k:02d}": sum(ch == [f"{k:02d}"] for ch in used.values()) for k in range(1, 7)}
    assert all(n >= 2 for n in per_chapter.values()), per_chapter
