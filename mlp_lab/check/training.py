r"""Learner-facing checkers for training and evaluation (chapters 4 to 7): one Adam step, checked
over many steps against :class:`torch.optim.Adam`, and binary precision / recall / F1 against
:mod:`sklearn.metrics` (both imported on first use).
"""

from __future__ import annotations

import numpy as np

from mlp_lab.check._engine import (
    BadOutput,
    Case,
    Mistake,
    Spec,
    call_with,
    checker,
    one_torch_thread,
    run_check,
    several,
)
from mlp_lab.check.result import CheckResult

__all__ = ["adam_step", "precision_recall_f1"]

_STEPS = 20


# --------------------------------------------------------------------------- Adam


def _torch_adam(w0: np.ndarray, G: np.ndarray, lr: float, beta1: float, beta2: float, eps: float):
    """Trajectories (w_t, m_t, v_t), t = 1..T, of :class:`torch.optim.Adam` fed the gradients G[t-1].

    ``m_t`` and ``v_t`` are the optimizer's state ``exp_avg`` and ``exp_avg_sq``. (The first
    ``step()`` of a session imports more of PyTorch, about 2 s, once.)
    """
    import torch

    w = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    W, M, V = [], [], []
    with one_torch_thread():
        for g_t in G:
            w.grad = torch.from_numpy(g_t).clone()
            opt.step()
            state = opt.state[w]
            W.append(w.detach().numpy().copy())
            M.append(state["exp_avg"].numpy().copy())
            V.append(state["exp_avg_sq"].numpy().copy())
    return np.array(W), np.array(M), np.array(V)  # each (T, *w.shape)


def _adam_runner(w0: np.ndarray, G: np.ndarray, hyper: tuple[float, float, float, float]):
    def run(fn):
        w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
        W, M, V = [], [], []
        for t, g in enumerate(G, start=1):
            out = fn(w.copy(), g.copy(), m.copy(), v.copy(), t, *hyper)  # in-place updates are allowed
            if not isinstance(out, tuple | list) or len(out) != 3:
                raise BadOutput(f"step {t} returned {type(out).__name__}, expected a tuple (w, m, v)")
            try:
                w, m, v = (np.array(a, dtype=np.float64) for a in out)
            except (TypeError, ValueError) as err:
                raise BadOutput(f"step {t} returned something that is not numbers ({type(err).__name__})") from None
            for trajectory, a in ((W, w), (M, m), (V, v)):
                if a.shape != w0.shape:
                    raise BadOutput(f"step {t} returned an array of shape {a.shape}, expected {w0.shape}")
                trajectory.append(a)
        return (np.array(W), np.array(M), np.array(V)), ()  # the learner may update w, m, v in place

    return run


def _adam_variant(w, g, m, v, t, lr, beta1, beta2, eps, *, mistake: str = ""):
    """One Adam step, or a mistaken variant of it (for the diagnosis)."""
    if mistake == "betas_swapped":
        beta1, beta2 = beta2, beta1
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * (g if mistake == "g_not_squared" else g * g)
    tc = {"t_plus_one": t + 1, "t_minus_one": t - 1}.get(mistake, t)
    m_hat = m if mistake == "no_bias_correction" else m / (1 - beta1**tc)
    v_hat = v if mistake in ("no_bias_correction", "v_not_corrected") else v / (1 - beta2**tc)
    if mistake == "eps_inside_sqrt":
        return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
    if mistake == "eps_before_correction":  # the paper's "efficient" ordering: eps is not rescaled
        step_size = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        return w - step_size * m / (np.sqrt(v) + eps), m, v
    if mistake == "no_sqrt":
        return w - lr * m_hat / (v_hat + eps), m, v
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    if mistake == "returns_hat":
        return w, m_hat, v_hat
    return w, m, v


_ADAM_MISTAKES = {
    "no_bias_correction": "no bias correction: m and v start at 0, so early steps are too small. Hint: "
    "m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t).",
    "t_plus_one": "t is off by one (t + 1 in the bias correction): t is already the 1-based step number.",
    "t_minus_one": "t is off by one (t - 1 in the bias correction, which divides by 1 - beta**0 = 0 at the first "
    "step): t is already the 1-based step number.",
    "eps_inside_sqrt": "eps is inside the square root: sqrt(v_hat + eps). Hint: as torch.optim.Adam, "
    "sqrt(v_hat) + eps.",
    "g_not_squared": "v averages g instead of g**2 (it can go negative, and sqrt gives NaN). Hint: "
    "v = beta2 * v + (1 - beta2) * g**2.",
    "v_not_corrected": "only m is bias-corrected: v_hat = v / (1 - beta2**t) is missing.",
    "betas_swapped": "beta1 and beta2 are swapped: beta1 (0.9) goes with m, beta2 (0.999) with v.",
    "eps_before_correction": "eps is added to sqrt(v) before the bias correction (the Adam paper's 'efficient' "
    "form, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps)), which effectively rescales eps. Hint: "
    "as torch.optim.Adam, m_hat / (sqrt(v_hat) + eps).",
    "no_sqrt": "the square root of v_hat is missing: the step is m_hat / (sqrt(v_hat) + eps).",
    "returns_hat": "the m and v you return are the bias-corrected m_hat and v_hat, so the next step corrects them "
    "again. Hint: return the raw moments m and v (the optimizer's state); m_hat and v_hat are only for this step's "
    "update.",
}


def _own_step_counter(trajectories: dict[str, tuple]):
    """A ``Spec.describe`` for Adam: the step number a learner's update used, when it is not the ``t`` given.

    At a case's first step, with m and v right, the update ``w - lr m_hat / (sqrt(v_hat) + eps)``
    depends on t only through the bias corrections, so the t it used can be found by trying each.
    """

    def describe(case: Case, values):
        w0, G, (lr, beta1, beta2, eps) = trajectories[case.name]
        W, M, V = values
        W_ref, M_ref, V_ref = case.expected

        def first_wrong(ours, ref):
            close = np.isclose(ours, ref, rtol=1e-10, atol=1e-12).reshape(len(ref), -1).all(axis=1)
            return None if close.all() else int(np.argmin(close)) + 1

        step_m, step_v, step_w = first_wrong(M, M_ref), first_wrong(V, V_ref), first_wrong(W, W_ref)
        if step_m is not None or step_v is not None:  # the state is wrong: m and v depend on g alone
            first = min(step for step in (step_m, step_v) if step is not None)
            which = [name for name, step in (("m", step_m), ("v", step_v)) if step == first]
            formulas = {"m": "m = beta1 * m + (1 - beta1) * g", "v": "v = beta2 * v + (1 - beta2) * g**2"}
            return None, (f"{' and '.join(which)} {'is' if len(which) == 1 else 'are'} wrong from step {first} (the "
                          f"state you return): check {'; '.join(formulas[n] for n in which)}, and that you return "
                          "the moments themselves, in the order (w, m, v)")
        T = np.arange(1, 10_001, dtype=np.float64).reshape(-1, *([1] * w0.ndim))  # candidate step numbers
        m_hat, v_hat = M_ref[0] / (1 - beta1**T), V_ref[0] / (1 - beta2**T)
        w1 = w0 - lr * m_hat / (np.sqrt(v_hat) + eps)  # (10000, *w.shape)
        hits = np.flatnonzero(np.all(np.isclose(w1, W[0], rtol=1e-10, atol=1e-12).reshape(len(T), -1), axis=1))
        if len(hits) == 0 or hits[0] == 0:
            return None, ("m and v are right at every step but w is wrong from step 1: the update line is wrong "
                          "(w - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1**t) and v_hat = "
                          "v / (1 - beta2**t))") if step_w == 1 else None
        return "own_step_counter", (f"at the first step of this case (t = 1) your update used the bias correction "
                                    f"of step {int(hits[0]) + 1}: a step counter of your own (a global or an "
                                    "attribute) that keeps counting across calls? Hint: use the argument t, which "
                                    "the caller advances")

    return describe


@checker
def adam_step(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(w, g, m, v, t, lr, beta1, beta2, eps) -> (w, m, v)``, one Adam step, over 20 steps.

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
              w_t = w_{t-1} - \text{lr}\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`\hat m_t = m_t / (1 - \beta_1^t)`, :math:`\hat v_t = v_t / (1 - \beta_2^t)` and
    ``t`` the 1-based step. Each case feeds the learner's own ``(w, m, v)`` back for 20 steps
    of a fixed gradient sequence and compares the whole trajectory with
    :class:`torch.optim.Adam`'s.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        specs = [("vector (5,), lr 1e-3, betas (0.9, 0.999), eps 1e-8", (5,), 1.0, (1e-3, 0.9, 0.999, 1e-8)),
                 ("matrix (3, 4), lr 0.1, betas (0.8, 0.99), eps 1e-6", (3, 4), 1.0, (0.1, 0.8, 0.99, 1e-6)),
                 ("small gradients (4,), lr 0.01, eps 1e-4", (4,), 1e-3, (0.01, 0.9, 0.999, 1e-4)),
                 ("single weight (1,), some zero gradients", (1,), 1.0, (0.05, 0.9, 0.999, 1e-8))]
        out = []
        for what, shape, scale, hyper in specs:
            w0 = rng.standard_normal(shape)
            G = scale * rng.standard_normal((_STEPS, *shape))
            if shape == (1,):
                G[[0, 3, 4, 10]] = 0.0
            trajectories[what] = (w0, G, hyper)
            out.append(Case(what, _adam_runner(w0, G, hyper), _torch_adam(w0, G, *hyper), ("w", "m", "v"),
                            several("w", "m", "v"), per_step=True, kind="edge" if shape == (1,) else "ordinary"))
        return out

    trajectories: dict[str, tuple] = {}
    mistakes = [Mistake(key, text, lambda *a, k=key: _adam_variant(*a, mistake=k))
                for key, text in _ADAM_MISTAKES.items()]
    spec = Spec("adam_step", "adam_step(w, g, m, v, t, lr, beta1, beta2, eps)",
                describe=_own_step_counter(trajectories))
    return run_check(spec, fn, cases, mistakes)


# ------------------------------------------------------------------------ metrics


def _sklearn_prf(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float]:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return float(p), float(r), float(f1)


def _counts(y_true, y_pred, positive=1):
    tp = np.sum((y_pred == positive) & (y_true == positive))
    return tp, np.sum(y_pred == positive), np.sum(y_true == positive)


def _ratio(a, b):
    return float(a / b) if b else 0.0


def _prf_variant(y_true, y_pred, *, mistake: str = ""):
    """Precision, recall, F1, or a mistaken variant of them (for the diagnosis)."""
    tp, pred_pos, true_pos = _counts(y_true, y_pred, 0 if mistake == "positive_is_0" else 1)
    p, r = _ratio(tp, pred_pos), _ratio(tp, true_pos)
    if mistake.startswith("nan_when_undefined"):
        with np.errstate(all="ignore"):
            p, r = float(np.float64(tp) / pred_pos), float(np.float64(tp) / true_pos)
            if mistake.endswith("counts"):  # F1 = 2 TP / (2 TP + FP + FN), NaN only when all are 0
                return p, r, float(np.float64(2 * tp) / (true_pos + pred_pos))
            return p, r, float(2 * p * r / (p + r))
    f1 = (p + r) / 2 if mistake == "f1_arithmetic_mean" else _ratio(2 * p * r, p + r)
    if mistake == "swapped":
        return r, p, f1
    if mistake == "accuracy_as_precision":
        acc = float(np.mean(y_true == y_pred))
        return acc, r, _ratio(2 * acc * r, acc + r)
    return p, r, f1


_PRF_MISTAKES = {
    "swapped": "precision and recall are swapped. Hint: precision = TP / (TP + FP), of the predicted positives; "
    "recall = TP / (TP + FN), of the actual positives.",
    "f1_arithmetic_mean": "F1 is the arithmetic mean (p + r) / 2. Hint: F1 is the harmonic mean, "
    "2 p r / (p + r).",
    "positive_is_0": "class 0 is scored as the positive class. Hint: the positive label is 1.",
    "nan_when_undefined": "0 / 0 gives NaN when there is no predicted (or no actual) positive. Hint: return 0.0 "
    "there, as scikit-learn's zero_division=0.",
    "accuracy_as_precision": "the accuracy is returned as precision. Hint: precision = TP / (TP + FP).",
}


@checker
def precision_recall_f1(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(y_true, y_pred) -> (precision, recall, f1)`` for binary labels, positive label 1.

    Undefined values (0 / 0) must be 0.0, as ``zero_division=0`` in :mod:`sklearn.metrics`,
    the reference.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        data = [(f"random m={m}", rng.integers(0, 2, m), rng.integers(0, 2, m), "ordinary") for m in (20, 7)]
        data += [("precision != recall", np.array([1, 1, 1, 1, 0, 0, 0, 0]), np.array([1, 0, 0, 0, 1, 0, 0, 0]),
                  "edge"),
                 ("no predicted positives", np.array([1, 0, 1, 0, 0]), np.zeros(5, dtype=np.int64), "zero division"),
                 ("no actual positives", np.zeros(5, dtype=np.int64), np.array([0, 1, 0, 0, 1]), "zero division"),
                 ("all negative", np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64), "zero division"),
                 ("perfect", np.array([1, 0, 1, 1, 0, 1]), np.array([1, 0, 1, 1, 0, 1]), "edge"),
                 ("single sample", np.array([1]), np.array([1]), "batch of 1")]
        labels = ("precision", "recall", "f1")
        return [Case(what, call_with([("y_true", t), ("y_pred", p)]), _sklearn_prf(t, p), labels, several(*labels),
                     kind=kind) for what, t, p, kind in data]

    mistakes = [Mistake(key, text, lambda t, p, k=key: _prf_variant(t, p, mistake=k))
                for key, text in _PRF_MISTAKES.items()]
    mistakes.append(Mistake("nan_when_undefined", _PRF_MISTAKES["nan_when_undefined"],
                            lambda t, p: _prf_variant(t, p, mistake="nan_when_undefined_counts")))
    hints = {"error:ZeroDivisionError": "This is the zero_division case: with no predicted positive, precision = "
             "TP / (TP + FP) is 0 / 0 (with no actual positive, recall is; then F1's p + r is 0 too). Hint: return "
             "0.0 there, as scikit-learn's zero_division=0."}
    spec = Spec("precision_recall_f1", "precision_recall_f1(y_true, y_pred)", hints=hints)
    return run_check(spec, fn, cases, mistakes)
