r"""Learner-facing checkers for the forward pass and the losses (chapters 1 and 2).

Each ``check.NAME(fn, *, seed=0)`` runs the learner's ``fn`` on seeded random cases and
edge cases (a batch of 1, non-square shapes so that a missing transpose shows, logits of
:math:`\pm 1000`, ties, zeros), compares every output with :mod:`mlp_lab`'s reference at a
float64 tolerance, and names the likely mistake. See :mod:`mlp_lab.check._engine`.
"""

from __future__ import annotations

import numpy as np

from mlp_lab.check._engine import (
    Case,
    CaseResult,
    CheckResult,
    Mistake,
    Spec,
    call_with,
    checker,
    misuse,
    one,
    run_check,
)
from mlp_lab.scratch import losses
from mlp_lab.scratch.activations import ACTIVATIONS

__all__ = ["activation", "bce_with_logits", "cross_entropy", "dense_forward", "softmax"]

_LARGE = np.array([[1000.0, -1000.0, 0.5], [-1000.0, -1000.0, -1000.0], [999.0, 1000.0, 1000.0]])  # (3, 3)
_NAMES = ("relu", "sigmoid", "tanh")
_SIGMOID_SECTION = "chapter 2's section 'The sigmoid has the same trap' gives a form that never overflows"


def _sigmoid_naive(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _sigmoid_exp_form(Z):
    return np.exp(Z) / (1.0 + np.exp(Z))


# ------------------------------------------------------------------ activations

_DERIVATIVES = {"relu": "1 where Z > 0 and 0 elsewhere.", "sigmoid": "A * (1 - A) with A = g(Z).",
                "tanh": "1 - A**2 with A = g(Z)."}


def _g_mistakes(name: str) -> list[Mistake]:
    """Mistakes of g alone, matched on the g cases."""
    gp = ACTIVATIONS[name][1]
    out = [Mistake("g_is_derivative", f"g returns the derivative of {name}, not {name} itself.", gp),
           Mistake("returns_input", "g returns Z unchanged (the identity), not the activation.", lambda Z: Z)]
    if name == "relu":
        out.insert(0, Mistake("np_max", "np.max(Z, 0) takes the largest entry along axis 0 (it reduces the array). "
                              "Hint: use np.maximum(Z, 0), which compares element by element.",
                              lambda Z: np.max(Z, 0)))
    elif name == "sigmoid":
        out[:0] = [
            Mistake("exp_sign", "sign error in the exponent: sigmoid(z) = 1 / (1 + exp(-z)), not 1 / (1 + exp(z)).",
                    lambda Z: 1.0 / (1.0 + np.exp(Z))),
            Mistake("exp_overflow", "g is exp(Z) / (1 + exp(Z)), the naive sigmoid: exp(Z) overflows to inf for Z "
                    f"near 1000, and inf / inf = NaN. Hint: {_SIGMOID_SECTION}.", _sigmoid_exp_form),
        ]
    else:
        out.insert(0, Mistake("exp_overflow", "tanh written with exp overflows for |Z| > 710 (inf / inf = NaN). "
                              "Hint: use np.tanh.",
                              lambda Z: (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))))
    return out


def _g_prime_mistakes(name: str) -> list[Mistake]:
    """Mistakes of g_prime alone, matched on the g_prime cases."""
    g = ACTIVATIONS[name][0]
    is_g = Mistake("g_prime_is_g", f"g_prime returns g(Z) itself, not its derivative. Hint: {name}'s derivative is "
                   + _DERIVATIVES[name], g)
    if name == "relu":
        return [is_g, Mistake("flipped", "the derivative is 1 where Z < 0: the comparison is flipped. Hint: (Z > 0).",
                              lambda Z: (Z < 0).astype(float))]
    if name == "sigmoid":
        return [
            Mistake("A_formula_on_Z", "g_prime applies the formula A * (1 - A), written for A = sigmoid(Z), to Z "
                    "itself. Hint: A = g(Z); return A * (1 - A).", lambda Z: Z * (1.0 - Z)),
            Mistake("grad_overflow", "exp(-Z) / (1 + exp(-Z))**2 overflows for Z near -1000 (inf / inf = NaN). "
                    "Hint: write the derivative as A * (1 - A) with A = g(Z).",
                    lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2),
            Mistake("grad_of_exp_overflow", "g_prime is A * (1 - A) with A from exp(Z) / (1 + exp(Z)), the naive "
                    f"sigmoid, which is NaN for Z near 1000. Hint: {_SIGMOID_SECTION}; the derivative follows.",
                    lambda Z: _sigmoid_exp_form(Z) * (1.0 - _sigmoid_exp_form(Z))),
            is_g,
        ]
    return [
        Mistake("A_formula_on_Z", "g_prime applies the formula 1 - A**2, written for A = tanh(Z), to Z itself. "
                "Hint: A = np.tanh(Z); return 1 - A**2.", lambda Z: 1.0 - Z**2),
        Mistake("no_square", "the derivative is missing a square: tanh'(z) = 1 - tanh(z)**2.",
                lambda Z: 1.0 - np.tanh(Z)),
        is_g,
    ]


def _activation_cases(name: str, which: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    Zs = [("random (4, 3)", 3.0 * rng.standard_normal((4, 3)), "ordinary"),
          ("batch of 1 (1, 5)", rng.standard_normal((1, 5)), "batch of 1"),
          ("vector (6,)", 2.0 * rng.standard_normal(6), "ordinary"), ("zeros (2, 3)", np.zeros((2, 3)), "zeros"),
          ("large |Z| (3, 3)", _LARGE.copy(), "large")]
    label = ("g", "g_prime")[which]
    ref = ACTIVATIONS[name][which]
    return [Case(f"{label}: {what}", call_with([("Z", Z)]), (ref(Z),), (f"{label}(Z)",), one, kind=kind)
            for what, Z, kind in Zs
            if not (which == 1 and name == "relu" and not np.all(Z))]  # relu'(0) is a convention, not checked


@checker
def activation(name: str, g: object = None, g_prime: object = None, *, seed: int = 0) -> CheckResult:
    r"""Check an activation ``g(Z) -> A`` and its derivative ``g_prime(Z) -> g'(Z)``.

    ``name`` is one of ``"relu"``, ``"sigmoid"``, ``"tanh"``; ``g`` and ``g_prime`` are
    elementwise functions of the pre-activation ``Z`` (any shape). Each is checked on its own
    cases and diagnosed on its own, so a finished ``g`` is checked while ``g_prime`` still raises
    ``NotImplementedError``. ReLU's derivative is not checked at exactly :math:`z = 0`, where it
    is undefined. (Here ``fn`` below is the pair ``g``, ``g_prime``.)
    """
    usage = "check.activation('sigmoid', g, g_prime)"
    if callable(name):
        return misuse(Spec("activation", "g(Z) / g_prime(Z)"),
                      f"the activation's name is missing: the first argument is the name, then your two functions, "
                      f"e.g. {usage}; got a function ({getattr(name, '__name__', 'callable')}) where the name belongs.")
    if not isinstance(name, str) or name not in _NAMES:
        lower = f" (names are lower case: {name.lower()!r})" if isinstance(name, str) and name.lower() in _NAMES else ""
        return misuse(Spec("activation", "g(Z) / g_prime(Z)"),
                      f"unknown activation name {name!r}{lower}; valid names: 'relu', 'sigmoid', 'tanh', as in "
                      f"{usage}.")
    spec = Spec(f"activation({name!r})", f"g(Z) / g_prime(Z) for {name}")
    for label, f in (("g", g), ("g_prime", g_prime)):
        if not callable(f):
            missing = " is missing" if f is None else f" is a {type(f).__name__}, not a function"
            return misuse(spec, f"{label}{missing}: pass both of your functions themselves, e.g. "
                          f"check.activation({name!r}, g, g_prime).")
    parts = [run_check(Spec(spec.exercise, spec.signature), f, lambda w=which: _activation_cases(name, w, seed),
                       (_g_mistakes if which == 0 else _g_prime_mistakes)(name))
             for which, f in enumerate((g, g_prime))]
    return _merge(spec, parts, [c.name for c in _activation_cases(name, 1, seed)])


def _merge(spec: Spec, parts: list[CheckResult], g_prime_cases: list[str]) -> CheckResult:
    """One report from the checks of g and of g_prime."""
    r_g, r_gp = parts
    tol = r_g.tolerance
    if not r_g.attempted and not r_gp.attempted:
        return CheckResult(spec.exercise, spec.signature, False, False, None, None, (), tol)
    passed = r_g.passed and r_gp.passed
    cases = r_g.cases + r_gp.cases
    if passed:
        return CheckResult(spec.exercise, spec.signature, True, True, None, None, cases, tol)
    if not r_gp.attempted:
        cases = r_g.cases + tuple(CaseResult(name, False, "raised NotImplementedError") for name in g_prime_cases)
    if (r_g.mistake, r_gp.mistake) == ("g_is_derivative", "g_prime_is_g"):
        text = "g and g_prime are swapped: g must return the activation A = g(Z), g_prime its derivative."
        return CheckResult(spec.exercise, spec.signature, False, True, text, "swapped", cases, tol)
    texts, keys = [], []
    for label, r in (("g", r_g), ("g_prime", r_gp)):
        if not r.attempted:
            texts.append(f"{label} is not written yet (it still raises NotImplementedError)")
        elif not r.passed:
            texts.append(f"{label}: {r.diagnosis}" if r.mistake else r.diagnosis.rstrip("."))
            if r.mistake:
                keys.append(r.mistake)
        else:
            texts.append(f"{label} is right")
    diagnosis = "; ".join(t.rstrip(".") for t in texts) + "."
    key = "+".join(keys) if keys and len(keys) == sum(not r.passed and r.attempted for r in parts) else None
    return CheckResult(spec.exercise, spec.signature, False, True, diagnosis, key, cases, tol)


# ------------------------------------------------------------------ dense layer


@checker
def dense_forward(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(A_prev, W, b) -> Z``, a dense layer :math:`Z = A_{prev} W^\top + b`.

    ``A_prev`` is (m, n_in), ``W`` (n_out, n_in), ``b`` (n_out,), ``Z`` (m, n_out).
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        out = []
        for what, (m, n_in, n_out), kind in (("random", (4, 3, 5), "ordinary"), ("random", (6, 5, 2), "ordinary"),
                                             ("square", (4, 4, 4), "square"), ("batch of 1", (1, 3, 4), "batch of 1"),
                                             ("zero input", (3, 2, 3), "zeros")):
            A = rng.standard_normal((m, n_in)) if what != "zero input" else np.zeros((m, n_in))
            W, b = rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
            run = call_with([("A_prev", A), ("W", W), ("b", b)])
            out.append(Case(f"{what}: m={m}, n_in={n_in}, n_out={n_out}", run, (A @ W.T + b,), ("Z",), one,
                            kind=kind))
        return out

    mistakes = [
        Mistake("W_not_transposed", "W is used without transposing: A_prev @ W only works when n_in = n_out. Hint: "
                "W has shape (n_out, n_in), so Z = A_prev @ W.T + b.", lambda A, W, b: A @ W + b),
        Mistake("bias_missing", "the bias is missing. Hint: Z = A_prev @ W.T + b.", lambda A, W, b: A @ W.T),
        Mistake("bias_wrong_axis", "the bias is added along the wrong axis (b[:, None] adds b_i to row i). Hint: b "
                "has one entry per unit, a column of Z: add b itself, it broadcasts over the rows.",
                lambda A, W, b: A @ W.T + b[:, None]),
        Mistake("Z_transposed", "Z comes out transposed, (n_out, m): the course puts samples in rows. Hint: "
                "Z = A_prev @ W.T + b.", lambda A, W, b: W @ A.T + b[:, None]),
        Mistake("activation_applied", "an activation (ReLU) is applied: this function returns the pre-activation "
                "Z, before g.", lambda A, W, b: np.maximum(A @ W.T + b, 0.0)),
        Mistake("activation_applied", "an activation (sigmoid) is applied: this function returns the "
                "pre-activation Z, before g.", lambda A, W, b: 1.0 / (1.0 + np.exp(-(A @ W.T + b)))),
        Mistake("returns_input", "the function returns its input A_prev unchanged. Hint: Z = A_prev @ W.T + b.",
                lambda A, W, b: A),
        Mistake("bias_summed", "the bias is summed to one number (np.sum(b)) and added to every entry. Hint: add "
                "the vector b itself.", lambda A, W, b: A @ W.T + np.sum(b)),
    ]
    return run_check(Spec("dense_forward", "dense_forward(A_prev, W, b)"), fn, cases, mistakes)


# ---------------------------------------------------------------------- softmax


def _matrix_cases(seed: int) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Logit matrices (name, Z, labels, kind) shared by softmax and cross-entropy."""
    rng = np.random.default_rng(seed)
    out = []
    for what, (m, K), scale, kind in (("random", (4, 3), 2.0, "ordinary"), ("random", (3, 5), 3.0, "ordinary"),
                                      ("square", (3, 3), 1.0, "square"), ("batch of 1", (1, 4), 2.0, "batch of 1")):
        Z = scale * rng.standard_normal((m, K))
        out.append((f"{what} ({m}, {K})", Z, rng.permutation(np.arange(m) % K), kind))  # several classes if m > 1
    out.append(("logits +-1000 (3, 3)", _LARGE.copy(), np.array([1, 2, 0]), "large"))
    out.append(("ties (2, 4)", np.full((2, 4), 0.7), np.array([0, 3]), "ties"))
    out.append(("zeros (2, 3)", np.zeros((2, 3)), np.array([2, 2]), "zeros"))
    return out


def _softmax_rows(Z, axis=1):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _describe_softmax(case: Case, values: tuple[np.ndarray, ...]):
    """True statements about P's sums, which name a wrong normalisation whatever the code looked like."""
    (P,), m = values, values[0].shape[0]
    if np.any(P < 0):
        return None, "P has negative entries, so it is not a probability (softmax is exp(z) / sum(exp(z)) > 0)"
    rows, cols = P.sum(axis=1), P.sum(axis=0)
    if np.allclose(rows, rows[0], rtol=1e-9) and not np.isclose(rows[0], 1.0, rtol=1e-9):
        over_m = f" (1/m with m = {m})" if m > 1 and np.isclose(rows[0], 1.0 / m, rtol=1e-9) else ""
        return None, f"each row of P sums to {rows[0]:.4g}{over_m} instead of 1"
    if m > 1 and np.isclose(P.sum(), 1.0, rtol=1e-9) and not np.allclose(rows, 1.0, rtol=1e-9):
        return "whole_matrix", ("the whole matrix P sums to 1, not each row: the exponentials are divided by the "
                                "sum of the whole matrix (a sum without axis). Hint: E.sum(axis=1, keepdims=True)")
    if m > 1 and np.allclose(cols, 1.0, rtol=1e-9) and not np.allclose(rows, 1.0, rtol=1e-9):
        return "wrong_axis", ("the columns of P sum to 1, not the rows: normalised over axis 0. Hint: rows are "
                              "samples, so use axis=1 (with keepdims=True)")
    if not np.allclose(rows, 1.0, rtol=1e-9):
        return None, "the rows of P do not sum to 1 (softmax divides each row's exponentials by that row's sum)"
    return None


@checker
def softmax(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(Z) -> P``, the softmax of each row of the logits ``Z`` (m, K)."""

    def cases() -> list[Case]:
        return [Case(what, call_with([("Z", Z)]), (losses.softmax(Z),), ("P",), one, kind=kind)
                for what, Z, _, kind in _matrix_cases(seed)]

    mistakes = [
        Mistake("no_max_shift", "exp(Z) overflows for logits near 1000 (inf / inf = NaN): the max shift is missing."
                " Hint: subtract each row's maximum first, Z - Z.max(axis=1, keepdims=True).",
                lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        Mistake("wrong_axis", "normalised over the wrong axis: the columns sum to 1, not the rows. Hint: rows are "
                "samples, so use axis=1 (with keepdims=True).", lambda Z: _softmax_rows(Z, axis=0)),
        Mistake("whole_matrix", "normalised over the whole matrix (a sum without axis). Hint: E.sum(axis=1, "
                "keepdims=True).", lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum()),
        Mistake("global_max_shift", "shifted by the maximum of the whole matrix, so a row far below it underflows "
                "to 0 / 0 = NaN. Hint: shift each row by its own maximum, Z.max(axis=1, keepdims=True).",
                lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True)),
        Mistake("no_keepdims", "a row reduction without keepdims=True: Z.max(axis=1) or E.sum(axis=1) has shape "
                "(m,), which broadcasts along the wrong axis. Hint: keepdims=True.",
                lambda Z: np.exp(Z - Z.max(axis=1)) / np.exp(Z - Z.max(axis=1)).sum(axis=1)),
        Mistake("no_keepdims", "E.sum(axis=1) without keepdims=True has shape (m,), which broadcasts along the "
                "wrong axis. Hint: E.sum(axis=1, keepdims=True).",
                lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)) / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(1)),
        Mistake("not_normalised", "the exponentials are not divided by their sum, so rows do not sum to 1.",
                lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))),
        Mistake("returns_input", "the function returns its input Z unchanged. Hint: P = exp(Z - c) / sum of the "
                "row's exp(Z - c), c the row maximum.", lambda Z: Z),
    ]
    return run_check(Spec("softmax", "softmax(Z)", describe=_describe_softmax), fn, cases, mistakes)


# ------------------------------------------------------------------ cross-entropy


def _log_softmax_naive(Z):
    return np.log(np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))


def _describe_loss(case: Case, values: tuple[np.ndarray, ...]):
    """A wrong scalar loss: its sign, or a factor m (a sum) against the reference."""
    (J,), ref = values, float(case.expected[0])
    if J.ndim or ref == 0:
        return None
    if J < 0:
        return None, f"J is {J:.4g}, expected {ref:.4g}: a cross-entropy is never negative (-log p >= 0)"
    return None


@checker
def cross_entropy(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(Z, y) -> J``, the mean softmax cross-entropy of logits (m, K) and labels (m,)."""

    def cases() -> list[Case]:
        return [Case(what, call_with([("Z", Z), ("y", y)]), (losses.cross_entropy(Z, y),), ("J",), one, kind=kind)
                for what, Z, y, kind in _matrix_cases(seed)]

    def ce(log_p, y, reduce=np.mean):
        return -reduce(log_p[np.arange(len(y)), y])

    mistakes = [
        Mistake("summed", "the losses are summed, not averaged over the samples. Hint: divide by m (np.mean).",
                lambda Z, y: ce(losses.log_softmax(Z), y, np.sum)),
        Mistake("log_softmax_overflow", "log(softmax(Z)) without the max shift overflows for logits near 1000 "
                "(NaN). Hint: log-sum-exp: log p_k = (z_k - c) - log(sum_j exp(z_j - c)) with c the row maximum.",
                lambda Z, y: ce(_log_softmax_naive(Z), y)),
        Mistake("log_of_softmax", "log(softmax(Z)) is -inf when a probability underflows to 0 (a logit 2000 below "
                "the row's maximum), so J = inf. Hint: compute log p by log-sum-exp, never log of p.",
                lambda Z, y: ce(np.log(_softmax_rows(Z)), y)),
        Mistake("mean_over_all_entries", "averaged over all m*K entries of Y * log P instead of over the m "
                "samples. Hint: sum over classes, then mean over samples.",
                lambda Z, y: -np.mean(np.eye(Z.shape[1])[y] * losses.log_softmax(Z))),
        Mistake("not_reduced", "one loss per sample is returned. Hint: J is their mean, a single number: "
                "np.mean(...).", lambda Z, y: -losses.log_softmax(Z)[np.arange(len(y)), y]),
        Mistake("wrong_sign", "the sign is wrong: J = -mean(log p of the true class) is >= 0.",
                lambda Z, y: -ce(losses.log_softmax(Z), y)),
        Mistake("column_indexing", "log_P[:, y] picks whole columns (an m x m block), not one entry per sample. "
                "Hint: log_P[np.arange(m), y].", lambda Z, y: -np.mean(losses.log_softmax(Z)[:, y])),
        Mistake("log_of_logits", "the log is taken of the logits themselves (or of exp(Z) unnormalised): the "
                "softmax is missing. Hint: log p = z - logsumexp(z), row by row.",
                lambda Z, y: -np.mean(Z[np.arange(len(y)), y])),
        Mistake("true_class_ignored", "the loss does not depend on y: the log-probability of the true class is "
                "never picked. Hint: log_P[np.arange(m), y].", lambda Z, y: -np.mean(losses.log_softmax(Z))),
    ]
    spec = Spec("cross_entropy", "cross_entropy(Z, y)", describe=_describe_loss)
    return run_check(spec, fn, cases, mistakes)


def _bce_naive(z, y):
    s = _sigmoid_naive(z)
    return -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))


@checker
def bce_with_logits(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(z, y) -> J``, the mean binary cross-entropy of logits (m,) and targets in {0, 1} (m,)."""

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        data = [(f"random m={m}", 3.0 * rng.standard_normal(m), rng.permutation(np.arange(m) % 2).astype(float),
                 "ordinary") for m in (6, 9)]
        data += [("batch of 1", rng.standard_normal(1), np.array([1.0]), "batch of 1"),
                 ("logits +-1000", np.array([1000.0, -1000.0, 1000.0, -1000.0]), np.array([1.0, 0.0, 0.0, 1.0]),
                  "large"),
                 ("zeros", np.zeros(3), np.array([0.0, 1.0, 1.0]), "zeros"),
                 ("ties, all one class", np.full(4, -0.4), np.ones(4), "ties")]
        return [Case(what, call_with([("z", z), ("y", y)]), (losses.binary_cross_entropy_with_logits(z, y),),
                     ("J",), one, kind=kind) for what, z, y, kind in data]

    ref = losses.binary_cross_entropy_with_logits
    mistakes = [
        Mistake("sigmoid_first", "a sigmoid is applied to z before a with-logits loss (the seed's own bug): the "
                "loss already contains the sigmoid. Hint: pass the raw logits z.",
                lambda z, y: ref(_sigmoid_naive(z), y)),
        Mistake("log_of_sigmoid", "-(y log s + (1 - y) log(1 - s)) with s = sigmoid(z) gives log(0) = -inf and 0 * "
                "inf = NaN for logits near +-1000. Hint: the stable form max(z, 0) - z*y + log(1 + exp(-|z|)).",
                _bce_naive),
        Mistake("softplus_overflow", "log(1 + exp(z)) overflows for z near 1000 (inf). Hint: max(z, 0) + "
                "log(1 + exp(-|z|)), or np.logaddexp(0, z).", lambda z, y: np.mean(np.log(1 + np.exp(z)) - y * z)),
        Mistake("summed", "the losses are summed, not averaged over the samples. Hint: np.mean.",
                lambda z, y: ref(z, y) * len(z)),
        Mistake("not_reduced", "one loss per sample is returned. Hint: J is their mean, a single number: "
                "np.mean(...).", lambda z, y: np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
        Mistake("labels_flipped", "the targets are flipped (y and 1 - y exchanged, or the sign of z): the loss is "
                "small when the prediction is wrong.", lambda z, y: ref(z, 1.0 - y)),
        Mistake("wrong_sign", "the sign is wrong: the loss is >= 0.", lambda z, y: -ref(z, y)),
        Mistake("abs_dropped", "log(1 + exp(-z)) without the absolute value: the stable form is max(z, 0) - z*y + "
                "log(1 + exp(-|z|)), with |z|.", lambda z, y: np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)))),
    ]
    return run_check(Spec("bce_with_logits", "bce_with_logits(z, y)", describe=_describe_loss), fn, cases, mistakes)
