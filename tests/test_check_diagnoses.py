"""What mlp_lab.check *says*: every message named or specific to the failing case, never misleading.

Issue 21's situations, one test each with the exact message; the checker's misuse, reported;
a function that never returns, stopped; the backward pass's layer mix-ups, found; and, per
checker, a set of mistaken versions written as a learner would, each of which must get a named
mistake, a specific description, or (listed as such) the plain "differs" description.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import torch

from mlp_lab import check
from mlp_lab.check import _engine
from mlp_lab.check._answers import ACTIVATIONS, right_answers, sigmoid, sigmoid_grad

R = right_answers()


def skeleton(*args):
    raise NotImplementedError("your code here")


def _log_softmax(Z):
    s = Z - Z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


# ------------------------------------------------------------------ the situations


def test_flattened_output_is_named_as_such():
    r = check.dense_forward(lambda A, W, b: (A @ W.T + b).ravel())
    assert r.diagnosis == ("on case 'random: m=4, n_in=3, n_out=5' (ordinary random inputs): Z: values right, but "
                           "shape (20,) instead of (4, 5): flattened (a ravel, flatten or reshape(-1)?).")
    assert r.cases[0].note == "Z: values right, but shape (20,) instead of (4, 5)"


def test_a_list_in_the_wrong_shape_is_transposed_not_a_keepdims():
    r = check.dense_forward(lambda A, W, b: (A @ W.T + b).T.tolist())
    assert r.diagnosis.startswith("Z comes out transposed")  # the named mistake, even from a list
    r = check.softmax(lambda Z: R["softmax"](Z).T.tolist())
    assert r.diagnosis == ("on case 'random (4, 3)' (ordinary random inputs): P: values right, but shape (3, 4) "
                           "instead of (4, 3): it equals the reference transposed.")


def test_scalar_wrapped_in_an_array():
    r = check.cross_entropy(lambda Z, y: np.array([R["cross_entropy"](Z, y)]))
    assert r.diagnosis == ("on case 'random (4, 3)' (ordinary random inputs): J: value right, but shape (1,) instead "
                           "of (): a single number wrapped in an array (return float(...) or .item()).")
    assert r.mistake is None and "what went wrong: " in str(r)


def test_per_sample_vector_where_a_mean_belongs():
    spec = _engine.Spec("x", "x()")
    text = _engine.shape_problem("J", np.array([1.0, 2.0, 3.0]), np.array(2.0), spec)
    assert text == ("J has shape (3,), expected () -- one value per entry where a single number belongs (a missing "
                    "reduction; their mean is the expected value: np.mean)")
    r = check.bce_with_logits(lambda z, y: np.logaddexp(0, z) - y * z)
    assert r.mistake == "not_reduced"


def test_missing_and_extra_batch_axis():
    r = check.dense_forward(lambda A, W, b: (A @ W.T + b).squeeze())
    assert r.diagnosis == ("on case 'batch of 1: m=1, n_in=3, n_out=4' (a batch of one sample): Z: values right, "
                           "but shape (4,) instead of (1, 4): the batch axis is missing (with one sample, a squeeze() "
                           "or an index [0] drops it).")
    r = check.dense_forward(lambda A, W, b: (A @ W.T + b)[None])
    assert r.diagnosis.endswith("Z: values right, but shape (1, 4, 5) instead of (4, 5): an extra leading axis of "
                                "length 1 (keepdims=True, or a reshape to a row or column?).")
    r = check.dense_backward(lambda dZ, A, W: (dZ.T @ A, dZ.sum(0)[:, None], dZ @ W))
    assert "db: values right, but shape (5, 1) instead of (5,): an extra trailing axis of length 1" in r.diagnosis


@pytest.mark.parametrize("convert", [list, tuple, np.asmatrix, torch.from_numpy, lambda Z: Z.tolist()],
                         ids=["list", "tuple", "matrix", "tensor", "tolist"])
def test_one_leniency_policy_array_likes_are_accepted(convert):
    assert check.dense_forward(lambda A, W, b: convert(A @ W.T + b)).passed
    assert check.softmax(lambda Z: convert(R["softmax"](Z))).passed


@pytest.mark.parametrize("convert", [float, np.float64, np.array, lambda x: torch.tensor(x, dtype=torch.float64)],
                         ids=["float", "np.float64", "0-d array", "0-d tensor"])
def test_a_scalar_may_be_any_zero_dimensional_number(convert):
    assert check.cross_entropy(lambda Z, y: convert(float(R["cross_entropy"](Z, y)))).passed


def test_the_policy_is_stated_in_every_docstring():
    for name in check.__all__:
        fn = getattr(check, name)
        if name[0].islower() and name not in ("compare", "report"):
            assert "converted with ``np.asarray``" in fn.__doc__ and "shape must be the expected one" in fn.__doc__
            assert fn.__doc__.count("seed : int") == 1, name


def test_nan_on_ordinary_inputs_is_not_blamed_on_large_inputs():
    r = check.cross_entropy(lambda Z, y: np.float64("nan"))
    assert r.diagnosis == ("on case 'random (4, 3)' (ordinary random inputs): J has NaN. Hint: this case has ordinary "
                           "inputs, so no large-input overflow: look for 0 / 0, log of 0 or of a negative number, "
                           "sqrt of a negative number, or an array from np.empty that was never filled.")


def test_nan_on_large_inputs_gets_the_overflow_hint():
    def nan_when_large(Z, y):
        return -np.inf if np.abs(Z).max() > 100 else R["cross_entropy"](Z, y)

    r = check.cross_entropy(nan_when_large)
    assert r.mistake is None
    assert r.diagnosis == ("on case 'logits +-1000 (3, 3)' (large inputs, entries near +-1000): J has inf. Hint: exp "
                           "of a large number overflows to inf (and inf / inf = NaN, log(0) = -inf): this case needs a "
                           "numerically stable formula.")


def _backprop_mask_from_next_layer(weights, biases, X, y):
    """The issue's learner: a hidden layer's ReLU mask from the next layer's pre-activation."""
    m, A, cache = len(X), X, []
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        cache.append((A, Z))
        A = np.maximum(Z, 0) if l < len(weights) - 1 else Z
    dZ = R["softmax"](A)
    dZ[np.arange(m), y] -= 1
    dZ /= m
    dWs, dbs = [], []
    for l in reversed(range(len(weights))):
        A_prev, Z = cache[l]
        dWs.insert(0, dZ.T @ A_prev)
        dbs.insert(0, dZ.sum(axis=0))
        if l:
            dZ = (dZ @ weights[l]) * (Z > 0)  # Z is layer l's, the mask belongs to layer l-1
    return dWs, dbs


def test_wrong_mask_fails_and_the_table_shows_the_first_failing_case():
    r = check.backprop(_backprop_mask_from_next_layer)
    assert not r.passed and r.mistake == "mask_from_next_layer"
    # non-square layers: the wrong mask cannot even broadcast (raised); square ones: wrong values
    assert [c.note.split(":")[0] for c in r.cases] == ["raised ValueError", "raised ValueError", "dW[1]",
                                                       "raised ValueError", "raised ValueError"]
    assert r.table_title == "per tensor, case '3 layers [4, 6, 5, 3], m=8'"
    assert {row[2] for row in r.table} == {"not computed"}  # a non-square network: it raised

    def wrong_in_square_net_only(weights, biases, X, y):
        if weights[0].shape == (4, 4):  # only the all-square network
            return _backprop_mask_from_next_layer(weights, biases, X, y)
        return R["backprop"](weights, biases, X, y)

    r = check.backprop(wrong_in_square_net_only)
    assert r.table_title == "per tensor, case '3 layers, all square [4, 4, 4, 4], m=6'"
    assert [row[2] for row in r.table] == ["WRONG", "WRONG", "WRONG", "WRONG", "ok", "ok"]  # the output layer is right


def test_softmax_divided_by_the_whole_matrix_sum():
    def whole_sum(Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum()

    r = check.softmax(whole_sum)
    assert r.mistake == "whole_matrix"
    assert "the whole matrix P sums to 1, not each row" in r.diagnosis
    assert str(r).splitlines()[1].startswith("likely mistake: on case 'random (4, 3)'")


def test_naive_sigmoid_named_with_the_chapter_section_even_before_g_prime_is_written():
    r = check.activation("sigmoid", lambda Z: np.exp(Z) / (1 + np.exp(Z)), skeleton)
    assert r.attempted and r.mistake == "exp_overflow"
    assert r.diagnosis == ("g: g is exp(Z) / (1 + exp(Z)), the naive sigmoid: exp(Z) overflows to inf for Z near "
                           "1000, and inf / inf = NaN. Hint: chapter 2's section 'The sigmoid has the same trap' gives "
                           "a form that never overflows; g_prime is not written yet (it still raises "
                           "NotImplementedError).")
    naive = lambda Z: np.exp(Z) / (1 + np.exp(Z))  # noqa: E731
    r = check.activation("sigmoid", naive, lambda Z: naive(Z) * (1 - naive(Z)))
    assert r.mistake == "exp_overflow+grad_of_exp_overflow"


def test_numerical_gradient_on_a_copy_f_never_saw_it():
    def on_copies(f, x, eps):
        grad = np.zeros(x.shape)
        for idx in np.ndindex(*x.shape):
            x_plus, x_minus = x.copy(), x.copy()
            x_plus[idx] += eps
            x_minus[idx] -= eps
            grad[idx] = (f() - f()) / (2 * eps)  # f reads x, which never changed
        return grad

    r = check.numerical_gradient(on_copies)
    assert r.mistake == "f_never_saw_change" and "f never saw your change" in r.diagnosis


def test_adam_storing_m_hat_and_its_own_step_counter():
    def stores_hats(w, g, m, v, t, lr, beta1, beta2, eps):
        m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1**t)
        v_hat = (beta2 * v + (1 - beta2) * g**2) / (1 - beta2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat

    assert check.adam_step(stores_hats).mistake == "returns_hat"

    def own_counter(w, g, m, v, t, lr, beta1, beta2, eps):
        own_counter.t += 1
        return R["adam_step"](w, g, m, v, own_counter.t, lr, beta1, beta2, eps)

    own_counter.t = 0
    r = check.adam_step(own_counter)
    assert r.mistake == "own_step_counter" and [c.ok for c in r.cases] == [True, False, False, False]
    assert "your update used the bias correction of step 21" in r.diagnosis
    assert "used the bias correction of step 81" in check.adam_step(own_counter).diagnosis  # counts on


def test_zero_division_error_is_the_zero_division_case():
    def python_division(y_true, y_pred):
        tp = int(np.sum((y_true == 1) & (y_pred == 1)))
        p, r = tp / int(np.sum(y_pred == 1)), tp / int(np.sum(y_true == 1))
        return p, r, 2 * p * r / (p + r)

    r = check.precision_recall_f1(python_division)
    assert r.mistake == "error:ZeroDivisionError"
    assert r.diagnosis == ("on case 'no predicted positives' (a 0 / 0 case): raised ZeroDivisionError: division by "
                           "zero. This is the zero_division case: with no predicted positive, precision = TP / (TP + "
                           "FP) is 0 / 0 (with no actual positive, recall is; then F1's p + r is 0 too). Hint: return "
                           "0.0 there, as scikit-learn's zero_division=0.")


# ------------------------------------------------------------------ misuse of the checker


def test_misuse_is_a_report_never_a_traceback():
    r = check.activation("Sigmoid", sigmoid, sigmoid_grad)
    assert str(r) == ("check.activation: not run, the checker was called the wrong way\n"
                      "problem: unknown activation name 'Sigmoid' (names are lower case: 'sigmoid'); valid names: "
                      "'relu', 'sigmoid', 'tanh', as in check.activation('sigmoid', g, g_prime).")
    r = check.activation(sigmoid, sigmoid_grad)
    assert r.diagnosis == ("the activation's name is missing: the first argument is the name, then your two functions, "
                           "e.g. check.activation('sigmoid', g, g_prime); got a function (sigmoid) where the name "
                           "belongs.")
    r = check.softmax(None)
    assert str(r) == ("check.softmax: not run, the checker was called the wrong way\n"
                      "problem: a function is expected: pass your function itself, e.g. check.softmax(softmax); got "
                      "None (did the cell that defines your function run, and does the name refer to the function?).")
    assert "<table>" not in r._repr_html_() and "problem:" in r._repr_html_()
    assert check.activation(42, sigmoid, sigmoid_grad).mistake == "misuse"
    assert check.backprop(R["backprop"]([np.ones((2, 2))], [np.zeros(2)], np.ones((1, 2)), np.zeros(1, int))).mistake \
        == "not_a_function"


# ------------------------------------------------------------------ a function that never returns


def test_a_function_that_never_returns_is_stopped(monkeypatch):
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.2)

    def forever(Z):
        while True:
            pass

    r = check.softmax(forever)
    assert r.mistake == "timeout"
    assert r.diagnosis == ("your function took longer than 0.2 s on case 'random (4, 3)' (ordinary random inputs) and "
                           "was stopped (the cases after it were not run). Hint: look for a loop that never ends (a "
                           "while loop whose condition never changes, an index that is never advanced).")
    assert r.cases[1].note == "not run (an earlier case took too long)"
    assert str(r).splitlines()[1].startswith("what went wrong: ")


def test_a_learner_catching_every_exception_is_still_stopped(monkeypatch):
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.2)

    def stubborn(Z):
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    assert check.softmax(stubborn).mistake == "timeout"


def test_time_limit_puts_back_an_alarm_already_set():
    import signal

    fired = []
    before = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        check.softmax(R["softmax"])
        remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        assert 20.0 < remaining <= 30.0 and not fired
    finally:
        signal.signal(signal.SIGALRM, before)


# ------------------------------------------------------------------ learners' mistaken versions


def _in_place_softmax(Z):
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    return Z / Z.sum(axis=1, keepdims=True)


def _backprop_switch(weights, biases, X, y, *, how):
    """A learner's backward pass with a cache of (A_prev, Z) per layer, and one slip."""
    m, A, cache = len(X), X, []
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        Z = A @ W.T + b
        cache.append((A, Z))
        A = np.maximum(Z, 0) if l < len(weights) - 1 else Z
    P = R["softmax"](A)
    P[np.arange(m), y] -= 1
    dZ = P / m
    dWs, dbs = [], []
    for l in reversed(range(len(weights))):
        A_prev, Z = cache[l]
        A_used = cache[l + 1][0] if how == "dW_with_layer_output" and l + 1 < len(cache) else A_prev
        dWs.insert(0, dZ.T @ A_used)
        dbs.insert(0, dZ.sum(axis=1) if how == "db_axis_1" else dZ.sum(axis=0))
        if l:
            W = weights[l - 1] if how == "previous_W" else weights[l]
            dA = dZ @ W
            mask_Z = {"mask_two_back": cache[max(l - 2, 0)][1]}.get(how, cache[l - 1][1])
            dZ = dA * np.maximum(mask_Z, 0) if how == "relu_value" else dA * (mask_Z > 0)
        if how == "in_place_weights":
            weights[l] -= 0.1 * dWs[0]
    return dWs, dbs


def _adam_switch(w, g, m, v, t, lr, beta1, beta2, eps, *, how):
    if how == "betas_in_m_swapped":
        m = (1 - beta1) * m + beta1 * g
    else:
        m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    if how == "order_w_v_m":
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), v, m
    if how == "lr_twice":
        return w - lr * lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _numgrad_switch(f, x, eps, *, how):
    grad = np.zeros(x.shape, dtype=int) if how == "int_grad" else np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        fp = f()
        x[idx] = old - eps
        fm = f()
        x[idx] = old
        grad[idx] = (fp - fm) / 2 * eps if how == "precedence" else (fp - fm) / (2 * eps)
    return grad


def _prf_switch(y_true, y_pred, *, how):
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    pp, ap = int(np.sum(y_pred == 1)), int(np.sum(y_true == 1))
    p = (tp // pp if how == "integer_division" else tp / pp) if pp else 0.0
    r = (tp // ap if how == "integer_division" else tp / ap) if ap else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return (100 * p, 100 * r, 100 * f1) if how == "percent" else (p, r, f1)


relu, relu_grad = ACTIVATIONS["relu"]
tanh, tanh_grad = ACTIVATIONS["tanh"]


def _relu_in_place(Z):
    Z[Z < 0] = 0
    return Z


VERSIONS = [
    # (checker, what the learner did, fn, "named" / "specific" / "plain")
    ("activation", "relu with np.max", ("relu", lambda Z: np.max(Z, 0), relu_grad), "named"),
    ("activation", "relu in place", ("relu", _relu_in_place, relu_grad), "specific"),
    ("activation", "relu returns Z", ("relu", lambda Z: Z, relu_grad), "named"),
    ("activation", "naive sigmoid, g_prime not written", ("sigmoid", lambda Z: np.exp(Z) / (1 + np.exp(Z)), skeleton),
     "named"),
    ("activation", "sigmoid' = A (1 - Z)", ("sigmoid", sigmoid, lambda Z: sigmoid(Z) * (1 - Z)), "plain"),
    ("activation", "sigmoid as int", ("sigmoid", lambda Z: sigmoid(Z).astype(int), sigmoid_grad), "specific"),
    ("activation", "tanh' = (1 - tanh)**2", ("tanh", tanh, lambda Z: (1 - np.tanh(Z)) ** 2), "plain"),
    ("activation", "tanh' = 1 - Z**2", ("tanh", tanh, lambda Z: 1 - Z**2), "named"),
    ("activation", "swapped", ("tanh", tanh_grad, tanh), "named"),
    ("dense_forward", "A @ W", lambda A, W, b: A @ W + b, "named"),
    ("dense_forward", "ravel", lambda A, W, b: (A @ W.T + b).ravel(), "specific"),
    ("dense_forward", "b[0] for b", lambda A, W, b: A @ W.T + b[0], "specific"),
    ("dense_forward", "float32", lambda A, W, b: (A @ W.T + b).astype(np.float32), "specific"),
    ("dense_forward", "int", lambda A, W, b: (A @ W.T + b).astype(int), "specific"),
    ("dense_forward", "returns A_prev", lambda A, W, b: A, "named"),
    ("dense_forward", "squeeze", lambda A, W, b: (A @ W.T + b).squeeze(), "specific"),
    ("dense_forward", "extra axis", lambda A, W, b: (A @ W.T + b)[None], "specific"),
    ("dense_forward", "bias summed", lambda A, W, b: A @ W.T + b.sum(), "named"),
    ("softmax", "no shift", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "named"),
    ("softmax", "whole-matrix sum, row shift", lambda Z: np.exp(Z - Z.max(1, keepdims=True))
     / np.exp(Z - Z.max(1, keepdims=True)).sum(), "named"),
    ("softmax", "axis 0", lambda Z: np.exp(Z - Z.max(0)) / np.exp(Z - Z.max(0)).sum(0), "named"),
    ("softmax", "returns Z", lambda Z: Z, "named"),
    ("softmax", "in place", _in_place_softmax, "specific"),
    ("softmax", "divided by m too", lambda Z: R["softmax"](Z) / len(Z), "specific"),
    ("softmax", "log-softmax returned", _log_softmax, "specific"),
    ("softmax", "float32", lambda Z: R["softmax"](Z).astype(np.float32), "specific"),
    ("softmax", "no keepdims", lambda Z: np.exp(Z - Z.max(1, keepdims=True))
     / np.exp(Z - Z.max(1, keepdims=True)).sum(1), "named"),
    ("cross_entropy", "summed", lambda Z, y: -np.sum(_log_softmax(Z)[np.arange(len(y)), y]), "named"),
    ("cross_entropy", "per sample", lambda Z, y: -_log_softmax(Z)[np.arange(len(y)), y], "named"),
    ("cross_entropy", "(1,) array", lambda Z, y: np.array([R["cross_entropy"](Z, y)]), "specific"),
    ("cross_entropy", "always NaN", lambda Z, y: np.nan, "specific"),
    ("cross_entropy", "naive logsumexp", lambda Z, y: np.mean(np.log(np.exp(Z).sum(1)) - Z[np.arange(len(y)), y]),
     "named"),
    ("cross_entropy", "log(P + 1e-12)", lambda Z, y: -np.mean(np.log(R["softmax"](Z) + 1e-12)[np.arange(len(y)), y]),
     "plain"),
    ("cross_entropy", "rows indexed by y", lambda Z, y: -np.mean(_log_softmax(Z)[y]), "plain"),
    ("cross_entropy", "wrong sign", lambda Z, y: np.mean(_log_softmax(Z)[np.arange(len(y)), y]), "named"),
    ("cross_entropy", "loss of the logits", lambda Z, y: -np.mean(Z[np.arange(len(y)), y]), "named"),
    ("cross_entropy", "floor division", lambda Z, y: -np.sum(_log_softmax(Z)[np.arange(len(y)), y]) // len(y),
     "specific"),
    ("bce_with_logits", "sigmoid first", lambda z, y: R["bce_with_logits"](sigmoid(z), y), "named"),
    ("bce_with_logits", "naive", lambda z, y: -np.mean(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z))),
     "named"),
    ("bce_with_logits", "no abs", lambda z, y: np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z))), "named"),
    ("bce_with_logits", "labels flipped", lambda z, y: R["bce_with_logits"](z, 1 - y), "named"),
    ("bce_with_logits", "(1,) array", lambda z, y: np.atleast_1d(R["bce_with_logits"](z, y)), "specific"),
    ("bce_with_logits", "float32", lambda z, y: np.float32(R["bce_with_logits"](z, y)), "specific"),
    ("bce_with_logits", "summed", lambda z, y: np.sum(np.logaddexp(0, z) - y * z), "named"),
    ("bce_with_logits", "log1p(exp(z)) - y z", lambda z, y: np.mean(np.log1p(np.exp(z)) - y * z), "named"),
    ("dense_backward", "dW transposed", lambda dZ, A, W: (A.T @ dZ, dZ.sum(0), dZ @ W), "named"),
    ("dense_backward", "db mean", lambda dZ, A, W: (dZ.T @ A, dZ.mean(0), dZ @ W), "named"),
    ("dense_backward", "dA with W.T", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0), dZ @ W.T), "named"),
    ("dense_backward", "only dW", lambda dZ, A, W: dZ.T @ A, "specific"),
    ("dense_backward", "two values", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0)), "specific"),
    ("dense_backward", "dW / m", lambda dZ, A, W: (dZ.T @ A / len(A), dZ.sum(0), dZ @ W), "specific"),
    ("dense_backward", "order dW, dA, db", lambda dZ, A, W: (dZ.T @ A, dZ @ W, dZ.sum(0)), "named"),
    ("dense_backward", "db column", lambda dZ, A, W: (dZ.T @ A, dZ.sum(0)[:, None], dZ @ W), "specific"),
    ("dense_backward", "db over axis 1", lambda dZ, A, W: (dZ.T @ A, dZ.sum(1), dZ @ W), "named"),
    ("backprop", "mask from the next layer", _backprop_mask_from_next_layer, "named"),
    ("backprop", "mask two layers back", lambda *a: _backprop_switch(*a, how="mask_two_back"), "named"),
    ("backprop", "dW with the layer's output", lambda *a: _backprop_switch(*a, how="dW_with_layer_output"), "named"),
    ("backprop", "relu value as derivative", lambda *a: _backprop_switch(*a, how="relu_value"), "named"),
    ("backprop", "previous layer's W", lambda *a: _backprop_switch(*a, how="previous_W"), "named"),
    ("backprop", "db over axis 1", lambda *a: _backprop_switch(*a, how="db_axis_1"), "plain"),
    ("backprop", "updates the weights in place", lambda *a: _backprop_switch(*a, how="in_place_weights"),
     "specific"),
    ("numerical_gradient", "(fp - fm) / 2 * eps", lambda f, x, e: _numgrad_switch(f, x, e, how="precedence"),
     "specific"),
    ("numerical_gradient", "integer grad", lambda f, x, e: _numgrad_switch(f, x, e, how="int_grad"), "specific"),
    ("numerical_gradient", "all at once", lambda f, x, e: np.full(x.shape, (f(x + e) - f(x - e)) / (2 * e)), "named"),
    ("numerical_gradient", "returns x", lambda f, x, e: x, "named"),
    ("adam_step", "stores m_hat", lambda w, g, m, v, t, lr, b1, b2, e: (
        w - lr * ((b1 * m + (1 - b1) * g) / (1 - b1**t)) / (np.sqrt((b2 * v + (1 - b2) * g * g) / (1 - b2**t)) + e),
        (b1 * m + (1 - b1) * g) / (1 - b1**t), (b2 * v + (1 - b2) * g * g) / (1 - b2**t)), "named"),
    ("adam_step", "betas in m swapped", lambda *a: _adam_switch(*a, how="betas_in_m_swapped"), "specific"),
    ("adam_step", "returns w, v, m", lambda *a: _adam_switch(*a, how="order_w_v_m"), "specific"),
    ("adam_step", "lr twice", lambda *a: _adam_switch(*a, how="lr_twice"), "specific"),
    ("precision_recall_f1", "integer division", lambda t, p: _prf_switch(t, p, how="integer_division"), "specific"),
    ("precision_recall_f1", "percent", lambda t, p: _prf_switch(t, p, how="percent"), "specific"),
    ("precision_recall_f1", "returns a dict", lambda t, p: dict(zip("prf", R["precision_recall_f1"](t, p),
                                                                      strict=True)), "specific"),
    ("precision_recall_f1", "recall as precision", lambda t, p: (R["precision_recall_f1"](t, p)[1],) * 2
     + (R["precision_recall_f1"](t, p)[2],), "specific"),
]


def _run(name, fn):
    return check.activation(*fn) if name == "activation" else getattr(check, name)(fn)


def category(r) -> str:
    """named: a listed mistake; plain: only what came and what was expected; else specific."""
    if r.mistake is not None:
        return "named"
    plain = ("differs from the reference in every entry", "Hint: rows are samples", "Hint: compare your code")
    if "; right: " in r.diagnosis and "; right: none)" not in r.diagnosis:
        return "specific"  # says which outputs are right
    if any(p in r.diagnosis for p in plain) or (re.search(r": \S+ is \S+, expected \S+", r.diagnosis)
                                                       and " the expected value)" not in r.diagnosis):
        return "plain"
    return "specific"


@pytest.mark.parametrize(("name", "what", "fn", "want"), VERSIONS, ids=[f"{v[0]}-{v[1]}" for v in VERSIONS])
def test_mistaken_version_gets_a_named_or_specific_message(name, what, fn, want):
    r = _run(name, fn)
    assert r.attempted and not r.passed, str(r)
    assert category(r) == want, str(r)
    assert "0x" not in str(r) and "Traceback" not in str(r)


def test_the_count_of_named_and_specific_messages():
    """What the closing note reports: versions tried per checker, and how many are named or specific."""
    counts = Counter((name, want) for name, _, _, want in VERSIONS)
    names = sorted({name for name, *_ in VERSIONS})
    assert len(names) == 10
    assert all(counts[(n, "named")] + counts[(n, "specific")] >= 2 for n in names)
    assert sum(counts[(n, "plain")] for n in names) <= len(VERSIONS) // 5


def test_messages_are_deterministic():
    first = [str(_run(name, fn)) for name, _, fn, _ in VERSIONS[::3]]
    assert first == [str(_run(name, fn)) for name, _, fn, _ in VERSIONS[::3]]
