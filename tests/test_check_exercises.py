"""mlp_lab.check's learner-facing checkers: references pass, listed mistakes are named, nothing crashes.

The mistaken "learner" functions below are written here, independently of the checkers' own
mistaken variants, the way a learner would write them; the correct ones are
:func:`mlp_lab.check._answers.right_answers`, plain NumPy (no mlp_lab inside).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_lab import check
from mlp_lab.check import CheckResult
from mlp_lab.check._answers import right_answers
from mlp_lab.scratch import activations as act
from mlp_lab.scratch import losses

# ------------------------------------------------------------------ references

# A correct learner's function per checker, plain NumPy (not the checkers' internals); the checker
# benchmark times the same ones.
REFERENCES = right_answers()
CHECKERS = sorted(REFERENCES)


def run(name, fn, **kw) -> CheckResult:
    return getattr(check, name)(fn, **kw)


# ------------------------------------------------------------------ passing


@pytest.mark.parametrize("name", CHECKERS)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_reference_passes(name, seed):
    r = run(name, REFERENCES[name], seed=seed)
    assert r.passed and r.attempted, str(r)
    assert r.diagnosis is None and r.mistake is None
    assert all(c.ok for c in r.cases) and len(r.cases) >= 4
    assert str(r).startswith(f"check.{name}: passed, ")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_reference_passes(name):
    g, g_prime = act.ACTIVATIONS[name]
    r = check.activation(name, g, g_prime)
    assert r.passed, str(r)


# ---------------------------------------------------------- not attempted yet


def skeleton(*args):
    raise NotImplementedError("your code here")


@pytest.mark.parametrize("name", CHECKERS)
def test_skeleton_is_not_attempted(name):
    r = run(name, skeleton)
    assert not r.attempted and not r.passed and r.diagnosis is None
    text = str(r)
    assert text.startswith("not attempted yet: ") and "\n" not in text
    assert "Traceback" not in text and repr(r) == text
    assert "not attempted yet" in r._repr_html_()


def test_activation_skeleton_and_half_done():
    r = check.activation("relu", skeleton, skeleton)
    assert not r.attempted and str(r).startswith("not attempted yet: ")
    half = check.activation("relu", act.relu, skeleton)
    assert half.attempted and not half.passed
    assert "NotImplementedError" in half.diagnosis


# ------------------------------------------------------------ named mistakes


def _softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _backprop(weights, biases, X, y, *, output_mask=False, no_mean=False, dW_T=False, db_mean=False,
              no_hidden_mask=False, reverse=False, keepdims=False, minus_y=True, dA_WT=False):
    """A learner's backward pass, written loop-first, with switches for the classic mistakes."""
    m = len(X)
    A, cache = X, []
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        cache.append((A, Z))
        A = np.maximum(Z, 0) if l < len(weights) - 1 else Z
    P = _softmax_rows(A)
    if minus_y:
        P[np.arange(m), y] -= 1
    dZ = P if no_mean else P / m
    if output_mask:
        dZ = dZ * (cache[-1][1] > 0)
    dWs, dbs = [], []
    for l in reversed(range(len(weights))):
        A_prev, _ = cache[l]
        dWs.append(A_prev.T @ dZ if dW_T else dZ.T @ A_prev)
        dbs.append(dZ.mean(axis=0) if db_mean else dZ.sum(axis=0, keepdims=keepdims))
        if l:
            dA = dZ @ (weights[l].T if dA_WT else weights[l])
            dZ = dA if no_hidden_mask else dA * (cache[l - 1][1] > 0)
    return (dWs, dbs) if reverse else (dWs[::-1], dbs[::-1])


def _numgrad(f, x, eps, *, forward=False, one_eps=False, restore=True, rows=False, h=None):
    h = eps if h is None else h
    grad = np.zeros_like(x)
    for idx in (range(len(x)) if rows else np.ndindex(*x.shape)):
        old = x[idx].copy()
        x[idx] = old + h
        fp = f()
        x[idx] = old if forward else old - h
        fm = f()
        if restore:
            x[idx] = old
        grad[idx] = (fp - fm) / (h if forward or one_eps else 2 * h)
    return grad


def _adam(w, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, dt=0, eps_in=False, square=True):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * (g**2 if square else g)
    tt = t + dt
    m_hat = m / (1 - beta1**tt) if correct else m
    v_hat = v / (1 - beta2**tt) if correct else v
    step = m_hat / (np.sqrt(v_hat + eps) if eps_in else np.sqrt(v_hat) + eps)
    return w - lr * step, m, v


def _prf(y_true, y_pred, *, swap=False, arithmetic=False):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    p = tp / np.sum(y_pred == 1) if np.sum(y_pred == 1) else 0.0
    r = tp / np.sum(y_true == 1) if np.sum(y_true == 1) else 0.0
    f1 = (p + r) / 2 if arithmetic else (2 * p * r / (p + r) if p + r else 0.0)
    return (r, p, f1) if swap else (p, r, f1)


MISTAKES = [
    # (checker, learner's function, expected key, a word the diagnosis must contain)
    ("dense_forward", lambda A, W, b: A @ W + b, "W_not_transposed", "transpos"),
    ("dense_forward", lambda A, W, b: A @ W.T, "bias_missing", "bias"),
    ("dense_forward", lambda A, W, b: A @ W.T + b.reshape(-1, 1), "bias_wrong_axis", "axis"),
    ("dense_forward", lambda A, W, b: (W @ A.T + b[:, None]), "Z_transposed", "transposed"),
    ("dense_forward", lambda A, W, b: np.maximum(0, A @ W.T + b), "activation_applied", "activation"),
    ("softmax", lambda Z: np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True), "no_max_shift", "overflow"),
    ("softmax", lambda Z: _softmax_rows(Z.T).T, "wrong_axis", "axis"),
    ("softmax", lambda Z: np.exp(Z - np.max(Z)) / np.sum(np.exp(Z - np.max(Z))), "whole_matrix", "whole matrix"),
    ("softmax", lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(1, keepdims=True), "global_max_shift",
     "each row"),
    ("softmax", lambda Z: np.exp(Z - Z.max(1, keepdims=True)) / np.exp(Z - Z.max(1, keepdims=True)).sum(1),
     "no_keepdims", "keepdims"),
    ("cross_entropy", lambda Z, y: -np.sum(losses.log_softmax(Z)[np.arange(len(y)), y]), "summed", "averaged"),
    ("cross_entropy", lambda Z, y: -np.mean(np.log(np.exp(Z) / np.exp(Z).sum(1, keepdims=True))[np.arange(len(y)), y]),
     "log_softmax_overflow", "log-sum-exp"),
    ("cross_entropy", lambda Z, y: -np.mean(np.log(_softmax_rows(Z))[np.arange(len(y)), y]), "log_of_softmax",
     "underflow"),
    ("cross_entropy", lambda Z, y: -np.mean(np.eye(Z.shape[1])[y] * losses.log_softmax(Z)), "mean_over_all_entries",
     "m*K"),
    ("cross_entropy", lambda Z, y: np.mean(losses.log_softmax(Z)[np.arange(len(y)), y]), "wrong_sign", "sign"),
    ("bce_with_logits", lambda z, y: losses.binary_cross_entropy_with_logits(_sigmoid(z), y), "sigmoid_first",
     "sigmoid"),
    ("bce_with_logits", lambda z, y: -np.mean(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z))),
     "log_of_sigmoid", "log(0)"),
    ("bce_with_logits", lambda z, y: np.mean(np.log(1 + np.exp(z)) - y * z), "softplus_overflow", "overflow"),
    ("bce_with_logits", lambda z, y: np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))), "summed",
     "summed"),
    ("dense_backward", lambda dZ, A, W: (A.T @ dZ, dZ.sum(0), dZ @ W), "dW_transposed", "transposed"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A, dZ.mean(0), dZ @ W), "db_averaged_again", "averaged again"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A, dZ.sum(1), dZ @ W), "db_wrong_axis", "wrong axis"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0), dZ @ W.T), "dA_prev_W_transposed", "W.T"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A / len(A), dZ.sum(0) / len(A), dZ @ W), "divided_by_m_again",
     "1/m"),
    ("backprop", lambda *a: _backprop(*a, output_mask=True), "output_activation_derivative", "output layer"),
    ("backprop", lambda *a: _backprop(*a, no_mean=True), "missing_1_over_m", "1/m"),
    ("backprop", lambda *a: _backprop(*a, dW_T=True), "dW_transposed", "transposed"),
    ("backprop", lambda *a: _backprop(*a, db_mean=True), "db_averaged_again", "averaged again"),
    ("backprop", lambda *a: _backprop(*a, no_hidden_mask=True), "no_relu_derivative", "ReLU derivative"),
    ("backprop", lambda *a: _backprop(*a, reverse=True), "reversed_lists", "reverse order"),
    ("backprop", lambda *a: _backprop(*a, keepdims=True), "db_keepdims", "keepdims"),
    ("backprop", lambda *a: _backprop(*a, minus_y=False), "forgot_minus_Y", "one-hot"),
    ("backprop", lambda *a: _backprop(*a, dA_WT=True), "dA_W_transposed", "W.T"),
    ("numerical_gradient", lambda f, x, e: _numgrad(f, x, e, forward=True), "forward", "central"),
    ("numerical_gradient", lambda f, x, e: _numgrad(f, x, e, one_eps=True), "no_two", "2 * eps"),
    ("numerical_gradient", lambda f, x, e: _numgrad(f, x, e, restore=False), "not_restored", "x is left modified"),
    ("numerical_gradient", lambda f, x, e: _numgrad(f, x, e, rows=True), "rows_only", "np.ndindex"),
    ("numerical_gradient", lambda f, x, e: _numgrad(f, x, e, h=1e-5), "eps_ignored", "eps"),
    ("adam_step", lambda *a: _adam(*a, correct=False), "no_bias_correction", "bias correction"),
    ("adam_step", lambda *a: _adam(*a, dt=1), "t_plus_one", "off by one"),
    ("adam_step", lambda *a: _adam(*a, dt=-1), "t_minus_one", "off by one"),
    ("adam_step", lambda *a: _adam(*a, eps_in=True), "eps_inside_sqrt", "inside the square root"),
    ("adam_step", lambda *a: _adam(*a, square=False), "g_not_squared", "g**2"),
    ("precision_recall_f1", lambda t, p: _prf(t, p, swap=True), "swapped", "swapped"),
    ("precision_recall_f1", lambda t, p: _prf(t, p, arithmetic=True), "f1_arithmetic_mean", "harmonic"),
    ("precision_recall_f1", lambda t, p: _prf(1 - t, 1 - p), "positive_is_0", "positive"),
    # more of each checker's list
    ("dense_forward", lambda A, W, b: 1 / (1 + np.exp(-(A @ W.T + b))), "activation_applied", "sigmoid"),
    ("softmax", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)), "not_normalised", "sum"),
    ("cross_entropy", lambda Z, y: -np.mean(losses.log_softmax(Z)[:, y]), "column_indexing", "np.arange(m)"),
    ("bce_with_logits", lambda z, y: losses.binary_cross_entropy_with_logits(-z, y), "labels_flipped", "flipped"),
    ("bce_with_logits", lambda z, y: -losses.binary_cross_entropy_with_logits(z, y), "wrong_sign", "sign"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A, np.sum(dZ), dZ @ W), "db_total", "single number"),
    ("dense_backward", lambda dZ, A, W: (dZ.T @ A, dZ.sum(axis=0, keepdims=True), dZ @ W), "db_keepdims",
     "keepdims"),
    ("cross_entropy", lambda Z, y: -losses.log_softmax(Z)[np.arange(len(y)), y], "not_reduced", "mean"),
    ("bce_with_logits", lambda z, y: np.logaddexp(0, z) - y * z, "not_reduced", "mean"),
    ("adam_step", lambda w, g, m, v, t, lr, b1, b2, eps: _adam(w, g, m, v, t, lr, b2, b1, eps), "betas_swapped",
     "swapped"),
    ("adam_step", lambda w, g, m, v, t, lr, b1, b2, eps: (
        w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * (b1 * m + (1 - b1) * g)
        / (np.sqrt(b2 * v + (1 - b2) * g * g) + eps), b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g),
     "eps_before_correction", "efficient"),
    ("adam_step", lambda w, g, m, v, t, lr, b1, b2, eps: (
        w - lr * (b1 * m + (1 - b1) * g) / (1 - b1**t) / (np.sqrt(b2 * v + (1 - b2) * g * g) + eps),
        b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g), "v_not_corrected", "only m"),
    ("adam_step", lambda w, g, m, v, t, lr, b1, b2, eps: (
        w - lr * ((b1 * m + (1 - b1) * g) / (1 - b1**t)) / ((b2 * v + (1 - b2) * g * g) / (1 - b2**t) + eps),
        b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g), "no_sqrt", "square root"),
    ("precision_recall_f1", lambda t, p: (np.mean(t == p), _prf(t, p)[1], 2 * np.mean(t == p) * _prf(t, p)[1]
                                          / (np.mean(t == p) + _prf(t, p)[1]) if np.mean(t == p) + _prf(t, p)[1]
                                          else 0.0), "accuracy_as_precision", "accuracy"),
    ("precision_recall_f1", lambda t, p: (np.float64(np.sum(t * p)) / np.sum(p), np.float64(np.sum(t * p))
                                          / np.sum(t), 2 * np.sum(t * p) / (np.sum(t) + np.sum(p))),
     "nan_when_undefined", "zero_division"),
]


@pytest.mark.parametrize(("name", "fn", "key", "word"), MISTAKES, ids=[f"{m[0]}-{m[2]}" for m in MISTAKES])
def test_mistake_is_named(name, fn, key, word):
    r = run(name, fn)
    assert r.attempted and not r.passed
    assert r.mistake == key, str(r)
    assert word in r.diagnosis
    assert f"likely mistake: {r.diagnosis}" in str(r)


ACTIVATION_MISTAKES = [
    ("relu", lambda Z: np.max(Z, 0), act.relu_grad, "np_max"),
    ("relu", act.relu, act.relu, "g_prime_is_g"),
    ("relu", act.relu_grad, act.relu, "swapped"),
    ("sigmoid", lambda Z: 1 / (1 + np.exp(Z)), act.sigmoid_grad, "exp_sign"),
    ("sigmoid", act.sigmoid, lambda Z: Z * (1 - Z), "A_formula_on_Z"),
    ("sigmoid", lambda Z: np.exp(Z) / (1 + np.exp(Z)), act.sigmoid_grad, "exp_overflow"),
    ("tanh", act.tanh, lambda Z: 1 - Z**2, "A_formula_on_Z"),
    ("tanh", act.tanh, lambda Z: 1 - np.tanh(Z), "no_square"),
    ("tanh", lambda Z: (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)), act.tanh_grad, "exp_overflow"),
    ("tanh", act.tanh, act.tanh, "g_prime_is_g"),
    ("relu", act.relu, lambda Z: (Z < 0) * 1.0, "flipped"),
    ("sigmoid", act.sigmoid, lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2, "grad_overflow"),
    ("sigmoid", act.sigmoid_grad, act.sigmoid, "swapped"),
    ("sigmoid", act.sigmoid, act.sigmoid, "g_prime_is_g"),
    ("tanh", act.tanh_grad, act.tanh, "swapped"),
]


@pytest.mark.parametrize(("name", "g", "g_prime", "key"), ACTIVATION_MISTAKES,
                         ids=[f"{m[0]}-{m[3]}" for m in ACTIVATION_MISTAKES])
def test_activation_mistake_is_named(name, g, g_prime, key):
    r = check.activation(name, g, g_prime)
    assert not r.passed and r.mistake == key, str(r)


# ------------------------------------------------- reported, never raised


def test_exception_is_reported_per_case():
    def broken(A, W, b):
        raise ValueError(f"boom at {object()!r}")

    r = check.dense_forward(broken)
    assert r.attempted and not r.passed
    assert all(c.note.startswith("raised ValueError: boom at <object object at 0x...>") for c in r.cases)
    assert "traceback" in r.diagnosis


def test_wrong_shape_none_type_and_nan_are_reported():
    r = check.softmax(lambda Z: Z[:, :1])
    assert not r.passed and "shape" in r.cases[0].note
    r = check.softmax(lambda Z: None)
    assert "None (missing return?)" in r.cases[0].note and "return" in r.diagnosis
    r = check.softmax(lambda Z: "probabilities")
    assert "not numbers" in r.cases[0].note
    r = check.softmax(lambda Z: np.full(Z.shape, np.nan))
    assert r.cases[0].note == "P has NaN"
    r = check.cross_entropy(lambda Z, y: np.array([1.0]))
    assert r.cases[0].note == "J has shape (1,), expected ()" and "a single number wrapped in an array" in r.diagnosis
    r = check.dense_backward(lambda dZ, A, W: dZ.T @ A)
    assert "expected a tuple (dW, db, dA_prev)" in r.cases[0].note


def test_modified_input_is_reported():
    def in_place(Z):
        Z -= Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)

    r = check.softmax(in_place)
    assert not r.passed and r.mistake is None
    assert "changed its input Z" in str(r) and "copy" in r.diagnosis


def test_not_a_function_is_reported():
    r = check.dense_forward(3.0)
    assert r.attempted and not r.passed and r.mistake == "not_a_function"


def test_overflow_warnings_are_silent(recwarn):
    r = check.softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    assert r.mistake == "no_max_shift"
    assert len(recwarn) == 0


# ----------------------------------------------------------- no false alarms


def test_differently_written_correct_code_passes():
    def softmax_exp_log(Z):
        return np.exp(losses.log_softmax(Z))

    def ce_logsumexp(Z, y):
        c = Z.max(axis=1)
        lse = c + np.log(np.sum(np.exp(Z - c[:, None]), axis=1))
        return float(np.sum(lse - Z[np.arange(len(y)), y]) / len(y))

    def bce_logaddexp(z, y):
        return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))

    def dense_einsum(A, W, b):
        return np.einsum("mi,oi->mo", A, W) + b[None, :]

    def backward_loops(dZ, A, W):
        dW = sum(np.outer(dZ[i], A[i]) for i in range(len(A)))
        return dW, np.einsum("mo->o", dZ), (W.T @ dZ.T).T

    def numgrad_copies(f, x, eps):
        g = np.empty_like(x)
        for idx in np.ndindex(*x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            g[idx] = f(xp) / (2 * eps) - f(xm) / (2 * eps)
        return g

    def adam_torch_form(w, g, m, v, t, lr, beta1, beta2, eps):
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
        return w - (lr / (1 - beta1**t)) * m / denom, m, v

    def prf_counts(y_true, y_pred):
        tp = int(np.sum(y_true * y_pred))
        fp, fn = int(np.sum((1 - y_true) * y_pred)), int(np.sum(y_true * (1 - y_pred)))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * tp / (2 * tp + fp + fn) if tp else 0.0)

    def backprop_divide_late(weights, biases, X, y):
        """dZ_L = P - Y without 1/m; each layer's dW and db divided by m instead; mask from A."""
        m, cache, A = len(X), [], X
        for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
            Z = A @ W.T + b
            cache.append(A)
            A = np.maximum(Z, 0) if l < len(weights) - 1 else Z
        dZ = _softmax_rows(A)
        dZ[np.arange(m), y] -= 1
        dWs, dbs = [], []
        for l in reversed(range(len(weights))):
            dWs.insert(0, dZ.T @ cache[l] / m)
            dbs.insert(0, dZ.sum(axis=0) / m)
            if l:
                dZ = (dZ @ weights[l]) * (cache[l] > 0)
        return dWs, dbs

    def adam_in_place(w, g, m, v, t, lr, beta1, beta2, eps):
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        w -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return w, m, v

    def backprop_torch(weights, biases, X, y):
        Ws = [torch.tensor(W, requires_grad=True) for W in weights]
        bs = [torch.tensor(b, requires_grad=True) for b in biases]
        A = torch.tensor(X)
        for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            A = torch.nn.functional.linear(A, W, b)
            A = A.clamp(min=0) if l < len(Ws) - 1 else A
        (-torch.log_softmax(A, 1)[torch.arange(len(y)), torch.tensor(y)].mean()).backward()
        return [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs]

    for name, fn in [("softmax", softmax_exp_log), ("cross_entropy", ce_logsumexp), ("bce_with_logits", bce_logaddexp),
                     ("dense_forward", dense_einsum), ("dense_backward", backward_loops),
                     ("numerical_gradient", numgrad_copies), ("adam_step", adam_torch_form),
                     ("precision_recall_f1", prf_counts), ("backprop", backprop_torch),
                     ("backprop", backprop_divide_late), ("adam_step", adam_in_place),
                     ("cross_entropy", lambda Z, y: torch.nn.functional.cross_entropy(torch.from_numpy(Z),
                                                                                       torch.from_numpy(y)))]:
        for seed in (0, 3):
            r = run(name, fn, seed=seed)
            assert r.passed, str(r)
    r = check.activation("sigmoid", lambda Z: 0.5 * (1 + np.tanh(Z / 2)), lambda Z: 0.25 / np.cosh(Z / 2) ** 2)
    assert r.passed, str(r)


def test_torch_output_passes_and_float32_is_named():
    def torch_layer(A, W, b):
        return torch.from_numpy(A) @ torch.from_numpy(W).T + torch.from_numpy(b)

    assert check.dense_forward(torch_layer).passed
    r = check.dense_forward(lambda A, W, b: torch.tensor((A @ W.T + b).tolist()))  # float32 by default
    assert not r.passed and "float32" in r.cases[0].note and "float64" in r.diagnosis


def test_half_written_activation_and_non_callable():
    r = check.activation("tanh", act.tanh, None)
    assert r.mistake == "misuse" and "check.activation('tanh', g, g_prime)" in r.diagnosis
    assert str(r).startswith("check.activation('tanh'): not run, the checker was called the wrong way\nproblem: ")
    r = check.softmax(np.ones((2, 2)))
    assert r.diagnosis == ("a function is expected: pass your function itself, e.g. check.softmax(softmax); got a "
                           "ndarray (the result of your function, perhaps?).")
    r = check.activation("softplus", act.relu, act.relu_grad)
    assert r.mistake == "misuse" and "valid names: 'relu', 'sigmoid', 'tanh'" in r.diagnosis


def test_generic_diagnosis_when_no_listed_mistake_matches():
    r = check.dense_forward(lambda A, W, b: A @ W.T + 2 * b)
    assert not r.passed and r.mistake is None
    assert r.diagnosis == ("on case 'random: m=4, n_in=3, n_out=5' (ordinary random inputs): Z is off by the same row "
                           "vector in every row (an error that depends on the column only, such as a wrong bias).")
    assert str(r).splitlines()[1].startswith("what went wrong: on case ")


def test_backprop_table_names_the_wrong_tensors():
    def wrong_first_db(*a):
        dW, db = REFERENCES["backprop"](*a)
        db[0] = db[0] * 2
        return dW, db

    r = check.backprop(wrong_first_db)
    assert not r.passed
    assert [row[2] for row in r.table] == ["ok", "WRONG", "ok", "ok", "ok", "ok"]
    assert r.table[1][:2] == ("1", "db (6,)") and r.table[-1][0] == "3 (output)"
    assert "db[1]: wrong values" in r.cases[0].note
    r = check.backprop(lambda *a: (REFERENCES["backprop"](*a)[0][:-1], REFERENCES["backprop"](*a)[1]))
    assert "dW_list has 2 entries, expected 3 (one per layer)" in r.cases[0].note
    assert {row[2] for row in r.table} == {"not computed"}


def test_numerical_gradient_accepts_both_calling_conventions():
    def with_argument(f, x, eps):
        E = np.eye(x.size).reshape(x.size, *x.shape)  # E[j] is the j-th unit array, shape of x
        return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in E]).reshape(x.shape)

    assert check.numerical_gradient(with_argument).passed


# ------------------------------------------------------------ the references


def test_adam_reference_is_torch_optim_adam():
    from mlp_lab.check.training import _torch_adam

    rng = np.random.default_rng(0)
    w0, G = rng.standard_normal((3, 2)), rng.standard_normal((20, 3, 2))
    p = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    W, M, V = _torch_adam(w0, G, 0.05, 0.8, 0.99, 1e-6)
    for t, g in enumerate(G):
        p.grad = torch.tensor(g)
        opt.step()
        assert np.array_equal(W[t], p.detach().numpy())
        assert np.array_equal(M[t], opt.state[p]["exp_avg"].numpy())
        assert np.array_equal(V[t], opt.state[p]["exp_avg_sq"].numpy())


def test_precision_recall_f1_reference_is_sklearn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    from mlp_lab.check.training import _sklearn_prf

    for y_true, y_pred in [([1, 0, 1, 1], [1, 1, 0, 1]), ([0, 0], [0, 0]), ([1, 0], [0, 0])]:
        t, p = np.array(y_true), np.array(y_pred)
        want = tuple(s(t, p, zero_division=0) for s in (precision_score, recall_score, f1_score))
        assert _sklearn_prf(t, p) == pytest.approx(want, rel=1e-15, abs=0)


# ------------------------------------------- stable, deterministic display


def test_text_and_html_are_deterministic_and_free_of_digits_of_differences():
    r1 = check.softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    r2 = check.softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    assert str(r1) == str(r2) == repr(r1) and r1._repr_html_() == r2._repr_html_()
    assert "0x" not in str(r1) and "e-1" not in str(r1).split("(rtol")[1].split(")")[1]
    html = r1._repr_html_()
    assert html.startswith('<div class="mlp-lab-check">') and "<table>" in html and "likely mistake" in html
    assert "&lt;" not in check.dense_forward(REFERENCES["dense_forward"])._repr_html_()


GOLDEN = {
    "passed": (
        lambda: check.dense_forward(REFERENCES["dense_forward"]),
        "check.dense_forward: passed, 5 of 5 cases agree with the reference (rtol 1e-10, atol 1e-12)\n"
        "cases: random: m=4, n_in=3, n_out=5; random: m=6, n_in=5, n_out=2; square: m=4, n_in=4, n_out=4; "
        "batch of 1: m=1, n_in=3, n_out=4; zero input: m=3, n_in=2, n_out=3",
    ),
    "skeleton": (  # the line names the learner's function, with the checker's signature
        lambda: check.backprop(skeleton),
        "not attempted yet: skeleton(weights, biases, X, y) still raises NotImplementedError; write your code in "
        "its cell, run that cell, then run this check again.",
    ),
    "skeleton of a lambda": (
        lambda: check.backprop(lambda *args: skeleton(*args)),
        "not attempted yet: backprop(weights, biases, X, y) still raises NotImplementedError; write your code in "
        "its cell, run that cell, then run this check again.",
    ),
    "softmax overflow": (
        lambda: check.softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        "check.softmax: WRONG, 6 of 7 cases agree with the reference (rtol 1e-10, atol 1e-12)\n"
        "likely mistake: exp(Z) overflows for logits near 1000 (inf / inf = NaN): the max shift is missing. Hint: "
        "subtract each row's maximum first, Z - Z.max(axis=1, keepdims=True).\n"
        "  case                  verdict  note\n"
        "  random (4, 3)         ok\n"
        "  random (3, 5)         ok\n"
        "  square (3, 3)         ok\n"
        "  batch of 1 (1, 4)     ok\n"
        "  logits +-1000 (3, 3)  WRONG    P has NaN\n"
        "  ties (2, 4)           ok\n"
        "  zeros (2, 3)          ok",
    ),
}


@pytest.mark.parametrize("which", sorted(GOLDEN))
def test_golden_text(which):
    """The exact text; the suite also runs this file under other CPU kernels (see the README)."""
    make, text = GOLDEN[which]
    assert str(make()) == text


def test_every_checker_prints_the_same_text_under_other_cpu_kernels(tmp_path):
    """The reference and every listed mistake, here and in a child process with other kernels."""
    import os
    import subprocess
    import sys

    script = tmp_path / "print_checks.py"
    script.write_text(
        f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "import test_check_exercises as t\n"
        "print(t.all_reports())\n"
    )
    other = {"OPENBLAS_CORETYPE": "Sandybridge", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX",
             "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env={**os.environ, **other},
                          timeout=600)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    here = all_reports()
    assert proc.stdout == here + "\n"
    assert here.count("passed, ") == len(CHECKERS) + 3


def all_reports() -> str:
    """The text of every reference's, every listed mistake's and every mistaken version's check."""
    reports = [run(name, REFERENCES[name]) for name in CHECKERS]
    reports += [check.activation(n, *act.ACTIVATIONS[n]) for n in ("relu", "sigmoid", "tanh")]
    reports += [run(name, fn) for name, fn, _, _ in MISTAKES]
    reports += [check.activation(n, g, gp) for n, g, gp, _ in ACTIVATION_MISTAKES]
    import test_check_diagnoses  # the learners' mistaken versions, with their specific descriptions

    reports += [test_check_diagnoses._run(name, fn) for name, _, fn, _ in test_check_diagnoses.VERSIONS]
    return "\n".join(str(r) for r in reports)


def test_results_as_an_array_or_list_are_accepted():
    assert check.precision_recall_f1(lambda t, p: np.array(REFERENCES["precision_recall_f1"](t, p))).passed
    assert check.dense_backward(lambda *a: list(REFERENCES["dense_backward"](*a))).passed


def test_torch_thread_setting_is_restored():
    before = torch.get_num_threads()
    check.backprop(REFERENCES["backprop"])
    check.adam_step(skeleton)
    assert torch.get_num_threads() == before
