r"""Learner-facing checkers for the forward pass and the losses (chapters 1 and 2).

Each ``check.NAME(fn, *, seed=0)`` runs the learner's ``fn`` on seeded random cases and
edge cases (a batch of 1, non-square shapes so that a missing transpose shows, logits of
:math:`\pm 1000`, ties, zeros), compares every output with :mod:`mlp_lab`'s reference at a
float64 tolerance, and names the likely mistake. See :mod:`mlp_lab.check._engine`.
"""

from __future__ import annotations

import numpy as np

from mlp_lab._validation import check_choice
from mlp_lab.check._engine import Case, Mistake, Spec, call_with, one, run_check
from mlp_lab.check.result import CheckResult
from mlp_lab.scratch import losses
from mlp_lab.scratch.activations import ACTIVATIONS

__all__ = ["activation", "bce_with_logits", "cross_entropy", "dense_forward", "softmax"]

_LARGE = np.array([[1000.0, -1000.0, 0.5], [-1000.0, -1000.0, -1000.0], [999.0, 1000.0, 1000.0]])  # (3, 3)


def _sigmoid_naive(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _activation_mistakes(name: str) -> list[Mistake]:
    g, gp = ACTIVATIONS[name]
    is_g = Mistake("g_prime_is_g", f"g_prime returns g(Z) itself, not its derivative. Hint: {name}'s derivative "
                   "is " + {"relu": "1 where Z > 0 and 0 elsewhere.", "sigmoid": "A * (1 - A) with A = g(Z).",
                            "tanh": "1 - A**2 with A = g(Z)."}[name], (g, g))
    swapped = Mistake("swapped", "g and g_prime are swapped: g must return the activation A = g(Z), g_prime its "
                      "derivative.", (gp, g))
    if name == "relu":
        return [
            Mistake("np_max", "np.max(Z, 0) takes the largest entry along axis 0 (it reduces the array). Hint: use "
                    "np.maximum(Z, 0), which compares element by element.", (lambda Z: np.max(Z, 0), gp)),
            is_g, swapped,
            Mistake("flipped", "the derivative is 1 where Z < 0: the comparison is flipped. Hint: (Z > 0).",
                    (g, lambda Z: (Z < 0).astype(float))),
        ]
    if name == "sigmoid":
        return [
            Mistake("exp_sign", "sign error in the exponent: sigmoid(z) = 1 / (1 + exp(-z)), not 1 / (1 + exp(z)).",
                    (lambda Z: 1.0 / (1.0 + np.exp(Z)), gp)),
            Mistake("A_formula_on_Z", "g_prime applies the formula A * (1 - A), written for A = sigmoid(Z), to Z "
                    "itself. Hint: A = g(Z); return A * (1 - A).", (g, lambda Z: Z * (1.0 - Z))),
            Mistake("exp_overflow", "exp(Z) / (1 + exp(Z)) overflows for Z near 1000 (inf / inf = NaN). Hint: use "
                    "1 / (1 + exp(-Z)), or the course's stable form.", (lambda Z: np.exp(Z) / (1 + np.exp(Z)), gp)),
            Mistake("grad_overflow", "exp(-Z) / (1 + exp(-Z))**2 overflows for Z near -1000 (inf / inf = NaN). "
                    "Hint: write the derivative as A * (1 - A) with A = g(Z).",
                    (g, lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2)),
            is_g, swapped,
        ]
    return [
        Mistake("A_formula_on_Z", "g_prime applies the formula 1 - A**2, written for A = tanh(Z), to Z itself. "
                "Hint: A = np.tanh(Z); return 1 - A**2.", (g, lambda Z: 1.0 - Z**2)),
        Mistake("no_square", "the derivative is missing a square: tanh'(z) = 1 - tanh(z)**2.",
                (g, lambda Z: 1.0 - np.tanh(Z))),
        Mistake("exp_overflow", "tanh written with exp overflows for |Z| > 710 (inf / inf = NaN). Hint: use "
                "np.tanh.", (lambda Z: (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)), gp)),
        is_g, swapped,
    ]


def activation(name: str, g: object, g_prime: object, *, seed: int = 0) -> CheckResult:
    r"""Check an activation ``g(Z) -> A`` and its derivative ``g_prime(Z) -> g'(Z)``.

    Parameters
    ----------
    name : {"relu", "sigmoid", "tanh"}
        Which activation the learner wrote.
    g, g_prime : callable (ndarray) -> ndarray
        Elementwise functions of the pre-activation ``Z`` (any shape).
    seed : int, keyword-only
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Notes
    -----
    ReLU's derivative is not checked at exactly :math:`z = 0`, where it is undefined.
    """
    name = check_choice(name, name="name", choices=("relu", "sigmoid", "tanh"))
    ref = ACTIVATIONS[name]

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        Zs = [("random (4, 3)", 3.0 * rng.standard_normal((4, 3))), ("batch of 1 (1, 5)", rng.standard_normal((1, 5))),
              ("vector (6,)", 2.0 * rng.standard_normal(6)), ("zeros (2, 3)", np.zeros((2, 3))),
              ("large |Z| (3, 3)", _LARGE.copy())]
        out = []
        for which, label in ((0, "g"), (1, "g_prime")):
            for what, Z in Zs:
                if which == 1 and name == "relu" and not np.all(Z):
                    continue  # relu'(0) is a convention, not checked
                out.append(Case(f"{label}: {what}", _one_of(which, Z), (ref[which](Z),), (f"{label}(Z)",), one))
        return out

    spec = Spec(f"activation({name!r})", f"g(Z) / g_prime(Z) for {name}")
    return run_check(spec, (g, g_prime), cases, lambda: _activation_mistakes(name))


def _one_of(which: int, Z: np.ndarray):
    def run(pair):
        Zc = Z.copy()
        out = pair[which](Zc)
        return out, (("Z",) if not np.array_equal(Zc, Z) else ())

    return run


# ------------------------------------------------------------------ dense layer


def dense_forward(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(A_prev, W, b) -> Z``, a dense layer :math:`Z = A_{prev} W^\top + b`.

    ``A_prev`` is (m, n_in), ``W`` (n_out, n_in), ``b`` (n_out,), ``Z`` (m, n_out).

    Parameters
    ----------
    fn : callable
        The learner's function, with the signature above. It is called on copies of the
        inputs; whatever it raises or returns is reported, never propagated.
    seed : int, keyword-only
        Seed of ``np.random.default_rng`` for the random cases (edge cases are fixed).

    Returns
    -------
    CheckResult
        Prints, and displays in a notebook, as a short report of verdicts.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        out = []
        for what, (m, n_in, n_out) in (("random", (4, 3, 5)), ("random", (6, 5, 2)), ("square", (4, 4, 4)),
                                       ("batch of 1", (1, 3, 4)), ("zero input", (3, 2, 3))):
            A = rng.standard_normal((m, n_in)) if what != "zero input" else np.zeros((m, n_in))
            W, b = rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
            run = call_with([("A_prev", A), ("W", W), ("b", b)])
            out.append(Case(f"{what}: m={m}, n_in={n_in}, n_out={n_out}", run, (A @ W.T + b,), ("Z",), one))
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
    ]
    return run_check(Spec("dense_forward", "dense_forward(A_prev, W, b)"), fn, cases, mistakes)


# ---------------------------------------------------------------------- softmax


def _matrix_cases(seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Logit matrices (name, Z, labels) shared by softmax and cross-entropy."""
    rng = np.random.default_rng(seed)
    out = []
    for what, (m, K), scale in (("random", (4, 3), 2.0), ("random", (3, 5), 3.0), ("square", (3, 3), 1.0),
                                ("batch of 1", (1, 4), 2.0)):
        out.append((f"{what} ({m}, {K})", scale * rng.standard_normal((m, K)), rng.integers(0, K, m)))
    out.append(("logits +-1000 (3, 3)", _LARGE.copy(), np.array([1, 2, 0])))
    out.append(("ties (2, 4)", np.full((2, 4), 0.7), np.array([0, 3])))
    out.append(("zeros (2, 3)", np.zeros((2, 3)), np.array([2, 2])))
    return out


def _softmax_rows(Z, axis=1):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def softmax(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(Z) -> P``, the softmax of each row of the logits ``Z`` (m, K).

    Parameters
    ----------
    fn : callable
        The learner's function, with the signature above. It is called on copies of the
        inputs; whatever it raises or returns is reported, never propagated.
    seed : int, keyword-only
        Seed of ``np.random.default_rng`` for the random cases (edge cases are fixed).

    Returns
    -------
    CheckResult
        Prints, and displays in a notebook, as a short report of verdicts.
    """

    def cases() -> list[Case]:
        return [Case(what, call_with([("Z", Z)]), (losses.softmax(Z),), ("P",), one)
                for what, Z, _ in _matrix_cases(seed)]

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
    ]
    return run_check(Spec("softmax", "softmax(Z)"), fn, cases, mistakes)


# ------------------------------------------------------------------ cross-entropy


def _log_softmax_naive(Z):
    return np.log(np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))


def cross_entropy(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(Z, y) -> J``, the mean softmax cross-entropy of logits (m, K) and labels (m,).

    Parameters
    ----------
    fn : callable
        The learner's function, with the signature above. It is called on copies of the
        inputs; whatever it raises or returns is reported, never propagated.
    seed : int, keyword-only
        Seed of ``np.random.default_rng`` for the random cases (edge cases are fixed).

    Returns
    -------
    CheckResult
        Prints, and displays in a notebook, as a short report of verdicts.
    """

    def cases() -> list[Case]:
        return [Case(what, call_with([("Z", Z), ("y", y)]), (losses.cross_entropy(Z, y),), ("J",), one)
                for what, Z, y in _matrix_cases(seed)]

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
    ]
    return run_check(Spec("cross_entropy", "cross_entropy(Z, y)"), fn, cases, mistakes)


def _bce_naive(z, y):
    s = _sigmoid_naive(z)
    return -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))


def bce_with_logits(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(z, y) -> J``, the mean binary cross-entropy of logits (m,) and targets in {0, 1} (m,).

    Parameters
    ----------
    fn : callable
        The learner's function, with the signature above. It is called on copies of the
        inputs; whatever it raises or returns is reported, never propagated.
    seed : int, keyword-only
        Seed of ``np.random.default_rng`` for the random cases (edge cases are fixed).

    Returns
    -------
    CheckResult
        Prints, and displays in a notebook, as a short report of verdicts.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        data = [(f"random m={m}", 3.0 * rng.standard_normal(m), rng.integers(0, 2, m).astype(float)) for m in (6, 9)]
        data += [("batch of 1", rng.standard_normal(1), np.array([1.0])),
                 ("logits +-1000", np.array([1000.0, -1000.0, 1000.0, -1000.0]), np.array([1.0, 0.0, 0.0, 1.0])),
                 ("zeros", np.zeros(3), np.array([0.0, 1.0, 1.0])),
                 ("ties, all one class", np.full(4, -0.4), np.ones(4))]
        return [Case(what, call_with([("z", z), ("y", y)]), (losses.binary_cross_entropy_with_logits(z, y),),
                     ("J",), lambda out: (out,)) for what, z, y in data]

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
    ]
    return run_check(Spec("bce_with_logits", "bce_with_logits(z, y)"), fn, cases, mistakes)
